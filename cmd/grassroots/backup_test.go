package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/backup"
	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func permOf(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func countRows(t *testing.T, path, q string) int64 {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(q).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// backup and restore as the operator runs them.
func TestBackupRestoreCommands(t *testing.T) {
	cfgPath, data := freshCity(t)
	home := filepath.Dir(cfgPath)
	warehousePath := filepath.Join(data, "warehouse.duckdb")
	if code, _, errs := grassroots(t, "run", "--config", cfgPath); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errs)
	}

	// Never inside the published folder.
	inside := filepath.Join(data, "published", "backups")
	code, _, errs := grassroots(t, "backup", "--config", cfgPath, "--to", inside)
	if code != 2 || !strings.Contains(errs, "inside the published folder") {
		t.Errorf("backup --to %s: exit %d, %q; want 2 and a refusal", inside, code, errs)
	}
	if _, err := os.Stat(inside); !os.IsNotExist(err) {
		t.Errorf("the refused folder exists: %v", err)
	}

	code, out, errs := grassroots(t, "backup", "--config", cfgPath, "--json")
	if code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errs)
	}
	var res backupResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("backup --json: %v: %s", err, out)
	}
	if filepath.Dir(res.Dir) != filepath.Join(home, "backups") || res.Via != "warehouse" || res.Tables < 20 || res.Rows == 0 || res.Bytes == 0 {
		t.Errorf("backup --json: %+v", res)
	}
	for _, d := range []string{filepath.Dir(res.Dir), res.Dir} {
		if m := permOf(t, d); m != 0o700 {
			t.Errorf("%s: mode %v, want 0700", d, m)
		}
	}
	files := []string{"warehouse.duckdb", "manifest.json"}
	// The hash cache is saved only when the run hashed a file for good (one
	// written less than two seconds before is hashed again next time).
	if _, err := os.Stat(warehousePath + ".hashes"); err == nil {
		files = append(files, "warehouse.duckdb.hashes")
		if fileSum(t, warehousePath+".hashes") != fileSum(t, filepath.Join(res.Dir, "warehouse.duckdb.hashes")) {
			t.Error("the backup's hash cache differs from the warehouse's")
		}
	}
	entries, err := os.ReadDir(res.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(files) {
		t.Errorf("the backup holds %d files, want %v", len(entries), files)
	}
	for _, f := range files {
		if m := permOf(t, filepath.Join(res.Dir, f)); m != 0o600 {
			t.Errorf("%s: mode %v, want 0600", f, m)
		}
	}
	// The human summary names the folder and the figures.
	code, out, errs = grassroots(t, "backup", "--config", cfgPath)
	if code != 0 || !strings.Contains(out, "written to "+filepath.Join(home, "backups")) || !strings.Contains(out, "rows") {
		t.Errorf("backup: exit %d, %q, %q", code, out, errs)
	}

	// Load more after the backup: the restore takes it away again.
	postings := countRows(t, warehousePath, "SELECT count(*) FROM fact_posting")
	before := fileSum(t, warehousePath)

	code, _, errs = grassroots(t, "restore", "--config", cfgPath, "--from", res.Dir)
	if code != 2 || !strings.Contains(errs, "--force") {
		t.Errorf("restore without --force: exit %d, %q", code, errs)
	}
	if fileSum(t, warehousePath) != before {
		t.Error("the refused restore changed the warehouse")
	}

	w, err := warehouse.Open(context.Background(), warehousePath, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs = grassroots(t, "restore", "--config", cfgPath, "--from", res.Dir, "--force")
	if code != 1 || !strings.Contains(errs, "in use by another grassroots process") || !strings.Contains(errs, "stop grassroots serve") {
		t.Errorf("restore while the warehouse is held: exit %d, %q", code, errs)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	before = fileSum(t, warehousePath)

	// A damaged backup is refused, naming it.
	db := filepath.Join(res.Dir, "warehouse.duckdb")
	good, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), good...)
	bad[len(bad)/2] ^= 0x10
	if err := os.WriteFile(db, bad, 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs = grassroots(t, "restore", "--config", cfgPath, "--from", res.Dir, "--force")
	if code != 1 || !strings.Contains(errs, "backup damaged") || !strings.Contains(errs, res.Dir) {
		t.Errorf("restore of a damaged backup: exit %d, %q", code, errs)
	}
	if err := os.WriteFile(db, good, 0o600); err != nil {
		t.Fatal(err)
	}

	code, out, errs = grassroots(t, "restore", "--config", cfgPath, "--from", res.Dir, "--force", "--json")
	if code != 0 {
		t.Fatalf("restore --force: exit %d: %s", code, errs)
	}
	var rr struct {
		Replaced string `json:"replaced"`
		Rows     int64  `json:"rows"`
		Publish  *struct {
			Mode string `json:"mode"`
		} `json:"publish"`
	}
	if err := json.Unmarshal([]byte(out), &rr); err != nil {
		t.Fatalf("restore --json: %v: %s", err, out)
	}
	if !strings.HasPrefix(rr.Replaced, warehousePath+".replaced-") || rr.Rows != res.Rows || rr.Publish == nil || rr.Publish.Mode != "full" {
		t.Errorf("restore --json: %s", out)
	}
	if fileSum(t, rr.Replaced) != before {
		t.Error("the kept warehouse is not the one replaced")
	}
	if m := permOf(t, rr.Replaced); m != 0o600 {
		t.Errorf("the kept warehouse: mode %v", m)
	}
	if n := countRows(t, warehousePath, "SELECT count(*) FROM fact_posting"); n != postings {
		t.Errorf("restored warehouse: %d postings, want %d", n, postings)
	}
	// The snapshot was rebuilt from the restored warehouse.
	if n := countRows(t, filepath.Join(data, "published", "analytics.duckdb"), "SELECT count(*) FROM fact_posting"); n != postings {
		t.Errorf("republished snapshot: %d postings, want %d", n, postings)
	}
	if code, _, errs := grassroots(t, "run", "--config", cfgPath); code != 0 {
		t.Errorf("run after the restore: exit %d: %s", code, errs)
	}
	if code, _, _ := grassroots(t, "restore", "--config", cfgPath); code != 2 {
		t.Errorf("restore without --from: exit %d", code)
	}
}

// While serve holds the warehouse, backup asks it through the status
// address; serve's own scheduled backup is recorded in etl_run and serve
// keeps the newest backup.keep.
func TestServeBackups(t *testing.T) {
	_, cfg := demoCity(t, nil)
	cfg.Backup.Keep = 2
	p := serveInProcess(t, cfg)
	p.waitFor(t, 1, 120*time.Second, "scheduled backups", func(l map[string]any) bool {
		return l["msg"] == "backup written" && l["asked_by"] == "schedule"
	})
	c := *cfg
	c.StatusAddr = p.addr
	a := &app{stdout: &strings.Builder{}, stderr: &strings.Builder{}}
	var dirs []string
	for range 2 {
		res, err := a.makeBackup(context.Background(), &c, c.Backup.Dir, false)
		if err != nil {
			t.Fatal(err)
		}
		if res.Via != "serve" || res.Rows == 0 {
			t.Errorf("backup through serve: %+v", res)
		}
		if _, err := backup.Verify(context.Background(), res.Dir); err != nil {
			t.Error(err)
		}
		dirs = append(dirs, res.Dir)
	}
	if _, err := a.makeBackup(context.Background(), &c, filepath.Join(t.TempDir(), "elsewhere"), true); err == nil ||
		!strings.Contains(err.Error(), "leave out --to, or stop serve") {
		t.Errorf("backup --to elsewhere while serve runs: %v", err)
	}
	left, err := backup.List(c.Backup.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 2 || left[0] != dirs[0] || left[1] != dirs[1] {
		t.Errorf("backups kept %v, want the newest two %v", left, dirs)
	}
	p.stop(t)
	if n := countRows(t, cfg.Warehouse, "SELECT count(*) FROM etl_run WHERE job = 'backup' AND status = 'succeeded'"); n != 1 {
		t.Errorf("%d backup runs in etl_run, want the scheduled one", n)
	}
}

// POST /backup answers only the loopback interface; the status endpoint's
// other paths pass through.
func TestBackupEndpointLoopbackOnly(t *testing.T) {
	inner := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("inner " + r.URL.Path)) })
	h := withBackupEndpoint(inner, &backupper{cfg: &config.Config{}})
	req := httptest.NewRequest(http.MethodPost, "/backup", nil)
	req.RemoteAddr = "192.0.2.7:40000"
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden || !strings.Contains(rec.Body.String(), "from this machine only") {
		t.Errorf("POST /backup from 192.0.2.7: %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Body.String() != "inner /healthz" {
		t.Errorf("GET /healthz: %q", rec.Body.String())
	}
	for _, addr := range []string{"127.0.0.1:5", "[::1]:5"} {
		r := httptest.NewRequest(http.MethodPost, "/backup", nil)
		r.RemoteAddr = addr
		if !fromLoopback(r) {
			t.Errorf("%s is the loopback interface", addr)
		}
	}
}
