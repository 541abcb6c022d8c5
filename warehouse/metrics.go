package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Headline is the programme's headline figures on one day, read from the
// metric macros (the same definitions the statisticians and the report use).
type Headline struct {
	AsOf            string          `json:"as_of"`
	Villages        int64           `json:"villages"`
	Covered         int64           `json:"covered"`
	CoverageRate    *float64        `json:"coverage_rate"`
	InPost          int64           `json:"graduates_in_post"`
	Retention12m    *float64        `json:"retention_12m"`
	RemoteToDevCov  *float64        `json:"remote_to_developed_coverage"`
	Committee       int64           `json:"committee_members"`
	Secretaries     int64           `json:"party_secretaries"`
	TownshipLeaders int64           `json:"township_leaders"`
	QuotaYear       int             `json:"quota_year"`
	QuotaTotal      int64           `json:"quota_total"`
	QuotaTownship   int64           `json:"quota_township"`
	QuotaCountyPool int64           `json:"quota_county_pool"`
	PostsTotal      int64           `json:"quota_filled"`
	StaleCounties   []string        `json:"stale_counties"`
	Counties        []CountyFigures `json:"counties"`
}

// CountyFigures are one county's figures in the headline table.
type CountyFigures struct {
	Code            string   `json:"county_code"`
	Name            string   `json:"county_name"`
	Region          string   `json:"region"`
	Villages        int64    `json:"villages"`
	Covered         int64    `json:"covered"`
	CoverageRate    *float64 `json:"coverage_rate"`
	InPost          int64    `json:"graduates_in_post"`
	Retention12m    *float64 `json:"retention_12m"`
	Committee       int64    `json:"committee_members"`
	Secretaries     int64    `json:"party_secretaries"`
	TownshipLeaders int64    `json:"township_leaders"`
	QuotaTotal      int64    `json:"quota_total"`
	PostsTotal      int64    `json:"quota_filled"`
	Stale           bool     `json:"stale"`
}

// ReadHeadline reads the headline figures on asOf ("" = today in the city's
// time zone) from a warehouse or published snapshot, opened read-only.
func ReadHeadline(ctx context.Context, path, asOf string) (*Headline, error) {
	db, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: open %s read-only: %w", path, err)
	}
	defer conn.Close()
	var day any
	if asOf != "" {
		t, err := time.Parse("2006-01-02", asOf)
		if err != nil {
			return nil, fmt.Errorf("warehouse: as-of date %q is not YYYY-MM-DD", asOf)
		}
		day = t
	}
	h := &Headline{}
	var d time.Time
	if err := conn.QueryRowContext(ctx, "SELECT as_date(?::DATE), year(as_date(?::DATE))", day, day).Scan(&d, &h.QuotaYear); err != nil {
		return nil, fmt.Errorf("warehouse: metrics: %w", err)
	}
	h.AsOf = d.Format("2006-01-02")
	byCode := map[string]*CountyFigures{}
	q := func(query string, args []any, fn func(*sql.Rows) error) {
		if err != nil {
			return
		}
		var rows *sql.Rows
		rows, err = conn.QueryContext(ctx, query, args...)
		if err != nil {
			return
		}
		defer rows.Close()
		for rows.Next() && err == nil {
			err = fn(rows)
		}
		if err == nil {
			err = rows.Err()
		}
	}
	q("SELECT level, code, coalesce(name, ''), coalesce(region, ''), villages, covered, coverage_rate, graduates_in_post FROM coverage(?::DATE) WHERE level IN ('city', 'county')",
		[]any{d}, func(r *sql.Rows) error {
			var level string
			var c CountyFigures
			if err := r.Scan(&level, &c.Code, &c.Name, &c.Region, &c.Villages, &c.Covered, &c.CoverageRate, &c.InPost); err != nil {
				return err
			}
			if level == "city" {
				h.Villages, h.Covered, h.CoverageRate, h.InPost = c.Villages, c.Covered, c.CoverageRate, c.InPost
				return nil
			}
			h.Counties = append(h.Counties, c)
			return nil
		})
	// Pointers into h.Counties are taken after it stops growing.
	for i := range h.Counties {
		byCode[h.Counties[i].Code] = &h.Counties[i]
	}
	q("SELECT level, code, retention_rate FROM retention(?::DATE, 12) WHERE level IN ('city', 'county')", []any{d}, func(r *sql.Rows) error {
		var level, code string
		var rate *float64
		if err := r.Scan(&level, &code, &rate); err != nil {
			return err
		}
		if level == "city" {
			h.Retention12m = rate
		} else if c := byCode[code]; c != nil {
			c.Retention12m = rate
		}
		return nil
	})
	q("SELECT coverage_rate FROM region_balance(?::DATE) WHERE region = 'remote_to_developed'", []any{d}, func(r *sql.Rows) error {
		return r.Scan(&h.RemoteToDevCov)
	})
	q("SELECT level, code, committee_members, party_secretaries, township_leaders FROM promotions(?::DATE) WHERE level IN ('city', 'county')",
		[]any{d}, func(r *sql.Rows) error {
			var level, code string
			var a, b, c int64
			if err := r.Scan(&level, &code, &a, &b, &c); err != nil {
				return err
			}
			if level == "city" {
				h.Committee, h.Secretaries, h.TownshipLeaders = a, b, c
			} else if cf := byCode[code]; cf != nil {
				cf.Committee, cf.Secretaries, cf.TownshipLeaders = a, b, c
			}
			return nil
		})
	// The quota of the as-of year, and the posts it holds on the as-of day
	// (quota_usage counts posts on 31 December; the headline is about one day).
	q(`SELECT q.level, q.code, q.township_quota, q.county_pool, q.quota_total, coalesce(p.posts, 0)
		FROM quota_usage(?) q
		LEFT JOIN (SELECT county_code, count(*) AS posts FROM postings_on(?::DATE) GROUP BY ROLLUP (county_code)) p
			ON (q.level = 'city' AND p.county_code IS NULL) OR (q.level = 'county' AND p.county_code = q.code)
		WHERE q.level IN ('city', 'county')`,
		[]any{h.QuotaYear, d}, func(r *sql.Rows) error {
			var level, code string
			var tq, cp sql.NullInt64
			var total, posts int64
			if err := r.Scan(&level, &code, &tq, &cp, &total, &posts); err != nil {
				return err
			}
			if level == "city" {
				h.QuotaTownship, h.QuotaCountyPool, h.QuotaTotal, h.PostsTotal = tq.Int64, cp.Int64, total, posts
			} else if c := byCode[code]; c != nil {
				c.QuotaTotal, c.PostsTotal = total, posts
			}
			return nil
		})
	q("SELECT county_code, county_name FROM source_freshness() WHERE stale", nil, func(r *sql.Rows) error {
		var code, name string
		if err := r.Scan(&code, &name); err != nil {
			return err
		}
		h.StaleCounties = append(h.StaleCounties, code+" "+name)
		if c := byCode[code]; c != nil {
			c.Stale = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("warehouse: metrics: %w", err)
	}
	if h.StaleCounties == nil {
		h.StaleCounties = []string{}
	}
	return h, nil
}
