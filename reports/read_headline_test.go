package reports_test

import (
	"context"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/metrics"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// TestHeadlineIsMetricsOn: the report's headline figures on the period's
// last day (taken from the sections' city rows), on the previous month's and
// a year earlier (read for the city alone) are metrics.On's city figures on
// those days, read by its own queries at the same vintage, figure by figure,
// NULLs included; for periods with and without a year of data before them.
func TestHeadlineIsMetricsOn(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	ctx := context.Background()
	cfg := testcity.Loaded(t)
	r, err := warehouse.OpenReader(ctx, cfg.Published)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	q, _, err := metrics.Pin(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	nonNil := 0
	for _, period := range []string{"2022-07", "2021-03", "2020-01"} {
		d, err := reports.Read(ctx, q, period)
		if err != nil {
			t.Fatal(err)
		}
		asOf, prev, yearAgo, err := reports.PeriodDates(period)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string][3]*float64{}
		for i, day := range []time.Time{asOf, prev, yearAgo} {
			f, err := metrics.On(ctx, q, day)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range onFigures(f) {
				w := want[k]
				w[i] = v
				want[k] = w
			}
		}
		if len(d.Headline) != len(want) {
			t.Errorf("%s: %d headline figures, metrics.On gives %d", period, len(d.Headline), len(want))
		}
		for _, h := range d.Headline {
			w, ok := want[h.Key]
			if !ok {
				t.Errorf("%s: headline figure %s is not one of metrics.On's", period, h.Key)
				continue
			}
			for i, got := range []*float64{h.Value, h.Prev, h.YearAgo} {
				if !sameFloat(got, w[i]) {
					t.Errorf("%s %s [%d of value, prev, year ago]: %v, metrics.On %v", period, h.Key, i, show(got), show(w[i]))
				}
				if got != nil {
					nonNil++
				}
			}
		}
	}
	// 3 periods × 12 figures × 3 days; the earliest days hold no data.
	if nonNil < 40 {
		t.Errorf("only %d headline values are set: the comparison proves little", nonNil)
	}
}

// onFigures are the headline's figures from metrics.On's city, computed
// here from its fields.
func onFigures(f *metrics.Figures) map[string]*float64 {
	c := f.City
	fl := func(p *int64) *float64 {
		if p == nil {
			return nil
		}
		v := float64(*p)
		return &v
	}
	out := map[string]*float64{
		"villages": fl(c.Villages), "covered": fl(c.Covered), "coverage_rate": c.CoverageRate,
		"graduates_in_post": fl(c.InPost), "retention_12m": c.Retention12m,
		"remote_to_developed_coverage": f.RemoteToDevCov, "committee_members": fl(c.Committee),
		"party_secretaries": fl(c.Secretaries), "township_leaders": fl(c.TownshipLeaders),
		"quota_total": fl(c.QuotaTotal), "quota_fill_rate": f.FillRate(), "uncovered": nil,
	}
	if c.Villages != nil && c.Covered != nil {
		u := float64(*c.Villages - *c.Covered)
		out["uncovered"] = &u
	}
	return out
}

func sameFloat(a, b *float64) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

func show(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}
