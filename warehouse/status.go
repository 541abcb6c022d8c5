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

// CountyStatus is the state of one county's feed.
type CountyStatus struct {
	Code              string           `json:"county_code"`
	Name              string           `json:"county_name"`
	Region            string           `json:"region"`
	LastRun           *Run             `json:"last_run,omitempty"`
	LastSuccess       *time.Time       `json:"last_success,omitempty"`
	LastNewFile       *time.Time       `json:"last_new_file,omitempty"`
	HoursSinceSuccess *float64         `json:"hours_since_success,omitempty"`
	Stale             bool             `json:"stale"`
	Files             int64            `json:"files_loaded"`
	Rejects           map[string]int64 `json:"rejects_by_reason"`
	Findings          map[string]int64 `json:"findings_by_code"`
}

// Status is what `grassroots status` shows.
type Status struct {
	File     string         `json:"file"`
	Counties []CountyStatus `json:"counties"`
	Recent   []Run          `json:"recent_runs"`
}

// ReadStatus reads runs, rejects, findings and freshness from a warehouse or
// published snapshot, opened read-only.
func ReadStatus(ctx context.Context, path string, staleAfter time.Duration, now time.Time) (*Status, error) {
	db, err := openReadOnly(ctx, path)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	return readStatus(ctx, db, path, staleAfter, now)
}

// Status reads the status from the open warehouse (for the daemon's status endpoint).
func (w *Warehouse) Status(ctx context.Context, staleAfter time.Duration, now time.Time) (*Status, error) {
	return readStatus(ctx, w.db, w.path, staleAfter, now)
}

func readStatus(ctx context.Context, db *sql.DB, path string, staleAfter time.Duration, now time.Time) (*Status, error) {
	var err error
	st := &Status{File: path}
	byCode := map[string]*CountyStatus{}
	err = queryEach(ctx, db, "SELECT county_code, county_name, region FROM dim_county ORDER BY county_code", nil, func(r *sql.Rows) error {
		var c CountyStatus
		if err := r.Scan(&c.Code, &c.Name, &c.Region); err != nil {
			return err
		}
		c.Rejects, c.Findings = map[string]int64{}, map[string]int64{}
		st.Counties = append(st.Counties, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("warehouse: status: %w", err)
	}
	for i := range st.Counties {
		byCode[st.Counties[i].Code] = &st.Counties[i]
	}
	err = queryEach(ctx, db, "SELECT "+runCols+` FROM etl_run QUALIFY row_number() OVER (PARTITION BY county_code ORDER BY run_id DESC) = 1`, nil,
		func(r *sql.Rows) error {
			x, err := scanRun(r)
			if c := byCode[x.County]; c != nil && err == nil {
				c.LastRun = &x
			}
			return err
		})
	if err == nil {
		err = queryEach(ctx, db, "SELECT "+runCols+" FROM etl_run ORDER BY run_id DESC LIMIT 20", nil, func(r *sql.Rows) error {
			x, err := scanRun(r)
			st.Recent = append(st.Recent, x)
			return err
		})
	}
	if err == nil {
		err = queryEach(ctx, db, `SELECT county_code, max(finished_at) FROM etl_run
			WHERE job = 'ingest' AND status IN ('succeeded', 'no_new_data') GROUP BY county_code`, nil, func(r *sql.Rows) error {
			var code string
			var t time.Time
			if err := r.Scan(&code, &t); err != nil {
				return err
			}
			if c := byCode[code]; c != nil {
				c.LastSuccess = &t
			}
			return nil
		})
	}
	if err == nil {
		err = queryEach(ctx, db, `SELECT county_code, max(received_at), count(*) FROM etl_file WHERE county_code IS NOT NULL GROUP BY county_code`, nil,
			func(r *sql.Rows) error {
				var code string
				var t time.Time
				var n int64
				if err := r.Scan(&code, &t, &n); err != nil {
					return err
				}
				if c := byCode[code]; c != nil {
					c.LastNewFile, c.Files = &t, n
				}
				return nil
			})
	}
	// Rejects by reason and findings by code, per county, over all runs.
	for _, q := range []struct {
		sql string
		m   func(*CountyStatus) map[string]int64
	}{
		{"SELECT county_code, reason, count(*) FROM etl_reject WHERE county_code IS NOT NULL GROUP BY ALL", func(c *CountyStatus) map[string]int64 { return c.Rejects }},
		{"SELECT county_code, code, count(*) FROM etl_finding WHERE county_code IS NOT NULL GROUP BY ALL", func(c *CountyStatus) map[string]int64 { return c.Findings }},
	} {
		if err != nil {
			break
		}
		err = queryEach(ctx, db, q.sql, nil, func(r *sql.Rows) error {
			var county, key string
			var n int64
			err := r.Scan(&county, &key, &n)
			if c := byCode[county]; c != nil {
				q.m(c)[key] = n
			}
			return err
		})
	}
	if err != nil {
		return nil, fmt.Errorf("warehouse: status: %w", err)
	}
	for i := range st.Counties {
		c := &st.Counties[i]
		if c.LastSuccess == nil {
			c.Stale = true
			continue
		}
		h := now.Sub(*c.LastSuccess).Hours()
		c.HoursSinceSuccess = &h
		c.Stale = now.Sub(*c.LastSuccess) > staleAfter
	}
	return st, nil
}

// runCols are the etl_run columns scanRun reads.
const runCols = `run_id, job, county_code, started_at, finished_at, status, coalesce(rows_in, 0), coalesce(rows_loaded, 0),
	coalesce(rows_unchanged, 0), coalesce(rows_duplicate, 0), coalesce(rows_rejected, 0), error`

// scanRun reads one etl_run row selected with runCols.
func scanRun(r *sql.Rows) (Run, error) {
	var x Run
	var county, errText sql.NullString
	var fin sql.NullTime
	err := r.Scan(&x.RunID, &x.Job, &county, &x.Started, &fin, &x.Status, &x.RowsIn, &x.Loaded, &x.Unchanged, &x.Duplicates, &x.Rejected, &errText)
	x.County, x.Error, x.Finished = county.String, errText.String, fin.Time
	return x, err
}

// RecentRuns returns the latest runs, newest first.
func (w *Warehouse) RecentRuns(ctx context.Context, limit int) ([]Run, error) {
	var runs []Run
	err := queryEach(ctx, w.db, "SELECT "+runCols+" FROM etl_run ORDER BY run_id DESC LIMIT ?", []any{limit}, func(r *sql.Rows) error {
		x, err := scanRun(r)
		runs = append(runs, x)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("warehouse: runs: %w", err)
	}
	return runs, nil
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
