// Package metrics reads the programme's headline figures from the metric
// macros (coverage, retention, region_balance, promotions, quota_usage,
// source_freshness; see docs/warehouse.md) for `grassroots metrics` (Read,
// through On). The monthly report reads the same macros' city rows itself
// (reports/read_headline.go), and its tests check them against On.
//
// It runs its SQL through a Querier, which *warehouse.Reader satisfies, and
// does not import the warehouse: a package that renders figures does not
// link DuckDB.
package metrics

import (
	"context"
	"fmt"
	"time"
)

// Row is one result row (*sql.Rows is one). It is the same type as
// warehouse.Row: both are aliases of this unnamed interface.
type Row = interface {
	Scan(dest ...any) error
}

// Querier runs a query and calls fn for every row, stopping at fn's first
// error. *warehouse.Reader is a Querier.
type Querier interface {
	Each(ctx context.Context, q string, args []any, fn func(Row) error) error
}

// Area is the headline figures of the city or of one county on one day. A
// nil figure is one the macros leave undefined (NULL) or do not return.
type Area struct {
	Code, Name, Region     string
	Villages, Covered      *int64
	CoverageRate           *float64
	InPost                 *int64 // graduates in post
	Retention12m           *float64
	Committee, Secretaries *int64 // members of the village committees; party secretaries
	TownshipLeaders        *int64
	QuotaTownship          *int64 // township quota of the day's year
	QuotaCountyPool        *int64 // county pool of the day's year
	QuotaTotal             *int64
	Posts                  int64 // graduates in post on the day, the quota's use
}

// Figures are the headline figures on one day: the city's and each county's.
type Figures struct {
	Day            time.Time
	QuotaYear      int // the year of Day, whose quota is counted
	City           Area
	Counties       []Area   // in the order of coverage()
	RemoteToDevCov *float64 // coverage rate of the remote region ÷ the developed region
}

// The headline queries, one per macro, each for the city and its counties.
const (
	qCoverage = `SELECT level, code, coalesce(name, ''), coalesce(region, ''), villages, covered, coverage_rate, graduates_in_post
		FROM coverage(?::DATE, vintage := @vintage) WHERE level IN ('city', 'county')`
	qRetention = `SELECT level, code, retention_rate FROM retention(?::DATE, 12, vintage := @vintage) WHERE level IN ('city', 'county')`
	qRegion    = `SELECT coverage_rate FROM region_balance(?::DATE, vintage := @vintage) WHERE region = 'remote_to_developed'`
	qPromotion = `SELECT level, code, committee_members, party_secretaries, township_leaders
		FROM promotions(?::DATE, vintage := @vintage) WHERE level IN ('city', 'county')`
	// The quota of the day's year, and the posts it holds on the day
	// (quota_usage counts posts on 31 December; the headline is about one
	// day): the ROLLUP's total row (county_code NULL, which no posting has)
	// is the city's.
	qQuota = `SELECT q.level, q.code, q.township_quota, q.county_pool, q.quota_total, coalesce(p.posts, 0)
		FROM quota_usage(?, vintage := @vintage) q
		LEFT JOIN (SELECT county_code, count(*) AS posts FROM postings_on(?::DATE, vintage := @vintage) GROUP BY ROLLUP (county_code)) p
			ON (q.level = 'city' AND p.county_code IS NULL) OR (q.level = 'county' AND p.county_code = q.code)
		WHERE q.level IN ('city', 'county')`
)

// On reads the headline figures on day, one macro after the other.
//
// The figures are those of the warehouse at q's vintage when AtVintage made
// q, else of the tables as they are.
func On(ctx context.Context, q Querier, day time.Time) (*Figures, error) {
	q = withVintage(q)
	f := &Figures{Day: day, QuotaYear: day.Year()}
	byCode := map[string]*Area{}
	// area is the city's figures or a county's; nil for a county that
	// coverage() does not list.
	area := func(level, code string) *Area {
		if level == "city" {
			return &f.City
		}
		return byCode[code]
	}
	err := q.Each(ctx, qCoverage, []any{day}, func(r Row) error {
		var level string
		var a Area
		if err := r.Scan(&level, &a.Code, &a.Name, &a.Region, &a.Villages, &a.Covered, &a.CoverageRate, &a.InPost); err != nil {
			return err
		}
		if level == "city" {
			f.City = a
		} else {
			f.Counties = append(f.Counties, a)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("metrics: coverage on %s: %w", day.Format(time.DateOnly), err)
	}
	// Pointers into f.Counties are taken after it stops growing.
	for i := range f.Counties {
		byCode[f.Counties[i].Code] = &f.Counties[i]
	}
	steps := []struct {
		name, q string
		args    []any
		fn      func(Row) error
	}{
		{"retention", qRetention, []any{day}, func(r Row) error {
			var level, code string
			var rate *float64
			if err := r.Scan(&level, &code, &rate); err != nil {
				return err
			}
			if a := area(level, code); a != nil {
				a.Retention12m = rate
			}
			return nil
		}},
		{"region_balance", qRegion, []any{day}, func(r Row) error { return r.Scan(&f.RemoteToDevCov) }},
		{"promotions", qPromotion, []any{day}, func(r Row) error {
			var level, code string
			var c, s, t *int64
			if err := r.Scan(&level, &code, &c, &s, &t); err != nil {
				return err
			}
			if a := area(level, code); a != nil {
				a.Committee, a.Secretaries, a.TownshipLeaders = c, s, t
			}
			return nil
		}},
		{"quota_usage", qQuota, []any{f.QuotaYear, day}, func(r Row) error {
			var level, code string
			var tq, cp, total *int64
			var posts int64
			if err := r.Scan(&level, &code, &tq, &cp, &total, &posts); err != nil {
				return err
			}
			if a := area(level, code); a != nil {
				a.QuotaTownship, a.QuotaCountyPool, a.QuotaTotal, a.Posts = tq, cp, total, posts
			}
			return nil
		}},
	}
	for _, s := range steps {
		if err := q.Each(ctx, s.q, s.args, s.fn); err != nil {
			return nil, fmt.Errorf("metrics: %s on %s: %w", s.name, day.Format(time.DateOnly), err)
		}
	}
	return f, nil
}

// FillRate is the share of the city's quota of the day's year held by the
// graduates in post on the day; nil without a quota.
func (f *Figures) FillRate() *float64 {
	if f.City.QuotaTotal == nil || *f.City.QuotaTotal == 0 {
		return nil
	}
	r := float64(f.City.Posts) / float64(*f.City.QuotaTotal)
	return &r
}
