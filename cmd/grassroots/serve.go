package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/export"
	"github.com/grassroots-cn/grassroots/pipeline"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/schedule"
	"github.com/grassroots-cn/grassroots/status"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func (a *app) serveCommand() *cobra.Command {
	var grace time.Duration
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the scheduler: every county on its own schedule, with a status endpoint",
		Long: `serve pulls every county on its schedule (cron, in the city's time zone), one
load at a time, and publishes the snapshot after each load that changed
something. On start, a county whose scheduled time passed while the daemon was
down (or that never ran) is pulled once. SIGINT or SIGTERM stops taking new
work, lets the running load finish (or roll back after --grace) and exits 0.
A second serve, or a run, on the same warehouse refuses to start.

The status endpoint (status_addr, default 127.0.0.1:9464) serves /healthz,
/metrics (Prometheus text format) and /runs (recent runs as JSON).
Logs are JSON lines on standard error.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			log := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			return a.serve(cmd.Context(), cfg, log, grace, nil)
		},
	}
	cmd.Flags().DurationVar(&grace, "grace", 30*time.Second, "after SIGINT/SIGTERM, how long a running load may take before it is rolled back")
	return cmd
}

// serve runs the daemon until ctx is done. ready, if set, is told the status
// endpoint's address once it listens.
func (a *app) serve(ctx context.Context, cfg *config.Config, log *slog.Logger, grace time.Duration, ready func(net.Addr)) error {
	runner := &pipeline.Runner{Config: cfg, Logger: log}
	w, err := runner.Open(ctx)
	if err != nil {
		if errors.Is(err, warehouse.ErrLocked) {
			return withCode(exitFailed, fmt.Errorf("cannot start: %w; is another grassroots serve or run using %s?", err, cfg.Warehouse))
		}
		return err
	}
	defer w.Close()

	// A fatal DuckDB error (a full disk during a checkpoint) invalidates the
	// open warehouse: every later load would fail. The daemon then stops and
	// exits 1, so that its service manager restarts it; the restart reopens
	// the warehouse, replays its log and catches up.
	ctx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	var fatalErr error
	var fatalOnce sync.Once
	fatal := func(err error) {
		fatalOnce.Do(func() {
			fatalErr = err
			log.Error("the warehouse was invalidated by a fatal error; stopping so that grassroots is restarted", "error", err)
			stopAll()
		})
	}
	jobs := make([]schedule.Job, 0, len(cfg.Counties)+2)
	county := map[string]string{}
	for i := range cfg.Counties {
		c := &cfg.Counties[i]
		j := countyJob(runner, w, c, fatal, log)
		county[j.Name] = c.Code
		jobs = append(jobs, j)
	}
	jobs = append(jobs, reportJob(cfg, w, log), exportJob(cfg, w, log))
	sched := &schedule.Scheduler{
		Location: cfg.Location,
		Jobs:     jobs,
		Logger:   log,
		Grace:    grace,
		Serial:   true, // one writer: loads queue rather than contend for the warehouse
		OnPanic: func(ctx context.Context, job string, recovered any) {
			if code, ok := county[job]; ok {
				if _, err := w.RecordRun(context.WithoutCancel(ctx), warehouse.JobIngest, code, warehouse.StatusFailed,
					fmt.Sprintf("internal error (panic): %v", recovered)); err != nil {
					log.Error("cannot record the failed run", "job", job, "error", err)
				}
			}
		},
	}
	// A burst of county jobs publishes once, when the last of them ends.
	runner.PublishLater = func() bool {
		for _, name := range sched.Waiting() {
			if _, ok := county[name]; ok {
				return true
			}
		}
		return false
	}
	if err := sched.Validate(); err != nil {
		return withCode(exitUsage, err)
	}
	statusCtx, stopStatus := context.WithCancel(context.WithoutCancel(ctx))
	defer stopStatus()
	statusDone := make(chan error, 1)
	build, err := readVersion(ctx)
	if err != nil {
		return err
	}
	log.Info("version", "version", build.Version, "commit", build.Commit, "duckdb", build.DuckDB)
	go func() {
		statusDone <- schedule.ServeStatus(statusCtx, cfg.StatusAddr, sched.Handler(&statusSource{w: w, build: build}), func(addr net.Addr) {
			log.Info("status endpoint listening", "addr", addr.String())
			if ready != nil {
				ready(addr)
			}
		})
	}()
	log.Info("serve started", "counties", len(jobs), "timezone", cfg.Timezone, "warehouse", cfg.Warehouse)
	err = sched.Run(ctx)
	stopStatus()
	if serr := <-statusDone; serr != nil && !errors.Is(serr, context.Canceled) {
		log.Error("status endpoint failed", "error", serr)
	}
	log.Info("serve stopped")
	if fatalErr != nil {
		return withCode(exitFailed, fmt.Errorf("stopped after a fatal warehouse error (restart grassroots): %w", fatalErr))
	}
	return err
}

// countyJob loads one county (and publishes, unless more county jobs wait).
// A fatal warehouse error goes to fatal, which stops the daemon.
func countyJob(runner *pipeline.Runner, w *warehouse.Warehouse, c *config.County, fatal func(error), log *slog.Logger) schedule.Job {
	code := c.Code
	return schedule.Job{
		Name: "ingest " + code,
		Spec: c.Schedule,
		Run: func(ctx context.Context) error {
			res, err := runner.RunOn(ctx, w, []string{code})
			if warehouse.IsFatal(err) {
				fatal(err)
			}
			if err != nil {
				return err
			}
			var failed []string
			if res.Divisions.Status == pipeline.StatusFailed {
				failed = append(failed, "divisions: "+res.Divisions.Error)
			}
			for _, c := range res.Counties {
				log.Info("county loaded", "county", c.Code, "status", c.Status, "run_id", c.RunID, "files", c.Files,
					"rows", c.RowsIn, "loaded", c.Loaded, "rejected", c.Rejected, "published", res.Publish)
				if c.Status == pipeline.StatusFailed {
					failed = append(failed, c.Error)
				}
			}
			if len(failed) > 0 {
				return errors.New(strings.Join(failed, "; "))
			}
			return nil
		},
		LastRun: func(ctx context.Context) (time.Time, bool, error) {
			return w.LastRunStart(ctx, warehouse.JobIngest, code)
		},
	}
}

// reportJob writes the monthly report for the month just ended.
func reportJob(cfg *config.Config, w *warehouse.Warehouse, log *slog.Logger) schedule.Job {
	return schedule.Job{
		Name: "report",
		Spec: cfg.Reports.Schedule,
		Run: func(ctx context.Context) error {
			started := time.Now()
			period := reports.LastMonth(started, cfg.Location)
			d, err := reports.Read(ctx, w.Reader(), period)
			if err == nil {
				err = reports.Decorate(d, reportOptions(cfg))
			}
			var files []string
			var formats []string
			if err == nil {
				formats, err = reportFormats(cfg, "", log)
			}
			if err == nil {
				files, err = reports.Write(ctx, cfg.Reports.Out, d, formats)
			}
			if _, rerr := w.RecordJob(context.WithoutCancel(ctx), warehouse.JobReport, started, err); rerr != nil {
				log.Error("cannot record the report run", "error", rerr)
			}
			if err == nil {
				log.Info("report written", "period", period, "files", strings.Join(files, " "))
			}
			return err
		},
		LastRun: func(ctx context.Context) (time.Time, bool, error) {
			return w.LastRunStart(ctx, warehouse.JobReport, "")
		},
	}
}

// exportJob writes the researchers' release, named after the quarter of the
// day it runs.
func exportJob(cfg *config.Config, w *warehouse.Warehouse, log *slog.Logger) schedule.Job {
	return schedule.Job{
		Name: "export",
		Spec: cfg.Export.Schedule,
		Run: func(ctx context.Context) error {
			started := time.Now()
			opts, err := exportOptions(cfg, "", "", true)
			var res *export.Result
			if err == nil {
				res, err = export.Write(ctx, w, opts)
			}
			if _, rerr := w.RecordJob(context.WithoutCancel(ctx), warehouse.JobExport, started, err); rerr != nil {
				log.Error("cannot record the export run", "error", rerr)
			}
			if err == nil {
				log.Info("release written", "release", opts.Release, "dir", res.Dir)
			}
			return err
		},
		LastRun: func(ctx context.Context) (time.Time, bool, error) {
			return w.LastRunStart(ctx, warehouse.JobExport, "")
		},
	}
}

// statusSource shows the warehouse on the status endpoint.
type statusSource struct {
	w     *warehouse.Warehouse
	build versionInfo // what grassroots_build_info shows
}

func (s *statusSource) Healthy(ctx context.Context) error { return s.w.Ping(ctx) }

func (s *statusSource) Runs(ctx context.Context, limit int) ([]any, error) {
	runs, err := s.w.RecentRuns(ctx, limit)
	out := make([]any, len(runs))
	for i, r := range runs {
		out[i] = r
	}
	return out, err
}

func (s *statusSource) Metrics(ctx context.Context) ([]schedule.Metric, error) {
	totals, err := s.w.RunTotals(ctx)
	if err != nil {
		return nil, err
	}
	ms := []schedule.Metric{{Name: "grassroots_build_info", Help: "The program's version, the commit it was built from and DuckDB's version (always 1).",
		Type: "gauge", Labels: map[string]string{"version": s.build.Version, "commit": s.build.Commit, "duckdb": s.build.DuckDB}, Value: 1}}
	last := map[string]time.Time{}
	lastSecs := map[string]float64{}
	rows := map[string]map[string]int64{} // job\x00county -> outcome -> rows, over every status
	for _, t := range totals {
		l := map[string]string{"job": t.Job, "county": t.County, "status": t.Status}
		ms = append(ms,
			schedule.Metric{Name: "grassroots_runs_total", Help: "Runs recorded in etl_run.", Type: "counter", Labels: l, Value: float64(t.Runs)},
		)
		key := t.Job + "\x00" + t.County
		if rows[key] == nil {
			rows[key] = map[string]int64{}
		}
		for kind, v := range map[string]int64{"in": t.RowsIn, "loaded": t.Loaded, "unchanged": t.Unchanged, "duplicate": t.Dup, "rejected": t.Rejected} {
			rows[key][kind] += v
		}
		if t.LastFinished.After(last[key]) {
			last[key], lastSecs[key] = t.LastFinished, t.LastSeconds
		}
	}
	for key, byKind := range rows {
		job, county, _ := strings.Cut(key, "\x00")
		for kind, v := range byKind {
			ms = append(ms, schedule.Metric{Name: "grassroots_rows_total", Help: "Input rows by outcome, over all runs.", Type: "counter",
				Labels: map[string]string{"job": job, "county": county, "outcome": kind}, Value: float64(v)})
		}
	}
	for key, secs := range lastSecs {
		job, county, _ := strings.Cut(key, "\x00")
		ms = append(ms, schedule.Metric{Name: "grassroots_last_run_duration_seconds", Help: "Duration of the latest run.", Type: "gauge",
			Labels: map[string]string{"job": job, "county": county}, Value: secs})
	}
	st, err := status.Read(ctx, s.w.Reader())
	if err != nil {
		return nil, err
	}
	for _, c := range st.Counties {
		l := map[string]string{"county": c.Code, "name": c.Name}
		var success, stale float64
		if c.LastSuccess != nil {
			success = float64(c.LastSuccess.Unix())
		}
		if c.Stale {
			stale = 1
		}
		ms = append(ms,
			schedule.Metric{Name: "grassroots_last_success_timestamp_seconds", Help: "When the county's last successful pull finished (0: never).", Type: "gauge", Labels: l, Value: success},
			schedule.Metric{Name: "grassroots_source_stale", Help: "1 when the county had no successful pull for longer than stale_after.", Type: "gauge", Labels: l, Value: stale},
		)
	}
	return ms, nil
}
