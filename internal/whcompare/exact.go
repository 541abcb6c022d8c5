package whcompare

import (
	"database/sql"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// Exact compares two snapshots exactly: the same tables with the
// same columns (names, types, comments, in order), the same macros and
// views, and every table's rows as multisets (EXCEPT ALL both ways), except
// schema_migrations and schema_macros, whose times of application differ:
// there only the versions and names, and the hash. It returns the
// differences.
func Exact(t testing.TB, a, b string) []string {
	t.Helper()
	db := attach(t, map[string]string{"a": a, "b": b})
	defer db.Close()
	var diffs []string
	// The catalogue, as text lines per database.
	catalogue := map[string]string{
		"tables":  "SELECT table_name || ' ' || coalesce(comment, '') FROM duckdb_tables() WHERE database_name = ?",
		"columns": "SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable::VARCHAR || ' ' || coalesce(comment, '') FROM duckdb_columns() WHERE database_name = ?",
		"macros": `SELECT function_name || ' ' || function_type || ' ' || parameters::VARCHAR || ' ' || coalesce(macro_definition, '')
			FROM duckdb_functions() WHERE database_name = ? AND function_type IN ('macro', 'table_macro')`,
		"views": "SELECT view_name || ' ' || sql FROM duckdb_views() WHERE database_name = ? AND NOT internal",
	}
	for _, what := range slices.Sorted(maps.Keys(catalogue)) {
		la, lb := sortExcludes(textRows(t, db, catalogue[what], "a")), sortExcludes(textRows(t, db, catalogue[what], "b"))
		if !slices.Equal(la, lb) {
			diffs = append(diffs, fmt.Sprintf("%s differ: %d against %d, first only in a: %q, first only in b: %q",
				what, len(la), len(lb), firstMissing(la, lb), firstMissing(lb, la)))
		}
	}
	const tablesOf = "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main'"
	tables, tablesB := textRows(t, db, tablesOf, "a"), textRows(t, db, tablesOf, "b")
	if len(tables) < 20 {
		diffs = append(diffs, fmt.Sprintf("only %d tables in %s", len(tables), a))
	}
	for _, table := range tables {
		if !slices.Contains(tablesB, table) {
			continue // reported with the catalogue
		}
		cols := "*"
		switch table {
		case "schema_migrations":
			cols = "version, name"
		case "schema_macros":
			cols = "hash"
		}
		q := func(x, y string) string {
			return fmt.Sprintf("SELECT count(*) FROM (SELECT %[1]s FROM %[2]s.main.%[4]s EXCEPT ALL SELECT %[1]s FROM %[3]s.main.%[4]s)", cols, x, y, table)
		}
		var onlyA, onlyB, n int64
		if err := db.QueryRow(q("a", "b")).Scan(&onlyA); err != nil {
			t.Fatalf("compare %s: %v", table, err)
		}
		if err := db.QueryRow(q("b", "a")).Scan(&onlyB); err != nil {
			t.Fatalf("compare %s: %v", table, err)
		}
		if err := db.QueryRow("SELECT count(*) FROM a.main." + table).Scan(&n); err != nil {
			t.Fatalf("count %s: %v", table, err)
		}
		if onlyA+onlyB > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: %d of %d rows only in the first, %d only in the second", table, onlyA, n, onlyB))
		}
	}
	return diffs
}

// textRows runs a query of one text column with one argument and returns
// its rows, sorted.
func textRows(t testing.TB, db *sql.DB, q string, arg any) []string {
	t.Helper()
	rows, err := db.Query(q, arg)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
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
	slices.Sort(out)
	return out
}

// excludeList is an EXCLUDE (…) list in a macro's text as DuckDB prints it.
var excludeList = regexp.MustCompile(`EXCLUDE \(([^()]*)\)`)

// sortExcludes sorts the columns of every EXCLUDE list in lines, then the
// lines: DuckDB keeps such a list as a set and prints it in no fixed order
// (the same macro reads "EXCLUDE (run_id, valid_to, valid_from)" in one file
// and "EXCLUDE (valid_from, valid_to, run_id)" in another).
func sortExcludes(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = excludeList.ReplaceAllStringFunc(l, func(m string) string {
			cols := strings.Split(excludeList.FindStringSubmatch(m)[1], ", ")
			slices.Sort(cols)
			return "EXCLUDE (" + strings.Join(cols, ", ") + ")"
		})
	}
	slices.Sort(out)
	return out
}

// firstMissing is the first line of a not in b.
func firstMissing(a, b []string) string {
	for _, s := range a {
		if !slices.Contains(b, s) {
			return s
		}
	}
	return ""
}

// attach opens an in-memory DuckDB with one connection and attaches each
// file read-only under its alias.
func attach(t testing.TB, files map[string]string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for alias, path := range files {
		if _, err := db.Exec(fmt.Sprintf("ATTACH '%s' AS %s (READ_ONLY)", strings.ReplaceAll(path, "'", "''"), alias)); err != nil {
			db.Close()
			t.Fatalf("attach %s: %v", path, err)
		}
	}
	return db
}
