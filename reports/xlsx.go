package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// The layout shared by every sheet: the title in row 1, the header in
// row 2, the data from row 3, notes after one blank row.
const (
	xlsxTitleRow  = 1
	xlsxHeaderRow = 2
	xlsxFirstRow  = 3
)

// xlsxEmptyText stands in the first data row of a section without rows.
const xlsxEmptyText = "（无数据）"

// errXLSXNoData is returned by RenderXLSX for a nil report.
var errXLSXNoData = errors.New("reports: xlsx: no report data")

// RenderXLSX writes the report as an .xlsx workbook: one sheet per section
// in a fixed order, each with a title row, a frozen header row and typed,
// formatted cells (rates are fractions shown as percentages, dates are
// date cells), with native charts of coverage by county and of the
// survival curve. The workbook's creation and modification times are the
// report's as-of day, and the same data gives the same bytes.
func RenderXLSX(w io.Writer, d *ReportData) (err error) {
	if d == nil {
		return errXLSXNoData
	}
	asOf, err := time.Parse(time.DateOnly, d.AsOf)
	if err != nil {
		return fmt.Errorf("reports: xlsx: as-of day %q: %w", d.AsOf, err)
	}
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil {
			err = errors.Join(err, fmt.Errorf("reports: xlsx: close: %w", cerr))
		}
	}()
	if err := xlsxBuild(f, d, asOf); err != nil {
		return fmt.Errorf("reports: xlsx: %w", err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return fmt.Errorf("reports: xlsx: write: %w", err)
	}
	if err := xlsxFinish(w, buf.Bytes(), xlsxSurvivalSteps(d)); err != nil {
		return fmt.Errorf("reports: xlsx: write: %w", err)
	}
	return nil
}

// xlsxBuild fills the new workbook f with the sheets, charts and
// properties of d.
func xlsxBuild(f *excelize.File, d *ReportData, asOf time.Time) error {
	styles, err := xlsxNewStyles(f)
	if err != nil {
		return err
	}
	prefix := fmt.Sprintf("%s %s", d.CityName, xlsxPeriodLabel(d.Period))
	for i, t := range xlsxTables(d) {
		if i == 0 {
			if err := f.SetSheetName(f.GetSheetName(0), t.sheet); err != nil {
				return fmt.Errorf("sheet %s: %w", t.sheet, err)
			}
		} else if _, err := f.NewSheet(t.sheet); err != nil {
			return fmt.Errorf("sheet %s: %w", t.sheet, err)
		}
		title := fmt.Sprintf("%s %s（截至%s）", prefix, t.caption, d.AsOf)
		if err := xlsxWriteTable(f, styles, title, t); err != nil {
			return fmt.Errorf("sheet %s: %w", t.sheet, err)
		}
	}
	if err := xlsxCoverageChart(f, d); err != nil {
		return fmt.Errorf("coverage chart: %w", err)
	}
	if err := xlsxSurvivalChart(f, d); err != nil {
		return fmt.Errorf("survival chart: %w", err)
	}
	for _, t := range xlsxTables(d) {
		wide := len(t.header) >= xlsxLandscapeColumns || t.sheet == xlsxSheetCounties || t.sheet == xlsxSheetSurvival
		if err := xlsxPageSetup(f, t.sheet, wide, xlsxFooter(d)); err != nil {
			return fmt.Errorf("sheet %s: page setup: %w", t.sheet, err)
		}
	}
	f.SetActiveSheet(0)
	stamp := asOf.Format("2006-01-02T15:04:05Z")
	if err := f.SetDocProps(&excelize.DocProperties{
		Title:          prefix + " “一村（社区）一名研究生”工作月报",
		Subject:        "覆盖、留任、区域均衡、晋升、编制使用与数据质量",
		Creator:        "grassroots",
		LastModifiedBy: "grassroots",
		Language:       "zh-CN",
		Description:    xlsxVintageNote(d),
		Created:        stamp,
		Modified:       stamp,
	}); err != nil {
		return fmt.Errorf("properties: %w", err)
	}
	return nil
}

// xlsxVintageNote is the workbook's description: the vintage its figures
// describe, to reproduce them with `grassroots report --vintage`.
func xlsxVintageNote(d *ReportData) string {
	if d.Vintage == "" {
		return ""
	}
	return "数据版本 vintage " + d.Vintage + "（grassroots report --vintage '" + d.Vintage + "' 可复现全部数字）"
}

// xlsxLandscapeColumns is the number of columns from which a sheet is
// printed in landscape; the sheets with a chart beside the table are too.
const xlsxLandscapeColumns = 9

// xlsxFooter is the page footer of every sheet: 第 N 页 共 M 页, centred,
// and on the left the data version (the vintage every figure was read at),
// so that a printed page says which state of the warehouse it shows.
func xlsxFooter(d *ReportData) string {
	if d.Vintage == "" {
		return "&C第 &P 页 共 &N 页"
	}
	return "&L数据版本 " + d.Vintage + "&C第 &P 页 共 &N 页"
}

// xlsxPageSetup makes the sheet (the index-th) print on A4, fitted to the
// page's width (as many pages down as it takes), in landscape when wide,
// with the title and header rows repeated on every page and the page
// number in the footer.
func xlsxPageSetup(f *excelize.File, sheet string, landscape bool, footer string) error {
	size, one, auto := 9, 1, 0 // 9 is A4 in SpreadsheetML's paper sizes
	orientation := "portrait"
	if landscape {
		orientation = "landscape"
	}
	if err := f.SetPageLayout(sheet, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &one, FitToHeight: &auto,
	}); err != nil {
		return err
	}
	fit := true
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{OddFooter: footer}); err != nil {
		return err
	}
	return f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheet, xlsxTitleRow, xlsxHeaderRow),
		Scope:    sheet,
	})
}

// xlsxPeriodLabel writes "2022-07" as "2022年7月"; anything else is kept.
func xlsxPeriodLabel(period string) string {
	t, err := time.Parse("2006-01", period)
	if err != nil {
		return period
	}
	return fmt.Sprintf("%d年%d月", t.Year(), int(t.Month()))
}

// xlsxFmt is how a cell's value is shown.
type xlsxFmt int

const (
	xfText          xlsxFmt = iota // General
	xfCount                        // #,##0
	xfRate                         // 0.0%, the value a fraction
	xfRatio                        // 0.00
	xfOneDecimal                   // 0.0: months, hours, graduates per hundred villages
	xfThreeDecimals                // 0.000: standard errors
	xfDateTime                     // yyyy-mm-dd hh:mm
	xfCountChange                  // signed count
	xfRateChange                   // signed difference of two fractions
	xfRatioChange                  // signed ratio
	xlsxFmtCount
)

// xlsxNumFmts holds the number format of each xlsxFmt ("" = General).
var xlsxNumFmts = [xlsxFmtCount]string{
	xfText:          "",
	xfCount:         "#,##0",
	xfRate:          "0.0%",
	xfRatio:         "0.00",
	xfOneDecimal:    "0.0",
	xfThreeDecimals: "0.000",
	xfDateTime:      "yyyy-mm-dd hh:mm",
	xfCountChange:   "+#,##0;-#,##0;0",
	xfRateChange:    "+0.0%;-0.0%;0.0%",
	xfRatioChange:   "+0.00;-0.00;0.00",
}

// xlsxStyles holds the style ids of a workbook.
type xlsxStyles struct {
	title, header, note int
	cell                [xlsxFmtCount]int
}

// xlsxNewStyles registers the styles in f.
func xlsxNewStyles(f *excelize.File) (xlsxStyles, error) {
	var s xlsxStyles
	border := []excelize.Border{
		{Type: "left", Color: "A6A6A6", Style: 1},
		{Type: "top", Color: "A6A6A6", Style: 1},
		{Type: "right", Color: "A6A6A6", Style: 1},
		{Type: "bottom", Color: "A6A6A6", Style: 1},
	}
	var err error
	if s.title, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}}); err != nil {
		return s, fmt.Errorf("title style: %w", err)
	}
	if s.header, err = f.NewStyle(&excelize.Style{
		Border:    border,
		Fill:      excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"D9E1F2"}},
		Font:      &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true},
	}); err != nil {
		return s, fmt.Errorf("header style: %w", err)
	}
	if s.note, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Italic: true, Color: "595959"}}); err != nil {
		return s, fmt.Errorf("note style: %w", err)
	}
	for k, code := range xlsxNumFmts {
		st := &excelize.Style{Border: border}
		if code != "" {
			st.CustomNumFmt = &code
		}
		if s.cell[k], err = f.NewStyle(st); err != nil {
			return s, fmt.Errorf("style %q: %w", code, err)
		}
	}
	return s, nil
}

// xlsxCell is one data cell: a nil, string, int64, float64 or time.Time
// value, and how to show it.
type xlsxCell struct {
	v any
	f xlsxFmt
}

// xlsxTable is one sheet: a section of the report.
type xlsxTable struct {
	sheet   string // sheet name
	caption string // the title after the city and the period
	header  []string
	rows    [][]xlsxCell
	notes   []string // lines below the table
}

// xlsxWriteTable writes t to its sheet: title, header, rows, notes, the
// frozen panes below the header and the column widths.
func xlsxWriteTable(f *excelize.File, s xlsxStyles, title string, t xlsxTable) error {
	sh := t.sheet
	if n := xlsxFirstRow + len(t.rows) + 1 + len(t.notes); n > excelize.TotalRows {
		return fmt.Errorf("%d rows, more than a sheet holds", n)
	}
	if err := f.SetCellStr(sh, xlsxCellName(1, xlsxTitleRow), title); err != nil {
		return err
	}
	if err := f.SetCellStyle(sh, "A1", "A1", s.title); err != nil {
		return err
	}
	widths := make([]int, len(t.header))
	for c, h := range t.header {
		ref := xlsxCellName(c+1, xlsxHeaderRow)
		if err := f.SetCellStr(sh, ref, h); err != nil {
			return err
		}
		widths[c] = xlsxTextWidth(h)
	}
	last := xlsxCellName(len(t.header), xlsxHeaderRow)
	if err := f.SetCellStyle(sh, "A2", last, s.header); err != nil {
		return err
	}
	next := xlsxFirstRow
	if len(t.rows) == 0 {
		if err := f.SetCellStr(sh, xlsxCellName(1, next), xlsxEmptyText); err != nil {
			return err
		}
		next++
	}
	for r, row := range t.rows {
		for c, cell := range row {
			ref := xlsxCellName(c+1, xlsxFirstRow+r)
			if err := f.SetCellStyle(sh, ref, ref, s.cell[cell.f]); err != nil {
				return err
			}
			if err := xlsxSetValue(f, sh, ref, cell.v); err != nil {
				return err
			}
			if w := xlsxValueWidth(cell); c < len(widths) && w > widths[c] {
				widths[c] = w
			}
		}
		next++
	}
	if len(t.notes) > 0 {
		next++
	}
	for _, n := range t.notes {
		ref := xlsxCellName(1, next)
		if err := f.SetCellStr(sh, ref, n); err != nil {
			return err
		}
		if err := f.SetCellStyle(sh, ref, ref, s.note); err != nil {
			return err
		}
		next++
	}
	for c, w := range widths {
		col, err := excelize.ColumnNumberToName(c + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sh, col, col, float64(min(max(w+2, 8), 60))); err != nil {
			return err
		}
	}
	return f.SetPanes(sh, &excelize.Panes{
		Freeze:      true,
		YSplit:      xlsxHeaderRow,
		TopLeftCell: xlsxCellName(1, xlsxFirstRow),
		ActivePane:  "bottomLeft",
		Selection:   []excelize.Selection{{SQRef: "A3", ActiveCell: "A3", Pane: "bottomLeft"}},
	})
}

// xlsxSetValue writes v to the cell ref; nil leaves the cell empty and a
// time is written as its Excel serial number.
func xlsxSetValue(f *excelize.File, sheet, ref string, v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case string:
		return f.SetCellStr(sheet, ref, v)
	case int64:
		return f.SetCellInt(sheet, ref, v)
	case float64:
		return f.SetCellFloat(sheet, ref, v, -1, 64)
	case time.Time:
		return f.SetCellFloat(sheet, ref, xlsxSerial(v), -1, 64)
	default:
		return fmt.Errorf("cell %s: unsupported value type %T", ref, v)
	}
}

// xlsxEpoch is day 0 of Excel's 1900 date system for every date after
// 28 February 1900.
var xlsxEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// xlsxSerial returns the Excel serial number of t's wall clock.
func xlsxSerial(t time.Time) float64 {
	wall := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
	return wall.Sub(xlsxEpoch).Hours() / 24
}

// xlsxCellName returns the reference of column col and row row (both from 1).
func xlsxCellName(col, row int) string {
	name, err := excelize.CoordinatesToCellName(col, row)
	if err != nil {
		// col and row come from the table's shape; they are never out of range.
		panic(err)
	}
	return name
}

// xlsxTextWidth is the width of s in Excel's column units: East Asian
// wide characters take two, others one.
func xlsxTextWidth(s string) int {
	n := 0
	for _, r := range s {
		switch width.LookupRune(r).Kind() {
		case width.EastAsianWide, width.EastAsianFullwidth:
			n += 2
		default:
			n++
		}
	}
	return n
}

// xlsxValueWidth estimates the shown width of a data cell.
func xlsxValueWidth(c xlsxCell) int {
	switch v := c.v.(type) {
	case string:
		return xlsxTextWidth(v)
	case int64:
		s := strconv.FormatInt(v, 10)
		return len(s) + len(s)/3
	case float64:
		switch c.f {
		case xfRate, xfRateChange:
			return len(strconv.FormatFloat(v*100, 'f', 1, 64)) + 2
		case xfCount, xfCountChange:
			s := strconv.FormatFloat(v, 'f', 0, 64)
			return len(s) + len(s)/3 + 1
		default:
			return len(strconv.FormatFloat(v, 'f', 3, 64)) + 1
		}
	case time.Time:
		return len("2006-01-02 15:04")
	}
	return 0
}
