package warehouse

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/internal/crashpoint"
	sqlfiles "github.com/grassroots-cn/grassroots/sql"
)

// privateTables are never published.
var privateTables = []string{"pii_person", "pii_person_history", "pii_key_check"}

// Backups is how many previous snapshots Publish keeps beside the published
// file (<path>.1 is the newest).
const Backups = 3

// Publish writes a snapshot of the warehouse without personal data to dst,
// atomically: the snapshot is built in a temporary file beside dst (the same
// schema and comments from the embedded migrations and the embedded macro
// set, minus the private tables), filled in one transaction, synced, and
// renamed over dst.
// A reader holding the old file keeps its consistent view; a new reader sees
// the new one. The previous snapshots are kept as dst.1 … dst.N.
func (w *Warehouse) Publish(ctx context.Context, dst string) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return fmt.Errorf("warehouse: publish: %w", err)
	}
	removeStaleTemps(dst)
	tmp := dst + ".tmp-" + strconv.Itoa(os.Getpid())
	removeDB(tmp)
	if err := w.buildSnapshot(ctx, tmp, false); err != nil {
		removeDB(tmp)
		return fmt.Errorf("warehouse: publish %s: %w", dst, err)
	}
	if err := atomicfs.Sync(tmp); err != nil {
		removeDB(tmp)
		return fmt.Errorf("warehouse: publish: %w", err)
	}
	os.Chmod(tmp, 0o644)
	rotateBackups(dst)
	crashpoint.Hit(crashpoint.PublishRename)
	if err := renameSnapshot(tmp, dst); err != nil {
		removeDB(tmp)
		return fmt.Errorf("warehouse: publish: %w", err)
	}
	crashpoint.Hit(crashpoint.Published)
	if err := atomicfs.Sync(filepath.Dir(dst)); err != nil {
		return fmt.Errorf("warehouse: publish: %w", err)
	}
	return nil
}

// buildSnapshot writes a copy of the warehouse into the new file tmp: the
// schema and macros from the embedded files, then every table's rows; the
// private tables are left out unless keepPrivate (the rewrite that leaves no
// freed block of plaintext behind, see rewrite).
func (w *Warehouse) buildSnapshot(ctx context.Context, tmp string, keepPrivate bool) (err error) {
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&self); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(tmp)+" AS snapshot"); err != nil {
		return err
	}
	defer func() {
		ctx := context.WithoutCancel(ctx)
		_, e1 := conn.ExecContext(ctx, "USE "+quoteIdent(self))
		_, e2 := conn.ExecContext(ctx, "DETACH snapshot")
		err = errors.Join(err, e1, e2)
	}()
	if _, err := conn.ExecContext(ctx, "USE snapshot"); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, sqlfiles.Bookkeeping); err != nil {
		return err
	}
	migs, err := sqlfiles.List()
	if err != nil {
		return err
	}
	for _, m := range migs {
		if err := applyMigration(ctx, conn, m, true); err != nil {
			return err
		}
	}
	if _, err := applyMacros(ctx, conn); err != nil {
		return err
	}
	crashpoint.Hit(crashpoint.PublishBuild)
	if !keepPrivate {
		drop := make([]string, len(privateTables))
		for i, t := range privateTables {
			drop[i] = "DROP TABLE IF EXISTS snapshot.main." + t
		}
		if _, err := conn.ExecContext(ctx, strings.Join(drop, "; ")); err != nil {
			return err
		}
	}
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = 'snapshot' AND schema_name = 'main' AND table_name NOT IN ('schema_migrations', 'schema_macros')
		ORDER BY table_name`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var copySQL strings.Builder
	copySQL.WriteString("BEGIN TRANSACTION;\n")
	for _, t := range tables {
		fmt.Fprintf(&copySQL, "INSERT INTO snapshot.main.%s SELECT * FROM %s.main.%s;\n", quoteIdent(t), quoteIdent(self), quoteIdent(t))
	}
	copySQL.WriteString("COMMIT;")
	if _, err := conn.ExecContext(ctx, copySQL.String()); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return err
	}
	crashpoint.Hit(crashpoint.PublishBuild)
	if _, err := conn.ExecContext(ctx, "CHECKPOINT snapshot"); err != nil {
		return err
	}
	crashpoint.Hit(crashpoint.PublishBuild)
	return nil
}

// SnapshotCurrent reports whether the snapshot at dst holds the warehouse's
// latest successful load, its settings, its schema and this binary's macro
// set (an upgraded grassroots republishes with its new migrations and
// macros; a snapshot older than the macro hash has no schema_macros and is
// not current). It is false when dst is missing or cannot be read, and when
// a process died between a commit and the rename of its snapshot: the next
// run then publishes even with nothing new to load.
func (w *Warehouse) SnapshotCurrent(ctx context.Context, dst string) bool {
	if _, err := os.Stat(dst); err != nil {
		return false
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return false
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(dst)+" AS published_check (READ_ONLY)"); err != nil {
		return false
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "DETACH published_check")
	set, err := sqlfiles.Macros()
	if err != nil {
		return false
	}
	var current bool
	err = conn.QueryRowContext(ctx, `SELECT
		(SELECT max(run_id) FROM etl_run WHERE status = 'succeeded') IS NOT DISTINCT FROM
		(SELECT max(run_id) FROM published_check.main.etl_run WHERE status = 'succeeded')
		AND NOT EXISTS (SELECT * FROM etl_setting EXCEPT SELECT * FROM published_check.main.etl_setting)
		AND NOT EXISTS (SELECT * FROM published_check.main.etl_setting EXCEPT SELECT * FROM etl_setting)
		AND (SELECT max(version) FROM schema_migrations) IS NOT DISTINCT FROM
			(SELECT max(version) FROM published_check.main.schema_migrations)
		AND (SELECT max(hash) FROM published_check.main.schema_macros) IS NOT DISTINCT FROM ?`, set.Hash).Scan(&current)
	return err == nil && current
}

// RefreshSnapshotRuns brings the etl_run of the published snapshot at dst
// up to date with the warehouse's, for a run that found nothing new and so
// did not republish: without it source_freshness() in the snapshot would
// show each county's last load, not its last pull, and call fresh counties
// stale. The snapshot is copied to a temporary file beside dst, the missing
// runs are added to the copy, which is checkpointed, synced and renamed over
// dst: a reader sees the old snapshot or the new one, never a mix. No
// backup is rotated (the data are the same). It reports whether it replaced
// dst; it does nothing when dst is missing or its etl_run is current.
func (w *Warehouse) RefreshSnapshotRuns(ctx context.Context, dst string) (bool, error) {
	if _, err := os.Stat(dst); err != nil {
		return false, nil
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return false, fmt.Errorf("warehouse: refresh %s: %w", dst, err)
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&self); err != nil {
		return false, fmt.Errorf("warehouse: refresh %s: %w", dst, err)
	}
	missing := func(db string) string {
		return fmt.Sprintf("SELECT * FROM %s.main.etl_run EXCEPT ALL SELECT * FROM %s.main.etl_run", quoteIdent(self), quoteIdent(db))
	}
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(dst)+" AS published_runs (READ_ONLY)"); err != nil {
		return false, fmt.Errorf("warehouse: refresh %s: %w", dst, err)
	}
	var n int64
	err = conn.QueryRowContext(ctx, "SELECT count(*) FROM ("+missing("published_runs")+")").Scan(&n)
	if _, derr := conn.ExecContext(context.WithoutCancel(ctx), "DETACH published_runs"); err == nil {
		err = derr
	}
	if err != nil || n == 0 {
		if err != nil {
			err = fmt.Errorf("warehouse: refresh %s: %w", dst, err)
		}
		return false, err
	}
	// The snapshot's data are current: an incremental publish adds the
	// missing runs (and the sources' state) to a copy, without a backup.
	conn.Close()
	st, err := w.publishIncremental(ctx, dst, false)
	if err == nil {
		w.log.Debug("snapshot runs refreshed", "runs", st.Runs, "phases", st.Phases)
	}
	var not errNotIncremental
	if errors.As(err, &not) {
		err = w.Publish(ctx, dst)
	}
	if err != nil {
		return false, fmt.Errorf("warehouse: refresh %s: %w", dst, err)
	}
	return true, nil
}

// removeStaleTemps removes the temporary snapshots (and their WALs) that a
// publishing process which has died left beside dst: each would otherwise
// stay for ever, as large as a snapshot.
func removeStaleTemps(dst string) {
	paths, _ := filepath.Glob(globEscape(dst) + ".tmp-*")
	for _, p := range paths {
		pid, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, dst+".tmp-"), ".wal"))
		if err != nil || pid == os.Getpid() || pid <= 0 {
			continue
		}
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			os.Remove(p)
		}
	}
}

// globEscape escapes the glob metacharacters of a path.
func globEscape(path string) string {
	var b strings.Builder
	for _, c := range path {
		if strings.ContainsRune(`*?[]\`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// quoteLiteral quotes an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// renameSnapshot renames the finished snapshot tmp (checkpointed: it has no
// log) over dst. A write-ahead log beside dst belongs to the old file (someone
// opened the snapshot to write and never checkpointed): it is removed first,
// or every reader would replay it onto the new one.
func renameSnapshot(tmp, dst string) error {
	if err := os.Remove(dst + ".wal"); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return os.Rename(tmp, dst)
}

// rotateBackups shifts dst.N-1 … dst.1 up by one and hard-links the current
// dst to dst.1. When dst.1 is already dst (a publish died between this
// and its rename), nothing moves: rotating again would keep the same
// snapshot twice and lose the oldest.
func rotateBackups(dst string) {
	if a, err := os.Stat(dst); err == nil {
		if b, err := os.Stat(dst + ".1"); err == nil && os.SameFile(a, b) {
			return
		}
	}
	os.Remove(fmt.Sprintf("%s.%d", dst, Backups))
	for i := Backups - 1; i >= 1; i-- {
		os.Rename(fmt.Sprintf("%s.%d", dst, i), fmt.Sprintf("%s.%d", dst, i+1))
	}
	if _, err := os.Stat(dst); err == nil {
		if err := os.Link(dst, dst+".1"); err != nil {
			// No hard links on this file system: the backup is lost for this
			// round rather than risking the published file.
			return
		}
	}
}

// removeDB removes a database file and its WAL.
func removeDB(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
}
