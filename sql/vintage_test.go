package sqlfiles

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The moments of the vintage fixture: the first load (T1), a moment between
// the two loads, the correcting load (T2), and a moment before any load.
const (
	vintageT0      = "TIMESTAMPTZ '2022-07-01 10:00:00+08'"
	vintageT1      = "TIMESTAMPTZ '2022-08-01 10:00:00+08'"
	vintageBetween = "TIMESTAMPTZ '2022-08-10 10:00:00+08'"
	vintageT2      = "TIMESTAMPTZ '2022-08-20 10:00:00+08'"
)

// firstLoad records the fixture city as one load finished at T1: every
// table's rows as their first version in its history, a run per county,
// a file, a reject and a finding.
var firstLoad = fmt.Sprintf(`
INSERT INTO dim_county_history SELECT *, %[1]s, NULL, 1 FROM dim_county;
INSERT INTO dim_township_history SELECT *, %[1]s, NULL, 1 FROM dim_township;
INSERT INTO dim_village_history SELECT *, %[1]s, NULL, 1 FROM dim_village;
INSERT INTO fact_posting_history SELECT *, %[1]s, NULL, 1 FROM fact_posting;
INSERT INTO fact_role_history SELECT *, %[1]s, NULL, 1 FROM fact_role;
INSERT INTO fact_quota_history SELECT *, %[1]s, NULL, 1 FROM fact_quota;
INSERT INTO fact_vacancy_history SELECT *, %[1]s, NULL, 1 FROM fact_vacancy;
INSERT INTO etl_run VALUES
	(1, 'ingest', '140105', %[1]s - INTERVAL 1 MINUTE, %[1]s, 'succeeded', 10, 10, 0, 0, 1, NULL),
	(2, 'ingest', '140123', %[1]s - INTERVAL 1 MINUTE, %[1]s, 'succeeded', 12, 12, 0, 0, 0, NULL);
INSERT INTO etl_file VALUES ('aa', '140105', 'feeds/140105/台账.xlsx', ['posting'], 1, %[1]s);
INSERT INTO etl_reject VALUES (1, '140105', 'feeds/140105/台账.xlsx', '台账', 7, 'bad_id_number', '1401**********1234');
INSERT INTO etl_finding (run_id, county_code, code, severity) VALUES (2, '140123', 'overlapping_postings', 'warning');
`, vintageT1)

// correction is a second load at T2 from 娄烦县 (140123): P10 started at
// 新城社区 on 1 August, not 1 June (the July ledger was wrong); a vacancy is
// reported there on 1 July; the run rejects a row and raises a finding.
var correction = fmt.Sprintf(`
UPDATE fact_posting_history SET valid_to = %[1]s WHERE person_key = 'P10' AND valid_to IS NULL;
UPDATE fact_posting SET start_date = DATE '2022-08-01' WHERE person_key = 'P10';
INSERT INTO fact_posting_history SELECT *, %[1]s, NULL, 3 FROM fact_posting WHERE person_key = 'P10';
INSERT INTO fact_vacancy VALUES ('140123100001', DATE '2022-07-01', 'turnover', NULL);
INSERT INTO fact_vacancy_history VALUES ('140123100001', DATE '2022-07-01', 'turnover', NULL, %[1]s, NULL, 3);
INSERT INTO etl_run VALUES (3, 'ingest', '140123', %[1]s - INTERVAL 1 MINUTE, %[1]s, 'succeeded', 12, 2, 10, 0, 1, NULL);
INSERT INTO etl_file VALUES ('bb', '140123', 'feeds/140123/更正.xlsx', ['posting', 'vacancy'], 3, %[1]s);
INSERT INTO etl_reject VALUES (3, '140123', 'feeds/140123/更正.xlsx', '台账', 9, 'bad_date', '2022-13-01');
INSERT INTO etl_finding (run_id, county_code, code, severity) VALUES (3, '140123', 'vanished_from_ledger', 'warning');
`, vintageT2)

// vintageParamValues are the arguments of the calls TestVintageReplays
// makes, by parameter name.
var vintageParamValues = map[string]string{
	"as_of":      "'2022-07-21'",
	"prev_as_of": "'2022-06-30'",
	"first_day":  "'2022-01-01'",
	"last_day":   "'2022-12-31'",
	"year":       "2022",
	"months":     "12",
	"days":       "month_ends('2022-01-01', '2022-12-31')",
	"strata":     "'county'",
	"by":         "'county'",
	// by takes other values in these two.
	"flows.by":         "'quarter'",
	"subsidy_usage.by": "'cohort'",
}

// vintageCalls returns, for every macro of sql/macros with a vintage
// parameter, a query calling it with the placeholder VINTAGE for the
// vintage (every other argument by name), by macro name.
func vintageCalls(t *testing.T) map[string]string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("macros", "*.sql"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no macro files: %v", err)
	}
	sig := regexp.MustCompile(`(?m)^CREATE OR REPLACE MACRO (\w+)\(([^)]*)\) AS( TABLE)?`)
	calls := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range sig.FindAllStringSubmatch(string(b), -1) {
			var names []string
			for _, p := range strings.Split(m[2], ",") {
				name, _, _ := strings.Cut(p, ":=")
				names = append(names, strings.Trim(strings.TrimSpace(name), `"`))
			}
			if !slices.Contains(names, "vintage") || strings.HasSuffix(m[1], "_vintage") {
				continue
			}
			var args []string
			for _, name := range names {
				if name == "vintage" {
					continue
				}
				v, ok := vintageParamValues[m[1]+"."+name]
				if !ok {
					v, ok = vintageParamValues[name]
				}
				if !ok {
					t.Fatalf("%s: no test value for parameter %s of %s", f, name, m[1])
				}
				args = append(args, name+" := "+v)
			}
			call := fmt.Sprintf("%s(%s)", m[1], strings.Join(append(args, "vintage := VINTAGE"), ", "))
			if m[3] == "" {
				calls[m[1]] = "SELECT " + call
			} else {
				calls[m[1]] = "SELECT * FROM " + call
			}
		}
	}
	return calls
}

// TestVintageReplays: after a correcting load, every metric macro called with
// the vintage of the first load returns exactly what it returned before the
// correction; called with the correction's vintage (or a later one, or
// none) it returns what the tables hold now. The 娄烦县 coverage, worked by
// hand, moves by exactly the corrected posting.
func TestVintageReplays(t *testing.T) {
	db := openFixture(t)
	if _, err := db.Exec(firstLoad); err != nil {
		t.Fatal(err)
	}
	calls := vintageCalls(t)
	if len(calls) < 25 {
		t.Fatalf("%d macros with a vintage parameter, want every metric macro (25 or more)", len(calls))
	}
	at := func(q, v string) string { return strings.ReplaceAll(q, "VINTAGE", v) }
	// rows are a call's rows, sorted (villages_on, postings_on and
	// person_first have no order of their own).
	rows := func(q string) string {
		lines := strings.Split(table(t, db, q), "\n")
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	// The source freshness is measured at the vintage, or at now() without
	// one: those two are compared at a vintage only.
	clock := func(name string) bool { return strings.HasPrefix(name, "source_freshness") }
	before := map[string]string{}
	for name, q := range calls {
		before[name] = rows(at(q, vintageT1))
		if none := rows(at(q, "NULL")); !clock(name) && none != before[name] {
			t.Errorf("before the correction, %s differs between vintage NULL and the last load's:\n%s\n%s", name, none, before[name])
		}
	}
	const lowfan = `SELECT villages, covered, graduates_in_post FROM coverage(as_of := '2022-07-21', vintage := VINTAGE) WHERE level = 'county' AND code = '140123'`
	expect(t, db, at(lowfan, "NULL"), "4|3|3")

	if _, err := db.Exec(correction); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for name, q := range calls {
		if got := rows(at(q, vintageT1)); got != before[name] {
			t.Errorf("%s at the first load's vintage after the correction:\n%s\nbefore it:\n%s", name, got, before[name])
		}
		now := rows(at(q, vintageT2))
		// Between two loads, or after the last, the tables are the
		// earlier load's (but the feeds' freshness is measured then).
		if got := rows(at(q, vintageBetween)); !clock(name) && got != before[name] {
			t.Errorf("%s between the loads:\n%s\nat the first:\n%s", name, got, before[name])
		}
		if later := rows(at(q, "TIMESTAMPTZ '2030-01-01 00:00:00+00'")); !clock(name) && later != now {
			t.Errorf("%s: a vintage after the last load differs from the last load's", name)
		}
		if none := rows(at(q, "NULL")); !clock(name) && none != now {
			t.Errorf("%s: vintage NULL differs from the last load's:\n%s\n%s", name, none, now)
		}
		if now != before[name] {
			changed++
		}
	}
	// P10's posting moved to August: 新城社区 is uncovered on 21 July.
	expect(t, db, at(lowfan, "NULL"), "4|2|2")
	expect(t, db, at(lowfan, vintageT2), "4|2|2")
	expect(t, db, at(lowfan, vintageT1), "4|3|3")
	expect(t, db, at(lowfan, vintageBetween), "4|3|3")
	// The feeds' freshness as it was measured at each vintage: nine days
	// after the first load (216 hours, over the 72 allowed), and at the
	// correction (娄烦县 just pulled, 小店区 19 days before: 456 hours).
	expect(t, db, `SELECT county_code, hours_since_success, stale FROM source_freshness(vintage := `+vintageBetween+`)`, `
		140105|216.000000|true
		140123|216.000000|true`)
	expect(t, db, `SELECT county_code, hours_since_success, stale FROM source_freshness(vintage := `+vintageT2+`)`, `
		140105|456.000000|true
		140123|0.000000|false`)
	// Before any load the warehouse knew nothing.
	expect(t, db, at(lowfan, vintageT0), "")
	expect(t, db, `SELECT count(*) FROM fact_posting_vintage(`+vintageT0+`)`, "0")
	expect(t, db, `SELECT count(*) FROM data_quality(vintage := `+vintageT1+`)`, "2")
	expect(t, db, `SELECT count(*) FROM data_quality(vintage := `+vintageT2+`)`, "4")
	// A vintage given as text or as a TIMESTAMP in the session's zone.
	if _, err := db.Exec("SET TimeZone = 'Asia/Shanghai'"); err != nil {
		t.Fatal(err)
	}
	expect(t, db, at(lowfan, "'2022-08-10 10:00:00+08'"), "4|3|3")
	expect(t, db, at(lowfan, "TIMESTAMP '2022-08-20 10:00:00'"), "4|2|2")
	if changed < 8 {
		t.Errorf("the correction changed %d of %d macros' output; the fixture does not exercise vintages", changed, len(calls))
	}
}

// vintageFree are the macros that take no vintage: they read no table of
// the warehouse's data (only etl_setting, the configuration, or nothing).
var vintageFree = []string{"vocabulary", "label", "city_setting", "city_today", "as_date", "city_day_end", "month_ends"}

// TestMacrosReadTablesThroughVintage: outside vintage.sql no macro names a
// data or run table (they read them through the *_vintage macros), and every
// macro but vintageFree takes vintage as its last parameter, with a default.
func TestMacrosReadTablesThroughVintage(t *testing.T) {
	set, err := Macros()
	if err != nil {
		t.Fatal(err)
	}
	tables := regexp.MustCompile(`\b(dim_county|dim_township|dim_village|dim_person|fact_posting|fact_role|fact_assessment|fact_vacancy|fact_quota|fact_subsidy|etl_run|etl_file|etl_reject|etl_finding)\b(?:_history)?\s*(?:[a-z]\w*\b)?`)
	commentOn := regexp.MustCompile(`(?s)COMMENT ON MACRO .*?';\n`)
	for _, f := range set.Files {
		if f.Name == "vintage" {
			continue
		}
		code := commentOn.ReplaceAllString(f.SQL, "")
		for i, line := range strings.Split(code, "\n") {
			c, _, _ := strings.Cut(line, "--")
			for _, m := range regexp.MustCompile(`\b(?:dim|fact|etl)_\w+`).FindAllString(c, -1) {
				if tables.MatchString(m) && !strings.HasSuffix(m, "_vintage") {
					t.Errorf("%s.sql line %d reads %s directly: %q", f.Name, i+1, m, strings.TrimSpace(line))
				}
			}
		}
	}
	db := openFresh(t)
	rows, err := db.Query(`SELECT function_name, parameters FROM duckdb_functions()
		WHERE NOT internal AND function_type IN ('macro', 'table_macro') AND schema_name = 'main'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name string
		var params []any
		if err := rows.Scan(&name, &params); err != nil {
			t.Fatal(err)
		}
		n++
		switch {
		case strings.HasSuffix(name, "_vintage"):
			if len(params) != 1 || params[0] != "vintage" {
				t.Errorf("%s(%v), want %s(vintage)", name, params, name)
			}
		case slices.Contains(vintageFree, name):
			if slices.Contains(params, any("vintage")) {
				t.Errorf("%s takes a vintage but is listed as reading no data", name)
			}
		case len(params) == 0 || params[len(params)-1] != "vintage":
			t.Errorf("%s(%v) does not take vintage last", name, params)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 40 {
		t.Errorf("%d macros listed", n)
	}
	// The check sees a table read directly where one is.
	if !tables.MatchString("FROM fact_posting p") {
		t.Error("the pattern misses a direct read")
	}
}

// TestVintageNullSameAsBefore: the macros that changed only by taking
// vintage return, without one, what their superseded definitions return, on
// every day the fixture changes.
func TestVintageNullSameAsBefore(t *testing.T) {
	db := openFixture(t)
	var old []string
	for _, sup := range []string{"region_balance_007", "uncovered_villages_007", "villages_on_007", "postings_on_007",
		"person_first_007", "data_quality_007", "source_freshness_007"} {
		old = append(old, superseded(t, sup))
	}
	if _, err := db.Exec(strings.Join(old, "\n") + firstLoad); err != nil {
		t.Fatal(err)
	}
	days := queryStrings(t, db, `SELECT DISTINCT strftime(x - k, '%Y-%m-%d') FROM (
		SELECT start_date AS x FROM fact_posting UNION ALL SELECT end_date FROM fact_posting
		UNION ALL SELECT established_on FROM dim_village UNION ALL SELECT dissolved_on FROM dim_village
	), (VALUES (0), (1)) v(k) WHERE x IS NOT NULL ORDER BY 1`)
	if len(days) < 20 {
		t.Fatalf("%d days", len(days))
	}
	compared := 0
	same := func(got, want string) {
		t.Helper()
		// One statement, so that now() is the same on both sides.
		diff := fmt.Sprintf(`SELECT count(*) FROM ((%[1]s EXCEPT ALL %[2]s) UNION ALL (%[2]s EXCEPT ALL %[1]s))`, got, want)
		var n, rows int
		if err := db.QueryRow(diff).Scan(&n); err != nil {
			t.Fatalf("%s: %v", diff, err)
		}
		if err := db.QueryRow("SELECT count(*) FROM (" + want + ")").Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("%s and %s differ in %d rows", got, want, n)
		}
		if rows > 0 {
			compared++
		}
	}
	for _, d := range days {
		for _, m := range []string{"region_balance", "uncovered_villages", "villages_on", "postings_on"} {
			same(fmt.Sprintf("SELECT * FROM %s('%s')", m, d), fmt.Sprintf("SELECT * FROM %s_007('%s')", m, d))
		}
	}
	same("SELECT * FROM person_first()", "SELECT * FROM person_first_007()")
	same("SELECT * FROM data_quality()", "SELECT * FROM data_quality_007()")
	same("SELECT * FROM source_freshness()", "SELECT * FROM source_freshness_007()")
	if compared < 3*len(days) {
		t.Errorf("only %d non-empty comparisons", compared)
	}
}
