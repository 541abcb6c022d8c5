package warehouse

import (
	"context"
	"database/sql"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"

	sqlfiles "github.com/grassroots-cn/grassroots/sql"
)

// macroNames returns the macros of the main schema of db's database, sorted.
func macroNames(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT DISTINCT function_name FROM duckdb_functions()
		WHERE NOT internal AND function_type IN ('macro', 'table_macro')
		AND database_name = current_database() AND schema_name = 'main' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		names = append(names, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return names
}

// macroState is what schema_macros holds.
type macroState struct {
	rows      int64
	hash      string
	appliedAt time.Time
}

func readMacroState(t *testing.T, db *sql.DB) macroState {
	t.Helper()
	var s macroState
	var hash sql.NullString
	var at sql.NullTime
	if err := db.QueryRow("SELECT count(*), max(hash), max(applied_at) FROM schema_macros").Scan(&s.rows, &hash, &at); err != nil {
		t.Fatal(err)
	}
	s.hash, s.appliedAt = hash.String, at.Time
	return s
}

// rawExec runs statements on the database file at path, opened directly.
func rawExec(t *testing.T, path string, stmts string) {
	t.Helper()
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(stmts); err != nil {
		t.Fatalf("%s: %v", stmts, err)
	}
}

func embeddedMacros(t *testing.T) sqlfiles.MacroSet {
	t.Helper()
	set, err := sqlfiles.Macros()
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestMacrosAppliedOnOpen: a fresh warehouse gets the macro set and its
// hash; reopening with the same set leaves the macros alone; a warehouse
// whose macros are an older binary's (no schema_macros, another coverage, a
// macro since retired, no vocabulary) gets the set on opening.
func TestMacrosAppliedOnOpen(t *testing.T) {
	ctx := context.Background()
	set := embeddedMacros(t)
	want := slices.Sorted(slices.Values(set.Names()))
	w, path := openTest(t)
	if got := macroNames(t, w.db); !slices.Equal(got, want) {
		t.Fatalf("a fresh warehouse has macros %v, want %v", got, want)
	}
	first := readMacroState(t, w.db)
	if first.rows != 1 || first.hash != set.Hash {
		t.Fatalf("schema_macros: %d rows, hash %q; want 1 row, %q", first.rows, first.hash, set.Hash)
	}
	migs, lerr := sqlfiles.List()
	if lerr != nil {
		t.Fatal(lerr)
	}
	if n := queryInt(t, w.db, "SELECT count(*) FROM schema_migrations"); n != int64(len(migs)) || n < 9 {
		t.Fatalf("schema_migrations: %d rows, want the %d embedded migrations", n, len(migs))
	}
	reopen := func() {
		t.Helper()
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		var err error
		if w, err = Open(ctx, path, Options{}); err != nil {
			t.Fatal(err)
		}
	}

	// The same set: not applied again (the extra macro would be dropped).
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rawExec(t, path, "CREATE MACRO marker_kept() AS 1")
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if got := macroNames(t, w.db); !slices.Contains(got, "marker_kept") {
		t.Errorf("reopened with the same set, the macros were applied again: %v", got)
	}
	if s := readMacroState(t, w.db); s.rows != first.rows || s.hash != first.hash || !s.appliedAt.Equal(first.appliedAt) {
		t.Errorf("reopened with the same set: schema_macros %+v, was %+v", s, first)
	}

	// An older binary's warehouse.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rawExec(t, path, `DROP TABLE schema_macros;
		CREATE OR REPLACE MACRO coverage(as_of := NULL) AS TABLE SELECT 1 AS stale;
		CREATE MACRO retired() AS 2;
		DROP MACRO label; DROP MACRO TABLE vocabulary;`)
	w, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := macroNames(t, w.db); !slices.Equal(got, want) {
		t.Errorf("an older warehouse has macros %v after opening, want %v", got, want)
	}
	if s := readMacroState(t, w.db); s.rows != 1 || s.hash != set.Hash {
		t.Errorf("schema_macros: %d rows, hash %q; want 1 row, %q", s.rows, s.hash, set.Hash)
	}
	loadDivisions(t, w, memory.NewGoAllocator())
	if n := queryInt(t, w.db, "SELECT villages FROM coverage('2020-06-01') WHERE level = 'county' AND code = '140105'"); n != 1 {
		t.Errorf("coverage after the upgrade: %d villages in 140105, want 1", n)
	}
	var name string
	if err := w.db.QueryRow("SELECT name FROM coverage('2020-06-01') WHERE level = 'region' AND code = 'remote'").Scan(&name); err != nil || name != "偏远地区" {
		t.Errorf("coverage's remote region is named %q (%v), want 偏远地区", name, err)
	}
	reopen()
	if s := readMacroState(t, w.db); s.rows != 1 || s.hash != set.Hash {
		t.Errorf("reopened: schema_macros %+v", s)
	}
}

// TestSnapshotMacros: a snapshot gets the macro set and its hash, and one
// with another hash, or from before the hash was kept, is not current.
func TestSnapshotMacros(t *testing.T) {
	ctx := context.Background()
	set := embeddedMacros(t)
	w, path := openTest(t)
	loadDivisions(t, w, memory.NewGoAllocator())
	dst := filepath.Join(filepath.Dir(path), "published", "analytics.duckdb")
	publish := func(step string) {
		t.Helper()
		if err := w.Publish(ctx, dst); err != nil {
			t.Fatal(err)
		}
		if !w.SnapshotCurrent(ctx, dst) {
			t.Fatalf("%s: SnapshotCurrent = false right after Publish", step)
		}
		db, err := sql.Open("duckdb", dst+"?access_mode=read_only")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got, want := macroNames(t, db), slices.Sorted(slices.Values(set.Names())); !slices.Equal(got, want) {
			t.Errorf("%s: the snapshot has macros %v, want %v", step, got, want)
		}
		if s := readMacroState(t, db); s.rows != 1 || s.hash != set.Hash {
			t.Errorf("%s: the snapshot's schema_macros: %d rows, hash %q; want 1 row, %q", step, s.rows, s.hash, set.Hash)
		}
	}
	publish("first publish")

	rawExec(t, dst, "UPDATE schema_macros SET hash = 'an older binary''s set'")
	if w.SnapshotCurrent(ctx, dst) {
		t.Error("a snapshot with another macro set is current")
	}
	publish("republished after another set")

	rawExec(t, dst, "DROP TABLE schema_macros")
	if w.SnapshotCurrent(ctx, dst) {
		t.Error("a snapshot from before the macro hash is current")
	}
	publish("republished after no set")
}
