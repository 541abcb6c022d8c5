package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// headlineFigures are the report's headline figures, in order.
var headlineFigures = []struct{ key, label, kind string }{
	{"villages", "村（社区）总数", "count"},
	{"covered", "已覆盖村（社区）", "count"},
	{"coverage_rate", "覆盖率", "rate"},
	{"graduates_in_post", "在岗研究生", "count"},
	{"uncovered", "待补充村（社区）", "count"},
	{"retention_12m", "12个月留任率", "rate"},
	{"remote_to_developed_coverage", "偏远÷发达地区覆盖率", "ratio"},
	{"committee_members", "进入村（社区）“两委”", "count"},
	{"party_secretaries", "任村（社区）党组织书记", "count"},
	{"township_leaders", "进入乡镇（街道）领导班子", "count"},
	{"quota_total", "编制总数（当年）", "count"},
	{"quota_fill_rate", "编制使用率", "rate"},
}

// PeriodDates returns the last day of a period "YYYY-MM", of the month before
// and of the same month a year earlier.
func PeriodDates(period string) (asOf, prev, yearAgo time.Time, err error) {
	first, err := time.Parse("2006-01", period)
	if err != nil {
		return asOf, prev, yearAgo, fmt.Errorf("warehouse: period %q is not YYYY-MM", period)
	}
	asOf = first.AddDate(0, 1, -1)
	prev = first.AddDate(0, 0, -1)
	yearAgo = first.AddDate(-1, 1, -1)
	return asOf, prev, yearAgo, nil
}

// ReadReport reads the monthly report of a period from a warehouse or
// published snapshot, opened read-only, through the metric macros only.
func ReadReport(ctx context.Context, path, period string) (*ReportData, error) {
	db, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return readReport(ctx, db, period)
}

// Report reads the monthly report from the open warehouse (the daemon's job).
func (w *Warehouse) Report(ctx context.Context, period string) (*ReportData, error) {
	return readReport(ctx, w.db, period)
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
	db   *sql.DB
	mu   sync.Mutex
	err  error
	wg   sync.WaitGroup
	sema chan struct{}
}

func (r *reportReader) failed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err != nil
}

func (r *reportReader) each(q string, args []any, fn func(*sql.Rows) error) {
	if r.failed() {
		return
	}
	if err := queryEach(r.ctx, r.db, q, args, fn); err != nil {
		r.mu.Lock()
		if r.err == nil {
			r.err = err
		}
		r.mu.Unlock()
	}
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

func readReport(ctx context.Context, db *sql.DB, period string) (*ReportData, error) {
	asOf, prev, yearAgo, err := PeriodDates(period)
	if err != nil {
		return nil, err
	}
	d := &ReportData{Period: period, AsOf: asOf.Format(time.DateOnly), PrevAsOf: prev.Format(time.DateOnly),
		YearAgoAsOf: yearAgo.Format(time.DateOnly), QuotaYear: asOf.Year()}
	r := &reportReader{ctx: ctx, db: db, sema: make(chan struct{}, reportParallel)}
	r.each("SELECT coalesce(city_setting('city_code'), ''), coalesce(city_setting('city_name'), '')", nil, func(rows *sql.Rows) error {
		return rows.Scan(&d.CityCode, &d.CityName)
	})

	// The slowest sections first, so that the last to finish are short.
	var now, before, yearBefore map[string]*float64
	r.async(func() { now = r.figures(asOf) })
	r.async(func() { before = r.figures(prev) })
	r.async(func() { yearBefore = r.figures(yearAgo) })

	r.async(func() {
		r.each(`SELECT level, code, coalesce(name, ''), coalesce(region, ''), villages, covered, coverage_rate, graduates_in_post
		FROM coverage(?::DATE) WHERE level IN ('county', 'township')`, []any{asOf}, func(rows *sql.Rows) error {
			var level string
			var c CoverageRow
			if err := rows.Scan(&level, &c.Code, &c.Name, &c.Region, &c.Villages, &c.Covered, &c.CoverageRate, &c.GraduatesInPost); err != nil {
				return err
			}
			if level == "county" {
				d.Counties = append(d.Counties, c)
			} else {
				d.Townships = append(d.Townships, c)
			}
			return nil
		})
	})

	r.async(func() {
		r.each(`SELECT region, villages, covered, graduates_in_post, coverage_rate, per_100_villages, retention_12m
		FROM region_balance(?::DATE)`, []any{asOf}, func(rows *sql.Rows) error {
			var x RegionRow
			err := rows.Scan(&x.Region, &x.Villages, &x.Covered, &x.GraduatesInPost, &x.CoverageRate, &x.PerHundred, &x.Retention12m)
			d.Regions = append(d.Regions, x)
			return err
		})
	})

	r.async(func() {
		r.each(`SELECT a.level, a.code, coalesce(a.name, ''), a.cohort, a.retained, a.retention_rate,
			coalesce(b.cohort, 0), coalesce(b.retained, 0), b.retention_rate
		FROM retention(?::DATE, 12) a
		LEFT JOIN retention(?::DATE, 24) b ON b.level = a.level AND b.code = a.code
		WHERE a.level IN ('city', 'region')`, []any{asOf, asOf}, func(rows *sql.Rows) error {
			var x RetentionRow
			err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.Cohort12, &x.Retained12, &x.Rate12, &x.Cohort24, &x.Retained24, &x.Rate24)
			d.Retention = append(d.Retention, x)
			return err
		})
	})

	byStratum := map[string]int{}
	r.async(func() {
		r.each(`SELECT stratum, day, at_risk, exits, censored, survival, std_err FROM survival(?::DATE)`, []any{asOf}, func(rows *sql.Rows) error {
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
	})

	r.async(func() {
		r.each(`SELECT level, code, coalesce(name, ''), end_reason, exits FROM exits(?::DATE) WHERE level IN ('city', 'county')`,
			[]any{asOf}, func(rows *sql.Rows) error {
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
	})

	r.async(func() {
		r.each(`SELECT level, code, coalesce(name, ''), graduates, committee_members, party_secretaries, township_leaders,
			committee_rate, secretary_rate, median_months_to_committee
		FROM promotions(?::DATE) WHERE level IN ('city', 'county')`, []any{asOf}, func(rows *sql.Rows) error {
			var x PromotionRow
			err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.Graduates, &x.Committee, &x.Secretaries, &x.TownshipLeaders,
				&x.CommitteeRate, &x.SecretaryRate, &x.MedianMonthsToCommittee)
			d.Promotions = append(d.Promotions, x)
			return err
		})
	})

	r.async(func() {
		r.each(`SELECT level, code, coalesce(name, ''), township_quota, county_pool, quota_total, posts_township, posts_county_pool, posts_total, unfilled
		FROM quota_usage(?) WHERE level IN ('city', 'county')`, []any{d.QuotaYear}, func(rows *sql.Rows) error {
			var x QuotaRow
			err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.TownshipQuota, &x.CountyPool, &x.QuotaTotal, &x.PostsTownship,
				&x.PostsCountyPool, &x.PostsTotal, &x.Unfilled)
			d.Quota = append(d.Quota, x)
			return err
		})
	})

	r.async(func() {
		r.each(`SELECT village_code, village_name, coalesce(township_name, ''), county_name, region, uncovered_days, vacancy_reported
		FROM uncovered_villages(?::DATE)`, []any{asOf}, func(rows *sql.Rows) error {
			var x UncoveredRow
			err := rows.Scan(&x.VillageCode, &x.VillageName, &x.TownshipName, &x.CountyName, &x.Region, &x.UncoveredDays, &x.VacancyReported)
			d.Uncovered = append(d.Uncovered, x)
			return err
		})
	})

	r.async(func() {
		r.each(`SELECT county_code, county_name,
			coalesce(strftime(timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), last_success), '%Y-%m-%d %H:%M'), ''),
			coalesce(strftime(timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), last_new_file), '%Y-%m-%d %H:%M'), ''),
			hours_since_success, stale
		FROM source_freshness()`, nil, func(rows *sql.Rows) error {
			var x FreshnessRow
			err := rows.Scan(&x.County, &x.Name, &x.LastSuccess, &x.LastNewFile, &x.HoursSinceSuccess, &x.Stale)
			d.Freshness = append(d.Freshness, x)
			return err
		})
	})

	r.async(func() {
		r.each(`SELECT coalesce(county_code, ''), coalesce(county_name, '全市名录'), kind, code, coalesce(severity, ''), count
		FROM data_quality()`, nil, func(rows *sql.Rows) error {
			var x QualityRow
			err := rows.Scan(&x.County, &x.CountyName, &x.Kind, &x.Code, &x.Severity, &x.Count)
			d.Quality = append(d.Quality, x)
			return err
		})
	})
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
	for _, f := range headlineFigures {
		d.Headline = append(d.Headline, Figure{Key: f.key, Label: f.label, Kind: f.kind,
			Value: now[f.key], Prev: before[f.key], YearAgo: yearBefore[f.key]})
	}
	if r.err != nil {
		return nil, fmt.Errorf("warehouse: report %s: %w", period, r.err)
	}
	return d, nil
}

// figures reads the headline figures on one day.
func (r *reportReader) figures(day time.Time) map[string]*float64 {
	out := map[string]*float64{}
	set := func(k string, v *float64) { out[k] = v }
	num := func(n sql.NullFloat64) *float64 {
		if !n.Valid {
			return nil
		}
		v := n.Float64
		return &v
	}
	r.each(`SELECT villages, covered, coverage_rate, graduates_in_post FROM coverage(?::DATE) WHERE level = 'city'`, []any{day},
		func(rows *sql.Rows) error {
			var a, b, c, e sql.NullFloat64
			err := rows.Scan(&a, &b, &c, &e)
			set("villages", num(a))
			set("covered", num(b))
			// uncovered_villages lists the villages of the same universe
			// with no one in post: the city's villages less those covered.
			if a.Valid && b.Valid {
				u := a.Float64 - b.Float64
				set("uncovered", &u)
			}
			set("coverage_rate", num(c))
			set("graduates_in_post", num(e))
			return err
		})
	r.each(`SELECT retention_rate FROM retention(?::DATE, 12) WHERE level = 'city'`, []any{day}, func(rows *sql.Rows) error {
		var a sql.NullFloat64
		err := rows.Scan(&a)
		set("retention_12m", num(a))
		return err
	})
	r.each(`SELECT coverage_rate FROM region_balance(?::DATE) WHERE region = 'remote_to_developed'`, []any{day}, func(rows *sql.Rows) error {
		var a sql.NullFloat64
		err := rows.Scan(&a)
		set("remote_to_developed_coverage", num(a))
		return err
	})
	r.each(`SELECT committee_members, party_secretaries, township_leaders FROM promotions(?::DATE) WHERE level = 'city'`, []any{day},
		func(rows *sql.Rows) error {
			var a, b, c sql.NullFloat64
			err := rows.Scan(&a, &b, &c)
			set("committee_members", num(a))
			set("party_secretaries", num(b))
			set("township_leaders", num(c))
			return err
		})
	r.each(`SELECT q.quota_total, (SELECT count(*) FROM postings_on(?::DATE)) / nullif(q.quota_total, 0)
		FROM quota_usage(?) q WHERE q.level = 'city'`, []any{day, day.Year()}, func(rows *sql.Rows) error {
		var a, b sql.NullFloat64
		err := rows.Scan(&a, &b)
		set("quota_total", num(a))
		set("quota_fill_rate", num(b))
		return err
	})
	return out
}
