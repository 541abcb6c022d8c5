package audit_test

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/export/audit"
)

// The derivation fixture (k = 3): in county 100001, A is unsuppressed; B, C,
// D and F are suppressed (gender, birth_band, degree, entry_year null); E is
// unsuppressed with an unknown gender (a null that is no suppression). G is
// alone in county 100002, unsuppressed.
//
//	person  first posting  exit (month, months in post)  profiles.birth_band
//	B       2019-05        -                             1990-1994, 1995-1999 (two: no answer)
//	C       2021-01        2022-03, 14 (entry 2021-01 or 2020-12: no year)
//	D       2018-06        2020-06, 23 (entry 2018-07 or 2018-06: 2018)  1985-1989
//	F       2019-02        -
//
// So entry_year comes back for B, C, D, F (postings 4, exits 1) and
// birth_band for D. Put back: B and F share (null, null, null, 2019), a
// group of 2 < 3; C (2021) and D (1985-1989, 2018) are alone: 3 groups
// under k, 4 persons, 2 unique.
func derivationFixture() fixture {
	persons := values("research_id, gender, birth_band, degree, entry_year, channel, qi_suppressed, county_code",
		"('A', 'male', '1990-1994', 'master', 2020, 'open_recruit', false, '100001')",
		"('B', NULL, NULL, NULL, NULL::INTEGER, 'open_recruit', true, '100001')",
		"('C', NULL, NULL, NULL, NULL, 'open_recruit', true, '100001')",
		"('D', NULL, NULL, NULL, NULL, 'open_recruit', true, '100001')",
		"('E', NULL, '1990-1994', 'master', 2020, 'open_recruit', false, '100001')",
		"('F', NULL, NULL, NULL, NULL, 'open_recruit', true, '100001')",
		"('G', 'female', '1990-1994', 'master', 2020, 'open_recruit', false, '100002')")
	postings := values("research_id, village_kind, urban_rural, channel, start_month, end_month, county_code",
		"('A', 'village', 'rural', 'open_recruit', '2020-03', NULL, '100001')",
		"('B', 'village', 'rural', 'open_recruit', '2019-05', NULL, '100001')",
		"('C', 'village', 'rural', 'open_recruit', '2021-01', '2022-03', '100001')",
		"('D', 'village', 'rural', 'open_recruit', '2018-06', '2019-01', '100001')",
		"('D', 'village', 'rural', 'open_recruit', '2019-02', '2020-06', '100001')",
		"('E', 'village', 'rural', 'open_recruit', '2020-04', NULL, '100001')",
		"('F', 'village', 'rural', 'open_recruit', '2019-02', NULL, '100001')",
		"('G', 'village', 'rural', 'open_recruit', '2020-05', NULL, '100002')")
	exits := values("research_id, exit_month, end_reason, months_in_post, county_code",
		"('C', '2022-03', 'resigned', 14, '100001')", "('D', '2020-06', 'resigned', 23, '100001')")
	profiles := values("research_id, birth_band",
		"('B', '1990-1994')", "('B', '1995-1999')", "('D', '1985-1989')")
	counties := values("county_code, county_name, region", "('100001', '甲县', 'remote')", "('100002', '乙区', 'developed')")
	return fixture{
		k:   3,
		qis: []string{"county_code", "gender", "birth_band", "degree", "entry_year"},
		tables: map[string]string{"persons": persons, "postings": postings, "exits": exits, "profiles": profiles,
			"counties": counties, "villages": villages},
		hive: map[string]bool{"persons": true, "postings": true, "exits": true},
	}
}

func TestDerivation(t *testing.T) {
	rep := run(t, derivationFixture().write(t), 0)
	if rep.K != 3 || rep.Persons != 7 || rep.Unsuppressed != 3 {
		t.Errorf("k %d, persons %d, unsuppressed %d; want 3, 7, 3", rep.K, rep.Persons, rep.Unsuppressed)
	}
	want := map[string]audit.Derivation{
		"gender":     {Column: "gender", Suppressed: 4, Derivable: 0, Sources: map[string]int{}},
		"birth_band": {Column: "birth_band", Suppressed: 4, Derivable: 1, Sources: map[string]int{"profiles.birth_band": 1}},
		"degree":     {Column: "degree", Suppressed: 4, Derivable: 0, Sources: map[string]int{}},
		"entry_year": {Column: "entry_year", Suppressed: 4, Derivable: 4,
			Sources: map[string]int{"postings.start_month": 4, "exits.exit_month-months_in_post": 1}},
	}
	var cols []string
	for _, d := range rep.Derivation {
		cols = append(cols, d.Column)
		w, ok := want[d.Column]
		if !ok {
			t.Errorf("unexpected derivation %+v", d)
			continue
		}
		if d.Suppressed != w.Suppressed || d.Derivable != w.Derivable || !maps.Equal(d.Sources, w.Sources) {
			t.Errorf("%s: %+v, want %+v", d.Column, d, w)
		}
	}
	if len(cols) != len(want) {
		t.Errorf("derivations of %v, want those of gender, birth_band, degree, entry_year", cols)
	}
	if r := rep.Restored; r != (audit.Restored{Persons: 4, GroupsUnderK: 3, PersonsUnderK: 4, Unique: 2}) {
		t.Errorf("restored %+v, want 4 persons, 3 groups under k, 4 persons in them, 2 unique", r)
	}
}

// TestSuppressionShare: 4 of 6 in 甲县, 0 of 1 in 乙区.
func TestSuppressionShare(t *testing.T) {
	rep := run(t, derivationFixture().write(t), 0)
	want := []audit.CountySuppressed{
		{County: "100001", Name: "甲县", Region: "remote", Persons: 6, Suppressed: 4, Share: 4.0 / 6},
		{County: "100002", Name: "乙区", Region: "developed", Persons: 1, Suppressed: 0, Share: 0},
	}
	if !slices.EqualFunc(rep.Suppression, want, func(a, b audit.CountySuppressed) bool {
		return a.County == b.County && a.Name == b.Name && a.Region == b.Region && a.Persons == b.Persons &&
			a.Suppressed == b.Suppressed && math.Abs(a.Share-b.Share) < 1e-12
	}) {
		t.Errorf("suppression %+v, want %+v", rep.Suppression, want)
	}
	wantRegion := []audit.RegionSuppressed{
		{Region: "remote", Counties: 1, Persons: 6, Suppressed: 4, Share: 4.0 / 6},
		{Region: "developed", Counties: 1, Persons: 1, Suppressed: 0, Share: 0},
	}
	if !slices.Equal(rep.SuppressionByRegion, wantRegion) {
		t.Errorf("by region %+v, want %+v", rep.SuppressionByRegion, wantRegion)
	}
}

// The uniqueness fixture (k = 2): the manifest names gender alone; persons
// also carry channel; the postings give the first start and last end.
//
//	person  county  gender  channel        first    last end
//	p1      X       male    open_recruit   2020-01  - (open)
//	p2      X       male    open_recruit   2020-01  2021-06
//	p3      X       female  open_recruit   2020-01  -
//	p4      X       (supp.) special_intro  2020-03  -
//	p5      X       (supp.) open_recruit   2020-01  - (2020-01..06, then 2020-07 open)
//	p6      Y       male    open_recruit   2020-01  -
func uniquenessFixture() fixture {
	persons := values("research_id, gender, channel, qi_suppressed, county_code",
		"('p1', 'male', 'open_recruit', false, 'X')", "('p2', 'male', 'open_recruit', false, 'X')",
		"('p3', 'female', 'open_recruit', false, 'X')", "('p4', NULL, 'special_intro', true, 'X')",
		"('p5', NULL, 'open_recruit', true, 'X')", "('p6', 'male', 'open_recruit', false, 'Y')")
	postings := values("research_id, start_month, end_month, county_code",
		"('p1', '2020-01', NULL, 'X')", "('p2', '2020-01', '2021-06', 'X')", "('p3', '2020-01', NULL, 'X')",
		"('p4', '2020-03', NULL, 'X')", "('p5', '2020-01', '2020-06', 'X')", "('p5', '2020-07', NULL, 'X')",
		"('p6', '2020-01', NULL, 'Y')")
	return fixture{k: 2, qis: []string{"county_code", "gender"}, tables: map[string]string{"persons": persons, "postings": postings},
		hive: map[string]bool{"persons": true, "postings": true}}
}

func TestUniqueness(t *testing.T) {
	rep := run(t, uniquenessFixture().write(t), 0)
	u := rep.Uniqueness
	if !slices.Equal(u.Attributes, []string{"gender", "channel", "first_start_month", "last_end_month"}) {
		t.Fatalf("attributes %v", u.Attributes)
	}
	if len(u.Subsets) != 15 {
		t.Errorf("%d subsets, want 15", len(u.Subsets))
	}
	// Counted by hand from the table above: unique, under k, and the same
	// among the unsuppressed (p4 and p5 suppressed).
	want := map[string][4]int{
		"gender":                           {2, 2, 2, 2}, // p3, p6
		"channel":                          {2, 2, 1, 1}, // p4, p6
		"first_start_month":                {2, 2, 1, 1}, // p4, p6
		"last_end_month":                   {2, 2, 2, 2}, // p2, p6
		"gender+channel":                   {4, 4, 2, 2}, // p3, p4, p5, p6
		"gender+last_end_month":            {4, 4, 4, 4}, // p1, p2, p3, p6
		"gender+channel+first_start_month": {4, 4, 2, 2}, // p3, p4, p5, p6
		"gender+channel+last_end_month":    {6, 6, 4, 4},
		"gender+channel+first_start_month+last_end_month": {6, 6, 4, 4},
	}
	seen := 0
	for _, s := range u.Subsets {
		name := join(s.Attributes)
		if w, ok := want[name]; ok {
			seen++
			if g := [4]int{s.Unique, s.UnderK, s.UniqueUnsuppressed, s.UnderKUnsuppressed}; g != w {
				t.Errorf("%s: %v, want %v", name, g, w)
			}
		}
	}
	if seen != len(want) {
		t.Errorf("%d of the %d subsets checked found", seen, len(want))
	}
	if join(u.Worst.Attributes) != "gender+channel+last_end_month" || u.Worst.Unique != 6 {
		t.Errorf("worst %v with %d unique, want gender+channel+last_end_month with 6", u.Worst.Attributes, u.Worst.Unique)
	}
	// With k = 3 the group of p1 and p2 (gender alone: male in X) is under k.
	for _, s := range run(t, uniquenessFixture().write(t), 3).Uniqueness.Subsets {
		if join(s.Attributes) == "gender" && s.UnderK != 6 {
			t.Errorf("gender under k = 3: %d, want 6 (every group has fewer than 3)", s.UnderK)
		}
	}
}

func join(s []string) string { return strings.Join(s, "+") }
