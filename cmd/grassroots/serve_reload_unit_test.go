package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/schedule"
	"github.com/grassroots-cn/grassroots/synth"
)

// Each setting that only a restart applies is named when it alone changes;
// schedules, sources, the report's schedule and the export folder are not;
// the reports folder is (the /reports/ page serves it).
func TestRestartNeeded(t *testing.T) {
	dir := t.TempDir()
	gen, err := synth.Generate(context.Background(), dir, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	old, err := config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name   string
		change func(c *config.Config)
		want   []string
	}{
		{"nothing", func(*config.Config) {}, nil},
		{"a schedule", func(c *config.Config) { c.Counties[0].Schedule = "@every 1m" }, nil},
		{"a county removed", func(c *config.Config) { c.Counties = c.Counties[1:] }, nil},
		{"the reports' schedule", func(c *config.Config) { c.Reports.Schedule = "0 9 1 * *" }, nil},
		{"the reports' folder", func(c *config.Config) { c.Reports.Out = "/elsewhere" }, []string{"reports.out"}},
		{"the backup's schedule", func(c *config.Config) { c.Backup.Schedule = "0 4 * * *" }, nil},
		{"the backups' folder", func(c *config.Config) { c.Backup.Dir = "/elsewhere" }, []string{"backup.dir/backup.keep"}},
		{"the backups kept", func(c *config.Config) { c.Backup.Keep = 3 }, []string{"backup.dir/backup.keep"}},
		{"stale_after", func(c *config.Config) { c.StaleAfter *= 2 }, nil},
		{"city", func(c *config.Config) { c.City.Name = "阳泉市" }, []string{"city"}},
		{"timezone", func(c *config.Config) { c.Timezone = "Asia/Urumqi" }, []string{"timezone"}},
		{"warehouse", func(c *config.Config) { c.Warehouse += "2" }, []string{"warehouse"}},
		{"published", func(c *config.Config) { c.Published += "2" }, []string{"published"}},
		{"key", func(c *config.Config) { c.KeyFile, c.KeyEnv = "", "GRASSROOTS_KEY" }, []string{"key_file/key_env"}},
		{"pii key", func(c *config.Config) { c.PIIKeyFile += ".new" }, []string{"pii_key_file/pii_key_env"}},
		{"export key", func(c *config.Config) { c.Export.KeyEnv = "OTHER" }, []string{"export.key_file/export.key_env"}},
		{"status_addr", func(c *config.Config) { c.StatusAddr = "127.0.0.1:1" }, []string{"status_addr"}},
		{"duckdb threads", func(c *config.Config) { c.DuckDB.Threads = 3 }, []string{"duckdb"}},
		{"duckdb memory", func(c *config.Config) { c.DuckDB.MemoryLimit = "2GB" }, []string{"duckdb"}},
		{"two", func(c *config.Config) { c.StatusAddr, c.Warehouse = "127.0.0.1:1", "/w" }, []string{"warehouse", "status_addr"}},
	} {
		next, err := config.Load(gen.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		tt.change(next)
		if got := restartNeeded(old, next); !slices.Equal(got, tt.want) {
			t.Errorf("%s: restartNeeded = %q, want %q", tt.name, got, tt.want)
		}
	}
}

// reload hands the scheduler the jobs of the file read again, or, for a
// file with errors, leaves the scheduler's jobs and the running
// configuration as they were and logs the file's line.
func TestReloaderReload(t *testing.T) {
	dir := t.TempDir()
	gen, err := synth.Generate(context.Background(), dir, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	jobsOf := func(c *config.Config) ([]schedule.Job, map[string]string) {
		var jobs []schedule.Job
		counties := map[string]string{}
		for _, cty := range c.Counties {
			jobs = append(jobs, schedule.Job{Name: "ingest " + cty.Code, Spec: cty.Schedule, Run: func(context.Context) error { return nil }})
			counties["ingest "+cty.Code] = cty.Code
		}
		return jobs, counties
	}
	initial, counties := jobsOf(cfg)
	sched := &schedule.Scheduler{Location: cfg.Location, Jobs: initial}
	var logs bytes.Buffer
	bu := &burst{}
	bu.setCounties(counties)
	rl := &reloader{log: slog.New(slog.NewJSONHandler(&logs, nil)), sched: sched, bu: bu, jobs: jobsOf, cfg: cfg}

	// 140105 leaves, its schedule line broken first.
	broken := setCountySchedule(t, string(text), "140105", "* * *")
	if err := os.WriteFile(gen.ConfigPath, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	err = rl.reload()
	line := lineOf(t, broken, `schedule: "* * *"`)
	want := filepath.Clean(gen.ConfigPath) + ":" + strconv.Itoa(line) + ":"
	if !errors.Is(err, config.ErrConfig) || !strings.Contains(logs.String(), want) {
		t.Errorf("reload of a broken file: %v; log:\n%s\nwant %s in it", err, logs.String(), want)
	}
	if len(sched.Jobs) != len(initial) || rl.cfg != cfg {
		t.Errorf("a refused reload changed the jobs (%d) or the configuration", len(sched.Jobs))
	}

	// Without 140105 (its entry cut out up to the next county's).
	at := strings.Index(string(text), `  - code: "140105"`)
	end := at + 1 + strings.Index(string(text)[at+1:], `  - code: "`)
	if at < 0 || end <= at {
		t.Fatal("140105's entry not found")
	}
	fewer := string(text)[:at] + string(text)[end:]
	if err := os.WriteFile(gen.ConfigPath, []byte(fewer), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rl.reload(); err != nil {
		t.Fatalf("reload: %v\n%s", err, logs.String())
	}
	if len(sched.Jobs) != len(initial)-1 || slices.ContainsFunc(sched.Jobs, func(j schedule.Job) bool { return j.Name == "ingest 140105" }) {
		t.Errorf("after the reload the scheduler has %d jobs (want %d, without 140105)", len(sched.Jobs), len(initial)-1)
	}
	if _, ok := bu.county("ingest 140105"); ok {
		t.Error("the burst still knows 140105's job")
	}
	if _, ok := rl.cfg.County("140105"); ok || rl.cfg == cfg {
		t.Error("the running configuration is not the new one")
	}
	if !strings.Contains(logs.String(), `"removed":["ingest 140105"]`) {
		t.Errorf("the reload's log line does not name the removed job:\n%s", logs.String())
	}
}
