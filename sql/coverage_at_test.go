package sqlfiles

import (
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestMonthEnds(t *testing.T) {
	db := openFixture(t)
	tests := []struct {
		name        string
		first, last string
		want        string
	}{
		{"within a year", "'2022-01-15'", "'2022-03-02'", "2022-01-31 2022-02-28 2022-03-31"},
		{"across a year end into a leap February", "DATE '2023-11-30'", "DATE '2024-02-01'", "2023-11-30 2023-12-31 2024-01-31 2024-02-29"},
		{"February of a year that is not leap", "'2023-02-01'", "'2023-02-28'", "2023-02-28"},
		{"1900 is not a leap year", "'1900-02-10'", "'1900-02-10'", "1900-02-28"},
		{"2000 is a leap year", "'2000-02-10'", "'2000-03-01'", "2000-02-29 2000-03-31"},
		{"one month, last day before first day", "'2022-07-31'", "'2022-07-01'", "2022-07-31"},
		{"first month after the last", "'2022-03-01'", "'2022-02-28'", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := queryStrings(t, db, "SELECT strftime(unnest(month_ends("+tt.first+", "+tt.last+")), '%Y-%m-%d')")
			if s := strings.Join(got, " "); s != tt.want {
				t.Errorf("month_ends(%s, %s) = [%s], want [%s]", tt.first, tt.last, s, tt.want)
			}
		})
	}
	// Ten years of month-ends to November 2022: 9 × 12 + 11 days, a DATE[].
	expect(t, db, "SELECT typeof(m), len(m), m[1], m[-1] FROM (SELECT month_ends('2013-01-01', '2022-11-30') AS m)",
		"DATE[]|119|2013-01-31|2022-11-30")
	expect(t, db, "SELECT month_ends(NULL, '2022-01-01') IS NULL", "true")
	var comment sql.NullString
	if err := db.QueryRow("SELECT max(comment) FROM duckdb_functions() WHERE function_name = 'month_ends' AND function_type = 'macro'").Scan(&comment); err != nil {
		t.Fatal(err)
	}
	if !bilingual(comment.String) {
		t.Errorf("month_ends: comment %q is not in Chinese and English", comment.String)
	}
}

// coverageAtFixture holds coverage on six days of the fixture city (see
// metrics_test.go), worked out by hand from its villages and postings.
var coverageAtFixture = []struct {
	day  string
	rows string
}{
	// Before any posting (the first start on 2019-09-01): universe V1–V6
	// and V8 (V5 not yet dissolved, V7 not yet established), nobody in
	// post. Developed V1 V2 V3; remote V4 V5 (杜交曲乡) V6 V8 (静游镇);
	// communities V1 V2; urban (1xx) V1 V2 V3.
	{"2019-08-31", `
		city|1401|太原市|NULL|7|0|0.000000|0
		region|developed|发达地区|developed|3|0|0.000000|0
		region|remote|偏远地区|remote|4|0|0.000000|0
		county|140105|小店区|developed|3|0|0.000000|0
		county|140123|娄烦县|remote|4|0|0.000000|0
		township|140105001|坞城街道|developed|3|0|0.000000|0
		township|140123100|静游镇|remote|2|0|0.000000|0
		township|140123200|杜交曲乡|remote|2|0|0.000000|0
		village_kind|community|社区（居委会）|NULL|2|0|0.000000|0
		village_kind|village|村（村委会）|NULL|5|0|0.000000|0
		urban_rural|rural|乡村|NULL|4|0|0.000000|0
		urban_rural|urban|城镇|NULL|3|0|0.000000|0`},
	// P4's end day at V3 (2021-03-31): P4 is not in post, not yet at V4.
	// In post P1 (V1), P2 (V2), P5 (V5), P6 (V6), P8 (V8): 5 of 7 villages.
	// Developed 2 of 3 (V1 V2); remote 3 of 4 (V5 V6 V8); 静游镇 V6 V8 both,
	// 杜交曲乡 V5 of V4 V5; villages (V3 V4 V5 V6 V8) 3 of 5.
	{"2021-03-31", `
		city|1401|太原市|NULL|7|5|0.714286|5
		region|developed|发达地区|developed|3|2|0.666667|2
		region|remote|偏远地区|remote|4|3|0.750000|3
		county|140105|小店区|developed|3|2|0.666667|2
		county|140123|娄烦县|remote|4|3|0.750000|3
		township|140105001|坞城街道|developed|3|2|0.666667|2
		township|140123100|静游镇|remote|2|2|1.000000|2
		township|140123200|杜交曲乡|remote|2|1|0.500000|1
		village_kind|community|社区（居委会）|NULL|2|2|1.000000|2
		village_kind|village|村（村委会）|NULL|5|3|0.600000|3
		urban_rural|rural|乡村|NULL|4|3|0.750000|3
		urban_rural|urban|城镇|NULL|3|2|0.666667|2`},
	// P4's start day at V4 (2021-04-01): as the day before, plus P4 at V4:
	// 6 of 7 villages, 6 graduates; every remote village covered.
	{"2021-04-01", `
		city|1401|太原市|NULL|7|6|0.857143|6
		region|developed|发达地区|developed|3|2|0.666667|2
		region|remote|偏远地区|remote|4|4|1.000000|4
		county|140105|小店区|developed|3|2|0.666667|2
		county|140123|娄烦县|remote|4|4|1.000000|4
		township|140105001|坞城街道|developed|3|2|0.666667|2
		township|140123100|静游镇|remote|2|2|1.000000|2
		township|140123200|杜交曲乡|remote|2|2|1.000000|2
		village_kind|community|社区（居委会）|NULL|2|2|1.000000|2
		village_kind|village|村（村委会）|NULL|5|4|0.800000|4
		urban_rural|rural|乡村|NULL|4|4|1.000000|4
		urban_rural|urban|城镇|NULL|3|2|0.666667|2`},
	// P5's end day at V5 (2022-02-28), the day before V5 is dissolved: V5
	// is still in the universe (7 villages) but uncovered. In post P1 P9
	// (V1), P3 (V2), P4 (V4), P6 (V6): 4 villages, 5 graduates; remote 2 of
	// 4; villages 2 (V4 V6) of 5.
	{"2022-02-28", `
		city|1401|太原市|NULL|7|4|0.571429|5
		region|developed|发达地区|developed|3|2|0.666667|3
		region|remote|偏远地区|remote|4|2|0.500000|2
		county|140105|小店区|developed|3|2|0.666667|3
		county|140123|娄烦县|remote|4|2|0.500000|2
		township|140105001|坞城街道|developed|3|2|0.666667|3
		township|140123100|静游镇|remote|2|1|0.500000|1
		township|140123200|杜交曲乡|remote|2|1|0.500000|1
		village_kind|community|社区（居委会）|NULL|2|2|1.000000|3
		village_kind|village|村（村委会）|NULL|5|2|0.400000|2
		urban_rural|rural|乡村|NULL|4|2|0.500000|2
		urban_rural|urban|城镇|NULL|3|2|0.666667|3`},
	// V5's dissolution day (2022-03-01): V5 has left the universe (6
	// villages); the same 5 graduates in V1 V2 V4 V6. 杜交曲乡 is V4 alone.
	{"2022-03-01", `
		city|1401|太原市|NULL|6|4|0.666667|5
		region|developed|发达地区|developed|3|2|0.666667|3
		region|remote|偏远地区|remote|3|2|0.666667|2
		county|140105|小店区|developed|3|2|0.666667|3
		county|140123|娄烦县|remote|3|2|0.666667|2
		township|140105001|坞城街道|developed|3|2|0.666667|3
		township|140123100|静游镇|remote|2|1|0.500000|1
		township|140123200|杜交曲乡|remote|1|1|1.000000|1
		village_kind|community|社区（居委会）|NULL|2|2|1.000000|3
		village_kind|village|村（村委会）|NULL|4|2|0.500000|2
		urban_rural|rural|乡村|NULL|3|2|0.666667|2
		urban_rural|urban|城镇|NULL|3|2|0.666667|3`},
	// V7's establishment day (2022-05-01): V7 (静游镇, community, 111) joins
	// the universe, uncovered until P10 on 2022-06-01. P6 left V6 on
	// 2022-03-31, P7 is there since 2022-04-15. In post P1 P9, P3, P4, P7:
	// 4 of 7 villages; 静游镇 1 (V6) of V6 V7 V8; communities 2 of 3.
	{"2022-05-01", `
		city|1401|太原市|NULL|7|4|0.571429|5
		region|developed|发达地区|developed|3|2|0.666667|3
		region|remote|偏远地区|remote|4|2|0.500000|2
		county|140105|小店区|developed|3|2|0.666667|3
		county|140123|娄烦县|remote|4|2|0.500000|2
		township|140105001|坞城街道|developed|3|2|0.666667|3
		township|140123100|静游镇|remote|3|1|0.333333|1
		township|140123200|杜交曲乡|remote|1|1|1.000000|1
		village_kind|community|社区（居委会）|NULL|3|2|0.666667|3
		village_kind|village|村（村委会）|NULL|4|2|0.500000|2
		urban_rural|rural|乡村|NULL|3|2|0.666667|2
		urban_rural|urban|城镇|NULL|4|2|0.500000|3`},
}

func TestCoverageAtFixture(t *testing.T) {
	db := openFixture(t)
	var all []string
	for _, c := range coverageAtFixture {
		t.Run(c.day, func(t *testing.T) {
			expect(t, db, "SELECT * EXCLUDE (as_of) FROM coverage_at([DATE '"+c.day+"'])", c.rows)
			expect(t, db, "SELECT * FROM coverage('"+c.day+"')", c.rows)
		})
		for _, l := range strings.Split(c.rows, "\n") {
			if l = strings.TrimSpace(l); l != "" {
				all = append(all, c.day+"|"+l)
			}
		}
	}
	// All six days at once, out of order, one twice, with a null (skipped)
	// and as text: ordered by day, then as coverage orders its rows.
	expect(t, db, `SELECT * FROM coverage_at(['2022-05-01', '2019-08-31', '2021-04-01', '2022-03-01', NULL,
		'2021-03-31', '2022-02-28', '2022-03-01'])`, strings.Join(all, "\n"))
	for _, q := range []string{
		"SELECT * FROM coverage_at([])",
		"SELECT * FROM coverage_at(NULL::DATE[])",
		"SELECT * FROM coverage_at([NULL::DATE])",
	} {
		expect(t, db, q, "")
	}
	// The columns: as_of, then coverage's.
	expect(t, db, "SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE SELECT * FROM coverage_at([DATE '2022-01-01']))",
		"as_of DATE, level VARCHAR, code VARCHAR, name VARCHAR, region VARCHAR, villages BIGINT, covered BIGINT, coverage_rate DOUBLE, graduates_in_post BIGINT")
}

// randomCity replaces the fixture's divisions and postings with a larger,
// dirtier city made from hashes (the same rows on every run): 30 counties
// (one of a third region, one code twice under two names), 8 townships each
// (one code twice under two names), 3,010 village rows (five duplicated,
// five listed in two townships, 1% in a county that does not exist) of
// which 10% lie in a township of another county, 3% have no township code
// and 2% an unknown one; a fifth established and a tenth dissolved on some
// day, some dissolved before established; a fifth with no urban-rural class
// (no code or 3xx) and a tenth of a village kind that has no name; 4,000
// persons with one to three postings, some overlapping in one village or
// across villages, some ending before or on the day they start, some in
// villages or counties that do not exist. No city code.
const randomCity = `
ALTER TABLE dim_village ALTER COLUMN township_code DROP NOT NULL;
DELETE FROM fact_posting; DELETE FROM dim_village; DELETE FROM dim_township; DELETE FROM dim_county;
DELETE FROM etl_setting WHERE key = 'city_code';
CREATE TEMP MACRO rnd(k, salt, m) AS CAST(hash(CAST(k AS VARCHAR) || '/' || salt) % m AS INTEGER);
INSERT INTO dim_county
	SELECT printf('%06d', 500000 + k), '县' || k,
	       CASE WHEN k = 29 THEN 'plain' WHEN rnd(k, 'region', 2) = 0 THEN 'remote' ELSE 'developed' END
	FROM range(30) r(k);
INSERT INTO dim_county SELECT county_code, '重名县', region FROM dim_county WHERE county_code = '500000';
INSERT INTO dim_township
	SELECT printf('%06d%03d', 500000 + c, j), '乡' || c || '-' || j, 'town', printf('%06d', 500000 + c)
	FROM range(30) a(c), range(8) b(j);
INSERT INTO dim_township SELECT township_code, '重名乡', township_kind, county_code FROM dim_township WHERE township_code = '500000001';
INSERT INTO dim_village
	SELECT printf('V%05d', k), '村' || k,
	       CASE WHEN rnd(k, 'kind', 10) < 3 THEN 'community' WHEN rnd(k, 'kind', 10) = 3 THEN 'other' ELSE 'village' END,
	       CASE rnd(k, 'ur', 10) WHEN 0 THEN NULL WHEN 1 THEN '300' WHEN 2 THEN '111' WHEN 3 THEN '112' WHEN 4 THEN '121'
	            ELSE '2' || rnd(k, 'ur2', 3) || '0' END,
	       CASE WHEN rnd(k, 'tc', 100) < 3 THEN NULL
	            WHEN rnd(k, 'tc', 100) < 5 THEN 'X' || (k % 7)
	            WHEN rnd(k, 'tc', 100) < 15 THEN printf('%06d%03d', 500000 + (k + 7) % 30, rnd(k, 't', 8))
	            ELSE printf('%06d%03d', 500000 + k % 30, rnd(k, 't', 8)) END,
	       CASE WHEN rnd(k, 'cc', 100) = 0 THEN '599999' ELSE printf('%06d', 500000 + k % 30) END,
	       CASE WHEN rnd(k, 'est', 10) < 2 THEN DATE '2017-01-01' + rnd(k, 'estd', 2000) END,
	       CASE WHEN rnd(k, 'dis', 10) < 1 THEN DATE '2017-01-01' + rnd(k, 'disd', 2200) END
	FROM range(3000) r(k);
INSERT INTO dim_village SELECT * FROM dim_village WHERE village_code < 'V00005';
INSERT INTO dim_village
	SELECT village_code, village_name, village_kind, urban_rural_code, '500003002', '500003', established_on, dissolved_on
	FROM dim_village WHERE village_code BETWEEN 'V00005' AND 'V00009';
INSERT INTO fact_posting
	SELECT person_key, printf('V%05d', vi), 'T', CASE WHEN rnd(q, 'pc', 50) = 0 THEN '599998' ELSE printf('%06d', 500000 + vi % 30) END,
	       CASE rnd(q, 'ch', 3) WHEN 0 THEN 'special_intro' WHEN 1 THEN 'open_recruit' ELSE 'replenish' END,
	       NULL, 'township', start_date,
	       CASE WHEN rnd(q, 'e', 10) < 3 THEN NULL
	            WHEN rnd(q, 'e', 10) = 3 THEN start_date - rnd(q, 'back', 30)
	            ELSE start_date + 1 + rnd(q, 'len', 900) END,
	       NULL, NULL
	FROM (
		SELECT DISTINCT ON (person_key, vi, start_date) *
		FROM (
			SELECT printf('P%05d', p) AS person_key, p * 3 + m AS q,
			       CASE WHEN m = 1 AND rnd(p, 'same', 4) = 0 THEN rnd(p * 3, 'v', 3050) ELSE rnd(p * 3 + m, 'v', 3050) END AS vi,
			       CASE WHEN m = 1 AND rnd(p, 'same', 4) = 0 THEN DATE '2017-06-01' + rnd(p * 3, 's', 2000) + 20
			            ELSE DATE '2017-06-01' + rnd(p * 3 + m, 's', 2000) END AS start_date
			FROM range(4000) a(p), range(3) b(m)
			WHERE m < 1 + rnd(p, 'n', 3)
		)
		ORDER BY person_key, vi, start_date, q
	);
`

// oldMacros returns the definitions that 007 replaced, read from
// testdata/superseded and renamed: coverage from 006 as coverage_006,
// retention from 005 as retention_005 and region_balance from 002 (calling
// those two) as region_balance_002, all TEMP. The new macros must return
// exactly their rows.
func oldMacros(t *testing.T) string {
	t.Helper()
	rb := superseded(t, "region_balance_002")
	rb = rename(t, rb, "FROM coverage(as_of)", "FROM coverage_006(as_of)")
	rb = rename(t, rb, "FROM retention(as_of, 12)", "FROM retention_005(as_of, 12)")
	return superseded(t, "coverage_006") + "\n" + superseded(t, "retention_005") + "\n" + rb
}

// sameRows fails unless queries got and want return the same multiset of
// rows (EXCEPT ALL both ways, values compared exactly). It returns the
// number of rows.
func sameRows(t *testing.T, db *sql.DB, got, want string) int {
	t.Helper()
	var extra, missing, n, m int
	err := db.QueryRow(fmt.Sprintf(`WITH a AS MATERIALIZED (%s), b AS MATERIALIZED (%s)
		SELECT (SELECT count(*) FROM (FROM a EXCEPT ALL FROM b)), (SELECT count(*) FROM (FROM b EXCEPT ALL FROM a)),
		       (SELECT count(*) FROM a), (SELECT count(*) FROM b)`, got, want)).Scan(&extra, &missing, &n, &m)
	if err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	if extra != 0 || missing != 0 || n != m {
		diff := "WITH a AS (%s), b AS (%s) FROM (FROM %s EXCEPT ALL FROM %s) LIMIT 10"
		t.Errorf("%s: %d rows, %s: %d rows\nonly in the first:\n%s\nonly in the second:\n%s", got, n, want, m,
			table(t, db, fmt.Sprintf(diff, got, want, "a", "b")), table(t, db, fmt.Sprintf(diff, got, want, "b", "a")))
	}
	return n
}

// sameColumns fails unless queries got and want have the same column names
// and types.
func sameColumns(t *testing.T, db *sql.DB, got, want string) {
	t.Helper()
	describe := "SELECT string_agg(column_name || ' ' || column_type, ', ') FROM (DESCRIBE %s)"
	if a, b := table(t, db, fmt.Sprintf(describe, got)), table(t, db, fmt.Sprintf(describe, want)); a != b {
		t.Errorf("%s has columns %s, %s has %s", got, a, want, b)
	}
}

// checkSameAsBefore checks on every day of days (text dates; duplicates and
// "" for a null allowed) that coverage, region_balance and retention return
// what 006, 002 and 005 did, and that coverage_at(days) returns, row for
// row and in order, coverage(d) for each distinct day d. With ties set,
// retention is left out: there a person's first posting joins two county
// rows and the county reported is arbitrary, in the old definition too.
func checkSameAsBefore(t *testing.T, db *sql.DB, days []string, ties bool) {
	t.Helper()
	if _, err := db.Exec(oldMacros(t)); err != nil {
		t.Fatal(err)
	}
	var list []string
	var distinct []string
	for _, d := range days {
		if d == "" {
			list = append(list, "NULL")
			continue
		}
		list = append(list, "DATE '"+d+"'")
		distinct = append(distinct, d)
	}
	slices.Sort(distinct)
	distinct = slices.Compact(distinct)
	sameColumns(t, db, "SELECT * FROM coverage(DATE '2022-01-01')", "SELECT * FROM coverage_006(DATE '2022-01-01')")
	sameColumns(t, db, "SELECT * FROM region_balance(DATE '2022-01-01')", "SELECT * FROM region_balance_002(DATE '2022-01-01')")
	sameColumns(t, db, "SELECT * FROM retention(DATE '2022-01-01', 12)", "SELECT * FROM retention_005(DATE '2022-01-01', 12)")
	rows := 0
	var want []string
	for _, d := range distinct {
		rows += sameRows(t, db, "SELECT * FROM coverage(DATE '"+d+"')", "SELECT * FROM coverage_006(DATE '"+d+"')")
		sameRows(t, db, "SELECT * FROM region_balance(DATE '"+d+"')", "SELECT * FROM region_balance_002(DATE '"+d+"')")
		if !ties {
			for _, months := range []int{6, 12, 24} {
				sameRows(t, db, fmt.Sprintf("SELECT * FROM retention(DATE '%s', %d)", d, months),
					fmt.Sprintf("SELECT * FROM retention_005(DATE '%s', %d)", d, months))
			}
		}
		if s := table(t, db, "SELECT DATE '"+d+"', * FROM coverage(DATE '"+d+"')"); s != "" {
			want = append(want, s)
		}
	}
	at := "SELECT * FROM coverage_at([" + strings.Join(list, ", ") + "])"
	got, exp := strings.Split(table(t, db, at), "\n"), strings.Split(strings.Join(want, "\n"), "\n")
	for i := range max(len(got), len(exp)) {
		if i >= len(got) || i >= len(exp) || got[i] != exp[i] {
			t.Errorf("%s differs from coverage() on each day: %d rows, want %d; row %d:\n got %q\nwant %q", at,
				len(got), len(exp), i+1, got[min(i, len(got)-1)], exp[min(i, len(exp)-1)])
			break
		}
	}
	var union []string
	for _, d := range distinct {
		union = append(union, "SELECT DATE '"+d+"' AS as_of, * FROM coverage_006(DATE '"+d+"')")
	}
	if n := sameRows(t, db, at, strings.Join(union, " UNION ALL ")); n != rows || n == 0 {
		t.Errorf("coverage_at: %d rows, the days' coverage: %d", n, rows)
	}
}

func TestFastMacrosFixture(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	// Every date of the fixture's postings, villages and roles, and the day
	// before each, and a day before anything and after everything.
	days := queryStrings(t, db, `SELECT DISTINCT strftime(x - k, '%Y-%m-%d') FROM (
		SELECT start_date AS x FROM fact_posting UNION ALL SELECT end_date FROM fact_posting
		UNION ALL SELECT established_on FROM dim_village UNION ALL SELECT dissolved_on FROM dim_village
		UNION ALL SELECT start_date FROM fact_role UNION ALL SELECT DATE '2018-01-01' UNION ALL SELECT DATE '2030-01-01'
	), (VALUES (0), (1)) v(k) WHERE x IS NOT NULL`)
	if len(days) < 30 {
		t.Fatalf("%d days", len(days))
	}
	checkSameAsBefore(t, db, append(days, days[0], ""), false)
}

func TestFastMacrosRandomCity(t *testing.T) {
	t.Parallel()
	db := openFixture(t)
	if _, err := db.Exec(randomCity); err != nil {
		t.Fatal(err)
	}
	// 30 days: start and end days of postings (a posting is out of post on
	// its end day), establishment and dissolution days, a few others.
	days := queryStrings(t, db, `SELECT strftime(d, '%Y-%m-%d') FROM (
		(SELECT d FROM (SELECT DISTINCT start_date AS d FROM fact_posting) ORDER BY hash(d || 'start') LIMIT 8)
		UNION ALL (SELECT d FROM (SELECT DISTINCT end_date AS d FROM fact_posting WHERE end_date > start_date) ORDER BY hash(d || 'end') LIMIT 8)
		UNION ALL (SELECT d FROM (SELECT DISTINCT established_on AS d FROM dim_village WHERE d IS NOT NULL) ORDER BY hash(d || 'est') LIMIT 5)
		UNION ALL (SELECT d FROM (SELECT DISTINCT dissolved_on AS d FROM dim_village WHERE d IS NOT NULL) ORDER BY hash(d || 'dis') LIMIT 5)
		UNION ALL SELECT unnest([DATE '2010-01-01', DATE '2019-12-31', DATE '2021-06-30', DATE '2030-01-01']))`)
	if n := len(slices.Compact(slices.Sorted(slices.Values(days)))); n < 28 {
		t.Fatalf("%d distinct days", n)
	}
	list := strings.Join(days, "', '")

	if _, err := db.Exec(oldMacros(t)); err != nil {
		t.Fatal(err)
	}
	// The data set has what it should exercise, on the days measured.
	for _, c := range []struct{ what, q string }{
		{"persons in post twice in one village", `SELECT count(*) FROM fact_posting a JOIN fact_posting b
			ON a.person_key = b.person_key AND a.village_code = b.village_code AND a.start_date < b.start_date,
			unnest(CAST(['` + list + `'] AS DATE[])) d(d)
			WHERE a.start_date <= d AND coalesce(a.end_date > d, true) AND b.start_date <= d AND coalesce(b.end_date > d, true)`},
		{"persons in post in two villages", `SELECT count(*) FROM fact_posting a JOIN fact_posting b
			ON a.person_key = b.person_key AND a.village_code < b.village_code,
			unnest(CAST(['` + list + `'] AS DATE[])) d(d)
			WHERE a.start_date <= d AND coalesce(a.end_date > d, true) AND b.start_date <= d AND coalesce(b.end_date > d, true)`},
		{"villages with two graduates in post", `SELECT count(*) FROM fact_posting a JOIN fact_posting b
			ON a.village_code = b.village_code AND a.person_key < b.person_key,
			unnest(CAST(['` + list + `'] AS DATE[])) d(d)
			WHERE a.start_date <= d AND coalesce(a.end_date > d, true) AND b.start_date <= d AND coalesce(b.end_date > d, true)`},
		{"postings ending on a day measured", `SELECT count(*) FROM fact_posting WHERE end_date IN (SELECT unnest(CAST(['` + list + `'] AS DATE[])))`},
		{"postings ending before they start", `SELECT count(*) FROM fact_posting WHERE end_date < start_date`},
		{"townships in two regions", `SELECT count(*) FROM (SELECT code FROM coverage_006('2021-06-30') WHERE level = 'township' GROUP BY code HAVING count(DISTINCT region) > 1)`},
		{"rows without a township code", `SELECT count(*) FROM coverage_006('2021-06-30') WHERE level = 'township' AND code IS NULL`},
		{"rows without an urban-rural class", `SELECT count(*) FROM coverage_006('2021-06-30') WHERE level = 'urban_rural' AND code IS NULL`},
		{"a city without a code", `SELECT count(*) FROM coverage_006('2021-06-30') WHERE level = 'city' AND code IS NULL AND graduates_in_post > 0`},
	} {
		var n int
		if err := db.QueryRow(c.q).Scan(&n); err != nil || n == 0 {
			t.Fatalf("the data set has no %s (%v)", c.what, err)
		}
	}
	checkSameAsBefore(t, db, append(days, days[3], ""), true)
	// Without the county listed twice, retention too.
	if _, err := db.Exec("DELETE FROM dim_county WHERE county_name = '重名县'"); err != nil {
		t.Fatal(err)
	}
	checkSameAsBefore(t, db, days, false)
}
