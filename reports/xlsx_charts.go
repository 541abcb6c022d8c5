package reports

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
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

// xlsxSurvivalChart adds a scatter chart of the survival curve with
// straight lines, one series per stratum (each stratum's rows are one block
// of 生存曲线), beside the table; there is none without points. Excel has
// no step line: xlsxFinish replaces each series' values by the corners of
// its steps (xlsxSurvivalSteps), so that the curve is drawn as steps.
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
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: xlsxSurvivalTitle}}},
		Legend: excelize.ChartLegend{Position: "bottom"},
		XAxis: excelize.ChartAxis{
			Minimum:        &lo,
			MajorGridLines: true,
			NumFmt:         excelize.ChartNumFmt{CustomNumFmt: "0"},
			Title:          excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: "在岗月数"}}},
		},
		YAxis:     xlsxPercentAxis("生存率"),
		Dimension: excelize.ChartDimension{Width: 640, Height: 360},
		Format:    excelize.GraphicOptions{AltText: "研究生在岗生存曲线（按分层，阶梯图）"},
	})
}

// xlsxSurvivalTitle is the title of the survival chart, by which
// xlsxFinish finds its part.
const xlsxSurvivalTitle = "研究生在岗生存曲线"

// xlsxStepPoints returns the corners of the Kaplan–Meier step function of
// points as (months, survival) pairs: (0, 1), then at each point's month
// the level before it and the level after it, so that straight lines
// between the corners draw the steps.
func xlsxStepPoints(points []SurvivalPoint) [][2]float64 {
	out := [][2]float64{{0, 1}}
	level := 1.0
	for _, p := range points {
		m := float64(p.Day) / xlsxDaysPerMonth
		out = append(out, [2]float64{m, level}, [2]float64{m, p.Survival})
		level = p.Survival
	}
	return out
}

// xlsxSurvivalSteps returns the step corners of each stratum with points,
// in the order of the survival chart's series.
func xlsxSurvivalSteps(d *ReportData) [][][2]float64 {
	var out [][][2]float64
	for _, s := range d.Survival {
		if len(s.Points) > 0 {
			out = append(out, xlsxStepPoints(s.Points))
		}
	}
	return out
}

var (
	xlsxSer  = regexp.MustCompile(`(?s)<ser>.*?</ser>`)
	xlsxXVal = regexp.MustCompile(`(?s)<xVal>.*?</xVal>`)
	xlsxYVal = regexp.MustCompile(`(?s)<yVal>.*?</yVal>`)
)

// xlsxStepLiterals replaces the x and y values of the i-th series of the
// chart part by the corners steps[i], as literal numbers (c:numLit); a
// part with another number of series is returned as it is.
func xlsxStepLiterals(part []byte, steps [][][2]float64) []byte {
	if len(xlsxSer.FindAll(part, -1)) != len(steps) {
		return part
	}
	i := 0
	return xlsxSer.ReplaceAllFunc(part, func(ser []byte) []byte {
		corners := steps[i]
		i++
		lit := func(tag string, k int) []byte {
			var b strings.Builder
			fmt.Fprintf(&b, `<%s><numLit><formatCode>General</formatCode><ptCount val="%d"></ptCount>`, tag, len(corners))
			for j, c := range corners {
				fmt.Fprintf(&b, `<pt idx="%d"><v>%s</v></pt>`, j, strconv.FormatFloat(c[k], 'g', -1, 64))
			}
			fmt.Fprintf(&b, `</numLit></%s>`, tag)
			return []byte(b.String())
		}
		ser = xlsxXVal.ReplaceAllLiteral(ser, lit("xVal", 0))
		return xlsxYVal.ReplaceAllLiteral(ser, lit("yVal", 1))
	})
}

// xlsxStrXVal matches the x values of a scatter series as excelize writes
// them: a reference to text cells.
var xlsxStrXVal = regexp.MustCompile(`<xVal><strRef>(<f>[^<]*</f>)</strRef></xVal>`)

// xlsxDefaultType matches one default content type of [Content_Types].xml.
var xlsxDefaultType = regexp.MustCompile(`<Default [^>]*></Default>`)

// xlsxFinish copies the workbook b, as excelize wrote it, to w with three
// fixes: the x values of scatter series become references to numbers
// (excelize writes text references, c:strRef, which Excel plots as the
// positions 1, 2, 3 … rather than as the months in the cells), the survival
// chart's series take the corners of their steps (survivalSteps) as their
// values, and the default content types are sorted (excelize writes them in
// map order), so that the same report gives the same bytes.
func xlsxFinish(w io.Writer, b []byte, survivalSteps [][][2]float64) error {
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
				part = xlsxStrXVal.ReplaceAll(part, []byte("<xVal><numRef>$1</numRef></xVal>"))
				if bytes.Contains(part, []byte("<a:t>"+xlsxSurvivalTitle+"</a:t>")) {
					part = xlsxStepLiterals(part, survivalSteps)
				}
				return part
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
