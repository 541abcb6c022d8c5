package export

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// exportCity is a small warehouse filled by hand: two counties, four
// villages, and persons built into k-anonymity groups (county_code, gender,
// birth_band, degree, entry_year):
//
//	G1 140105 female 1990-1994 master 2020: g1a g1b g1c g1d g1e  (5; g1e later moves to 140123)
//	G2 140105 male   1985-1989 bachelor 2021: g2a g2b             (2)
//	G3 140105 female 1995-1999 doctorate 2019: g3                 (1)
//	B1 140123 female 1990-1994 master 2020: b1                    (1: G1's attributes, another county)
//	B2 140123 male   (unknown) master 2021: b2 b3                 (2)
//
// "late" starts after the release day (2022-07-21) and "ghost" was never
// posted: neither is in the release.
const exportCity = `
INSERT INTO dim_county VALUES ('140105', '小店区', 'developed'), ('140123', '娄烦县', 'remote');
INSERT INTO dim_township VALUES ('140105001', '坞城街道', 'street', '140105'), ('140123200', '杜交曲乡', 'township', '140123');
INSERT INTO dim_village VALUES
  ('140105001001', '坞城社区', 'community', '111', '140105001', '140105', NULL, NULL),
  ('140105001002', '东关社区', 'community', '111', '140105001', '140105', NULL, NULL),
  ('140123200201', '王家村', 'village', '220', '140123200', '140123', NULL, NULL),
  ('140123200202', '李家村', 'village', '220', '140123200', '140123', DATE '2021-01-01', NULL);
INSERT INTO dim_person VALUES
  ('g1a', 'female', 1990, 'master', '山西大学', '农学', 'party_member'),
  ('g1b', 'female', 1991, 'master', '山西大学', '农学', NULL),
  ('g1c', 'female', 1992, 'master', NULL, NULL, NULL),
  ('g1d', 'female', 1994, 'master', NULL, NULL, NULL),
  ('g1e', 'female', 1993, 'master', NULL, NULL, NULL),
  ('g2a', 'male', 1985, 'bachelor', NULL, NULL, NULL),
  ('g2b', 'male', 1989, 'bachelor', NULL, NULL, NULL),
  ('g3', 'female', 1995, 'doctorate', '中北大学', '法学', NULL),
  ('b1', 'female', 1990, 'master', NULL, NULL, NULL),
  ('b2', 'male', NULL, 'master', NULL, NULL, NULL),
  ('b3', 'male', NULL, 'master', NULL, NULL, NULL),
  ('late', 'male', 1990, 'master', NULL, NULL, NULL),
  ('ghost', 'female', 1990, 'master', NULL, NULL, NULL);
INSERT INTO pii_person SELECT person_key, '某某某', '11010519491231002X', '13800000001' FROM dim_person;
INSERT INTO fact_posting VALUES
  ('g1a', '140105001001', '140105001', '140105', 'special_intro', 'direct', 'township', DATE '2020-03-01', NULL, NULL, '村党支部书记'),
  ('g1b', '140105001001', '140105001', '140105', 'open_recruit', 'direct', 'township', DATE '2020-05-01', DATE '2021-06-30', 'resigned', NULL),
  ('g1c', '140105001002', '140105001', '140105', 'open_recruit', NULL, 'township', DATE '2020-09-01', NULL, NULL, NULL),
  ('g1d', '140105001002', '140105001', '140105', 'open_recruit', NULL, 'county_pool', DATE '2020-12-01', NULL, NULL, NULL),
  ('g1e', '140105001001', '140105001', '140105', 'open_recruit', 'county_round', 'township', DATE '2020-01-15', DATE '2022-01-31', 'transferred', NULL),
  ('g1e', '140123200201', '140123200', '140123', 'open_recruit', 'city_round', 'township', DATE '2022-02-01', NULL, NULL, NULL),
  ('g2a', '140105001002', '140105001', '140105', 'open_recruit', NULL, 'township', DATE '2021-03-01', NULL, NULL, NULL),
  ('g2b', '140105001001', '140105001', '140105', 'open_recruit', NULL, 'township', DATE '2021-04-01', DATE '2022-09-30', 'resigned', NULL),
  ('g3', '140105001001', '140105001', '140105', 'replenish', NULL, 'township', DATE '2019-08-01', DATE '2021-03-31', 'civil_service', NULL),
  ('b1', '140123200201', '140123200', '140123', 'special_intro', NULL, 'township', DATE '2020-06-01', NULL, NULL, NULL),
  ('b2', '140123200202', '140123200', '140123', 'open_recruit', NULL, 'township', DATE '2021-05-01', NULL, NULL, NULL),
  ('b3', '140123200201', '140123200', '140123', 'open_recruit', NULL, 'township', DATE '2021-07-01', NULL, NULL, NULL),
  ('late', '140123200202', '140123200', '140123', 'open_recruit', NULL, 'township', DATE '2022-08-01', NULL, NULL, NULL);
INSERT INTO fact_role VALUES
  ('g2a', '党支部书记', 'secretary', '140105001002', DATE '2021-06-01', NULL),
  ('g1e', '副乡长', 'township_leadership', NULL, DATE '2022-03-01', NULL),
  ('g1a', '委员', 'committee', '140105001001', DATE '2021-05-01', DATE '2022-06-30'),
  ('g1a', '村委会主任', 'committee', '140105001001', DATE '2022-08-01', NULL),
  ('late', '委员', 'committee', '140123200202', DATE '2022-01-01', NULL);
INSERT INTO fact_assessment VALUES
  ('g1a', 2020, 'excellent'), ('g1a', 2021, 'competent'), ('g1a', 2022, 'excellent'), ('g1a', 2023, 'competent'),
  ('g1e', 2021, 'competent'), ('g1e', 2022, 'excellent');
INSERT INTO fact_quota VALUES
  ('140105', '140105001', 2021, 5, NULL), ('140105', NULL, 2021, NULL, 2), ('140105', '140105001', 2023, 6, NULL);
`

// testRID is the research_id used by the tests here: readable, and never a person_key.
func testRID(k string) string { return "R" + k }

// openTest opens an empty warehouse in a temporary folder.
func openTest(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "warehouse.duckdb")
	w, err := warehouse.Open(context.Background(), path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w
}

// execTest runs statements on the warehouse.
func execTest(t *testing.T, w *warehouse.Warehouse, q string) {
	t.Helper()
	ctx := context.Background()
	s, err := w.Reader().Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Exec(ctx, q); err != nil {
		t.Fatal(err)
	}
}

// queryInt runs a query returning one integer on the warehouse.
func queryInt(t *testing.T, w *warehouse.Warehouse, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := w.Reader().Scan(context.Background(), q, args, &n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// memDB opens an in-memory DuckDB for reading files back, apart from the
// warehouse.
func memDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func day(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// tablesTest writes the tables of the hand-built city as of 2022-07-21.
//
// The city is worked by hand over the recoding levels 0-5 (the levels
// before degree, channel and entry period could be withheld), so that its
// tests keep exercising suppression and complementary suppression, which
// the levels 6-8 would make unnecessary in so small a city; tablesTestAll
// writes it with every level.
func tablesTest(t *testing.T, k int) (*warehouse.Warehouse, string, *written) {
	t.Helper()
	return tablesTestLevels(t, k, 6)
}

// tablesTestAll writes the hand-built city's release with every recoding level.
func tablesTestAll(t *testing.T, k int) (*warehouse.Warehouse, string, *written) {
	t.Helper()
	return tablesTestLevels(t, k, 0)
}

func tablesTestLevels(t *testing.T, k, levels int) (*warehouse.Warehouse, string, *written) {
	t.Helper()
	w := openTest(t)
	execTest(t, w, exportCity)
	dir := t.TempDir()
	res, err := writeTables(context.Background(), w.Reader(), dir, tablesOptions{asOf: day("2022-07-21"), k: k, levels: levels, researchID: testRID})
	if err != nil {
		t.Fatal(err)
	}
	return w, dir, res
}

// parquetRows reads a release table back as text rows (null = "∅"), in file order.
func parquetRows(t *testing.T, db *sql.DB, dir, table, cols string) []string {
	t.Helper()
	src := fmt.Sprintf("read_parquet('%s', hive_partitioning = true, hive_types = {'county_code': VARCHAR})", filepath.Join(dir, table, "*", "*.parquet"))
	if _, err := os.Stat(filepath.Join(dir, table+".parquet")); err == nil {
		src = fmt.Sprintf("read_parquet('%s')", filepath.Join(dir, table+".parquet"))
	}
	rows, err := db.Query(fmt.Sprintf("SELECT concat_ws('|', %s) FROM (SELECT %s FROM %s)",
		strings.Join(slices.Collect(func(yield func(string) bool) {
			for c := range strings.SplitSeq(cols, ",") {
				if !yield(fmt.Sprintf("coalesce(CAST(%s AS VARCHAR), '∅')", strings.TrimSpace(c))) {
					return
				}
			}
		}), ", "), cols, src))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func sortedStrings(s []string) []string { slices.Sort(s); return s }

// TestKAnonymity: which persons lose their quasi-identifiers at k = 2
// and k = 5, at which recoding level, and how many cells that is per
// column. The group key is (county_code, gender, birth_band, degree,
// entry_period, channel, exited); g1b and g3 had left by the release day.
//
// At k = 2, worked by hand: in 140105 (8 persons, so no suppression at all
// is within 10%) levels 0-2 leave g1a, g1b and g3 alone; level 3 (entry
// 2019-2020) puts g1b with g3, and only g1a (the county's one
// special_intro) stays alone up to level 5, so level 3 is the lowest of
// the fewest. In 140123 b1 is alone at every level: level 0.
//
// Complementary suppression, by hand: a suppressed person still shows the
// county and whether the person had left, so g1a alone among 140105's
// suppressed persons in post would be unique on them. One person of the
// smallest group in post that keeps k = 2 after giving one is suppressed
// with him: {g1c, g1d, g1e} (3 >= 2 + 1; {g2a, g2b} would fall to 1), and
// of it the first by person_key, g1c.
//
// Complementary suppression on the entry period, by hand: survival_spells
// gives 140105's six persons in post as four who entered in 2020 and two
// in 2021; g1d, g1e (2019-2020) and g2a, g2b (2021-2022) are shown, so the
// suppressed g1a and g1c are two of 2019-2020, their period read back. One
// person in post of another period must be suppressed with them: the only
// group, {g2a, g2b}, cannot give one and keep 2, so it goes whole. Levels
// 0-2 thus suppress g1a, g1b, g3, g1c, g2a and g2b (6), levels 3-5 g1a,
// g1c, g2a and g2b (4): level 3 stays the lowest of the fewest.
// In 140123 b1 needs one more and the only group of persons in post,
// {b2, b3}, cannot give one and keep 2: it is suppressed whole.
func TestKAnonymity(t *testing.T) {
	level0 := map[string]string{ // research_id -> county|gender|birth_band|degree|entry_period|channel|level
		"Rb1": "140123|female|1990-1994|master|2020|special_intro|0",
		"Rb2": "140123|male|∅|master|2021|open_recruit|0",
		"Rb3": "140123|male|∅|master|2021|open_recruit|0",
	}
	level3 := map[string]string{
		"Rg1a": "140105|female|1990-1999|postgraduate|2019-2020|special_intro|3",
		"Rg1b": "140105|female|1990-1999|postgraduate|2019-2020|other|3",
		"Rg1c": "140105|female|1990-1999|postgraduate|2019-2020|other|3",
		"Rg1d": "140105|female|1990-1999|postgraduate|2019-2020|other|3",
		"Rg1e": "140105|female|1990-1999|postgraduate|2019-2020|other|3",
		"Rg2a": "140105|male|1980-1989|bachelor|2021-2022|other|3",
		"Rg2b": "140105|male|1980-1989|bachelor|2021-2022|other|3",
		"Rg3":  "140105|female|1990-1999|postgraduate|2019-2020|other|3",
	}
	// At k = 5 no level gives any group of 5: everyone is suppressed, at
	// level 0 (the lowest of the fewest).
	k5 := map[string]string{
		"Rg1a": "140105|female|1990-1994|master|2020|special_intro|0",
		"Rg1b": "140105|female|1990-1994|master|2020|open_recruit|0",
		"Rg1c": "140105|female|1990-1994|master|2020|open_recruit|0",
		"Rg1d": "140105|female|1990-1994|master|2020|open_recruit|0",
		"Rg1e": "140105|female|1990-1994|master|2020|open_recruit|0",
		"Rg2a": "140105|male|1985-1989|bachelor|2021|open_recruit|0",
		"Rg2b": "140105|male|1985-1989|bachelor|2021|open_recruit|0",
		"Rg3":  "140105|female|1995-1999|doctorate|2019|replenish|0",
	}
	maps.Copy(k5, level0)
	k2 := maps.Clone(level0)
	maps.Copy(k2, level3)
	for _, tc := range []struct {
		k          int
		persons    map[string]string
		suppressed []string
		cells      map[string]int64
	}{
		// b2 and b3 have no birth year: their null band is not counted as suppressed.
		{2, k2, []string{"Rg1a", "Rg1c", "Rg2a", "Rg2b", "Rb1", "Rb2", "Rb3"}, map[string]int64{"gender": 7, "birth_band": 5, "degree": 7, "entry_period": 7, "channel": 7}},
		// b2 and b3 have no birth year: their null band is not counted as suppressed.
		{5, k5, slices.Collect(maps.Keys(k5)), map[string]int64{"gender": 11, "birth_band": 9, "degree": 11, "entry_period": 11, "channel": 11}},
	} {
		t.Run(fmt.Sprint("k=", tc.k), func(t *testing.T) {
			_, dir, res := tablesTest(t, tc.k)
			if !maps.Equal(res.suppressed, tc.cells) {
				t.Errorf("suppressed cells %v, want %v", res.suppressed, tc.cells)
			}
			if res.persons != 11 {
				t.Errorf("%d persons, want 11", res.persons)
			}
			var want []string
			for id, v := range tc.persons {
				f := strings.Split(v, "|")
				if slices.Contains(tc.suppressed, id) {
					f[1], f[2], f[3], f[4], f[5] = "∅", "∅", "∅", "∅", "∅"
				}
				want = append(want, id+"|"+strings.Join(f, "|")+"|"+fmt.Sprint(slices.Contains(tc.suppressed, id)))
			}
			got := parquetRows(t, memDB(t), dir, "persons", "research_id, county_code, gender, birth_band, degree, entry_period, channel, recoding_level, qi_suppressed")
			if !reflect.DeepEqual(sortedStrings(got), sortedStrings(want)) {
				t.Errorf("persons:\n got %q\nwant %q", got, want)
			}
		})
	}
}

// TestKAnonymityAllLevels: the hand-built city with every recoding level,
// worked by hand. Level 6 withholds the degree, 7 the channel, 8 the entry
// period (the key is then county and having left).
//
// At k = 2, 140105 (8 persons): up to level 6 g1a (the one special_intro)
// is alone, with complementary suppression 2 of 8 (25%); at level 7 the
// groups are {g1a, g1c, g1d, g1e} (2019-2020, in post), {g2a, g2b}
// (2021-2022, in post), {g1b, g3} (2019-2020, left): nobody suppressed,
// level 7. 140123 (b1 female special_intro 2020, b2 and b3 male
// open_recruit 2021, all in post): b1 is alone while the entry period is
// shown (levels 0-7); at level 8 the three are one group: level 8.
//
// At k = 5, 140105: at level 7 the groups in post hold 4 and 2, so 8 are
// suppressed; at level 8 the six in post are one group and only g1b and
// g3, who left, are two: they are suppressed and nobody who left is left
// to join them (2 of 8, the fewest; over 10%, nothing does better).
// 140123: three persons, suppressed at every level: level 0.
func TestKAnonymityAllLevels(t *testing.T) {
	const nulls = "∅|∅|∅|∅|∅"
	for _, tc := range []struct {
		k       int
		persons []string // research_id|county|gender|birth_band|degree|entry_period|channel|level|suppressed
		cells   map[string]int64
	}{
		{2, []string{
			"Rb1|140123|" + nulls + "|8|false", "Rb2|140123|" + nulls + "|8|false", "Rb3|140123|" + nulls + "|8|false",
			"Rg1a|140105|∅|∅|∅|2019-2020|∅|7|false", "Rg1b|140105|∅|∅|∅|2019-2020|∅|7|false",
			"Rg1c|140105|∅|∅|∅|2019-2020|∅|7|false", "Rg1d|140105|∅|∅|∅|2019-2020|∅|7|false",
			"Rg1e|140105|∅|∅|∅|2019-2020|∅|7|false", "Rg2a|140105|∅|∅|∅|2021-2022|∅|7|false",
			"Rg2b|140105|∅|∅|∅|2021-2022|∅|7|false", "Rg3|140105|∅|∅|∅|2019-2020|∅|7|false",
		}, map[string]int64{"gender": 0, "birth_band": 0, "degree": 0, "entry_period": 0, "channel": 0}},
		// b2 and b3 have no birth year: their null band is not counted as
		// suppressed; g1b and g3 have nothing left to null at level 8.
		{5, []string{
			"Rb1|140123|" + nulls + "|0|true", "Rb2|140123|" + nulls + "|0|true", "Rb3|140123|" + nulls + "|0|true",
			"Rg1a|140105|" + nulls + "|8|false", "Rg1b|140105|" + nulls + "|8|true", "Rg1c|140105|" + nulls + "|8|false",
			"Rg1d|140105|" + nulls + "|8|false", "Rg1e|140105|" + nulls + "|8|false", "Rg2a|140105|" + nulls + "|8|false",
			"Rg2b|140105|" + nulls + "|8|false", "Rg3|140105|" + nulls + "|8|true",
		}, map[string]int64{"gender": 3, "birth_band": 1, "degree": 3, "entry_period": 3, "channel": 3}},
	} {
		t.Run(fmt.Sprint("k=", tc.k), func(t *testing.T) {
			_, dir, res := tablesTestAll(t, tc.k)
			if !maps.Equal(res.suppressed, tc.cells) {
				t.Errorf("suppressed cells %v, want %v", res.suppressed, tc.cells)
			}
			got := parquetRows(t, memDB(t), dir, "persons", "research_id, county_code, gender, birth_band, degree, entry_period, channel, recoding_level, qi_suppressed")
			if !slices.Equal(sortedStrings(got), sortedStrings(tc.persons)) {
				t.Errorf("persons:\n got %q\nwant %q", got, tc.persons)
			}
			// At level 7 and above no posting shows a channel.
			for _, p := range parquetRows(t, memDB(t), dir, "postings", "research_id, channel") {
				if !strings.HasSuffix(p, "|∅") {
					t.Errorf("posting %s shows a channel", p)
				}
			}
		})
	}
}

// TestTables checks every table's rows on the hand-built city, the
// files and types, and that nothing personal is selected.
func TestTables(t *testing.T) {
	w, dir, res := tablesTest(t, 2)
	db := memDB(t)
	if got := res.asOf.Format(time.DateOnly); got != "2022-07-21" {
		t.Errorf("as_of %s", got)
	}
	var files []string
	for _, f := range res.files {
		files = append(files, fmt.Sprintf("%s %d", f.path, f.rows))
	}
	wantFiles := []string{
		"persons/county_code=140105/data_0.parquet 8", "persons/county_code=140123/data_0.parquet 3",
		"postings/county_code=140105/data_0.parquet 8", "postings/county_code=140123/data_0.parquet 4",
		"roles/county_code=140105/data_0.parquet 2", "roles/county_code=140123/data_0.parquet 1",
		"assessments.parquet 4",
		"exits/county_code=140105/data_0.parquet 2",
		"survival_spells.parquet 11",
		"counties.parquet 2", "villages.parquet 4", "coverage_monthly.parquet 72", "quota.parquet 2",
	}
	if !slices.Equal(files, wantFiles) {
		t.Errorf("files:\n got %q\nwant %q", files, wantFiles)
	}
	var onDisk []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			onDisk = append(onDisk, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var written []string
	for _, f := range res.files {
		written = append(written, f.path)
	}
	if !slices.Equal(sortedStrings(onDisk), sortedStrings(written)) {
		t.Errorf("on disk %q, reported %q", onDisk, written)
	}

	cases := []struct {
		table, cols string
		want        []string
	}{
		// At k = 2 140105 is at recoding level 3 (channel special_intro or
		// other) and g1a is suppressed, with g1c by complementary
		// suppression; in 140123 (level 0) b1 is, with b2 and b3 (see
		// TestKAnonymity): their postings' channel is null. Every
		// (kind, urban/rural) cell of both counties' village lists has 2
		// villages: shown. No dates, only whether a posting had ended.
		{"postings", "research_id, county_code, village_kind, urban_rural, channel, selection_round, quota_source, posting_no, ended, end_reason", []string{
			"Rb1|140123|village|rural|∅|∅|township|1|false|∅",
			"Rb2|140123|village|rural|∅|∅|township|1|false|∅",
			"Rb3|140123|village|rural|∅|∅|township|1|false|∅",
			"Rg1a|140105|community|urban|∅|direct|township|1|false|∅",
			"Rg1b|140105|community|urban|other|direct|township|1|true|resigned",
			"Rg1c|140105|community|urban|∅|∅|township|1|false|∅",
			"Rg1d|140105|community|urban|other|∅|county_pool|1|false|∅",
			"Rg1e|140105|community|urban|other|county_round|township|1|true|transferred",
			"Rg1e|140123|village|rural|other|city_round|township|2|false|∅",
			// g2a and g2b are suppressed by complementary suppression on the
			// entry period (see TestKAnonymity): no channel.
			"Rg2a|140105|community|urban|∅|∅|township|1|false|∅",
			// ends 2022-09-30, after the release day: still in post then
			"Rg2b|140105|community|urban|∅|∅|township|1|false|∅",
			"Rg3|140105|community|urban|other|∅|township|1|true|civil_service",
		}},
		// g1a's second role starts after the release day; "late" is not in the release.
		{"roles", "research_id, county_code, role_category, ended", []string{
			"Rg1a|140105|committee|true",
			"Rg1e|140123|township_leadership|false",
			"Rg2a|140105|secretary|false",
		}},
		// Counts per county, year and grade; g1e's 2022 in 140123, where
		// the latest posting begun by the release day is.
		{"assessments", "county_code, year, grade, persons", []string{
			"140105|2020|excellent|1", "140105|2021|competent|2", "140105|2022|excellent|1", "140123|2022|excellent|1",
		}},
		{"exits", "research_id, county_code, end_reason", []string{
			"Rg1b|140105|resigned",
			"Rg3|140105|civil_service",
		}},
		// Completed months from entry to the last end (exited) or to
		// 2022-07-21, counted by hand from the fixture's dates.
		{"survival_spells", "county_code, months_in_post, exited", []string{
			"140105|28|false", // g1a 2020-03-01
			"140105|13|true",  // g1b 2020-05-01 to 2021-06-30
			"140105|22|false", // g1c 2020-09-01
			"140105|19|false", // g1d 2020-12-01
			"140105|30|false", // g1e 2020-01-15, first posting in 140105
			"140105|16|false", // g2a 2021-03-01
			"140105|15|false", // g2b 2021-04-01, ends after the release day
			"140105|19|true",  // g3 2019-08-01 to 2021-03-31
			"140123|25|false", // b1 2020-06-01
			"140123|14|false", // b2 2021-05-01
			"140123|12|false", // b3 2021-07-01
		}},
		{"counties", "county_code, county_name, region", []string{"140105|小店区|developed", "140123|娄烦县|remote"}},
		{"villages", "village_code, village_name, village_kind, urban_rural_code, township_code, township_name, county_code, established_month, dissolved_month", []string{
			"140105001001|坞城社区|community|111|140105001|坞城街道|140105|∅|∅",
			"140105001002|东关社区|community|111|140105001|坞城街道|140105|∅|∅",
			"140123200201|王家村|village|220|140123200|杜交曲乡|140123|∅|∅",
			"140123200202|李家村|village|220|140123200|杜交曲乡|140123|2021-01|∅",
		}},
		{"quota", "county_code, township_code, year, township_quota, county_pool", []string{
			"140105|∅|2021|∅|2", "140105|140105001|2021|5|∅",
		}},
	}
	for _, c := range cases {
		got := parquetRows(t, db, dir, c.table, c.cols)
		if !slices.Equal(sortedStrings(got), sortedStrings(slices.Clone(c.want))) {
			t.Errorf("%s:\n got %q\nwant %q", c.table, got, c.want)
		}
	}

	// Survival spells are in their own values' order, so the row order
	// says nothing about the persons.
	if sp := parquetRows(t, db, dir, "survival_spells", "county_code, months_in_post, exited"); !slices.IsSorted(sp) {
		t.Errorf("survival_spells not in value order: %q", sp)
	}

	// Coverage: 36 months (2019-08 … 2022-07) × 2 counties; spot checks.
	cov := parquetRows(t, db, dir, "coverage_monthly", "month, measured_on, county_code, villages_in_universe, villages_covered, graduates_in_post")
	for _, want := range []string{
		"2019-08|2019-08-31|140105|2|1|1", // g3
		"2019-08|2019-08-31|140123|1|0|0", // 李家村 not established yet
		"2021-06|2021-06-30|140105|2|2|6", // g1a, g1e, g2b; g1c, g1d, g2a (g1b left on the 30th)
		"2021-06|2021-06-30|140123|2|2|2", // b1; b2
		"2022-07|2022-07-21|140105|2|2|5", // g1a, g2b; g1c, g1d, g2a
		"2022-07|2022-07-21|140123|2|2|4", // g1e, b1, b3; b2 ("late" starts in August)
	} {
		if !slices.Contains(cov, want) {
			t.Errorf("coverage_monthly lacks %s", want)
		}
	}
	if len(cov) != 72 || cov[0] != "2019-08|2019-08-31|140105|2|1|1" || cov[len(cov)-1] != "2022-07|2022-07-21|140123|2|2|4" {
		t.Errorf("coverage_monthly: %d rows, not in month, county order: first %s, last %s", len(cov), cov[0], cov[len(cov)-1])
	}
	// The release's coverage on its day is the coverage() macro's.
	var macroCovered, macroGrads int64
	if err := w.Reader().Scan(context.Background(), "SELECT covered, graduates_in_post FROM coverage('2022-07-21') WHERE level = 'city'", nil, &macroCovered, &macroGrads); err != nil {
		t.Fatal(err)
	}
	covFile := filepath.Join(dir, "coverage_monthly.parquet")
	if n := queryInt(t, w, fmt.Sprintf("SELECT sum(villages_covered) FROM read_parquet('%s') WHERE month = '2022-07'", covFile)); n != macroCovered {
		t.Errorf("covered villages on the release day %d, coverage() says %d", n, macroCovered)
	}
	if n := queryInt(t, w, fmt.Sprintf("SELECT sum(graduates_in_post) FROM read_parquet('%s') WHERE month = '2022-07'", covFile)); n != macroGrads {
		t.Errorf("graduates in post on the release day %d, coverage() says %d", n, macroGrads)
	}

	// Types and column order as a reader sees them.
	types := map[string]string{}
	for _, tab := range res.tables {
		var cols []string
		for _, c := range tab.columns {
			cols = append(cols, c.name+" "+c.typ)
		}
		types[tab.name] = strings.Join(cols, ", ")
	}
	wantTypes := map[string]string{
		"persons":          "research_id VARCHAR, gender VARCHAR, birth_band VARCHAR, degree VARCHAR, entry_period VARCHAR, channel VARCHAR, recoding_level INTEGER, qi_suppressed BOOLEAN, county_code VARCHAR",
		"postings":         "research_id VARCHAR, village_kind VARCHAR, urban_rural VARCHAR, channel VARCHAR, selection_round VARCHAR, quota_source VARCHAR, posting_no INTEGER, ended BOOLEAN, end_reason VARCHAR, county_code VARCHAR",
		"roles":            "research_id VARCHAR, role_category VARCHAR, ended BOOLEAN, county_code VARCHAR",
		"assessments":      "county_code VARCHAR, year INTEGER, grade VARCHAR, persons BIGINT",
		"exits":            "research_id VARCHAR, end_reason VARCHAR, county_code VARCHAR",
		"survival_spells":  "county_code VARCHAR, months_in_post INTEGER, exited BOOLEAN",
		"counties":         "county_code VARCHAR, county_name VARCHAR, region VARCHAR",
		"villages":         "village_code VARCHAR, village_name VARCHAR, village_kind VARCHAR, urban_rural_code VARCHAR, township_code VARCHAR, township_name VARCHAR, county_code VARCHAR, established_month VARCHAR, dissolved_month VARCHAR",
		"coverage_monthly": "month VARCHAR, measured_on DATE, county_code VARCHAR, villages_in_universe BIGINT, villages_covered BIGINT, graduates_in_post BIGINT",
		"quota":            "county_code VARCHAR, township_code VARCHAR, year INTEGER, township_quota INTEGER, county_pool INTEGER",
	}
	if !maps.Equal(types, wantTypes) {
		for k, v := range types {
			if wantTypes[k] != v {
				t.Errorf("%s columns:\n got %s\nwant %s", k, v, wantTypes[k])
			}
		}
	}

	// The temporary tables are gone from every pooled connection.
	if n := queryInt(t, w, "SELECT count(*) FROM duckdb_tables() WHERE temporary"); n != 0 {
		t.Errorf("%d temporary tables left", n)
	}
}

// TestTablesDeterministic: the same warehouse, day, k and research_ids give
// the same bytes.
func TestTablesDeterministic(t *testing.T) {
	w, dir, res := tablesTestAll(t, 2)
	dir2 := t.TempDir()
	// The second time under its own memory_limit, which is set while the
	// release is built and the warehouse's restored after.
	ctx := context.Background()
	var before, after string
	if err := w.Reader().Scan(ctx, "SELECT current_setting('memory_limit')", nil, &before); err != nil {
		t.Fatal(err)
	}
	if _, err := writeTables(ctx, w.Reader(), dir2, tablesOptions{asOf: day("2022-07-21"), k: 2, researchID: testRID, memoryLimit: "300MB"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Reader().Scan(ctx, "SELECT current_setting('memory_limit')", nil, &after); err != nil {
		t.Fatal(err)
	}
	if before == "" || after != before {
		t.Errorf("memory_limit %q before the release, %q after", before, after)
	}
	if _, err := writeTables(ctx, w.Reader(), t.TempDir(), tablesOptions{asOf: day("2022-07-21"), k: 2, researchID: testRID, memoryLimit: "lots"}); !errors.Is(err, ErrRefused) {
		t.Errorf("memory_limit lots: %v, want ErrRefused", err)
	}
	for _, f := range res.files {
		a, err := os.ReadFile(filepath.Join(dir, f.path))
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(filepath.Join(dir2, f.path))
		if err != nil {
			t.Fatal(err)
		}
		if sha256.Sum256(a) != sha256.Sum256(b) {
			t.Errorf("%s differs between two exports", f.path)
		}
	}
}

// TestTablesRefuse: bad options and research_id functions that would break
// the pseudonymisation are refused before a file is written.
func TestTablesRefuse(t *testing.T) {
	w := openTest(t)
	execTest(t, w, exportCity)
	for _, tc := range []struct {
		name string
		opts tablesOptions
	}{
		{"k = 1", tablesOptions{k: 1, researchID: testRID}},
		{"no function", tablesOptions{k: 5}},
		{"identity", tablesOptions{k: 5, researchID: func(k string) string { return k }}},
		{"constant", tablesOptions{k: 5, researchID: func(string) string { return "x" }}},
		{"empty", tablesOptions{k: 5, researchID: func(string) string { return "" }}},
		{"another person's key", tablesOptions{k: 5, researchID: func(k string) string {
			if k == "g1a" {
				return "g1b"
			}
			return "R" + k
		}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			tc.opts.asOf = day("2022-07-21")
			_, err := writeTables(context.Background(), w.Reader(), dir, tc.opts)
			if !errors.Is(err, ErrRefused) {
				t.Fatalf("error %v, want ErrRefused", err)
			}
			ents, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(ents) != 0 {
				t.Errorf("%d entries written", len(ents))
			}
			if n := queryInt(t, w, "SELECT count(*) FROM duckdb_tables() WHERE temporary"); n != 0 {
				t.Errorf("%d temporary tables left", n)
			}
		})
	}
}

// TestTablesAsOfToday: a zero AsOf is today in the city's time zone.
func TestTablesAsOfToday(t *testing.T) {
	w := openTest(t)
	execTest(t, w, exportCity+"INSERT INTO etl_setting VALUES ('timezone', 'Pacific/Kiritimati');")
	loc, err := time.LoadLocation("Pacific/Kiritimati") // time/tzdata is linked in: never missing
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().In(loc).Format(time.DateOnly)
	res, err := writeTables(context.Background(), w.Reader(), t.TempDir(), tablesOptions{k: 2, researchID: testRID})
	if err != nil {
		t.Fatal(err)
	}
	after := time.Now().In(loc).Format(time.DateOnly)
	if got := res.asOf.Format(time.DateOnly); got != before && got != after {
		t.Errorf("as_of %s, want today in Kiritimati (%s)", got, before)
	}
	// Everyone but "ghost" has started by now.
	if res.persons != 12 {
		t.Errorf("%d persons as of today, want 12", res.persons)
	}
}

// TestExitsBlankLastReason: g1e's last posting (140123, from 2022-02-01) is
// made to end on 2022-06-30 without a reason, after the first ended with
// transferred: the release's exits shows g1e leaving 140123 unspecified, not
// transferred (arg_max skips NULLs, so the reason is made non-NULL first).
func TestExitsBlankLastReason(t *testing.T) {
	w := openTest(t)
	execTest(t, w, exportCity+`
UPDATE fact_posting SET end_date = DATE '2022-06-30', end_reason = NULL
WHERE person_key = 'g1e' AND village_code = '140123200201';`)
	dir := t.TempDir()
	if _, err := writeTables(context.Background(), w.Reader(), dir, tablesOptions{asOf: day("2022-07-21"), k: 2, levels: 6, researchID: testRID}); err != nil {
		t.Fatal(err)
	}
	got := sortedStrings(parquetRows(t, memDB(t), dir, "exits", "research_id, county_code, end_reason"))
	want := []string{"Rg1b|140105|resigned", "Rg1e|140123|unspecified", "Rg3|140105|civil_service"}
	if !slices.Equal(got, want) {
		t.Errorf("exits:\n got %q\nwant %q", got, want)
	}
}
