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

// A Group is one transaction holding the loads of one or more counties (a
// run of many counties merges them together: the merge statements scan the
// warehouse's tables once per group instead of once per county). Each
// county's rows, history, rejects, findings, files and etl_run row commit
// together with the group or not at all; a county that fails while its
// files are read is discarded from the group and recorded as failed, and
// the others go on. One held connection; not safe for concurrent use.
type Group struct {
	w            *Warehouse
	conn         *sql.Conn
	job          string
	firstRunID   int64
	loads        []*Load
	restoreUmask func()
	done         bool
	times        Times
	staging      staging // batches written but not inserted yet (stage_*.go)
}

// Times are where a group's commit spent its time, for profiling a run:
// Stage is inserting the staged batches it still held, Merge everything
// after that and before the COMMIT statement (the merges, the loaded rows'
// count, the findings, the bookkeeping), Commit the statement itself;
// Steps splits Merge by target table (the two fact_role targets add up),
// "findings" and "bookkeeping". A group that failed before COMMIT reports
// what it got through.
type Times struct {
	Stage, Merge, Commit time.Duration
	Steps                map[string]time.Duration
}

// Load is one county's run (or the divisions run) in a group: its own run
// id, files and counts. Its staged rows carry its unit number in the high
// bits of _row (unit << unitShift), so that the group's statements can tell
// the counties apart.
type Load struct {
	g       *Group
	unit    int64
	county  string
	runID   int64
	started time.Time
	files   []loadFile
	state   map[string]string
	partial bool
	staged  int64 // rows written to staging tables
	counts  Counts
	failed  error // discarded while staging
	single  bool  // begun alone with Begin: Commit and Rollback end the group
}

// unitShift places a load's unit number above its row numbers in _row: a
// load has fewer than 2^40 rows and a group fewer than 2^22 loads.
const unitShift = 40

type loadFile struct {
	sha, uri string
	types    []string
}

// stagedTypes are the staging tables every load creates.
var stagedTypes = []canon.RecordType{
	canon.Ledger, canon.Roles, canon.Assessments, canon.Vacancies, canon.Quota, canon.Subsidies,
	canon.Divisions, canon.Rejects, canon.Findings,
}

// Begin starts a load for a job and county ("" for city-level jobs), alone
// in its own transaction.
func (w *Warehouse) Begin(ctx context.Context, job, county string) (*Load, error) {
	g, err := w.BeginGroup(ctx, job)
	if err != nil {
		return nil, err
	}
	l := g.Add(county)
	l.single = true
	return l, nil
}

// BeginGroup starts a transaction for the loads of one job; Add adds them.
func (w *Warehouse) BeginGroup(ctx context.Context, job string) (*Group, error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	g := &Group{w: w, conn: conn, job: job, restoreUmask: privateUmask()}
	if err := g.begin(ctx); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		conn.Close()
		g.restoreUmask()
		return nil, err
	}
	return g, nil
}

func (g *Group) begin(ctx context.Context) error {
	if err := g.conn.QueryRowContext(ctx, "SELECT coalesce(max(run_id), 0) + 1 FROM etl_run").Scan(&g.firstRunID); err != nil {
		return fmt.Errorf("warehouse: next run id: %w", err)
	}
	if _, err := g.conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("warehouse: begin: %w", err)
	}
	var ddl strings.Builder
	for _, rt := range stagedTypes {
		fmt.Fprintf(&ddl, "CREATE OR REPLACE TEMP TABLE %s (%s);\n", canon.StagingTable(rt), columnDDL(canon.Schema(rt)))
	}
	ddl.WriteString("CREATE OR REPLACE TEMP TABLE stg_county (county_code VARCHAR, county_name VARCHAR, region VARCHAR, _row BIGINT);\n")
	ddl.WriteString("CREATE OR REPLACE TEMP TABLE loaded_rows (_row BIGINT, tbl VARCHAR);\n")
	ddl.WriteString("CREATE OR REPLACE TEMP TABLE units (unit BIGINT, run_id BIGINT, county_code VARCHAR, partial BOOLEAN);\n")
	if _, err := g.conn.ExecContext(ctx, ddl.String()); err != nil {
		return fmt.Errorf("warehouse: staging tables: %w", err)
	}
	return nil
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

// Add adds a county's load to the group; its run id follows the previous
// load's.
func (g *Group) Add(county string) *Load {
	l := &Load{g: g, unit: int64(len(g.loads)), county: county, started: time.Now()}
	l.runID = g.firstRunID + l.unit
	g.loads = append(g.loads, l)
	return l
}

// Times are where the group's Commit spent its time (zero before Commit).
func (g *Group) Times() Times { return g.times }

// Times are the times of the load's group (Group.Times).
func (l *Load) Times() Times { return l.g.Times() }

// step adds the time since start to the group's merge step name and returns now.
func (g *Group) step(name string, start time.Time) time.Time {
	now := time.Now()
	if g.times.Steps == nil {
		g.times.Steps = map[string]time.Duration{}
	}
	g.times.Steps[name] += now.Sub(start)
	return now
}

// Len is how many loads the group holds.
func (g *Group) Len() int { return len(g.loads) }

// Staged is how many rows the group's loads have staged.
func (g *Group) Staged() int64 {
	var n int64
	for _, l := range g.loads {
		n += l.staged
	}
	return n
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
		if _, err := l.g.conn.ExecContext(ctx, "INSERT INTO stg_county VALUES (?, ?, ?, ?)", c.Code, c.Name, c.Region, l.rowBase()+int64(i+1)); err != nil {
			return fmt.Errorf("warehouse: stage counties: %w", err)
		}
	}
	l.staged += int64(len(counties))
	return nil
}

// rowBase is what the load adds to its rows' _row.
func (l *Load) rowBase() int64 { return l.unit << unitShift }

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

// Finish gives the load's counts, as the normaliser saw them: it is ready
// to commit with its group.
func (l *Load) Finish(c Counts) { l.counts = c }

// Discard takes a load that failed while its files were read out of its
// group: its staged rows are deleted, and its run is recorded as failed when
// the group commits (or, if the group fails, with the group).
func (l *Load) Discard(ctx context.Context, cause error) error {
	if cause == nil {
		cause = errors.New("unknown error")
	}
	l.failed = cause
	l.files, l.state = nil, nil
	if l.staged == 0 {
		return nil
	}
	// The load's rows still held by the group go in first, to be deleted
	// with the rest.
	if err := l.g.flushStaged(ctx); err != nil {
		return fmt.Errorf("warehouse: discard %s: %w", l.county, err)
	}
	var b strings.Builder
	for _, rt := range stagedTypes {
		fmt.Fprintf(&b, "DELETE FROM temp.%s WHERE _row >> %d = %d;\n", canon.StagingTable(rt), unitShift, l.unit)
	}
	fmt.Fprintf(&b, "DELETE FROM temp.stg_county WHERE _row >> %d = %d;\n", unitShift, l.unit)
	if _, err := l.g.conn.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("warehouse: discard %s: %w", l.county, err)
	}
	l.staged = 0
	return nil
}

// Commit commits a load begun alone with Begin.
func (l *Load) Commit(ctx context.Context, c Counts) (Result, error) {
	if !l.single {
		return Result{}, errors.New("warehouse: a load in a group commits with its group")
	}
	l.Finish(c)
	res, err := l.g.Commit(ctx)
	if err != nil {
		return Result{RunID: l.runID}, err
	}
	return res[0], nil
}

// Rollback abandons a load begun alone with Begin and records its failed
// run with the reason. It does nothing after the load committed.
func (l *Load) Rollback(ctx context.Context, cause error) error {
	if !l.single {
		return l.Discard(ctx, cause)
	}
	if cause == nil {
		cause = errors.New("unknown error")
	}
	l.failed = cause
	return l.g.Rollback(ctx, cause)
}

// Commit merges everything the group's loads staged, records their
// findings, rejects, files and runs, and commits: all of it or nothing. The
// results are in the order the loads were added (a discarded load's holds
// its run id only).
func (g *Group) Commit(ctx context.Context) (res []Result, err error) {
	if g.done {
		return nil, errors.New("warehouse: load already finished")
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, g.Rollback(context.WithoutCancel(ctx), err))
		}
	}()
	flushing := time.Now()
	if err := g.flushStaged(ctx); err != nil {
		return nil, err
	}
	now := time.Now()
	g.times.Stage = now.Sub(flushing)
	mergeStart := now
	defer func() {
		if g.times.Merge == 0 {
			g.times.Merge = time.Since(mergeStart)
		}
	}()
	res = make([]Result, len(g.loads))
	var staged int64
	for i, l := range g.loads {
		res[i] = Result{RunID: l.runID, Changed: map[string]int64{}, FindingsBy: map[string]int64{}}
		if l.failed == nil {
			res[i].RowsIn, res[i].Duplicates, res[i].Rejected = l.counts.RowsIn, l.counts.Duplicates, l.counts.Rejected
			staged += l.staged
		}
	}
	if err := g.stageUnits(ctx); err != nil {
		return res, err
	}
	targets := countyTargets
	if g.job == JobDivisions {
		targets = divisionTargets
	}
	at := g.step("units", mergeStart)
	for _, t := range targets {
		crashpoint.Hit(crashpoint.Merge)
		if staged > 0 { // an empty load (no new file) merges nothing
			byUnit, err := g.merge(ctx, t, now)
			if err != nil {
				return res, err
			}
			for u, n := range byUnit {
				res[u].Changed[t.table] += n
			}
		}
		crashpoint.Hit(crashpoint.Merge)
		at = g.step(t.table, at)
	}
	if staged > 0 {
		if err := g.countLoaded(ctx, res); err != nil {
			return res, err
		}
		at = g.step("loaded_rows", at)
		if err := g.findings(ctx, res); err != nil {
			return res, err
		}
		at = g.step("findings", at)
	}
	for i, l := range g.loads {
		if l.failed != nil {
			continue
		}
		res[i].Unchanged = l.counts.RowsIn - l.counts.Duplicates - l.counts.Rejected - res[i].Loaded
		if res[i].Unchanged < 0 {
			return res, fmt.Errorf("warehouse: row accounting broke for %s: %d in, %d loaded, %d duplicate, %d rejected",
				l.label(), l.counts.RowsIn, res[i].Loaded, l.counts.Duplicates, l.counts.Rejected)
		}
		for _, n := range res[i].FindingsBy {
			res[i].Findings += n
		}
	}
	if err := g.bookkeeping(ctx, now, res); err != nil {
		return res, err
	}
	if err := g.dropStaging(ctx); err != nil {
		return res, err
	}
	at = g.step("bookkeeping", at)
	g.times.Merge = at.Sub(mergeStart)
	crashpoint.Hit(crashpoint.Commit)
	if _, err := g.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return res, fmt.Errorf("warehouse: commit: %w", err)
	}
	crashpoint.Hit(crashpoint.Committed)
	g.done = true
	g.conn.Close()
	g.w.privateWAL()
	g.restoreUmask()
	g.times.Commit = time.Since(at)
	return res, nil
}

func (l *Load) label() string {
	if l.county == "" {
		return "the divisions"
	}
	return l.county
}

// stageUnits writes the group's loads into temp.units.
func (g *Group) stageUnits(ctx context.Context) error {
	var b strings.Builder
	args := make([]any, 0, 4*len(g.loads))
	for _, l := range g.loads {
		if l.failed != nil {
			continue
		}
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?)")
		args = append(args, l.unit, l.runID, nullable(l.county), l.partial)
	}
	if b.Len() == 0 {
		return nil
	}
	if _, err := g.conn.ExecContext(ctx, "INSERT INTO temp.units VALUES "+b.String(), args...); err != nil {
		return fmt.Errorf("warehouse: units: %w", err)
	}
	return nil
}

// countLoaded counts each load's input rows that changed a table.
func (g *Group) countLoaded(ctx context.Context, res []Result) error {
	rows, err := g.conn.QueryContext(ctx, fmt.Sprintf(
		"SELECT _row >> %d AS unit, count(DISTINCT _row) FROM loaded_rows WHERE _row & %d > 0 GROUP BY unit", unitShift, int64(1)<<unitShift-1))
	if err != nil {
		return fmt.Errorf("warehouse: count loaded rows: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, n int64
		if err := rows.Scan(&u, &n); err != nil {
			return fmt.Errorf("warehouse: count loaded rows: %w", err)
		}
		res[u].Loaded = n
	}
	return rows.Err()
}

// bookkeeping writes the rejects, the files, the source states and the run
// rows.
func (g *Group) bookkeeping(ctx context.Context, now time.Time, res []Result) error {
	if _, err := g.conn.ExecContext(ctx, fmt.Sprintf(`INSERT INTO etl_reject
		SELECT u.run_id, u.county_code, r.source_uri, r.sheet, r.row_number, r.reason, r.raw_masked
		FROM stg_rejects r JOIN temp.units u ON u.unit = r._row >> %d ORDER BY r._row`, unitShift)); err != nil {
		return fmt.Errorf("warehouse: rejects: %w", err)
	}
	var files, runs strings.Builder
	var fileArgs, runArgs []any
	for i, l := range g.loads {
		county := nullable(l.county)
		for _, f := range l.files {
			if files.Len() > 0 {
				files.WriteString(", ")
			}
			files.WriteString("(?, ?, ?, string_split(?, ','), ?, ?)")
			fileArgs = append(fileArgs, f.sha, county, f.uri, strings.Join(f.types, ","), l.runID, now)
		}
		if l.state != nil && l.county != "" && l.failed == nil {
			if _, err := g.conn.ExecContext(ctx, "DELETE FROM etl_source_state WHERE county_code = ?", l.county); err != nil {
				return fmt.Errorf("warehouse: source state: %w", err)
			}
			for _, k := range slices.Sorted(maps.Keys(l.state)) {
				if _, err := g.conn.ExecContext(ctx, "INSERT INTO etl_source_state VALUES (?, ?, ?, ?, ?)",
					l.county, k, l.state[k], l.runID, now); err != nil {
					return fmt.Errorf("warehouse: source state: %w", err)
				}
			}
		}
		if runs.Len() > 0 {
			runs.WriteString(", ")
		}
		runs.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		if l.failed != nil {
			runArgs = append(runArgs, l.runID, g.job, county, l.started, now, StatusFailed, 0, 0, 0, 0, 0, l.failed.Error())
			continue
		}
		// A run that read files but recorded none (empty, or of no known
		// record type) still reports what it found: it succeeded.
		r := res[i]
		status := StatusSucceeded
		if len(l.files) == 0 && r.RowsIn == 0 && r.Findings == 0 && g.job != JobDivisions {
			status = StatusNoNewData
		}
		runArgs = append(runArgs, l.runID, g.job, county, l.started, now, status, r.RowsIn, r.Loaded, r.Unchanged, r.Duplicates, r.Rejected, nil)
	}
	if files.Len() > 0 {
		if _, err := g.conn.ExecContext(ctx, "INSERT INTO etl_file VALUES "+files.String(), fileArgs...); err != nil {
			return fmt.Errorf("warehouse: etl_file: %w", err)
		}
	}
	if _, err := g.conn.ExecContext(ctx, "INSERT INTO etl_run VALUES "+runs.String(), runArgs...); err != nil {
		return fmt.Errorf("warehouse: etl_run: %w", err)
	}
	return nil
}

func (g *Group) dropStaging(ctx context.Context) error {
	var b strings.Builder
	for _, rt := range stagedTypes {
		fmt.Fprintf(&b, "DROP TABLE IF EXISTS temp.%s;\n", canon.StagingTable(rt))
	}
	b.WriteString("DROP TABLE IF EXISTS temp.stg_county; DROP TABLE IF EXISTS temp.loaded_rows; DROP TABLE IF EXISTS temp.units;")
	for _, t := range append(append([]target{}, countyTargets...), divisionTargets...) {
		fmt.Fprintf(&b, "DROP TABLE IF EXISTS temp.%s;\n", t.chg())
	}
	if _, err := g.conn.ExecContext(ctx, b.String()); err != nil {
		return fmt.Errorf("warehouse: drop staging: %w", err)
	}
	return nil
}

// Rollback abandons the group and records each of its runs as failed: with
// its own reason for a load discarded before, else with cause. It is safe to
// call after Commit failed or succeeded (then it does nothing).
func (g *Group) Rollback(ctx context.Context, cause error) error {
	if g.done {
		return nil
	}
	g.done = true
	defer g.conn.Close()
	g.dropStaged()
	var errs []error
	if _, err := g.conn.ExecContext(ctx, "ROLLBACK"); err != nil && !strings.Contains(err.Error(), "no transaction is active") {
		errs = append(errs, fmt.Errorf("warehouse: rollback: %w", err))
	}
	g.dropStaging(ctx)
	msg := "unknown error"
	if cause != nil {
		msg = cause.Error()
	}
	now := time.Now()
	for _, l := range g.loads {
		m := msg
		if l.failed != nil {
			m = l.failed.Error()
		}
		if _, err := g.conn.ExecContext(ctx, `INSERT INTO etl_run VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0, ?)`,
			l.runID, g.job, nullable(l.county), l.started, now, StatusFailed, m); err != nil {
			errs = append(errs, fmt.Errorf("warehouse: record failed run: %w", err))
		}
	}
	g.w.privateWAL()
	g.restoreUmask()
	return errors.Join(errs...)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}
