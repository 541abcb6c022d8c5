package warehouse

import (
	"context"
	"testing"
)

// TestSameMacros: the incremental publish creates the snapshot's macros
// again only when they differ from the warehouse's. A snapshot published by
// this binary has the same ones, although DuckDB prints the EXCLUDE lists of
// the *_vintage macros in another order from each file; a macro's text or
// its comment changed by hand in the snapshot is a difference.
func TestSameMacros(t *testing.T) {
	ctx := context.Background()
	w, path, dst := openPublished(t)
	// Both files read afresh, as a later run reads them.
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w, err := Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	conn, err := w.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&self); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "ATTACH '"+dst+"' AS snapshot"); err != nil {
		t.Fatal(err)
	}
	var vintage int64
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_functions() WHERE database_name = 'snapshot'
		AND function_name LIKE '%\_vintage' ESCAPE '\' AND macro_definition LIKE '%EXCLUDE (%'`).Scan(&vintage); err != nil {
		t.Fatal(err)
	}
	if vintage == 0 {
		t.Fatal("no *_vintage macro with an EXCLUDE list: the case this test is about is gone")
	}
	check := func(step string, want bool) {
		t.Helper()
		got, err := sameMacros(ctx, conn, self)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: sameMacros = %v, want %v", step, got, want)
		}
	}
	check("as published", true)
	// The same EXCLUDE list written in two orders, which DuckDB prints in
	// two orders as well.
	if _, err := conn.ExecContext(ctx, "CREATE MACRO "+self+".main.nx() AS TABLE SELECT * EXCLUDE (county_code, county_name) FROM dim_county"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE MACRO snapshot.main.nx() AS TABLE SELECT * EXCLUDE (county_name, county_code) FROM dim_county"); err != nil {
		t.Fatal(err)
	}
	var texts int64
	if err := conn.QueryRowContext(ctx, "SELECT count(DISTINCT macro_definition) FROM duckdb_functions() WHERE function_name = 'nx'").Scan(&texts); err != nil {
		t.Fatal(err)
	}
	if texts != 2 {
		t.Errorf("DuckDB printed the two EXCLUDE lists alike (%d texts): the order is not what this test checks", texts)
	}
	check("one EXCLUDE list in two orders", true)
	for _, db := range []string{self, "snapshot"} {
		if _, err := conn.ExecContext(ctx, "DROP MACRO TABLE "+db+".main.nx"); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct{ step, change string }{
		{"a macro's text changed", "CREATE OR REPLACE MACRO snapshot.main.city_setting(k) AS 'altered'"},
		{"a comment changed", "COMMENT ON MACRO snapshot.main.data_end IS 'altered'"},
		{"a macro added", "CREATE MACRO snapshot.main.extra(x) AS x + 1"},
		{"a macro dropped", "DROP MACRO TABLE snapshot.main.coverage"},
	} {
		if _, err := conn.ExecContext(ctx, "BEGIN; "+c.change); err != nil {
			t.Fatalf("%s: %v", c.step, err)
		}
		check(c.step, false)
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Fatal(err)
		}
		check("after "+c.step+" was rolled back", true)
	}
}
