package reports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"
)

// xlsxRange returns the absolute reference of the cells from (c1, r1) to
// (c2, r2) on sheet, as a chart series takes it: '县区覆盖'!$F$3:$F$5, or
// '县区覆盖'!$F$2 for a single cell.
func xlsxRange(sheet string, c1, r1, c2, r2 int) string {
	abs := func(c, r int) string {
		col, err := excelize.ColumnNumberToName(c)
		if err != nil {
			// Columns come from the table's shape; they are never out of range.
			panic(err)
		}
		return fmt.Sprintf("$%s$%d", col, r)
	}
	if c1 == c2 && r1 == r2 {
		return fmt.Sprintf("'%s'!%s", sheet, abs(c1, r1))
	}
	return fmt.Sprintf("'%s'!%s:%s", sheet, abs(c1, r1), abs(c2, r2))
}

// xlsxSeriesColors are the colours of the chart series, in order.
var xlsxSeriesColors = []string{"1F4E79", "C55A11", "548235", "7030A0", "BF8F00", "2E75B6"}

// xlsxSolid is a solid fill of one colour.
func xlsxSolid(color string) excelize.Fill {
	return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{color}}
}

// xlsxPercentAxis is a value axis from 0 to 100 %.
func xlsxPercentAxis(title string) excelize.ChartAxis {
	lo, hi := 0.0, 1.0
	return excelize.ChartAxis{
		Minimum:        &lo,
		Maximum:        &hi,
		MajorGridLines: true,
		NumFmt:         excelize.ChartNumFmt{CustomNumFmt: "0%"},
		Title:          excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
	}
}

// xlsxCoverageChart adds a column chart of the coverage rate by county
// beside the table on 县区覆盖; there is none without counties.
func xlsxCoverageChart(f *excelize.File, d *ReportData) error {
	n := len(d.Counties)
	if n == 0 {
		return nil
	}
	sh, first, last := xlsxSheetCounties, xlsxFirstRow, xlsxFirstRow+n-1
	width := len(xlsxCounties(d).header)
	noVary := false
	return f.AddChart(sh, xlsxCellName(width+2, xlsxHeaderRow), &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:       xlsxRange(sh, xlsxCoverageRateCol, xlsxHeaderRow, xlsxCoverageRateCol, xlsxHeaderRow),
			Categories: xlsxRange(sh, xlsxCountyNameCol, first, xlsxCountyNameCol, last),
			Values:     xlsxRange(sh, xlsxCoverageRateCol, first, xlsxCoverageRateCol, last),
			Fill:       xlsxSolid("2E75B6"),
		}},
		Title:      excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "各县区村（社区）覆盖率"}}},
		Legend:     excelize.ChartLegend{Position: "none"},
		VaryColors: &noVary,
		YAxis:      xlsxPercentAxis(wCoverageRate),
		Dimension:  excelize.ChartDimension{Width: uint(max(480, 64*n)), Height: 320},
		Format:     excelize.GraphicOptions{AltText: "各县区村（社区）覆盖率柱形图"},
	})
}

// xlsxSurvivalChart adds a line chart of the survival curve, one series
// per stratum (each stratum's rows are one block of 生存曲线), beside the
// table; there is none without points.
func xlsxSurvivalChart(f *excelize.File, d *ReportData) error {
	sh := xlsxSheetSurvival
	var series []excelize.ChartSeries
	row := xlsxFirstRow
	for _, s := range d.Survival {
		n := len(s.Points)
		if n == 0 {
			continue
		}
		first, last := row, row+n-1
		series = append(series, excelize.ChartSeries{
			Name:       xlsxRange(sh, xlsxSurvivalStratumCol, first, xlsxSurvivalStratumCol, first),
			Categories: xlsxRange(sh, xlsxSurvivalMonthsCol, first, xlsxSurvivalMonthsCol, last),
			Values:     xlsxRange(sh, xlsxSurvivalRateCol, first, xlsxSurvivalRateCol, last),
			Fill:       xlsxSolid(xlsxSeriesColors[len(series)%len(xlsxSeriesColors)]),
			Line:       excelize.LineOptions{Type: excelize.LineSolid, Width: 1.75},
			Marker:     excelize.ChartMarker{Symbol: "none"},
		})
		row += n
	}
	if len(series) == 0 {
		return nil
	}
	lo := 0.0
	width := len(xlsxSurvival(d).header)
	return f.AddChart(sh, xlsxCellName(width+2, xlsxHeaderRow), &excelize.Chart{
		Type:   excelize.Scatter,
		Series: series,
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "研究生在岗生存曲线"}}},
		Legend: excelize.ChartLegend{Position: "bottom"},
		XAxis: excelize.ChartAxis{
			Minimum:        &lo,
			MajorGridLines: true,
			NumFmt:         excelize.ChartNumFmt{CustomNumFmt: "0"},
			Title:          excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "在岗月数"}}},
		},
		YAxis:     xlsxPercentAxis("生存率"),
		Dimension: excelize.ChartDimension{Width: 640, Height: 360},
		Format:    excelize.GraphicOptions{AltText: "研究生在岗生存曲线（按分层）"},
	})
}

// xlsxStrXVal matches the x values of a scatter series as excelize writes
// them: a reference to text cells.
var xlsxStrXVal = regexp.MustCompile(`<xVal><strRef>(<f>[^<]*</f>)</strRef></xVal>`)

// xlsxDefaultType matches one default content type of [Content_Types].xml.
var xlsxDefaultType = regexp.MustCompile(`<Default [^>]*></Default>`)

// xlsxFinish copies the workbook b, as excelize wrote it, to w with two
// fixes: the x values of scatter series become references to numbers
// (excelize writes text references, c:strRef, which Excel plots as the
// positions 1, 2, 3 … rather than as the months in the cells), and the
// default content types are sorted (excelize writes them in map order), so
// that the same report gives the same bytes.
func xlsxFinish(w io.Writer, b []byte) error {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		return err
	}
	zw := zip.NewWriter(w)
	for _, zf := range zr.File {
		var fix func([]byte) []byte
		switch {
		case zf.Name == "[Content_Types].xml":
			fix = xlsxSortDefaultTypes
		case strings.HasPrefix(zf.Name, "xl/charts/chart"):
			fix = func(part []byte) []byte {
				return xlsxStrXVal.ReplaceAll(part, []byte("<xVal><numRef>$1</numRef></xVal>"))
			}
		default:
			if err := zw.Copy(zf); err != nil {
				return err
			}
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return err
		}
		part, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return err
		}
		out, err := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Deflate, Modified: zf.Modified})
		if err != nil {
			return err
		}
		if _, err := out.Write(fix(part)); err != nil {
			return err
		}
	}
	return zw.Close()
}

// xlsxSortDefaultTypes sorts the run of Default elements of a
// [Content_Types].xml part; a part whose Default elements are not one run
// is returned as it is.
func xlsxSortDefaultTypes(part []byte) []byte {
	loc := xlsxDefaultType.FindAllIndex(part, -1)
	if len(loc) < 2 {
		return part
	}
	start, end := loc[0][0], loc[len(loc)-1][1]
	types := make([]string, len(loc))
	n := 0
	for i, l := range loc {
		types[i] = string(part[l[0]:l[1]])
		n += l[1] - l[0]
	}
	if n != end-start {
		return part
	}
	slices.Sort(types)
	out := append([]byte{}, part[:start]...)
	out = append(out, strings.Join(types, "")...)
	return append(out, part[end:]...)
}
