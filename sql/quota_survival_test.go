package sqlfiles

import (
	"database/sql"
	"fmt"
	"math"
	"testing"
)

// orderedRows runs q and returns its rows in order, each value as the
// driver scans it.
func orderedRows(t *testing.T, db *sql.DB, q string) [][]any {
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
	var out [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		out = append(out, vals)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// sameOrderedRows fails unless queries got and want return the same rows in
// the same order: floats within tol of each other, every other value (NULL
// included) equal, reporting the first five rows that differ. It returns the number of rows.
func sameOrderedRows(t *testing.T, db *sql.DB, got, want string, tol float64) int {
	t.Helper()
	a, b := orderedRows(t, db, got), orderedRows(t, db, want)
	if len(a) != len(b) {
		t.Errorf("%s: %d rows, %s: %d rows", got, len(a), want, len(b))
		return len(a)
	}
	bad := 0
	for i := range a {
		if bad == 5 {
			t.Errorf("%s: more rows differ", got)
			break
		}
		if len(a[i]) != len(b[i]) {
			t.Fatalf("%s: %d columns, %s: %d", got, len(a[i]), want, len(b[i]))
		}
		for j := range a[i] {
			x, xf := a[i][j].(float64)
			y, yf := b[i][j].(float64)
			same := fmt.Sprint(a[i][j]) == fmt.Sprint(b[i][j])
			if xf && yf {
				same = math.Abs(x-y) <= tol
			}
			if !same {
				t.Errorf("%s, row %d: %v; %s: %v", got, i+1, a[i], want, b[i])
				bad++
				break
			}
		}
	}
	return len(a)
}

// TestQuotaUsageAsOf: quota_usage(year, as_of) on the fixture city of
// metrics_test.go, worked by hand. A = 小店区 140105 (坞城街道), B = 娄烦县
// 140123 (静游镇 140123100, 杜交曲乡 140123200). Quota 2022: A 3 + pool 1,
// B 2 (杜交曲乡) + 3 (静游镇) + pool 1.
func TestQuotaUsageAsOf(t *testing.T) {
	db := openFixture(t)
	// In post on 2022-02-15: A P1 P9 (township quota), P3 (pool); B P4
	// (杜交曲乡, township quota), the two-round placements P5 (county_round,
	// 杜交曲乡, pool, until 2022-02-28) and P6 (city_round, 静游镇, township
	// quota, until 2022-03-31). P7 (2022-04-15) and P10 (2022-06-01) come
	// later. City: 4 + 2 = 6 posts of 10, 4 unfilled.
	const feb15 = `
		city|1401|太原市|8|2|10|4|2|6|4
		county|140105|小店区|3|1|4|2|1|3|1
		county|140123|娄烦县|5|1|6|2|1|3|3
		township|140105001|坞城街道|3|NULL|3|2|1|3|1
		township|140123100|静游镇|3|NULL|3|1|0|1|2
		township|140123200|杜交曲乡|2|NULL|2|1|1|2|1`
	expect(t, db, "SELECT * FROM quota_usage(year := 2022, as_of := DATE '2022-02-15')", feb15)
	// year NULL is as_of's year; as_of may be text.
	expect(t, db, "SELECT * FROM quota_usage(as_of := '2022-02-15')", feb15)
	// The two-round placements, counted on the day: B's pool post is P5
	// (county_round), one of its township posts P6 (city_round).
	expect(t, db, `SELECT p.county_code, p.selection_round, p.quota_source FROM fact_posting p
		WHERE p.start_date <= DATE '2022-02-15' AND (p.end_date IS NULL OR p.end_date > DATE '2022-02-15')
		AND p.selection_round <> 'direct' ORDER BY p.person_key`, `
		140123|county_round|county_pool
		140123|city_round|township`)
	// 2022-05-31: P5 and P6 have left; P7 (静游镇, from 2022-04-15) is in
	// post, P10 (静游镇, from 2022-06-01) not yet. B: P4 and P7 on the
	// township quota, none on the pool: 2 of 6. City: 5 of 10.
	expect(t, db, "SELECT * FROM quota_usage(year := 2022, as_of := DATE '2022-05-31')", `
		city|1401|太原市|8|2|10|4|1|5|5
		county|140105|小店区|3|1|4|2|1|3|1
		county|140123|娄烦县|5|1|6|2|0|2|4
		township|140105001|坞城街道|3|NULL|3|2|1|3|1
		township|140123100|静游镇|3|NULL|3|1|0|1|2
		township|140123200|杜交曲乡|2|NULL|2|1|0|1|1`)
	// The quota of 2021 (A 3 + 1, B 2 + 2 + 1) against the posts of
	// 2022-02-15.
	expect(t, db, "SELECT * FROM quota_usage(year := 2021, as_of := DATE '2022-02-15')", `
		city|1401|太原市|7|2|9|4|2|6|3
		county|140105|小店区|3|1|4|2|1|3|1
		county|140123|娄烦县|4|1|5|2|1|3|2
		township|140105001|坞城街道|3|NULL|3|2|1|3|1
		township|140123100|静游镇|2|NULL|2|1|0|1|1
		township|140123200|杜交曲乡|2|NULL|2|1|1|2|1`)
	// The same as quota_usage_on, and as_of NULL as before.
	for _, s := range [][2]string{
		{"quota_usage(year := 2022, as_of := DATE '2022-05-31')", "quota_usage_on(2022, DATE '2022-05-31')"},
		{"quota_usage(2022, DATE '2022-02-15')", "quota_usage_on(2022, '2022-02-15')"},
		{"quota_usage(year := 2021, as_of := NULL)", "quota_usage(2021)"},
		{"quota_usage(year := 2022)", "quota_usage_on(2022, DATE '2022-12-31')"},
	} {
		a, b := table(t, db, "SELECT * FROM "+s[0]), table(t, db, "SELECT * FROM "+s[1])
		if a != b || a == "" {
			t.Errorf("%s:\n%s\n%s:\n%s", s[0], a, s[1], b)
		}
	}
}

// logLog is the 95% log(-log) interval of R's survfit(conf.type =
// "log-log") for a survival s with Greenwood sum g (std_err = s·sqrt(g)):
// s^exp(∓z·sqrt(g) / log s).
func logLog(s, g float64) (lower, upper float64) {
	const z = 1.959963984540054
	se := math.Sqrt(g)
	return math.Pow(s, math.Exp(-z*se/math.Log(s))), math.Pow(s, math.Exp(z*se/math.Log(s)))
}

// TestSurvivalBy: survival(as_of, by) on the fixture city of metrics_test.go
// as of 2022-07-01 (the spells of TestSurvivalFixture).
func TestSurvivalBy(t *testing.T) {
	db := openFixture(t)
	// by := 'county' is survival_by(as_of, 'county'), row for row.
	got := "SELECT * FROM survival(as_of := DATE '2022-07-01', by := 'county')"
	if n := sameOrderedRows(t, db, got, "SELECT * FROM survival_by(DATE '2022-07-01', 'county')", 0); n == 0 {
		t.Errorf("%s: no rows", got)
	}
	sameColumns(t, db, got, "SELECT * FROM survival_by(DATE '2022-07-01', 'county')")
	for _, by := range []string{"all", "region", "channel", "cohort", "degree"} {
		got := fmt.Sprintf("SELECT * FROM survival('2022-07-01', by := '%s')", by)
		if n := sameOrderedRows(t, db, got, fmt.Sprintf("SELECT * FROM survival_by('2022-07-01', '%s')", by), 0); n == 0 {
			t.Errorf("%s: no rows", got)
		}
	}
	// County 140123 (of the first posting): P10 30 and P7 77 days censored;
	// P8 leaves after 365 days (3 at risk), P5 after 637 (2), P6 after 942
	// (1). S(365) = 2/3, Greenwood 1/(3·2); S(637) = 1/3, + 1/(2·1); S(942)
	// = 0: no standard error, no limits; S = 1: no limits.
	l365, u365 := logLog(2.0/3, 1.0/6)
	l637, u637 := logLog(1.0/3, 1.0/6+1.0/2)
	expectFloats(t, db, `SELECT day, at_risk, exits, censored, survival, std_err, lower, upper
		FROM survival(as_of := DATE '2022-07-01', by := 'county') WHERE stratum = '140123'`, 1, map[string][]float64{
		"30":  {5, 0, 1, 1, 0, nan, nan},
		"77":  {4, 0, 1, 1, 0, nan, nan},
		"365": {3, 1, 0, 2.0 / 3, 2.0 / 3 * math.Sqrt(1.0/6), l365, u365},
		"637": {2, 1, 0, 1.0 / 3, 1.0 / 3 * math.Sqrt(2.0/3), l637, u637},
		"942": {1, 1, 0, 0, nan, nan, nan},
	})
	// The limits bracket S, and worked through once more by hand: at day
	// 365, z·se / log S = 1.959964·0.408248 / -0.405465 = -1.973417, so
	// lower = (2/3)^exp(1.973417) = (2/3)^7.19453 = 0.054073 and upper =
	// (2/3)^exp(-1.973417) = (2/3)^0.138994 = 0.945206.
	if math.Abs(l365-0.054073) > 5e-6 || math.Abs(u365-0.945206) > 5e-6 || !(l637 < 1.0/3 && 1.0/3 < u637) {
		t.Errorf("logLog: %.6f %.6f, %.6f %.6f", l365, u365, l637, u637)
	}
	// by NULL: the strata all, then developed and remote (region of the
	// first posting), each in order of day; its limits too. All at day 365:
	// 6 at risk, 1 exit, S = 5/6, Greenwood 1/(6·5); at day 637: 4 at risk,
	// S = 5/6·4/5·3/4 = 1/2, Greenwood 1/30 + 1/(5·4) + 1/(4·3).
	var order []string
	for _, r := range orderedRows(t, db, "SELECT stratum, day FROM survival(DATE '2022-07-01')") {
		key := fmt.Sprint(r[0])
		if len(order) == 0 || order[len(order)-1] != key {
			order = append(order, key)
		}
	}
	if fmt.Sprint(order) != "[all developed remote]" {
		t.Errorf("survival(as_of) strata in the order %v, want all, developed, remote", order)
	}
	la, ua := logLog(5.0/6, 1.0/30)
	lb, ub := logLog(0.5, 1.0/30+1.0/20+1.0/12)
	expectFloats(t, db, `SELECT stratum, day, survival, std_err, lower, upper FROM survival(DATE '2022-07-01')
		WHERE stratum = 'all' AND day IN (303, 365, 637)`, 2, map[string][]float64{
		"all|303": {1, 0, nan, nan},
		"all|365": {5.0 / 6, 5.0 / 6 * math.Sqrt(1.0/30), la, ua},
		"all|637": {0.5, 0.5 * math.Sqrt(1.0/30+1.0/20+1.0/12), lb, ub},
	})
	// A stratification survival_by does not know is an error.
	if _, err := db.Exec("SELECT * FROM survival(as_of := DATE '2022-07-01', by := 'village')"); err == nil {
		t.Error("survival(by := 'village'): no error")
	}
}
