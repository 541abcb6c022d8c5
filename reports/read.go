package reports

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/grassroots-cn/grassroots/metrics"
)

// Row is one result row; it is metrics.Row and warehouse.Row.
type Row = metrics.Row

// Querier runs the report's queries: *warehouse.Reader is one (the command
// opens the warehouse or the snapshot, the daemon reads its open warehouse).
type Querier = metrics.Querier

// PeriodDates returns the last day of a period "YYYY-MM", of the month before
// and of the same month a year earlier.
func PeriodDates(period string) (asOf, prev, yearAgo time.Time, err error) {
	first, err := time.Parse("2006-01", period)
	if err != nil {
		return asOf, prev, yearAgo, fmt.Errorf("reports: period %q is not YYYY-MM", period)
	}
	asOf = first.AddDate(0, 1, -1)
	prev = first.AddDate(0, 0, -1)
	yearAgo = first.AddDate(-1, 1, -1)
	return asOf, prev, yearAgo, nil
}

// reportParallel is how many of the report's sections are read at once. A
// macro's plan has phases that keep one core busy; two or three queries side
// by side keep the machine busy.
const reportParallel = 3

// reportReader runs the report's queries, keeping the first error. Sections
// started with async run side by side, each in its own goroutine, writing
// only its own fields; wait waits for them.
type reportReader struct {
	ctx  context.Context
	q    Querier
	mu   sync.Mutex
	err  error
	wg   sync.WaitGroup
	sema chan struct{}
	// now is the city's headline figures on the period's last day, each
	// field written by one section (see read_headline.go).
	now headline
}

func (r *reportReader) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err != nil
}

func (r *reportReader) each(q string, args []any, fn func(Row) error) {
	if r.failed() {
		return
	}
	r.fail(r.q.Each(r.ctx, q, args, fn))
}

// fail keeps err if it is the first.
func (r *reportReader) fail(err error) {
	if err == nil {
		return
	}
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
}

// async runs section in a goroutine, at most reportParallel at a time.
func (r *reportReader) async(section func()) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		r.sema <- struct{}{}
		defer func() { <-r.sema }()
		section()
	}()
}

func (r *reportReader) wait() { r.wg.Wait() }

// Read reads the monthly report of a period ("YYYY-MM") as of its last day
// through the metric macros only, every section at one vintage: q's when
// metrics.AtVintage made it, else the latest (metrics.Pin).
func Read(ctx context.Context, q Querier, period string) (*ReportData, error) {
	asOf, prev, yearAgo, err := PeriodDates(period)
	if err != nil {
		return nil, err
	}
	given := metrics.HasVintage(q)
	q, at, err := metrics.Pin(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("reports: read %s: %w", period, err)
	}
	d := &ReportData{Period: period, AsOf: asOf.Format(time.DateOnly), PrevAsOf: prev.Format(time.DateOnly),
		YearAgoAsOf: yearAgo.Format(time.DateOnly), QuotaYear: asOf.Year(), VintageGiven: given}
	if !at.IsZero() {
		d.Vintage = metrics.FormatVintage(at)
	}
	r := &reportReader{ctx: ctx, q: q, sema: make(chan struct{}, reportParallel)}
	r.each("SELECT coalesce(city_setting('city_code'), ''), coalesce(city_setting('city_name'), '')", nil, func(rows Row) error {
		return rows.Scan(&d.CityCode, &d.CityName)
	})
	r.each("SELECT coalesce(strftime(data_end(vintage := @vintage), '%Y-%m-%d'), '')", nil, func(rows Row) error {
		return rows.Scan(&d.DataEnd)
	})

	// The slowest sections first, so that the last to finish are short.
	// The headline on asOf takes its figures from the sections' city rows
	// (r.now) and reads only the quota.
	var before, yearBefore *headline
	r.async(func() { before = r.readHeadline(prev) })
	r.async(func() { yearBefore = r.readHeadline(yearAgo) })
	r.async(func() { r.readQuotaFigures(&r.now, asOf) })

	// Each section writes only its own fields of d.
	for _, section := range []func(*reportReader, *ReportData, time.Time){
		readCoverage, readRegions, readRetention, readSurvival, readExits,
		readPromotions, readQuota, readUncovered, readFreshness, readQuality,
		readFlows, readMonthExits, readRanking, readProgress, readSelection, readSubsidies,
	} {
		r.async(func() { section(r, d, asOf) })
	}
	r.wait()
	names := map[string]string{}
	for _, c := range d.Counties {
		names[c.Code] = c.Name
	}
	for i := range d.Townships {
		t := &d.Townships[i]
		t.County = t.Code[:min(6, len(t.Code))]
		t.CountyName = names[t.County]
	}
	now, bef, yb := r.now.figures(), before.figures(), yearBefore.figures()
	for _, f := range headlineFigures {
		d.Headline = append(d.Headline, Figure{Key: f.key, Label: f.label, Kind: f.kind,
			Value: now[f.key], Prev: bef[f.key], YearAgo: yb[f.key]})
	}
	if r.err != nil {
		return nil, fmt.Errorf("reports: read %s: %w", period, r.err)
	}
	return d, nil
}

// readCoverage reads coverage by county and township, and the city's row
// for the headline.
func readCoverage(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), coalesce(region, ''), villages, covered, coverage_rate, graduates_in_post
	FROM coverage(?::DATE, vintage := @vintage) WHERE level IN ('city', 'county', 'township')`, []any{asOf}, func(rows Row) error {
		var level string
		var c CoverageRow
		var villages, covered, inPost *int64
		if err := rows.Scan(&level, &c.Code, &c.Name, &c.Region, &villages, &covered, &c.CoverageRate, &inPost); err != nil {
			return err
		}
		if level == "city" {
			// The headline's, as metrics.On reads them.
			r.now.villages, r.now.covered, r.now.coverage, r.now.inPost = villages, covered, c.CoverageRate, inPost
			return nil
		}
		if villages == nil || covered == nil || inPost == nil {
			return fmt.Errorf("coverage of %s %s: a count is NULL", level, c.Code)
		}
		c.Villages, c.Covered, c.GraduatesInPost = *villages, *covered, *inPost
		if level == "county" {
			d.Counties = append(d.Counties, c)
		} else {
			d.Townships = append(d.Townships, c)
		}
		return nil
	})
}

// readRegions reads region_balance.
func readRegions(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT region, villages, covered, graduates_in_post, coverage_rate, per_100_villages, retention_12m
	FROM region_balance(?::DATE, vintage := @vintage)`, []any{asOf}, func(rows Row) error {
		var x RegionRow
		err := rows.Scan(&x.Region, &x.Villages, &x.Covered, &x.GraduatesInPost, &x.CoverageRate, &x.PerHundred, &x.Retention12m)
		if err == nil && x.Region == "remote_to_developed" {
			r.now.remoteToDev = x.CoverageRate
		}
		d.Regions = append(d.Regions, x)
		return err
	})
}

// readRetention reads retention at 12 and 24 months of the city and the regions.
func readRetention(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT a.level, a.code, coalesce(a.name, ''), a.cohort, a.retained, a.retention_rate,
		coalesce(b.cohort, 0), coalesce(b.retained, 0), b.retention_rate
	FROM retention(?::DATE, 12, vintage := @vintage) a
	LEFT JOIN retention(?::DATE, 24, vintage := @vintage) b ON b.level = a.level AND b.code = a.code
	WHERE a.level IN ('city', 'region')`, []any{asOf, asOf}, func(rows Row) error {
		var x RetentionRow
		err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.Cohort12, &x.Retained12, &x.Rate12, &x.Cohort24, &x.Retained24, &x.Rate24)
		if err == nil && x.Level == "city" {
			r.now.retention = x.Rate12
		}
		d.Retention = append(d.Retention, x)
		return err
	})
}

// readSurvival reads the survival curve of each stratum.
func readSurvival(r *reportReader, d *ReportData, asOf time.Time) {
	byStratum := map[string]int{}
	r.each(`SELECT stratum, day, at_risk, exits, censored, survival, std_err FROM survival(?::DATE, vintage := @vintage)`, []any{asOf}, func(rows Row) error {
		var s string
		var p SurvivalPoint
		if err := rows.Scan(&s, &p.Day, &p.AtRisk, &p.Exits, &p.Censored, &p.Survival, &p.StdErr); err != nil {
			return err
		}
		i, ok := byStratum[s]
		if !ok {
			i = len(d.Survival)
			byStratum[s] = i
			d.Survival = append(d.Survival, SurvivalSeries{Stratum: s})
		}
		d.Survival[i].Points = append(d.Survival[i].Points, p)
		return nil
	})
}

// readExits reads exits of the city and the counties by reason.
func readExits(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), end_reason, exits FROM exits(?::DATE, vintage := @vintage) WHERE level IN ('city', 'county')`,
		[]any{asOf}, func(rows Row) error {
			var level string
			var x ExitRow
			if err := rows.Scan(&level, &x.Code, &x.Name, &x.Reason, &x.Exits); err != nil {
				return err
			}
			if level == "city" {
				d.Exits = append(d.Exits, x)
			} else {
				d.ExitsCounty = append(d.ExitsCounty, x)
			}
			return nil
		})
}

// readPromotions reads promotions of the city and the counties.
func readPromotions(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), graduates, committee_members, party_secretaries, township_leaders,
		committee_rate, secretary_rate, median_months_to_committee
	FROM promotions(?::DATE, vintage := @vintage) WHERE level IN ('city', 'county')`, []any{asOf}, func(rows Row) error {
		var x PromotionRow
		err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.Graduates, &x.Committee, &x.Secretaries, &x.TownshipLeaders,
			&x.CommitteeRate, &x.SecretaryRate, &x.MedianMonthsToCommittee)
		if err == nil && x.Level == "city" {
			r.now.committee, r.now.secretaries, r.now.leaders = ptr(x.Committee), ptr(x.Secretaries), ptr(x.TownshipLeaders)
		}
		d.Promotions = append(d.Promotions, x)
		return err
	})
}

// readQuota reads the quota of the year of the period against the posts on
// its last day (quota_usage_on), so that a past month never counts posts of
// a later day.
func readQuota(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), township_quota, county_pool, quota_total, posts_township, posts_county_pool, posts_total, unfilled
	FROM quota_usage_on(?, ?::DATE, vintage := @vintage) WHERE level IN ('city', 'county')`, []any{d.QuotaYear, asOf}, func(rows Row) error {
		var x QuotaRow
		err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.TownshipQuota, &x.CountyPool, &x.QuotaTotal, &x.PostsTownship,
			&x.PostsCountyPool, &x.PostsTotal, &x.Unfilled)
		d.Quota = append(d.Quota, x)
		return err
	})
}

// readUncovered reads the replenishment list.
func readUncovered(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT u.village_code, u.village_name, coalesce(u.township_name, ''), u.county_name, u.region, u.uncovered_days,
		u.vacancy_reported, coalesce(strftime(o.reported_on, '%Y-%m-%d'), '')
	FROM uncovered_villages(?::DATE, vintage := @vintage) u LEFT JOIN open_vacancies(?::DATE, vintage := @vintage) o USING (village_code)
	ORDER BY u.uncovered_days DESC NULLS LAST, u.village_code`, []any{asOf, asOf}, func(rows Row) error {
		var x UncoveredRow
		err := rows.Scan(&x.VillageCode, &x.VillageName, &x.TownshipName, &x.CountyName, &x.Region, &x.UncoveredDays,
			&x.VacancyReported, &x.VacancyReportedOn)
		d.Uncovered = append(d.Uncovered, x)
		return err
	})
}

// readFreshness reads the freshness of every county's feed as of the end of
// the period's last day (source_freshness_on): no value depends on the clock.
func readFreshness(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT county_code, county_name,
		coalesce(strftime(timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), last_success), '%Y-%m-%d %H:%M'), ''),
		coalesce(strftime(timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), last_new_file), '%Y-%m-%d %H:%M'), ''),
		coalesce(strftime(last_record, '%Y-%m-%d'), ''),
		hours_since_success, stale
	FROM source_freshness_on(?::DATE, vintage := @vintage_or_now)`, []any{asOf}, func(rows Row) error {
		var x FreshnessRow
		err := rows.Scan(&x.County, &x.Name, &x.LastSuccess, &x.LastNewFile, &x.LastRecord, &x.HoursSinceSuccess, &x.Stale)
		d.Freshness = append(d.Freshness, x)
		return err
	})
}

// readQuality reads rejects and findings by county and reason, of the runs
// finished by the end of the period's last day (data_quality_on).
func readQuality(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT coalesce(county_code, ''), county_name, kind, code, coalesce(severity, ''), count
	FROM data_quality_on(?::DATE, vintage := @vintage)`, []any{asOf}, func(rows Row) error {
		var x QualityRow
		var name *string
		err := rows.Scan(&x.County, &name, &x.Kind, &x.Code, &x.Severity, &x.Count)
		x.CountyName = cityList
		if name != nil {
			x.CountyName = *name
		}
		d.Quality = append(d.Quality, x)
		return err
	})
}
