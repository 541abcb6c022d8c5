package warehouse

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Run is one etl_run row.
type Run struct {
	RunID      int64     `json:"run_id"`
	Job        string    `json:"job"`
	County     string    `json:"county_code,omitempty"`
	Started    time.Time `json:"started_at"`
	Finished   time.Time `json:"finished_at"`
	Status     string    `json:"status"`
	RowsIn     int64     `json:"rows_in"`
	Loaded     int64     `json:"rows_loaded"`
	Unchanged  int64     `json:"rows_unchanged"`
	Duplicates int64     `json:"rows_duplicate"`
	Rejected   int64     `json:"rows_rejected"`
	Error      string    `json:"error,omitempty"`
}

// runCols are the etl_run columns scanRun reads.
const runCols = `run_id, job, county_code, started_at, finished_at, status, coalesce(rows_in, 0), coalesce(rows_loaded, 0),
	coalesce(rows_unchanged, 0), coalesce(rows_duplicate, 0), coalesce(rows_rejected, 0), error`

// scanRun reads one etl_run row selected with runCols.
func scanRun(r Row) (Run, error) {
	var x Run
	var county, errText sql.NullString
	var fin sql.NullTime
	err := r.Scan(&x.RunID, &x.Job, &county, &x.Started, &fin, &x.Status, &x.RowsIn, &x.Loaded, &x.Unchanged, &x.Duplicates, &x.Rejected, &errText)
	x.County, x.Error, x.Finished = county.String, errText.String, fin.Time
	return x, err
}

// runs reads the runs q selects with runCols.
func (r *Reader) runs(ctx context.Context, q string, args ...any) ([]Run, error) {
	var runs []Run
	err := r.Each(ctx, q, args, func(row Row) error {
		x, err := scanRun(row)
		runs = append(runs, x)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("warehouse: runs: %w", err)
	}
	return runs, nil
}

// RecentRuns returns the latest runs, newest first.
func (r *Reader) RecentRuns(ctx context.Context, limit int) ([]Run, error) {
	return r.runs(ctx, "SELECT "+runCols+" FROM etl_run ORDER BY run_id DESC LIMIT ?", limit)
}

// LastRuns returns the latest run of each county (and the latest of the
// runs of no county), in no particular order.
func (r *Reader) LastRuns(ctx context.Context) ([]Run, error) {
	return r.runs(ctx, "SELECT "+runCols+" FROM etl_run QUALIFY row_number() OVER (PARTITION BY county_code ORDER BY run_id DESC) = 1")
}

// RecentRuns returns the latest runs, newest first.
func (w *Warehouse) RecentRuns(ctx context.Context, limit int) ([]Run, error) {
	return w.Reader().RecentRuns(ctx, limit)
}

// RunTotal aggregates the runs of one job, county and status.
type RunTotal struct {
	Job, County, Status                      string
	Runs                                     int64
	RowsIn, Loaded, Unchanged, Dup, Rejected int64
	LastFinished                             time.Time
	LastSeconds                              float64 // duration of the latest run
}

// RunTotals aggregates etl_run for the status endpoint's metrics.
func (w *Warehouse) RunTotals(ctx context.Context) ([]RunTotal, error) {
	var out []RunTotal
	err := queryEach(ctx, w.db, `SELECT job, coalesce(county_code, ''), status, count(*),
			coalesce(sum(rows_in), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_unchanged), 0),
			coalesce(sum(rows_duplicate), 0), coalesce(sum(rows_rejected), 0),
			max(finished_at), arg_max(epoch(finished_at) - epoch(started_at), run_id)
		FROM etl_run GROUP BY ALL ORDER BY ALL`, nil, func(r *sql.Rows) error {
		var t RunTotal
		var last sql.NullTime
		var secs sql.NullFloat64
		err := r.Scan(&t.Job, &t.County, &t.Status, &t.Runs, &t.RowsIn, &t.Loaded, &t.Unchanged, &t.Dup, &t.Rejected, &last, &secs)
		t.LastFinished, t.LastSeconds = last.Time, secs.Float64
		out = append(out, t)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("warehouse: run totals: %w", err)
	}
	return out, nil
}

// Ping checks that the warehouse answers.
func (w *Warehouse) Ping(ctx context.Context) error {
	var one int
	return w.db.QueryRowContext(ctx, "SELECT 1").Scan(&one)
}
