package ingest

import (
	"encoding/xml"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/ingest/xls"
)

// A workbook's date cells are numbers whose style shows a date: the readers
// hand them on as ISO text ("2021-01-08", "2022-07-01 13:45:30"), in the
// workbook's date system, so that rejects and feedback show the date the
// clerk typed, never its serial number. Other numbers stay as they are (a
// serial typed in a General cell is still read as a date by the transform,
// since Row.Serial is set).

// partStyles is where excelize, and so this reader, finds the styles.
const partStyles = "xl/styles.xml"

// xmlStyleSheet is what the date styles need of styles.xml.
type xmlStyleSheet struct {
	XMLName xml.Name `xml:"http://schemas.openxmlformats.org/spreadsheetml/2006/main styleSheet"`
	NumFmts struct {
		NumFmt []struct {
			ID   int    `xml:"numFmtId,attr"`
			Code string `xml:"formatCode,attr"`
		} `xml:"numFmt"`
	} `xml:"numFmts"`
	CellXfs struct {
		Xf []struct {
			NumFmtID int `xml:"numFmtId,attr"`
		} `xml:"xf"`
	} `xml:"cellXfs"`
}

// dateStyles says which cell styles (indexes into cellXfs) show dates.
// A nil *dateStyles has none.
type dateStyles struct {
	isDate   []bool
	date1904 bool
}

// newDateStyles classifies the cell styles as excelize's GetStyle does: a
// built-in format by its number, else the custom format's code.
func newDateStyles(ss *xmlStyleSheet, date1904 bool) *dateStyles {
	codes := map[int]string{}
	for _, f := range ss.NumFmts.NumFmt {
		if _, ok := codes[f.ID]; !ok {
			codes[f.ID] = f.Code
		}
	}
	d := &dateStyles{isDate: make([]bool, len(ss.CellXfs.Xf)), date1904: date1904}
	some := false
	for i, xf := range ss.CellXfs.Xf {
		d.isDate[i] = formatIsDate(xf.NumFmtID, codes[xf.NumFmtID])
		some = some || d.isDate[i]
	}
	if !some {
		return nil
	}
	return d
}

// formatIsDate: built-in formats (below 164) by their number, others by
// their code.
func formatIsDate(id int, code string) bool {
	if id < 164 {
		return xls.IsDateFormat(id, "")
	}
	return code != "" && xls.IsDateFormat(id, code)
}

// text returns the date a numeric cell of style shows, false when the style
// is no date or v no date serial.
func (d *dateStyles) text(style int, v []byte) (string, bool) {
	if d == nil || style < 0 || style >= len(d.isDate) || !d.isDate[style] {
		return "", false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(string(v)), 64)
	if err != nil {
		return "", false
	}
	return xls.SerialText(f, d.date1904)
}

// isTrue reads an xsd:boolean attribute.
func isTrue(s string) bool { return s == "1" || s == "true" }

// excelizeDates finds date cells for the excelize reader, which hands out
// raw values only: by each numeric cell's type and style. Styles are
// classified once.
type excelizeDates struct {
	xf       *excelize.File
	date1904 bool
	styles   map[int]bool
}

func newExcelizeDates(xf *excelize.File) *excelizeDates {
	d := &excelizeDates{xf: xf, styles: map[int]bool{}}
	if p, err := xf.GetWorkbookProps(); err == nil && p.Date1904 != nil {
		d.date1904 = *p.Date1904
	}
	return d
}

// apply rewrites the date cells of row number n of sheet in place.
func (d *excelizeDates) apply(sheet string, n int, cells []string) {
	for i, c := range cells {
		if c == "" {
			continue
		}
		if _, err := strconv.ParseFloat(strings.TrimSpace(c), 64); err != nil {
			continue
		}
		ref, err := excelize.CoordinatesToCellName(i+1, n)
		if err != nil {
			continue
		}
		if t, err := d.xf.GetCellType(sheet, ref); err != nil || t != excelize.CellTypeUnset && t != excelize.CellTypeNumber {
			continue
		}
		style, err := d.xf.GetCellStyle(sheet, ref)
		if err != nil {
			continue
		}
		isDate, ok := d.styles[style]
		if !ok {
			if st, err := d.xf.GetStyle(style); err == nil {
				if st.CustomNumFmt != nil {
					isDate = xls.IsDateFormat(0, *st.CustomNumFmt)
				} else {
					isDate = formatIsDate(st.NumFmt, "")
				}
			}
			d.styles[style] = isDate
		}
		if !isDate {
			continue
		}
		f, _ := strconv.ParseFloat(strings.TrimSpace(c), 64)
		if s, ok := xls.SerialText(f, d.date1904); ok {
			cells[i] = s
		}
	}
}
