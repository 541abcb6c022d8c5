// Package testdb opens DuckDB files in tests.
package testdb

import (
	"database/sql"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver
)

// OpenReadOnly opens the DuckDB file at path read-only, closing it when the
// test ends; it fails the test if the file cannot be opened.
func OpenReadOnly(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		t.Fatalf("open %s read-only: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
