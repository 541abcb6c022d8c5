package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// writeLedgerWorkbook writes a workbook as counties keep them: a title row,
// the header on row 2, an empty row 3, real date cells, a second sheet and an
// empty third one.
func writeLedgerWorkbook(t testing.TB, path string) {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.SetSheetName("Sheet1", "人员台账"))
	must(x.SetCellValue("人员台账", "A1", "某县选调生人员台账"))
	must(x.MergeCell("人员台账", "A1", "E1"))
	must(x.SetSheetRow("人员台账", "A2", &[]any{"姓名", "身份证号", "到岗时间", "年龄", "备注"}))
	must(x.SetSheetRow("人员台账", "A4", &[]any{"测试甲", "140105199001011234", time.Date(2022, 7, 1, 0, 0, 0, 0, time.UTC), 32}))
	must(x.SetSheetRow("人员台账", "A5", &[]any{"测试乙", "140105199002021234", time.Date(2022, 7, 1, 12, 0, 0, 0, time.UTC), nil, "x"}))
	must(x.SetCellValue("人员台账", "B9", 3.25))
	dateStyle, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(x.SetCellStyle("人员台账", "C4", "C5", dateStyle))

	_, err = x.NewSheet("任职记录")
	must(err)
	must(x.SetSheetRow("任职记录", "A1", &[]any{"身份证号", "两委职务", "任职时间"}))
	must(x.SetSheetRow("任职记录", "A2", &[]any{"140105199001011234", "村委会主任", "2023.1"}))
	_, err = x.NewSheet("空白")
	must(err)
	must(x.SaveAs(path))
}

func TestReadXLSX(t *testing.T) {
	p := filepath.Join(t.TempDir(), "台账.xlsx")
	writeLedgerWorkbook(t, p)
	got, err := collect(t, fileAt(p, "台账.xlsx"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := func(sheet string, n int, cells ...string) Row {
		return Row{Sheet: sheet, Number: n, Cells: cells, Serial: true}
	}
	want := []Row{
		r("人员台账", 1, "某县选调生人员台账"),
		r("人员台账", 2, "姓名", "身份证号", "到岗时间", "年龄", "备注"),
		// The date cells (format 14) hold serials 44743 and 44743.5; they
		// come as the dates they show: 2022-07-01 is 44562 (2022-01-01)
		// plus 181 days, and .5 is noon.
		r("人员台账", 4, "测试甲", "140105199001011234", "2022-07-01", "32"),
		r("人员台账", 5, "测试乙", "140105199002021234", "2022-07-01 12:00:00", "", "x"),
		r("人员台账", 9, "", "3.25"),
		r("任职记录", 1, "身份证号", "两委职务", "任职时间"),
		r("任职记录", 2, "140105199001011234", "村委会主任", "2023.1"),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

// TestReadXLSXSheetStart: every sheet is announced before its rows, the
// empty one too, and an error from SheetStart is returned as is.
func TestReadXLSXSheetStart(t *testing.T) {
	p := filepath.Join(t.TempDir(), "台账.xlsx")
	writeLedgerWorkbook(t, p)
	var events []string
	opts := ReadOptions{SheetStart: func(s string) error { events = append(events, "start "+s); return nil }}
	err := Read(context.Background(), fileAt(p, "台账.xlsx"), opts, func(r Row) error {
		events = append(events, r.Sheet+" "+strconv.Itoa(r.Number))
		return nil
	})
	want := []string{"start 人员台账", "人员台账 1", "人员台账 2", "人员台账 4", "人员台账 5", "人员台账 9",
		"start 任职记录", "任职记录 1", "任职记录 2", "start 空白"}
	if err != nil || !reflect.DeepEqual(events, want) {
		t.Errorf("got %q, %v; want %q", events, err, want)
	}

	calls := 0
	opts.SheetStart = func(s string) error {
		if s == "任职记录" {
			return errStop
		}
		return nil
	}
	err = Read(context.Background(), fileAt(p, "台账.xlsx"), opts, func(Row) error { calls++; return nil })
	if err != errStop || calls != 5 {
		t.Errorf("got %v after %d rows, want errStop after 5", err, calls)
	}
}

func TestReadXLSXDamaged(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.xlsx")
	writeLedgerWorkbook(t, good)

	// badCRC rewrites the workbook with a wrong checksum on the sheet: its
	// data inflate fine, so only the checksum tells the damage.
	badCRC := filepath.Join(dir, "crc.xlsx")
	rewriteZip(t, good, badCRC, func(h *zip.FileHeader) { h.CRC32 ^= 1 })
	// short rewrites it declaring a smaller size for the sheet than it has.
	short := filepath.Join(dir, "short.xlsx")
	rewriteZip(t, good, short, func(h *zip.FileHeader) { h.UncompressedSize64 = 100 })

	tests := []struct {
		name    string
		path    string
		data    []byte
		opts    ReadOptions
		wantErr error
		inMsg   string
	}{
		{name: "not a zip", data: []byte("姓名,身份证号\n"), wantErr: ErrSyntax, inMsg: "not a valid .xlsx file"},
		{name: "empty", data: nil, wantErr: ErrEmpty},
		{name: "old xls or encrypted", data: append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 512)...), wantErr: ErrSyntax, inMsg: ".xls"},
		{name: "bad checksum", path: badCRC, wantErr: ErrSyntax, inMsg: "damaged"},
		{name: "lying size", path: short, wantErr: ErrSyntax, inMsg: "damaged"},
		{name: "over the unzip limit", path: good, opts: ReadOptions{MaxUnzipBytes: 4 << 10}, wantErr: ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fileAt(tt.path, "x.xlsx")
			if tt.path == "" {
				f = writeFile(t, t.TempDir(), "x.xlsx", tt.data)
			}
			_, err := collect(t, f, tt.opts)
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, tt.wantErr) || pe.File != "x.xlsx" {
				t.Fatalf("got %v, want *ParseError on x.xlsx wrapping %v", err, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.inMsg) {
				t.Errorf("message %q does not say %q", err, tt.inMsg)
			}
		})
	}
}

// rewriteZip copies the zip at src to dst raw, letting edit change the
// header of the first worksheet.
func rewriteZip(t *testing.T, src, dst string, edit func(*zip.FileHeader)) {
	t.Helper()
	zr, err := zip.OpenReader(src)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		h := zf.FileHeader
		if h.Name == "xl/worksheets/sheet1.xml" {
			edit(&h)
		}
		raw, err := zf.OpenRaw()
		if err != nil {
			t.Fatal(err)
		}
		w, err := zw.CreateRaw(&h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(w, raw); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
