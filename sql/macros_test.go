package sqlfiles

import (
	"bufio"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode"
)

// openFresh opens an in-memory DuckDB with what a fresh warehouse gets: the
// migrations in order, then the macro set.
func openFresh(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	db.SetMaxOpenConns(1)
	migs, err := List()
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range migs {
		if m.Empty() {
			continue
		}
		if _, err := db.Exec(m.SQL); err != nil {
			t.Fatalf("migration %s: %v", m.Name, err)
		}
	}
	set, err := Macros()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(set.SQL); err != nil {
		t.Fatalf("macros: %v", err)
	}
	return db
}

// rename replaces every old in s by new, failing if there is none.
func rename(t *testing.T, s, old, new string) string {
	t.Helper()
	if !strings.Contains(s, old) {
		t.Fatalf("no %q to rename in %.60s…", old, s)
	}
	return strings.ReplaceAll(s, old, new)
}

// supersededHead matches the head of the statement of a file of
// testdata/superseded, with the macro's name.
var supersededHead = regexp.MustCompile(`(?m)^CREATE (?:OR REPLACE )?MACRO (\w+)\(`)

// supersededText returns the CREATE statement of testdata/superseded/name.sql
// (name is macro_NNN: the macro as migration NNN created it), its head and
// the macro's own name.
func supersededText(t *testing.T, name string) (text, head, macro string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "superseded", name+".sql"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	heads := supersededHead.FindAllStringSubmatchIndex(s, -1)
	if len(heads) != 1 {
		t.Fatalf("%s.sql: %d CREATE MACRO statements, want 1", name, len(heads))
	}
	macro = s[heads[0][2]:heads[0][3]]
	if base := name[:strings.LastIndexByte(name, '_')]; macro != base {
		t.Fatalf("%s.sql creates %s, want %s", name, macro, base)
	}
	return s[heads[0][0]:], s[heads[0][0]:heads[0][1]], macro
}

// superseded returns testdata/superseded/name.sql as a TEMP macro named
// name, to run beside the current one.
func superseded(t *testing.T, name string) string {
	t.Helper()
	text, head, _ := supersededText(t, name)
	return rename(t, text, head, "CREATE OR REPLACE TEMP MACRO "+name+"(")
}

func TestMigrationEmpty(t *testing.T) {
	tests := []struct {
		sql  string
		want bool
	}{
		{"", true},
		{"-- only a comment\n\n  -- and another, indented\n", true},
		{"-- a comment\nCREATE TABLE t (x INTEGER);\n", false},
		{"SELECT 1", false},
		{"  /* a block comment */", false}, // not recognised: the file runs
	}
	for _, tt := range tests {
		if got := (Migration{SQL: tt.sql}).Empty(); got != tt.want {
			t.Errorf("Migration{SQL: %q}.Empty() = %v, want %v", tt.sql, got, tt.want)
		}
	}
	// The migrations whose macros moved to macros/ are empty; the others not.
	migs, err := List()
	if err != nil {
		t.Fatal(err)
	}
	var empty []int
	for _, m := range migs {
		if m.Empty() {
			empty = append(empty, m.Version)
		}
	}
	if want := []int{4, 5, 6, 7}; !slices.Equal(empty, want) {
		t.Errorf("empty migrations %v, want %v", empty, want)
	}
}

func TestMacroSet(t *testing.T) {
	file := func(text string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(text)} }
	two := fstest.MapFS{"m/a.sql": file("SELECT 'a';"), "m/b.sql": file("SELECT 'b';")}
	set, err := macros(two, "m", []string{"b", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "SELECT 'b';\nSELECT 'a';\n"; set.SQL != want {
		t.Errorf("SQL = %q, want %q (the files in the order given)", set.SQL, want)
	}
	if want := fmt.Sprintf("%x", sha256.Sum256([]byte("SELECT 'b';\nSELECT 'a';\n"))); set.Hash != want {
		t.Errorf("Hash = %s, want %s", set.Hash, want)
	}
	if got := []string{set.Files[0].Name, set.Files[1].Name}; !slices.Equal(got, []string{"b", "a"}) {
		t.Errorf("Files = %v, want b then a", got)
	}
	other, err := macros(two, "m", []string{"a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	if other.Hash == set.Hash {
		t.Error("the same hash for another order")
	}
	changed, err := macros(fstest.MapFS{"m/a.sql": file("SELECT 'A';"), "m/b.sql": file("SELECT 'b';")}, "m", []string{"b", "a"})
	if err != nil {
		t.Fatal(err)
	}
	if changed.Hash == set.Hash {
		t.Error("the same hash for another text")
	}
	for _, tt := range []struct {
		name  string
		files fstest.MapFS
		order []string
	}{
		{"a file not in the order", two, []string{"a"}},
		{"a name without its file", two, []string{"a", "b", "c"}},
		{"a name twice", fstest.MapFS{"m/a.sql": file("")}, []string{"a", "a"}},
		{"not .sql", fstest.MapFS{"m/a.sql": file(""), "m/b.txt": file("")}, []string{"a", "b"}},
	} {
		if _, err := macros(tt.files, "m", tt.order); !errors.Is(err, ErrMacroOrder) {
			t.Errorf("%s: error %v, want ErrMacroOrder", tt.name, err)
		}
	}
	if _, err := macros(fstest.MapFS{}, "m", nil); err == nil {
		t.Error("a missing folder: no error")
	}
}

// definition matches a statement that defines a macro, and its name.
var definition = regexp.MustCompile(`(?i)\bCREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP\s+|TEMPORARY\s+)?MACRO\s+(\w+)`)

// sqlFiles returns the text of every .sql file of the repository, by path
// from the repository root, outside testdata folders.
func sqlFiles(t *testing.T) map[string]string {
	t.Helper()
	files := map[string]string{}
	root := ".."
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".sql") {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		files[filepath.ToSlash(rel)] = string(b)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// TestOneDefinitionPerMacro: every macro is defined once in the tree, in
// sql/macros, with CREATE OR REPLACE MACRO.
func TestOneDefinitionPerMacro(t *testing.T) {
	files := sqlFiles(t)
	if _, ok := files["sql/macros/coverage.sql"]; !ok {
		t.Fatalf("sql/macros/coverage.sql not found among %v", slices.Sorted(maps.Keys(files)))
	}
	where := map[string][]string{}
	for p, text := range files {
		for _, m := range definition.FindAllStringSubmatch(text, -1) {
			where[m[1]] = append(where[m[1]], p)
			if !strings.HasPrefix(p, "sql/macros/") {
				t.Errorf("%s defines macro %s: macros live in sql/macros", p, m[1])
			}
			if !strings.HasPrefix(m[0], "CREATE OR REPLACE MACRO ") {
				t.Errorf("%s: %q, want CREATE OR REPLACE MACRO", p, m[0])
			}
		}
		if strings.HasPrefix(p, "sql/macros/") {
			creates := regexp.MustCompile(`(?im)^\s*CREATE\b`).FindAllString(text, -1)
			if n := len(definition.FindAllString(text, -1)); len(creates) != n {
				t.Errorf("%s: %d CREATE statements, %d of them macros: macros/ holds macros only", p, len(creates), n)
			}
		}
	}
	for name, paths := range where {
		if len(paths) != 1 {
			t.Errorf("macro %s is defined %d times: %v", name, len(paths), paths)
		}
	}
	set, err := Macros()
	if err != nil {
		t.Fatal(err)
	}
	names := set.Names()
	if got, want := slices.Sorted(slices.Values(names)), slices.Sorted(maps.Keys(where)); !slices.Equal(got, want) {
		t.Errorf("MacroSet.Names() = %v, the tree defines %v", got, want)
	}
	if len(names) < 20 {
		t.Errorf("%d macros, want the 18 of the migrations and the vocabulary's", len(names))
	}
}

// macroRow is one macro as duckdb_functions() reports it.
type macroRow struct {
	typ, params, def, comment string
}

// listMacros returns the macros of the database's main schema by name.
func listMacros(t *testing.T, db *sql.DB) map[string]macroRow {
	t.Helper()
	rows, err := db.Query(`SELECT function_name, function_type, CAST(parameters AS VARCHAR), macro_definition, coalesce(comment, '')
		FROM duckdb_functions() WHERE NOT internal AND function_type IN ('macro', 'table_macro')
		AND database_name = current_database() AND schema_name = 'main'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]macroRow{}
	for rows.Next() {
		var name string
		var r macroRow
		if err := rows.Scan(&name, &r.typ, &r.params, &r.def, &r.comment); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[name]; dup {
			t.Fatalf("macro %s listed twice", name)
		}
		out[name] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFreshMacrosAreTheSet: a fresh database has exactly the macros of
// sql/macros.
func TestFreshMacrosAreTheSet(t *testing.T) {
	db := openFresh(t)
	set, err := Macros()
	if err != nil {
		t.Fatal(err)
	}
	got := slices.Sorted(maps.Keys(listMacros(t, db)))
	want := slices.Sorted(slices.Values(set.Names()))
	if !slices.Equal(got, want) || len(slices.Compact(slices.Clone(want))) != len(want) {
		t.Errorf("a fresh database has macros %v, sql/macros defines %v", got, want)
	}
	// Applying the set again (an existing warehouse) changes nothing.
	before := listMacros(t, db)
	if _, err := db.Exec(set.SQL); err != nil {
		t.Fatalf("macros applied twice: %v", err)
	}
	if after := listMacros(t, db); !maps.Equal(before, after) {
		t.Error("applying the macros again changed them")
	}
}

// relabelled are the macros whose text changed when their labels moved to
// vocabulary() (or, for quota_usage, when its body moved into
// quota_usage_on; for survival, when it became a call of survival_by), with
// the superseded form (testdata/superseded) that the old migrations left:
// their output must be the same (survival's on its old seven columns). exits
// changed once more: a blank last reason is unspecified, where exits_002 took
// an earlier posting's reason; the fixture and the random city have no such
// person, and TestExitsDiffersOnlyOnBlankLastReason holds the difference to
// that case.
var relabelled = map[string]string{
	"quota_usage": "quota_usage_002",
	"coverage":    "coverage_007",
	"coverage_at": "coverage_at_007",
	"retention":   "retention_007",
	"exits":       "exits_002",
	"promotions":  "promotions_002",
	// These changed only when every metric took vintage: called without
	// one, they return what they returned before (TestVintageNullSameAsBefore).
	"region_balance":     "region_balance_007",
	"uncovered_villages": "uncovered_villages_007",
	"villages_on":        "villages_on_007",
	"postings_on":        "postings_on_007",
	"person_first":       "person_first_007",
	"data_quality":       "data_quality_007",
	"source_freshness":   "source_freshness_007",
	"survival":           "survival_002",
}

// oldChain reads testdata/old_chain_macros.txt: the macros that the
// migrations 001–007 left in a fresh database before the macros moved to
// sql/macros, with the SHA-256 of their definition and comment as
// duckdb_functions() reported them (testdata/oldchain.go made it).
func oldChain(t *testing.T) map[string]macroRow {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "old_chain_macros.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]macroRow{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if strings.HasPrefix(sc.Text(), "#") {
			continue
		}
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 5 {
			t.Fatalf("old_chain_macros.txt: %q", sc.Text())
		}
		out[fields[0]] = macroRow{typ: fields[1], params: fields[2], def: fields[3], comment: fields[4]}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(out) != 18 {
		t.Fatalf("old_chain_macros.txt: %d macros, want 18", len(out))
	}
	return out
}

// fingerprint is a macro as old_chain_macros.txt records it.
func fingerprint(r macroRow) macroRow {
	return macroRow{typ: r.typ, params: r.params,
		def:     fmt.Sprintf("%x", sha256.Sum256([]byte(r.def))),
		comment: fmt.Sprintf("%x", sha256.Sum256([]byte(r.comment)))}
}

// addedSince are the macros added after the old migration chain was
// replaced by macros/: they have no old definition to match.
var addedSince = []string{"data_end", "open_vacancies", "city_day_end", "quota_usage_on", "source_freshness_on", "data_quality_on",
	"flows", "exits_between", "coverage_ranking", "coverage_progress", "selection", "subsidy_usage",
	"spells_by", "survival_by", "survival_median", "exit_incidence",
	"dim_county_vintage", "dim_township_vintage", "dim_village_vintage", "dim_person_vintage",
	"fact_posting_vintage", "fact_role_vintage", "fact_assessment_vintage", "fact_vacancy_vintage",
	"fact_quota_vintage", "fact_subsidy_vintage",
	"etl_run_vintage", "etl_file_vintage", "etl_reject_vintage", "etl_finding_vintage"}

// paramList splits duckdb_functions()' parameters as text, "[as_of, by]",
// into names.
func paramList(s string) []string {
	s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	if s == "" {
		return nil
	}
	return strings.Split(s, ", ")
}

// gainedParams checks that the parameters of a macro of the old chain, old,
// are the first ones of its parameters now, fresh, in order (a call that
// worked on the old chain, by position or by name, still works), and
// returns the parameters it gained after them.
func gainedParams(old, fresh string) (gained []string, ok bool) {
	o, f := paramList(old), paramList(fresh)
	if len(f) < len(o) || !slices.Equal(f[:len(o)], o) {
		return nil, false
	}
	return f[len(o):], true
}

func TestGainedParams(t *testing.T) {
	for _, tt := range []struct {
		old, fresh string
		gained     []string
		ok         bool
	}{
		{"[as_of]", "[as_of]", nil, true},
		{"[]", "[]", nil, true},
		{"[]", "[vintage]", []string{"vintage"}, true},
		{"[as_of]", "[as_of, by]", []string{"by"}, true},
		{"[as_of, months]", "[as_of, months, vintage]", []string{"vintage"}, true},
		{"[year]", "[year, as_of, vintage]", []string{"as_of", "vintage"}, true},
		{"[as_of]", "[by, as_of]", nil, false},             // a new one before the old
		{"[as_of, months]", "[months, as_of]", nil, false}, // reordered
		{"[as_of, months]", "[as_of]", nil, false},         // one lost
		{"[as_of]", "[day]", nil, false},                   // renamed
		{"[year]", "[]", nil, false},
	} {
		gained, ok := gainedParams(tt.old, tt.fresh)
		if ok != tt.ok || !slices.Equal(gained, tt.gained) {
			t.Errorf("gainedParams(%s, %s) = %v, %v; want %v, %v", tt.old, tt.fresh, gained, ok, tt.gained, tt.ok)
		}
	}
}

// TestMacrosMatchOldChain: a fresh database has the macros the migrations
// left before they moved: the same names (and the vocabulary's two), types
// and comments, their old parameters first and in order, and the same
// definitions but for the macros in relabelled. A macro may gain parameters
// after its old ones (an old call still works); then its comment may change,
// and must name each new parameter. The relabelled macros had, in the old
// chain, exactly the definition kept in testdata/superseded, and
// TestRelabelledSameAsBefore holds them to its output.
func TestMacrosMatchOldChain(t *testing.T) {
	old := oldChain(t)
	db := openFresh(t)
	fresh := listMacros(t, db)
	// vocabulary and label came with the new layout; addedSince were added
	// after it.
	want := slices.Sorted(slices.Values(append(append(slices.Collect(maps.Keys(old)), "vocabulary", "label"), addedSince...)))
	if got := slices.Sorted(maps.Keys(fresh)); !slices.Equal(got, want) {
		t.Fatalf("macros %v, want %v", got, want)
	}
	for name, o := range old {
		f := fingerprint(fresh[name])
		gained, ok := gainedParams(o.params, f.params)
		switch {
		case f.typ != o.typ || !ok:
			t.Errorf("%s: type %s, parameters %s; the old chain: %s, %s (its parameters must come first, in order)", name, f.typ, f.params, o.typ, o.params)
		case len(gained) == 0 && f.comment != o.comment:
			t.Errorf("%s: comment hash %s; the old chain: %s (a macro that gained no parameter keeps its comment)", name, f.comment, o.comment)
		}
		for _, p := range gained {
			if !regexp.MustCompile(`\b` + regexp.QuoteMeta(p) + `\b`).MatchString(fresh[name].comment) {
				t.Errorf("%s: gained parameter %s, which its comment does not name", name, p)
			}
		}
		sup, changed := relabelled[name]
		switch {
		case !changed && f.def != o.def:
			t.Errorf("%s: its definition differs from the old chain's", name)
		case changed && f.def == o.def:
			t.Errorf("%s: its definition is the old chain's, want its labels from vocabulary()", name)
		case changed:
			// The superseded form, created under its own name, is the
			// old chain's.
			text, head, macro := supersededText(t, sup)
			scratch := openFresh(t)
			if _, err := scratch.Exec(rename(t, text, head, "CREATE OR REPLACE MACRO "+macro+"(")); err != nil {
				t.Fatalf("%s: %v", sup, err)
			}
			if s := fingerprint(listMacros(t, scratch)[name]); s.def != o.def || s.params != o.params {
				t.Errorf("testdata/superseded/%s.sql is not the old chain's %s", sup, name)
			}
		}
	}
}

// TestRelabelledSameAsBefore: the macros of relabelled return, row for row
// and in order, what they returned before (survival on its old seven
// columns, floats to 1e-12), on every day the fixture city changes and on
// days of the random city (with codes that have no label).
func TestRelabelledSameAsBefore(t *testing.T) {
	t.Parallel()
	check := func(t *testing.T, db *sql.DB, days []string, retention bool) {
		t.Helper()
		var old []string
		for _, sup := range relabelled {
			old = append(old, superseded(t, sup))
		}
		if _, err := db.Exec(strings.Join(old, "\n")); err != nil {
			t.Fatal(err)
		}
		compared := 0
		for _, d := range days {
			for _, name := range []string{"coverage", "exits", "promotions", "retention"} {
				if name == "retention" && !retention {
					continue
				}
				got, want := fmt.Sprintf("SELECT * FROM %s(DATE '%s')", name, d), fmt.Sprintf("SELECT * FROM %s(DATE '%s')", relabelled[name], d)
				if a, b := table(t, db, got), table(t, db, want); a != b {
					t.Errorf("%s:\n%s\n%s:\n%s", got, a, want, b)
				} else if a != "" {
					compared++
				}
			}
			if retention {
				for _, months := range []int{6, 24} {
					got := fmt.Sprintf("SELECT * FROM retention(DATE '%s', %d)", d, months)
					want := fmt.Sprintf("SELECT * FROM retention_007(DATE '%s', %d)", d, months)
					if a, b := table(t, db, got), table(t, db, want); a != b {
						t.Errorf("%s:\n%s\n%s:\n%s", got, a, want, b)
					}
				}
			}
		}
		// quota_usage(year) is quota_usage_002(year) for every year of the
		// days (and the default, this year).
		years := []string{"NULL"}
		for _, d := range days {
			if y := d[:4]; !slices.Contains(years, y) {
				years = append(years, y)
			}
		}
		for _, y := range years {
			got, want := "SELECT * FROM quota_usage("+y+")", "SELECT * FROM quota_usage_002("+y+")"
			if a, b := table(t, db, got), table(t, db, want); a != b || a == "" {
				t.Errorf("%s:\n%s\n%s:\n%s", got, a, want, b)
			}
		}
		sameColumns(t, db, "SELECT * FROM quota_usage(2022)", "SELECT * FROM quota_usage_002(2022)")
		// survival(d), by NULL, is survival_002(d) on the old seven
		// columns, row for row and in order, positional or named.
		const old7 = "stratum, day, at_risk, exits, censored, survival, std_err"
		survivalRows := 0
		for _, d := range days {
			got, want := fmt.Sprintf("SELECT %s FROM survival(DATE '%s')", old7, d), fmt.Sprintf("SELECT %s FROM survival_002(DATE '%s')", old7, d)
			survivalRows += sameOrderedRows(t, db, got, want, 1e-12)
		}
		named := fmt.Sprintf("SELECT %s FROM survival(as_of := DATE '%s', by := NULL)", old7, days[len(days)/2])
		if sameOrderedRows(t, db, named, fmt.Sprintf("SELECT %s FROM survival_002(DATE '%s')", old7, days[len(days)/2]), 1e-12) == 0 || survivalRows == 0 {
			t.Errorf("survival: no rows to compare on %d days", len(days))
		}
		sameColumns(t, db, "SELECT "+old7+" FROM survival(DATE '2022-01-01')", "SELECT * FROM survival_002(DATE '2022-01-01')")
		list := "['" + strings.Join(days, "', '") + "']"
		got, want := "SELECT * FROM coverage_at("+list+")", "SELECT * FROM coverage_at_007("+list+")"
		if a, b := table(t, db, got), table(t, db, want); a != b || a == "" {
			t.Errorf("coverage_at differs from coverage_at_007 (or is empty) on %s", list)
		}
		for _, name := range []string{"coverage", "exits", "promotions", "retention"} {
			sameColumns(t, db, "SELECT * FROM "+name+"(DATE '2022-01-01')", "SELECT * FROM "+relabelled[name]+"(DATE '2022-01-01')")
		}
		sameColumns(t, db, "SELECT * FROM coverage_at("+list+")", "SELECT * FROM coverage_at_007("+list+")")
		if compared < len(days) {
			t.Errorf("only %d non-empty comparisons over %d days", compared, len(days))
		}
	}
	t.Run("fixture", func(t *testing.T) {
		db := openFixture(t)
		days := queryStrings(t, db, `SELECT DISTINCT strftime(x - k, '%Y-%m-%d') FROM (
			SELECT start_date AS x FROM fact_posting UNION ALL SELECT end_date FROM fact_posting
			UNION ALL SELECT established_on FROM dim_village UNION ALL SELECT dissolved_on FROM dim_village
			UNION ALL SELECT start_date FROM fact_role UNION ALL SELECT DATE '2030-01-01'
		), (VALUES (0), (1)) v(k) WHERE x IS NOT NULL ORDER BY 1`)
		if len(days) < 30 {
			t.Fatalf("%d days", len(days))
		}
		check(t, db, days, true)
	})
	t.Run("random city", func(t *testing.T) {
		db := openFixture(t)
		// The random city has a region, a village kind and urban-rural
		// classes without a label; a channel without one is added, and the
		// county listed twice is removed (it makes retention's county
		// arbitrary).
		if _, err := db.Exec(randomCity + `
			UPDATE fact_posting SET channel = 'transfer_in' WHERE person_key LIKE '%7';
			UPDATE fact_posting SET end_reason = 'resigned' WHERE person_key LIKE '%3';
			DELETE FROM dim_county WHERE county_name = '重名县';`); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ what, q string }{
			{"a region without a label", `SELECT count(*) FROM dim_county WHERE label('region', region) IS NULL`},
			{"a village kind without a label", `SELECT count(*) FROM dim_village WHERE label('village_kind', village_kind) IS NULL`},
			{"a channel without a label", `SELECT count(*) FROM fact_posting WHERE label('channel', channel) IS NULL`},
		} {
			var n int
			if err := db.QueryRow(c.q).Scan(&n); err != nil || n == 0 {
				t.Fatalf("the data set has no %s (%v)", c.what, err)
			}
		}
		days := []string{"2017-12-31", "2018-06-30", "2019-03-15", "2020-01-01", "2020-09-30", "2021-06-30", "2022-02-28", "2023-01-01"}
		check(t, db, days, true)
	})
}

// TestVocabulary: each (kind, code) has one label; label() finds it, and
// gives NULL for a code not listed or NULL; every kind a macro asks for is
// listed.
func TestVocabulary(t *testing.T) {
	db := openFresh(t)
	if dups := queryStrings(t, db, `SELECT kind || '/' || code FROM vocabulary() GROUP BY kind, code HAVING count(*) > 1`); len(dups) != 0 {
		t.Errorf("listed twice: %v", dups)
	}
	expect(t, db, `SELECT label('region', 'remote'), label('channel', 'replenish'), label('suffix', 'entry_year'),
		label('region', 'plain') IS NULL, label('region', NULL) IS NULL, label(NULL, 'remote') IS NULL, typeof(label('region', 'remote'))`,
		"偏远地区|动态增补|年|true|true|true|VARCHAR")
	kinds := queryStrings(t, db, "SELECT DISTINCT kind FROM vocabulary()")
	set, err := Macros()
	if err != nil {
		t.Fatal(err)
	}
	used := regexp.MustCompile(`\blabel\('(\w+)'`)
	for _, f := range set.Files {
		for _, m := range used.FindAllStringSubmatch(f.SQL, -1) {
			if !slices.Contains(kinds, m[1]) {
				t.Errorf("%s.sql asks for labels of kind %s, which vocabulary() does not list", f.Name, m[1])
			}
		}
	}
}

// TestNoLabelsOutsideVocabulary: outside vocabulary.sql, Chinese text in a
// macro file is in a comment (-- or COMMENT ON) only.
func TestNoLabelsOutsideVocabulary(t *testing.T) {
	set, err := Macros()
	if err != nil {
		t.Fatal(err)
	}
	commentOn := regexp.MustCompile(`(?s)COMMENT ON MACRO .*?';\n`)
	han := func(r rune) bool { return unicode.Is(unicode.Han, r) }
	for _, f := range set.Files {
		if f.Name == "vocabulary" {
			continue
		}
		code := commentOn.ReplaceAllString(f.SQL, "")
		for _, line := range strings.Split(code, "\n") {
			if c, _, _ := strings.Cut(line, "--"); strings.IndexFunc(c, han) >= 0 {
				t.Errorf("%s.sql: Chinese text in code: %q (labels belong in vocabulary.sql)", f.Name, strings.TrimSpace(line))
			}
		}
	}
	// The check finds a label where one was.
	if text, _, _ := supersededText(t, "exits_002"); !strings.ContainsFunc(commentOn.ReplaceAllString(text, ""), han) {
		t.Error("the check would not see the labels of exits_002")
	}
}

// TestFindingDetailScrub: migration 011 removes the dates of birth and the
// ages that findings stored before it held.
func TestFindingDetailScrub(t *testing.T) {
	db := openFresh(t)
	_, err := db.Exec(`INSERT INTO etl_finding (run_id, county_code, code, severity, person_key, village_code, detail) VALUES
		(1, '140105', 'birth_mismatch', 'warning', 'p1', NULL, '出生年月 1993-09 contradicts the ID number (1993-08); the ID number wins'),
		(1, '140105', 'over_age_at_entry', 'warning', 'p2', NULL, 'special_intro entrant aged 31 on start_date 2021-04-01 (must be under 30)'),
		(1, '140105', 'gender_mismatch', 'warning', 'p3', NULL, '性别 male contradicts the ID number (female); the ID number wins')`)
	if err != nil {
		t.Fatal(err)
	}
	text, err := Migrations.ReadFile("migrations/011_finding_detail_scrub.sql")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(string(text)); err != nil {
		t.Fatal(err)
	}
	expect(t, db, `SELECT code, detail FROM etl_finding ORDER BY person_key`, `
		birth_mismatch|出生年月 contradicts the ID number (year or month); the ID number wins
		over_age_at_entry|special_intro entrant aged 30 or more on start_date 2021-04-01 (must be under 30)
		gender_mismatch|性别 male contradicts the ID number (female); the ID number wins`)
}

// TestExitsDiffersOnlyOnBlankLastReason: with the fixture's two persons whose
// last posting ended without a reason after an earlier one ended with one
// (blankLastReason), exits() and the superseded exits_002() differ exactly by
// moving those two from the earlier reason (P11 transferred, P12 resigned,
// both leaving from 小店区) to unspecified; on the plain fixture they agree.
func TestExitsDiffersOnlyOnBlankLastReason(t *testing.T) {
	db := openFixture(t)
	if _, err := db.Exec(superseded(t, "exits_002")); err != nil {
		t.Fatal(err)
	}
	const diff = `SELECT level, code, end_reason, sum(n) AS d FROM (
			SELECT level, code, end_reason, exits AS n FROM exits(DATE '2022-07-01')
			UNION ALL
			SELECT level, code, end_reason, -exits FROM exits_002(DATE '2022-07-01'))
		GROUP BY ALL HAVING sum(n) <> 0 ORDER BY level, code, end_reason`
	if got := table(t, db, diff); got != "" {
		t.Fatalf("on the plain fixture exits and exits_002 differ:\n%s", got)
	}
	if _, err := db.Exec(blankLastReason); err != nil {
		t.Fatal(err)
	}
	expect(t, db, diff, `
		city|1401|  |-1
		city|1401|transferred|-1
		city|1401|unspecified|2
		county|140105|  |-1
		county|140105|transferred|-1
		county|140105|unspecified|2
		region|developed|  |-1
		region|developed|transferred|-1
		region|developed|unspecified|2`)
}
