package warehouse

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
)

// ErrPIIKey is wrapped when the personal-data key given is not the one the
// warehouse's names, ID numbers and phones are encrypted with.
var ErrPIIKey = errors.New("warehouse: the personal-data key (pii_key_file / pii_key_env) is not the key this warehouse's names, ID numbers and phones are encrypted with; nothing was written")

// piiScheme names the construction of package piicrypt in pii_key_check.
const piiScheme = "pii1"

// piiColumns are the columns holding encrypted personal data, by table.
var piiColumns = map[string][]string{
	"pii_person":         {"name", "id_number", "phone"},
	"pii_person_history": {"name", "id_number", "phone"},
}

// storedPIICheck returns the key check the warehouse holds, "" when it holds
// none (a new warehouse, or one written before encryption), and whether the
// table exists at all (it does not before migration 008).
func storedPIICheck(ctx context.Context, q interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}) (check string, exists bool, err error) {
	var n int
	err = q.QueryRowContext(ctx, `SELECT count(*) FROM duckdb_tables()
		WHERE database_name = current_database() AND schema_name = 'main' AND table_name = 'pii_key_check'`).Scan(&n)
	if err != nil || n == 0 {
		return "", false, err
	}
	err = q.QueryRowContext(ctx, "SELECT coalesce(max(check_value), '') FROM pii_key_check").Scan(&check)
	return check, true, err
}

// verifyPIIKey refuses a key other than the one the warehouse holds data
// under. It runs before the migrations, so a wrong key writes nothing.
func (w *Warehouse) verifyPIIKey(ctx context.Context, c *piicrypt.Cipher) error {
	check, _, err := storedPIICheck(ctx, w.db)
	if err != nil {
		return fmt.Errorf("warehouse: pii_key_check: %w", err)
	}
	if check != "" && check != c.Check() {
		return fmt.Errorf("%w (%s)", ErrPIIKey, w.path)
	}
	return nil
}

// encryptPlaintext runs on a read-write open with a key, after the
// migrations. A warehouse with no key check is new or was written before
// personal data was encrypted: every value of the personal-data columns is
// encrypted with c and the key check stored, in one transaction.
// It returns how many distinct values it encrypted.
func (w *Warehouse) encryptPlaintext(ctx context.Context, c *piicrypt.Cipher) (int, error) {
	check, _, err := storedPIICheck(ctx, w.db)
	if err != nil {
		return 0, fmt.Errorf("warehouse: pii_key_check: %w", err)
	}
	if check != "" {
		return 0, nil
	}
	n, err := w.recryptTx(ctx, "", c, func(v string) (string, error) {
		if piicrypt.IsSealed(v) {
			return "", errors.New("a value is encrypted but the warehouse has no key check")
		}
		return c.Seal(v), nil
	})
	if err != nil {
		return 0, fmt.Errorf("warehouse: encrypting personal data: %w", err)
	}
	if n > 0 {
		w.log.Info("personal data encrypted", "values", n)
	}
	return n, nil
}

// rewritePath is where rewrite builds the new file.
func (w *Warehouse) rewritePath() string { return w.path + ".rewrite-tmp" }

// rewrite replaces the warehouse file by a fresh copy of its schema and rows,
// after its plaintext personal data was encrypted in place: DuckDB does not
// clear the blocks an UPDATE frees, so the old file could still hold the
// plaintext. The copy is built beside it (mode 0600), synced and renamed over
// it; a process that dies before the rename leaves the copy behind, and the
// next open rewrites again.
func (w *Warehouse) rewrite(ctx context.Context, opts Options) error {
	tmp := w.rewritePath()
	removeDB(tmp)
	if _, err := w.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return fmt.Errorf("warehouse: rewrite: %w", err)
	}
	old := syscall.Umask(0o077)
	err := w.buildSnapshot(ctx, tmp, true)
	syscall.Umask(old)
	if err == nil {
		err = atomicfs.Sync(tmp)
	}
	if err != nil {
		removeDB(tmp)
		return fmt.Errorf("warehouse: rewrite: %w", err)
	}
	if err := w.db.Close(); err != nil {
		return fmt.Errorf("warehouse: rewrite: %w", err)
	}
	w.db = nil
	os.Remove(w.path + ".wal") // closed after a checkpoint: nothing left to replay
	if err := os.Rename(tmp, w.path); err != nil {
		return fmt.Errorf("warehouse: rewrite: %w", err)
	}
	if err := atomicfs.Sync(filepath.Dir(w.path)); err != nil {
		return fmt.Errorf("warehouse: rewrite: %w", err)
	}
	db, err := sql.Open("duckdb", dsn(w.path, opts, false))
	if err == nil {
		err = db.PingContext(ctx)
	}
	if err != nil {
		return fmt.Errorf("warehouse: reopen %s: %w", w.path, err)
	}
	w.db = db
	w.log.Info("warehouse rewritten without the freed plaintext blocks")
	return nil
}

// Rekey re-encrypts every name, ID number and phone of pii_person and
// pii_person_history from the key of from to the key of to, in one
// transaction, and records to's key check; then checkpoints. It returns how
// many distinct values it re-encrypted. A from that is not the warehouse's key
// is refused with ErrPIIKey, as is a value that from cannot decrypt.
func (w *Warehouse) Rekey(ctx context.Context, from, to *piicrypt.Cipher) (int, error) {
	if err := w.verifyPIIKey(ctx, from); err != nil {
		return 0, err
	}
	n, err := w.recryptTx(ctx, from.Check(), to, func(v string) (string, error) {
		plain, err := from.Open(v)
		if err != nil {
			return "", fmt.Errorf("%w: %w", ErrPIIKey, err)
		}
		return to.Seal(plain), nil
	})
	if err != nil {
		return 0, fmt.Errorf("warehouse: rekey: %w", err)
	}
	if err := w.Checkpoint(ctx); err != nil {
		return n, err
	}
	return n, nil
}

// recryptTx maps every distinct non-NULL value of the personal-data columns
// through fn and stores to's key check, in one transaction. want is the key
// check the warehouse must still hold when the transaction starts ("" =
// none).
func (w *Warehouse) recryptTx(ctx context.Context, want string, to *piicrypt.Cipher, fn func(string) (string, error)) (n int, err error) {
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer func() {
		if err != nil {
			tx.Rollback()
		}
	}()
	if have, _, err := storedPIICheck(ctx, tx); err != nil {
		return 0, err
	} else if have != want {
		return 0, ErrPIIKey
	}
	olds, err := distinctPII(ctx, tx)
	if err != nil {
		return 0, err
	}
	pairs := make([]any, 0, 2*len(olds))
	for _, old := range olds {
		nv, err := fn(old)
		if err != nil {
			return 0, err
		}
		pairs = append(pairs, old, nv)
	}
	if err := recryptColumns(ctx, tx, pairs); err != nil {
		return 0, err
	}
	stmts := []string{"DELETE FROM pii_key_check", "INSERT INTO pii_key_check VALUES (?, ?)"}
	if _, err := tx.ExecContext(ctx, stmts[0]); err != nil {
		return 0, err
	}
	if _, err := tx.ExecContext(ctx, stmts[1], piiScheme, to.Check()); err != nil {
		return 0, err
	}
	return len(olds), tx.Commit()
}

// distinctPII lists every distinct non-NULL value of the personal-data columns.
func distinctPII(ctx context.Context, tx *sql.Tx) ([]string, error) {
	var parts []string
	for table, cols := range piiColumns {
		for _, c := range cols {
			parts = append(parts, fmt.Sprintf("SELECT %s AS v FROM %s", c, table))
		}
	}
	var out []string
	err := queryEach(ctx, tx, "SELECT DISTINCT v FROM ("+strings.Join(parts, " UNION ALL ")+") WHERE v IS NOT NULL", nil,
		func(r *sql.Rows) error {
			var v string
			err := r.Scan(&v)
			out = append(out, v)
			return err
		})
	return out, err
}

// recryptColumns replaces each old value by its new one (pairs: old, new, …)
// in every personal-data column, through a temporary mapping table.
func recryptColumns(ctx context.Context, tx *sql.Tx, pairs []any) error {
	if len(pairs) == 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, "CREATE OR REPLACE TEMP TABLE pii_recrypt (old VARCHAR PRIMARY KEY, new VARCHAR NOT NULL)"); err != nil {
		return err
	}
	const perInsert = 1000
	for i := 0; i < len(pairs); i += 2 * perInsert {
		chunk := pairs[i:min(len(pairs), i+2*perInsert)]
		q := "INSERT INTO temp.pii_recrypt VALUES " + strings.TrimSuffix(strings.Repeat("(?, ?), ", len(chunk)/2), ", ")
		if _, err := tx.ExecContext(ctx, q, chunk...); err != nil {
			return err
		}
	}
	for table, cols := range piiColumns {
		for _, c := range cols {
			q := fmt.Sprintf("UPDATE %[1]s SET %[2]s = m.new FROM temp.pii_recrypt m WHERE %[1]s.%[2]s = m.old", table, c)
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return fmt.Errorf("%s.%s: %w", table, c, err)
			}
		}
	}
	_, err := tx.ExecContext(ctx, "DROP TABLE temp.pii_recrypt")
	return err
}

// PII is the cipher the warehouse was opened with (Options.PII), nil if none.
func (w *Warehouse) PII() *piicrypt.Cipher { return w.pii }
