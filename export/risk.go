package export

// The residual risk of a release, measured on the person-level tables as
// written (the values a reader sees, nulls as a value of their own) and
// reported in the manifest's risk object: per county the recoding level
// and the suppressed share, the records in groups under k, and the unique
// records for every subset of the quasi-identifiers within county.

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// Risk is the manifest's risk object.
type Risk struct {
	// MaxSuppressedPct is the share of a county's persons, in percent, that
	// suppression may take before the county is recoded more coarsely.
	MaxSuppressedPct int `json:"max_suppressed_pct"`
	// Counties are the counties with persons, in county_code order.
	Counties []CountyRisk `json:"counties"`
	// RecordsInGroupsUnderK counts the persons whose released
	// quasi-identifiers (county_code, gender, birth_band, degree,
	// entry_period, channel, exited; nulls included) are shared by fewer
	// than k persons: suppressed persons of a county with fewer than k of
	// them, and nobody else.
	RecordsInGroupsUnderK int64 `json:"records_in_groups_under_k"`
	// UnsuppressedInGroupsUnderK counts the persons not suppressed in such
	// groups: zero by construction.
	UnsuppressedInGroupsUnderK int64 `json:"unsuppressed_in_groups_under_k"`
	// Unique gives, for every subset of the quasi-identifiers (always
	// within county), the persons unique on it.
	Unique []UniqueCount `json:"unique_records"`
	// MinVillagesPerPosting is the fewest villages of the public list a
	// posting matches on what the release says of its post (county,
	// village kind and urban/rural class where shown); 0 without postings.
	MinVillagesPerPosting int64 `json:"min_villages_per_posting"`
}

// CountyRisk is one county's suppression.
type CountyRisk struct {
	CountyCode    string  `json:"county_code"`
	Persons       int64   `json:"persons"`
	RecodingLevel int     `json:"recoding_level"`
	Suppressed    int64   `json:"suppressed"`
	Share         float64 `json:"suppressed_share"` // Suppressed / Persons, 4 decimals
	// Complementary counts the suppressed persons who were not in a group
	// under k but were suppressed so that the suppressed persons of their
	// county and exited value number at least k (included in Suppressed).
	Complementary int64 `json:"suppressed_complementary"`
	// SuppressedAtLevel0 is what suppression alone (no recoding) would
	// have taken, complementary suppression included.
	SuppressedAtLevel0 int64 `json:"suppressed_at_level_0"`
}

// UniqueCount is the persons unique on county_code and a subset of the
// other quasi-identifiers.
type UniqueCount struct {
	QuasiIDs []string `json:"quasi_identifiers"`
	Unique   int64    `json:"unique"`
}

// riskSQL holds the released quasi-identifiers of every person, built once
// for the 64 counts below.
const riskSQL = `CREATE TEMP TABLE export_risk AS
	SELECT p.county_code, p.gender, p.birth_band, p.degree, p.entry_period, p.channel, q.exited, p.qi_suppressed
	FROM export_persons p JOIN export_qi q ON q.research_id = p.research_id`

// riskSource is the table riskSQL builds.
const riskSource = "export_risk"

// minVillagesSQL matches every released posting with the village list as
// an attacker would: same county, and the kind and urban/rural class where
// the posting shows them. Postings that show the same county, kind and
// class match the same villages, so each such combination is matched once,
// against the village list counted per county, kind and class (matching
// each posting with each village of its county joined a million postings
// with some two hundred villages each nationally).
const minVillagesSQL = `WITH cells AS (
	SELECT county_code, village_kind, urban_rural, count(*) AS n
	FROM (SELECT county_code, village_kind,
	             CASE WHEN urban_rural_code LIKE '1%' THEN 'urban' WHEN urban_rural_code LIKE '2%' THEN 'rural' END AS urban_rural
	      FROM dim_village)
	GROUP BY ALL
), shown AS (
	SELECT DISTINCT county_code, village_kind, urban_rural FROM export_postings
)
SELECT coalesce(min(n), 0) FROM (
	SELECT sum(c.n) AS n
	FROM shown p
	JOIN cells c
	  ON c.county_code = p.county_code
	 AND (p.village_kind IS NULL OR p.village_kind = c.village_kind)
	 AND (p.urban_rural IS NULL OR p.urban_rural = c.urban_rural)
	GROUP BY p.county_code, p.village_kind, p.urban_rural)`

// measureRisk measures the residual risk after the tables are built.
func measureRisk(ctx context.Context, s *warehouse.Session) (*Risk, error) {
	r := &Risk{MaxSuppressedPct: maxSuppressedPct}
	err := s.Each(ctx, `SELECT l.county_code, l.persons, l.level, count(*) FILTER (WHERE q.s), count(*) FILTER (WHERE q.s2), l.suppressed_level0
		FROM export_level l JOIN export_qi q ON q.county_code = l.county_code
		GROUP BY ALL ORDER BY l.county_code`, nil, func(row warehouse.Row) error {
		var c CountyRisk
		if err := row.Scan(&c.CountyCode, &c.Persons, &c.RecodingLevel, &c.Suppressed, &c.Complementary, &c.SuppressedAtLevel0); err != nil {
			return err
		}
		if c.Persons > 0 {
			c.Share = math.Round(float64(c.Suppressed)/float64(c.Persons)*1e4) / 1e4
		}
		r.Counties = append(r.Counties, c)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := s.Exec(ctx, riskSQL); err != nil {
		return nil, err
	}
	all := strings.Join(groupKey, ", ")
	q := fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE NOT qi_suppressed) FROM (
		SELECT qi_suppressed, count(*) OVER (PARTITION BY %s) AS n FROM %s) WHERE n < (SELECT k FROM export_param)`, all, riskSource)
	if err := s.Scan(ctx, q, nil, &r.RecordsInGroupsUnderK, &r.UnsuppressedInGroupsUnderK); err != nil {
		return nil, err
	}
	if err := s.Scan(ctx, minVillagesSQL, nil, &r.MinVillagesPerPosting); err != nil {
		return nil, err
	}
	others := groupKey[1:]
	for mask := 1; mask < 1<<len(others); mask++ {
		cols := []string{groupKey[0]}
		for i, c := range others {
			if mask&(1<<i) != 0 {
				cols = append(cols, c)
			}
		}
		u := UniqueCount{QuasiIDs: cols}
		// A person unique on cols is a group of one.
		q := fmt.Sprintf("SELECT count(*) FILTER (WHERE n = 1) FROM (SELECT count(*) AS n FROM %s GROUP BY %s)",
			riskSource, strings.Join(cols, ", "))
		if err := s.Scan(ctx, q, nil, &u.Unique); err != nil {
			return nil, err
		}
		r.Unique = append(r.Unique, u)
	}
	return r, nil
}
