package audit_test

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// fixture is a release written by hand: each table a query over VALUES,
// written by an in-memory DuckDB as Parquet, per-person tables
// Hive-partitioned by county_code as in a real release.
type fixture struct {
	k      int
	qis    []string          // manifest.json's quasi_identifiers
	tables map[string]string // name -> SELECT
	hive   map[string]bool   // tables partitioned by county_code
}

// write writes the fixture into a new folder and returns it.
func (f fixture) write(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, q := range f.tables {
		var copySQL string
		if f.hive[name] {
			copySQL = "COPY (" + q + ") TO " + lit(filepath.Join(dir, name)) + " (FORMAT parquet, PARTITION_BY (county_code))"
		} else {
			copySQL = "COPY (" + q + ") TO " + lit(filepath.Join(dir, name+".parquet")) + " (FORMAT parquet)"
		}
		if _, err := db.Exec(copySQL); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	m, err := json.Marshal(map[string]any{"release": "hand", "as_of": "2020-12-31", "k": f.k, "quasi_identifiers": f.qis})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), m, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// lit quotes a path as an SQL literal.
func lit(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// values is a SELECT over VALUES rows with the named columns.
func values(cols string, rows ...string) string {
	return "SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") t(" + cols + ")"
}
