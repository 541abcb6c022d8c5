package export

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// complementCity is a hand-made warehouse for complementary suppression at
// k = 5, worked by hand over the recoding levels 0-5 (the test writes it
// with those only: at level 8, county and having left, 140105 would need no
// suppression at all).
//
// 140105 (20 persons): c01-c10 male 1985 bachelor replenishment 2021 in
// post; e01-e09 female 1990 master open recruitment 2020, left in 2022;
// z male 1985 bachelor replenishment 2021, left in 2022. z is alone at
// every level (e* differ from him in gender and in degree, c* in having
// left), so he is suppressed, and alone among the suppressed persons who
// left he would be unique on county and having left. Four more who left
// are needed: {e01-e09} can give four and keep five, so e01-e04 (first by
// person_key) are suppressed with him. 5 of 20 at every level: level 0.
//
// 140123 (26 persons): a01-a20 female 1990 master open recruitment 2020
// in post; x female 1994 master 2020, left; y1-y5 female 1996 doctorate
// 2020, left. At level 0 x (1990-1994, master) is alone and the y (1995-
// 1999, doctorate) are five: first suppression takes 1 of 26 (3.8%), but
// x needs four more who left and the y cannot give four and keep five, so
// they go whole: 6 of 26 (23%), over 10%. At level 1 (1990-1999,
// postgraduate) x and the y are six and nobody is suppressed: level 1.
func complementCity() string {
	var b strings.Builder
	b.WriteString(`INSERT INTO dim_county VALUES ('140105', '小店区', 'developed'), ('140123', '娄烦县', 'remote');
INSERT INTO dim_township VALUES ('140105001', '坞城街道', 'street', '140105'), ('140123200', '杜交曲乡', 'township', '140123');
`)
	for i := 1; i <= 5; i++ {
		fmt.Fprintf(&b, "INSERT INTO dim_village VALUES ('14010500100%d', '社区%d', 'community', '111', '140105001', '140105', NULL, NULL);\n", i, i)
		fmt.Fprintf(&b, "INSERT INTO dim_village VALUES ('14012320020%d', '村%d', 'village', '220', '140123200', '140123', NULL, NULL);\n", i, i)
	}
	n := 0
	person := func(key, gender string, birth int, degree, county, channel, start, end string) {
		n++
		village := fmt.Sprintf("%s00100%d", county, n%5+1)
		if county == "140123" {
			village = fmt.Sprintf("14012320020%d", n%5+1)
		}
		fmt.Fprintf(&b, "INSERT INTO dim_person VALUES ('%s', '%s', %d, '%s', NULL, NULL, NULL);\n", key, gender, birth, degree)
		endSQL, reason := "NULL", "NULL"
		if end != "" {
			endSQL, reason = "DATE '"+end+"'", "'resigned'"
		}
		fmt.Fprintf(&b, "INSERT INTO fact_posting VALUES ('%s', '%s', '%s', '%s', '%s', NULL, 'township', DATE '%s', %s, %s, NULL);\n",
			key, village, village[:9], county, channel, start, endSQL, reason)
	}
	for i := 1; i <= 10; i++ {
		person(fmt.Sprintf("c%02d", i), "male", 1985, "bachelor", "140105", "replenish", "2021-03-01", "")
	}
	for i := 1; i <= 9; i++ {
		person(fmt.Sprintf("e%02d", i), "female", 1990, "master", "140105", "open_recruit", "2020-03-01", "2022-05-31")
	}
	person("z", "male", 1985, "bachelor", "140105", "replenish", "2021-03-01", "2022-05-31")
	for i := 1; i <= 20; i++ {
		person(fmt.Sprintf("a%02d", i), "female", 1990, "master", "140123", "open_recruit", "2020-03-01", "")
	}
	person("x", "female", 1994, "master", "140123", "open_recruit", "2020-04-01", "2022-06-30")
	for i := 1; i <= 5; i++ {
		person(fmt.Sprintf("y%d", i), "female", 1996, "doctorate", "140123", "open_recruit", "2020-05-01", "2022-06-30")
	}
	return b.String()
}

// reversedRID gives research_ids in the reverse order of the person_keys
// (of at most three characters), so a choice made by research_id would
// pick other persons than one made by person_key.
func reversedRID(k string) string {
	var b strings.Builder
	b.WriteString("R")
	for _, r := range k {
		b.WriteString(strconv.Itoa(999 - int(r)))
	}
	for range 3 - len(k) {
		b.WriteString("999")
	}
	return b.String()
}

// TestComplementarySuppression: the persons complementary suppression
// takes, chosen by person_key whatever the research_ids, and the level
// choice that counts them.
func TestComplementarySuppression(t *testing.T) {
	if !(reversedRID("e01") > reversedRID("e09")) {
		t.Fatal("reversedRID does not reverse")
	}
	w := openTest(t)
	execTest(t, w, complementCity())
	dir := t.TempDir()
	res, err := writeTables(t.Context(), w.Reader(), dir, tablesOptions{asOf: day("2022-12-31"), k: 5, levels: 6, researchID: reversedRID})
	if err != nil {
		t.Fatal(err)
	}
	db := memDB(t)
	got := parquetRows(t, db, dir, "persons", "research_id, county_code, gender, birth_band, degree, entry_period, channel, recoding_level, qi_suppressed")
	var want []string
	add := func(key, rest string) { want = append(want, reversedRID(key)+"|"+rest) }
	const nulls = "∅|∅|∅|∅|∅"
	for i := 1; i <= 10; i++ {
		add(fmt.Sprintf("c%02d", i), "140105|male|1985-1989|bachelor|2021|replenish|0|false")
	}
	for i := 1; i <= 9; i++ {
		if i <= 4 {
			add(fmt.Sprintf("e%02d", i), "140105|"+nulls+"|0|true")
		} else {
			add(fmt.Sprintf("e%02d", i), "140105|female|1990-1994|master|2020|open_recruit|0|false")
		}
	}
	add("z", "140105|"+nulls+"|0|true")
	for i := 1; i <= 20; i++ {
		add(fmt.Sprintf("a%02d", i), "140123|female|1990-1999|postgraduate|2020|open_recruit|1|false")
	}
	add("x", "140123|female|1990-1999|postgraduate|2020|open_recruit|1|false")
	for i := 1; i <= 5; i++ {
		add(fmt.Sprintf("y%d", i), "140123|female|1990-1999|postgraduate|2020|open_recruit|1|false")
	}
	if !slices.Equal(sortedStrings(got), sortedStrings(want)) {
		t.Errorf("persons:\n got %q\nwant %q", got, want)
	}
	wantCounties := []CountyRisk{
		{CountyCode: "140105", Persons: 20, RecodingLevel: 0, Suppressed: 5, Share: 0.25, Complementary: 4, SuppressedAtLevel0: 5},
		{CountyCode: "140123", Persons: 26, RecodingLevel: 1, Suppressed: 0, Share: 0, Complementary: 0, SuppressedAtLevel0: 6},
	}
	if res.risk == nil || !slices.Equal(res.risk.Counties, wantCounties) {
		t.Fatalf("risk counties %+v, want %+v", res.risk, wantCounties)
	}
	if res.risk.RecordsInGroupsUnderK != 0 {
		t.Errorf("%d records in groups under k, want 0", res.risk.RecordsInGroupsUnderK)
	}
	for _, u := range res.risk.Unique {
		if u.Unique != 0 {
			t.Errorf("%d unique on %v", u.Unique, u.QuasiIDs)
		}
	}
	// The suppressed persons' postings carry no channel either.
	postings := parquetRows(t, db, dir, "postings", "research_id, channel")
	for _, key := range []string{"z", "e01", "e04"} {
		if !slices.Contains(postings, reversedRID(key)+"|∅") {
			t.Errorf("%s's posting keeps its channel: %q", key, postings)
		}
	}
	if !slices.Contains(postings, reversedRID("e05")+"|open_recruit") {
		t.Errorf("e05's posting lost its channel: %q", postings)
	}
}
