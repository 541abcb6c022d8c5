package warehouse

import (
	"context"
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
