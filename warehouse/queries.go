package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/grassroots-cn/grassroots/internal/canon"
)

// Divisions returns the counties, townships and villages in the warehouse,
// each ordered by code: the lists rows are resolved against
// (transform.NewDirectory).
func (w *Warehouse) Divisions(ctx context.Context) ([]canon.County, []canon.Township, []canon.Village, error) {
	var (
		cs []canon.County
		ts []canon.Township
		vs []canon.Village
	)
	err := queryEach(ctx, w.db, "SELECT county_code, county_name FROM dim_county ORDER BY 1", nil, func(r *sql.Rows) error {
		var c canon.County
		err := r.Scan(&c.Code, &c.Name)
		cs = append(cs, c)
		return err
	})
	if err == nil {
		err = queryEach(ctx, w.db, "SELECT township_code, township_name, county_code FROM dim_township ORDER BY 1", nil, func(r *sql.Rows) error {
			var t canon.Township
			err := r.Scan(&t.Code, &t.Name, &t.CountyCode)
			ts = append(ts, t)
			return err
		})
	}
	if err == nil {
		err = queryEach(ctx, w.db, "SELECT village_code, village_name, township_code, county_code FROM dim_village ORDER BY 1", nil, func(r *sql.Rows) error {
			var v canon.Village
			err := r.Scan(&v.Code, &v.Name, &v.TownshipCode, &v.CountyCode)
			vs = append(vs, v)
			return err
		})
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("warehouse: divisions: %w", err)
	}
	return cs, ts, vs, nil
}

// SeenFiles returns the SHA-256 of every file already loaded for a county
// ("" for the city's divisions list).
func (w *Warehouse) SeenFiles(ctx context.Context, county string) (map[string]bool, error) {
	seen := map[string]bool{}
	err := queryEach(ctx, w.db, "SELECT DISTINCT file_sha256 FROM etl_file WHERE county_code IS NOT DISTINCT FROM ?",
		[]any{nullable(county)}, func(r *sql.Rows) error {
			var s string
			err := r.Scan(&s)
			seen[s] = true
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("warehouse: files seen: %w", err)
	}
	return seen, nil
}

// SeenFilesByCounty returns SeenFiles for every county at once (one query
// instead of one per county, for a run of thousands of counties).
func (w *Warehouse) SeenFilesByCounty(ctx context.Context) (map[string]map[string]bool, error) {
	seen := map[string]map[string]bool{}
	err := queryEach(ctx, w.db, "SELECT DISTINCT county_code, file_sha256 FROM etl_file WHERE county_code IS NOT NULL", nil,
		func(r *sql.Rows) error {
			var c, s string
			err := r.Scan(&c, &s)
			if seen[c] == nil {
				seen[c] = map[string]bool{}
			}
			seen[c][s] = true
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("warehouse: files seen: %w", err)
	}
	return seen, nil
}

// RecordRun records a run that loaded nothing (no new file) or failed before
// a load could start.
func (w *Warehouse) RecordRun(ctx context.Context, job, county, status, errText string) (int64, error) {
	l, err := w.Begin(ctx, job, county)
	if err != nil {
		return 0, err
	}
	if status == StatusFailed {
		return l.runID, l.Rollback(ctx, fmt.Errorf("%s", errText))
	}
	res, err := l.Commit(ctx, Counts{})
	return res.RunID, err
}

// querier is a pool (*sql.DB) or one held connection (*sql.Conn).
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// queryEach runs q and calls fn for every row, stopping at fn's first error.
func queryEach(ctx context.Context, db querier, q string, args []any, fn func(*sql.Rows) error) error {
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Counties returns dim_county by code.
func (w *Warehouse) Counties(ctx context.Context) (map[string]County, error) {
	out := map[string]County{}
	err := queryEach(ctx, w.db, "SELECT county_code, county_name, region FROM dim_county", nil, func(r *sql.Rows) error {
		var c County
		err := r.Scan(&c.Code, &c.Name, &c.Region)
		out[c.Code] = c
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("warehouse: counties: %w", err)
	}
	return out, nil
}

// SetSettings replaces etl_setting (the settings the metric macros read: the
// city, its time zone, when a source is stale) when they differ, and says
// whether they did.
func (w *Warehouse) SetSettings(ctx context.Context, settings map[string]string) (changed bool, err error) {
	have := map[string]string{}
	err = queryEach(ctx, w.db, "SELECT key, coalesce(value, '') FROM etl_setting", nil, func(r *sql.Rows) error {
		var k, v string
		err := r.Scan(&k, &v)
		have[k] = v
		return err
	})
	if err != nil {
		return false, fmt.Errorf("warehouse: settings: %w", err)
	}
	if maps.Equal(have, settings) {
		return false, nil
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("warehouse: settings: %w", err)
	}
	defer conn.Close()
	stmts := []string{"BEGIN TRANSACTION", "DELETE FROM etl_setting"}
	var args [][]any
	args = append(args, nil, nil)
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		stmts = append(stmts, "INSERT INTO etl_setting VALUES (?, ?)")
		args = append(args, []any{k, settings[k]})
	}
	stmts = append(stmts, "COMMIT")
	args = append(args, nil)
	for i, s := range stmts {
		if _, err := conn.ExecContext(ctx, s, args[i]...); err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
			return false, fmt.Errorf("warehouse: settings: %w", err)
		}
	}
	return true, nil
}

// SourceState returns what a county's HTTP source stored after its last
// committed pull (see etl_source_state).
func (w *Warehouse) SourceState(ctx context.Context, county string) (map[string]string, error) {
	state := map[string]string{}
	err := queryEach(ctx, w.db, "SELECT key, coalesce(value, '') FROM etl_source_state WHERE county_code = ?", []any{county},
		func(r *sql.Rows) error {
			var k, v string
			err := r.Scan(&k, &v)
			state[k] = v
			return err
		})
	if err != nil {
		return nil, fmt.Errorf("warehouse: source state: %w", err)
	}
	return state, nil
}

// LastRunStart is when the last run of a job for a county ("" = city-level)
// started, whatever its outcome; ok is false if it never ran.
func (w *Warehouse) LastRunStart(ctx context.Context, job, county string) (t time.Time, ok bool, err error) {
	var last sql.NullTime
	err = w.db.QueryRowContext(ctx, "SELECT max(started_at) FROM etl_run WHERE job = ? AND county_code IS NOT DISTINCT FROM ?",
		job, nullable(county)).Scan(&last)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("warehouse: last run: %w", err)
	}
	return last.Time, last.Valid, nil
}

// RecordJob records a run of a city-level job that loads nothing (the
// monthly report, the export): its outcome, and the error if it failed.
func (w *Warehouse) RecordJob(ctx context.Context, job string, started time.Time, jobErr error) (int64, error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("warehouse: record %s: %w", job, err)
	}
	defer conn.Close()
	status, errText := StatusSucceeded, any(nil)
	if jobErr != nil {
		status, errText = StatusFailed, jobErr.Error()
	}
	var id int64
	q := `INSERT INTO etl_run SELECT coalesce(max(run_id), 0) + 1, ?, NULL, ?, ?, ?, 0, 0, 0, 0, 0, ? FROM etl_run RETURNING run_id`
	if err := conn.QueryRowContext(ctx, q, job, started, time.Now(), status, errText).Scan(&id); err != nil {
		return 0, fmt.Errorf("warehouse: record %s: %w", job, err)
	}
	return id, nil
}

// openReadOnly opens a warehouse or published snapshot read-only (a reader
// never blocks the writer of another file) and checks that it answers.
func openReadOnly(ctx context.Context, path string, opts Options) (*sql.DB, error) {
	db, err := sql.Open("duckdb", dsn(path, opts, true))
	if err != nil {
		return nil, fmt.Errorf("warehouse: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("warehouse: open %s read-only: %w", path, err)
	}
	return db, nil
}
