package warehouse

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// A backup holds the rows committed when it began, not those of a
// transaction still open, and its sums are those of the copy read back.
func TestBackupToIsConsistent(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := Open(ctx, filepath.Join(dir, "warehouse.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.SetSettings(ctx, map[string]string{"city_code": "1401", "city_name": "太原市"}); err != nil {
		t.Fatal(err)
	}
	// An open transaction that writes a third setting: not in the backup.
	tx, err := w.db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.ExecContext(ctx, "INSERT INTO etl_setting VALUES ('timezone', 'Asia/Shanghai')"); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy.duckdb")
	sums, err := w.BackupTo(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		t.Fatal(err)
	}
	got, err := TableSums(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, sums) {
		t.Errorf("sums of the copy %v, BackupTo said %v", got, sums)
	}
	var settings *TableSum
	for i := range got {
		if got[i].Name == "etl_setting" {
			settings = &got[i]
		}
	}
	if settings == nil || settings.Rows != 2 {
		t.Errorf("etl_setting in the copy: %+v, want 2 rows (the third was not committed when the backup began)", settings)
	}
	if len(got) < 20 {
		t.Errorf("only %d tables in the copy", len(got))
	}
	st, err := os.Stat(dst)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("copy mode %v, want 0600", st.Mode().Perm())
	}
	if _, err := w.BackupTo(ctx, dst); err == nil {
		t.Error("a backup over an existing file succeeded")
	}
}

// The backup's transaction does not stand in a load's way: while a
// transaction that copied the warehouse is open, another connection commits
// and checkpoints (what a load does at its end), and the copy keeps the
// state it began with.
func TestBackupTransactionLetsLoadsCheckpoint(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	w, err := Open(ctx, filepath.Join(dir, "warehouse.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	conn, err := w.db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var self string
	if err := conn.QueryRowContext(ctx, "SELECT current_database()").Scan(&self); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "ATTACH "+quoteLiteral(filepath.Join(dir, "copy.duckdb"))+" AS copy"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "COPY FROM DATABASE "+quoteIdent(self)+" TO copy"); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.ExecContext(ctx, "INSERT INTO etl_setting VALUES ('city_code', '1401')"); err != nil {
		t.Fatalf("a commit during the backup: %v", err)
	}
	if err := w.Checkpoint(ctx); err != nil {
		t.Fatalf("a checkpoint during the backup: %v", err)
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := conn.QueryRowContext(ctx, "SELECT count(*) FROM copy.main.etl_setting").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("the copy holds %d settings committed after it began", n)
	}
	if _, err := conn.ExecContext(ctx, "DETACH copy"); err != nil {
		t.Fatal(err)
	}
}
