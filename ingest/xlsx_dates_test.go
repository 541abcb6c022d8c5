package ingest

import (
	"context"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
)

// TestXLSXDateCells: the .xlsx readers (the streaming one and excelize's,
// its reference) hand date-formatted numbers on as dates, in the 1900 or
// the 1904 system; numbers in General cells and text stay as they are.
func TestXLSXDateCells(t *testing.T) {
	for _, date1904 := range []bool{false, true} {
		x := excelize.NewFile()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(x.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}))
		// 2022-07-01 is 44743 in the 1900 system; the 1904 system counts
		// 1,462 days fewer: 43281.
		serial := 44743.0
		if date1904 {
			serial = 43281
		}
		cn := `yyyy"年"m"月"d"日"`
		chinese, err := x.NewStyle(&excelize.Style{CustomNumFmt: &cn})
		must(err)
		iso, err := x.NewStyle(&excelize.Style{NumFmt: 14})
		must(err)
		stamp, err := x.NewStyle(&excelize.Style{NumFmt: 22})
		must(err)
		money, err := x.NewStyle(&excelize.Style{NumFmt: 4}) // #,##0.00
		must(err)
		must(x.SetSheetRow("Sheet1", "A1", &[]any{serial, serial, serial + 0.25, serial, 44205, "44205"}))
		must(x.SetCellStyle("Sheet1", "A1", "A1", iso))
		must(x.SetCellStyle("Sheet1", "B1", "B1", chinese))
		must(x.SetCellStyle("Sheet1", "C1", "C1", stamp))
		must(x.SetCellStyle("Sheet1", "D1", "D1", money))
		must(x.SetCellStyle("Sheet1", "F1", "F1", iso)) // text in a date cell stays text
		p := filepath.Join(t.TempDir(), "dates.xlsx")
		must(x.SaveAs(p))
		must(x.Close())

		want := []Row{{Sheet: "Sheet1", Number: 1, Serial: true, Cells: []string{"2022-07-01", "2022-07-01", "2022-07-01 06:00:00",
			formatNumber(serial), "44205", "44205"}}}
		got, err := collect(t, fileAt(p, "dates.xlsx"), ReadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("1904 %v, streaming: got %+v\nwant %+v", date1904, got, want)
		}
		var ref []Row
		err = readXLSXExcelize(context.Background(), p, "dates.xlsx", "", ReadOptions{}.withDefaults(), func(r Row) error {
			r.Cells = slices.Clone(r.Cells)
			ref = append(ref, r)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(ref, want) {
			t.Errorf("1904 %v, excelize: got %+v\nwant %+v", date1904, ref, want)
		}
	}
}

func formatNumber(v float64) string {
	if v == 44743 {
		return "44743"
	}
	return "43281"
}

// TestXLSXAndXLSAgree: the clerk's workbook read as .xlsx gives the rows
// TestReadXLS expects of its .xls copy, but for the formulas, which
// excelize saves without a cached value (LibreOffice computes them when
// it converts).
func TestXLSXAgreesWithXLS(t *testing.T) {
	p := filepath.Join(t.TempDir(), "台账.xlsx")
	writeClerkWorkbook(t, p, 50)
	got, err := collect(t, fileAt(p, "台账.xlsx"), ReadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := clerkRows(50)
	want[2].Cells = []string{"测试甲", "140105199001011238", "2021-01-08", "1234.5", "1", "", "2022-07-01 13:45:30"}
	want[3].Cells = []string{"测试乙", "11010519491231002X", "2019-08-01", "7", "0", "", "", "44205"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v\nwant %+v", got[:min(4, len(got))], want[:4])
	}
}
