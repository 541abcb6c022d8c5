package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync/atomic"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
)

// JobBackup is the etl_run job of the daemon's backups.
const JobBackup = "backup"

// TableSum is one table's row count and content checksum: the sum of
// DuckDB's hash of every row (an order-independent checksum; a copy of the
// table holding the same rows has the same sum whatever their order).
type TableSum struct {
	Name     string `json:"table"`
	Rows     int64  `json:"rows"`
	Checksum string `json:"checksum"` // sum(hash(row)::HUGEINT), in decimal; "0" for an empty table
}

// backupSeq names each backup's attached database: backups may run beside
// a load and a publish, each with its own alias.
var backupSeq atomic.Int64

// BackupTo writes a consistent copy of the whole warehouse (every table,
// view, macro and sequence, with their rows; not the staging's stale Arrow
// view, see dropArrowViews) into the new DuckDB file dst,
// through the open warehouse: dst is attached and filled by COPY FROM
// DATABASE in one transaction, which sees the warehouse as of its start,
// whatever loads commit meanwhile. It returns the count and checksum of every
// table as that transaction saw them, that is as dst holds them. The
// personal-data columns are copied as they are stored, encrypted.
//
// dst must not exist; its folder should be private (mode 0700): the file is
// made 0600 once written, but DuckDB creates it with the process's umask,
// which this method leaves alone (a load narrows it meanwhile, and restoring
// masks from two goroutines would leave the wrong one).
func (w *Warehouse) BackupTo(ctx context.Context, dst string) (sums []TableSum, err error) {
	if _, err := os.Lstat(dst); err == nil {
		return nil, fmt.Errorf("warehouse: backup: %s exists", dst)
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: backup: %w", err)
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&self); err != nil {
		return nil, fmt.Errorf("warehouse: backup: %w", err)
	}
	alias := fmt.Sprintf("grassroots_backup_%d", backupSeq.Add(1))
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(dst)+" AS "+alias); err != nil {
		return nil, fmt.Errorf("warehouse: backup: attach %s: %w", dst, err)
	}
	attached := true
	defer func() {
		if attached {
			conn.ExecContext(context.WithoutCancel(ctx), "DETACH "+alias)
		}
		if err != nil {
			removeDB(dst)
		}
	}()
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, fmt.Errorf("warehouse: backup: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COPY FROM DATABASE "+quoteIdent(self)+" TO "+alias); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return nil, fmt.Errorf("warehouse: backup: copy into %s: %w", dst, err)
	}
	if err := dropArrowViews(ctx, conn, alias); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return nil, fmt.Errorf("warehouse: backup: %w", err)
	}
	// The sums are read in the same transaction, so from the same state.
	sums, err = tableSums(ctx, conn, self)
	if err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return nil, fmt.Errorf("warehouse: backup: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		return nil, fmt.Errorf("warehouse: backup: commit %s: %w", dst, err)
	}
	if _, err := conn.ExecContext(ctx, "CHECKPOINT "+alias); err != nil {
		return nil, fmt.Errorf("warehouse: backup: checkpoint %s: %w", dst, err)
	}
	attached = false
	if _, err := conn.ExecContext(ctx, "DETACH "+alias); err != nil {
		return nil, fmt.Errorf("warehouse: backup: detach %s: %w", dst, err)
	}
	if err := os.Chmod(dst, 0o600); err != nil {
		return nil, fmt.Errorf("warehouse: backup: %w", err)
	}
	if _, err := os.Stat(dst + ".wal"); err == nil {
		return nil, fmt.Errorf("warehouse: backup: %s.wal left behind after the checkpoint", dst)
	}
	if err := atomicfs.Sync(dst); err != nil {
		return nil, fmt.Errorf("warehouse: backup: %w", err)
	}
	return sums, nil
}

// dropArrowViews drops from database db the views over an Arrow stream: the
// staging registers its batches as the view arrow_in (duckdb-go's
// RegisterView), which DuckDB 1.5 keeps in the catalogue after the stream is
// released, holding the addresses of freed memory (its sql column is empty:
// it was made through the C API). A copy has no use for it, and reading it
// there could only fail.
func dropArrowViews(ctx context.Context, conn *sql.Conn, db string) error {
	var drop []string
	err := queryEach(ctx, conn, `SELECT schema_name, view_name FROM duckdb_views()
		WHERE database_name = ? AND NOT internal AND (view_name = 'arrow_in' OR sql LIKE '%arrow_scan(%')`, []any{db}, func(r *sql.Rows) error {
		var schema, view string
		err := r.Scan(&schema, &view)
		drop = append(drop, "DROP VIEW "+quoteIdent(db)+"."+quoteIdent(schema)+"."+quoteIdent(view))
		return err
	})
	if err != nil {
		return fmt.Errorf("views: %w", err)
	}
	for _, q := range drop {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("views: %w", err)
		}
	}
	return nil
}

// TableSums reads the count and checksum of every table of the DuckDB file
// at path, opened read-only (a backup being verified).
func TableSums(ctx context.Context, path string) ([]TableSum, error) {
	db, err := openReadOnly(ctx, path, Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %s: %w", path, err)
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&self); err != nil {
		return nil, fmt.Errorf("warehouse: %s: %w", path, err)
	}
	sums, err := tableSums(ctx, conn, self)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %s: %w", path, err)
	}
	return sums, nil
}

// tableSums reads the count and checksum of every table of database db
// (its main schema), by table name, in one statement.
func tableSums(ctx context.Context, conn *sql.Conn, db string) ([]TableSum, error) {
	rows, err := conn.QueryContext(ctx, `SELECT table_name FROM duckdb_tables()
		WHERE database_name = ? AND schema_name = 'main' ORDER BY table_name`, db)
	if err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	var parts []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, fmt.Errorf("tables: %w", err)
		}
		parts = append(parts, fmt.Sprintf("SELECT %s AS t, count(*), coalesce(sum(hash(x)::HUGEINT), 0)::VARCHAR FROM %s.main.%s AS x",
			quoteLiteral(t), quoteIdent(db), quoteIdent(t)))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("tables: %w", err)
	}
	if len(parts) == 0 {
		return nil, errors.New("no table")
	}
	var sums []TableSum
	err = queryEach(ctx, conn, strings.Join(parts, " UNION ALL ")+" ORDER BY t", nil, func(r *sql.Rows) error {
		var s TableSum
		err := r.Scan(&s.Name, &s.Rows, &s.Checksum)
		sums = append(sums, s)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("checksums: %w", err)
	}
	return sums, nil
}

// Lock takes the writer's lock of the warehouse at path without opening it
// (restore replaces the file under it) and returns what releases it. It
// fails with ErrLocked while another process holds the warehouse.
func Lock(path string) (release func(), err error) {
	f, err := acquireLock(path + ".lock")
	if err != nil {
		return nil, err
	}
	return func() { releaseLock(f) }, nil
}
