package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/internal/crashpoint"
	sqlfiles "github.com/grassroots-cn/grassroots/sql"
)

// The incremental publish (see docs/design.md, "Publishing"): instead of
// rebuilding the snapshot from nothing, it copies the current snapshot
// (a reflink where the file system has one), applies to the copy what the
// runs it lacks changed, checks it, and renames it over the old one.
//
// What changed is read from the warehouse itself, not from memory: every
// version the merge writes goes into <table>_history with the run's id, and
// a replaced row's key gets such a version (its old one is closed), so the
// keys changed since the snapshot are those of the history rows written by
// runs the snapshot's etl_run does not list. For each such key the copy's
// current row and its history are replaced by the warehouse's (the row may
// be gone: then only its history). A publish that died, or runs that were
// never published (serve's catch-up publishes once after the burst), are
// covered the same way: the next publish applies every run missing.

// PublishStats says what a publish did.
type PublishStats struct {
	// Mode is "incremental" or "full".
	Mode string `json:"mode"`
	// Reason is why a full rebuild was made ("" for an incremental one).
	Reason string `json:"reason,omitempty"`
	// Phases are the seconds of each step of an incremental publish: copy,
	// apply, check, checkpoint, sync (the copy's fsync) and rename.
	Phases map[string]float64 `json:"phases,omitempty"`
	// Runs is how many runs the incremental publish added to the snapshot.
	Runs int `json:"runs"`
	// Keys is how many keys of each table were replaced (incremental only;
	// tables without a changed key are left out).
	Keys map[string]int64 `json:"keys,omitempty"`
	// Seconds is the publish's duration.
	Seconds float64 `json:"seconds"`
}

// historyKeys are the natural keys of the published tables with a
// <table>_history: those the merge matches rows on.
func historyKeys() map[string][]string {
	keys := map[string][]string{}
	for _, ts := range [][]target{countyTargets, divisionTargets} {
		for _, t := range ts {
			if !slices.Contains(privateTables, t.table) {
				keys[t.table] = t.keys
			}
		}
	}
	return keys
}

// runLogs are the published tables that only ever gain rows, each row
// belonging to one run: the column naming it.
var runLogs = map[string]string{"etl_run": "run_id", "etl_file": "first_run_id", "etl_reject": "run_id", "etl_finding": "run_id"}

// smallTables are replaced whole: a few rows each, rewritten in place by
// the warehouse (settings, an HTTP source's cursor).
var smallTables = []string{"etl_setting", "etl_source_state"}

// errNotIncremental says why a snapshot cannot be brought up to date in
// place; the publish then rebuilds it.
type errNotIncremental struct{ reason string }

func (e errNotIncremental) Error() string { return e.reason }

// PublishWith publishes the snapshot to dst: incrementally when dst is a
// snapshot of this warehouse's schema and macros that passes its check,
// else (or when full) by a full rebuild. Either way readers see the old
// snapshot or the new one, never a mix.
func (w *Warehouse) PublishWith(ctx context.Context, dst string, full bool) (PublishStats, error) {
	start := time.Now()
	reason := "asked for (--full-publish)"
	if !full {
		st, err := w.publishIncremental(ctx, dst, true)
		var not errNotIncremental
		switch {
		case err == nil:
			st.Seconds = time.Since(start).Seconds()
			return st, nil
		case errors.As(err, &not):
			reason = not.reason
		default:
			return PublishStats{}, fmt.Errorf("warehouse: publish %s: %w", dst, err)
		}
	}
	if err := w.Publish(ctx, dst); err != nil {
		return PublishStats{}, err
	}
	return PublishStats{Mode: "full", Reason: reason, Seconds: time.Since(start).Seconds()}, nil
}

// publishIncremental brings dst up to date in a copy and renames the copy
// over it, keeping the previous snapshots when rotate (not when only runs
// are added: the data are the same). An errNotIncremental leaves dst as it
// was.
func (w *Warehouse) publishIncremental(ctx context.Context, dst string, rotate bool) (st PublishStats, err error) {
	st.Mode = "incremental"
	st.Phases = map[string]float64{}
	lap := time.Now()
	phase := func(name string) {
		now := time.Now()
		st.Phases[name] += now.Sub(lap).Seconds()
		lap = now
	}
	if _, err := os.Stat(dst); err != nil {
		return st, errNotIncremental{"no snapshot yet"}
	}
	if _, err := os.Stat(dst + ".wal"); err == nil {
		return st, errNotIncremental{"the snapshot has a write-ahead log beside it"}
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return st, err
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&self); err != nil {
		return st, err
	}
	removeStaleTemps(dst)
	tmp := dst + ".tmp-" + strconv.Itoa(os.Getpid())
	removeDB(tmp)
	if err := cloneFile(dst, tmp); err != nil {
		removeDB(tmp)
		return st, err
	}
	phase("copy")
	crashpoint.Hit(crashpoint.PublishCopy)
	err = w.applyRuns(ctx, conn, self, tmp, &st, phase)
	var not errNotIncremental
	if err != nil && ctx.Err() == nil && !IsFatal(err) && !errors.As(err, &not) {
		// The copy is thrown away: whatever it lacked, a rebuild does not.
		err = errNotIncremental{"applying the new runs to the copy failed: " + err.Error()}
	}
	if err == nil {
		lap = time.Now()
		err = atomicfs.Sync(tmp)
		phase("sync")
	}
	if err != nil {
		removeDB(tmp)
		return st, err
	}
	os.Chmod(tmp, 0o644)
	if rotate {
		rotateBackups(dst)
	}
	crashpoint.Hit(crashpoint.PublishRename)
	if err := renameSnapshot(tmp, dst); err != nil {
		removeDB(tmp)
		return st, err
	}
	crashpoint.Hit(crashpoint.Published)
	err = atomicfs.Sync(filepath.Dir(dst))
	phase("rename")
	return st, err
}

// applyRuns attaches the copy tmp and applies to it, in one transaction, the
// changes of the warehouse's runs it lacks; then checks it and checkpoints it.
func (w *Warehouse) applyRuns(ctx context.Context, conn *sql.Conn, self, tmp string, st *PublishStats, phase func(string)) (err error) {
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(tmp)+" AS snapshot"); err != nil {
		return errNotIncremental{"the snapshot cannot be opened: " + err.Error()}
	}
	defer func() {
		_, derr := conn.ExecContext(context.WithoutCancel(ctx), "DETACH snapshot")
		err = errors.Join(err, derr)
	}()
	if err := sameSchema(ctx, conn); err != nil {
		return err
	}
	tables, err := tableNames(ctx, conn, "snapshot")
	if err != nil {
		return err
	}
	keys := historyKeys()
	for _, t := range tables {
		base := strings.TrimSuffix(t, "_history")
		switch {
		case keys[base] != nil, runLogs[t] != "", slices.Contains(smallTables, t), t == "schema_migrations", t == "schema_macros":
		default:
			return errNotIncremental{"the snapshot has a table the incremental publish does not know: " + t}
		}
	}
	if err := sameShape(ctx, conn, self); err != nil {
		return err
	}
	src := quoteIdent(self) + ".main."
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	// The macros are created again in the copy, as a full publish does: a
	// macro changed by hand in the snapshot (its hash unchanged) is put right.
	// Comparing them first is cheaper than creating them (a tenth of a
	// second, most of a refresh after a run with nothing new).
	same, err := sameMacros(ctx, conn, self)
	if err != nil {
		return err
	}
	if !same {
		set, err := sqlfiles.Macros()
		if err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "USE snapshot"); err != nil {
			return err
		}
		err = dropStaleMacros(ctx, conn, set.Names())
		if err == nil {
			_, err = conn.ExecContext(ctx, set.SQL)
		}
		if _, uerr := conn.ExecContext(context.WithoutCancel(ctx), "USE "+quoteIdent(self)); err == nil {
			err = uerr
		}
		if err != nil {
			return fmt.Errorf("macros: %w", err)
		}
	}
	// The runs the snapshot lacks, as a literal list: the snapshot's etl_run
	// gains them at the end of this transaction.
	rows, err := conn.QueryContext(ctx, "SELECT run_id FROM "+src+"etl_run EXCEPT SELECT run_id FROM snapshot.main.etl_run ORDER BY 1")
	if err != nil {
		return err
	}
	var ids []string
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, strconv.FormatInt(id, 10))
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return err
	}
	// A snapshot holding a run the warehouse does not (another warehouse's,
	// or one restored from an older backup) is not this warehouse's past.
	var foreign int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM (SELECT * FROM snapshot.main.etl_run EXCEPT ALL SELECT * FROM "+src+"etl_run)").Scan(&foreign); err != nil {
		return err
	}
	if foreign > 0 {
		return errNotIncremental{fmt.Sprintf("the snapshot holds %d runs that are not the warehouse's", foreign)}
	}
	st.Runs = len(ids)
	st.Keys = map[string]int64{}
	if len(ids) > 0 {
		// With the range: history is appended run by run, so DuckDB skips
		// the row groups outside it by their min/max before testing the list.
		runs := func(col string) string {
			return fmt.Sprintf("%[1]s BETWEEN %[2]s AND %[3]s AND %[1]s IN (%[4]s)", col, ids[0], ids[len(ids)-1], strings.Join(ids, ", "))
		}
		for _, t := range sortedKeys(keys) {
			n, err := replaceKeys(ctx, conn, src, t, keys[t], runs("run_id"))
			if err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
			if n > 0 {
				st.Keys[t] = n
			}
		}
		for _, t := range sortedKeys(runLogs) {
			if _, err := conn.ExecContext(ctx, fmt.Sprintf("INSERT INTO snapshot.main.%s SELECT * FROM %s%s WHERE %s",
				t, src, t, runs(runLogs[t]))); err != nil {
				return fmt.Errorf("%s: %w", t, err)
			}
		}
	}
	for _, t := range smallTables {
		if _, err := conn.ExecContext(ctx, fmt.Sprintf("DELETE FROM snapshot.main.%[1]s; INSERT INTO snapshot.main.%[1]s SELECT * FROM %[2]s%[1]s", t, src)); err != nil {
			return fmt.Errorf("%s: %w", t, err)
		}
	}
	phase("apply")
	crashpoint.Hit(crashpoint.PublishApply)
	hashed := map[string]bool{"etl_run": true}
	for _, t := range smallTables {
		hashed[t] = true
	}
	if err := checkCopy(ctx, conn, src, tables, hashed); err != nil {
		return err
	}
	phase("check")
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return err
	}
	crashpoint.Hit(crashpoint.PublishApply)
	if _, err := conn.ExecContext(ctx, "CHECKPOINT snapshot"); err != nil {
		return err
	}
	phase("checkpoint")
	crashpoint.Hit(crashpoint.PublishApply)
	return nil
}

// replaceKeys replaces, in the snapshot's table t and t_history, the rows of
// the keys that the runs (a condition on run_id) wrote history for, by the
// warehouse's. It returns how many keys.
func replaceKeys(ctx context.Context, conn *sql.Conn, src, t string, keys []string, runs string) (int64, error) {
	k := strings.Join(keys, ", ")
	on := func(a, b string) string {
		parts := make([]string, len(keys))
		for i, c := range keys {
			parts[i] = fmt.Sprintf("%s.%s IS NOT DISTINCT FROM %s.%s", a, c, b, c)
		}
		return strings.Join(parts, " AND ")
	}
	// The changed keys, by a subquery in each statement: a temporary table
	// would be a second database written by the transaction.
	changed := fmt.Sprintf("(SELECT DISTINCT %s FROM %s%s_history WHERE %s)", k, src, t, runs)
	var n int64
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM "+changed).Scan(&n); err != nil {
		return 0, err
	}
	if n == 0 {
		return 0, nil
	}
	// Only the history rows the runs wrote are read from the warehouse (the
	// row groups outside their ids are skipped): a changed key's current
	// row is its version still open, and its version open in the snapshot
	// was closed when the first of its new versions began (the merge closes
	// one and starts the next at the same moment). A key with no open
	// version has no current row.
	h := t + "_history"
	written := fmt.Sprintf("%s%s WHERE %s", src, h, runs)
	stmts := []string{
		fmt.Sprintf("DELETE FROM snapshot.main.%s AS t USING %s AS c WHERE %s", t, changed, on("t", "c")),
		fmt.Sprintf("INSERT INTO snapshot.main.%s BY NAME SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM %s AND valid_to IS NULL", t, written),
		fmt.Sprintf("UPDATE snapshot.main.%s AS t SET valid_to = c.closed FROM (SELECT %s, min(valid_from) AS closed FROM %s GROUP BY ALL) AS c WHERE t.valid_to IS NULL AND %s",
			h, k, written, on("t", "c")),
		fmt.Sprintf("INSERT INTO snapshot.main.%s SELECT * FROM %s", h, written),
	}
	for _, s := range stmts {
		if _, err := conn.ExecContext(ctx, s); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// sameSchema refuses a snapshot whose migrations or macros are not the
// warehouse's (an upgraded binary rebuilds it with the new ones).
func sameSchema(ctx context.Context, conn *sql.Conn) error {
	set, err := sqlfiles.Macros()
	if err != nil {
		return err
	}
	var same bool
	err = conn.QueryRowContext(ctx, `SELECT
		(SELECT max(version) FROM schema_migrations) IS NOT DISTINCT FROM (SELECT max(version) FROM snapshot.main.schema_migrations)
		AND (SELECT max(hash) FROM snapshot.main.schema_macros) IS NOT DISTINCT FROM ?`, set.Hash).Scan(&same)
	if err != nil {
		return errNotIncremental{"the snapshot's schema cannot be read: " + err.Error()}
	}
	if !same {
		return errNotIncremental{"the snapshot has other migrations or macros than this binary"}
	}
	return nil
}

// excludeList is a SELECT * EXCLUDE list as DuckDB prints a macro's text:
// the order of its names differs from one reading of a file to the next.
var excludeList = regexp.MustCompile(`EXCLUDE \(([^()]*)\)`)

// sameMacros reports whether the snapshot's macros are the warehouse's (whose
// set is this binary's: the warehouse applies it when it opens): the same
// names, kinds, parameters, text and comments. Each text is compared with
// its EXCLUDE lists sorted.
func sameMacros(ctx context.Context, conn *sql.Conn, self string) (bool, error) {
	rows, err := conn.QueryContext(ctx, `SELECT database_name, schema_name, function_name, function_type, parameters::VARCHAR,
			coalesce(parameter_types::VARCHAR, ''), coalesce(macro_definition, ''), coalesce(comment, '')
		FROM duckdb_functions() WHERE database_name IN (?, 'snapshot') AND NOT internal AND function_type IN ('macro', 'table_macro')`, self)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	count := map[string]int{} // +1 for the warehouse's, -1 for the snapshot's
	for rows.Next() {
		var db, schema, name, kind, params, types, text, comment string
		if err := rows.Scan(&db, &schema, &name, &kind, &params, &types, &text, &comment); err != nil {
			return false, err
		}
		text = excludeList.ReplaceAllStringFunc(text, func(m string) string {
			names := strings.Split(excludeList.FindStringSubmatch(m)[1], ",")
			for i := range names {
				names[i] = strings.TrimSpace(names[i])
			}
			slices.Sort(names)
			return "EXCLUDE (" + strings.Join(names, ", ") + ")"
		})
		k := strings.Join([]string{schema, name, kind, params, types, text, comment}, "\x00")
		if db == "snapshot" {
			count[k]--
		} else {
			count[k]++
		}
	}
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, n := range count {
		if n != 0 {
			return false, nil
		}
	}
	return true, nil
}

// sameShape refuses a snapshot whose tables or columns are not the
// warehouse's public ones (changed by hand: its migrations say nothing of
// it). Views are left out: the warehouse registers its Arrow batches as
// views while it loads. (Macros are not compared but created again in the
// copy, see applyRuns: DuckDB does not print a macro's text the same way
// from a file as in the session that created it.)
func sameShape(ctx context.Context, conn *sql.Conn, self string) error {
	private := make([]string, len(privateTables))
	for i, t := range privateTables {
		private[i] = quoteLiteral(t)
	}
	shape := func(db string) string {
		return fmt.Sprintf(`SELECT 'column' AS kind, table_name AS name, column_name AS part, data_type AS detail FROM duckdb_columns()
			WHERE database_name = %[1]s AND schema_name = 'main' AND table_name NOT IN (%[2]s)
			  AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = %[1]s AND schema_name = 'main')`,
			quoteLiteral(db), strings.Join(private, ", "))
	}
	var kind, name, detail string // kind is "column"
	q := fmt.Sprintf("(%[1]s EXCEPT ALL %[2]s) UNION ALL (%[2]s EXCEPT ALL %[1]s) ORDER BY 1, 2 LIMIT 1", shape("snapshot"), shape(self))
	switch err := conn.QueryRowContext(ctx, "SELECT kind, name, detail FROM ("+q+")").Scan(&kind, &name, &detail); {
	case errors.Is(err, sql.ErrNoRows):
		return nil
	case err != nil:
		return err
	}
	return errNotIncremental{fmt.Sprintf("the snapshot's %s %s is not the warehouse's (%.80s)", kind, name, detail)}
}

// checkCopy compares every table of the copy with the warehouse's, within
// the transaction that changed it: the same number of rows, and for the
// small tables (etl_run, etl_setting, etl_source_state) the same checksum
// of their contents too (an order-independent sum of row hashes; hashing
// the large tables would cost seconds nationally, and DuckDB checksums
// every block it reads anyway). A difference means the snapshot had
// drifted (or was damaged): the publish then rebuilds it.
func checkCopy(ctx context.Context, conn *sql.Conn, src string, tables []string, hashed map[string]bool) error {
	parts := make([]string, 0, len(tables))
	for _, t := range tables {
		if t == "schema_migrations" || t == "schema_macros" {
			continue
		}
		sum := func(from string) string {
			if !hashed[t] {
				return fmt.Sprintf("(SELECT count(*) FROM %s)", from)
			}
			return fmt.Sprintf("(SELECT (count(*), sum(hash(x)::HUGEINT)) FROM %s AS x)", from)
		}
		parts = append(parts, fmt.Sprintf("SELECT %s AS t WHERE %s IS DISTINCT FROM %s", quoteLiteral(t), sum("snapshot.main."+t), sum(src+t)))
	}
	rows, err := conn.QueryContext(ctx, strings.Join(parts, " UNION ALL "))
	if err != nil {
		return err
	}
	defer rows.Close()
	var bad []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return err
		}
		bad = append(bad, t)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		return errNotIncremental{"the snapshot differs from the warehouse in " + strings.Join(bad, ", ")}
	}
	return nil
}

// tableNames lists the main tables of an attached database.
func tableNames(ctx context.Context, conn *sql.Conn, db string) ([]string, error) {
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM duckdb_tables() WHERE database_name = ? AND schema_name = 'main' ORDER BY 1", db)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ts []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		ts = append(ts, t)
	}
	return ts, rows.Err()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// cloneFile copies src to the new file dst (mode 0644) and syncs it: a
// reflink (FICLONE) where the file system shares blocks (btrfs, XFS), else
// copy_file_range through io.Copy, else a plain copy.
func cloneFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, out.Close()) }()
	if unix.IoctlFileClone(int(out.Fd()), int(in.Fd())) != nil {
		if _, err := io.Copy(out, in); err != nil {
			return err
		}
	}
	return out.Sync()
}
