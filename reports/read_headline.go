package reports

import (
	"time"
)

// qHeadline reads the city's headline figures on one day in one statement:
// the same macros and rows as metrics.On (coverage, retention at 12 months,
// region_balance's remote_to_developed row, promotions, the quota of the
// day's year and the postings in post on the day), the city's rows only.
// The headline shows no county, and a filter on the city lets DuckDB drop
// the other levels' branches of a macro (promotions' region and county
// rows). Each part has at most one row; LEFT JOINs on a one-row base keep
// a part without a row (an empty cohort, no quota) as NULLs, as metrics.On
// leaves such a figure nil.
//
// Arguments: day, day, day, day, the day's year, day.
const qHeadline = `WITH
	c AS (SELECT villages, covered, coverage_rate, graduates_in_post
		FROM coverage(?::DATE, vintage := @vintage) WHERE level = 'city'),
	r AS (SELECT retention_rate FROM retention(?::DATE, 12, vintage := @vintage) WHERE level = 'city'),
	b AS (SELECT coverage_rate AS remote_to_developed
		FROM region_balance(?::DATE, vintage := @vintage) WHERE region = 'remote_to_developed'),
	p AS (SELECT committee_members, party_secretaries, township_leaders
		FROM promotions(?::DATE, vintage := @vintage) WHERE level = 'city'),
	q AS (SELECT quota_total FROM quota_usage(?, vintage := @vintage) WHERE level = 'city'),
	n AS (SELECT count(*) AS posts FROM postings_on(?::DATE, vintage := @vintage))
SELECT c.villages, c.covered, c.coverage_rate, c.graduates_in_post, r.retention_rate, b.remote_to_developed,
	p.committee_members, p.party_secretaries, p.township_leaders, q.quota_total, n.posts
FROM (SELECT 1) one
LEFT JOIN c ON true LEFT JOIN r ON true LEFT JOIN b ON true
LEFT JOIN p ON true LEFT JOIN q ON true LEFT JOIN n ON true`

// figures reads the headline figures of the city on one day, by key.
func (r *reportReader) figures(day time.Time) map[string]*float64 {
	var villages, covered, inPost, committee, secretaries, leaders, quota, posts *int64
	var coverage, retention, remoteToDev *float64
	rows := 0
	r.each(qHeadline, []any{day, day, day, day, day.Year(), day}, func(row Row) error {
		rows++
		return row.Scan(&villages, &covered, &coverage, &inPost, &retention, &remoteToDev,
			&committee, &secretaries, &leaders, &quota, &posts)
	})
	if r.failed() {
		return nil
	}
	out := map[string]*float64{
		"villages":                     float(villages),
		"covered":                      float(covered),
		"coverage_rate":                coverage,
		"graduates_in_post":            float(inPost),
		"retention_12m":                retention,
		"remote_to_developed_coverage": remoteToDev,
		"committee_members":            float(committee),
		"party_secretaries":            float(secretaries),
		"township_leaders":             float(leaders),
		"quota_total":                  float(quota),
		"quota_fill_rate":              fillRate(posts, quota),
	}
	// uncovered_villages lists the villages of the same universe with no
	// one in post: the city's villages less those covered.
	if villages != nil && covered != nil {
		u := float64(*villages - *covered)
		out["uncovered"] = &u
	}
	return out
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
