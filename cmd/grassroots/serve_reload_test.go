package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/synth"
)

// setCountySchedule returns the configuration text with the schedule of the
// county code replaced by spec (the first schedule line after its code).
func setCountySchedule(t *testing.T, text, code, spec string) string {
	t.Helper()
	at := strings.Index(text, `code: "`+code+`"`)
	if at < 0 {
		t.Fatalf("county %s not in the configuration", code)
	}
	rel := regexp.MustCompile(`schedule: "[^"]*"`).FindStringIndex(text[at:])
	if rel == nil {
		t.Fatalf("county %s has no schedule line", code)
	}
	return text[:at+rel[0]] + `schedule: "` + spec + `"` + text[at+rel[1]:]
}

// lineOf returns the 1-based line of the first occurrence of s in text.
func lineOf(t *testing.T, text, s string) int {
	t.Helper()
	i := strings.Index(text, s)
	if i < 0 {
		t.Fatalf("%q not in the text", s)
	}
	return strings.Count(text[:i], "\n") + 1
}

// TestServeReload starts `grassroots serve` with every county on a schedule
// that does not fire during the test, then rewrites its configuration and
// sends SIGHUP: the reload is logged, 140105's new schedule (every 3s) is
// used, and the others keep theirs. A broken file, and one that changes a
// setting only a restart applies, are refused with a log line each (the
// file's line for the broken one) while the running configuration goes on:
// 140105 still runs every 3s, the status endpoint still answers where it
// did. SIGTERM then stops the daemon cleanly.
func TestServeReload(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the daemon; skipped with -short")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	gen, err := synth.Generate(context.Background(), dir, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	// 00:00 on 1 January: no county is due while the test runs (bar the catch-up at start).
	base := scheduled(t, gen.ConfigPath, "0 0 1 1 *") + "status_addr: " + addr + "\n"
	cfg := filepath.Join(dir, "serve.yaml")
	write := func(text string) {
		t.Helper()
		// Written beside and renamed, as an editor saves: the daemon never reads half a file.
		tmp := cfg + ".new"
		if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, cfg); err != nil {
			t.Fatal(err)
		}
	}
	write(base)
	if _, err := config.Load(cfg); err != nil {
		t.Fatalf("the starting configuration: %v", err)
	}

	d := startDaemon(t, bin, "serve", "--config", cfg, "--grace", "20s")
	// The start-up catch-up: ten counties, the report and the export.
	d.waitFor(t, 12, 120*time.Second, msg("job finished"))
	is := func(m, job string) func(map[string]any) bool {
		return func(l map[string]any) bool { return l["msg"] == m && l["job"] == job }
	}
	scheduledRuns := func(job string) int {
		return d.count(t, func(l map[string]any) bool {
			return l["msg"] == "job started" && l["job"] == job && l["trigger"] == "schedule"
		})
	}
	if n := d.count(t, func(l map[string]any) bool { return l["msg"] == "job started" && l["trigger"] == "schedule" }); n != 0 {
		t.Fatalf("%d scheduled runs before the reload, want none", n)
	}

	// 1. 140105 every 3 seconds.
	every3s := setCountySchedule(t, base, "140105", "@every 3s")
	write(every3s)
	sighup := func() {
		t.Helper()
		if err := d.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	sighup()
	d.waitFor(t, 1, 30*time.Second, msg("configuration reloaded"))
	_, recs := d.lines(t)
	i := slices.IndexFunc(recs, func(l map[string]any) bool { return l != nil && l["msg"] == "configuration reloaded" })
	if got := fmt.Sprint(recs[i]["rescheduled"], recs[i]["added"], recs[i]["removed"]); got != "[ingest 140105] [] []" {
		t.Errorf("reload line: rescheduled, added, removed = %s; want [ingest 140105] [] []", got)
	}
	if recs[i]["file"] != cfg {
		t.Errorf("reload line names the file %v, want %s", recs[i]["file"], cfg)
	}
	next := d.count(t, func(l map[string]any) bool {
		return l["msg"] == "job scheduled" && l["job"] == "ingest 140105" && l["schedule"] == "@every 3s"
	})
	if next != 1 {
		t.Errorf("%d 'job scheduled' lines for 140105's new schedule, want 1", next)
	}
	// Its new schedule is used: two runs 3s apart.
	d.waitFor(t, 2, 30*time.Second, func(l map[string]any) bool {
		return l["msg"] == "job started" && l["job"] == "ingest 140105" && l["trigger"] == "schedule"
	})

	// 2. A broken file: 140106's schedule has a minute 61. Refused with its line.
	broken := setCountySchedule(t, every3s, "140106", "61 2 * * *")
	badLine := lineOf(t, broken, `"61 2 * * *"`)
	write(broken)
	sighup()
	d.waitFor(t, 1, 30*time.Second, msg("configuration not reloaded: the file has errors; the old configuration keeps running"))
	_, recs = d.lines(t)
	i = slices.IndexFunc(recs, func(l map[string]any) bool {
		return l != nil && strings.HasPrefix(fmt.Sprint(l["msg"]), "configuration not reloaded")
	})
	if e := fmt.Sprint(recs[i]["error"]); !strings.Contains(e, fmt.Sprintf("%s:%d:", cfg, badLine)) || !strings.Contains(e, "61 2 * * *") {
		t.Errorf("the refusal's error %q does not name %s:%d", e, cfg, badLine)
	}
	if recs[i]["level"] != "ERROR" {
		t.Errorf("the refusal is logged at %v, want ERROR", recs[i]["level"])
	}
	// The old configuration goes on: 140105 runs twice more on its 3s.
	before := scheduledRuns("ingest 140105")
	d.waitFor(t, before+2, 30*time.Second, func(l map[string]any) bool {
		return l["msg"] == "job started" && l["job"] == "ingest 140105" && l["trigger"] == "schedule"
	})

	// 3. A setting only a restart applies (status_addr), with a schedule
	// change beside it: refused as a whole.
	other := freeAddr(t)
	moved := strings.Replace(setCountySchedule(t, every3s, "140106", "@every 2s"), "status_addr: "+addr, "status_addr: "+other, 1)
	write(moved)
	sighup()
	d.waitFor(t, 1, 30*time.Second, msg("configuration not reloaded: a restart is needed to change status_addr; the old configuration keeps running"))
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("the status endpoint after a refused reload: %v", err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Errorf("/healthz after a refused reload: %d %q %v", resp.StatusCode, body, err)
	}
	before = scheduledRuns("ingest 140105")
	d.waitFor(t, before+1, 30*time.Second, func(l map[string]any) bool {
		return l["msg"] == "job started" && l["job"] == "ingest 140105" && l["trigger"] == "schedule"
	})
	if n := scheduledRuns("ingest 140106"); n != 0 {
		t.Errorf("140106 ran %d times on the schedule of a refused reload", n)
	}
	if n := d.count(t, msg("configuration reloaded")); n != 1 {
		t.Errorf("%d successful reloads, want 1", n)
	}
	if n := d.count(t, is("job finished", "ingest 140105")); n < 3 {
		t.Errorf("140105 finished %d runs", n)
	}

	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, d.logText(t))
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop within 60s of SIGTERM")
	}
	// No other county ran on a schedule: the others kept theirs.
	_, recs = d.lines(t)
	for _, l := range recs {
		if l != nil && l["msg"] == "job started" && l["trigger"] == "schedule" && l["job"] != "ingest 140105" {
			t.Errorf("a scheduled run of %v", l["job"])
		}
	}
}
