package audit_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/grassroots-cn/grassroots/export/audit"
)

// The spells fixture (k = 2, release day 2020-12-31, the last day of its
// month, so a person still in post m months entered in December 2020 less m
// months). Persons carry no dates; survival_spells carries no research_id.
//
//	county  person  entry_period  suppressed  left  entered   months
//	X       A       2019-2020     no          no    2019-03   21
//	X       B       2019-2020     no          no    2020-05    7
//	X       C       -             yes         no    2019-11   13
//	X       D       -             yes         yes   -          5 (left)
//	X       E       2017-2018     no          no    2018-02   34
//	Y       F       2019          no          no    2019-06   18
//	Y       G       -             yes         no    2020-01   11
//	Y       H       2020          no          no    2020-07    5
//	Z       I       2020          no          no    2020-09    3
//	Z       J       -             yes         no    2020-02   10
//	Z       K       -             yes         no    2019-04   20
//
// X's spells in post fall in 2019-2020 three times and 2017-2018 once; the
// known persons in post take two and one: the one left, 2019-2020, is C's.
// Y's fall in 2019 once and 2020 twice, the known take one each: G's is
// 2020. Z's spell of 20 months (2019) matches no value Z releases, so the
// attack cannot map Z's spells: nothing. D has left: no spell gives D's.
func spellsFixture() fixture {
	persons := values("research_id, gender, entry_period, qi_suppressed, county_code",
		"('A', 'male', '2019-2020', false, 'X')", "('B', 'male', '2019-2020', false, 'X')",
		"('C', NULL, NULL, true, 'X')", "('D', NULL, NULL, true, 'X')", "('E', 'male', '2017-2018', false, 'X')",
		"('F', 'female', '2019', false, 'Y')", "('G', NULL, NULL, true, 'Y')", "('H', 'female', '2020', false, 'Y')",
		"('I', 'male', '2020', false, 'Z')", "('J', NULL, NULL, true, 'Z')", "('K', NULL, NULL, true, 'Z')")
	exits := values("research_id, end_reason, county_code", "('D', 'resigned', 'X')")
	spells := values("county_code, months_in_post, exited",
		"('X', 21, false)", "('X', 7, false)", "('X', 13, false)", "('X', 5, true)", "('X', 34, false)",
		"('Y', 18, false)", "('Y', 11, false)", "('Y', 5, false)",
		"('Z', 3, false)", "('Z', 10, false)", "('Z', 20, false)")
	return fixture{k: 2, qis: []string{"county_code", "gender", "entry_period", "exited"},
		tables: map[string]string{"persons": persons, "exits": exits, "survival_spells": spells},
		hive:   map[string]bool{"persons": true, "exits": true}}
}

func TestDerivationFromSpells(t *testing.T) {
	rep := run(t, spellsFixture().write(t), 0)
	var got *audit.Derivation
	for i, d := range rep.Derivation {
		if d.Column == "entry_period" {
			got = &rep.Derivation[i]
		}
	}
	if got == nil {
		t.Fatalf("no derivation of entry_period in %+v", rep.Derivation)
	}
	if got.Suppressed != 5 || got.Derivable != 2 || !maps.Equal(got.Sources, map[string]int{"survival_spells.months_in_post": 2}) {
		t.Errorf("entry_period: %d suppressed, %d derivable from %v; want 5, 2 from survival_spells.months_in_post", got.Suppressed, got.Derivable, got.Sources)
	}
	if want := map[string]string{"C": "2019-2020", "G": "2020"}; !maps.Equal(got.Values, want) {
		t.Errorf("values read back %v, want %v", got.Values, want)
	}
	// C and G put back are each alone in their group.
	if r := rep.Restored; r != (audit.Restored{Persons: 2, GroupsUnderK: 2, PersonsUnderK: 2, Unique: 2}) {
		t.Errorf("restored %+v, want 2 persons, 2 groups under k, 2 persons, 2 unique", r)
	}
	// exited is the manifest's, found in exits: D is the only one to have
	// left in X.
	if !slices.Equal(rep.Uniqueness.Attributes, []string{"gender", "entry_period", "exited"}) {
		t.Fatalf("attributes %v", rep.Uniqueness.Attributes)
	}
	for _, s := range rep.Uniqueness.Subsets {
		if join(s.Attributes) == "exited" && (s.Unique != 1 || s.UniqueUnsuppressed != 0) {
			t.Errorf("exited: %d unique (%d unsuppressed), want 1 (0): D", s.Unique, s.UniqueUnsuppressed)
		}
	}
}
