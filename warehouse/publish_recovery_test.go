package warehouse

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestSnapshotCurrent: a snapshot lags once a load succeeds or the settings
// change after it was built, not when a run finds nothing new.
func TestSnapshotCurrent(t *testing.T) {
	ctx := context.Background()
	w, path := openTest(t)
	dst := filepath.Join(filepath.Dir(path), "published", "analytics.duckdb")
	check := func(step string, want bool) {
		t.Helper()
		if got := w.SnapshotCurrent(ctx, dst); got != want {
			t.Errorf("%s: SnapshotCurrent = %v, want %v", step, got, want)
		}
	}
	check("no snapshot", false)
	loadDivisions(t, w, memory.NewGoAllocator())
	if err := w.Publish(ctx, dst); err != nil {
		t.Fatal(err)
	}
	check("just published", true)
	if _, err := w.RecordRun(ctx, JobIngest, "140105", StatusNoNewData, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := w.RecordRun(ctx, JobIngest, "140123", StatusFailed, "unreadable"); err != nil {
		t.Fatal(err)
	}
	check("after no_new_data and failed runs", true)
	if _, err := w.SetSettings(ctx, map[string]string{"city_code": "1401", "timezone": "Asia/Shanghai"}); err != nil {
		t.Fatal(err)
	}
	check("settings changed", false)
	if err := w.Publish(ctx, dst); err != nil {
		t.Fatal(err)
	}
	check("published again", true)
	// A succeeded load committed, then the process died before publishing.
	l, err := w.Begin(ctx, JobDivisions, "")
	if err != nil {
		t.Fatal(err)
	}
	l.AddFile("bbbb", "divisions-2.csv", []string{"divisions"})
	if _, err := l.Commit(ctx, Counts{}); err != nil {
		t.Fatal(err)
	}
	check("a load committed since", false)
	if err := w.Publish(ctx, dst); err != nil {
		t.Fatal(err)
	}
	check("published after the load", true)
	if err := os.WriteFile(dst, []byte("not a database"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("unreadable snapshot", false)
}

// TestPublishRemovesStaleTemps: the temporary snapshot of a publisher that
// died is removed by the next publish; a live process's is left alone.
func TestPublishRemovesStaleTemps(t *testing.T) {
	ctx := context.Background()
	w, path := openTest(t)
	dst := filepath.Join(filepath.Dir(path), "published", "analytics.duckdb")
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadTemp := dst + ".tmp-" + strconv.Itoa(dead.Process.Pid)
	liveTemp := dst + ".tmp-1" // pid 1 is always alive
	for _, p := range []string{deadTemp, deadTemp + ".wal", liveTemp, dst + ".tmp-x"} {
		if err := os.WriteFile(p, []byte("half a snapshot"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Publish(ctx, dst); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]bool{deadTemp: false, deadTemp + ".wal": false, liveTemp: true, dst + ".tmp-x": true, dst: true} {
		if _, err := os.Stat(p); (err == nil) != want {
			t.Errorf("%s: exists %v, want %v", filepath.Base(p), err == nil, want)
		}
	}
}

// TestPublishAfterAKillBeforeTheRename: a publish killed after it rotated
// the backups and before its rename (crash point publish-rename:1) leaves
// the published snapshot as it was and <dst>.1 a second link to it. The
// next publish must still end with three distinct previous snapshots:
// .1 the one it replaces, .2 and .3 the two before.
func TestPublishAfterAKillBeforeTheRename(t *testing.T) {
	ctx := context.Background()
	w, path := openTest(t)
	dst := filepath.Join(filepath.Dir(path), "published", "analytics.duckdb")
	loadDivisions(t, w, memory.NewGoAllocator())
	// Snapshots s0 … s3, told apart by a setting: dst holds s3, .1 s2, .2 s1, .3 s0.
	publish := func(n int) {
		t.Helper()
		if _, err := w.SetSettings(ctx, map[string]string{"city_code": "1401", "stale_after_hours": strconv.Itoa(n)}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.PublishWith(ctx, dst, false); err != nil {
			t.Fatal(err)
		}
	}
	for n := range 4 {
		publish(n)
	}
	for file, want := range map[string]string{dst: "3", dst + ".1": "2", dst + ".2": "1", dst + ".3": "0"} {
		if got := snapshotSetting(t, file, "stale_after_hours"); got != want {
			t.Fatalf("before the kill %s holds snapshot s%s, want s%s", filepath.Base(file), got, want)
		}
	}
	// What the killed publish did before the kill (its temporary copy is
	// removed as a dead process's; it plays no part here).
	rotateBackups(dst)
	publish(4)
	for file, want := range map[string]string{dst: "4", dst + ".1": "3", dst + ".2": "2", dst + ".3": "1"} {
		if got := snapshotSetting(t, file, "stale_after_hours"); got != want {
			t.Errorf("%s holds snapshot s%s, want s%s", filepath.Base(file), got, want)
		}
	}
}

// snapshotSetting reads one etl_setting of a snapshot file.
func snapshotSetting(t *testing.T, path, key string) string {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRow("SELECT value FROM etl_setting WHERE key = ?", key).Scan(&v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}
