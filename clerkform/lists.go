package clerkform

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/transform"
)

// lists is the protected list sheet (下拉选项): every value list the
// drop-downs offer, one per column, and for a county its directory of
// townships and villages with their codes.
type lists struct {
	f      *excelize.File
	opts   Options
	next   int               // the next free column
	ranges map[string]string // list key -> absolute range on the sheet

	county       []string // the county column's values
	townships    []string
	villages     []string // distinct village names, in code order
	townshipName map[string]string
	own          []canon.Village // the county's villages
}

// firstVillage is the county's first village (for the example rows).
func (l *lists) firstVillage() (canon.Village, bool) {
	if len(l.own) == 0 {
		return canon.Village{}, false
	}
	return l.own[0], true
}

func newLists(f *excelize.File, opts Options) (*lists, error) {
	if _, err := f.NewSheet(transform.ListSheet); err != nil {
		return nil, fmt.Errorf("clerkform: %w", err)
	}
	l := &lists{f: f, opts: opts, next: 1, ranges: map[string]string{}, townshipName: map[string]string{}}
	for _, t := range opts.Townships {
		l.townshipName[t.Code] = t.Name
	}
	if opts.County == nil {
		for _, c := range opts.Counties {
			l.county = append(l.county, c.Name)
		}
		return l, nil
	}
	l.county = []string{opts.County.Name}
	for _, t := range opts.Townships {
		if t.CountyCode == opts.County.Code {
			l.townships = append(l.townships, t.Name)
		}
	}
	for _, v := range opts.Villages {
		if v.CountyCode == opts.County.Code {
			l.own = append(l.own, v)
		}
	}
	slices.SortStableFunc(l.own, func(a, b canon.Village) int { return strings.Compare(a.Code, b.Code) })
	seen := map[string]bool{}
	for _, v := range l.own {
		if !seen[v.Name] {
			seen[v.Name] = true
			l.villages = append(l.villages, v.Name)
		}
	}
	if len(l.villages) == 0 {
		return nil, fmt.Errorf("%w: %s %s", ErrNoDivisions, opts.County.Code, opts.County.Name)
	}
	return l, nil
}

// put writes a list in the next free column under a title and returns its
// absolute range, e.g. '下拉选项'!$C$2:$C$5.
func (l *lists) put(key, title string, values []string) (string, error) {
	if r, ok := l.ranges[key]; ok {
		return r, nil
	}
	col, err := excelize.ColumnNumberToName(l.next)
	if err != nil {
		return "", err
	}
	l.next++
	if err := l.f.SetCellValue(transform.ListSheet, col+"1", title); err != nil {
		return "", err
	}
	for i, v := range values {
		if err := l.f.SetCellStr(transform.ListSheet, fmt.Sprintf("%s%d", col, i+2), v); err != nil {
			return "", err
		}
	}
	if err := l.f.SetColWidth(transform.ListSheet, col, col, 18); err != nil {
		return "", err
	}
	r := fmt.Sprintf("'%s'!$%s$2:$%s$%d", transform.ListSheet, col, col, len(values)+1)
	l.ranges[key] = r
	return r, nil
}

// dropDown sets a list validation: inline when the values fit Excel's
// 255-character limit, else a range on the list sheet. Every list is also
// written on the list sheet, for the clerk to read.
func (l *lists) dropDown(dv *excelize.DataValidation, key, title string, values []string) error {
	if len(values) == 0 {
		return fmt.Errorf("no values for %s", key)
	}
	r, err := l.put(key, title, values)
	if err != nil {
		return err
	}
	if err := dv.SetDropList(values); errors.Is(err, excelize.ErrDataValidationFormulaLength) {
		dv.SetSqrefDropList(r)
	} else if err != nil {
		return err
	}
	return nil
}

// divisionDropDown sets the drop-down of the county, township or village
// column; ok is false when there is no list for it (no county chosen).
func (l *lists) divisionDropDown(dv *excelize.DataValidation, k transform.Kind) (ok bool, err error) {
	var values []string
	var title string
	switch k {
	case transform.KindCounty:
		values, title = l.county, "县(市、区)"
	case transform.KindTownship:
		values, title = l.townships, "乡镇(街道)"
	case transform.KindVillage:
		values, title = l.villages, "村(社区)"
	}
	if len(values) == 0 {
		return false, nil
	}
	return true, l.dropDown(dv, string(k), title, values)
}

// finish writes the county's village directory and protects the sheet.
func (l *lists) finish() error {
	f, sh := l.f, transform.ListSheet
	if l.opts.County != nil {
		if err := l.directory(); err != nil {
			return err
		}
	}
	if err := f.SetPanes(sh, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return fmt.Errorf("clerkform: %w", err)
	}
	if err := f.ProtectSheet(sh, &excelize.SheetProtectionOptions{SelectLockedCells: true, SelectUnlockedCells: true}); err != nil {
		return fmt.Errorf("clerkform: protect %s: %w", sh, err)
	}
	return nil
}

// directory writes the county's townships and villages with their codes,
// one row per village, marking the names that recur within the county
// (for those the township column must be filled too).
func (l *lists) directory() error {
	f, sh := l.f, transform.ListSheet
	start := l.next + 1 // one empty column between the lists and the directory
	count := map[string]int{}
	for _, v := range l.own {
		count[v.Name]++
	}
	vs, tname := l.own, l.townshipName
	head := []any{"村社区名录：乡镇(街道)", "村(社区)", "村社区代码", "说明"}
	cell, err := excelize.CoordinatesToCellName(start, 1)
	if err != nil {
		return err
	}
	if err := f.SetSheetRow(sh, cell, &head); err != nil {
		return err
	}
	for i, v := range vs {
		note := ""
		if count[v.Name] > 1 {
			note = "县内重名：须同时选乡镇(街道)"
		}
		row := []any{tname[v.TownshipCode], v.Name, v.Code, note}
		if cell, err = excelize.CoordinatesToCellName(start, i+2); err != nil {
			return err
		}
		if err := f.SetSheetRow(sh, cell, &row); err != nil {
			return err
		}
	}
	first, _ := excelize.ColumnNumberToName(start)
	lastCol, _ := excelize.ColumnNumberToName(start + 3)
	return f.SetColWidth(sh, first, lastCol, 20)
}
