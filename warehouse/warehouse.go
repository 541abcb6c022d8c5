// Package warehouse owns the DuckDB files: opening the private warehouse,
// applying the embedded migrations and macro set (package sqlfiles), loading
// canonical Arrow batches, merging them into the fact and dimension tables
// with history, keeping the run bookkeeping and publishing the snapshot
// without personal data.
//
// It is the only package that imports duckdb-go and database/sql.
package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	sqlfiles "github.com/grassroots-cn/grassroots/sql"
)

// Errors callers can test with errors.Is.
var (
	ErrLocked   = errors.New("warehouse: in use by another grassroots process")
	ErrReadOnly = errors.New("warehouse: file is not writable")
)

// Options tune the DuckDB instance.
type Options struct {
	MemoryLimit string // e.g. "4GB"; "" = DuckDB's default
	Threads     int    // 0 = DuckDB's default
	Logger      *slog.Logger
	// PII is the cipher of the personal-data columns (docs/design.md,
	// Encryption at rest). With it, Open refuses a warehouse encrypted under
	// another key before writing anything (ErrPIIKey), and encrypts the
	// plaintext of a warehouse written before encryption. Without it, Open
	// neither checks nor encrypts: readers and loads that need no personal
	// data.
	PII *piicrypt.Cipher
}

// Warehouse is the open private warehouse. One process writes it at a time,
// enforced by an advisory lock on <path>.lock.
type Warehouse struct {
	db   *sql.DB
	path string
	lock *os.File
	log  *slog.Logger
	// memoryLimit is the memory_limit the warehouse was opened with ("" =
	// DuckDB's default), restored after a release's own.
	memoryLimit string
	pii         *piicrypt.Cipher // Options.PII
}

// Open opens (creating with mode 0600 if needed) the private warehouse at
// path, takes the writer's lock and applies pending migrations.
func Open(ctx context.Context, path string, opts Options) (*Warehouse, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("warehouse: %w", err)
	}
	lock, err := acquireLock(path + ".lock")
	if err != nil {
		return nil, err
	}
	w := &Warehouse{path: path, lock: lock, log: log, memoryLimit: opts.MemoryLimit, pii: opts.PII}
	if err := w.open(ctx, opts); err != nil {
		releaseLock(lock)
		return nil, err
	}
	return w, nil
}

func (w *Warehouse) open(ctx context.Context, opts Options) error {
	// The file holds personal data: it is born with mode 0600 (DuckDB would
	// create it with the process umask, readable by others), and an existing
	// file is brought back to 0600.
	if _, err := os.Stat(w.path); err == nil {
		if err := os.Chmod(w.path, 0o600); err != nil {
			return fmt.Errorf("warehouse: %w", err)
		}
	}
	if err := unix.Access(w.path, unix.W_OK); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("%w: %s: %v", ErrReadOnly, w.path, err)
	}
	old := syscall.Umask(0o077)
	db, err := sql.Open("duckdb", dsn(w.path, opts, false))
	if err == nil {
		err = db.PingContext(ctx)
	}
	syscall.Umask(old)
	if err != nil {
		if db != nil {
			db.Close()
		}
		return fmt.Errorf("warehouse: open %s: %w", w.path, err)
	}
	w.db = db
	steps := []func(context.Context) error{w.migrate}
	if opts.PII != nil {
		steps = []func(context.Context) error{
			func(ctx context.Context) error { return w.verifyPIIKey(ctx, opts.PII) },
			w.migrate,
			func(ctx context.Context) error {
				n, err := w.encryptPlaintext(ctx, opts.PII)
				if err != nil {
					return err
				}
				if _, statErr := os.Stat(w.rewritePath()); n > 0 || statErr == nil {
					return w.rewrite(ctx, opts)
				}
				return nil
			},
		}
	}
	for _, step := range steps {
		if err := step(ctx); err != nil {
			if w.db != nil { // rewrite may have closed and reopened it
				w.db.Close()
				w.db = nil
			}
			return err
		}
	}
	return nil
}

// arrowView is the view through which staging inserts an Arrow stream
// (stage_arrow.go); it must never outlive the statement.
const arrowView = "arrow_in"

// dsn builds a duckdb-go DSN with the configuration parameters.
func dsn(path string, opts Options, readOnly bool) string {
	var q []string
	if readOnly {
		q = append(q, "access_mode=read_only")
	}
	if opts.MemoryLimit != "" {
		q = append(q, "memory_limit="+opts.MemoryLimit)
	}
	if opts.Threads > 0 {
		q = append(q, "threads="+strconv.Itoa(opts.Threads))
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + strings.Join(q, "&")
}

// Close checkpoints and closes the database and releases the lock.
func (w *Warehouse) Close() error {
	var errs []error
	if w.db != nil {
		_, err := w.db.Exec("CHECKPOINT")
		errs = append(errs, err, w.db.Close())
		w.db = nil
	}
	releaseLock(w.lock)
	return errors.Join(errs...)
}

// Path is the warehouse file.
func (w *Warehouse) Path() string { return w.path }

// acquireLock takes an exclusive, non-blocking flock on path and writes the
// holder's pid into it.
func acquireLock(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("warehouse: lock %s: %w", path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		b := make([]byte, 32)
		n, _ := f.ReadAt(b, 0)
		f.Close()
		holder := strings.TrimSpace(string(b[:n]))
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%w (pid %s holds %s)", ErrLocked, holder, path)
		}
		return nil, fmt.Errorf("warehouse: lock %s: %w", path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	return f, nil
}

func releaseLock(f *os.File) {
	if f == nil {
		return
	}
	syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
	f.Close()
}

// migrate applies every embedded migration not yet recorded in
// schema_migrations, then the macro set if the file does not hold it yet.
func (w *Warehouse) migrate(ctx context.Context) error {
	migs, err := sqlfiles.List()
	if err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, sqlfiles.Bookkeeping); err != nil {
		return fmt.Errorf("warehouse: schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	rows, err := conn.QueryContext(ctx, "SELECT version FROM schema_migrations")
	if err != nil {
		return fmt.Errorf("warehouse: schema_migrations: %w", err)
	}
	for rows.Next() {
		var v int
		if err := rows.Scan(&v); err != nil {
			rows.Close()
			return fmt.Errorf("warehouse: schema_migrations: %w", err)
		}
		applied[v] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("warehouse: schema_migrations: %w", err)
	}
	for _, m := range migs {
		if applied[m.Version] {
			continue
		}
		if err := applyMigration(ctx, conn, m, true); err != nil {
			return err
		}
		w.log.Info("migration applied", "version", m.Version, "name", m.Name)
	}
	hash, err := applyMacros(ctx, conn)
	if err != nil {
		return err
	}
	if hash != "" {
		w.log.Info("macros applied", "hash", hash)
	}
	// Loads before the staging dropped it left the view that duckdb-go's
	// Arrow scan creates (over a stream long released) in the catalogue.
	if _, err := conn.ExecContext(ctx, "DROP VIEW IF EXISTS main."+arrowView); err != nil {
		return fmt.Errorf("warehouse: %w", err)
	}
	return nil
}

// applyMigration runs one migration in a transaction and records it. A
// migration with no statement left is only recorded.
func applyMigration(ctx context.Context, conn *sql.Conn, m sqlfiles.Migration, record bool) (err error) {
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return fmt.Errorf("warehouse: migration %03d: %w", m.Version, err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if !m.Empty() {
		if _, err := conn.ExecContext(ctx, m.SQL); err != nil {
			return fmt.Errorf("warehouse: migration %03d_%s: %w", m.Version, m.Name, err)
		}
	}
	if record {
		if _, err := conn.ExecContext(ctx, "INSERT INTO schema_migrations VALUES (?, ?, ?)", m.Version, m.Name, time.Now()); err != nil {
			return fmt.Errorf("warehouse: migration %03d: %w", m.Version, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return fmt.Errorf("warehouse: migration %03d: %w", m.Version, err)
	}
	return nil
}

// applyMacros brings the macros of the current database of conn to the
// embedded set, in one transaction, unless schema_macros already holds the
// set's hash: it drops the macros the set no longer has, creates or replaces
// every macro of the set in order, and records the hash. It returns the hash
// it applied, or "" when the set was already there.
func applyMacros(ctx context.Context, conn *sql.Conn) (applied string, err error) {
	set, err := sqlfiles.Macros()
	if err != nil {
		return "", fmt.Errorf("warehouse: macros: %w", err)
	}
	var current sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT max(hash) FROM schema_macros").Scan(&current); err != nil {
		return "", fmt.Errorf("warehouse: schema_macros: %w", err)
	}
	if current.String == set.Hash {
		return "", nil
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return "", fmt.Errorf("warehouse: macros: %w", err)
	}
	defer func() {
		if err != nil {
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	if err := dropStaleMacros(ctx, conn, set.Names()); err != nil {
		return "", err
	}
	if _, err := conn.ExecContext(ctx, set.SQL); err != nil {
		return "", fmt.Errorf("warehouse: macros: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "DELETE FROM schema_macros; INSERT INTO schema_macros VALUES (?, ?)", set.Hash, time.Now()); err != nil {
		return "", fmt.Errorf("warehouse: schema_macros: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return "", fmt.Errorf("warehouse: macros: %w", err)
	}
	return set.Hash, nil
}

// dropStaleMacros drops the macros of the current database's main schema
// that are not among names: those an older binary created and the set no
// longer has.
func dropStaleMacros(ctx context.Context, conn *sql.Conn, names []string) error {
	rows, err := conn.QueryContext(ctx, `SELECT DISTINCT function_name, function_type FROM duckdb_functions()
		WHERE NOT internal AND function_type IN ('macro', 'table_macro')
		AND database_name = current_database() AND schema_name = 'main'`)
	if err != nil {
		return fmt.Errorf("warehouse: macros: %w", err)
	}
	var drop []string
	for rows.Next() {
		var name, typ string
		if err := rows.Scan(&name, &typ); err != nil {
			rows.Close()
			return fmt.Errorf("warehouse: macros: %w", err)
		}
		if !slices.Contains(names, name) {
			kind := "MACRO "
			if typ == "table_macro" {
				kind = "MACRO TABLE "
			}
			drop = append(drop, "DROP "+kind+quoteIdent(name))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("warehouse: macros: %w", err)
	}
	for _, stmt := range drop {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("warehouse: macros: %w", err)
		}
	}
	return nil
}

// Checkpoint writes the write-ahead log into the file and keeps a WAL left
// behind private. A run checkpoints once, after its last county, rather than
// after every county's commit: at a national scale (thousands of counties)
// one checkpoint per county cost more than the loads, and DuckDB also
// checkpoints by itself whenever the log passes its wal_autocheckpoint size.
func (w *Warehouse) Checkpoint(ctx context.Context) error {
	restore := privateUmask()
	defer restore()
	if _, err := w.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("warehouse: checkpoint: %w", err)
	}
	w.privateWAL()
	return nil
}

// privateWAL makes the write-ahead log (which holds personal data between
// checkpoints) readable by the owner only.
func (w *Warehouse) privateWAL() {
	if _, err := os.Stat(w.path + ".wal"); err == nil {
		os.Chmod(w.path+".wal", 0o600)
	}
}

// IsFatal reports whether err is DuckDB's fatal error (such as a full disk
// during a checkpoint), after which the open database is invalidated and
// must be reopened: the daemon stops so that its service manager restarts it.
func IsFatal(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "FATAL Error") || strings.Contains(s, "database has been invalidated")
}
