package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/internal/soffice"
)

// writeClerkWorkbook writes, with excelize, the workbook a clerk keeps:
// a ledger with a title row, text ID numbers, date cells of three formats,
// a date-time, numbers, booleans and formulas; an empty sheet; and a sheet
// of n distinct Chinese strings (enough for the .xls shared-string table
// to go on in CONTINUE records: each record holds at most 8,224 bytes).
func writeClerkWorkbook(t testing.TB, path string, n int) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "人员台账"))
	must(f.SetCellValue("人员台账", "A1", "某县人员台账"))
	must(f.SetSheetRow("人员台账", "A3", &[]any{"姓名", "身份证号", "到岗时间", "金额", "党员", "公式", "登记时刻", "离岗时间"}))
	iso, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	cn := `yyyy"年"m"月"d"日"`
	chinese, err := f.NewStyle(&excelize.Style{CustomNumFmt: &cn})
	must(err)
	stamp, err := f.NewStyle(&excelize.Style{NumFmt: 22})
	must(err)
	must(f.SetSheetRow("人员台账", "A4", &[]any{"测试甲", "140105199001011238", time.Date(2021, 1, 8, 0, 0, 0, 0, time.UTC),
		1234.5, true, nil, time.Date(2022, 7, 1, 13, 45, 30, 0, time.UTC), nil}))
	must(f.SetCellStyle("人员台账", "C4", "C4", iso))
	must(f.SetCellStyle("人员台账", "G4", "G4", stamp))
	must(f.SetCellFormula("人员台账", "F4", "D4*2"))
	// Row 5 is left empty; row 6 has a date in a Chinese format and a
	// string formula.
	must(f.SetSheetRow("人员台账", "A6", &[]any{"测试乙", "11010519491231002X", time.Date(2019, 8, 1, 0, 0, 0, 0, time.UTC), 7, false}))
	must(f.SetCellStyle("人员台账", "C6", "C6", chinese))
	must(f.SetCellFormula("人员台账", "F6", `"甲"&"乙"`))
	must(f.SetCellValue("人员台账", "H6", 44205)) // a serial typed in a General cell stays a number
	_, err = f.NewSheet("空表")
	must(err)
	_, err = f.NewSheet("长文")
	must(err)
	for i := range n {
		must(f.SetSheetRow("长文", fmt.Sprintf("A%d", i+1), &[]any{fmt.Sprintf("第%d号村社区名称", i), i}))
	}
	must(f.SaveAs(path))
}

// clerkRows is what writeClerkWorkbook's sheets hold, as a person reads
// them in Excel (dates as ISO text, the formula's cached values).
func clerkRows(n int) []Row {
	rows := []Row{
		{Sheet: "人员台账", Number: 1, Cells: []string{"某县人员台账"}, Serial: true},
		{Sheet: "人员台账", Number: 3, Cells: []string{"姓名", "身份证号", "到岗时间", "金额", "党员", "公式", "登记时刻", "离岗时间"}, Serial: true},
		{Sheet: "人员台账", Number: 4, Cells: []string{"测试甲", "140105199001011238", "2021-01-08", "1234.5", "1", "2469", "2022-07-01 13:45:30"}, Serial: true},
		{Sheet: "人员台账", Number: 6, Cells: []string{"测试乙", "11010519491231002X", "2019-08-01", "7", "0", "甲乙", "", "44205"}, Serial: true},
	}
	for i := range n {
		rows = append(rows, Row{Sheet: "长文", Number: i + 1, Cells: []string{fmt.Sprintf("第%d号村社区名称", i), fmt.Sprint(i)}, Serial: true})
	}
	return rows
}

// TestReadXLS reads a workbook saved as .xls by LibreOffice: every sheet
// (the empty one announced, without rows), dates as dates, text ID
// numbers, numbers, booleans, formulas' values and 3,000 shared strings.
func TestReadXLS(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "台账.xlsx")
	writeClerkWorkbook(t, src, 3000)
	p := soffice.ToXLS(t, src, dir)
	f := fileAt(p, "台账.xls")
	if f.Format != FormatXLS {
		t.Fatalf("format %v, want xls", f.Format)
	}
	var sheets []string
	rows, err := collect(t, f, ReadOptions{SheetStart: func(s string) error { sheets = append(sheets, s); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"人员台账", "空表", "长文"}; !slices.Equal(sheets, want) {
		t.Errorf("sheets %q, want %q", sheets, want)
	}
	want := clerkRows(3000)
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(rows[i], want[i]) {
			t.Errorf("row %d: got %+v\nwant %+v", i, rows[i], want[i])
		}
	}

	// Read with the content hash it was listed with; then changed.
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	f.SHA256 = sha256Hex(data)
	if _, err := collect(t, f, ReadOptions{}); err != nil {
		t.Fatalf("with its hash: %v", err)
	}
	f.SHA256 = sha256Hex([]byte("other"))
	if _, err := collect(t, f, ReadOptions{}); !errors.Is(err, ErrChanged) {
		t.Fatalf("with another hash: %v, want ErrChanged", err)
	}
	// Over the size limit.
	f.SHA256 = ""
	if _, err := collect(t, f, ReadOptions{MaxUnzipBytes: 4096}); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("over the limit: %v, want ErrTooLarge", err)
	}
}

// TestReadXLSDamaged: files that are not .xls workbooks fail as a
// *ParseError naming the file, without a panic.
func TestReadXLSDamaged(t *testing.T) {
	good, err := os.ReadFile(filepath.Join("testdata", "xls", "ledger.xls"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want error
		msg  string
	}{
		{"text", []byte("姓名,身份证号\n"), ErrSyntax, "not a valid .xls workbook"},
		{"a broken zip named xls", []byte("PK\x03\x04rest"), ErrSyntax, "not a valid .xlsx file"},
		{"cut in half", good[:len(good)/2], ErrSyntax, "not a valid .xls workbook"},
		{"ole header only", good[:512], ErrSyntax, "not a valid .xls workbook"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := collect(t, writeFile(t, t.TempDir(), "x.xls", c.data), ReadOptions{})
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, c.want) || pe.File != "x.xls" || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("got %v, want a *ParseError on x.xls wrapping %v saying %q", err, c.want, c.msg)
			}
		})
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

var updateXLS = flag.Bool("update-xls", false, "rewrite testdata/xls with LibreOffice")

// TestXLSTestdata keeps the fuzz seeds in testdata/xls, synthetic workbooks
// saved as .xls by LibreOffice (no personal data: the IDs are test
// numbers), readable as writeClerkWorkbook wrote them. With -update-xls
// it makes them again.
func TestXLSTestdata(t *testing.T) {
	p := filepath.Join("testdata", "xls", "ledger.xls")
	if *updateXLS {
		dir := t.TempDir()
		src := filepath.Join(dir, "ledger.xlsx")
		writeClerkWorkbook(t, src, 600)
		data, err := os.ReadFile(soffice.ToXLS(t, src, dir))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rows, err := collect(t, fileAt(p, "ledger.xls"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := clerkRows(600); !reflect.DeepEqual(rows, want) {
		t.Fatalf("%d rows, want %d: %+v", len(rows), len(want), rows[:min(len(rows), 5)])
	}
}

// TestWorkbookUnderTheOtherExtension: an .xls renamed .xlsx and an .xlsx
// renamed .xls are read as what they are; a password-protected .xlsx
// (a compound file holding an EncryptedPackage) is refused as encrypted.
func TestWorkbookUnderTheOtherExtension(t *testing.T) {
	dir := t.TempDir()
	xlsData, err := os.ReadFile(filepath.Join("testdata", "xls", "ledger.xls"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := collect(t, writeFile(t, dir, "ledger.xlsx", xlsData), ReadOptions{})
	if err != nil || !reflect.DeepEqual(rows, clerkRows(600)) {
		t.Fatalf("an .xls named .xlsx: %d rows, %v", len(rows), err)
	}

	src := filepath.Join(dir, "clerk.xlsx")
	writeClerkWorkbook(t, src, 5)
	want, err := collect(t, fileAt(src, "clerk.xlsx"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	xlsxData, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	rows, err = collect(t, writeFile(t, dir, "clerk.xls", xlsxData), ReadOptions{})
	if err != nil || !reflect.DeepEqual(rows, want) {
		t.Fatalf("an .xlsx named .xls: %+v, %v\nwant %+v", rows, err, want)
	}

	x := excelize.NewFile()
	if err := x.SetCellValue("Sheet1", "A1", "姓名"); err != nil {
		t.Fatal(err)
	}
	locked := filepath.Join(dir, "locked.xlsx")
	if err := x.SaveAs(locked, excelize.Options{Password: "secret"}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"locked.xlsx", "locked.xls"} {
		_, err := collect(t, fileAt(locked, name), ReadOptions{})
		var pe *ParseError
		if !errors.As(err, &pe) || !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "encrypted") || pe.File != name {
			t.Errorf("%s: %v; want a *ParseError: not supported, encrypted", name, err)
		}
	}
}
