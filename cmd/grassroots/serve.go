package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"slices"
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
load at a time, and publishes the snapshot after a load that changed
something. Loads that queue one behind another (the start-up catch-up, or
counties due at the same time) publish once, after the last of them; a county
that comes round again within such a burst does not hold it back. On start, a
county whose scheduled time passed while the daemon was down (or that never
ran) is pulled once. SIGINT or SIGTERM stops taking new work, lets the running
load finish (or roll back after --grace) and exits 0. A second serve, or a
run, on the same warehouse refuses to start. SIGHUP reloads the
configuration file: checked first, it replaces the schedules (counties
added, removed or moved; the report's and the export's) while a running
job finishes as it began; a file with errors, or one that changes what
only a restart can (the warehouse, the snapshot, the keys, status_addr,
duckdb, the city or its time zone), is refused and the old configuration
keeps running. Either way the outcome is logged.

The status endpoint (status_addr, default 127.0.0.1:9464) serves /healthz,
/metrics (Prometheus text format), /runs (recent runs as JSON) and /reports/
(an index of the monthly reports in reports.out, with their HTML, PDF and
workbook, read-only; binding status_addr beyond 127.0.0.1 exposes them). A run's
duration there (job_seconds in /runs, the duration gauges in /metrics) is the
wall time of the whole job that wrote it, from its start to its end, reading
and publishing included, as this serve timed it; a run whose job still runs,
or that an earlier process wrote, has none.
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
	hup, stopHUP := notifyReload() // from the start: SIGHUP's default would end the process
	defer stopHUP()
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
	times := newRunTimes()
	bu := &burst{}
	bk := &backupper{cfg: cfg, w: w, log: log}
	jobs, counties := serveJobs(cfg, runner, w, fatal, log, bu, times, bk)
	bu.setCounties(counties)
	sched := &schedule.Scheduler{
		Location: cfg.Location,
		Jobs:     jobs,
		Logger:   log,
		Grace:    grace,
		Serial:   true, // one writer: loads queue rather than contend for the warehouse
		OnPanic: func(ctx context.Context, job string, recovered any) {
			if code, ok := bu.county(job); ok {
				id, err := w.RecordRun(context.WithoutCancel(ctx), warehouse.JobIngest, code, warehouse.StatusFailed,
					fmt.Sprintf("internal error (panic): %v", recovered))
				if err != nil {
					log.Error("cannot record the failed run", "job", job, "error", err)
				}
				times.wrote(job, warehouse.JobIngest, code, id)
			}
		},
		OnFinish: times.finished,
	}
	bu.waiting = sched.Waiting
	runner.PublishLater = bu.publishLater
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
		statusDone <- schedule.ServeStatus(statusCtx, cfg.StatusAddr, withBackupEndpoint(withReportArchive(cfg, sched.Handler(&statusSource{w: w, build: build, times: times}), log), bk), func(addr net.Addr) {
			log.Info("status endpoint listening", "addr", addr.String())
			if ready != nil {
				ready(addr)
			}
		})
	}()
	log.Info("serve started", "counties", len(jobs), "timezone", cfg.Timezone, "warehouse", cfg.Warehouse)
	rl := &reloader{log: log, sched: sched, cfg: cfg, bu: bu, jobs: func(cfg *config.Config) ([]schedule.Job, map[string]string) {
		r := &pipeline.Runner{Config: cfg, Logger: log, PublishLater: bu.publishLater}
		return serveJobs(cfg, r, w, fatal, log, bu, times, bk)
	}}
	reloads := rl.watch(ctx, hup)
	err = sched.Run(ctx)
	<-reloads
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

// serveJobs returns the daemon's jobs for a configuration, in order (every
// county, the report, the export, the backup by bk), and the county code of each county job
// by job name.
func serveJobs(cfg *config.Config, runner *pipeline.Runner, w *warehouse.Warehouse, fatal func(error), log *slog.Logger, bu *burst, times *runTimes, bk *backupper) ([]schedule.Job, map[string]string) {
	counties := map[string]string{}
	jobs := make([]schedule.Job, 0, len(cfg.Counties)+3)
	for i := range cfg.Counties {
		c := &cfg.Counties[i]
		j := countyJob(runner, w, c, fatal, log, bu, times)
		counties[j.Name] = c.Code
		jobs = append(jobs, j)
	}
	jobs = append(jobs, reportJob(cfg, w, log, times), exportJob(cfg, w, log, times), backupJob(cfg, w, log, times, bk))
	return jobs, counties
}

// burst tells a county job whether to leave the publish to a later one
// (pipeline.Runner.PublishLater): yes while a county job waits behind it, or
// is still to come in the start-up catch-up, that has not run since the
// snapshot was last brought up to date. A county that comes round again
// within the burst (its schedule shorter than the burst) does not hold it
// back, so the publish waits for each county at most once.
type burst struct {
	waiting func() []string // the scheduler's Waiting

	mu       sync.Mutex
	counties map[string]string // county job name -> county code; replaced by a reload (setCounties)
	ran      map[string]bool   // county jobs run since the snapshot was last brought up to date
}

// started notes that a county job runs.
func (b *burst) started(job string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.ran == nil {
		b.ran = map[string]bool{}
	}
	b.ran[job] = true
}

// publishLater reports whether a county job that has not run since the
// snapshot was brought up to date waits; when none does, the caller brings
// the snapshot up to date now, and a new burst begins.
func (b *burst) publishLater() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, name := range b.waiting() {
		if _, ok := b.counties[name]; ok && !b.ran[name] {
			return true
		}
	}
	clear(b.ran)
	return false
}

// countyJob loads one county (and publishes, unless a county job that has
// not run since the last publish waits: see burst). A fatal warehouse error
// goes to fatal, which stops the daemon. The runs it writes are noted in
// times.
func countyJob(runner *pipeline.Runner, w *warehouse.Warehouse, c *config.County, fatal func(error), log *slog.Logger, b *burst, times *runTimes) schedule.Job {
	code := c.Code
	name := "ingest " + code
	return schedule.Job{
		Name: name,
		Spec: c.Schedule,
		Run: func(ctx context.Context) error {
			b.started(name)
			res, err := runner.RunOn(ctx, w, []string{code})
			if res != nil {
				times.wrote(name, warehouse.JobDivisions, "", res.Divisions.RunID)
				for _, c := range res.Counties {
					times.wrote(name, warehouse.JobIngest, c.Code, c.RunID)
				}
			}
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
func reportJob(cfg *config.Config, w *warehouse.Warehouse, log *slog.Logger, times *runTimes) schedule.Job {
	const name = "report"
	return schedule.Job{
		Name: name,
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
			id, rerr := w.RecordJob(context.WithoutCancel(ctx), warehouse.JobReport, started, err)
			if rerr != nil {
				log.Error("cannot record the report run", "error", rerr)
			}
			times.wrote(name, warehouse.JobReport, "", id)
			if err == nil {
				log.Info("report written", "period", period, "files", strings.Join(files, " "))
				serveMail(ctx, cfg, w, log, times, d)
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
func exportJob(cfg *config.Config, w *warehouse.Warehouse, log *slog.Logger, times *runTimes) schedule.Job {
	const name = "export"
	return schedule.Job{
		Name: name,
		Spec: cfg.Export.Schedule,
		Run: func(ctx context.Context) error {
			started := time.Now()
			opts, err := exportOptions(cfg, "", "", true)
			var res *export.Result
			if err == nil {
				res, err = export.Write(ctx, w, opts)
			}
			id, rerr := w.RecordJob(context.WithoutCancel(ctx), warehouse.JobExport, started, err)
			if rerr != nil {
				log.Error("cannot record the export run", "error", rerr)
			}
			times.wrote(name, warehouse.JobExport, "", id)
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

// maxRunTimes bounds how many runs' job times runTimes keeps: as many as
// /runs shows at most.
const maxRunTimes = schedule.MaxRunsLimit

// runTimes remembers, for the etl_run rows the jobs of this process wrote,
// when the job that wrote each started and how long it took as a whole
// (reading, loading, publishing; the scheduler's measure, from the start of
// the job to its end). An etl_run row's own started_at and finished_at span
// its transaction only: a run that found nothing new lasts microseconds there.
type runTimes struct {
	mu     sync.Mutex
	open   map[string][]runRef // job name -> rows its running run wrote
	byRun  map[int64]jobTime   // run_id -> its job's time
	latest map[runKey]jobTime  // the latest row of each etl_run job and county
}

// runKey is an etl_run job ("ingest", "divisions", "report", "export") and
// county ("" for none).
type runKey struct{ job, county string }

// runRef is an etl_run row a job wrote.
type runRef struct {
	id  int64
	key runKey
}

// jobTime is when a job started and how long it took.
type jobTime struct {
	runID   int64
	started time.Time
	seconds float64
}

func newRunTimes() *runTimes {
	return &runTimes{open: map[string][]runRef{}, byRun: map[int64]jobTime{}, latest: map[runKey]jobTime{}}
}

// wrote notes that the running run of job wrote the etl_run row id (of
// etlJob and county); id 0 (nothing written) is ignored.
func (t *runTimes) wrote(job, etlJob, county string, id int64) {
	if id == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.open[job] = append(t.open[job], runRef{id: id, key: runKey{etlJob, county}})
}

// finished gives the rows the run wrote its job's time (the scheduler's
// OnFinish).
func (t *runTimes) finished(f schedule.Finished) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range t.open[f.Job] {
		jt := jobTime{runID: r.id, started: f.Start, seconds: f.Duration.Seconds()}
		t.byRun[r.id] = jt
		if r.id > t.latest[r.key].runID {
			t.latest[r.key] = jt
		}
	}
	delete(t.open, f.Job)
	for len(t.byRun) > maxRunTimes {
		delete(t.byRun, slices.Min(slices.Collect(maps.Keys(t.byRun))))
	}
}

// run returns the job time of a row, ok=false if no job of this process
// wrote it (or it is too old to be kept).
func (t *runTimes) run(id int64) (jobTime, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	jt, ok := t.byRun[id]
	return jt, ok
}

// latestRuns returns the job time of the latest row of every etl_run job
// and county that a job of this process wrote.
func (t *runTimes) latestRuns() map[runKey]jobTime {
	t.mu.Lock()
	defer t.mu.Unlock()
	return maps.Clone(t.latest)
}

// runView is an etl_run row as /runs shows it: the row, and the time of the
// job that wrote it, once that job finished, when this process ran it.
type runView struct {
	warehouse.Run
	// JobStarted is when the job that wrote the row started.
	JobStarted *time.Time `json:"job_started_at,omitempty"`
	// JobSeconds is the wall time of that whole job, publishing included.
	JobSeconds *float64 `json:"job_seconds,omitempty"`
}

// statusSource shows the warehouse on the status endpoint.
type statusSource struct {
	w     *warehouse.Warehouse
	build versionInfo // what grassroots_build_info shows
	times *runTimes   // the job times of this process's runs
}

func (s *statusSource) Healthy(ctx context.Context) error { return s.w.Ping(ctx) }

func (s *statusSource) Runs(ctx context.Context, limit int) ([]any, error) {
	runs, err := s.w.RecentRuns(ctx, limit)
	out := make([]any, len(runs))
	for i, r := range runs {
		v := runView{Run: r}
		if jt, ok := s.times.run(r.RunID); ok {
			v.JobStarted, v.JobSeconds = &jt.started, &jt.seconds
		}
		out[i] = v
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
	rows := map[runKey]map[string]int64{} // outcome -> rows, over every status
	for _, t := range totals {
		l := map[string]string{"job": t.Job, "county": t.County, "status": t.Status}
		ms = append(ms,
			schedule.Metric{Name: "grassroots_runs_total", Help: "Runs recorded in etl_run.", Type: "counter", Labels: l, Value: float64(t.Runs)},
		)
		key := runKey{t.Job, t.County}
		if rows[key] == nil {
			rows[key] = map[string]int64{}
		}
		for kind, v := range map[string]int64{"in": t.RowsIn, "loaded": t.Loaded, "unchanged": t.Unchanged, "duplicate": t.Dup, "rejected": t.Rejected} {
			rows[key][kind] += v
		}
	}
	for key, byKind := range rows {
		for kind, v := range byKind {
			ms = append(ms, schedule.Metric{Name: "grassroots_rows_total", Help: "Input rows by outcome, over all runs.", Type: "counter",
				Labels: map[string]string{"job": key.job, "county": key.county, "outcome": kind}, Value: float64(v)})
		}
	}
	for key, jt := range s.times.latestRuns() {
		ms = append(ms, schedule.Metric{Name: "grassroots_last_run_duration_seconds",
			Help: "Wall time of the whole job (reading, loading, publishing) that wrote the latest run, as this serve timed it; absent until it ran one.",
			Type: "gauge", Labels: map[string]string{"job": key.job, "county": key.county}, Value: jt.seconds})
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
