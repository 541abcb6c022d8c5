// Package whcompare compares two warehouse files table by table, for the
// tests that require a load to end in exactly the state of another (a rerun
// after a crash, a grouped load against county-by-county loads).
package whcompare

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2"
)

// volatileCols differ between two loads of the same data.
var volatileCols = map[string]bool{"run_id": true, "first_run_id": true, "started_at": true, "finished_at": true,
	"received_at": true, "valid_from": true, "applied_at": true, "updated_at": true}

// Compare compares every table of two warehouses as multisets of
// rows, without the volatile columns (valid_to is compared as "is the version
// open"). etl_run is compared as the per-job, per-county totals of its
// succeeded runs (a crashed attempt leaves no row, but a rerun adds
// no_new_data rows); etl_reject and etl_finding as the rows of the last
// succeeded run of each job and county. It returns the differences and how
// many of want's rows got lacks.
func Compare(t testing.TB, want, got string) (diffs []string, lost int64) {
	t.Helper()
	db := attach(t, map[string]string{"want": want, "got": got})
	defer db.Close()
	tables := func(alias string) []string {
		rows, err := db.Query("SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY 1", alias)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ts []string
		for rows.Next() {
			var s string
			rows.Scan(&s)
			ts = append(ts, s)
		}
		return ts
	}
	wantTables := tables("want")
	if g := tables("got"); !slices.Equal(g, wantTables) {
		return []string{fmt.Sprintf("tables %v, want %v", g, wantTables)}, 0
	}
	lastRuns := "run_id IN (SELECT max(run_id) FROM %[1]s.main.etl_run WHERE status = 'succeeded' GROUP BY job, county_code)"
	for _, table := range wantTables {
		var query string // with %[1]s for the database
		switch table {
		case "etl_run":
			query = `SELECT job, county_code, count(*), sum(rows_in), sum(rows_loaded), sum(rows_unchanged),
				sum(rows_duplicate), sum(rows_rejected) FROM %[1]s.main.etl_run WHERE status = 'succeeded' GROUP BY ALL`
		default:
			rows, err := db.Query(`SELECT column_name FROM duckdb_columns()
				WHERE database_name = 'want' AND schema_name = 'main' AND table_name = ? ORDER BY column_index`, table)
			if err != nil {
				t.Fatal(err)
			}
			var cols []string
			for rows.Next() {
				var c string
				rows.Scan(&c)
				switch {
				case c == "valid_to":
					cols = append(cols, "(valid_to IS NULL) AS open_version")
				case !volatileCols[c]:
					cols = append(cols, `"`+c+`"`)
				}
			}
			rows.Close()
			query = "SELECT " + strings.Join(cols, ", ") + " FROM %[1]s.main." + table
			if table == "etl_reject" || table == "etl_finding" {
				query += " WHERE " + lastRuns
			}
		}
		var missing, extra, n int64
		q := func(a, b string) string {
			return fmt.Sprintf("SELECT count(*) FROM (%s EXCEPT ALL %s)", fmt.Sprintf(query, a), fmt.Sprintf(query, b))
		}
		if err := db.QueryRow(q("want", "got")).Scan(&missing); err != nil {
			t.Fatalf("compare %s: %v", table, err)
		}
		if err := db.QueryRow(q("got", "want")).Scan(&extra); err != nil {
			t.Fatalf("compare %s: %v", table, err)
		}
		db.QueryRow(fmt.Sprintf("SELECT count(*) FROM (%s)", fmt.Sprintf(query, "want"))).Scan(&n)
		if missing+extra > 0 {
			diffs = append(diffs, fmt.Sprintf("%s: %d of %d rows missing, %d extra", table, missing, n, extra))
			lost += missing
		}
	}
	return diffs, lost
}
