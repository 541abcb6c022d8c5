package feedback

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/internal/canon"
)

// Sheet names and headers of the workbook (docs/feeds.md, 问题清单（反馈）).
const (
	SheetItems   = "问题清单"
	SheetSummary = "汇总"
)

// ItemHeaders are the columns of the 问题清单 sheet.
var ItemHeaders = []string{"文件", "工作表", "行号", "列", "填报的值", "问题", "怎么改", "严重程度"}

// SummaryHeaders are the columns of the 汇总 sheet.
var SummaryHeaders = []string{"问题", "严重程度", "条数", "怎么改"}

// Modes of the feedback folder and workbooks: they hold masked values only
// (like the published etl_reject), but are for the county and the city's
// staff, not for everyone on the machine.
const (
	DirMode  os.FileMode = 0o750
	FileMode os.FileMode = 0o640
)

// namePrefix starts every workbook's file name.
const namePrefix = "问题清单_"

// FileName is the workbook's name for a county on a day (the run's day in
// the city's time zone): 问题清单_<county>_<yyyymmdd>.xlsx, or with _2, _3 …
// before .xlsx for the second, third … workbook of the same day.
func FileName(county string, day time.Time, n int) string {
	base := namePrefix + county + "_" + day.Format("20060102")
	if n > 1 {
		base += "_" + strconv.Itoa(n)
	}
	return base + ".xlsx"
}

// Write writes the workbook of items for a county into dir (created with
// DirMode) and returns its path. It never replaces a workbook: when one of
// the day's name exists it takes the next free suffix (_2, _3 …).
func Write(dir, county, countyName string, runID int64, day time.Time, items []Item) (string, error) {
	f, err := build(county, countyName, runID, day, items)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if err := os.MkdirAll(dir, DirMode); err != nil {
		return "", fmt.Errorf("feedback: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".问题清单-*.tmp")
	if err != nil {
		return "", fmt.Errorf("feedback: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := f.WriteTo(tmp)
	if err := errors.Join(werr, tmp.Chmod(FileMode), tmp.Sync(), tmp.Close()); err != nil {
		return "", fmt.Errorf("feedback: write %s: %w", tmp.Name(), err)
	}
	for n := 1; n < 10000; n++ {
		dst := filepath.Join(dir, FileName(county, day, n))
		err := atomicfs.RenameNoReplace(tmp.Name(), dst)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("feedback: %w", err)
		}
		return dst, nil
	}
	return "", fmt.Errorf("feedback: %s: too many workbooks on %s", dir, day.Format("2006-01-02"))
}

// build fills the two sheets.
func build(county, countyName string, runID int64, day time.Time, items []Item) (*excelize.File, error) {
	f := excelize.NewFile()
	if err := f.SetSheetName("Sheet1", SheetItems); err != nil {
		f.Close()
		return nil, fmt.Errorf("feedback: %w", err)
	}
	if _, err := f.NewSheet(SheetSummary); err != nil {
		f.Close()
		return nil, fmt.Errorf("feedback: %w", err)
	}
	if err := errors.Join(writeItems(f, items), writeSummary(f, county, countyName, runID, day, items)); err != nil {
		f.Close()
		return nil, fmt.Errorf("feedback: %w", err)
	}
	return f, nil
}

// itemRow is the cells of one 问题清单 row.
func itemRow(it Item) []any {
	rt := recordType(it.File, it.Sheet)
	reason, advice := ExplainIn(rt, it.Code)
	if it.Advice != "" {
		advice = it.Advice
	}
	var row any = ""
	if it.Row > 0 {
		row = it.Row
	}
	col, value := columnText(it, rt), it.Note
	if it.Kind == KindReject {
		value = Locate(it).Value
	}
	return []any{it.File, it.Sheet, row, col, value, reason, advice, Severity(it.Kind, it.Severity)}
}

// columnText is the 列 cell: the header as the county wrote it with the
// canonical one in brackets (or the canonical one alone), then the letter.
func columnText(it Item, rt canon.RecordType) string {
	col := ""
	switch {
	case it.Kind == KindFile:
		return "" // a file, not a column
	case it.Kind == KindReject:
		c := Locate(it)
		col = c.Canonical
		if c.Header != "" && strings.TrimSpace(c.Header) != c.Canonical {
			col = c.Header + "（" + c.Canonical + "）"
		}
	case findingColumns[it.Code] != "":
		col = ColumnName(rt, findingColumns[it.Code])
	default:
		if _, c, ok := strings.Cut(it.Code, ":"); ok && c != "" {
			col = ColumnName(rt, c)
		}
	}
	if it.Letter != "" && col != "" {
		col += "，" + it.Letter + " 列"
	}
	return col
}

// findingColumns names the column a row's finding is about.
var findingColumns = map[string]string{
	"gender_mismatch":          "gender",
	"birth_mismatch":           "birth",
	"over_age_at_entry":        "channel",
	"degree_below_requirement": "degree",
}

// MaxItemRows bounds the rows of the 问题清单 sheet (a county whose every
// row is rejected would otherwise exceed what a clerk can read, or Excel's
// 1,048,576 rows); the rest are counted in 汇总 and said in a last row.
const MaxItemRows = 100_000

func writeItems(f *excelize.File, items []Item) error {
	if err := writeTable(f, SheetItems, ItemHeaders, []float64{28, 12, 7, 22, 28, 40, 50, 20}); err != nil {
		return err
	}
	shown := items
	if len(shown) > MaxItemRows {
		shown = shown[:MaxItemRows]
	}
	for i, it := range shown {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		r := itemRow(it)
		if err := f.SetSheetRow(SheetItems, cell, &r); err != nil {
			return err
		}
	}
	if rest := len(items) - len(shown); rest > 0 {
		note := fmt.Sprintf("另有 %d 条问题未列出（各类条数见“汇总”）：请先按已列出的改正，重新报送后会再列出其余的。", rest)
		return f.SetCellStr(SheetItems, "A"+strconv.Itoa(len(shown)+2), note)
	}
	return nil
}

// SummaryLine is one reason of the 汇总 sheet.
type SummaryLine struct {
	Reason, Severity, Advice string
	N                        int
}

// Summary counts items by their Chinese reason (rejects of missing:name and
// missing:degree are two lines), most frequent first.
func Summary(items []Item) []SummaryLine {
	by := map[string]*SummaryLine{}
	var order []string
	for _, it := range items {
		reason, advice := ExplainIn(recordType(it.File, it.Sheet), it.Code)
		sev := Severity(it.Kind, it.Severity)
		k := reason + "\x00" + sev
		if by[k] == nil {
			by[k] = &SummaryLine{Reason: reason, Severity: sev, Advice: advice}
			order = append(order, k)
		}
		by[k].N++
	}
	out := make([]SummaryLine, 0, len(order))
	for _, k := range order {
		out = append(out, *by[k])
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].N > out[j].N })
	return out
}

func writeSummary(f *excelize.File, county, countyName string, runID int64, day time.Time, items []Item) error {
	if err := writeTable(f, SheetSummary, SummaryHeaders, []float64{50, 20, 8, 60}); err != nil {
		return err
	}
	lines := Summary(items)
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		if err := f.SetSheetRow(SheetSummary, cell, &[]any{l.Reason, l.Severity, l.N, l.Advice}); err != nil {
			return err
		}
	}
	at := len(lines) + 3
	notes := []string{
		fmt.Sprintf("%s %s，第 %d 次运行（%s）；共 %d 条。", county, countyName, runID, day.Format("2006-01-02"), len(items)),
		"“错误（该行未装载）”的行这次没有入库，请改正后重新报送该文件；“错误（文件未读取）”的文件整个没有读；“警告”“提示”请核对，下次报送时改正。",
		"为保护个人信息，姓名、出生日期一律显示为 **，身份证号只显示前 6 位，电话只显示前 3 位；请按文件、工作表和行号在原表中查找。",
	}
	for i, n := range notes {
		if err := f.SetCellStr(SheetSummary, "A"+strconv.Itoa(at+i), n); err != nil {
			return err
		}
	}
	return nil
}

// writeTable writes a bold, frozen header row and sets column widths.
func writeTable(f *excelize.File, sheet string, headers []string, widths []float64) error {
	row := make([]any, len(headers))
	for i, h := range headers {
		row[i] = h
	}
	if err := f.SetSheetRow(sheet, "A1", &row); err != nil {
		return err
	}
	style, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true},
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"DDEBF7"}}})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(headers), 1)
	if err := f.SetCellStyle(sheet, "A1", last, style); err != nil {
		return err
	}
	for i, w := range widths {
		c, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, c, c, w); err != nil {
			return err
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// Latest is the newest feedback workbook of a county in dir: the latest day,
// and of that day the highest suffix. ok is false when there is none.
func Latest(dir, county string) (path string, ok bool, err error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("feedback: %w", err)
	}
	type cand struct {
		day  string
		n    int
		name string
	}
	var best *cand
	prefix := namePrefix + county + "_"
	for _, e := range ents {
		name := e.Name()
		if !e.Type().IsRegular() || !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, ".xlsx") {
			continue
		}
		rest := strings.TrimSuffix(strings.TrimPrefix(name, prefix), ".xlsx")
		day, suffix, _ := strings.Cut(rest, "_")
		if len(day) != 8 {
			continue
		}
		if _, err := time.Parse("20060102", day); err != nil {
			continue
		}
		n := 1
		if suffix != "" {
			if n, err = strconv.Atoi(suffix); err != nil || n < 2 {
				continue
			}
		}
		if best == nil || day > best.day || (day == best.day && n > best.n) {
			best = &cand{day, n, name}
		}
	}
	if best == nil {
		return "", false, nil
	}
	return filepath.Join(dir, best.name), true, nil
}

// Dir is the folder of a county's feedback workbooks: feedback/ in its drop
// folder for a folder source, else feedback/<county code>/ beside the
// warehouse file.
func Dir(cfg *config.Config, c config.County) string {
	if c.Source.Kind == "dir" && c.Source.Path != "" {
		return filepath.Join(c.Source.Path, ingest.FeedbackFolder)
	}
	return filepath.Join(filepath.Dir(cfg.Warehouse), "feedback", c.Code)
}
