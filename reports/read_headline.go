package reports

import (
	"time"
)

// The headline figures are the city's on the period's last day, on the
// previous month's and on the same month's a year earlier: the figures of
// metrics.On (the same macros, rows and arithmetic), the city's rows only,
// since the headline shows no county. On the period's last day the
// sections already read the city's rows of coverage, retention,
// region_balance and promotions (readCoverage, readRetention, readRegions,
// readPromotions keep them in reportReader.now); only the quota is read
// again. On the two earlier days each macro is read for the city alone,
// which lets DuckDB drop the other levels' branches (promotions' region and
// county rows), and remote ÷ developed comes from coverage's region rows
// (remoteToDeveloped) rather than from one more region_balance call.

// headline is the city's headline figures on one day; a nil figure is one
// the macros leave undefined (NULL) or do not return (an empty cohort has
// no retention row), as metrics.On leaves it nil.
type headline struct {
	villages, covered, inPost        *int64
	coverage, retention, remoteToDev *float64
	committee, secretaries, leaders  *int64
	quota                            *int64 // the quota of the day's year
	posts                            *int64 // postings in post on the day
}

// The city's rows of the headline's macros; each takes the day (qHQuota:
// the day's year, then the day).
const (
	// The city's row and the regions' (their coverage rates give
	// remote_to_developed, see remoteToDeveloped).
	qHCoverage = `SELECT level, code, villages, covered, coverage_rate, graduates_in_post
		FROM coverage(?::DATE, vintage := @vintage) WHERE level IN ('city', 'region')`
	qHRetention = `SELECT retention_rate FROM retention(?::DATE, 12, vintage := @vintage) WHERE level = 'city'`
	qHPromotion = `SELECT committee_members, party_secretaries, township_leaders
		FROM promotions(?::DATE, vintage := @vintage) WHERE level = 'city'`
	// The quota of the day's year (quota_usage's city row; none gives
	// NULL) and the postings in post on the day (postings_on), as
	// metrics.On counts them for the fill rate.
	qHQuota = `SELECT (SELECT quota_total FROM quota_usage(?, vintage := @vintage) WHERE level = 'city'),
		(SELECT count(*) FROM postings_on(?::DATE, vintage := @vintage))`
)

// readHeadline reads the city's headline figures on day, one macro after
// the other.
func (r *reportReader) readHeadline(day time.Time) *headline {
	h := &headline{}
	var remote, developed *float64
	r.each(qHCoverage, []any{day}, func(row Row) error {
		var level, code string
		var villages, covered, inPost *int64
		var rate *float64
		if err := row.Scan(&level, &code, &villages, &covered, &rate, &inPost); err != nil {
			return err
		}
		switch {
		case level == "city":
			h.villages, h.covered, h.coverage, h.inPost = villages, covered, rate, inPost
		case code == "remote":
			remote = rate
		case code == "developed":
			developed = rate
		}
		return nil
	})
	h.remoteToDev = remoteToDeveloped(remote, developed)
	r.each(qHRetention, []any{day}, func(row Row) error { return row.Scan(&h.retention) })
	r.each(qHPromotion, []any{day}, func(row Row) error {
		return row.Scan(&h.committee, &h.secretaries, &h.leaders)
	})
	r.readQuotaFigures(h, day)
	return h
}

// readQuotaFigures reads the quota of day's year and the postings in post on
// day into h.
func (r *reportReader) readQuotaFigures(h *headline, day time.Time) {
	r.each(qHQuota, []any{day.Year(), day}, func(row Row) error { return row.Scan(&h.quota, &h.posts) })
}

// figures are the headline figures by key; nil without h (a read failed).
func (h *headline) figures() map[string]*float64 {
	if h == nil {
		return nil
	}
	out := map[string]*float64{
		"villages":                     float(h.villages),
		"covered":                      float(h.covered),
		"coverage_rate":                h.coverage,
		"graduates_in_post":            float(h.inPost),
		"retention_12m":                h.retention,
		"remote_to_developed_coverage": h.remoteToDev,
		"committee_members":            float(h.committee),
		"party_secretaries":            float(h.secretaries),
		"township_leaders":             float(h.leaders),
		"quota_total":                  float(h.quota),
		"quota_fill_rate":              fillRate(h.posts, h.quota),
	}
	// uncovered_villages lists the villages of the same universe with no
	// one in post: the city's villages less those covered.
	if h.villages != nil && h.covered != nil {
		u := float64(*h.villages - *h.covered)
		out["uncovered"] = &u
	}
	return out
}

// remoteToDeveloped is region_balance's remote_to_developed coverage rate
// from the regions' rows of coverage, which region_balance's remote and
// developed rows equal (docs/warehouse.md): remote ÷ developed, nil where
// either is missing or undefined or developed is 0 (nullif). Both are
// IEEE doubles, so Go's quotient is DuckDB's.
func remoteToDeveloped(remote, developed *float64) *float64 {
	if remote == nil || developed == nil || *developed == 0 {
		return nil
	}
	v := *remote / *developed
	return &v
}

// fillRate is the share of the quota held by the posts; nil without a
// quota (none recorded, or zero).
func fillRate(posts, quota *int64) *float64 {
	if quota == nil || *quota == 0 {
		return nil
	}
	var n int64
	if posts != nil {
		n = *posts
	}
	v := float64(n) / float64(*quota)
	return &v
}

// float is *p as a float64; nil stays nil.
func float(p *int64) *float64 {
	if p == nil {
		return nil
	}
	v := float64(*p)
	return &v
}

// ptr is a pointer to a copy of v.
func ptr[T any](v T) *T { return &v }
