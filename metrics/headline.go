package metrics

import (
	"context"
	"fmt"
	"time"
)

// Headline is the programme's headline figures on one day, read from the
// metric macros (the same definitions the statisticians and the report use):
// what `grassroots metrics` shows.
type Headline struct {
	AsOf string `json:"as_of"`
	// Vintage is the moment whose state of the warehouse the figures
	// describe (FormatVintage; "" for a warehouse without runs): pass it
	// back with --vintage, or as vintage := TIMESTAMPTZ '…' to the macros,
	// to read the same figures after later loads.
	Vintage         string          `json:"vintage"`
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

// Read reads the headline figures on asOf ("" = today in the city's time
// zone) with a row for each county and the counties whose feed is stale
// (source_freshness), all at one vintage: q's own when AtVintage made it,
// else the latest (Pin).
func Read(ctx context.Context, q Querier, asOf string) (*Headline, error) {
	q, at, err := Pin(ctx, q)
	if err != nil {
		return nil, err
	}
	var day any
	if asOf != "" {
		t, err := time.Parse(time.DateOnly, asOf)
		if err != nil {
			return nil, fmt.Errorf("metrics: as-of date %q is not YYYY-MM-DD", asOf)
		}
		day = t
	}
	var d time.Time
	n := 0
	err = q.Each(ctx, "SELECT as_date(?::DATE)", []any{day}, func(r Row) error {
		n++
		return r.Scan(&d)
	})
	if err == nil && n != 1 {
		err = fmt.Errorf("as_date returned %d rows", n)
	}
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	f, err := On(ctx, q, d)
	if err != nil {
		return nil, err
	}
	h := headline(f)
	if !at.IsZero() {
		h.Vintage = FormatVintage(at)
	}
	byCode := map[string]*CountyFigures{}
	for i := range h.Counties {
		byCode[h.Counties[i].Code] = &h.Counties[i]
	}
	err = q.Each(ctx, "SELECT county_code, county_name FROM source_freshness(vintage := @vintage_or_now) WHERE stale", nil, func(r Row) error {
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
		return nil, fmt.Errorf("metrics: source_freshness: %w", err)
	}
	return h, nil
}

// headline is f as `grassroots metrics` shows it: an undefined count is 0.
func headline(f *Figures) *Headline {
	c := &f.City
	h := &Headline{
		AsOf: f.Day.Format(time.DateOnly), QuotaYear: f.QuotaYear,
		Villages: val(c.Villages), Covered: val(c.Covered), CoverageRate: c.CoverageRate, InPost: val(c.InPost),
		Retention12m: c.Retention12m, RemoteToDevCov: f.RemoteToDevCov,
		Committee: val(c.Committee), Secretaries: val(c.Secretaries), TownshipLeaders: val(c.TownshipLeaders),
		QuotaTotal: val(c.QuotaTotal), QuotaTownship: val(c.QuotaTownship), QuotaCountyPool: val(c.QuotaCountyPool),
		PostsTotal:    c.Posts,
		StaleCounties: []string{},
	}
	for _, a := range f.Counties {
		h.Counties = append(h.Counties, CountyFigures{
			Code: a.Code, Name: a.Name, Region: a.Region,
			Villages: val(a.Villages), Covered: val(a.Covered), CoverageRate: a.CoverageRate, InPost: val(a.InPost),
			Retention12m: a.Retention12m,
			Committee:    val(a.Committee), Secretaries: val(a.Secretaries), TownshipLeaders: val(a.TownshipLeaders),
			QuotaTotal: val(a.QuotaTotal), PostsTotal: a.Posts,
		})
	}
	return h
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
