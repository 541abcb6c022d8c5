package main

// SIGHUP reloads serve's configuration: the file is loaded and validated
// first, settings that only a restart can change are refused, and the
// scheduler then takes the new jobs (schedule.Scheduler.Reload). Whatever
// happens is logged; on any problem the old configuration keeps running.

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/schedule"
)

// notifyReload starts listening for SIGHUP and returns the channel it comes
// on and the func that stops listening. A SIGHUP that comes while another is
// being handled is kept (one), so the last edit of the file is always read.
func notifyReload() (<-chan os.Signal, func()) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, syscall.SIGHUP)
	return c, func() { signal.Stop(c) }
}

// reloader applies the configuration file, read again, to a running serve.
type reloader struct {
	log   *slog.Logger
	sched *schedule.Scheduler
	bu    *burst
	// jobs builds the daemon's jobs of a configuration (on a runner of its
	// own) and the county code of each county job.
	jobs func(*config.Config) ([]schedule.Job, map[string]string)
	// now tells the time of the next activations logged; nil: time.Now.
	now func() time.Time

	cfg *config.Config // the configuration running; only reload changes it
}

// watch reloads at every signal on hup until ctx is done; the channel it
// returns is closed once it has stopped.
func (rl *reloader) watch(ctx context.Context, hup <-chan os.Signal) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				rl.reload()
			}
		}
	}()
	return done
}

// reload reads the configuration file again and, when it is valid and
// changes nothing that needs a restart, hands the scheduler its jobs. It
// logs the outcome either way and returns the reason it refused, if any.
func (rl *reloader) reload() error {
	path := rl.cfg.Path
	log := rl.log.With("file", path)
	log.Info("reloading the configuration (SIGHUP)")
	next, err := config.Load(path)
	if err != nil {
		// Each problem carries the file and its line.
		log.Error("configuration not reloaded: the file has errors; the old configuration keeps running",
			"error", err.Error(), "problems", strings.Split(err.Error(), "\n"))
		return err
	}
	if keys := restartNeeded(rl.cfg, next); len(keys) > 0 {
		err := fmt.Errorf("a restart is needed to change %s", strings.Join(keys, ", "))
		log.Error("configuration not reloaded: "+err.Error()+"; the old configuration keeps running", "restart_needed", keys)
		return err
	}
	jobs, counties := rl.jobs(next)
	ch, err := rl.sched.Reload(jobs)
	if err != nil {
		log.Error("configuration not reloaded: the schedules are refused; the old configuration keeps running", "error", err.Error())
		return err
	}
	rl.bu.setCounties(counties)
	rl.cfg = next
	running := rl.sched.Running()
	log.Info("configuration reloaded", "added", orEmpty(ch.Added), "removed", orEmpty(ch.Removed),
		"rescheduled", orEmpty(ch.Rescheduled), "running", orEmpty(running),
		"note", "a job running now finishes as it began; the next runs follow the new configuration")
	rl.logNext(log, jobs, slices.Concat(ch.Added, ch.Rescheduled))
	return nil
}

// logNext logs the next activation of each named job.
func (rl *reloader) logNext(log *slog.Logger, jobs []schedule.Job, names []string) {
	now := time.Now
	if rl.now != nil {
		now = rl.now
	}
	for _, j := range jobs {
		if !slices.Contains(names, j.Name) {
			continue
		}
		next, err := schedule.Next(j.Spec, rl.cfg.Location, now())
		if err != nil { // Reload parsed it already
			continue
		}
		log.Info("job scheduled", "job", j.Name, "schedule", j.Spec, "next", next.Format(time.RFC3339))
	}
}

// orEmpty turns nil into an empty list, so that the log shows [] rather than null.
func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// restartNeeded returns the settings that differ between the running
// configuration and the new one and that only a restart applies: the
// warehouse and the snapshot (held open, locked), the keys (person_key's
// secret, the personal-data key the warehouse was opened with, the
// export's), the status address (listening), DuckDB's settings (set at
// open), and the city and its time zone (the warehouse's and the
// scheduler's).
func restartNeeded(old, next *config.Config) []string {
	var keys []string
	check := func(key string, changed bool) {
		if changed {
			keys = append(keys, key)
		}
	}
	check("city", old.City != next.City)
	check("timezone", old.Timezone != next.Timezone)
	check("warehouse", old.Warehouse != next.Warehouse)
	check("published", old.Published != next.Published)
	check("key_file/key_env", old.KeyFile != next.KeyFile || old.KeyEnv != next.KeyEnv)
	check("pii_key_file/pii_key_env", old.PIIKeyFile != next.PIIKeyFile || old.PIIKeyEnv != next.PIIKeyEnv)
	check("export.key_file/export.key_env", old.Export.KeyFile != next.Export.KeyFile || old.Export.KeyEnv != next.Export.KeyEnv)
	check("status_addr", old.StatusAddr != next.StatusAddr)
	// The report archive (/reports/) is mounted on the status address with
	// the folder it serves.
	check("reports.out", old.Reports.Out != next.Reports.Out)
	// The backupper that the backup job and POST /backup share keeps the
	// start's folder and count.
	check("backup.dir/backup.keep", old.Backup.Dir != next.Backup.Dir || old.Backup.Keep != next.Backup.Keep)
	check("duckdb", old.DuckDB != next.DuckDB)
	return keys
}

// setCounties replaces the county jobs' codes (after a reload).
func (b *burst) setCounties(counties map[string]string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.counties = counties
}

// county returns the county code of a county job.
func (b *burst) county(job string) (string, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	code, ok := b.counties[job]
	return code, ok
}
