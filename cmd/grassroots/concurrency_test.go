package main

import (
	"context"
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
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
	// Wait until the first run holds the lock (its lock file names its pid).
	lock := filepath.Join(dir, "data", "warehouse.duckdb.lock")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(lock); err == nil && strings.TrimSpace(string(b)) != "" {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	out, err := exec.Command(bin, "run", "--config", gen.ConfigPath).CombinedOutput()
	ee, ok := err.(*exec.ExitError)
	if !ok || ee.ExitCode() != exitFailed || !strings.Contains(string(out), "in use by another grassroots process") {
		// The first run may have finished already on a fast machine: then the
		// second simply found nothing new.
		if err != nil || !strings.Contains(string(out), "no_new_data") {
			t.Fatalf("second run while the first loads: %v\n%s", err, out)
		}
		t.Log("the first run finished before the second started; the refusal was not exercised this time")
	}
	if err := first.Wait(); err != nil {
		t.Fatalf("first run: %v\n%s", err, firstOut.String())
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "data", "warehouse.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	var succeeded, bad int
	db.QueryRow("SELECT count(*) FROM etl_run WHERE job = 'ingest' AND status = 'succeeded'").Scan(&succeeded)
	db.QueryRow("SELECT count(*) FROM etl_run WHERE rows_in <> rows_loaded + rows_unchanged + rows_duplicate + rows_rejected").Scan(&bad)
	db.Close()
	if succeeded != 10 || bad != 0 {
		t.Fatalf("after two writers: %d succeeded county runs (want 10), %d runs not adding up", succeeded, bad)
	}

	// serve holds the warehouse: a manual run is refused, naming the holder.
	text, _ := os.ReadFile(gen.ConfigPath)
	cfg := filepath.Join(dir, "serve.yaml")
	os.WriteFile(cfg, []byte(regexp.MustCompile(`schedule: "[^"]*"`).ReplaceAllString(string(text), `schedule: "@every 1h"`)+
		"status_addr: "+freeAddr(t)+"\n"), 0o644)
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
