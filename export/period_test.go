package export

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// periodCity is a hand-made warehouse for complementary suppression on the
// entry period at k = 2, level 0 only, worked by hand. Everyone is in post
// in 140105 on 2022-12-31:
//
//	a1-a3 female 1990 master    open_recruit  2020
//	b1-b3 male   1985 bachelor  replenish     2021
//	x     male   1995 doctorate special_intro 2020
//
// x is alone: suppressed. Alone among the suppressed persons in post he
// would be unique on county and having left, so one person of a group in
// post that keeps 2 without him joins him: {a1-a3} and {b1-b3} both do;
// the tie goes by the groups' values (female before male): a1, first by
// person_key. Now the suppressed persons in post, x and a1, both entered
// in 2020; survival_spells says four persons in post entered in 2020 and
// three in 2021, a2 and a3 (2020) and b1-b3 (2021) are shown, so the two
// left over are of 2020: their period would be read back. One person in
// post of another period is suppressed with them: {b1-b3} keeps 2 without
// one, so only b1, first by person_key. Then the suppressed persons in
// post are of 2020 (two) and 2021 (one), and nothing is read back.
func periodCity() string {
	var b strings.Builder
	b.WriteString(`INSERT INTO dim_county VALUES ('140105', '小店区', 'developed');
INSERT INTO dim_township VALUES ('140105001', '坞城街道', 'street', '140105');
`)
	for i := 1; i <= 7; i++ {
		fmt.Fprintf(&b, "INSERT INTO dim_village VALUES ('14010500100%d', '社区%d', 'community', '111', '140105001', '140105', NULL, NULL);\n", i, i)
	}
	n := 0
	person := func(key, gender string, birth int, degree, channel, start string) {
		n++
		village := fmt.Sprintf("14010500100%d", n)
		fmt.Fprintf(&b, "INSERT INTO dim_person VALUES ('%s', '%s', %d, '%s', NULL, NULL, NULL);\n", key, gender, birth, degree)
		fmt.Fprintf(&b, "INSERT INTO fact_posting VALUES ('%s', '%s', '%s', '140105', '%s', NULL, 'township', DATE '%s', NULL, NULL, NULL);\n",
			key, village, village[:9], channel, start)
	}
	for i := 1; i <= 3; i++ {
		person(fmt.Sprintf("a%d", i), "female", 1990, "master", "open_recruit", "2020-03-01")
		person(fmt.Sprintf("b%d", i), "male", 1985, "bachelor", "replenish", "2021-03-01")
	}
	person("x", "male", 1995, "doctorate", "special_intro", "2020-04-01")
	return b.String()
}

// TestEntryPeriodComplement: complementary suppression on the entry period
// takes one person of another period, by person_key, from a group that
// keeps k; the manifest's risk counts the persons both complements took.
func TestEntryPeriodComplement(t *testing.T) {
	w := openTest(t)
	execTest(t, w, periodCity())
	dir := t.TempDir()
	res, err := writeTables(t.Context(), w.Reader(), dir, tablesOptions{asOf: day("2022-12-31"), k: 2, levels: 1, researchID: reversedRID})
	if err != nil {
		t.Fatal(err)
	}
	const nulls = "∅|∅|∅|∅|∅"
	want := []string{
		reversedRID("a1") + "|" + nulls + "|true",
		reversedRID("a2") + "|female|1990-1994|master|2020|open_recruit|false",
		reversedRID("a3") + "|female|1990-1994|master|2020|open_recruit|false",
		reversedRID("b1") + "|" + nulls + "|true",
		reversedRID("b2") + "|male|1985-1989|bachelor|2021|replenish|false",
		reversedRID("b3") + "|male|1985-1989|bachelor|2021|replenish|false",
		reversedRID("x") + "|" + nulls + "|true",
	}
	got := parquetRows(t, memDB(t), dir, "persons", "research_id, gender, birth_band, degree, entry_period, channel, qi_suppressed")
	if !slices.Equal(sortedStrings(got), sortedStrings(want)) {
		t.Errorf("persons:\n got %q\nwant %q", got, want)
	}
	wantCounty := CountyRisk{CountyCode: "140105", Persons: 7, RecodingLevel: 0, Suppressed: 3, Share: 0.4286, Complementary: 2, SuppressedAtLevel0: 3}
	if res.risk == nil || !slices.Equal(res.risk.Counties, []CountyRisk{wantCounty}) {
		t.Fatalf("risk counties %+v, want %+v", res.risk, wantCounty)
	}
	// survival_spells, by hand: seven persons in post, 33 completed months
	// for a1-a3 (2020-03-01 to 2022-12-31), 32 for x, 21 for b1-b3.
	spells := parquetRows(t, memDB(t), dir, "survival_spells", "county_code, months_in_post, exited")
	wantSpells := []string{"140105|21|false", "140105|21|false", "140105|21|false", "140105|32|false",
		"140105|33|false", "140105|33|false", "140105|33|false"}
	if !slices.Equal(spells, wantSpells) {
		t.Errorf("survival_spells %q, want %q", spells, wantSpells)
	}
}
