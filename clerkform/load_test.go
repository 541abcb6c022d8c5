package clerkform_test

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/clerkform"
	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/internal/testdb"
	"github.com/grassroots-cn/grassroots/pipeline"
	"github.com/grassroots-cn/grassroots/synth"
	"github.com/grassroots-cn/grassroots/transform"
)

// loufan is 娄烦县, a county of the synthetic Taiyuan (make demo).
const loufan = "140123"

// record is one row a clerk types: canonical column name -> value (a
// string, a time.Time for a date cell, an int for a number cell).
type record map[string]any

// filled is what a clerk types into each sheet.
type filled map[canon.RecordType][]record

// generated writes the synthetic city into a new folder and loads
// 娄烦县 (and the village list) with the real pipeline.
func generated(t *testing.T, ctx context.Context, load bool) (*synth.Result, *config.Config) {
	t.Helper()
	gen, err := synth.Generate(ctx, t.TempDir(), synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if load {
		runLoufan(t, ctx, cfg)
	}
	return gen, cfg
}

func runLoufan(t *testing.T, ctx context.Context, cfg *config.Config) {
	t.Helper()
	res, err := (&pipeline.Runner{Config: cfg}).Run(ctx, []string{loufan})
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 0 {
		t.Fatalf("%d loads failed: %+v", res.Failed(), res)
	}
}

func openDB(t *testing.T, path string) *sql.DB {
	return testdb.OpenReadOnly(t, path)
}

// query runs q and calls fn with each row's values as strings ("" for NULL,
// 2022-07-01 for a date).
func query(t *testing.T, db *sql.DB, q string, fn func(v []string)) {
	t.Helper()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		ns := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range ns {
			ptrs[i] = &ns[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		v := make([]string, len(cols))
		for i, n := range ns {
			// A DATE scans as an RFC 3339 time at midnight UTC.
			v[i] = strings.TrimSuffix(n.String, "T00:00:00Z")
		}
		fn(v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
}

// label is the drop-down spelling of a code the warehouse holds.
func label(t *testing.T, rt canon.RecordType, col, code string) string {
	t.Helper()
	if code == "" {
		return ""
	}
	l, ok := transform.Label(rt, col, code)
	if !ok {
		t.Fatalf("%s.%s: no label for code %q", rt, col, code)
	}
	return l
}

func day(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return ""
	}
	d, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// demoRows reads rows of 娄烦县 as the demo loaded them, for persons with no
// finding and no posting elsewhere, and turns them back into what a clerk
// picks: Chinese labels, names, dates. want holds, per table, the loaded
// values the template's load must give back.
func demoRows(t *testing.T, cfg *config.Config) (filled, map[string][]string) {
	t.Helper()
	secret, err := cfg.PIIKey()
	if err != nil {
		t.Fatal(err)
	}
	pii, err := piicrypt.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	open := func(s string) string {
		if s == "" {
			return ""
		}
		p, err := pii.Open(s)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	db := openDB(t, cfg.Warehouse)
	rows, want := filled{}, map[string][]string{}
	persons := `(SELECT DISTINCT person_key FROM fact_posting WHERE county_code = '140123'
		AND person_key NOT IN (SELECT person_key FROM etl_finding WHERE person_key IS NOT NULL)
		AND person_key NOT IN (SELECT person_key FROM fact_posting WHERE county_code <> '140123')
		ORDER BY person_key IN (SELECT person_key FROM fact_role WHERE village_code LIKE '140123%') DESC, person_key LIMIT 25)`
	query(t, db, `SELECT pii.name, pii.id_number, pii.phone, d.political_status, d.degree, d.university, d.major,
			p.channel, p.selection_round, p.quota_source, t.township_name, v.village_name, p.start_date, p.end_date,
			p.end_reason, p.mentor_role, p.village_code
		FROM fact_posting p JOIN dim_person d USING (person_key) JOIN pii_person pii USING (person_key)
		JOIN dim_village v USING (village_code) JOIN dim_township t ON t.township_code = p.township_code
		WHERE p.person_key IN `+persons+` ORDER BY p.person_key, p.start_date`, func(v []string) {
		id := open(v[1])
		l := canon.Ledger
		rows[l] = append(rows[l], record{"name": open(v[0]), "id_number": id, "phone": open(v[2]),
			"gender":           map[bool]string{true: "男", false: "女"}[(id[16]-'0')%2 == 1],
			"birth":            day(t, id[6:10]+"-"+id[10:12]+"-"+id[12:14]),
			"political_status": label(t, l, "political_status", v[3]), "degree": label(t, l, "degree", v[4]),
			"university": v[5], "major": v[6], "channel": label(t, l, "channel", v[7]),
			"selection_round": label(t, l, "selection_round", v[8]), "quota_source": label(t, l, "quota_source", v[9]),
			"county": "娄烦县", "township": v[10], "village": v[11], "start_date": day(t, v[12]), "end_date": day(t, v[13]),
			"end_reason": label(t, l, "end_reason", v[14]), "mentor_role": v[15]})
		want["posting"] = append(want["posting"], strings.Join([]string{v[16], v[7], v[8], v[9], v[12], v[13], v[14], v[15]}, "|"))
	})
	query(t, db, `SELECT pii.id_number, r.role, r.role_category, t.township_name, v.village_name, r.start_date, r.end_date, r.village_code
		FROM fact_role r JOIN pii_person pii USING (person_key)
		LEFT JOIN dim_village v USING (village_code) LEFT JOIN dim_township t ON t.township_code = v.township_code
		WHERE r.person_key IN `+persons+` AND (r.village_code LIKE '140123%' OR r.village_code IS NULL)
		ORDER BY r.person_key, r.start_date`, func(v []string) {
		role := v[1]
		if !slices.Contains(transform.Choices(canon.Roles, "role"), role) {
			// Not on the list: the clerk picks the listed spelling of its category.
			role = map[string]string{"secretary": "村(社区)党组织书记", "committee": "委员", "township_leadership": "副镇长"}[v[2]]
		}
		rows[canon.Roles] = append(rows[canon.Roles], record{"id_number": open(v[0]), "role": role,
			"township": v[3], "village": v[4], "start_date": day(t, v[5]), "end_date": day(t, v[6])})
		want["role"] = append(want["role"], strings.Join([]string{role, v[2], v[7], v[5], v[6]}, "|"))
	})
	query(t, db, `SELECT pii.id_number, a.year, a.grade FROM fact_assessment a JOIN pii_person pii USING (person_key)
		WHERE a.person_key IN `+persons+` ORDER BY a.person_key, a.year`, func(v []string) {
		y, err := strconv.Atoi(v[1])
		if err != nil {
			t.Fatal(err)
		}
		rows[canon.Assessments] = append(rows[canon.Assessments], record{"id_number": open(v[0]), "year": y,
			"grade": label(t, canon.Assessments, "grade", v[2])})
		want["assessment"] = append(want["assessment"], v[1]+"|"+v[2])
	})
	query(t, db, `SELECT pii.id_number, s.paid_on, s.kind, CAST(s.amount_yuan AS VARCHAR) FROM fact_subsidy s JOIN pii_person pii USING (person_key)
		WHERE s.person_key IN `+persons+` ORDER BY s.person_key, s.paid_on, s.kind`, func(v []string) {
		amount, err := strconv.ParseFloat(v[3], 64)
		if err != nil {
			t.Fatal(err)
		}
		rows[canon.Subsidies] = append(rows[canon.Subsidies], record{"id_number": open(v[0]), "paid_on": day(t, v[1]),
			"kind": label(t, canon.Subsidies, "kind", v[2]), "amount_yuan": amount})
		want["subsidy"] = append(want["subsidy"], v[1]+"|"+v[2]+"|"+v[3])
	})
	query(t, db, `SELECT t.township_name, v.village_name, f.reported_on, f.reason, f.filled_on, f.village_code
		FROM fact_vacancy f JOIN dim_village v USING (village_code) JOIN dim_township t ON t.township_code = v.township_code
		WHERE f.village_code LIKE '140123%' ORDER BY f.village_code, f.reported_on LIMIT 10`, func(v []string) {
		rows[canon.Vacancies] = append(rows[canon.Vacancies], record{"township": v[0], "village": v[1],
			"reported_on": day(t, v[2]), "reason": label(t, canon.Vacancies, "reason", v[3]), "filled_on": day(t, v[4])})
		want["vacancy"] = append(want["vacancy"], strings.Join([]string{v[5], v[2], v[3], v[4]}, "|"))
	})
	query(t, db, `SELECT t.township_name, q.year, q.township_quota, q.county_pool, q.township_code
		FROM fact_quota q JOIN dim_township t USING (township_code) WHERE q.county_code = '140123' ORDER BY q.township_code, q.year`, func(v []string) {
		r := record{"county": "娄烦县", "township": v[0]}
		for i, col := range []string{"year", "township_quota", "county_pool"} {
			if v[i+1] != "" {
				n, err := strconv.Atoi(v[i+1])
				if err != nil {
					t.Fatal(err)
				}
				r[col] = n
			}
		}
		rows[canon.Quota] = append(rows[canon.Quota], r)
		want["quota"] = append(want["quota"], strings.Join(v[1:], "|"))
	})
	for _, rt := range canon.CountyTypes {
		if len(rows[rt]) == 0 {
			t.Fatalf("the demo has no %s rows of 娄烦县 to copy", rt)
		}
	}
	if len(rows[canon.Ledger]) < 8 {
		t.Fatalf("%d ledger rows, want at least 8", len(rows[canon.Ledger]))
	}
	return rows, want
}

// templateOptions reads 娄烦县's division lists from the demo warehouse.
func templateOptions(t *testing.T, cfg *config.Config) clerkform.Options {
	t.Helper()
	db := openDB(t, cfg.Warehouse)
	opts := clerkform.Options{City: cfg.City.Name, County: &canon.County{Code: loufan, Name: "娄烦县"}}
	query(t, db, "SELECT township_code, township_name, county_code FROM dim_township ORDER BY 1", func(v []string) {
		opts.Townships = append(opts.Townships, canon.Township{Code: v[0], Name: v[1], CountyCode: v[2]})
	})
	query(t, db, "SELECT village_code, village_name, township_code, county_code FROM dim_village WHERE dissolved_on IS NULL ORDER BY 1", func(v []string) {
		opts.Villages = append(opts.Villages, canon.Village{Code: v[0], Name: v[1], TownshipCode: v[2], CountyCode: v[3]})
	})
	return opts
}

// fill writes the rows into a fresh template as a clerk does: a value of a
// column with a drop-down must be one of the drop-down's values (unless
// listed in offList: the values deliberately outside), dates are date cells
// with the date style, ID numbers text.
func fill(t *testing.T, opts clerkform.Options, rows filled, offList map[string]bool, path string) map[string]int {
	t.Helper()
	f, err := clerkform.Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dateFmt := "yyyy-mm-dd"
	dateStyle, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{} // sheet|column|value -> row number, for the changed values
	for _, rt := range canon.CountyTypes {
		sheet := rt.SheetName()
		dvs := validations(t, f, sheet)
		for i, c := range transform.Columns(rt) {
			col, err := excelize.ColumnNumberToName(i + 1)
			if err != nil {
				t.Fatal(err)
			}
			var allowed []string
			if dv := dvs[col]; dv != nil && dv.Type == "list" {
				allowed = listValues(t, f, dv)
			}
			for r, rec := range rows[rt] {
				cell := fmt.Sprintf("%s%d", col, r+2)
				v, ok := rec[c.Name]
				if !ok || v == "" {
					continue
				}
				if s, isStr := v.(string); isStr && allowed != nil && !slices.Contains(allowed, s) {
					if !offList[sheet+"|"+c.Name+"|"+s] {
						t.Fatalf("%s %s: %q is not in the drop-down %v", sheet, c.Header, s, allowed)
					}
					lines[sheet+"|"+c.Name] = r + 2
				}
				switch x := v.(type) {
				case time.Time:
					err = f.SetCellValue(sheet, cell, x)
					if err == nil {
						err = f.SetCellStyle(sheet, cell, cell, dateStyle)
					}
				case string:
					err = f.SetCellStr(sheet, cell, x)
				default:
					err = f.SetCellValue(sheet, cell, x)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return lines
}

// dropOnly empties 娄烦县's drop folder and puts the filled template there.
func dropOnly(t *testing.T, cfg *config.Config, opts clerkform.Options, rows filled, offList map[string]bool) map[string]int {
	t.Helper()
	c, ok := cfg.County(loufan)
	if !ok {
		t.Fatal("no 娄烦县 in the demo's configuration")
	}
	entries, err := os.ReadDir(c.Source.Path)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if err := os.RemoveAll(filepath.Join(c.Source.Path, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return fill(t, opts, rows, offList, filepath.Join(c.Source.Path, "填报模板_140123.xlsx"))
}

// TestFilledTemplateLoads is the "done when": 娄烦县's template,
// filled with the demo's own rows as a clerk picks them, loads with no
// reject and no warning or error finding, and gives back the same values;
// the same rows with one value outside a drop-down per strict column give
// exactly one reject each, with its reason and row.
func TestFilledTemplateLoads(t *testing.T) {
	if testing.Short() {
		t.Skip("generates and loads the synthetic city")
	}
	ctx := context.Background()
	_, demo := generated(t, ctx, true)
	rows, want := demoRows(t, demo)
	opts := templateOptions(t, demo)

	_, cfg := generated(t, ctx, false)
	dropOnly(t, cfg, opts, rows, nil)
	runLoufan(t, ctx, cfg)
	db := openDB(t, cfg.Warehouse)
	query(t, db, "SELECT count(*) FROM etl_reject", func(v []string) {
		if v[0] != "0" {
			query(t, db, "SELECT sheet, row_number, reason FROM etl_reject", func(v []string) { t.Errorf("reject %v", v) })
		}
	})
	query(t, db, "SELECT code, severity, detail FROM etl_finding WHERE severity IN ('warning', 'error')", func(v []string) {
		t.Errorf("finding %v", v)
	})
	query(t, db, "SELECT CAST(sum(rows_in) AS VARCHAR), CAST(sum(rows_loaded) AS VARCHAR) FROM etl_run WHERE county_code = '140123'", func(v []string) {
		n := 0
		for _, rs := range rows {
			n += len(rs)
		}
		if v[0] != strconv.Itoa(n) || v[1] != strconv.Itoa(n) {
			t.Errorf("rows in %s, loaded %s; want %d and %d", v[0], v[1], n, n)
		}
	})
	got := map[string][]string{}
	for name, q := range map[string]string{
		"posting": `SELECT concat_ws('|', village_code, channel, selection_round, quota_source, start_date, coalesce(CAST(end_date AS VARCHAR), ''),
			coalesce(end_reason, ''), coalesce(mentor_role, '')) FROM fact_posting`,
		"role":       "SELECT concat_ws('|', role, role_category, coalesce(village_code, ''), start_date, coalesce(CAST(end_date AS VARCHAR), '')) FROM fact_role",
		"assessment": "SELECT concat_ws('|', year, grade) FROM fact_assessment",
		"subsidy":    "SELECT concat_ws('|', paid_on, kind, amount_yuan) FROM fact_subsidy",
		"vacancy":    "SELECT concat_ws('|', village_code, reported_on, reason, coalesce(CAST(filled_on AS VARCHAR), '')) FROM fact_vacancy",
		"quota":      "SELECT concat_ws('|', year, coalesce(CAST(township_quota AS VARCHAR), ''), coalesce(CAST(county_pool AS VARCHAR), ''), township_code) FROM fact_quota",
	} {
		query(t, db, q, func(v []string) { got[name] = append(got[name], v[0]) })
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		w, g := slices.Sorted(slices.Values(want[name])), slices.Sorted(slices.Values(got[name]))
		if !slices.Equal(w, g) {
			t.Errorf("%s: loaded %d rows %v\nwant %d rows %v", name, len(g), g, len(w), w)
		}
	}

	// One value outside the drop-down per strict column, each on its own row.
	changes := []struct {
		rt          canon.RecordType
		row         int
		column, bad string
		reason      string
	}{
		{canon.Ledger, 0, "gender", "未知", "unknown_value:gender"},
		{canon.Ledger, 1, "political_status", "党外人士", "unknown_value:political_status"},
		{canon.Ledger, 2, "degree", "大专", "unknown_value:degree"},
		{canon.Ledger, 3, "channel", "选调", "unknown_value:channel"},
		{canon.Ledger, 4, "selection_round", "第三轮", "unknown_value:selection_round"},
		{canon.Ledger, 5, "quota_source", "县级编制", "unknown_value:quota_source"},
		{canon.Ledger, 6, "village", "不存在村", "unknown_village"},
		{canon.Ledger, 7, "county", "古交市", "wrong_county"},
		{canon.Roles, 0, "role", "干部", "unknown_value:role"},
		{canon.Assessments, 0, "grade", "良好", "unknown_value:grade"},
		{canon.Quota, 0, "township", "不存在镇", "unknown_value:township"},
	}
	bad := filled{}
	for rt, rs := range rows {
		for _, r := range rs {
			bad[rt] = append(bad[rt], maps.Clone(r))
		}
	}
	off := map[string]bool{}
	wantRejects := map[string]string{}
	for _, c := range changes {
		bad[c.rt][c.row][c.column] = c.bad
		off[c.rt.SheetName()+"|"+c.column+"|"+c.bad] = true
		wantRejects[fmt.Sprintf("%s|%d", c.rt.SheetName(), c.row+2)] = c.reason
	}
	_, cfg2 := generated(t, ctx, false)
	lines := dropOnly(t, cfg2, opts, bad, off)
	if len(lines) != len(changes) {
		t.Fatalf("%d values outside the drop-downs written, want %d: %v", len(lines), len(changes), lines)
	}
	runLoufan(t, ctx, cfg2)
	gotRejects := map[string]string{}
	query(t, openDB(t, cfg2.Warehouse), "SELECT sheet, row_number, reason FROM etl_reject", func(v []string) {
		k := v[0] + "|" + v[1]
		if gotRejects[k] != "" {
			t.Errorf("two rejects for %s", k)
		}
		gotRejects[k] = v[2]
	})
	if !maps.Equal(gotRejects, wantRejects) {
		t.Errorf("rejects %v\nwant %v", gotRejects, wantRejects)
	}
}
