package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// small opens a new warehouse with a few settings and a hash cache beside it.
func small(t *testing.T) *warehouse.Warehouse {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "data", "warehouse.duckdb")
	w, err := warehouse.Open(ctx, path, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	if _, err := w.SetSettings(ctx, map[string]string{"city_code": "1401", "city_name": "太原市", "timezone": "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path+HashesSuffix, []byte("a cache line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return w
}

func mode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func sum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestCreateModesAndManifest(t *testing.T) {
	w := small(t)
	dir := filepath.Join(t.TempDir(), "backups")
	at := time.Date(2022, 8, 1, 3, 0, 5, 0, time.FixedZone("CST", 8*3600))
	m, err := Create(context.Background(), w, dir, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "20220731T190005Z"); m.Dir != want {
		t.Errorf("backup folder %s, want %s (the UTC time)", m.Dir, want)
	}
	for _, d := range []string{dir, m.Dir} {
		if got := mode(t, d); got != 0o700 {
			t.Errorf("%s: mode %v, want 0700", d, got)
		}
	}
	entries, err := os.ReadDir(m.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if got := mode(t, filepath.Join(m.Dir, e.Name())); got != 0o600 {
			t.Errorf("%s: mode %v, want 0600", e.Name(), got)
		}
	}
	if strings.Join(names, " ") != "manifest.json warehouse.duckdb warehouse.duckdb.hashes" {
		t.Errorf("the backup holds %v", names)
	}
	if got := sum(t, filepath.Join(m.Dir, "warehouse.duckdb.hashes")); got != sum(t, w.Path()+HashesSuffix) {
		t.Error("the hash cache's copy differs from it")
	}
	read, err := ReadManifest(m.Dir)
	if err != nil {
		t.Fatal(err)
	}
	var settings warehouse.TableSum
	for _, s := range read.Tables {
		if s.Name == "etl_setting" {
			settings = s
		}
	}
	if settings.Rows != 3 || settings.Checksum == "0" || settings.Checksum == "" {
		t.Errorf("etl_setting in the manifest: %+v, want 3 rows and a checksum", settings)
	}
	if !strings.HasPrefix(read.DuckDB, "v1.") {
		t.Errorf("the manifest's DuckDB version %q", read.DuckDB)
	}
	if len(read.Files) != 2 || read.Files[0].SHA256 != hexSum(t, filepath.Join(m.Dir, "warehouse.duckdb")) {
		t.Errorf("files in the manifest: %+v", read.Files)
	}
	// A second backup in the same second gets a folder of its own.
	m2, err := Create(context.Background(), w, dir, at)
	if err != nil {
		t.Fatal(err)
	}
	if m2.Dir != m.Dir+"-2" {
		t.Errorf("second backup of the same second in %s", m2.Dir)
	}
}

func hexSum(t *testing.T, path string) string {
	s := sum(t, path)
	return hex.EncodeToString(s[:])
}

func writeJSON(t *testing.T, path string, v any) {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, raw, 0o600); err != nil {
		t.Fatal(err)
	}
}

// One byte flipped anywhere in the copy fails verification with a message
// naming the backup and the file; a manifest that disagrees with the
// tables names the table.
func TestVerifyDamaged(t *testing.T) {
	ctx := context.Background()
	w := small(t)
	m, err := Create(ctx, w, t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(ctx, m.Dir); err != nil {
		t.Fatalf("a fresh backup: %v", err)
	}
	db := filepath.Join(m.Dir, m.Database)
	b, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{len(b) / 2, len(b) - 1, 100} {
		damaged := append([]byte(nil), b...)
		damaged[at] ^= 0x01
		if err := os.WriteFile(db, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := Verify(ctx, m.Dir)
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), m.Dir) || !strings.Contains(err.Error(), "warehouse.duckdb has") ||
			!strings.Contains(err.Error(), "SHA-256") {
			t.Errorf("byte %d flipped: %v, want a damaged backup naming %s and warehouse.duckdb", at, err, m.Dir)
		}
	}
	if err := os.WriteFile(db, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// The file intact, the manifest's count of a table wrong: the table
	// check finds it (the file hashes still match).
	read, err := ReadManifest(m.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for i := range read.Tables {
		if read.Tables[i].Name == "etl_setting" {
			read.Tables[i].Rows = 4
		}
		if read.Tables[i].Name == "dim_county" {
			read.Tables[i].Checksum = "12345"
		}
	}
	writeJSON(t, filepath.Join(m.Dir, ManifestFile), read)
	_, err = Verify(ctx, m.Dir)
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "table etl_setting has 3 rows, the manifest 4") ||
		!strings.Contains(err.Error(), "table dim_county has checksum 0, the manifest 12345") {
		t.Errorf("a manifest that disagrees: %v", err)
	}
	// Taken by another DuckDB, whose hash may differ: the checksums are not
	// compared, the counts still are.
	read.DuckDB = "v0.0.0"
	for i := range read.Tables {
		if read.Tables[i].Name == "etl_setting" {
			read.Tables[i].Rows = 3
		}
	}
	writeJSON(t, filepath.Join(m.Dir, ManifestFile), read)
	if _, err := Verify(ctx, m.Dir); err != nil {
		t.Errorf("a backup of another DuckDB version, checksums aside: %v", err)
	}
	for i := range read.Tables {
		if read.Tables[i].Name == "etl_setting" {
			read.Tables[i].Rows = 2
		}
	}
	writeJSON(t, filepath.Join(m.Dir, ManifestFile), read)
	if _, err := Verify(ctx, m.Dir); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), "table etl_setting has 3 rows, the manifest 2") {
		t.Errorf("a backup of another DuckDB version with a wrong count: %v", err)
	}
	// A folder without a manifest is no backup.
	if _, err := Verify(ctx, t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a backup") {
		t.Errorf("an empty folder: %v", err)
	}
}

func TestRestoreRefusals(t *testing.T) {
	ctx := context.Background()
	w := small(t)
	m, err := Create(ctx, w, t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The warehouse is held open: refused.
	if _, err := Restore(ctx, m.Dir, w.Path(), RestoreOptions{Force: true}); !errors.Is(err, warehouse.ErrLocked) {
		t.Errorf("restore over a warehouse held open: %v, want ErrLocked", err)
	}
	if _, err := w.SetSettings(ctx, map[string]string{"city_code": "1402"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before := sum(t, w.Path())
	// Without --force: refused, the warehouse untouched.
	_, err = Restore(ctx, m.Dir, w.Path(), RestoreOptions{})
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("restore without force: %v, want ErrExists naming --force", err)
	}
	if sum(t, w.Path()) != before {
		t.Error("a refused restore changed the warehouse")
	}
	// A damaged backup is refused before anything is touched.
	db := filepath.Join(m.Dir, m.Database)
	good, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)/3] ^= 0x80
	if err := os.WriteFile(db, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, m.Dir, w.Path(), RestoreOptions{Force: true}); !errors.Is(err, ErrDamaged) {
		t.Errorf("restore of a damaged backup: %v", err)
	}
	if sum(t, w.Path()) != before {
		t.Error("a refused restore changed the warehouse")
	}
	if err := os.WriteFile(db, good, 0o600); err != nil {
		t.Fatal(err)
	}
	// With --force: the replaced warehouse is kept beside it, 0600.
	now := time.Date(2022, 9, 1, 0, 0, 0, 0, time.UTC)
	res, err := Restore(ctx, m.Dir, w.Path(), RestoreOptions{Force: true, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	if want := w.Path() + ".replaced-20220901T000000Z"; res.Replaced != want {
		t.Errorf("replaced kept as %s, want %s", res.Replaced, want)
	}
	if sum(t, res.Replaced) != before {
		t.Error("the kept warehouse is not the one replaced")
	}
	if got := mode(t, res.Replaced); got != 0o600 {
		t.Errorf("kept warehouse mode %v", got)
	}
	if got := mode(t, w.Path()); got != 0o600 {
		t.Errorf("restored warehouse mode %v", got)
	}
	if sum(t, w.Path()) != sum(t, db) {
		t.Error("the restored warehouse is not the backup's copy")
	}
	sums, err := warehouse.TableSums(ctx, w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if d := compareSums(m.Tables, sums); len(d) > 0 {
		t.Errorf("the restored warehouse: %v", d)
	}
	// Onto nothing, no --force needed.
	fresh := filepath.Join(t.TempDir(), "new", "warehouse.duckdb")
	res, err = Restore(ctx, m.Dir, fresh, RestoreOptions{})
	if err != nil || res.Replaced != "" {
		t.Errorf("restore onto nothing: %+v, %v", res, err)
	}
	if sum(t, fresh+HashesSuffix) != sum(t, filepath.Join(m.Dir, "warehouse.duckdb.hashes")) {
		t.Error("the hash cache was not restored")
	}
}

// Restore moves a left-over write-ahead log aside with the replaced file: it
// must never be replayed onto the restored one.
func TestRestoreMovesTheLog(t *testing.T) {
	ctx := context.Background()
	w := small(t)
	m, err := Create(ctx, w, t.TempDir(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.Path()+".wal", []byte("not a log of the backup"), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := Restore(ctx, m.Dir, w.Path(), RestoreOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.Path() + ".wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a log beside the restored warehouse: %v", err)
	}
	if got := mode(t, res.Replaced+".wal"); got != 0o600 {
		t.Errorf("the replaced log: mode %v", got)
	}
	// A log alone, its file gone: a warehouse all the same.
	if err := os.Remove(w.Path()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(w.Path()+".wal", []byte("an orphan log"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Restore(ctx, m.Dir, w.Path(), RestoreOptions{}); !errors.Is(err, ErrExists) {
		t.Errorf("restore over an orphan log without --force: %v", err)
	}
	res, err = Restore(ctx, m.Dir, w.Path(), RestoreOptions{Force: true, Now: func() time.Time { return time.Now().Add(time.Hour) }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(w.Path() + ".wal"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the orphan log is still beside the restored warehouse: %v", err)
	}
	if b, err := os.ReadFile(res.Replaced + ".wal"); err != nil || string(b) != "an orphan log" {
		t.Errorf("the orphan log kept as %s.wal: %q, %v", res.Replaced, b, err)
	}
}

func TestPruneKeepsTheNewest(t *testing.T) {
	ctx := context.Background()
	w := small(t)
	dir := t.TempDir()
	base := time.Date(2022, 8, 1, 3, 0, 0, 0, time.UTC)
	var made []string
	for _, d := range []int{0, 2, 1, 3} { // made out of order: the names order them
		m, err := Create(ctx, w, dir, base.AddDate(0, 0, d))
		if err != nil {
			t.Fatal(err)
		}
		made = append(made, m.Dir)
	}
	// Not backups: left alone.
	for _, p := range []string{"notes", "20220701T030000Z"} { // the second has no manifest
		if err := os.Mkdir(filepath.Join(dir, p), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := Prune(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(removed) != 2 || removed[0] != made[0] || removed[1] != made[2] {
		t.Errorf("pruned %v, want the days 0 and 1: %v", removed, []string{made[0], made[2]})
	}
	left, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0] != made[1] || left[1] != made[3] {
		t.Errorf("left %v, want %v", left, []string{made[1], made[3]})
	}
	for _, p := range []string{"notes", "20220701T030000Z"} {
		if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
			t.Errorf("prune removed %s: %v", p, err)
		}
	}
}
