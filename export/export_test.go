package export_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/grassroots-cn/grassroots/export"
	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/synth"
	"github.com/grassroots-cn/grassroots/warehouse"
)

var (
	secretA = []byte("export-secret-A-0123456789abcdef")
	secretB = []byte("export-secret-B-0123456789abcdef")
)

// city is the synthetic Taiyuan, loaded once for the package's tests, with
// what the tests compare a release against, read from the private warehouse
// before the export opens it.
type city struct {
	w      *warehouse.Warehouse
	expect synth.Expect
	asOf   time.Time        // a day after every date in the warehouse
	keys   []string         // person_key of every posted person
	counts map[string]int64 // per release table, with asOf as the release day
	// exact are personal values that must not be any cell; contained must
	// not be inside any cell or text of a release.
	exact, contained []string
	names            int // persons with a decrypted name
}

var (
	cityOnce sync.Once
	theCity  *city
	cityErr  error
	cityDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if theCity != nil {
		theCity.w.Close()
	}
	if cityDir != "" {
		os.RemoveAll(cityDir)
	}
	os.Exit(code)
}

// loadCity generates and loads the synthetic city (once).
func loadCity(t *testing.T) *city {
	t.Helper()
	if testing.Short() {
		t.Skip("loads the whole synthetic city; skipped with -short")
	}
	cityOnce.Do(func() { theCity, cityErr = buildCity(t) })
	if cityErr != nil {
		t.Fatal(cityErr)
	}
	if theCity == nil {
		t.Fatal("the synthetic city did not load (an earlier test failed loading it)")
	}
	return theCity
}

// buildCity loads the city; tb is the first test to ask for it, which
// reads the city's personal data decrypted (testcity.People fails it on an
// error).
func buildCity(tb testing.TB) (*city, error) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "export-city-")
	if err != nil {
		return nil, err
	}
	cityDir = dir
	gen, cfg, err := testcity.Load(ctx, dir)
	if err != nil {
		return nil, err
	}
	c := &city{expect: gen.Expect, counts: map[string]int64{}}
	c.personal(testcity.People(tb, cfg))
	if err := c.readTruth(cfg.Warehouse); err != nil {
		return nil, err
	}
	c.w, err = warehouse.Open(ctx, cfg.Warehouse, warehouse.Options{})
	return c, err
}

// personal keeps the city's persons, decrypted (personal data is encrypted
// at rest: the plaintexts are what must not reach a release), as the
// values the release is scanned for.
func (c *city) personal(people []testcity.Person) {
	for _, p := range people {
		c.contained = append(c.contained, p.PersonKey, p.IDNumber)
		if p.Phone != "" {
			c.contained = append(c.contained, p.Phone)
		}
		// A two-character name can occur inside a place name by chance
		// (王庄 in 王庄村): it must not be a whole cell; a longer one must
		// not occur anywhere.
		switch n := utf8.RuneCountInString(p.Name); {
		case n >= 3:
			c.contained = append(c.contained, p.Name)
		case n > 0:
			c.exact = append(c.exact, p.Name)
		}
		if p.Name != "" {
			c.names++
		}
	}
}

// readTruth reads the non-personal values the release must not carry and
// the counts from the warehouse, read-only, with plain SQL independent of
// the export's.
func (c *city) readTruth(path string) error {
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return err
	}
	defer db.Close()
	var last time.Time
	if err := db.QueryRow(`SELECT greatest(
			(SELECT max(greatest(start_date, coalesce(end_date, start_date))) FROM fact_posting),
			(SELECT max(greatest(start_date, coalesce(end_date, start_date))) FROM fact_role),
			(SELECT make_date(max(year), 12, 31) FROM fact_assessment),
			(SELECT make_date(max(year), 12, 31) FROM fact_quota))`).Scan(&last); err != nil {
		return err
	}
	c.asOf = last.AddDate(0, 0, 1)
	for _, q := range []string{
		"SELECT DISTINCT university FROM dim_person WHERE university IS NOT NULL",
		"SELECT DISTINCT major FROM dim_person WHERE major IS NOT NULL",
		"SELECT DISTINCT mentor_role FROM fact_posting WHERE mentor_role IS NOT NULL",
		"SELECT DISTINCT role FROM fact_role",
	} {
		rows, err := db.Query(q)
		if err != nil {
			return err
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return err
			}
			c.exact = append(c.exact, s)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	rows, err := db.Query("SELECT DISTINCT person_key FROM fact_posting ORDER BY 1")
	if err != nil {
		return err
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return err
		}
		c.keys = append(c.keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	// The release's tables as of a day after everything: the warehouse's.
	for table, q := range map[string]string{
		"persons":  "SELECT count(DISTINCT person_key) FROM fact_posting",
		"postings": "SELECT count(*) FROM fact_posting",
		"roles":    "SELECT count(*) FROM fact_role WHERE person_key IN (SELECT person_key FROM fact_posting)",
		// assessments: the assessments counted, the sum of its persons column
		"assessments":     "SELECT count(*) FROM fact_assessment WHERE person_key IN (SELECT person_key FROM fact_posting)",
		"survival_spells": "SELECT count(DISTINCT person_key) FROM fact_posting",
		"exits":           "SELECT count(*) FROM (SELECT person_key FROM fact_posting GROUP BY 1 HAVING count(*) = count(end_date))",
		"counties":        "SELECT count(*) FROM dim_county",
		"villages":        "SELECT count(*) FROM dim_village",
		"quota":           "SELECT count(*) FROM fact_quota",
		"coverage_monthly": `SELECT (SELECT count(DISTINCT county_code) FROM dim_village) *
			(date_diff('month', (SELECT min(start_date) FROM fact_posting), ?::DATE) + 1)`,
	} {
		var n int64
		var args []any
		if table == "coverage_monthly" {
			args = append(args, c.asOf.Format(time.DateOnly))
		}
		if err := db.QueryRow(q, args...).Scan(&n); err != nil {
			return fmt.Errorf("%s: %w", table, err)
		}
		c.counts[table] = n
	}
	if len(c.keys) == 0 || len(c.contained) < 3*len(c.keys) || c.names < len(c.keys) {
		return fmt.Errorf("the city has %d persons, %d personal values and %d names", len(c.keys), len(c.contained), c.names)
	}
	return nil
}

// write writes a release of the city into out.
func (c *city) write(t *testing.T, out, release string, secret []byte, k int, asOf time.Time, replace bool) *export.Result {
	t.Helper()
	start := time.Now()
	res, err := export.Write(context.Background(), c.w, export.Options{
		Release: release, AsOf: asOf, Out: out, Secret: secret, K: k, Replace: replace,
		Version: "test", ConfigHash: strings.Repeat("ab", 32),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("release %s (as of %s, k = %d) written in %v", release, res.AsOf.Format(time.DateOnly), k, time.Since(start).Round(time.Millisecond))
	return res
}

// rid is the research_id the release must give a person_key.
func rid(secret []byte, key string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(key))
	return hex.EncodeToString(m.Sum(nil))
}

// duck opens an in-memory DuckDB for reading releases back.
func duck(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	t.Cleanup(func() { db.Close() })
	return db
}

func count(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func strs(t *testing.T, db *sql.DB, q string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s sql.NullString
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s.String)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// lit quotes a path as an SQL literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// hive reads a partitioned table of a release as the README says.
func hive(dir, table string) string {
	return fmt.Sprintf("read_parquet(%s, hive_partitioning = true, hive_types = {'county_code': VARCHAR})", lit(filepath.Join(dir, table, "*", "*.parquet")))
}

// dataFiles lists the .parquet files under dir, relative and slash-separated.
func dataFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".parquet") {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// TestReleaseHasNoPersonalData scans every column of every file, and the
// manifest and README, for every name, ID number, phone and person_key of
// the city (and its universities, majors, mentors and role titles).
func TestReleaseHasNoPersonalData(t *testing.T) {
	c := loadCity(t)
	out := t.TempDir()
	res := c.write(t, out, "scan", secretA, 5, c.asOf, false)
	db := duck(t)
	cells := map[string]bool{}
	for _, f := range dataFiles(t, res.Dir) {
		// Every column of the file as text, the Hive column included.
		for _, v := range strs(t, db, fmt.Sprintf(`SELECT DISTINCT v FROM (UNPIVOT (SELECT COLUMNS(*)::VARCHAR FROM read_parquet(%s))
			ON COLUMNS(*) INTO NAME c VALUE v)`, lit(filepath.Join(res.Dir, f)))) {
			cells[v] = true
		}
	}
	if len(cells) < len(c.keys) {
		t.Fatalf("only %d distinct values in the release", len(cells))
	}
	var texts []string
	for _, name := range []string{export.ManifestFile, export.ReadmeFile} {
		b, err := os.ReadFile(filepath.Join(res.Dir, name))
		if err != nil {
			t.Fatal(err)
		}
		texts = append(texts, string(b))
	}
	for v := range cells {
		texts = append(texts, v)
	}
	found := 0
	for _, needle := range c.exact {
		if cells[needle] {
			found++
			if found <= 5 {
				t.Errorf("a personal value of %d characters is a cell of the release", utf8.RuneCountInString(needle))
			}
		}
	}
	for _, needle := range c.contained {
		for _, s := range texts {
			if strings.Contains(s, needle) {
				found++
				if found <= 5 {
					t.Errorf("a personal value of %d characters occurs in the release", utf8.RuneCountInString(needle))
				}
				break
			}
		}
	}
	if found > 0 {
		t.Errorf("%d personal values in the release", found)
	}
	t.Logf("%d personal values checked against %d distinct cells", len(c.exact)+len(c.contained), len(cells))
}

// TestResearchIDs: research_id is HMAC-SHA256(secret, person_key) in full,
// the same in every table of a release and across releases with the same
// secret, different with another secret, and never a person_key.
func TestResearchIDs(t *testing.T) {
	c := loadCity(t)
	out := t.TempDir()
	a := c.write(t, out, "a", secretA, 5, c.asOf, false)
	a2 := c.write(t, out, "a2", secretA, 5, time.Date(2022, 7, 21, 0, 0, 0, 0, time.UTC), false)
	b := c.write(t, out, "b", secretB, 5, c.asOf, false)
	db := duck(t)
	ids := func(dir, table string) []string {
		return strs(t, db, "SELECT DISTINCT research_id FROM "+hive(dir, table)+" ORDER BY 1")
	}
	want := func(secret []byte) []string {
		var out []string
		for _, k := range c.keys {
			out = append(out, rid(secret, k))
		}
		slices.Sort(out)
		return out
	}
	persons := ids(a.Dir, "persons")
	if !slices.Equal(persons, want(secretA)) {
		t.Fatalf("persons' research_ids are not HMAC-SHA256(secret, person_key) of the %d posted persons (%d ids)", len(c.keys), len(persons))
	}
	for _, table := range []string{"postings", "roles", "exits"} {
		got := ids(a.Dir, table)
		if len(got) == 0 {
			t.Errorf("%s: no research_ids", table)
		}
		for _, id := range got {
			if _, ok := slices.BinarySearch(persons, id); !ok {
				t.Errorf("%s: research_id %s is not a person's", table, id)
				break
			}
		}
	}
	if got := ids(a.Dir, "postings"); !slices.Equal(got, persons) {
		t.Errorf("postings have %d research_ids, persons %d", len(got), len(persons))
	}
	// Another release with the same secret (an earlier day): a subset, the same ids.
	early := ids(a2.Dir, "persons")
	if len(early) == 0 || len(early) >= len(persons) {
		t.Errorf("release as of 2022-07-21 has %d persons, the later one %d", len(early), len(persons))
	}
	for _, id := range early {
		if _, ok := slices.BinarySearch(persons, id); !ok {
			t.Fatalf("research_id %s of the earlier release is not in the later one", id)
		}
	}
	// Another secret: other ids, none shared.
	other := ids(b.Dir, "persons")
	if !slices.Equal(other, want(secretB)) {
		t.Errorf("release b: research_ids are not those of secret B")
	}
	for _, id := range other {
		if _, ok := slices.BinarySearch(persons, id); ok {
			t.Fatalf("research_id %s is the same under two secrets", id)
		}
	}
	keys := slices.Clone(c.keys)
	for _, id := range persons {
		if len(id) != 64 || strings.Trim(id, "0123456789abcdef") != "" {
			t.Fatalf("research_id %q is not 64 lowercase hex characters", id)
		}
		if _, ok := slices.BinarySearch(keys, id); ok {
			t.Fatal("a research_id is a person_key")
		}
	}
	// The same data and secret give the same files, byte for byte.
	again := c.write(t, out, "a-again", secretA, 5, c.asOf, false)
	if !slices.EqualFunc(a.Files, again.Files, func(x, y export.FileEntry) bool { return x == y }) {
		t.Error("two releases of the same data and secret differ")
	}
}

// TestReleaseCounts reads the release back with read_parquet(…,
// hive_partitioning = true) and finds the warehouse's counts, and the city's
// published figures for 21 July 2022 in coverage_monthly.
func TestReleaseCounts(t *testing.T) {
	c := loadCity(t)
	out := t.TempDir()
	res := c.write(t, out, "counts", secretA, 5, c.asOf, false)
	db := duck(t)
	for table, want := range c.counts {
		src := fmt.Sprintf("read_parquet(%s)", lit(filepath.Join(res.Dir, table+".parquet")))
		if _, err := os.Stat(filepath.Join(res.Dir, table)); err == nil {
			// exactly as the issue says: hive_partitioning = true, no more
			src = fmt.Sprintf("read_parquet(%s, hive_partitioning = true)", lit(filepath.Join(res.Dir, table, "*", "*.parquet")))
		}
		if table == "assessments" {
			// One row per county, year and grade: every assessment counted once.
			if got := count(t, db, "SELECT sum(persons) FROM "+src); got != want {
				t.Errorf("assessments: %d counted, the warehouse has %d", got, want)
			}
			if n := count(t, db, "SELECT count(*) FROM "+src); res.Tables[table] != n || n == 0 || n >= want {
				t.Errorf("assessments: %d rows, Result says %d", n, res.Tables[table])
			}
			continue
		}
		if got := count(t, db, "SELECT count(*) FROM "+src); got != want {
			t.Errorf("%s: %d rows read back, the warehouse has %d", table, got, want)
		}
		if res.Tables[table] != want {
			t.Errorf("%s: Result says %d rows, want %d", table, res.Tables[table], want)
		}
	}
	if len(res.Tables) != len(c.counts) {
		t.Errorf("tables %v, want those of %v", slices.Sorted(maps.Keys(res.Tables)), slices.Sorted(maps.Keys(c.counts)))
	}
	// Postings by county read back = the warehouse's, through the partitions.
	for _, row := range strs(t, db, "SELECT county_code || ' ' || count(*) FROM "+hive(res.Dir, "postings")+" GROUP BY county_code ORDER BY 1") {
		code, n, _ := strings.Cut(row, " ")
		if !regexp.MustCompile(`^14\d{4}$`).MatchString(code) || n == "0" {
			t.Errorf("postings partition %q", row)
		}
	}
	// Suppression happened on the real city, and the counts add up.
	var nulled int64
	for _, n := range res.Suppressed {
		nulled += n
	}
	sup := count(t, db, "SELECT count(*) FROM "+hive(res.Dir, "persons")+" WHERE qi_suppressed")
	if sup == 0 || nulled == 0 || res.Suppressed["entry_period"] != sup {
		t.Errorf("%d persons suppressed, cells %v", sup, res.Suppressed)
	}
	if n := count(t, db, "SELECT count(*) FROM "+hive(res.Dir, "persons")+" WHERE qi_suppressed AND (gender IS NOT NULL OR birth_band IS NOT NULL OR degree IS NOT NULL OR entry_period IS NOT NULL OR channel IS NOT NULL)"); n != 0 {
		t.Errorf("%d suppressed persons keep a quasi-identifier", n)
	}
	// Every group of kept persons has at least k members, over the whole
	// quasi-identifier set: channel, entry and having left (exits) included.
	if n := count(t, db, `SELECT count(*) FROM (SELECT p.county_code, gender, birth_band, degree, entry_period, channel, e.research_id IS NOT NULL
		FROM `+hive(res.Dir, "persons")+` p LEFT JOIN `+hive(res.Dir, "exits")+` e USING (research_id)
		WHERE NOT qi_suppressed GROUP BY ALL HAVING count(*) < 5)`); n != 0 {
		t.Errorf("%d groups of fewer than 5 kept", n)
	}
	t.Logf("%d persons, %d suppressed, cells %v", res.Persons, sup, res.Suppressed)

	// As of 21 July 2022: the figures the city published.
	early := c.write(t, out, "2022-07-21", secretA, 5, time.Date(2022, 7, 21, 0, 0, 0, 0, time.UTC), false)
	cov := fmt.Sprintf("read_parquet(%s)", lit(filepath.Join(early.Dir, "coverage_monthly.parquet")))
	if got := count(t, db, "SELECT sum(villages_in_universe) FROM "+cov+" WHERE month = '2022-07'"); got != int64(c.expect.Villages) {
		t.Errorf("villages in the universe on 2022-07-21: %d, want %d", got, c.expect.Villages)
	}
	if got := count(t, db, "SELECT sum(villages_covered) FROM "+cov+" WHERE month = '2022-07'"); got != int64(c.expect.Covered20220721) {
		t.Errorf("villages covered on 2022-07-21: %d, want %d", got, c.expect.Covered20220721)
	}
	if got := count(t, db, "SELECT count(*) FROM "+hive(early.Dir, "postings")+" WHERE NOT ended"); got != int64(c.expect.InPost20220721) {
		t.Errorf("postings running on 2022-07-21: %d, want %d graduates in post", got, c.expect.InPost20220721)
	}
	if got := count(t, db, "SELECT (max(measured_on)::VARCHAR = '2022-07-21')::INT FROM "+cov+" WHERE month = '2022-07'"); got != 1 {
		t.Error("July 2022 is not measured on the release day")
	}
}

// TestManifest: every file's size and SHA-256 match the file, its rows match
// a count read back, every file is listed, and every column read back has
// its type and a description in both languages.
func TestManifest(t *testing.T) {
	c := loadCity(t)
	out := t.TempDir()
	res := c.write(t, out, "2022Q3", secretA, 5, c.asOf, false)
	m, err := export.ReadManifest(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.Release != "2022Q3" || m.AsOf != c.asOf.Format(time.DateOnly) || m.K != 5 || m.ProgramVersion != "test" ||
		m.ConfigSHA256 != strings.Repeat("ab", 32) || m.Persons != int64(len(c.keys)) {
		t.Errorf("manifest header: %+v", *m)
	}
	if ts, err := time.Parse(time.RFC3339, m.CreatedAt); err != nil || ts.Location() != time.UTC || time.Since(ts) > time.Hour {
		t.Errorf("created_at %q (%v)", m.CreatedAt, err)
	}
	if !maps.Equal(m.SuppressedCells, res.Suppressed) || len(m.SuppressedCells) != 5 {
		t.Errorf("suppressed cells %v, result %v", m.SuppressedCells, res.Suppressed)
	}
	db := duck(t)
	var listed []string
	rows := map[string]int64{}
	for _, f := range m.Files {
		listed = append(listed, f.Path)
		b, err := os.ReadFile(filepath.Join(res.Dir, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Bytes {
			t.Errorf("%s: %d bytes sha256 %x; manifest %d bytes sha256 %s", f.Path, len(b), sum, f.Bytes, f.SHA256)
		}
		if n := count(t, db, fmt.Sprintf("SELECT count(*) FROM read_parquet(%s)", lit(filepath.Join(res.Dir, f.Path)))); n != f.Rows {
			t.Errorf("%s: %d rows, manifest %d", f.Path, n, f.Rows)
		}
		rows[f.Table] += f.Rows
	}
	slices.Sort(listed)
	if onDisk := dataFiles(t, res.Dir); !slices.Equal(listed, onDisk) {
		t.Errorf("manifest lists %q, on disk %q", listed, onDisk)
	}
	var tables []string
	for _, tab := range m.Tables {
		tables = append(tables, tab.Name)
		if rows[tab.Name] != tab.Rows {
			t.Errorf("%s: %d rows, its files %d", tab.Name, tab.Rows, rows[tab.Name])
		}
		src := fmt.Sprintf("read_parquet(%s)", lit(filepath.Join(res.Dir, tab.Path)))
		if len(tab.PartitionBy) > 0 {
			src = hive(res.Dir, tab.Name)
		}
		var read []string
		for _, r := range strs(t, db, fmt.Sprintf("SELECT column_name || ' ' || column_type FROM (DESCRIBE SELECT * FROM %s)", src)) {
			read = append(read, r)
		}
		var described []string
		for _, col := range tab.Columns {
			described = append(described, col.Name+" "+col.Type)
			if col.Description.ZH == "" || col.Description.EN == "" || !hasHan(col.Description.ZH) {
				t.Errorf("%s.%s: description %+v", tab.Name, col.Name, col.Description)
			}
		}
		if !slices.Equal(read, described) {
			t.Errorf("%s: read back %q, manifest %q", tab.Name, read, described)
		}
		if tab.Description.ZH == "" || tab.Description.EN == "" || tab.Title.ZH == "" {
			t.Errorf("%s: no description", tab.Name)
		}
	}
	want := []string{"persons", "postings", "roles", "assessments", "exits", "survival_spells", "counties", "villages", "coverage_monthly", "quota"}
	if !slices.Equal(tables, want) {
		t.Errorf("tables %q, want %q", tables, want)
	}
	// Never a person-level village or township code, nor personal columns,
	// nor a date finer than a year beside a research_id; the tables without
	// research_id (assessments, survival_spells) and the village-level ones
	// carry no village code either, but coverage and the village list.
	for _, tab := range m.Tables[:6] {
		for _, col := range tab.Columns {
			switch col.Name {
			case "village_code", "township_code", "person_key", "name", "id_number", "phone", "university", "major",
				"mentor_role", "role", "birth_year", "political_status", "start_date", "end_date",
				"start_month", "end_month", "exit_month", "month", "entry_year":
				t.Errorf("%s has column %s", tab.Name, col.Name)
			}
		}
	}
	for _, tab := range m.Tables {
		hasRID := slices.ContainsFunc(tab.Columns, func(c export.ColumnEntry) bool { return c.Name == "research_id" })
		if wantRID := slices.Contains([]string{"persons", "postings", "roles", "exits"}, tab.Name); hasRID != wantRID {
			t.Errorf("%s: research_id %v, want %v", tab.Name, hasRID, wantRID)
		}
		if tab.Name == "coverage_monthly" && slices.ContainsFunc(tab.Columns, func(c export.ColumnEntry) bool { return c.Name == "village_code" }) {
			t.Error("coverage_monthly is per village")
		}
	}
	if m.Risk == nil || len(m.Risk.Counties) == 0 || len(m.Risk.Unique) != 63 || m.Risk.UnsuppressedInGroupsUnderK != 0 {
		t.Errorf("manifest risk %+v", m.Risk)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

// TestReadme: the README names every table and column, gives the
// suppression counts, and its DuckDB examples run on the release.
func TestReadme(t *testing.T) {
	c := loadCity(t)
	out := t.TempDir()
	res := c.write(t, out, "readme", secretA, 5, c.asOf, false)
	b, err := os.ReadFile(filepath.Join(res.Dir, export.ReadmeFile))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	m, err := export.ReadManifest(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tab := range m.Tables {
		if !strings.Contains(readme, "### "+tab.Name+" ") {
			t.Errorf("README has no section for %s", tab.Name)
		}
		for _, col := range tab.Columns {
			if !strings.Contains(readme, fmt.Sprintf("| %s | %s | %s |", col.Name, col.Type, col.Description.ZH)) {
				t.Errorf("README lacks %s.%s", tab.Name, col.Name)
			}
		}
	}
	for col, n := range m.SuppressedCells {
		if !strings.Contains(readme, fmt.Sprintf("| %s | %d |", col, n)) {
			t.Errorf("README lacks the suppressed count of %s", col)
		}
	}
	for _, s := range []string{"hive_partitioning = true", "pyarrow.dataset", "open_dataset", "HMAC-SHA256", "k = 5", m.AsOf} {
		if !strings.Contains(readme, s) {
			t.Errorf("README lacks %q", s)
		}
	}
	// Run the DuckDB examples from the release folder, as a researcher would.
	block := regexp.MustCompile("(?s)```sql\n(.*?)```").FindStringSubmatch(readme)
	if block == nil {
		t.Fatal("README has no SQL example")
	}
	t.Chdir(res.Dir)
	db := duck(t)
	ran := 0
	for _, stmt := range strings.Split(block[1], ";") {
		var code []string
		for _, line := range strings.Split(stmt, "\n") {
			if !strings.HasPrefix(strings.TrimSpace(line), "--") {
				code = append(code, line)
			}
		}
		q := strings.TrimSpace(strings.Join(code, "\n"))
		if q == "" {
			continue
		}
		r, err := db.Query(q)
		if err != nil {
			t.Errorf("README example fails: %v\n%s", err, q)
			continue
		}
		n := 0
		for r.Next() {
			n++
		}
		r.Close()
		if !strings.HasPrefix(q, "CREATE") && n == 0 {
			t.Errorf("README example returns nothing:\n%s", q)
		}
		ran++
	}
	if ran < 5 {
		t.Errorf("%d README examples ran", ran)
	}
}

// TestReplace: an existing release is refused, and left as it was; with
// Replace it is replaced; no temporary folder is left either way.
func TestReplace(t *testing.T) {
	c := loadCity(t)
	out := t.TempDir()
	first := c.write(t, out, "2022Q3", secretA, 5, c.asOf, false)
	manifest, err := os.ReadFile(filepath.Join(first.Dir, export.ManifestFile))
	if err != nil {
		t.Fatal(err)
	}
	_, err = export.Write(context.Background(), c.w, export.Options{Release: "2022Q3", Out: out, Secret: secretA, K: 2, AsOf: c.asOf})
	if !errors.Is(err, export.ErrExists) {
		t.Fatalf("second write: %v, want ErrExists", err)
	}
	if again, _ := os.ReadFile(filepath.Join(first.Dir, export.ManifestFile)); string(again) != string(manifest) {
		t.Error("the refused write changed the release")
	}
	second := c.write(t, out, "2022Q3", secretA, 2, c.asOf, true)
	m, err := export.ReadManifest(second.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if m.K != 2 || second.Dir != first.Dir {
		t.Errorf("replaced release has k = %d in %s", m.K, second.Dir)
	}
	if got := dataFiles(t, second.Dir); len(got) != len(m.Files) {
		t.Errorf("%d files on disk, manifest %d", len(got), len(m.Files))
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"2022Q3"}) {
		t.Errorf("export folder holds %q", names)
	}
	// A leftover temporary folder from a crash is cleaned up.
	stale := filepath.Join(out, ".2022Q4.tmp-123")
	if err := os.MkdirAll(filepath.Join(stale, "persons"), 0o755); err != nil {
		t.Fatal(err)
	}
	c.write(t, out, "2022Q4", secretA, 5, c.asOf, false)
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale temporary folder left: %v", err)
	}
}

// TestOptions: invalid options are refused before the warehouse is touched
// (a nil warehouse here), and an existing release before anything is written.
func TestOptions(t *testing.T) {
	out := t.TempDir()
	if err := os.Mkdir(filepath.Join(out, "taken"), 0o755); err != nil {
		t.Fatal(err)
	}
	good := export.Options{Release: "2022Q3", Out: out, Secret: secretA}
	for _, tc := range []struct {
		name string
		edit func(*export.Options)
		want error
	}{
		{"empty release", func(o *export.Options) { o.Release = "" }, export.ErrOptions},
		{"path in release", func(o *export.Options) { o.Release = "../x" }, export.ErrOptions},
		{"hidden release", func(o *export.Options) { o.Release = ".x" }, export.ErrOptions},
		{"dot dot", func(o *export.Options) { o.Release = ".." }, export.ErrOptions},
		{"space", func(o *export.Options) { o.Release = "2022 Q3" }, export.ErrOptions},
		{"chinese", func(o *export.Options) { o.Release = "三季度" }, export.ErrOptions},
		{"no out", func(o *export.Options) { o.Out = "" }, export.ErrOptions},
		{"short secret", func(o *export.Options) { o.Secret = []byte("0123456789abcde") }, export.ErrOptions},
		{"k = 1", func(o *export.Options) { o.K = 1 }, export.ErrOptions},
		{"k < 0", func(o *export.Options) { o.K = -5 }, export.ErrOptions},
		{"exists", func(o *export.Options) { o.Release = "taken" }, export.ErrExists},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.edit(&o)
			_, err := export.Write(context.Background(), nil, o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
		})
	}
	ents, err := os.ReadDir(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 {
		t.Errorf("%d entries in the export folder, want only the existing release", len(ents))
	}
}
