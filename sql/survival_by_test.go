package sqlfiles

import (
	"database/sql"
	"math"
	"strings"
	"testing"
)

// survivalFixture is a small city for survival_by, survival_median,
// exit_incidence and spells_by on 2020-12-31. Entered 2020-01-01 (cohort
// 2020): in 140101 (remote) A leaves after 10 days (resigned), B after 20
// (two postings: the first ended transferred, the last with no reason, so
// unspecified), C after 30 (resigned), G is still in post; in 140102
// (developed) D is in post and F's posting ends after the day (censored).
// E enters after the day and is not counted. Entered 2019-01-01 (cohort
// 2019, channel y): Z01 … Z20 in 140102, Zi leaving after i days (other).
const survivalFixture = `
INSERT INTO dim_county VALUES ('140101', '甲县', 'remote'), ('140102', '乙县', 'developed');
INSERT INTO dim_person (person_key, degree) VALUES ('A', 'master'), ('B', NULL), ('C', 'bachelor'), ('D', 'bachelor'), ('G', NULL);
INSERT INTO fact_posting (person_key, village_code, township_code, county_code, channel, quota_source, start_date, end_date, end_reason) VALUES
    ('A', '140101001001', '140101001', '140101', 'x', 'township', DATE '2020-01-01', DATE '2020-01-11', 'resigned'),
    ('B', '140101001002', '140101001', '140101', 'x', 'township', DATE '2020-01-01', DATE '2020-01-06', 'transferred'),
    ('B', '140101001003', '140101001', '140101', 'x', 'township', DATE '2020-01-06', DATE '2020-01-21', NULL),
    ('C', '140101001004', '140101001', '140101', 'x', 'township', DATE '2020-01-01', DATE '2020-01-31', 'resigned'),
    ('G', '140101001005', '140101001', '140101', 'x', 'township', DATE '2020-01-01', NULL, NULL),
    ('D', '140102001001', '140102001', '140102', 'x', 'township', DATE '2020-01-01', NULL, NULL),
    ('F', '140102001002', '140102001', '140102', 'x', 'township', DATE '2020-01-01', DATE '2021-03-01', 'promoted'),
    ('E', '140102001003', '140102001', '140102', 'x', 'township', DATE '2021-01-05', NULL, NULL);
INSERT INTO fact_posting (person_key, village_code, township_code, county_code, channel, quota_source, start_date, end_date, end_reason)
    SELECT printf('Z%02d', i), printf('1401020020%02d', i), '140102002', '140102', 'y', 'township',
           DATE '2019-01-01', DATE '2019-01-01' + CAST(i AS INTEGER), 'other'
    FROM range(1, 21) r(i);
`

// openSurvival is a fresh in-memory warehouse with survivalFixture.
func openSurvival(t *testing.T) *sql.DB {
	t.Helper()
	db := openFresh(t)
	if _, err := db.Exec(survivalFixture); err != nil {
		t.Fatal(err)
	}
	return db
}

// pair makes a slice of two values.
func pair(a, b float64) []float64 { return []float64{a, b} }

// nan stands for an expected NULL.
var nan = math.NaN()

// expectFloats runs q, whose rows are a key (the first keyCols columns,
// joined by |) and then numbers, and compares them with want, key by key, to
// 1e-9; NaN in want is NULL.
func expectFloats(t *testing.T, db *sql.DB, q string, keyCols int, want map[string][]float64) {
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
	seen := 0
	for rows.Next() {
		keys := make([]sql.NullString, keyCols)
		vals := make([]sql.NullFloat64, len(cols)-keyCols)
		var dest []any
		for i := range keys {
			dest = append(dest, &keys[i])
		}
		for i := range vals {
			dest = append(dest, &vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			t.Fatal(err)
		}
		var parts []string
		for _, k := range keys {
			parts = append(parts, k.String)
		}
		key := strings.Join(parts, "|")
		w, ok := want[key]
		if !ok {
			continue
		}
		seen++
		for i, v := range vals {
			switch {
			case math.IsNaN(w[i]) != !v.Valid:
				t.Errorf("%s: row %s column %s = %v, want %v", q, key, cols[keyCols+i], v, w[i])
			case v.Valid && math.Abs(v.Float64-w[i]) > 1e-9:
				t.Errorf("%s: row %s column %s = %.12g, want %.12g", q, key, cols[keyCols+i], v.Float64, w[i])
			}
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(want) {
		t.Errorf("%s: %d of the %d expected rows found", q, seen, len(want))
	}
}

// TestSpellsBy: the spells and their strata, by hand.
func TestSpellsBy(t *testing.T) {
	db := openSurvival(t)
	expect(t, db, `SELECT stratum, day, exited, coalesce(reason, '-') FROM spells_by('2020-12-31', 'region') WHERE stratum = 'remote' ORDER BY day`, `
		remote|10|true|resigned
		remote|20|true|unspecified
		remote|30|true|resigned
		remote|365|false|-`)
	expect(t, db, `SELECT stratum, count(*), count(*) FILTER (WHERE exited) FROM spells_by('2020-12-31', 'degree') GROUP BY ALL ORDER BY 1`, `
		bachelor|2|1
		master|1|1
		unknown|23|21`)
	expect(t, db, `SELECT stratum, count(*) FROM spells_by('2020-12-31', 'cohort') GROUP BY ALL ORDER BY 1`, `
		2019|20
		2020|6`)
	expect(t, db, `SELECT stratum, count(*) FROM spells_by('2020-12-31', 'county') GROUP BY ALL ORDER BY 1`, `
		140101|4
		140102|22`)
	expect(t, db, `SELECT stratum, count(*) FROM spells_by('2020-12-31', 'channel') GROUP BY ALL ORDER BY 1`, `
		x|6
		y|20`)
	// NULL is all, as the other macros take NULL for their default.
	expect(t, db, `SELECT stratum, count(*) FROM spells_by('2020-12-31', NULL) GROUP BY ALL`, `all|26`)
	for _, m := range []string{"spells_by", "survival_by", "survival_median", "exit_incidence"} {
		_, err := db.Exec("SELECT * FROM " + m + "('2020-12-31', 'township')")
		if err == nil || !strings.Contains(err.Error(), "by must be") {
			t.Errorf("%s by township: error %v, want one naming the parameter by", m, err)
		}
	}
}

// TestSurvivalByHand: Kaplan–Meier, Greenwood and the log-log limits on the
// fixture. Remote: 4 at risk, exits on days 10, 20, 30: S = 3/4, 1/2, 1/4;
// Greenwood sums 1/12, 1/12 + 1/6 = 1/4, 1/4 + 1/2 = 3/4, so std_err on day
// 20 is 1/2·sqrt(1/4) = 1/4; lower = S^exp(-z·se/ln S) with se = 1/2,
// upper = S^exp(z·se/ln S). The limits are R's survfit(conf.type =
// "log-log") on the same spells.
func TestSurvivalByHand(t *testing.T) {
	db := openSurvival(t)
	z := 1.959963984540054
	lim := func(s, se float64) (float64, float64) {
		return math.Pow(s, math.Exp(-z*se/math.Log(s))), math.Pow(s, math.Exp(z*se/math.Log(s)))
	}
	l20, u20 := lim(0.5, 0.5)
	if math.Abs(l20-0.0578470829951) > 1e-9 || math.Abs(u20-0.8448612811904) > 1e-9 {
		t.Fatalf("the hand formula gives %v %v, R 0.0578470829951 0.8448612811904", l20, u20)
	}
	expectFloats(t, db, `SELECT stratum, day, at_risk, exits, censored, survival, std_err, lower, upper FROM survival_by('2020-12-31', 'region')`, 2,
		map[string][]float64{
			"remote|10":  {4, 1, 0, 0.75, 0.75 * math.Sqrt(1.0/12), 0.1279469175951, 0.9605486422851},
			"remote|20":  {3, 1, 0, 0.5, 0.25, 0.0578470829951, 0.8448612811904},
			"remote|30":  {2, 1, 0, 0.25, 0.25 * math.Sqrt(0.75), 0.0089478244166, 0.6653253427889},
			"remote|365": {1, 0, 1, 0.25, 0.25 * math.Sqrt(0.75), 0.0089478244166, 0.6653253427889},
			// developed: the 20 of 2019 (at risk 22 down to 3), then D and F
			// censored on day 365. Greenwood's sum telescopes: the sum over n
			// of 1/(n(n-1)) = 1/(n-1) - 1/n from 22 to 3 is 1/2 - 1/22.
			"developed|1":  append([]float64{22, 1, 0, 21.0 / 22, 21.0 / 22 * math.Sqrt(1.0/(22*21))}, pair(lim(21.0/22, math.Sqrt(1.0/(22*21))))...),
			"developed|20": append([]float64{3, 1, 0, 2.0 / 22, 2.0 / 22 * math.Sqrt(0.5-1.0/22)}, pair(lim(2.0/22, math.Sqrt(0.5-1.0/22)))...),
		})
	// The 2019 cohort leaves one a day for 20 days: S reaches 0 on day 20,
	// where std_err and the limits are NULL (R: NA).
	expectFloats(t, db, `SELECT stratum, day, survival, std_err, lower, upper FROM survival_by('2020-12-31', 'cohort')`, 2,
		map[string][]float64{
			"2019|1":   {0.95, 0.048733971724044818, 0.69474319325657019, 0.99280222859339717},
			"2019|10":  {0.5, 0.11180339887498947, 0.27132775729312791, 0.6918924594215774},
			"2019|20":  {0, nan, nan, nan},
			"2020|30":  {0.5, 0.2041241452319, 0.1109482603514, 0.8037092368501},
			"2020|365": {0.5, 0.2041241452319, 0.1109482603514, 0.8037092368501},
		})
}

// TestSurvivalMedianByHand: the median and its limits as R's print(survfit)
// gives them. Remote: S is exactly 1/2 from day 20 and 1/4 from day 30, so
// the median is the midpoint 25; cohort 2020: S is 1/2 from day 30 and never
// lower, so 30; cohort 2019: S(10) = 10/20, then 9/20 on day 11: 10.5, with
// R's limits 5 and 15.
func TestSurvivalMedianByHand(t *testing.T) {
	db := openSurvival(t)
	expectFloats(t, db, `SELECT stratum, persons, exits, median, lower, upper FROM survival_median('2020-12-31', 'region')`, 1,
		map[string][]float64{"remote": {4, 3, 25, 10, nan}})
	expectFloats(t, db, `SELECT stratum, persons, exits, median, lower, upper FROM survival_median('2020-12-31', 'cohort')`, 1,
		map[string][]float64{
			"2019": {20, 20, 10.5, 5, 15},
			"2020": {6, 3, 30, 10, nan},
		})
}

// TestExitIncidenceByHand: the Aalen–Johansen incidence by hand and cuminc's
// variance. Remote: resigned 1/4 on day 10 and 1/4 + (1/2)·(1/2) = 1/2 on day
// 30; unspecified (3/4)·(1/3) = 1/4 on day 20. The variance on day 10, with
// n = 4, d1 = 1, S- = 1, S = 3/4, F = 1/4: w = 1/16, b = 4/3, a = 1 + b·F =
// 4/3, so v1 = v2 = v3 = 1/9 and v1 + F²·v3 − 2·F·v2 = 1/16. The later
// variances are cmprsk::cuminc's on the same spells.
func TestExitIncidenceByHand(t *testing.T) {
	db := openSurvival(t)
	expectFloats(t, db, `SELECT stratum, reason, day, at_risk, exits, incidence, variance FROM exit_incidence('2020-12-31', 'region')`, 3,
		map[string][]float64{
			"remote|resigned|10":    {4, 1, 0.25, 1.0 / 16},
			"remote|resigned|20":    {3, 0, 0.25, 1.0 / 16},
			"remote|resigned|30":    {2, 1, 0.5, 0.1059027777778},
			"remote|unspecified|10": {4, 0, 0, 0},
			"remote|unspecified|20": {3, 1, 0.25, 0.0694444444444},
			"remote|unspecified|30": {2, 0, 0.25, 0.0694444444444},
		})
	// With a single way of leaving and no censoring before, F = 1 - S.
	expectFloats(t, db, `SELECT stratum, reason, day, incidence, variance FROM exit_incidence('2020-12-31', 'cohort')`, 3,
		map[string][]float64{
			"2019|other|1":  {0.05, 0.0025},
			"2019|other|10": {0.5, 0.013473878186620644},
			"2019|other|20": {1, 0.0024999999999999467},
		})
	// Only the reasons that occur in a stratum have rows: no civil_service,
	// no transferred (B's earlier posting does not count).
	expect(t, db, `SELECT DISTINCT reason FROM exit_incidence('2020-12-31', 'all') ORDER BY 1`, `
		other
		resigned
		unspecified`)
}

// TestSurvivalBySameAsSurvival: with by all and region, survival_by's
// first seven columns are survival()'s rows: the same spells.
func TestSurvivalBySameAsSurvival(t *testing.T) {
	db := openSurvival(t)
	for _, strata := range []string{"all", "region"} {
		cond := "stratum = 'all'"
		if strata == "region" {
			cond = "stratum <> 'all'"
		}
		old := "SELECT stratum, day, at_risk, exits, censored, survival, std_err FROM survival('2020-12-31') WHERE " + cond
		by := "SELECT stratum, day, at_risk, exits, censored, survival, std_err FROM survival_by('2020-12-31', '" + strata + "')"
		var n, diff int
		if err := db.QueryRow("SELECT count(*) FROM (" + by + ")").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow("SELECT count(*) FROM ((" + old + " EXCEPT ALL " + by + ") UNION ALL (" + by + " EXCEPT ALL " + old + "))").Scan(&diff); err != nil {
			t.Fatal(err)
		}
		if n == 0 || diff != 0 {
			t.Errorf("by %s: %d rows, %d differ from survival()'s", strata, n, diff)
		}
	}
}

// TestExitIncidenceUnknownReason: a reason outside the six is an error, not
// a way of leaving silently left out; the spells still show it.
func TestExitIncidenceUnknownReason(t *testing.T) {
	db := openSurvival(t)
	if _, err := db.Exec(`UPDATE fact_posting SET end_reason = 'dismissed' WHERE person_key = 'A'`); err != nil {
		t.Fatal(err)
	}
	// Day 10: A, and Z10 of 2019 (other).
	expect(t, db, `SELECT reason FROM spells_by('2020-12-31', 'all') WHERE day = 10 ORDER BY 1`, `
		dismissed
		other`)
	_, err := db.Exec("SELECT * FROM exit_incidence('2020-12-31', 'all')")
	if err == nil || !strings.Contains(err.Error(), "a reason other than") {
		t.Errorf("exit_incidence with the reason dismissed: error %v, want one naming the reasons", err)
	}
}
