package feedback

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
	"github.com/grassroots-cn/grassroots/transform"
)

// Kind is what a feedback row is about.
type Kind string

// Kinds of Item.
const (
	KindFile    Kind = "file"    // a file refused or not read, or the county's failed load
	KindReject  Kind = "reject"  // a row rejected (etl_reject)
	KindFinding Kind = "finding" // a finding (etl_finding)
)

// Item is one row of the feedback workbook.
type Item struct {
	Kind     Kind
	File     string // source_uri: the file as the source names it ("" = none)
	Sheet    string // "" for .csv and .json, or none
	Row      int64  // 0 = no row
	Code     string // reject reason, finding code, or "refused:<reason>" / "county_failed"
	Severity string // of a finding: error, warning or info
	Raw      string // of a reject: etl_reject.raw_masked (a JSON object)
	Note     string // of a finding or a file: what to show as the value (names no person)
	Letter   string // the column's letter in the file (Letters), "" = unknown
	Advice   string // what to do, when the item knows better than the catalogue (a refused format's way to resend it)
}

// Row is one result row of a Querier.
type Row = interface {
	Scan(dest ...any) error
}

// Querier runs a query and calls fn for each result row; *warehouse.Reader
// is one.
type Querier interface {
	Each(ctx context.Context, q string, args []any, fn func(Row) error) error
}

// qRejects reads the rejects of the runs named where %s stands (a list
// of run ids): one statement for every county of a load, whose time is the
// scan, not the number of runs.
const qRejects = `SELECT run_id, source_uri, coalesce(sheet, ''), coalesce(row_number, 0), reason, coalesce(raw_masked, '')
	FROM etl_reject WHERE run_id IN (%s)`

// qFindings reads the runs' findings with the names of the villages they
// concern (an overlapping posting names a second village in its detail).
const qFindings = `SELECT f.run_id, coalesce(f.source_uri, ''), coalesce(f.sheet, ''), coalesce(f.row_number, 0), f.code, f.severity,
		coalesce(f.detail, ''), coalesce(v.village_name, ''), coalesce(v2.village_name, '')
	FROM etl_finding f
	LEFT JOIN dim_village v ON v.village_code = f.village_code
	LEFT JOIN dim_village v2 ON f.code = 'overlapping_postings'
		AND v2.village_code = regexp_extract(f.detail, ' and in ([0-9]+) from ', 1)
	WHERE f.run_id IN (%s)`

// CollectRuns reads the rejects and findings of the runs given, in two
// statements whatever their number, each run's items sorted (Sort). A run
// with neither has no entry.
func CollectRuns(ctx context.Context, q Querier, runIDs []int64) (map[int64][]Item, error) {
	byRun := map[int64][]Item{}
	if len(runIDs) == 0 {
		return byRun, nil
	}
	ids := make([]string, len(runIDs))
	for i, id := range runIDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	list := strings.Join(ids, ", ")
	err := q.Each(ctx, fmt.Sprintf(qRejects, list), nil, func(r Row) error {
		var run int64
		it := Item{Kind: KindReject}
		if err := r.Scan(&run, &it.File, &it.Sheet, &it.Row, &it.Code, &it.Raw); err != nil {
			return err
		}
		byRun[run] = append(byRun[run], it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feedback: rejects of %d runs (%d–%d): %w", len(runIDs), runIDs[0], runIDs[len(runIDs)-1], err)
	}
	err = q.Each(ctx, fmt.Sprintf(qFindings, list), nil, func(r Row) error {
		var run int64
		it := Item{Kind: KindFinding}
		var detail, village, village2 string
		if err := r.Scan(&run, &it.File, &it.Sheet, &it.Row, &it.Code, &it.Severity, &detail, &village, &village2); err != nil {
			return err
		}
		it.Note = findingNote(it.Code, detail, village, village2)
		byRun[run] = append(byRun[run], it)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("feedback: findings of %d runs (%d–%d): %w", len(runIDs), runIDs[0], runIDs[len(runIDs)-1], err)
	}
	for _, items := range byRun {
		Sort(items)
	}
	return byRun, nil
}

// Sort orders items: files refused or not read first (in the order given),
// then the rows by file, sheet and row (rows without a position last in
// their file), rejects before findings of the same row.
func Sort(items []Item) {
	rank := func(it Item) int {
		switch it.Kind {
		case KindFile:
			return 0
		case KindReject:
			return 1
		}
		return 2
	}
	sort.SliceStable(items, func(i, j int) bool {
		a, b := items[i], items[j]
		if (a.Kind == KindFile) != (b.Kind == KindFile) {
			return a.Kind == KindFile
		}
		if a.Kind == KindFile {
			return false // in the order given
		}
		if (a.File == "") != (b.File == "") {
			return b.File == ""
		}
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Sheet != b.Sheet {
			return a.Sheet < b.Sheet
		}
		if (a.Row == 0) != (b.Row == 0) {
			return b.Row == 0
		}
		if a.Row != b.Row {
			return a.Row < b.Row
		}
		return rank(a) < rank(b)
	})
}

var (
	reGender = regexp.MustCompile(`^性别 (\S+) contradicts`)
	reDate   = regexp.MustCompile(`\d{4}-\d{2}-\d{2}`)
	reUnused = regexp.MustCompile(`columns not read: (.*)$`)
	reRows   = regexp.MustCompile(`its (\d+) rows were not read`)
	rePaid   = regexp.MustCompile(`^paid ([0-9.]+) yuan`)
)

// findingNote is what the workbook shows of a finding: only what names no
// person. A detail may hold a year and month of birth (birth_mismatch) or
// an age (over_age_at_entry), so those are never copied.
func findingNote(code, detail, village, village2 string) string {
	at := ""
	if village != "" {
		at = "村（社区）：" + village
	}
	join := func(parts ...string) string {
		var out []string
		for _, p := range parts {
			if p != "" {
				out = append(out, p)
			}
		}
		return strings.Join(out, "；")
	}
	switch code {
	case "gender_mismatch":
		if m := reGender.FindStringSubmatch(detail); m != nil {
			g := map[string]string{"male": "男", "female": "女"}[m[1]]
			if g == "" {
				g = m[1]
			}
			return join("性别填的是“"+g+"”", at)
		}
	case "unused_columns":
		if m := reUnused.FindStringSubmatch(detail); m != nil {
			return "不读的列：" + m[1]
		}
	case "unknown_record_type":
		if m := reRows.FindStringSubmatch(detail); m != nil {
			return m[1] + " 行没有读"
		}
	case "vanished_from_ledger":
		if d := reDate.FindString(detail); d != "" {
			return join(at, "到岗时间 "+d)
		}
	case "overlapping_postings":
		ds := reDate.FindAllString(detail, 2)
		if len(ds) == 2 {
			return join(at, "到岗时间 "+ds[0], "另在 "+village2, "到岗时间 "+ds[1])
		}
	case "subsidy_over_cap":
		if m := rePaid.FindStringSubmatch(detail); m != nil {
			return "5 年内补贴合计 " + m[1] + " 元"
		}
	case "empty_file":
		return detail
	}
	if strings.HasPrefix(code, "missing_column") {
		return missingColumnNote(detail)
	}
	return at
}

// pair is one key and value of raw_masked, in the file's order.
type pair struct{ key, value string }

// rawPairs parses raw_masked (a JSON object of strings) in its order; nil
// when it is not one.
func rawPairs(raw string) []pair {
	dec := json.NewDecoder(strings.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	var out []pair
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return out
		}
		var v any
		if err := dec.Decode(&v); err != nil {
			return out
		}
		k, _ := kt.(string)
		s, ok := v.(string)
		if !ok {
			s = fmt.Sprint(v)
		}
		out = append(out, pair{k, s})
	}
	return out
}

// recordType is the record type a row's sheet or file names, as the
// normaliser decides it ("" when neither does).
func recordType(file, sheet string) canon.RecordType {
	if sheet != "" {
		if rt, ok := canon.TypeOfSheet(textnorm.Clean(sheet)); ok {
			return rt
		}
	}
	if rt, ok := canon.TypeOfFileName(path.Base(file)); ok {
		return rt
	}
	return ""
}

// columnsOf lists the canonical columns a reason code is about, most
// specific first.
func columnsOf(code string) []string {
	switch code {
	case "bad_id_format", "bad_id_checksum":
		return []string{"id_number"}
	case "unknown_village":
		return []string{"village_code", "village", "township"}
	case "wrong_county":
		return []string{"county"}
	case "end_before_start":
		return []string{"end_date", "filled_on", "dissolved_on"}
	}
	if _, col, ok := strings.Cut(code, ":"); ok && col != "" {
		switch col {
		case "village":
			return []string{"village", "village_code"}
		case "assessment":
			return []string{"assessment", "assessment_year"}
		}
		return []string{col}
	}
	return nil
}

// Cell is where a reject points: the column as the county wrote its header
// and its canonical Chinese name, and the value as masked.
type Cell struct {
	Header    string // the header as written in the file ("" = not found)
	Canonical string // the column's Chinese header ("" = no one column)
	Value     string // the masked value: of the column, or of the whole row
}

// Locate finds the column a reject is about in its raw_masked: the first
// key whose header maps to one of the reason's columns. Without one column
// (duplicate_in_file), or when the header is not among the keys, the value
// is the whole masked row, "表头：值" by "；".
func Locate(it Item) Cell {
	rt := recordType(it.File, it.Sheet)
	pairs := rawPairs(it.Raw)
	cols := columnsOf(it.Code)
	var c Cell
	if len(cols) > 0 {
		c.Canonical = ColumnName(rt, cols[0])
	}
	types := []canon.RecordType{rt}
	if rt == "" {
		types = append([]canon.RecordType{}, canon.CountyTypes...)
	}
	for _, col := range cols {
		for _, p := range pairs {
			for _, t := range types {
				if name, ok := transform.ColumnOf(t, p.key); ok && name == col {
					return Cell{Header: p.key, Canonical: ColumnName(rt, col), Value: p.value}
				}
			}
		}
	}
	var b strings.Builder
	for i, p := range pairs {
		if i > 0 {
			b.WriteString("；")
		}
		b.WriteString(p.key + "：" + p.value)
	}
	c.Value = b.String()
	return c
}

// reClosest finds the closest header a missing_column finding names.
var reClosest = regexp.MustCompile(`the closest header is "([^"]*)"`)

// missingColumnNote says in Chinese which header of the sheet came closest
// to the missing column (a header text, never a data cell: the finding
// names none when no cell of the header row was recognised).
func missingColumnNote(detail string) string {
	if m := reClosest.FindStringSubmatch(detail); m != nil {
		return "表头行中最接近的表头：“" + m[1] + "”"
	}
	if strings.Contains(detail, "no header row was recognised") {
		return "没有认出表头行（前 10 行中没有一行认得出两列以上）"
	}
	return "表头行中没有与它相近的表头"
}
