package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/synth"
)

// TestTwoWritersAtOnce: a `run` while another `run` loads, and a `run` while
// `serve` holds the warehouse, refuse at once with the reason and change
// nothing; the first writer finishes normally.
func TestTwoWritersAtOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and loads the demo city; skipped with -short")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	gen, err := synth.Generate(context.Background(), dir, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	first := exec.Command(bin, "run", "--config", gen.ConfigPath)
	var firstOut strings.Builder
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	pid := strconv.Itoa(first.Process.Pid)
	resume := freezeHoldingLock(t, first, filepath.Join(dir, "data", "warehouse.duckdb.lock"), &firstOut)
	out, err := exec.Command(bin, "run", "--config", gen.ConfigPath).CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitFailed || !strings.Contains(string(out), "in use by another grassroots process") ||
		!strings.Contains(string(out), "pid "+pid+" holds") {
		t.Fatalf("second run while the first holds the warehouse: %v, want exit %d naming pid %s\n%s", err, exitFailed, pid, out)
	}
	resume()
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstOut.String())
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "data", "warehouse.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	succeeded := count(t, db, "SELECT count(*) FROM etl_run WHERE job = 'ingest' AND status = 'succeeded'")
	bad := count(t, db, "SELECT count(*) FROM etl_run WHERE rows_in <> rows_loaded + rows_unchanged + rows_duplicate + rows_rejected")
	runs := count(t, db, "SELECT count(*) FROM etl_run")
	db.Close()
	// The refused run recorded nothing: one divisions run and ten county runs, all the first's.
	if succeeded != 10 || bad != 0 || runs != 11 {
		t.Fatalf("after two writers: %d succeeded county runs (want 10), %d runs not adding up, %d runs in all (want 11)", succeeded, bad, runs)
	}

	// serve holds the warehouse: a manual run is refused, naming the holder.
	cfg := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(cfg, []byte(scheduled(t, gen.ConfigPath, "@every 1h")+"status_addr: "+freeAddr(t)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d := startDaemon(t, bin, "serve", "--config", cfg)
	d.waitFor(t, 1, 30*time.Second, msg("serve started"))
	out, err = exec.Command(bin, "run", "--config", cfg).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailed || !strings.Contains(string(out), "in use by another grassroots process") {
		t.Errorf("run while serve holds the warehouse: %v\n%s", err, out)
	}
	d.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// freezeHoldingLock waits until the run holds the warehouse lock (its lock
// file names its pid, which it writes after taking the flock and before it
// loads anything) and freezes it with SIGSTOP, so that it provably still
// holds the lock, however fast the machine. resume (idempotent) lets it go on.
func freezeHoldingLock(t *testing.T, run *exec.Cmd, lock string, out fmt.Stringer) (resume func()) {
	t.Helper()
	pid := strconv.Itoa(run.Process.Pid)
	deadline := time.Now().Add(60 * time.Second)
	for {
		if b, err := os.ReadFile(lock); err == nil && strings.TrimSpace(string(b)) == pid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the run did not take the lock within 60s\n%s", out)
		}
		time.Sleep(time.Millisecond)
	}
	if err := run.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	resumed := false
	resume = func() {
		if !resumed {
			resumed = true
			if err := run.Process.Signal(syscall.SIGCONT); err != nil {
				t.Errorf("SIGCONT to the first run: %v", err)
			}
		}
	}
	t.Cleanup(resume)
	// The stop is delivered asynchronously: wait until the process shows it
	// (a run that finished before it could be frozen fails here).
	waitStopped(t, run.Process.Pid)
	return resume
}

// procState returns a process's state letter from /proc (R, S, D, T, Z, ...).
func procState(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		t.Fatalf("process %d: %v", pid, err)
	}
	// pid (comm) state ...: comm may hold spaces, so read after the last ')'.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 || i+3 > len(b) {
		t.Fatalf("process %d: unreadable stat %q", pid, b)
	}
	return string(b[i+2 : i+3])
}
