package reports_test

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/internal/testdb"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// TestReadAsOfPeriod reads the report of 2022-07 from the demo city and
// checks the sections of issue 16 against the macros and against plain SQL
// on the tables, and that no figure depends on the clock.
func TestReadAsOfPeriod(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	ctx := context.Background()
	cfg := testcity.Loaded(t)
	d, err := readReport(ctx, cfg.Published, "2022-07")
	if err != nil {
		t.Fatal(err)
	}
	db := testdb.OpenReadOnly(t, cfg.Published)
	scalar := func(q string, args ...any) int64 {
		t.Helper()
		var n int64
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	t.Run("quota", func(t *testing.T) { checkQuota(t, d, scalar) })
	t.Run("flows", func(t *testing.T) { checkFlows(t, db, d, scalar) })
	t.Run("exits", func(t *testing.T) { checkMonthExits(t, db, d) })
	t.Run("ranking", func(t *testing.T) { checkRanking(t, db, d) })
	t.Run("progress", func(t *testing.T) { checkProgress(t, d) })
	t.Run("replenishment", func(t *testing.T) { checkVacancyDays(t, db, d) })
	t.Run("selection", func(t *testing.T) { checkSelection(t, d, scalar) })
	t.Run("subsidies", func(t *testing.T) { checkSubsidies(t, d, scalar) })
	t.Run("sources", func(t *testing.T) { checkSources(t, ctx, cfg.Published, d, scalar) })
	t.Run("clock", func(t *testing.T) { checkClock(t, ctx, cfg.Published) })
}

// inPost counts the postings in post on a day, from fact_posting itself.
const inPost = `SELECT count(*) FROM fact_posting WHERE start_date <= ?::DATE AND (end_date IS NULL OR end_date > ?::DATE)`

// checkQuota: the quota's posts are those in post on 2022-07-31, not on a
// later day: the city's equal the graduates in post that coverage counts on
// that day (1,145 in the seed city, each in one village) and each county's
// its postings that day.
func checkQuota(t *testing.T, d *reports.ReportData, scalar func(string, ...any) int64) {
	var grads *float64
	for _, h := range d.Headline {
		if h.Key == "graduates_in_post" {
			grads = h.Value
		}
	}
	if len(d.Quota) == 0 || d.Quota[0].Level != "city" || grads == nil {
		t.Fatalf("quota %+v, graduates in post %v", d.Quota, grads)
	}
	if got := d.Quota[0].PostsTotal; float64(got) != *grads || got != scalar(inPost, d.AsOf, d.AsOf) {
		t.Errorf("quota posts %d, coverage's graduates in post on %s %v, postings that day %d", got, d.AsOf, *grads, scalar(inPost, d.AsOf, d.AsOf))
	}
	// The year-end count, what the section showed before, is another
	// figure on this city: the test can tell them apart.
	if later := scalar("SELECT posts_total FROM quota_usage(2022) WHERE level = 'city'"); later == d.Quota[0].PostsTotal {
		t.Errorf("quota_usage(2022) has %d posts too: the demo city cannot tell the day apart", later)
	}
	for _, q := range d.Quota[1:] {
		if want := scalar(inPost+" AND county_code = ?", d.AsOf, d.AsOf, q.Code); q.PostsTotal != want {
			t.Errorf("%s %s: %d posts, %d postings in post on %s", q.Code, q.Name, q.PostsTotal, want, d.AsOf)
		}
		if q.Unfilled != q.QuotaTotal-q.PostsTotal {
			t.Errorf("%s: unfilled %d of %d with %d posts", q.Code, q.Unfilled, q.QuotaTotal, q.PostsTotal)
		}
	}
}

// checkFlows: for every county and month over the demo city's years, in
// post at the end = in post at the start + started − ended, the reasons add
// up to the ended, a month starts where the last one ended, and the city's
// ends match fact_posting.
func checkFlows(t *testing.T, db *sql.DB, d *reports.ReportData, scalar func(string, ...any) int64) {
	if len(d.Flows) != 11 || d.Flows[0].Level != "city" || d.Flows[0].InPostEnd != d.Quota[0].PostsTotal {
		t.Fatalf("flows of %s: %+v", d.Period, d.Flows)
	}
	for _, f := range d.Flows {
		var by int64
		for _, n := range f.EndedBy {
			by += n
		}
		if f.InPostEnd != f.InPostStart+f.Started-f.Ended || f.NetChange != f.Started-f.Ended || by != f.Ended {
			t.Errorf("%s flows %+v", d.Period, f)
		}
	}
	var first, last time.Time
	if err := db.QueryRow("SELECT min(start_date), max(start_date) FROM fact_posting").Scan(&first, &last); err != nil {
		t.Fatal(err)
	}
	prevEnd := map[string]int64{}
	months := 0
	for m := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC); !m.After(last); m = m.AddDate(0, 1, 0) {
		end := m.AddDate(0, 1, -1)
		rows, err := db.Query(`SELECT code, in_post_start, started, ended, in_post_end,
			ended_resigned + ended_transferred + ended_civil_service + ended_promoted + ended_other + ended_unspecified
		FROM flows(?::DATE, ?::DATE)`, m, end)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var code string
			var start, started, ended, inEnd, byReason int64
			if err := rows.Scan(&code, &start, &started, &ended, &inEnd, &byReason); err != nil {
				t.Fatal(err)
			}
			n++
			if inEnd != start+started-ended || byReason != ended {
				t.Errorf("%s %s: %d + %d − %d ≠ %d (by reason %d)", m.Format("2006-01"), code, start, started, ended, inEnd, byReason)
			}
			if p, ok := prevEnd[code]; ok && p != start {
				t.Errorf("%s %s starts with %d in post, the month before ended with %d", m.Format("2006-01"), code, start, p)
			}
			prevEnd[code] = inEnd
			if n == 1 && inEnd != scalar(inPost, end, end) {
				t.Errorf("%s: city in post at the end %d, fact_posting %d", m.Format("2006-01"), inEnd, scalar(inPost, end, end))
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		if n != 11 {
			t.Fatalf("%s: %d rows", m.Format("2006-01"), n)
		}
		months++
	}
	if months < 36 {
		t.Errorf("only %d months checked", months)
	}
}

// checkMonthExits: the month's exits are exits() at its end less exits() at
// the end of the month before, reason by reason, plus those who had left by
// the month before and are back in post at its end (a transfer with a gap
// is an exit until the new posting starts). Checked for July 2022 as the
// report reads it and for every month of 2022 from exits_between.
func checkMonthExits(t *testing.T, db *sql.DB, d *reports.ReportData) {
	// counts runs q (rows of reason and count) into a map without zeros.
	counts := func(q string, args ...any) map[string]int64 {
		t.Helper()
		out := map[string]int64{}
		rows, err := db.Query(q, args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var r string
			var n int64
			if err := rows.Scan(&r, &n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				out[r] += n
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	const exitsDiff = `SELECT a.end_reason, a.exits - coalesce(b.exits, 0) FROM exits(?::DATE) a
		LEFT JOIN exits(?::DATE) b ON b.level = a.level AND b.end_reason = a.end_reason WHERE a.level = 'city'
		UNION ALL
		SELECT b.end_reason, -b.exits FROM exits(?::DATE) b
		WHERE b.level = 'city' AND b.end_reason NOT IN (SELECT end_reason FROM exits(?::DATE) WHERE level = 'city')`
	// Persons posted by prev, in post nowhere on prev and in post on last,
	// by the end_reason of their last posting as of prev: from fact_posting.
	const returned = `WITH before AS (
			SELECT person_key, arg_max(coalesce(nullif(trim(end_reason), ''), 'unspecified'), end_date) AS reason,
				bool_or(end_date IS NULL OR end_date > ?::DATE) AS in_post
			FROM fact_posting WHERE start_date <= ?::DATE GROUP BY person_key)
		SELECT reason, count(*) FROM before
		WHERE NOT in_post AND person_key IN (
			SELECT person_key FROM fact_posting WHERE start_date <= ?::DATE AND (end_date IS NULL OR end_date > ?::DATE))
		GROUP BY reason`
	check := func(prev, last time.Time, month map[string]int64) int64 {
		t.Helper()
		want := counts(exitsDiff, last, prev, prev, last)
		var back int64
		for r, n := range counts(returned, prev, prev, last, last) {
			want[r] += n
			back += n
			if want[r] == 0 {
				delete(want, r)
			}
		}
		if !reflect.DeepEqual(month, want) {
			t.Errorf("exits from %s to %s: %v; exits() difference and returns: %v", prev.Format(time.DateOnly), last.Format(time.DateOnly), month, want)
		}
		return back
	}
	got := map[string]int64{}
	for _, x := range d.MonthExits {
		got[x.Reason] = x.Exits
	}
	asOf, _ := time.Parse(time.DateOnly, d.AsOf)
	prev, _ := time.Parse(time.DateOnly, d.PrevAsOf)
	check(prev, asOf, got)
	var back, left int64
	for m := 1; m <= 12; m++ {
		first := time.Date(2022, time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		month := counts(`SELECT end_reason, exits FROM exits_between(?::DATE, ?::DATE) WHERE level = 'city'`, first, first.AddDate(0, 1, -1))
		for _, n := range month {
			left += n
		}
		back += check(first.AddDate(0, 0, -1), first.AddDate(0, 1, -1), month)
	}
	if left == 0 || back == 0 {
		t.Errorf("2022: %d exits, %d returns: the check exercised nothing", left, back)
	}
}

// checkRanking: every county once, ranked as RANK() ranks coverage
// (1 + the counties strictly above), with the rates of the coverage section
// and of coverage() a month earlier.
func checkRanking(t *testing.T, db *sql.DB, d *reports.ReportData) {
	rate := map[string]float64{}
	grads := map[string]int64{}
	for _, c := range d.Counties {
		rate[c.Code] = *c.CoverageRate
		grads[c.Code] = c.GraduatesInPost
	}
	if len(d.Ranking) != len(d.Counties) {
		t.Fatalf("%d ranked, %d counties", len(d.Ranking), len(d.Counties))
	}
	for i, r := range d.Ranking {
		above := 0
		for _, x := range rate {
			if x > rate[r.Code] {
				above++
			}
		}
		if r.Rank != above+1 || *r.CoverageRate != rate[r.Code] || (i > 0 && r.Rank < d.Ranking[i-1].Rank) {
			t.Errorf("row %d: %+v; coverage %v with %d counties above", i, r, rate[r.Code], above)
		}
		var prev float64
		var prevGrads int64
		if err := db.QueryRow(`SELECT coverage_rate, graduates_in_post FROM coverage(?::DATE) WHERE level = 'county' AND code = ?`,
			d.PrevAsOf, r.Code).Scan(&prev, &prevGrads); err != nil {
			t.Fatal(err)
		}
		if *r.PrevCoverageRate != prev || fmt.Sprintf("%.9f", *r.ChangePoints) != fmt.Sprintf("%.9f", (rate[r.Code]-prev)*100) ||
			r.NetChange != grads[r.Code]-prevGrads {
			t.Errorf("%s: %+v; on %s coverage %v, %d in post", r.Code, r, d.PrevAsOf, prev, prevGrads)
		}
	}
}

// checkProgress: the city's uncovered villages are the replenishment list,
// the counties add up to the city, and its villages are the headline's.
func checkProgress(t *testing.T, d *reports.ReportData) {
	if len(d.Progress) != 11 || d.Progress[0].Level != "city" {
		t.Fatalf("progress %+v", d.Progress)
	}
	city := d.Progress[0]
	var over90, uncovered, villages int64
	for _, u := range d.Uncovered {
		if u.UncoveredDays != nil && *u.UncoveredDays > 90 {
			over90++
		}
	}
	for _, p := range d.Progress[1:] {
		uncovered += p.Uncovered
		villages += p.Villages
	}
	if city.Uncovered != int64(len(d.Uncovered)) || city.UncoveredOver90 != over90 || uncovered != city.Uncovered {
		t.Errorf("progress %+v; the list has %d villages, %d over 90 days; counties %d", city, len(d.Uncovered), over90, uncovered)
	}
	for _, h := range d.Headline {
		if h.Key == "villages" && (h.Value == nil || *h.Value != float64(city.Villages) || villages != city.Villages) {
			t.Errorf("progress villages %d (counties %d), headline %v", city.Villages, villages, h.Value)
		}
	}
	if city.VacanciesFilled > city.VacanciesRegistered || city.StartedThisYearInPost > d.Quota[0].PostsTotal {
		t.Errorf("progress %+v", city)
	}
}

// checkSelection: the programme placed 328 graduates into 古交市, 阳曲县 and
// 娄烦县 in the two rounds (the figure in issue 16), as of 2022-07-21 and
// still at the end of July; every graduate in post is counted once.
func checkSelection(t *testing.T, d *reports.ReportData, scalar func(string, ...any) int64) {
	two := scalar(`SELECT sum(county_round + city_round) FROM selection('2022-07-21')
		WHERE level = 'county' AND name IN ('古交市', '阳曲县', '娄烦县')`)
	if two != 328 {
		t.Errorf("two-round placements into 古交市, 阳曲县 and 娄烦县 on 2022-07-21: %d, want 328", two)
	}
	var inRounds int64
	for _, s := range d.Selection {
		if s.Level == "county" && (s.Name == "古交市" || s.Name == "阳曲县" || s.Name == "娄烦县") {
			inRounds += s.CountyRound + s.CityRound
		}
		if s.Direct+s.CountyRound+s.CityRound > s.Total {
			t.Errorf("selection %+v", s)
		}
	}
	persons := scalar(`SELECT count(DISTINCT person_key) FROM fact_posting WHERE start_date <= ?::DATE AND (end_date IS NULL OR end_date > ?::DATE)`, d.AsOf, d.AsOf)
	if inRounds != 328 || len(d.Selection) != 11 || d.Selection[0].Total != persons {
		t.Errorf("selection of %s: two rounds %d, city %+v, %d persons in post", d.Period, inRounds, d.Selection[0], persons)
	}
}

// checkSubsidies: the city's payments up to the period's end are those of
// fact_subsidy to persons posted by then; at the end of 2022 the persons at
// or over the ceiling are those of the subsidy_over_cap finding.
func checkSubsidies(t *testing.T, d *reports.ReportData, scalar func(string, ...any) int64) {
	if len(d.Subsidies) != 11 || d.Subsidies[0].Level != "city" {
		t.Fatalf("subsidies %+v", d.Subsidies)
	}
	city := d.Subsidies[0]
	posted := `person_key IN (SELECT person_key FROM fact_posting WHERE start_date <= ?::DATE)`
	paid := scalar(`SELECT CAST(round(sum(amount_yuan) * 100) AS BIGINT) FROM fact_subsidy WHERE paid_on <= ?::DATE AND `+posted, d.AsOf, d.AsOf)
	year := scalar(`SELECT CAST(round(sum(amount_yuan) * 100) AS BIGINT) FROM fact_subsidy WHERE paid_on BETWEEN DATE '2022-01-01' AND ?::DATE AND `+posted, d.AsOf, d.AsOf)
	persons := scalar(`SELECT count(DISTINCT person_key) FROM fact_subsidy WHERE paid_on <= ?::DATE AND `+posted, d.AsOf, d.AsOf)
	if int64(city.PaidToDate*100+0.5) != paid || int64(city.PaidThisYear*100+0.5) != year || city.Persons != persons {
		t.Errorf("subsidies %+v; fact_subsidy: %d fen, %d fen this year, %d persons", city, paid, year, persons)
	}
	flagged := scalar(`SELECT count(DISTINCT person_key) FROM etl_finding WHERE code = 'subsidy_over_cap'`)
	atCeiling := scalar(`SELECT at_or_over_ceiling FROM subsidy_usage('2022-12-31') WHERE level = 'city'`)
	if flagged == 0 || atCeiling != flagged {
		t.Errorf("at or over the ceiling at the end of 2022: %d; subsidy_over_cap findings: %d persons", atCeiling, flagged)
	}
}

// checkSources: the demo city is loaded today, so at the end of July 2022
// no pull had been made: every county is stale with no success, and no run
// had found anything. A report of the current month sees today's runs.
func checkSources(t *testing.T, ctx context.Context, path string, d *reports.ReportData, scalar func(string, ...any) int64) {
	if len(d.Freshness) != 10 {
		t.Fatalf("freshness %+v", d.Freshness)
	}
	for _, f := range d.Freshness {
		if f.LastSuccess != "" || f.LastNewFile != "" || f.HoursSinceSuccess != nil || !f.Stale || f.LastRecord == "" || f.LastRecord > d.AsOf {
			t.Errorf("freshness on %s: %+v", d.AsOf, f)
		}
	}
	if len(d.Quality) != 0 {
		t.Errorf("data quality on %s, before any run: %+v", d.AsOf, d.Quality)
	}
	all := scalar(`SELECT sum(count) FROM data_quality()`)
	now := time.Now().In(time.FixedZone("CST", 8*3600)).Format("2006-01") // the month in the city (Asia/Shanghai)
	cur, err := readReport(ctx, path, now)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, q := range cur.Quality {
		n += q.Count
	}
	if all == 0 || n != all {
		t.Errorf("data quality of %s: %d, of all runs %d", now, n, all)
	}
	// Today's pulls count; the month is not over, so their age is measured
	// at the clock (the pulls were minutes ago: fresh), not at the end of
	// the month, when they would be weeks old.
	before := time.Now()
	for _, f := range cur.Freshness {
		last, err := time.ParseInLocation("2006-01-02 15:04", f.LastSuccess, time.FixedZone("CST", 8*3600))
		if err != nil || f.HoursSinceSuccess == nil {
			t.Errorf("freshness of %s: %+v (%v)", now, f, err)
			continue
		}
		// last is rounded down to the minute and the read came before
		// `before`: the hours are at most before − last.
		if h := before.Sub(last).Hours(); *f.HoursSinceSuccess > h+1.0/60 || *f.HoursSinceSuccess < 0 || f.Stale != (*f.HoursSinceSuccess > 72) || *f.HoursSinceSuccess > 1 {
			t.Errorf("freshness of %s: %+v; %.2f hours from its last success to now", now, f, h)
		}
	}
}

// checkClock reads 2022-07 from a copy of the snapshot with DuckDB's clock
// (now(), which city_today() and as_date(NULL) read) set to 2022-08-01 and
// to 2026-12-05: the two reports are identical, while figures that do read
// the clock (quota_usage of the current year, source_freshness()) differ.
func checkClock(t *testing.T, ctx context.Context, path string) {
	r, err := warehouse.OpenScratch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	exec := func(q string) {
		t.Helper()
		s, err := r.Session(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if err := s.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	exec(fmt.Sprintf("ATTACH '%s' AS src (READ_ONLY); COPY FROM DATABASE src TO memory; DETACH src", path))
	var reads []*reports.ReportData
	var controls []string
	for _, clock := range []string{"2022-08-01 00:00:00+08", "2026-12-05 12:00:00+08"} {
		exec("CREATE OR REPLACE MACRO now() AS TIMESTAMPTZ '" + clock + "'")
		var today time.Time
		var posts int64
		var hours float64
		if err := r.Scan(ctx, `SELECT city_today(), (SELECT posts_total FROM quota_usage(NULL) WHERE level = 'city'),
			(SELECT max(hours_since_success) FROM source_freshness())`, nil, &today, &posts, &hours); err != nil {
			t.Fatal(err)
		}
		if want := clock[:10]; today.Format(time.DateOnly) != want {
			t.Fatalf("city_today() %s with the clock at %s", today.Format(time.DateOnly), clock)
		}
		controls = append(controls, fmt.Sprintf("%d %.0f", posts, hours))
		d, err := reports.Read(ctx, r, "2022-07")
		if err != nil {
			t.Fatal(err)
		}
		reads = append(reads, d)
	}
	if controls[0] == controls[1] {
		t.Errorf("the clock moved nothing: %v", controls)
	}
	if !reflect.DeepEqual(reads[0], reads[1]) {
		t.Errorf("2022-07 read at two clocks differs:\n%+v\n%+v", *reads[0], *reads[1])
	}
}

// checkVacancyDays: each uncovered village with an open vacancy shows the
// day its earliest open vacancy was registered, read here from
// fact_vacancy itself; the others show none.
func checkVacancyDays(t *testing.T, db *sql.DB, d *reports.ReportData) {
	open := map[string]string{}
	rows, err := db.Query(`SELECT village_code, strftime(min(reported_on), '%Y-%m-%d') FROM fact_vacancy
		WHERE reported_on <= DATE '2022-07-31' AND (filled_on IS NULL OR filled_on > DATE '2022-07-31') GROUP BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var v, day string
		if err := rows.Scan(&v, &day); err != nil {
			t.Fatal(err)
		}
		open[v] = day
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	shown := 0
	for _, u := range d.Uncovered {
		if u.VacancyReportedOn != open[u.VillageCode] || u.VacancyReported != (open[u.VillageCode] != "") {
			t.Errorf("%s: vacancy %v on %q, want %q", u.VillageCode, u.VacancyReported, u.VacancyReportedOn, open[u.VillageCode])
		}
		if u.VacancyReportedOn != "" {
			shown++
		}
	}
	if shown == 0 {
		t.Error("no uncovered village of the demo city shows a vacancy's registration day")
	}
}
