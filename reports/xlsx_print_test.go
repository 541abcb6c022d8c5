package reports

import (
	"slices"
	"testing"
)

// TestRenderXLSXPageSetup checks the print setup of every sheet of the
// sample workbook: A4, fitted to one page's width and as many pages down
// as needed, landscape for the sheets of nine columns or more and those
// with a chart, the title and header rows (1–2) repeated on every page,
// and 第 N 页 共 M 页 in the footer, with the data version on its left.
func TestRenderXLSXPageSetup(t *testing.T) {
	f, _ := xlsxRender(t, xlsxSample())
	sheets := f.GetSheetList()
	if len(sheets) < 12 {
		t.Fatalf("%d sheets", len(sheets))
	}
	titles := map[string]string{}
	for _, n := range f.GetDefinedName() {
		if n.Name == "_xlnm.Print_Titles" {
			titles[n.Scope] = n.RefersTo
		}
	}
	for _, sh := range sheets {
		rows, err := f.GetRows(sh)
		if err != nil || len(rows) < 2 {
			t.Fatalf("%s: rows %d, %v", sh, len(rows), err)
		}
		pl, err := f.GetPageLayout(sh)
		if err != nil {
			t.Fatal(err)
		}
		if pl.Size == nil || *pl.Size != 9 || pl.FitToWidth == nil || *pl.FitToWidth != 1 || pl.FitToHeight == nil || *pl.FitToHeight != 0 {
			t.Errorf("%s: page layout size %v, fit to %v wide × %v tall; want A4 (9), 1 × 0", sh, deref(pl.Size), deref(pl.FitToWidth), deref(pl.FitToHeight))
		}
		// Nine header cells or more, or a chart beside the table: landscape.
		want := "portrait"
		if len(rows[1]) >= 9 || slices.Contains([]string{"县区覆盖", "生存曲线"}, sh) {
			want = "landscape"
		}
		if pl.Orientation == nil || *pl.Orientation != want {
			t.Errorf("%s: orientation %v, want %s", sh, deref(pl.Orientation), want)
		}
		props, err := f.GetSheetProps(sh)
		if err != nil {
			t.Fatal(err)
		}
		if props.FitToPage == nil || !*props.FitToPage {
			t.Errorf("%s: fitToPage is not set, so Excel ignores the fit to width", sh)
		}
		hf, err := f.GetHeaderFooter(sh)
		if err != nil {
			t.Fatal(err)
		}
		if want := "&L数据版本 2022-08-05 02:30:00.123456+00&C第 &P 页 共 &N 页"; hf == nil || hf.OddFooter != want {
			t.Errorf("%s: footer %+v, want %s", sh, hf, want)
		}
		if got := titles[sh]; got != "'"+sh+"'!$1:$2" {
			t.Errorf("%s: print titles %q, want rows 1 to 2 of the sheet", sh, got)
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
