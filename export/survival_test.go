package export_test

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/export"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// survivalTolerance is how far the 12-month Kaplan–Meier retention computed
// from the release may be from the snapshot's survival() macro. The release
// gives time in post in completed months, the macro in days; the events
// before 12 months are the same persons in both (a spell under 12 completed
// months is one that ended before its 12-month anniversary), so the figures
// differ only by who is at risk when (and by a spell of exactly 365 days
// across a 29 February, under 12 months but not under 365 days): a person censored, or leaving, in the
// same month as another person's exit counts as at risk for that whole
// month in the release, and only up to the day in the macro. Each such
// pair moves one factor 1 − d/n by about d/n², a few ten-thousandths at
// the demo city's several hundred persons at risk per region; 0.01 leaves
// room for a city a tenth the size and still catches a wrong definition
// (censoring counted as exits, the wrong region, days for months), each of
// which moves the figure by several hundredths.
const survivalTolerance = 0.01

// TestSurvivalFromRelease: a researcher computes Kaplan–Meier retention at
// 12 months by region (remote, developed) from the release's files alone,
// product-limit by hand over survival_spells and counties, and finds the
// snapshot's survival() macro to within survivalTolerance.
func TestSurvivalFromRelease(t *testing.T) {
	c := loadCity(t)
	out := t.TempDir()
	for _, asOf := range []time.Time{time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC), c.asOf} {
		res := c.write(t, out, "km-"+asOf.Format("20060102"), secretA, 5, asOf, false)
		fromRelease := releaseKM12(t, res.Dir)
		fromMacro := macroKM12(t, c.w, asOf)
		if len(fromMacro) != 2 || len(fromRelease) != 2 {
			t.Fatalf("regions: release %v, macro %v", fromRelease, fromMacro)
		}
		for region, want := range fromMacro {
			got, ok := fromRelease[region]
			if !ok || math.Abs(got-want) > survivalTolerance || got <= 0 || got >= 1 {
				t.Errorf("as of %s, %s: 12-month retention %.4f from the release, %.4f from survival()", asOf.Format(time.DateOnly), region, got, want)
			}
			t.Logf("as of %s, %s: 12-month retention %.4f from the release, %.4f from survival()", asOf.Format(time.DateOnly), region, got, want)
		}
	}
}

// releaseKM12 reads survival_spells and counties back and computes, per
// region, S(12 months) = product over months m < 12 of (1 − d_m / n_m),
// d_m the persons who left after m completed months, n_m those with at
// least m completed months (left or still observed).
func releaseKM12(t *testing.T, dir string) map[string]float64 {
	t.Helper()
	db := duck(t)
	rows, err := db.Query(fmt.Sprintf(`SELECT c.region, s.months_in_post, s.exited
		FROM read_parquet(%s) s JOIN read_parquet(%s) c USING (county_code)`,
		lit(filepath.Join(dir, "survival_spells.parquet")), lit(filepath.Join(dir, "counties.parquet"))))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	type spell struct {
		months int
		exited bool
	}
	byRegion := map[string][]spell{}
	for rows.Next() {
		var region string
		var s spell
		if err := rows.Scan(&region, &s.months, &s.exited); err != nil {
			t.Fatal(err)
		}
		byRegion[region] = append(byRegion[region], s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	out := map[string]float64{}
	for region, spells := range byRegion {
		s := 1.0
		for m := range 12 {
			var atRisk, left float64
			for _, sp := range spells {
				if sp.months >= m {
					atRisk++
				}
				if sp.months == m && sp.exited {
					left++
				}
			}
			if atRisk > 0 {
				s *= 1 - left/atRisk
			}
		}
		out[region] = s
	}
	return out
}

// macroKM12 is the survival() macro's S(t) per region at the last day
// before the 12-month mark (364 days: exits on day 365 or later are not
// before it).
func macroKM12(t *testing.T, w *warehouse.Warehouse, asOf time.Time) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	err := w.Reader().Each(context.Background(), `SELECT stratum, coalesce(arg_max(survival, day) FILTER (WHERE day <= 364), 1.0)
		FROM survival(as_of := CAST(? AS DATE)) WHERE stratum <> 'all' GROUP BY stratum`,
		[]any{asOf.Format(time.DateOnly)}, func(row warehouse.Row) error {
			var region string
			var s float64
			if err := row.Scan(&region, &s); err != nil {
				return err
			}
			out[region] = s
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestNoPostingNarrowedBelowK: as the attacker of issue 14 did, match every
// posting with the public village list on what the release says of its
// post (county, village kind, urban/rural class; a withheld value matches
// any): no posting is left with fewer than k candidate villages. And the
// only table naming villages is the village list itself, with no monthly
// figure per village to match start and end months against (postings
// carry none anyway).
func TestNoPostingNarrowedBelowK(t *testing.T) {
	c := loadCity(t)
	res := c.write(t, t.TempDir(), "linkage", secretA, 5, time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC), false)
	db := duck(t)
	villages := fmt.Sprintf("read_parquet(%s)", lit(filepath.Join(res.Dir, "villages.parquet")))
	q := `SELECT min(n), count(*) FROM (
		SELECT p.research_id, p.posting_no, count(*) AS n
		FROM ` + hive(res.Dir, "postings") + ` p JOIN ` + villages + ` v
		  ON v.county_code = p.county_code
		 AND (p.village_kind IS NULL OR p.village_kind = v.village_kind)
		 AND (p.urban_rural IS NULL OR p.urban_rural = CASE WHEN v.urban_rural_code LIKE '1%' THEN 'urban' WHEN v.urban_rural_code LIKE '2%' THEN 'rural' END)
		GROUP BY ALL)`
	var least, postings int64
	if err := db.QueryRow(q).Scan(&least, &postings); err != nil {
		t.Fatal(err)
	}
	if want := res.Tables["postings"]; postings != want || least < 5 {
		t.Errorf("%d of %d postings matched; the fewest candidate villages %d, want at least 5", postings, want, least)
	}
	t.Logf("%d postings, each matching at least %d villages", postings, least)
	m, err := export.ReadManifest(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Risk == nil || m.Risk.MinVillagesPerPosting != least {
		t.Errorf("the manifest's fewest villages per posting %+v, the attack found %d", m.Risk, least)
	}
	for _, tab := range m.Tables {
		if tab.Name == "villages" {
			continue
		}
		for _, col := range tab.Columns {
			if col.Name == "village_code" || col.Name == "township_code" && tab.Name != "quota" {
				t.Errorf("%s names villages or townships (%s)", tab.Name, col.Name)
			}
		}
	}
}
