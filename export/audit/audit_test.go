package audit_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/export/audit"
)

// The linkage fixture: county 100001 has townships T1 (villages V1, V2) and
// T2 (village V3, community V4), all villages rural (220) and the
// community urban (111); county 100002 has V5 (rural) in T3.
//
//	posting  person  kind/class       start    end      truly in
//	a        A       village/rural    2020-01  -        V1
//	b        B       village/rural    2020-01  2020-03  V2
//	c        C       community/urban  2020-02  -        V4
//	d        D       village/rural    2020-03  -        V3
//	e        E       village/rural    2020-02  2020-02  V1 (never in post at a month's end)
//	f        B       village/rural    2020-04  -        V5 (county 100002)
//
// Graduates in post at each month's end, 2020-01..04: V1 1 1 1 1, V2 1 1 0
// 0, V3 0 0 1 1, V4 0 1 1 1, V5 0 0 0 1.
var (
	villages = values("village_code, village_name, village_kind, urban_rural_code, township_code, township_name, county_code, established_month, dissolved_month",
		"('V1', '一村', 'village', '220', 'T1', '甲镇', '100001', NULL, NULL)",
		"('V2', '二村', 'village', '220', 'T1', '甲镇', '100001', NULL, NULL)",
		"('V3', '三村', 'village', '220', 'T2', '乙镇', '100001', NULL, NULL)",
		"('V4', '四社区', 'community', '111', 'T2', '乙镇', '100001', NULL, NULL)",
		"('V5', '五村', 'village', '220', 'T3', '丙镇', '100002', NULL, NULL)")
	postings = values("research_id, village_kind, urban_rural, channel, start_month, end_month, county_code",
		"('A', 'village', 'rural', 'open_recruit', '2020-01', NULL, '100001')",
		"('B', 'village', 'rural', 'open_recruit', '2020-01', '2020-03', '100001')",
		"('C', 'community', 'urban', 'open_recruit', '2020-02', NULL, '100001')",
		"('D', 'village', 'rural', 'open_recruit', '2020-03', NULL, '100001')",
		"('E', 'village', 'rural', 'open_recruit', '2020-02', '2020-02', '100001')",
		"('B', 'village', 'rural', 'open_recruit', '2020-04', NULL, '100002')")
	linkPersons = values("research_id, gender, channel, qi_suppressed, county_code",
		"('A', 'male', 'open_recruit', false, '100001')", "('B', 'male', 'open_recruit', false, '100001')",
		"('C', 'male', 'open_recruit', false, '100001')", "('D', 'male', 'open_recruit', false, '100001')",
		"('E', 'male', 'open_recruit', false, '100001')")
)

// villageCounts are the counts by village and month above, those of the
// masked villages null (a suppressed cell).
func villageCounts(masked ...string) string {
	counts := map[string][]int{"V1": {1, 1, 1, 1}, "V2": {1, 1, 0, 0}, "V3": {0, 0, 1, 1}, "V4": {0, 1, 1, 1}, "V5": {0, 0, 0, 1}}
	county := map[string]string{"V1": "100001", "V2": "100001", "V3": "100001", "V4": "100001", "V5": "100002"}
	var rows []string
	for _, v := range []string{"V1", "V2", "V3", "V4", "V5"} {
		for m, n := range counts[v] {
			cell := string(rune('0' + n))
			if slices.Contains(masked, v) {
				cell = "NULL"
			}
			rows = append(rows, "('2020-0"+string(rune('1'+m))+"', '"+v+"', '"+county[v]+"', "+cell+"::BIGINT)")
		}
	}
	return values("month, village_code, county_code, graduates_in_post", rows...)
}

func linkFixture(count map[string]string) fixture {
	tables := map[string]string{"villages": villages, "postings": postings, "persons": linkPersons}
	for k, v := range count {
		tables[k] = v
	}
	return fixture{k: 3, qis: []string{"county_code", "gender"}, tables: tables, hive: map[string]bool{"persons": true, "postings": true}}
}

func run(t *testing.T, dir string, k int) *audit.Report {
	t.Helper()
	rep, err := audit.Run(context.Background(), dir, audit.Options{K: k})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := rep.WriteText(&buf); err != nil {
		t.Fatal(err)
	}
	if buf.Len() == 0 {
		t.Fatal("empty text report")
	}
	return rep
}

// TestLinkageByVillage: with counts by village, postings b, c, d and f are
// pinned to their true village; a rose in V1 and V2 in 2020-01 (two
// candidates); e changed no count.
func TestLinkageByVillage(t *testing.T) {
	rep := run(t, linkFixture(map[string]string{"coverage_monthly": villageCounts()}).write(t), 0)
	l := rep.Linkage
	if l.CountTable != "coverage_monthly" || l.AreaColumn != "village_code" || l.CountColumn != "graduates_in_post" || l.Period != "month" {
		t.Errorf("count table %s.%s by %s and %s", l.CountTable, l.CountColumn, l.AreaColumn, l.Period)
	}
	if !slices.Equal(l.MatchedOn, []string{"village_kind", "urban_rural"}) {
		t.Errorf("matched on %v", l.MatchedOn)
	}
	want := audit.Linkage{Postings: 6, NarrowedBelowK: 5, Pinned: 4, NoCandidate: 1, PersonsBelowK: 4, PersonsPinned: 3}
	checkCounts(t, l, want)
	got := map[string]bool{}
	for _, p := range l.Pins {
		got[p.ResearchID+" "+p.Start+" "+p.End+" "+p.Village] = true
	}
	for _, w := range []string{"B 2020-01 2020-03 V2", "C 2020-02  V4", "D 2020-03  V3", "B 2020-04  V5"} {
		if !got[w] {
			t.Errorf("pin %q missing from %v", w, l.Pins)
		}
	}
	// k = 2: only the pinned are below k.
	checkCounts(t, run(t, linkFixture(map[string]string{"coverage_monthly": villageCounts()}).write(t), 2).Linkage,
		audit.Linkage{Postings: 6, NarrowedBelowK: 4, Pinned: 4, NoCandidate: 1, PersonsBelowK: 3, PersonsPinned: 3})
}

// TestLinkageByTownship: with counts by township only, T1 (V1+V2: 2 2 1 1)
// leaves a and b two villages; T2 (V3+V4: 0 1 2 2) still pins c (the only
// community) and d (the only rural village of T2); T3 pins f; e's T2 rose
// in 2020-02 but did not fall.
func TestLinkageByTownship(t *testing.T) {
	town := values("month, township_code, county_code, graduates_in_post",
		"('2020-01', 'T1', '100001', 2)", "('2020-02', 'T1', '100001', 2)", "('2020-03', 'T1', '100001', 1)", "('2020-04', 'T1', '100001', 1)",
		"('2020-02', 'T2', '100001', 1)", "('2020-03', 'T2', '100001', 2)", "('2020-04', 'T2', '100001', 2)", // T2's 2020-01 row absent: 0
		"('2020-01', 'T3', '100002', 0)", "('2020-02', 'T3', '100002', 0)", "('2020-03', 'T3', '100002', 0)", "('2020-04', 'T3', '100002', 1)")
	rep := run(t, linkFixture(map[string]string{"township_monthly": town}).write(t), 0)
	if rep.Linkage.CountTable != "township_monthly" || rep.Linkage.AreaColumn != "township_code" {
		t.Errorf("count table %s by %s", rep.Linkage.CountTable, rep.Linkage.AreaColumn)
	}
	checkCounts(t, rep.Linkage, audit.Linkage{Postings: 6, NarrowedBelowK: 5, Pinned: 3, NoCandidate: 1, PersonsBelowK: 4, PersonsPinned: 3})
	// Both tables: the finest (by village) is used.
	rep = run(t, linkFixture(map[string]string{"township_monthly": town, "coverage_monthly": villageCounts()}).write(t), 0)
	if rep.Linkage.CountTable != "coverage_monthly" || rep.Linkage.Pinned != 4 {
		t.Errorf("with both tables: %s, %d pinned", rep.Linkage.CountTable, rep.Linkage.Pinned)
	}
}

// TestLinkageByCountyYear: a count by county and year (2020 only: 3 in
// 100001 at the year's end — A, C, D — and 1 in 100002) rose in 2020 and
// never fell, so b and e, which ended in 2020, fit no village; a and d keep
// V1, V2 and V3; c and f stay pinned by their kind and county.
func TestLinkageByCountyYear(t *testing.T) {
	yearly := values("county_code, year, graduates_in_post", "('100001', 2020, 3)", "('100002', 2020, 1)")
	rep := run(t, linkFixture(map[string]string{"county_yearly": yearly}).write(t), 0)
	if l := rep.Linkage; l.CountTable != "county_yearly" || l.AreaColumn != "county_code" || l.Period != "year" {
		t.Errorf("count table %s by %s and %s", l.CountTable, l.AreaColumn, l.Period)
	}
	checkCounts(t, rep.Linkage, audit.Linkage{Postings: 6, NarrowedBelowK: 2, Pinned: 2, NoCandidate: 2, PersonsBelowK: 2, PersonsPinned: 2})
}

// TestLinkageWithoutCounts: no count table, so only county, kind and class
// narrow: c (the only community) and f (the only village of 100002) are
// pinned, the others have V1, V2 and V3.
func TestLinkageWithoutCounts(t *testing.T) {
	rep := run(t, linkFixture(nil).write(t), 0)
	if rep.Linkage.CountTable != "" || !strings.Contains(rep.Linkage.Note, "no area-by-period count table") {
		t.Errorf("count table %q, note %q", rep.Linkage.CountTable, rep.Linkage.Note)
	}
	checkCounts(t, rep.Linkage, audit.Linkage{Postings: 6, NarrowedBelowK: 2, Pinned: 2, NoCandidate: 0, PersonsBelowK: 2, PersonsPinned: 2})
	// A count by quarter, when postings give months only, cannot be used:
	// the same result, and the note says so.
	quarterly := values("township_code, quarter, graduates_in_post", "('T1', '2020-Q1', 1)", "('T2', '2020-Q1', 2)")
	rep = run(t, linkFixture(map[string]string{"township_quarterly": quarterly}).write(t), 0)
	if rep.Linkage.CountTable != "" || rep.Linkage.Note == "" {
		t.Errorf("quarterly counts with monthly postings: table %q, note %q", rep.Linkage.CountTable, rep.Linkage.Note)
	}
	checkCounts(t, rep.Linkage, audit.Linkage{Postings: 6, NarrowedBelowK: 2, Pinned: 2, NoCandidate: 0, PersonsBelowK: 2, PersonsPinned: 2})
}

// TestLinkageWithSuppressedCells: a null count may have changed either way,
// so it narrows nothing. V1 and V2 masked: a and b keep V1 and V2, d keeps
// V1, V2 and V3 (rose), e keeps V1 and V2; c and f stay pinned.
func TestLinkageWithSuppressedCells(t *testing.T) {
	rep := run(t, linkFixture(map[string]string{"coverage_monthly": villageCounts("V1", "V2")}).write(t), 0)
	checkCounts(t, rep.Linkage, audit.Linkage{Postings: 6, NarrowedBelowK: 5, Pinned: 2, NoCandidate: 0, PersonsBelowK: 4, PersonsPinned: 2})
}

func checkCounts(t *testing.T, got, want audit.Linkage) {
	t.Helper()
	g := [6]int{got.Postings, got.NarrowedBelowK, got.Pinned, got.NoCandidate, got.PersonsBelowK, got.PersonsPinned}
	w := [6]int{want.Postings, want.NarrowedBelowK, want.Pinned, want.NoCandidate, want.PersonsBelowK, want.PersonsPinned}
	if g != w {
		t.Errorf("postings, below k, pinned, no candidate, persons below k, persons pinned = %v, want %v", g, w)
	}
}

// TestNotARelease: no manifest, or no persons table, is ErrNotRelease.
func TestNotARelease(t *testing.T) {
	empty := t.TempDir()
	if _, err := audit.Run(context.Background(), empty, audit.Options{}); !errors.Is(err, audit.ErrNotRelease) {
		t.Errorf("empty folder: %v", err)
	}
	if _, err := audit.Run(context.Background(), filepath.Join(empty, "missing"), audit.Options{}); !errors.Is(err, audit.ErrNotRelease) {
		t.Errorf("missing folder: %v", err)
	}
	dir := fixture{k: 5, tables: map[string]string{"villages": villages}}.write(t)
	if _, err := audit.Run(context.Background(), dir, audit.Options{}); !errors.Is(err, audit.ErrNotRelease) {
		t.Errorf("no persons: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Run(context.Background(), dir, audit.Options{}); !errors.Is(err, audit.ErrNotRelease) {
		t.Errorf("bad manifest: %v", err)
	}
}

// TestLinkageWithoutMonths: the redesigned release's shape. Postings carry
// no month (posting_no, ended); coverage is by county and month; county
// 100001 withholds kind and class (null on every posting), so each of its
// five postings matches all four of its villages; 100002 shows them, and
// its one village takes B's second posting. At k = 3 only that one is
// below k, pinned.
func TestLinkageWithoutMonths(t *testing.T) {
	post := values("research_id, village_kind, urban_rural, channel, posting_no, ended, county_code",
		"('A', NULL, NULL, 'open_recruit', 1, false, '100001')", "('B', NULL, NULL, 'open_recruit', 1, true, '100001')",
		"('C', NULL, NULL, 'open_recruit', 1, false, '100001')", "('D', NULL, NULL, 'open_recruit', 1, false, '100001')",
		"('E', NULL, NULL, 'open_recruit', 1, true, '100001')", "('B', 'village', 'rural', 'open_recruit', 2, false, '100002')")
	cov := values("month, county_code, villages_in_universe, graduates_in_post",
		"('2020-01', '100001', 4, 2)", "('2020-02', '100001', 4, 4)", "('2020-04', '100002', 1, 1)")
	f := linkFixture(map[string]string{"coverage_monthly": cov})
	f.tables["postings"] = post
	rep := run(t, f.write(t), 0)
	l := rep.Linkage
	if l.CountTable != "" || !strings.Contains(l.Note, "coverage_monthly.graduates_in_post is by county_code and month") ||
		!strings.Contains(l.Note, "village_kind withheld") {
		t.Errorf("count table %q, note %q", l.CountTable, l.Note)
	}
	checkCounts(t, l, audit.Linkage{Postings: 6, NarrowedBelowK: 1, Pinned: 1, NoCandidate: 0, PersonsBelowK: 1, PersonsPinned: 1})
	if l.MinCandidates != 1 || len(l.Pins) != 1 || l.Pins[0].Village != "V5" {
		t.Errorf("fewest candidates %d, pins %v; want 1, B's posting in V5", l.MinCandidates, l.Pins)
	}
}
