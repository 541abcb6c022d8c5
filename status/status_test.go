package status_test

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/grassroots-cn/grassroots/status"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// fixture writes a warehouse of five counties whose runs finished hours
// before now, and returns its path:
//
//	140101 succeeded 10 h ago (a later run failed), 2 files, rejects and a finding
//	140102 succeeded 100 h ago
//	140103 never ran
//	140104 only failed, 1 h ago
//	140105 had no new data 80 h ago
//
// with stale_after_hours set to setting ("" = not set).
func fixture(t *testing.T, now time.Time, setting string) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "warehouse.duckdb")
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("duckdb", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ago := func(h float64) time.Time { return now.Add(-time.Duration(h * float64(time.Hour))) }
	stmts := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO dim_county VALUES ('140101', '小店区', 'developed'), ('140102', '迎泽区', 'developed'),
			('140103', '阳曲县', 'remote'), ('140104', '娄烦县', 'remote'), ('140105', '古交市', 'remote')`, nil},
		{`INSERT INTO etl_run VALUES
			(1, 'ingest', '140101', ?, ?, 'succeeded', 10, 8, 0, 0, 2, NULL),
			(2, 'ingest', '140101', ?, ?, 'failed', 0, 0, 0, 0, 0, 'disk full'),
			(3, 'ingest', '140102', ?, ?, 'succeeded', 5, 5, 0, 0, 0, NULL),
			(4, 'ingest', '140104', ?, ?, 'failed', 0, 0, 0, 0, 0, 'no such folder'),
			(5, 'ingest', '140105', ?, ?, 'no_new_data', 0, 0, 0, 0, 0, NULL),
			(6, 'report', NULL, ?, ?, 'succeeded', NULL, NULL, NULL, NULL, NULL, NULL)`,
			[]any{ago(10.5), ago(10), ago(2.5), ago(2), ago(100.5), ago(100), ago(1.5), ago(1), ago(80.5), ago(80), ago(0.5), ago(0.25)}},
		{`INSERT INTO etl_file VALUES ('a', '140101', 'file:///a.xlsx', ['ledger'], 1, ?), ('b', '140101', 'file:///b.csv', ['ledger'], 1, ?),
			('c', '140102', 'file:///c.csv', ['ledger'], 3, ?)`, []any{ago(30), ago(10.2), ago(100.2)}},
		{`INSERT INTO etl_reject VALUES (1, '140101', 'file:///a.xlsx', NULL, 3, 'bad_id_checksum', NULL),
			(1, '140101', 'file:///a.xlsx', NULL, 4, 'bad_id_checksum', NULL), (1, '140101', 'file:///b.csv', NULL, 7, 'missing:degree', NULL)`, nil},
		{`INSERT INTO etl_finding (run_id, county_code, code, severity, person_key, village_code, detail) VALUES (1, '140101', 'gender_mismatch', 'warning', NULL, NULL, NULL)`, nil},
	}
	if setting != "" {
		stmts = append(stmts, struct {
			q    string
			args []any
		}{`INSERT INTO etl_setting VALUES ('stale_after_hours', ?)`, []any{setting}})
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, s.q, s.args...); err != nil {
			t.Fatalf("%s: %v", s.q, err)
		}
	}
	return path
}

func read(t *testing.T, path string) *status.Status {
	t.Helper()
	ctx := context.Background()
	r, err := warehouse.OpenReader(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	st, err := status.Read(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestReadStatus checks every field of the status of the fixture against
// what was written, freshness with the default threshold of 72 hours.
func TestReadStatus(t *testing.T) {
	now := time.Now()
	path := fixture(t, now, "")
	st := read(t, path)
	if st.File != path {
		t.Errorf("file %q, want %q", st.File, path)
	}
	want := []struct {
		code    string
		lastRun int64 // 0: none
		hours   float64
		never   bool
		stale   bool
		files   int64
		rejects map[string]int64
	}{
		{"140101", 2, 10, false, false, 2, map[string]int64{"bad_id_checksum": 2, "missing:degree": 1}},
		{"140102", 3, 100, false, true, 1, nil},
		{"140103", 0, 0, true, true, 0, nil},
		{"140104", 4, 0, true, true, 0, nil},
		{"140105", 5, 80, false, true, 0, nil},
	}
	if len(st.Counties) != len(want) {
		t.Fatalf("%d counties, want %d", len(st.Counties), len(want))
	}
	for i, w := range want {
		c := st.Counties[i]
		if c.Code != w.code {
			t.Fatalf("county %d is %s, want %s", i, c.Code, w.code)
		}
		if got := c.LastRun; (got == nil) != (w.lastRun == 0) || got != nil && got.RunID != w.lastRun {
			t.Errorf("%s: last run %+v, want run %d", c.Code, got, w.lastRun)
		}
		if w.never {
			if c.LastSuccess != nil || c.HoursSinceSuccess != nil {
				t.Errorf("%s: never succeeded, but last success %v, %v hours", c.Code, c.LastSuccess, c.HoursSinceSuccess)
			}
		} else {
			wantAt := now.Add(-time.Duration(w.hours * float64(time.Hour)))
			if c.LastSuccess == nil || c.LastSuccess.Sub(wantAt).Abs() > time.Millisecond {
				t.Errorf("%s: last success %v, want %v", c.Code, c.LastSuccess, wantAt)
			}
			// The hours run from the query's now(), a moment after ours.
			if h := c.HoursSinceSuccess; h == nil || *h < w.hours || *h > w.hours+0.01 {
				t.Errorf("%s: %v hours since success, want %v", c.Code, h, w.hours)
			}
		}
		if c.Stale != w.stale {
			t.Errorf("%s: stale %v, want %v", c.Code, c.Stale, w.stale)
		}
		if c.Files != w.files {
			t.Errorf("%s: %d files, want %d", c.Code, c.Files, w.files)
		}
		if fmt.Sprint(c.Rejects) != fmt.Sprint(w.rejects) && !(len(c.Rejects) == 0 && len(w.rejects) == 0) {
			t.Errorf("%s: rejects %v, want %v", c.Code, c.Rejects, w.rejects)
		}
	}
	c := st.Counties[0]
	if c.LastRun.Error != "disk full" || c.Findings["gender_mismatch"] != 1 || len(c.Findings) != 1 {
		t.Errorf("140101: last run error %q, findings %v", c.LastRun.Error, c.Findings)
	}
	if c.LastNewFile == nil || c.LastNewFile.Sub(now.Add(-time.Duration(10.2*float64(time.Hour)))).Abs() > time.Millisecond {
		t.Errorf("140101: last new file %v, want 10.2 hours ago", c.LastNewFile)
	}
	if len(st.Recent) != 6 || st.Recent[0].RunID != 6 || st.Recent[5].RunID != 1 {
		t.Errorf("recent runs %+v, want runs 6 to 1", st.Recent)
	}
}

// TestReadStatusStaleAfterSetting: the threshold is etl_setting's
// stale_after_hours, the one the source_freshness macro reads.
func TestReadStatusStaleAfterSetting(t *testing.T) {
	for _, c := range []struct {
		setting string
		stale   map[string]bool
	}{
		{"96", map[string]bool{"140101": false, "140102": true, "140103": true, "140104": true, "140105": false}},
		{"5", map[string]bool{"140101": true, "140102": true, "140103": true, "140104": true, "140105": true}},
		{"120", map[string]bool{"140101": false, "140102": false, "140103": true, "140104": true, "140105": false}},
	} {
		st := read(t, fixture(t, time.Now(), c.setting))
		for _, cs := range st.Counties {
			if cs.Stale != c.stale[cs.Code] {
				t.Errorf("stale_after_hours %s: %s stale %v, want %v", c.setting, cs.Code, cs.Stale, c.stale[cs.Code])
			}
		}
	}
}

// TestReadStatusHoursAreFromNow: hours since success are measured to now,
// not to a clock of the caller's.
func TestReadStatusHoursAreFromNow(t *testing.T) {
	st := read(t, fixture(t, time.Now().Add(-24*time.Hour), "72"))
	h := st.Counties[0].HoursSinceSuccess
	if h == nil || math.Abs(*h-34) > 0.01 {
		t.Errorf("hours since success %v, want 34", h)
	}
	if st.Counties[0].Stale || !st.Counties[4].Stale {
		t.Errorf("stale %v and %v, want false and true (34 and 104 hours)", st.Counties[0].Stale, st.Counties[4].Stale)
	}
}
