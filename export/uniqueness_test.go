package export_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/export"
)

// TestNoSmallGroupOnAnySubset: as an attacker who knows a neighbour's
// county and any of the other quasi-identifiers would, group the demo
// city's release (2022-12-31, k = 5) by county and every subset of
// gender, birth_band, degree, entry_period, channel and having left (a
// row in exits), nulls a value of their own, straight from the Parquet
// files: no group has fewer than k persons, so nobody is unique. The
// suppressed share of every county stays within the manifest's bound,
// and the manifest's own figures say the same.
func TestNoSmallGroupOnAnySubset(t *testing.T) {
	const k = 5
	c := loadCity(t)
	res := c.write(t, t.TempDir(), "subsets", secretA, k, time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC), false)
	db := duck(t)
	view := `CREATE TEMP VIEW released AS
		SELECT p.county_code, p.gender, p.birth_band, p.degree, p.entry_period, p.channel,
		       e.research_id IS NOT NULL AS exited, p.qi_suppressed
		FROM ` + hive(res.Dir, "persons") + ` p
		LEFT JOIN (SELECT DISTINCT research_id FROM ` + hive(res.Dir, "exits") + `) e ON e.research_id = p.research_id`
	if _, err := db.Exec(view); err != nil {
		t.Fatal(err)
	}
	persons := count(t, db, "SELECT count(*) FROM released")
	if persons == 0 || persons != res.Tables["persons"] {
		t.Fatalf("%d persons read back, the release has %d", persons, res.Tables["persons"])
	}
	if n := count(t, db, "SELECT count(*) FROM released WHERE exited"); n == 0 || n != res.Tables["exits"] {
		t.Fatalf("%d persons had left, exits has %d rows", n, res.Tables["exits"])
	}
	others := []string{"gender", "birth_band", "degree", "entry_period", "channel", "exited"}
	subsets := 0
	for mask := 0; mask < 1<<len(others); mask++ {
		cols := []string{"county_code"}
		for i, col := range others {
			if mask&(1<<i) != 0 {
				cols = append(cols, col)
			}
		}
		key := strings.Join(cols, ", ")
		var small, unique, groups int64
		q := fmt.Sprintf(`SELECT count(*) FILTER (WHERE n < %d), count(*) FILTER (WHERE n = 1), count(*)
			FROM (SELECT %s, count(*) AS n FROM released GROUP BY %s)`, k, key, key)
		if err := db.QueryRow(q).Scan(&small, &unique, &groups); err != nil {
			t.Fatal(err)
		}
		if groups == 0 {
			t.Fatalf("(%s): no groups", key)
		}
		if small != 0 || unique != 0 {
			t.Errorf("(%s): %d groups under k = %d, %d persons unique", key, small, k, unique)
		}
		subsets++
	}
	if subsets != 64 {
		t.Errorf("%d subsets checked, want 64", subsets)
	}

	m, err := export.ReadManifest(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Risk == nil {
		t.Fatal("the manifest has no risk")
	}
	if m.Risk.RecordsInGroupsUnderK != 0 || m.Risk.UnsuppressedInGroupsUnderK != 0 {
		t.Errorf("the manifest counts %d records in groups under k", m.Risk.RecordsInGroupsUnderK)
	}
	for _, u := range m.Risk.Unique {
		if u.Unique != 0 {
			t.Errorf("the manifest counts %d unique on %v", u.Unique, u.QuasiIDs)
		}
	}
	// county with every non-empty subset of the other six: 2^6 - 1.
	if len(m.Risk.Unique) != 63 {
		t.Errorf("the manifest has %d subsets, want 63", len(m.Risk.Unique))
	}

	// The suppressed share per county, counted from the files, within the
	// bound and as the manifest reports it.
	byCounty := map[string]export.CountyRisk{}
	for _, cr := range m.Risk.Counties {
		byCounty[cr.CountyCode] = cr
	}
	rows, err := db.Query(`SELECT county_code, count(*), count(*) FILTER (WHERE qi_suppressed) FROM released GROUP BY 1 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var all, suppressed int64
	for rows.Next() {
		var county string
		var n, s int64
		if err := rows.Scan(&county, &n, &s); err != nil {
			t.Fatal(err)
		}
		all, suppressed = all+n, suppressed+s
		cr, ok := byCounty[county]
		if !ok || cr.Persons != n || cr.Suppressed != s {
			t.Errorf("%s: %d persons, %d suppressed in the files; the manifest says %+v", county, n, s, cr)
		}
		if s*100 > n*int64(m.Risk.MaxSuppressedPct) {
			t.Errorf("%s: %d of %d suppressed, over %d%%", county, s, n, m.Risk.MaxSuppressedPct)
		}
		t.Logf("%s: %d persons, %d suppressed (%.1f%%, %d complementary), level %d, %d at level 0",
			county, n, s, float64(s)*100/float64(n), cr.Complementary, cr.RecodingLevel, cr.SuppressedAtLevel0)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if all != persons || len(byCounty) == 0 {
		t.Errorf("%d persons over the counties, %d in all; %d counties in the manifest", all, persons, len(byCounty))
	}
	t.Logf("%d of %d persons suppressed (%.1f%%)", suppressed, all, float64(suppressed)*100/float64(all))
}
