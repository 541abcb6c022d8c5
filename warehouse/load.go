package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/crashpoint"
)

// Run statuses recorded in etl_run.
const (
	StatusSucceeded = "succeeded"
	StatusFailed    = "failed"
	StatusNoNewData = "no_new_data"
)

// Jobs recorded in etl_run.
const (
	JobIngest    = "ingest"
	JobDivisions = "divisions"
	JobReport    = "report"
	JobExport    = "export"
)

// Counts are the row counts of one run, as the normaliser saw them.
type Counts struct {
	RowsIn, Duplicates, Rejected int64
}

// Result is what a committed load did.
type Result struct {
	RunID                                           int64
	RowsIn, Loaded, Unchanged, Duplicates, Rejected int64
	Findings                                        int64
	FindingsBy                                      map[string]int64 // finding code -> findings recorded
	Changed                                         map[string]int64 // table -> rows inserted or changed
}

// Load is one county run (or the divisions run) in progress: one held
// connection, one transaction, temporary staging tables. It is not safe for
// concurrent use.
type Load struct {
	w            *Warehouse
	conn         *sql.Conn
	job          string
	county       string
	runID        int64
	started      time.Time
	staged       []canon.RecordType
	files        []loadFile
	restoreUmask func()
	state        map[string]string
	partial      bool
	done         bool
}

type loadFile struct {
	sha, uri string
	types    []string
}

// stagedTypes are the staging tables every load creates.
var stagedTypes = []canon.RecordType{
	canon.Ledger, canon.Roles, canon.Assessments, canon.Vacancies, canon.Quota, canon.Subsidies,
	canon.Divisions, canon.Rejects, canon.Findings,
}

// Begin starts a load for a job and county ("" for city-level jobs).
func (w *Warehouse) Begin(ctx context.Context, job, county string) (*Load, error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	l := &Load{w: w, conn: conn, job: job, county: county, started: time.Now(), restoreUmask: privateUmask()}
	if err := l.begin(ctx); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		conn.Close()
		l.restoreUmask()
		return nil, err
	}
	return l, nil
}

// privateUmask makes the files created from now on private to the owner and
// returns what restores the previous mask. A load holds it from Begin to its
// end, so that the write-ahead log DuckDB creates for the load's personal
// data is never readable by the group, not even after a crash. Loads run one
// at a time (one writer; serve runs its jobs serially).
func privateUmask() func() {
	old := syscall.Umask(0o077)
	return func() { syscall.Umask(old) }
}

func (l *Load) begin(ctx context.Context) error {
	if err := l.conn.QueryRowContext(ctx, "SELECT coalesce(max(run_id), 0) + 1 FROM etl_run").Scan(&l.runID); err != nil {
		return fmt.Errorf("warehouse: next run id: %w", err)
	}
	if _, err := l.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("warehouse: begin: %w", err)
	}
	var ddl strings.Builder
	for _, rt := range stagedTypes {
		fmt.Fprintf(&ddl, "CREATE OR REPLACE TEMP TABLE %s (%s);\n", canon.StagingTable(rt), columnDDL(canon.Schema(rt)))
	}
	ddl.WriteString("CREATE OR REPLACE TEMP TABLE stg_county (county_code VARCHAR, county_name VARCHAR, region VARCHAR, _row BIGINT);\n")
	ddl.WriteString("CREATE OR REPLACE TEMP TABLE loaded_rows (_row BIGINT, tbl VARCHAR);\n")
	if _, err := l.conn.ExecContext(ctx, ddl.String()); err != nil {
		return fmt.Errorf("warehouse: staging tables: %w", err)
	}
	return nil
}

// RunID is the run's etl_run.run_id.
func (l *Load) RunID() int64 { return l.runID }

// columnDDL renders an Arrow schema as DuckDB column definitions.
func columnDDL(s *arrow.Schema) string {
	parts := make([]string, len(s.Fields()))
	for i, f := range s.Fields() {
		var t string
		switch f.Type.ID() {
		case arrow.STRING:
			t = "VARCHAR"
		case arrow.DATE32:
			t = "DATE"
		case arrow.INT32:
			t = "INTEGER"
		case arrow.INT64:
			t = "BIGINT"
		default:
			panic("warehouse: no DuckDB type for Arrow " + f.Type.String())
		}
		parts[i] = quoteIdent(f.Name) + " " + t
	}
	return strings.Join(parts, ", ")
}

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// County is a configured county, staged into dim_county by the divisions run.
type County struct{ Code, Name, Region string }

// StageCounties stages the configured counties for dim_county.
func (l *Load) StageCounties(ctx context.Context, counties []County) error {
	for i, c := range counties {
		if _, err := l.conn.ExecContext(ctx, "INSERT INTO stg_county VALUES (?, ?, ?, ?)", c.Code, c.Name, c.Region, int64(i+1)); err != nil {
			return fmt.Errorf("warehouse: stage counties: %w", err)
		}
	}
	return nil
}

// SetSourceState gives the source state (an HTTP source's cursor and
// validators) to store with this load: it is written only if the load commits.
func (l *Load) SetSourceState(state map[string]string) { l.state = state }

// SetPartial marks the load as holding changed records only (an incremental
// API pull): a person missing from its ledger has not vanished.
func (l *Load) SetPartial(partial bool) { l.partial = partial }

// AddFile records a file read by this load, for etl_file.
func (l *Load) AddFile(sha256, uri string, recordTypes []string) {
	l.files = append(l.files, loadFile{sha256, uri, recordTypes})
}

// Commit merges everything staged, records findings, rejects, files and the
// run, and commits: all of it or nothing.
func (l *Load) Commit(ctx context.Context, c Counts) (res Result, err error) {
	if l.done {
		return res, errors.New("warehouse: load already finished")
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, l.Rollback(context.WithoutCancel(ctx), err))
		}
	}()
	now := time.Now()
	res = Result{RunID: l.runID, RowsIn: c.RowsIn, Duplicates: c.Duplicates, Rejected: c.Rejected, Changed: map[string]int64{}}
	targets := countyTargets
	if l.job == JobDivisions {
		targets = divisionTargets
	}
	for _, t := range targets {
		crashpoint.Hit(crashpoint.Merge)
		n, err := l.merge(ctx, t, now)
		if err != nil {
			return res, err
		}
		crashpoint.Hit(crashpoint.Merge)
		if n > 0 {
			res.Changed[t.table] = n
		}
	}
	if err := l.conn.QueryRowContext(ctx, "SELECT count(DISTINCT _row) FROM loaded_rows WHERE _row > 0").Scan(&res.Loaded); err != nil {
		return res, fmt.Errorf("warehouse: count loaded rows: %w", err)
	}
	res.Unchanged = c.RowsIn - c.Duplicates - c.Rejected - res.Loaded
	if res.Unchanged < 0 {
		return res, fmt.Errorf("warehouse: row accounting broke: %d in, %d loaded, %d duplicate, %d rejected", c.RowsIn, res.Loaded, c.Duplicates, c.Rejected)
	}
	if res.FindingsBy, err = l.findings(ctx); err != nil {
		return res, err
	}
	for _, n := range res.FindingsBy {
		res.Findings += n
	}
	if err := l.bookkeeping(ctx, now, res); err != nil {
		return res, err
	}
	if err := l.dropStaging(ctx); err != nil {
		return res, err
	}
	crashpoint.Hit(crashpoint.Commit)
	if _, err := l.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return res, fmt.Errorf("warehouse: commit: %w", err)
	}
	crashpoint.Hit(crashpoint.Committed)
	l.done = true
	l.conn.Close()
	l.w.privateWAL()
	l.restoreUmask()
	return res, nil
}

// bookkeeping writes the rejects, the files and the run row.
func (l *Load) bookkeeping(ctx context.Context, now time.Time, res Result) error {
	county := nullable(l.county)
	if _, err := l.conn.ExecContext(ctx, `INSERT INTO etl_reject
		SELECT ?, ?, source_uri, sheet, row_number, reason, raw_masked FROM stg_rejects ORDER BY _row`, l.runID, county); err != nil {
		return fmt.Errorf("warehouse: rejects: %w", err)
	}
	for _, f := range l.files {
		if _, err := l.conn.ExecContext(ctx, `INSERT INTO etl_file VALUES (?, ?, ?, string_split(?, ','), ?, ?)`,
			f.sha, county, f.uri, strings.Join(f.types, ","), l.runID, now); err != nil {
			return fmt.Errorf("warehouse: etl_file: %w", err)
		}
	}
	if l.state != nil && l.county != "" {
		if _, err := l.conn.ExecContext(ctx, "DELETE FROM etl_source_state WHERE county_code = ?", l.county); err != nil {
			return fmt.Errorf("warehouse: source state: %w", err)
		}
		for _, k := range slices.Sorted(maps.Keys(l.state)) {
			if _, err := l.conn.ExecContext(ctx, "INSERT INTO etl_source_state VALUES (?, ?, ?, ?, ?)",
				l.county, k, l.state[k], l.runID, now); err != nil {
				return fmt.Errorf("warehouse: source state: %w", err)
			}
		}
	}
	status := StatusSucceeded
	if len(l.files) == 0 && l.job != JobDivisions {
		status = StatusNoNewData
	}
	_, err := l.conn.ExecContext(ctx, `INSERT INTO etl_run VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)`,
		l.runID, l.job, county, l.started, now, status, res.RowsIn, res.Loaded, res.Unchanged, res.Duplicates, res.Rejected)
	if err != nil {
		return fmt.Errorf("warehouse: etl_run: %w", err)
	}
	return nil
}

func (l *Load) dropStaging(ctx context.Context) error {
	var b strings.Builder
	for _, rt := range stagedTypes {
		fmt.Fprintf(&b, "DROP TABLE IF EXISTS temp.%s;\n", canon.StagingTable(rt))
	}
	b.WriteString("DROP TABLE IF EXISTS temp.stg_county; DROP TABLE IF EXISTS temp.loaded_rows;")
	for _, t := range append(append([]target{}, countyTargets...), divisionTargets...) {
		fmt.Fprintf(&b, "DROP TABLE IF EXISTS temp.%s;\n", t.chg())
	}
	if _, err := l.conn.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("warehouse: drop staging: %w", err)
	}
	return nil
}

// Rollback abandons the load and records the failed run with its reason.
// It is safe to call after Commit failed or succeeded (then it does nothing).
func (l *Load) Rollback(ctx context.Context, cause error) error {
	if l.done {
		return nil
	}
	l.done = true
	defer l.conn.Close()
	var errs []error
	if _, err := l.conn.ExecContext(ctx, "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		errs = append(errs, fmt.Errorf("warehouse: rollback: %w", err))
	}
	l.dropStaging(ctx)
	msg := "unknown error"
	if cause != nil {
		msg = cause.Error()
	}
	if _, err := l.conn.ExecContext(ctx, `INSERT INTO etl_run VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, ?)`,
		l.runID, l.job, nullable(l.county), l.started, time.Now(), StatusFailed, msg); err != nil {
		errs = append(errs, fmt.Errorf("warehouse: record failed run: %w", err))
	}
	l.w.privateWAL()
	l.restoreUmask()
	return errors.Join(errs...)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
