package export

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// recodeCity is a second hand-made warehouse for the recoding rules, at
// k = 5. The remote county 140123 has ten persons, all in post since 2020
// by special introduction:
//
//	r1-r3 female 1990-1994 master      (3 at level 0)
//	r4-r5 female 1995-1999 doctorate   (2 at level 0)
//	r6-r10 male  1990-1994 master      (5)
//
// At level 0 five of ten are in groups under 5 (50%); at level 1 (birth
// 1990-1999, postgraduate) r1-r5 form one group of 5 and nobody is
// suppressed: the county is recoded, not suppressed. Its village list has
// five rural villages and one urban community: the community's cell has
// one village, so postings there show neither kind nor class.
//
// The developed county 140105 has five identical persons d1-d5 (female
// 1990, master, open recruitment, 2020) and d6 (male 1985 bachelor,
// replenishment, 2021, left in 2022), alone at every level: the county
// stays at level 0 (no level suppresses fewer) and d6 is suppressed.
func recodeCity() string {
	var b strings.Builder
	b.WriteString(`INSERT INTO dim_county VALUES ('140105', '小店区', 'developed'), ('140123', '娄烦县', 'remote');
INSERT INTO dim_township VALUES ('140105001', '坞城街道', 'street', '140105'), ('140123200', '杜交曲乡', 'township', '140123');
`)
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "INSERT INTO dim_village VALUES ('14010500100%d', '社区%d', 'community', '111', '140105001', '140105', NULL, NULL);\n", i, i)
		fmt.Fprintf(&b, "INSERT INTO dim_village VALUES ('14012320020%d', '村%d', 'village', '220', '140123200', '140123', NULL, NULL);\n", i, i)
	}
	b.WriteString("INSERT INTO dim_village VALUES ('140123200206', '新区社区', 'community', '111', '140123200', '140123', NULL, NULL);\n")
	person := func(key, gender string, birth int, degree, village, county, channel, start, end string) {
		fmt.Fprintf(&b, "INSERT INTO dim_person VALUES ('%s', '%s', %d, '%s', NULL, NULL, NULL);\n", key, gender, birth, degree)
		fmt.Fprintf(&b, "INSERT INTO fact_posting VALUES ('%s', '%s', '%s', '%s', '%s', NULL, 'township', DATE '%s', %s, %s, NULL);\n",
			key, village, village[:9], county, channel, start, end, map[bool]string{true: "'resigned'", false: "NULL"}[end != "NULL"])
	}
	for i := 1; i <= 10; i++ {
		gender, birth, degree := "male", 1991, "master"
		switch {
		case i <= 3:
			gender, birth = "female", 1990+i
		case i <= 5:
			gender, birth, degree = "female", 1992+i, "doctorate" // 1996, 1997
		}
		village := fmt.Sprintf("14012320020%d", (i-1)%6+1)
		person(fmt.Sprintf("r%d", i), gender, birth, degree, village, "140123", "special_intro", fmt.Sprintf("2020-%02d-01", i), "NULL")
	}
	for i := 1; i <= 5; i++ {
		person(fmt.Sprintf("d%d", i), "female", 1990, "master", fmt.Sprintf("14010500100%d", i), "140105", "open_recruit", fmt.Sprintf("2020-%02d-01", i+2), "NULL")
	}
	person("d6", "male", 1985, "bachelor", "140105001001", "140105", "replenish", "2021-04-01", "DATE '2022-03-31'")
	b.WriteString("INSERT INTO fact_role VALUES ('d6', '委员', 'committee', '140105001001', DATE '2021-06-01', DATE '2022-03-31');\n")
	b.WriteString("INSERT INTO fact_assessment VALUES ('d6', 2021, 'competent'), ('r1', 2020, 'excellent'), ('r1', 2021, 'excellent');\n")
	return b.String()
}

// TestRecodingBeforeSuppression: the remote county is recoded to level 1
// and nobody in it is suppressed; the developed county's lone person is
// suppressed and nothing in the person-level tables gives back his entry
// year (2021) or a month; the small village cell is withheld.
func TestRecodingBeforeSuppression(t *testing.T) {
	w := openTest(t)
	execTest(t, w, recodeCity())
	dir := t.TempDir()
	res, err := writeTables(t.Context(), w.Reader(), dir, tablesOptions{asOf: day("2022-12-31"), k: 5, researchID: testRID})
	if err != nil {
		t.Fatal(err)
	}
	db := memDB(t)
	persons := parquetRows(t, db, dir, "persons", "research_id, county_code, gender, birth_band, degree, entry_period, channel, recoding_level, qi_suppressed")
	want := []string{"Rd6|140105|∅|∅|∅|∅|∅|0|true"}
	for i := 1; i <= 5; i++ {
		want = append(want, fmt.Sprintf("Rd%d|140105|female|1990-1994|master|2020|open_recruit|0|false", i))
	}
	for i := 1; i <= 10; i++ {
		g := "male"
		if i <= 5 {
			g = "female"
		}
		want = append(want, fmt.Sprintf("Rr%d|140123|%s|1990-1999|postgraduate|2020|special_intro|1|false", i, g))
	}
	if !slices.Equal(sortedStrings(persons), sortedStrings(want)) {
		t.Errorf("persons:\n got %q\nwant %q", persons, want)
	}
	// The manifest's figures: 140105 one of six suppressed, 140123 none
	// (five of ten at level 0).
	wantCounties := []CountyRisk{
		{CountyCode: "140105", Persons: 6, RecodingLevel: 0, Suppressed: 1, Share: 0.1667, SuppressedAtLevel0: 1},
		{CountyCode: "140123", Persons: 10, RecodingLevel: 1, Suppressed: 0, Share: 0, SuppressedAtLevel0: 5},
	}
	if res.risk == nil || !slices.Equal(res.risk.Counties, wantCounties) {
		t.Fatalf("risk counties %+v, want %+v", res.risk, wantCounties)
	}
	// d6 is alone in his group: one record under k, and he is unique on
	// the whole key (nulls and all) as on county alone he is not.
	if res.risk.RecordsInGroupsUnderK != 1 || res.risk.UnsuppressedInGroupsUnderK != 0 {
		t.Errorf("records under k %d (unsuppressed %d), want 1 (0)", res.risk.RecordsInGroupsUnderK, res.risk.UnsuppressedInGroupsUnderK)
	}
	// 140105's postings match its 5 communities; 140123's show nothing
	// and match its 6 villages.
	if res.risk.MinVillagesPerPosting != 5 {
		t.Errorf("fewest villages per posting %d, want 5", res.risk.MinVillagesPerPosting)
	}
	for _, u := range res.risk.Unique {
		if len(u.QuasiIDs) == 1 && u.Unique != 0 {
			t.Errorf("%d unique on county alone", u.Unique)
		}
	}

	// Nothing beside d6's research_id says 2021, nor any month or date.
	for _, tab := range res.tables {
		if tab.partitionBy == "" {
			continue
		}
		var names []string
		for _, c := range tab.columns {
			names = append(names, c.name)
		}
		rows := parquetRows(t, db, dir, tab.name, strings.Join(names, ", "))
		if len(rows) == 0 {
			t.Errorf("%s: no rows", tab.name)
		}
		for _, row := range rows {
			if strings.HasPrefix(row, "Rd6|") && strings.Contains(row, "2021") {
				t.Errorf("%s gives back d6's entry year: %s", tab.name, row)
			}
		}
	}
	for _, tab := range res.tables {
		hasRID := false
		for _, c := range tab.columns {
			hasRID = hasRID || c.name == "research_id"
		}
		for _, c := range tab.columns {
			if hasRID && (c.typ == "DATE" || strings.Contains(c.name, "month") || c.name == "year") {
				t.Errorf("%s.%s is a date beside research_id", tab.name, c.name)
			}
		}
	}
	// d6's posting: channel nulled with him; 140105's communities shown,
	// 140123's withheld (its community cell has one village).
	postings := parquetRows(t, db, dir, "postings", "research_id, village_kind, urban_rural, channel, ended")
	for _, want := range []string{"Rd6|community|urban|∅|true", "Rd1|community|urban|open_recruit|false", "Rr6|∅|∅|special_intro|false", "Rr1|∅|∅|special_intro|false"} {
		if !slices.Contains(postings, want) {
			t.Errorf("postings lack %s: %q", want, postings)
		}
	}
}
