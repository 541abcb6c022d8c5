package pipeline

import (
	"database/sql"
	"os"
	"testing"
	"time"
)

// TestRerunRefreshesSnapshotRuns: a rerun with nothing new does not
// republish, but source_freshness() read from the published snapshot then
// gives each county the rerun's pull as its last success (the finished_at of
// its no_new_data run in the private warehouse), not the first load; the
// snapshot's data and backups stay as they were.
func TestRerunRefreshesSnapshotRuns(t *testing.T) {
	cfg := fixture(t)
	if res := runOnce(t, cfg); !res.Publish || res.RunsRefreshed {
		t.Fatalf("first run: published %v, runs refreshed %v", res.Publish, res.RunsRefreshed)
	}
	postings := postingsIn(t, cfg.Published, "140105") + postingsIn(t, cfg.Published, "140123")
	time.Sleep(20 * time.Millisecond) // the rerun's finished_at differs from the load's
	res := runOnce(t, cfg)
	if res.Publish || !res.RunsRefreshed {
		t.Fatalf("rerun: published %v, runs refreshed %v; want false, true", res.Publish, res.RunsRefreshed)
	}
	want := map[string]time.Time{}
	withWarehouse(t, cfg, func(db *sql.DB) {
		rows, err := db.Query("SELECT county_code, finished_at FROM etl_run WHERE job = 'ingest' AND status = 'no_new_data'")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var c string
			var at time.Time
			if err := rows.Scan(&c, &at); err != nil {
				t.Fatal(err)
			}
			want[c] = at
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		loaded := scalar[time.Time](t, db, "SELECT max(finished_at) FROM etl_run WHERE job = 'ingest' AND status = 'succeeded'")
		for c, at := range want {
			if !at.After(loaded) {
				t.Fatalf("%s: the rerun finished %v, not after the load %v", c, at, loaded)
			}
		}
	})
	if len(want) != 2 {
		t.Fatalf("no_new_data runs of %d counties, want 2", len(want))
	}
	db := openRO(t, cfg.Published)
	rows, err := db.Query("SELECT county_code, last_success, stale FROM source_freshness()")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	seen := 0
	for rows.Next() {
		var c string
		var at time.Time
		var stale bool
		if err := rows.Scan(&c, &at, &stale); err != nil {
			t.Fatal(err)
		}
		if w, ok := want[c]; !ok || !at.Equal(w) || stale {
			t.Errorf("snapshot: %s last_success %v (stale %v), want %v", c, at, stale, w)
		}
		seen++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen != len(want) {
		t.Errorf("source_freshness() has %d counties, want %d", seen, len(want))
	}
	if got := postingsIn(t, cfg.Published, "140105") + postingsIn(t, cfg.Published, "140123"); got != postings {
		t.Error("the snapshot's postings changed on a rerun with nothing new")
	}
	if _, err := os.Stat(cfg.Published + ".1"); !os.IsNotExist(err) {
		t.Errorf("a backup was rotated for a refresh of the run log (%v)", err)
	}
	// A third run refreshes again; the snapshot's etl_run matches the
	// warehouse's row for row. (The snapshot is closed first: DuckDB in
	// this process would otherwise keep serving the file it has open.)
	rows.Close()
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if res := runOnce(t, cfg); res.Publish || !res.RunsRefreshed {
		t.Fatalf("third run: published %v, runs refreshed %v", res.Publish, res.RunsRefreshed)
	}
	n := scalar[int64](t, openRO(t, cfg.Published), "SELECT count(*) FROM etl_run")
	withWarehouse(t, cfg, func(db *sql.DB) {
		if m := scalar[int64](t, db, "SELECT count(*) FROM etl_run"); m != n || n == 0 {
			t.Errorf("etl_run: %d rows in the snapshot, %d in the warehouse", n, m)
		}
	})
}
