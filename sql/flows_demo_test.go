package sqlfiles_test

import (
	"database/sql"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/internal/testdb"
)

// flowRow is one row of flows(), the ended_* columns summed.
type flowRow struct {
	level, code                          string
	first, last                          time.Time
	start, started, ended, byReason, net int64
	end                                  int64
}

// flowsQuery selects flowRow's columns from flows.
const flowsQuery = `SELECT level, code, first_day, last_day, in_post_start, started, ended,
	ended_resigned + ended_transferred + ended_civil_service + ended_promoted + ended_other + ended_unspecified,
	net_change, in_post_end FROM flows`

// readFlows runs flows(first, last, by := by) on db.
func readFlows(t *testing.T, db *sql.DB, first, last, by string) []flowRow {
	t.Helper()
	return scanFlows(t, db, flowsQuery+"(?::DATE, ?::DATE, by := ?)", first, last, by)
}

// readDefault runs flows(first, last) without by.
func readDefault(t *testing.T, db *sql.DB, first, last string) []flowRow {
	t.Helper()
	return scanFlows(t, db, flowsQuery+"(?::DATE, ?::DATE)", first, last)
}

// scanFlows runs q, a select of flowsQuery, with args.
func scanFlows(t *testing.T, db *sql.DB, q string, args ...any) []flowRow {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s %v: %v", q, args, err)
	}
	defer rows.Close()
	var out []flowRow
	for rows.Next() {
		var r flowRow
		if err := rows.Scan(&r.level, &r.code, &r.first, &r.last, &r.start, &r.started, &r.ended, &r.byReason, &r.net, &r.end); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFlowsSeriesDemoCity: ten years of the demo city by month, from a
// window starting and ending mid-month. The periods tile the window as
// calendar months; every row keeps in_post_end = in_post_start + started −
// ended and each period starts where the previous one ended; the city is
// the sum of its counties; the postings in post at each month's end and
// those started and ended over the window agree with plain counts on
// fact_posting; quarters, years and the whole window are the sums of their
// months.
func TestFlowsSeriesDemoCity(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	cfg := testcity.Loaded(t)
	db := testdb.OpenReadOnly(t, cfg.Published)
	const first, last = "2018-12-17", "2028-12-16"
	months := readFlows(t, db, first, last, "month")
	periods := checkTiling(t, months, first, last)
	if len(periods) != 1+9*12+12 {
		t.Fatalf("%d periods, want 121", len(periods))
	}
	checkChaining(t, months)
	checkAgainstPostings(t, db, months, first, last)
	for _, by := range []string{"quarter", "year", "all"} {
		checkSumsOfMonths(t, by, months, readFlows(t, db, first, last, by))
	}
}

// checkTiling checks that rows' periods follow each other day after day
// from first to last, each within one calendar month, every month but the
// first and last whole, and returns the periods' first days.
func checkTiling(t *testing.T, rows []flowRow, first, last string) []time.Time {
	t.Helper()
	var periods []time.Time
	next, err := time.Parse(time.DateOnly, first)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rows {
		if i > 0 && r.first.Equal(rows[i-1].first) {
			if !r.last.Equal(rows[i-1].last) {
				t.Fatalf("period %s ends on %s and on %s", r.first.Format(time.DateOnly), r.last, rows[i-1].last)
			}
			continue
		}
		if !r.first.Equal(next) {
			t.Fatalf("a period starts on %s, want %s", r.first.Format(time.DateOnly), next.Format(time.DateOnly))
		}
		monthEnd := time.Date(r.first.Year(), r.first.Month()+1, 0, 0, 0, 0, 0, time.UTC)
		if r.level != "city" || (!r.last.Equal(monthEnd) && r.last.Format(time.DateOnly) != last) ||
			(r.first.Day() != 1 && len(periods) > 0) {
			t.Fatalf("period %s – %s (first row %s): not a calendar month of the window",
				r.first.Format(time.DateOnly), r.last.Format(time.DateOnly), r.level)
		}
		periods = append(periods, r.first)
		next = r.last.AddDate(0, 0, 1)
	}
	if got := next.AddDate(0, 0, -1).Format(time.DateOnly); got != last {
		t.Fatalf("the periods end on %s, want %s", got, last)
	}
	return periods
}

// checkChaining checks the identity of every row, the ended_* sum, the
// chaining of each code's periods, and that the city is the sum of its
// counties.
func checkChaining(t *testing.T, rows []flowRow) {
	t.Helper()
	prev := map[string]flowRow{}
	var city flowRow
	var sum [4]int64
	flush := func() {
		if city.code != "" && (sum != [4]int64{city.start, city.started, city.ended, city.end}) {
			t.Errorf("%s: the city's start, started, ended, end %d %d %d %d; its counties' sum %v",
				city.first.Format(time.DateOnly), city.start, city.started, city.ended, city.end, sum)
		}
	}
	for _, r := range rows {
		if r.end != r.start+r.started-r.ended || r.net != r.started-r.ended || r.byReason != r.ended {
			t.Errorf("%s %s: %+v breaks end = start + started − ended, net = started − ended or ended = Σ ended_*",
				r.code, r.first.Format(time.DateOnly), r)
		}
		if p, ok := prev[r.code]; ok && r.start != p.end {
			t.Errorf("%s %s: in_post_start %d, the previous period's in_post_end %d", r.code, r.first.Format(time.DateOnly), r.start, p.end)
		}
		prev[r.code] = r
		if r.level == "city" {
			flush()
			city, sum = r, [4]int64{}
			continue
		}
		sum[0] += r.start
		sum[1] += r.started
		sum[2] += r.ended
		sum[3] += r.end
	}
	flush()
}

// checkAgainstPostings counts on fact_posting itself the postings in post
// at the end of every period and those started and ended in the window,
// against the city rows.
func checkAgainstPostings(t *testing.T, db *sql.DB, rows []flowRow, first, last string) {
	t.Helper()
	scalar := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	var started, ended int64
	for _, r := range rows {
		if r.level != "city" {
			continue
		}
		started += r.started
		ended += r.ended
		day := r.last.Format(time.DateOnly)
		if n := scalar(`SELECT count(*) FROM fact_posting WHERE start_date <= ?::DATE AND (end_date IS NULL OR end_date > ?::DATE)`,
			day, day); n != r.end {
			t.Errorf("in post on %s: flows %d, fact_posting %d", day, r.end, n)
		}
	}
	wantStarted := scalar(`SELECT count(*) FROM fact_posting WHERE start_date BETWEEN ?::DATE AND ?::DATE`, first, last)
	wantEnded := scalar(`SELECT count(*) FROM fact_posting WHERE end_date BETWEEN ?::DATE AND ?::DATE`, first, last)
	if started != wantStarted || ended != wantEnded || wantStarted < 1000 {
		t.Errorf("over the window: started %d, ended %d; fact_posting %d, %d (want over 1,000 started)", started, ended, wantStarted, wantEnded)
	}
}

// checkSumsOfMonths checks each coarse row (by quarter, year or all)
// against the month rows of its code within its period: in post at its
// start as the first month, at its end as the last, started and ended the
// sums.
func checkSumsOfMonths(t *testing.T, by string, months, coarse []flowRow) {
	t.Helper()
	periods := 0
	for i, c := range coarse {
		if i == 0 || !c.first.Equal(coarse[i-1].first) {
			periods++
		}
		var in []flowRow
		for _, m := range months {
			if m.code == c.code && !m.first.Before(c.first) && !m.last.After(c.last) {
				in = append(in, m)
			}
		}
		if len(in) == 0 || !in[0].first.Equal(c.first) || !in[len(in)-1].last.Equal(c.last) {
			t.Fatalf("by %s: %s %s – %s is not a run of whole months", by, c.code, c.first.Format(time.DateOnly), c.last.Format(time.DateOnly))
		}
		want := flowRow{level: c.level, code: c.code, first: c.first, last: c.last, start: in[0].start, end: in[len(in)-1].end}
		for _, m := range in {
			want.started += m.started
			want.ended += m.ended
			want.byReason += m.byReason
			want.net += m.net
		}
		if c != want {
			t.Errorf("by %s: %+v, its months give %+v", by, c, want)
		}
	}
	// 2018-12-17 – 2028-12-16: quarters Q4 2018 to Q4 2028, years 2018 to 2028.
	if want := map[string]int{"quarter": 1 + 9*4 + 4, "year": 11, "all": 1}[by]; periods != want {
		t.Errorf("by %s: %d periods, want %d", by, periods, want)
	}
}

// TestFlowsOneMonthDemoCity: for every month of the demo city's data, the
// default (by month) gives exactly flows(…, by := 'all'), as the monthly
// report reads it; so does a month not over yet (the first to the 20th).
func TestFlowsOneMonthDemoCity(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	cfg := testcity.Loaded(t)
	db := testdb.OpenReadOnly(t, cfg.Published)
	for m := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC); m.Year() < 2024; m = m.AddDate(0, 1, 0) {
		f := m.Format(time.DateOnly)
		for _, l := range []string{m.AddDate(0, 1, -1).Format(time.DateOnly), m.AddDate(0, 0, 19).Format(time.DateOnly)} {
			def := readDefault(t, db, f, l)
			all := readFlows(t, db, f, l, "all")
			if len(def) != len(all) || len(def) < 2 {
				t.Fatalf("%s – %s: %d rows by default, %d by all", f, l, len(def), len(all))
			}
			for i := range def {
				if def[i] != all[i] {
					t.Errorf("%s – %s row %d: %+v by default, %+v by all", f, l, i, def[i], all[i])
				}
			}
		}
	}
}
