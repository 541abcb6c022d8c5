package pipeline

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/testfs"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// relocate points the fixture's warehouse and snapshot into dir.
func relocate(t *testing.T, cfg *config.Config, dir string) *config.Config {
	t.Helper()
	text, err := os.ReadFile(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(text), "warehouse: data/warehouse.duckdb", "warehouse: "+filepath.Join(dir, "warehouse.duckdb"), 1)
	s = strings.Replace(s, "published: data/published/analytics.duckdb", "published: "+filepath.Join(dir, "published", "analytics.duckdb"), 1)
	must(t, os.WriteFile(cfg.Path, []byte(s), 0o644))
	c, err := config.Load(cfg.Path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDiskFull: the warehouse's disk fills up in the middle of a run; the
// run fails cleanly with the reason, and once there is room again the next
// run loads everything. The run is on a warehouse held open (as the daemon
// holds it), and the disk is filled to leave 2 MiB: room for the loads'
// write-ahead log (the fixture's is a few hundred KiB), never for the
// checkpoint that follows (it writes the warehouse's ~6 MiB of blocks),
// which fails with DuckDB's fatal error.
func TestDiskFull(t *testing.T) {
	base := fixture(t)
	disk := t.TempDir()
	testfs.MountTmpfs(t, disk, "16m")
	cfg := relocate(t, base, disk)
	ctx := context.Background()
	r := &Runner{Config: cfg}
	w, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var st syscall.Statfs_t
	must(t, syscall.Statfs(disk, &st))
	const room = 2 << 20
	free := int64(st.Bavail) * int64(st.Bsize)
	if free < room+(1<<20) {
		t.Fatalf("%d bytes free on the new disk", free)
	}
	filler := filepath.Join(disk, "filler")
	count := strconv.FormatInt((free-room)/(64<<10), 10)
	if out, err := exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=64k", "count="+count).CombinedOutput(); err != nil {
		t.Fatalf("dd: %v %s", err, out)
	}
	res, err := r.RunOn(ctx, w, nil)
	if cerr := w.Close(); cerr != nil {
		t.Logf("closing the warehouse after the fault: %v", cerr)
	}
	if failed := err != nil || (res != nil && res.Failed() > 0); !failed {
		t.Fatalf("a run on a full disk succeeded: %+v", res)
	}
	var reasons []string
	if err != nil {
		reasons = append(reasons, err.Error())
	}
	if res != nil {
		for _, c := range append([]CountyResult{res.Divisions}, res.Counties...) {
			if c.Error != "" {
				reasons = append(reasons, c.Code+": "+c.Error)
			}
		}
	}
	t.Logf("failures: %q", reasons)
	if !warehouse.IsFatal(err) {
		t.Errorf("the run's error is not recognised as DuckDB's fatal error: %v", err)
	}
	if !strings.Contains(strings.Join(reasons, "\n"), "No space left on device") {
		t.Errorf("no failure says the disk is full: %q", reasons)
	}
	// Room again: the next run loads everything.
	must(t, os.Remove(filler))
	testfs.Remount(t, disk, "size=64m")
	res = runOnce(t, cfg)
	if res.Failed() != 0 {
		t.Fatalf("after the disk was freed: %+v", res)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting"); n != 4 {
			t.Errorf("%d postings after the fault was fixed, want 4", n)
		}
		assertAccounting(t, db)
	})
}

// TestReadOnlyWarehouse: the warehouse's file system is read-only; the run
// fails with the reason, and succeeds once it is writable again.
func TestReadOnlyWarehouse(t *testing.T) {
	base := fixture(t)
	disk := t.TempDir()
	testfs.MountTmpfs(t, disk, "64m")
	cfg := relocate(t, base, disk)
	runOnce(t, cfg)
	ledger := xiaodianLedger()
	ledger[1][3] = "13911112222"
	writeXiaodian(t, cfg.Dir, ledger)
	testfs.Remount(t, disk, "ro")
	_, err := (&Runner{Config: cfg}).Run(context.Background(), nil)
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "read-only") {
		t.Fatalf("run on a read-only warehouse: %v", err)
	}
	testfs.Remount(t, disk, "rw")
	res := runOnce(t, cfg)
	if x := county(res, "140105"); x.Status != StatusSucceeded || x.Loaded != 1 {
		t.Fatalf("after the file system was writable again: %+v", x)
	}
}

// TestPublishedFolderMissing: the snapshot's folder cannot be made; the run
// loads but reports the failed publish, and the next run publishes.
func TestPublishedFolderMissing(t *testing.T) {
	cfg := fixture(t)
	parent := filepath.Dir(cfg.Published)
	must(t, os.MkdirAll(filepath.Dir(parent), 0o755))
	must(t, os.WriteFile(parent, []byte("not a folder"), 0o644)) // a file where the folder should be
	res, err := (&Runner{Config: cfg}).Run(context.Background(), nil)
	if err == nil || !strings.Contains(err.Error(), "publish") {
		t.Fatalf("publish into a missing folder: %v %+v", err, res)
	}
	must(t, os.Remove(parent))
	res = runOnce(t, cfg)
	if !res.Publish {
		t.Fatalf("the next run did not publish: %+v", res)
	}
	db := openRO(t, cfg.Published)
	if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting"); n != 4 {
		t.Fatalf("snapshot holds %d postings, want 4", n)
	}
}
