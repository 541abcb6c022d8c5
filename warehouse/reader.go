package warehouse

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"log/slog"
	"os"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// The read side that the warehouse offers its readers (the report, the
// headline figures, status, the release): a Reader runs queries against a
// warehouse or published snapshot, side by side when asked, and a Session
// holds one connection for work that needs one (temporary tables, a
// transaction, an appender, COPY … TO Parquet). The readers own their SQL;
// this package owns only the opening, the fallback to the snapshot and the
// connection.

// Row is one result row: *sql.Rows and *sql.Row are both Rows, and so is a
// reader's fake in a test that needs no database. It is an alias of the
// unnamed interface so that a reader package can declare the same Row
// itself (without importing this package, which links DuckDB) and
// *Reader still satisfies that package's interface of Each.
type Row = interface {
	Scan(dest ...any) error
}

// Reader reads a warehouse or published snapshot. It is safe for concurrent
// use: each Each call takes a connection of its own from the pool.
type Reader struct {
	db          *sql.DB
	path        string
	owned       bool   // Close closes db (false: the open Warehouse's)
	memoryLimit string // the memory_limit the file was opened with ("" = DuckDB's)
	log         *slog.Logger
}

// OpenReader opens a warehouse or published snapshot read-only (a reader
// never blocks the writer of another file) with DuckDB's default memory
// limit and threads, and checks that it answers. A command opens through
// OpenEither with the configured ones.
func OpenReader(ctx context.Context, path string) (*Reader, error) {
	return openReader(ctx, path, Options{})
}

// openReader opens path read-only with opts' memory_limit, threads and
// logger (its PII is not used: a reader neither checks nor encrypts).
func openReader(ctx context.Context, path string, opts Options) (*Reader, error) {
	db, err := openReadOnly(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	return &Reader{db: db, path: path, owned: true, memoryLimit: opts.MemoryLimit, log: opts.Logger}, nil
}

// OpenScratch opens an empty in-memory DuckDB, for a reader that works only
// on files it names itself (the privacy audit reads a release's Parquet
// files). It holds one connection, so temporary tables and settings persist
// across calls; Close discards everything.
func OpenScratch(ctx context.Context) (*Reader, error) {
	db, err := sql.Open("duckdb", "")
	if err != nil {
		return nil, fmt.Errorf("warehouse: open in-memory database: %w", err)
	}
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("warehouse: open in-memory database: %w", err)
	}
	return &Reader{db: db, path: ":memory:", owned: true}, nil
}

// ErrNothingLoaded is wrapped by OpenEither when neither the private
// warehouse nor the published snapshot can be read.
var ErrNothingLoaded = errors.New("nothing loaded yet")

// OpenEither opens the private warehouse read-only when no other grassroots
// process holds it, else the published snapshot (as of the last publish),
// with opts' memory_limit and threads (the configured ones, not DuckDB's
// defaults of 80% of memory and every core) and logger.
func OpenEither(ctx context.Context, private, published string, opts Options) (*Reader, error) {
	r, err := openReader(ctx, private, opts)
	if err == nil {
		return r, nil
	}
	if _, serr := os.Stat(published); serr != nil {
		return nil, fmt.Errorf("%w: %w", ErrNothingLoaded, err)
	}
	return openReader(ctx, published, opts)
}

// Reader reads the open warehouse (the daemon's report, status and release).
// Its Close does not close the warehouse.
func (w *Warehouse) Reader() *Reader {
	return &Reader{db: w.db, path: w.path, memoryLimit: w.memoryLimit, log: w.log}
}

// Path is the file read.
func (r *Reader) Path() string { return r.path }

// MemoryLimit is the memory_limit the file was opened with ("" = DuckDB's
// default): what a Session that changes it for a while restores.
func (r *Reader) MemoryLimit() string { return r.memoryLimit }

// Logger is the logger of the open warehouse the reader reads, or the one
// given to OpenEither (one that discards when none).
func (r *Reader) Logger() *slog.Logger {
	if r.log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.log
}

// Close closes a file opened by OpenReader or OpenEither.
func (r *Reader) Close() error {
	if r.owned && r.db != nil {
		err := r.db.Close()
		r.db = nil
		return err
	}
	return nil
}

// Each runs q and calls fn for every row, stopping at fn's first error.
func (r *Reader) Each(ctx context.Context, q string, args []any, fn func(Row) error) error {
	return queryEach(ctx, r.db, q, args, func(rows *sql.Rows) error { return fn(rows) })
}

// Scan runs q, which must return one row, into dest.
func (r *Reader) Scan(ctx context.Context, q string, args []any, dest ...any) error {
	return r.db.QueryRowContext(ctx, q, args...).Scan(dest...)
}

// Session holds one connection of the reader until Close.
func (r *Reader) Session(ctx context.Context) (*Session, error) {
	conn, err := r.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: %s: %w", r.path, err)
	}
	return &Session{conn: conn}, nil
}

// Session is one held connection: temporary tables and settings live as
// long as it does, and a transaction begun with Exec("BEGIN TRANSACTION")
// spans its statements. Its owner leaves it as it found it (drops its
// temporary tables, restores settings) before Close, since the connection
// goes back to the pool.
type Session struct {
	conn *sql.Conn
}

// Exec runs statements that return no rows.
func (s *Session) Exec(ctx context.Context, q string, args ...any) error {
	_, err := s.conn.ExecContext(ctx, q, args...)
	return err
}

// Each runs q and calls fn for every row, stopping at fn's first error.
func (s *Session) Each(ctx context.Context, q string, args []any, fn func(Row) error) error {
	return queryEach(ctx, s.conn, q, args, func(rows *sql.Rows) error { return fn(rows) })
}

// Scan runs q, which must return one row, into dest. A COPY … TO returns
// the number of rows written.
func (s *Session) Scan(ctx context.Context, q string, args []any, dest ...any) error {
	return s.conn.QueryRowContext(ctx, q, args...).Scan(dest...)
}

// AppendRow appends one row of values, in the table's column order.
type AppendRow = func(vals ...driver.Value) error

// Append appends rows to catalog.schema.table (catalog "temp" for a
// temporary table, "" for the file's own) through DuckDB's appender, far
// faster than INSERTs for many rows: rows calls add once per row.
func (s *Session) Append(ctx context.Context, catalog, schema, table string, rows func(add AppendRow) error) error {
	return s.conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), catalog, schema, table)
		if err != nil {
			return err
		}
		if err := rows(app.AppendRow); err != nil {
			app.Close()
			return err
		}
		return app.Close()
	})
}

// Close gives the connection back.
func (s *Session) Close() error { return s.conn.Close() }

// DuckDBVersion is the version of the DuckDB linked in ("v1.5.6"), asked of
// an in-memory database.
func DuckDBVersion(ctx context.Context) (string, error) {
	r, err := OpenScratch(ctx)
	if err != nil {
		return "", err
	}
	defer r.Close()
	var v string
	if err := r.Scan(ctx, "SELECT version()", nil, &v); err != nil {
		return "", fmt.Errorf("duckdb version: %w", err)
	}
	return v, nil
}
