package clerkform

import (
	"fmt"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/transform"
)

// dataSheet writes one record type's sheet: the header row, the column
// formats and validations, frozen header, print setup.
func (b *builder) dataSheet(rt canon.RecordType) error {
	f, name := b.f, rt.SheetName()
	cols := transform.Columns(rt)
	for i, c := range cols {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := b.column(rt, name, col, c); err != nil {
			return fmt.Errorf("column %s: %w", c.Header, err)
		}
	}
	if err := f.SetRowHeight(name, 1, 30); err != nil {
		return err
	}
	if err := f.SetPanes(name, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft",
		Selection: []excelize.Selection{{SQRef: "A2", ActiveCell: "A2", Pane: "bottomLeft"}}}); err != nil {
		return err
	}
	return b.printSetup(name, "$1:$1", true)
}

// printSetup: A4 landscape, fit to one page wide (fitWidth: a data sheet's
// columns; the instruction sheet prints at full size instead, its wide
// example rows continuing on further pages), the given rows repeated on
// each page, the sheet name above and the page number below.
func (b *builder) printSetup(sheet, titleRows string, fitWidth bool) error {
	f := b.f
	a4, landscape, one, any := 9, "landscape", 1, 0
	layout := &excelize.PageLayoutOptions{Size: &a4, Orientation: &landscape}
	if fitWidth {
		layout.FitToWidth, layout.FitToHeight = &one, &any
	}
	if err := f.SetPageLayout(sheet, layout); err != nil {
		return err
	}
	if err := f.SetSheetProps(sheet, &excelize.SheetPropsOptions{FitToPage: &fitWidth}); err != nil {
		return err
	}
	if err := f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddHeader: "&C&A", OddFooter: "&C第 &P 页，共 &N 页"}); err != nil {
		return err
	}
	if titleRows == "" {
		return nil
	}
	return f.SetDefinedName(&excelize.DefinedName{Name: "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!%s", sheet, titleRows), Scope: sheet})
}

// column writes one column's header, width, format and validation.
func (b *builder) column(rt canon.RecordType, sheet, col string, c transform.ColumnInfo) error {
	f, st := b.f, b.styles
	cell := col + "1"
	if err := f.SetCellValue(sheet, cell, c.Header); err != nil {
		return err
	}
	hs := st.header
	if c.Required {
		hs = st.required
		if err := f.AddComment(sheet, excelize.Comment{Cell: cell, Author: "填报模板",
			Text: "必填：为空时整行被拒绝（missing:" + c.Name + "）"}); err != nil {
			return err
		}
	}
	width, style := 12.0, 0
	switch c.Kind {
	case transform.KindDate:
		style = st.date
	case transform.KindID:
		width, style = 22, st.text
	case transform.KindDivCode:
		width, style = 16, st.text
	case transform.KindYear, transform.KindCount:
		style = st.whole
	case transform.KindAmount:
		style = st.amount
	case transform.KindChoice, transform.KindTownship, transform.KindVillage, transform.KindCounty:
		width = 16
	}
	if c.Name == "phone" {
		width, style = 16, st.text
	}
	if n := float64(len([]rune(c.Header)))*2 + 3; n > width {
		width = n
	}
	if err := f.SetColWidth(sheet, col, col, width); err != nil {
		return err
	}
	if style != 0 {
		if err := f.SetColStyle(sheet, col, style); err != nil {
			return err
		}
	}
	if err := f.SetCellStyle(sheet, cell, cell, hs); err != nil {
		return err
	}
	dv, err := b.validation(rt, c)
	if err != nil || dv == nil {
		return err
	}
	dv.Sqref = fmt.Sprintf("%s2:%s%d", col, col, b.opts.Rows+1)
	return f.AddDataValidation(sheet, dv)
}

// Date and year bounds: the normaliser's (docs/feeds.md, 日期 and 年份).
const (
	minYear = 1900
	maxYear = 2200
)

// validation is the data validation of a column, or nil.
func (b *builder) validation(rt canon.RecordType, c transform.ColumnInfo) (*excelize.DataValidation, error) {
	dv := excelize.NewDataValidation(true)
	var err error
	switch c.Kind {
	case transform.KindDate:
		err = dv.SetRange(excelSerial(minYear, 1, 1), excelSerial(maxYear, 12, 31), excelize.DataValidationTypeDate, excelize.DataValidationOperatorBetween)
		dv.SetError(excelize.DataValidationErrorStyleStop, "日期", "请填写日期，如 2022-07-01（1900 年至 2200 年）")
	case transform.KindID:
		err = dv.SetRange(18, 18, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorEqual)
		dv.SetError(excelize.DataValidationErrorStyleStop, "身份证号", "请填写 18 位身份证号（最后一位可以是 X）")
	case transform.KindDivCode:
		err = dv.SetRange(12, 12, excelize.DataValidationTypeTextLength, excelize.DataValidationOperatorEqual)
		dv.SetError(excelize.DataValidationErrorStyleStop, "村社区代码", "请填写 12 位村级统计用区划代码，或留空只选村名")
	case transform.KindYear:
		err = dv.SetRange(minYear, maxYear, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorBetween)
		dv.SetError(excelize.DataValidationErrorStyleStop, "年份", "请填写四位年份，如 2022")
	case transform.KindCount:
		err = dv.SetRange(0, 0, excelize.DataValidationTypeWhole, excelize.DataValidationOperatorGreaterThanOrEqual)
		dv.Formula2 = ""
		dv.SetError(excelize.DataValidationErrorStyleStop, "编制数", "请填写不小于 0 的整数")
	case transform.KindAmount:
		err = dv.SetRange(0, 0, excelize.DataValidationTypeDecimal, excelize.DataValidationOperatorGreaterThanOrEqual)
		dv.Formula2 = ""
		dv.SetError(excelize.DataValidationErrorStyleStop, "金额", "请填写不小于 0 的金额（元），最多两位小数")
	case transform.KindChoice:
		style := excelize.DataValidationErrorStyleStop
		if !c.Strict {
			// Other values are kept (as 其他 or as written): Excel warns only.
			style = excelize.DataValidationErrorStyleWarning
		}
		err = b.lists.dropDown(dv, "choice:"+c.Name, c.Header, transform.Choices(rt, c.Name))
		dv.SetError(style, c.Header, "请从下拉列表中选择")
	case transform.KindCounty, transform.KindTownship, transform.KindVillage:
		var ok bool
		if ok, err = b.lists.divisionDropDown(dv, c.Kind); !ok || err != nil {
			return nil, err
		}
		dv.SetError(excelize.DataValidationErrorStyleStop, c.Header, "请从下拉列表中选择（见“"+transform.ListSheet+"”表）")
	default:
		return nil, nil
	}
	return dv, err
}
