package synth

import (
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// notesSheet is the extra sheet of explanations a county may keep in its
// workbook; it is no record type and a loader skips it.
const notesSheet = "说明"

// notesLines fill the notes sheet.
var notesLines = []string{
	"填报说明",
	"1. 本工作簿为“一村（社区）一名大学生”人员信息台账，按季度更新。",
	"2. 日期一律填写为日期格式；身份证号按文本填写，勿转为数字。",
	"3. 离岗人员保留原记录，补填离岗时间和离岗原因。",
	"4. 数据由组织部门统一汇总，请勿修改表头。",
}

// writeWorkbook writes the tables of one workbook, a sheet each, in the
// county's way: an optional notes sheet first, an optional merged title row
// above each header, and dates as date cells, plain serial numbers or text.
func writeWorkbook(path string, sh *shape, c *county, ts []*table) (err error) {
	f := excelize.NewFile()
	defer func() { err = errors.Join(err, f.Close()) }()
	st, err := newStyles(f)
	if err != nil {
		return fmt.Errorf("synth: %s: %w", path, err)
	}
	first := true
	sheet := func(name string) error {
		if first {
			first = false
			return f.SetSheetName("Sheet1", name)
		}
		_, err := f.NewSheet(name)
		return err
	}
	if sh.notesSheet {
		if err := sheet(notesSheet); err != nil {
			return fmt.Errorf("synth: %s: %w", path, err)
		}
		for i, line := range notesLines {
			if err := f.SetCellValue(notesSheet, fmt.Sprintf("A%d", i+1), line); err != nil {
				return fmt.Errorf("synth: %s: %w", path, err)
			}
		}
	}
	for _, t := range ts {
		if err := sheet(t.rt.sheet()); err != nil {
			return fmt.Errorf("synth: %s: %w", path, err)
		}
		if err := writeSheet(f, sh, c, t, st); err != nil {
			return fmt.Errorf("synth: %s sheet %s: %w", path, t.rt.sheet(), err)
		}
	}
	// excelize's SaveAs creates files executable; write through writeFile instead.
	return writeFile(path, func(w io.Writer) error { return f.Write(w) })
}

// styles are the cell styles of a workbook.
type styles struct{ title, header, date int }

func newStyles(f *excelize.File) (styles, error) {
	var st styles
	var err error
	if st.title, err = f.NewStyle(&excelize.Style{
		Font:      &excelize.Font{Bold: true, Size: 14},
		Alignment: &excelize.Alignment{Horizontal: "center"},
	}); err != nil {
		return st, err
	}
	if st.header, err = f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}}); err != nil {
		return st, err
	}
	format := "yyyy-mm-dd"
	st.date, err = f.NewStyle(&excelize.Style{CustomNumFmt: &format})
	return st, err
}

// writeSheet streams one table into its sheet.
func writeSheet(f *excelize.File, sh *shape, c *county, t *table, st styles) error {
	sw, err := f.NewStreamWriter(t.rt.sheet())
	if err != nil {
		return err
	}
	if err := sw.SetColWidth(1, len(t.cols), 14); err != nil {
		return err
	}
	row := 1
	if sh.title {
		last, err := excelize.CoordinatesToCellName(len(t.cols), 1)
		if err != nil {
			return err
		}
		title := fmt.Sprintf("%s“一村一名”大学生%s（截至2022年12月31日）", c.name, t.rt.sheet())
		if err := sw.SetRow("A1", []any{excelize.Cell{StyleID: st.title, Value: title}}); err != nil {
			return err
		}
		if err := sw.MergeCell("A1", last); err != nil {
			return err
		}
		row++
	}
	values := make([]any, len(t.cols))
	for i, col := range t.cols {
		values[i] = excelize.Cell{StyleID: st.header, Value: col.header}
	}
	if err := setRow(sw, row, values); err != nil {
		return err
	}
	for n, r := range t.rows {
		row++
		for i, c := range r {
			values[i] = xlsxValue(sh, c, t.original(n), st)
		}
		if err := setRow(sw, row, values); err != nil {
			return err
		}
	}
	return sw.Flush()
}

func setRow(sw *excelize.StreamWriter, row int, values []any) error {
	ref, err := excelize.CoordinatesToCellName(1, row)
	if err != nil {
		return err
	}
	return sw.SetRow(ref, values)
}

// xlsxValue is the cell value excelize writes for c.
func xlsxValue(sh *shape, c cell, n int, st styles) any {
	switch c.kind {
	case cText:
		return c.s
	case cInt:
		return c.n
	case cDate:
		switch sh.xlsxDates {
		case xlsxDateCells:
			return excelize.Cell{StyleID: st.date, Value: c.d.time()}
		case xlsxSerials:
			return c.d.serial()
		}
		return sh.text(c, n)
	}
	return nil
}
