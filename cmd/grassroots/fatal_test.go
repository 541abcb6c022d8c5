package main

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/internal/testfs"
	"github.com/grassroots-cn/grassroots/synth"
)

// fullDiskEnv is the demo city with its private warehouse on a tmpfs of the
// given size and every county on the given schedule.
func fullDiskEnv(t *testing.T, size, schedule string) (bin, cfg, disk, wh string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary and runs the daemon; skipped with -short")
	}
	dir := t.TempDir()
	disk = filepath.Join(dir, "disk")
	if err := os.Mkdir(disk, 0o700); err != nil {
		t.Fatal(err)
	}
	testfs.MountTmpfs(t, disk, size)
	bin = buildBinary(t)
	gen, err := synth.Generate(context.Background(), dir, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	wh = filepath.Join(disk, "warehouse.duckdb")
	cfgText := scheduled(t, gen.ConfigPath, schedule)
	cfgText = strings.Replace(cfgText, "warehouse: data/warehouse.duckdb", "warehouse: "+wh, 1)
	cfg = filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}
	return bin, cfg, disk, wh
}

// stopDaemon sends SIGTERM and expects exit 0.
func stopDaemon(t *testing.T, d *daemon) {
	t.Helper()
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("daemon exited with %v after SIGTERM", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("daemon did not stop within 60s of SIGTERM")
	}
}

// checkAllLoaded opens the warehouse: postings of all ten counties, and
// every run finished and adding up.
func checkAllLoaded(t *testing.T, wh string) {
	t.Helper()
	db, err := sql.Open("duckdb", wh+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var counties, bad int
	if err := db.QueryRow(`SELECT count(DISTINCT county_code) FROM fact_posting`).Scan(&counties); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FROM etl_run WHERE rows_in <> rows_loaded + rows_unchanged + rows_duplicate + rows_rejected OR finished_at IS NULL`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if counties != 10 || bad != 0 {
		t.Fatalf("postings in %d counties, %d runs not adding up or unfinished", counties, bad)
	}
}

// succeededCounties counts the distinct counties with a succeeded load in
// the daemon's log.
func succeededCounties(t *testing.T, d *daemon) int {
	t.Helper()
	_, recs := d.lines(t)
	seen := map[any]bool{}
	for _, l := range recs {
		if l != nil && l["msg"] == "county loaded" && l["status"] == "succeeded" {
			seen[l["county"]] = true
		}
	}
	return len(seen)
}

// TestServeExitsOnFatalError runs `grassroots serve` with its warehouse on a
// 4 MB tmpfs, too small for the demo city. Each load's log fits, but a
// checkpoint does not: DuckDB then invalidates the open database, and the
// daemon stops with exit 1 (so that its service manager restarts it) instead
// of failing every later run. Once there is room, a restarted daemon
// reopens the warehouse, replays its log (a load committed before the failed
// checkpoint is kept) and catches up, and all ten counties are in.
func TestServeExitsOnFatalError(t *testing.T) {
	bin, cfg, disk, wh := fullDiskEnv(t, "4m", "@every 1h")
	d := startDaemon(t, bin, "serve", "--config", cfg)
	select {
	case err := <-d.done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != exitFailed {
			t.Fatalf("serve on a full disk exited with %v, want exit %d\n%s", err, exitFailed, d.logText(t))
		}
	case <-time.After(120 * time.Second):
		t.Fatalf("serve kept running after a fatal error\n%s", d.logText(t))
	}
	log := d.logText(t)
	if !strings.Contains(log, "the warehouse was invalidated by a fatal error") || !strings.Contains(log, "No space left on device") {
		t.Fatalf("the log does not give the reason:\n%s", log)
	}
	t.Logf("%d counties loaded before the fatal error", succeededCounties(t, d))

	testfs.Remount(t, disk, "size=256m")
	d2 := startDaemon(t, bin, "serve", "--config", cfg)
	// Its catch-up runs every county not loaded yet, then the report and
	// the release.
	d2.waitFor(t, 1, 120*time.Second, msg("release written"))
	stopDaemon(t, d2)
	checkAllLoaded(t, wh)
}

// TestServeRidesOutFullDisk fills the warehouse's disk once two counties
// are loaded. A commit that cannot write its log is not fatal: those loads
// fail with the reason and roll back, the daemon keeps running, and once
// the disk has room its next runs load the rest, without a restart.
func TestServeRidesOutFullDisk(t *testing.T) {
	bin, cfg, disk, wh := fullDiskEnv(t, "64m", "@every 3s")
	d := startDaemon(t, bin, "serve", "--config", cfg)
	d.waitFor(t, 2, 60*time.Second, msg("county loaded"))
	filler := filepath.Join(disk, "filler")
	if out, _ := exec.Command("dd", "if=/dev/zero", "of="+filler, "bs=64k").CombinedOutput(); !strings.Contains(string(out), "No space left") {
		t.Fatalf("dd did not fill the disk: %s", out)
	}
	d.waitFor(t, 1, 60*time.Second, func(l map[string]any) bool {
		return l["msg"] == "job finished" && strings.Contains(fmtAny(l["error"]), "No space left on device")
	})
	select {
	case err := <-d.done:
		t.Fatalf("serve stopped on a full disk (%v)\n%s", err, d.logText(t))
	default:
	}
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for succeededCounties(t, d) < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("%d counties loaded 90 s after the disk was freed\n%s", succeededCounties(t, d), d.logText(t))
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopDaemon(t, d)
	checkAllLoaded(t, wh)
}

func fmtAny(v any) string {
	s, _ := v.(string)
	return s
}
