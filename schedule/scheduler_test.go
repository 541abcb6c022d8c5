package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
)

func TestValidate(t *testing.T) {
	ok := func(context.Context) error { return nil }
	tests := []struct {
		name    string
		loc     *time.Location
		jobs    []Job
		wantErr error
		wantMsg string // the error names the job
	}{
		{name: "valid", loc: shanghai, jobs: []Job{
			{Name: "ingest 140123", Spec: "0 2 * * *", Run: ok},
			{Name: "ingest 140105", Spec: "30 2 * * *", Run: ok},
			{Name: "report", Spec: "0 8 1 * *", Run: ok},
			{Name: "export", Spec: "0 6 1 */3 *", Run: ok},
			{Name: "tick", Spec: "@every 3s", Run: ok},
			{Name: "daily", Spec: "@daily", Run: ok},
		}},
		{name: "no jobs", loc: shanghai},
		{name: "no location", jobs: []Job{{Name: "a", Spec: "@daily", Run: ok}}, wantErr: ErrNoLocation},
		{name: "no name", loc: shanghai, jobs: []Job{{Spec: "@daily", Run: ok}}, wantErr: ErrBadJob, wantMsg: "job 1 has no name"},
		{name: "duplicate", loc: shanghai, jobs: []Job{{Name: "report", Spec: "@daily", Run: ok}, {Name: "report", Spec: "@hourly", Run: ok}},
			wantErr: ErrDuplicateJob, wantMsg: `"report"`},
		{name: "no run", loc: shanghai, jobs: []Job{{Name: "ingest 140105", Spec: "@daily"}}, wantErr: ErrBadJob, wantMsg: `"ingest 140105"`},
		{name: "minute out of range", loc: shanghai, jobs: []Job{{Name: "ingest 140105", Spec: "61 2 * * *", Run: ok}},
			wantErr: ErrBadSpec, wantMsg: `job "ingest 140105": schedule: bad cron spec "61 2 * * *"`},
		{name: "six fields (seconds) are not standard", loc: shanghai, jobs: []Job{{Name: "x", Spec: "0 0 2 * * *", Run: ok}}, wantErr: ErrBadSpec},
		{name: "empty spec", loc: shanghai, jobs: []Job{{Name: "x", Run: ok}}, wantErr: ErrBadSpec},
		{name: "unknown descriptor", loc: shanghai, jobs: []Job{{Name: "x", Spec: "@fortnightly", Run: ok}}, wantErr: ErrBadSpec},
		{name: "bad duration", loc: shanghai, jobs: []Job{{Name: "x", Spec: "@every soon", Run: ok}}, wantErr: ErrBadSpec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Scheduler{Location: tt.loc, Jobs: tt.jobs}
			err := s.Validate()
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Fatalf("Validate() = %v, want %v", err, tt.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Validate() = %q, want it to contain %q", err, tt.wantMsg)
			}
			if err != nil {
				// Run validates first and returns at once.
				if rerr := s.Run(context.Background()); !errors.Is(rerr, tt.wantErr) {
					t.Errorf("Run() = %v, want %v", rerr, tt.wantErr)
				}
			}
		})
	}
}

func TestRunTwice(t *testing.T) {
	clock := newFakeClock(t0)
	s := &Scheduler{Location: shanghai, Clock: clock}
	r := started(t, s)
	clock.waitTimer(t, t0.Add(idleWait)) // Run is in progress: its loop, with no job, idles
	if err := s.Run(context.Background()); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Run = %v, want ErrAlreadyRunning", err)
	}
	if err := r.stop(t); err != nil {
		t.Errorf("Run = %v", err)
	}
}

// A job runs again and again on "@every 1s"; successes and failures are
// counted, logged and exposed.
func TestRunRepeatsAndCounts(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	var okCalls, badCalls atomic.Int64
	s := &Scheduler{
		Location: shanghai,
		Logger:   log,
		Clock:    clock,
		Jobs: []Job{
			{Name: "ingest 140105", Spec: "@every 1s", Run: func(context.Context) error { okCalls.Add(1); return nil }},
			{Name: "ingest 140123", Spec: "@every 1s", Run: func(context.Context) error {
				badCalls.Add(1)
				return errors.New("county feed unreachable")
			}},
		},
	}
	r := started(t, s)
	// Two activations, each awaited before the next.
	for i := 1; i <= 2; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		fire(t, s, clock, at)
		logs.await(t, i, "msg", "job finished", "job", "ingest 140105")
		logs.await(t, i, "msg", "job finished", "job", "ingest 140123")
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	st := s.Stats()
	good, bad := st["ingest 140105"], st["ingest 140123"]
	if good.Started != okCalls.Load() || good.Succeeded != good.Started || good.Failed != 0 || good.Skipped != 0 || good.LastError != "" {
		t.Errorf("good job stats %+v after %d calls", good, okCalls.Load())
	}
	if bad.Started != badCalls.Load() || bad.Failed != bad.Started || bad.Succeeded != 0 || bad.LastError != "county feed unreachable" {
		t.Errorf("failing job stats %+v after %d calls", bad, badCalls.Load())
	}
	if good.Started != 2 || bad.Started != 2 {
		t.Errorf("%d and %d runs after two activations, want 2 each", good.Started, bad.Started)
	}
	if want := t0.Add(2 * time.Second); !good.LastStart.Equal(want) {
		t.Errorf("LastStart = %v, want the second activation %v", good.LastStart, want)
	}
	if r := s.Running(); len(r) != 0 {
		t.Errorf("Running() after Run returned = %q", r)
	}

	if m := logs.find(t, "msg", "job finished", "job", "ingest 140123"); m == nil {
		t.Error("no finish line for the failing job")
	} else if m["level"] != "ERROR" || m["error"] != "county feed unreachable" || m["duration"] == nil {
		t.Errorf("finish line of the failing job: %v", m)
	}
	if m := logs.find(t, "msg", "job finished", "job", "ingest 140105"); m == nil || m["level"] != "INFO" || m["duration"] == nil || m["error"] != nil {
		t.Errorf("finish line of the good job: %v", m)
	}
	if m := logs.find(t, "msg", "job started", "job", "ingest 140105"); m == nil || m["trigger"] != "schedule" {
		t.Errorf("start line of the good job: %v", m)
	}
	if m := logs.find(t, "msg", "cron: wake"); m != nil {
		t.Errorf("the clock's routine lines must stay below Info: %v", m)
	}

	// The status endpoint shows the same counts.
	rec := httptest.NewRecorder()
	s.Handler(nil).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		fmt.Sprintf("grassroots_job_runs_total{job=\"ingest 140105\",result=\"succeeded\"} %d\n", good.Succeeded),
		fmt.Sprintf("grassroots_job_runs_total{job=\"ingest 140123\",result=\"failed\"} %d\n", bad.Failed),
		"grassroots_job_running{job=\"ingest 140105\"} 0\n",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q:\n%s", want, body)
		}
	}
}

// A slow job never overlaps itself: activations while it runs are skipped and
// counted, whether the running one was scheduled or a catch-up.
func TestNoOverlap(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		lastRun func(context.Context) (time.Time, bool, error)
		skipAt  time.Time // the activation that comes while the first run runs
	}{
		{name: "scheduled runs", skipAt: t0.Add(2 * time.Second)},
		{name: "catch-up then scheduled", lastRun: func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil },
			skipAt: t0.Add(time.Second)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			log, logs := newLogger(slog.LevelInfo)
			clock := newFakeClock(t0)
			var conc concurrency
			entered, release := make(chan struct{}, 2), make(chan struct{})
			s := &Scheduler{Location: shanghai, Logger: log, Clock: clock, Jobs: []Job{{
				Name: "slow", Spec: "@every 1s", LastRun: tt.lastRun,
				Run: func(context.Context) error {
					conc.enter()
					defer conc.leave()
					entered <- struct{}{}
					<-release
					return nil
				},
			}}}
			r := started(t, s)
			if tt.lastRun == nil {
				clock.waitTimer(t, t0.Add(time.Second))
				clock.advance(time.Second)
			}
			receive(t, entered, "the first run")
			// The next activation comes while the first run still runs.
			clock.waitTimer(t, tt.skipAt)
			clock.advanceTo(tt.skipAt)
			logs.await(t, 1, "msg", "job skipped: still running", "job", "slow")
			if got := s.Running(); !slices.Equal(got, []string{"slow"}) {
				t.Errorf("Running() = %q", got)
			}
			close(release)
			logs.await(t, 1, "msg", "job finished", "job", "slow")
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if m := conc.max.Load(); m != 1 {
				t.Errorf("at most %d runs at once, want 1", m)
			}
			st := s.Stats()["slow"]
			if st.Started != st.Succeeded || st.Skipped < 1 {
				t.Errorf("stats %+v", st)
			}
			if st.Started != 1 || st.Skipped != 1 {
				t.Errorf("stats %+v, want one run and one skip", st)
			}
		})
	}
}

// Serial: two jobs that fire at the same second never run at once; without
// Serial they do.
func TestSerial(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		serial  bool
		wantMax int64
	}{{serial: true, wantMax: 1}, {serial: false, wantMax: 2}} {
		t.Run(fmt.Sprintf("serial=%v", tt.serial), func(t *testing.T) {
			t.Parallel()
			log, logs := newLogger(slog.LevelInfo)
			clock := newFakeClock(t0)
			var conc concurrency
			entered, release := make(chan string, 2), make(chan struct{})
			work := func(name string) func(context.Context) error {
				return func(context.Context) error {
					conc.enter()
					defer conc.leave()
					entered <- name
					<-release
					return nil
				}
			}
			names := []string{"ingest 140105", "ingest 140123"}
			s := &Scheduler{Location: shanghai, Serial: tt.serial, Logger: log, Clock: clock, Jobs: []Job{
				{Name: names[0], Spec: "@every 1s", Run: work(names[0])},
				{Name: names[1], Spec: "@every 1s", Run: work(names[1])},
			}}
			r := started(t, s)
			// Two activations of both jobs, each round finished before the next.
			for round := 1; round <= 2; round++ {
				at := t0.Add(time.Duration(round) * time.Second)
				fire(t, s, clock, at)
				first := receive(t, entered, "a job to start")
				if tt.serial {
					// The other queues behind the first and starts only once it is done.
					other := names[0]
					if first == other {
						other = names[1]
					}
					waitFor(t, other+" queued", func() bool { return slices.Equal(s.Waiting(), []string{other}) })
					release <- struct{}{}
					if got := receive(t, entered, "the queued job to start"); got != other {
						t.Fatalf("%s started after %s, want %s", got, first, other)
					}
				} else {
					// Both run at once.
					receive(t, entered, "the second job to start")
					release <- struct{}{}
				}
				release <- struct{}{}
				logs.await(t, round, "msg", "job finished", "job", names[0])
				logs.await(t, round, "msg", "job finished", "job", names[1])
			}
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v", err)
			}
			if m := conc.max.Load(); m != tt.wantMax {
				t.Errorf("at most %d runs at once, want %d", m, tt.wantMax)
			}
			for name, st := range s.Stats() {
				if st.Skipped != 0 {
					t.Errorf("%s skipped %d activations; each round finished before the next", name, st.Skipped)
				}
				if st.Succeeded != 2 {
					t.Errorf("%s: %d runs, want 2", name, st.Succeeded)
				}
			}
		})
	}
}

// A panicking job is a failed run: OnPanic hears of it, the panic is logged
// with its stack, and the job still runs on its next activation.
func TestPanic(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	type call struct {
		job       string
		recovered any
		ctxErr    error
	}
	var (
		mu    sync.Mutex
		calls []call
		runs  atomic.Int64
	)
	s := &Scheduler{
		Location: shanghai,
		Logger:   log,
		Clock:    clock,
		Jobs: []Job{{Name: "report", Spec: "@every 1s", Run: func(context.Context) error {
			if runs.Add(1) == 1 {
				panic("index out of range in the report")
			}
			return nil
		}}},
		OnPanic: func(ctx context.Context, job string, recovered any) {
			mu.Lock()
			defer mu.Unlock()
			calls = append(calls, call{job, recovered, ctx.Err()})
		},
	}
	r := started(t, s)
	// The first activation panics, the second runs.
	for i := 1; i <= 2; i++ {
		at := t0.Add(time.Duration(i) * time.Second)
		fire(t, s, clock, at)
		logs.await(t, i, "msg", "job finished", "job", "report")
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(calls) != 1 || calls[0].job != "report" || calls[0].recovered != "index out of range in the report" || calls[0].ctxErr != nil {
		t.Errorf("OnPanic calls = %+v", calls)
	}
	st := s.Stats()["report"]
	if st.Failed != 1 || st.Succeeded != st.Started-1 || st.Started != 2 || st.LastError != "" {
		t.Errorf("stats %+v", st)
	}
	m := logs.find(t, "msg", "job panicked", "job", "report")
	if m == nil {
		t.Fatal("no panic line")
	}
	if m["panic"] != "index out of range in the report" || !strings.Contains(fmt.Sprint(m["stack"]), "TestPanic") {
		t.Errorf("panic line %v", m)
	}
	if m := logs.find(t, "msg", "job finished", "job", "report", "error", "schedule: job panicked: index out of range in the report"); m == nil {
		t.Error("no failed finish line for the panicked run")
	}
}

// The issue-366 trap in robfig/cron v3.0.1: with Recover outside
// SkipIfStillRunning, one panic leaves the skip token taken and the job never
// runs again. cronChain has them the safe way round.
func TestCronChainIssue366(t *testing.T) {
	l := slogCron{slog.New(slog.DiscardHandler)}
	for _, tt := range []struct {
		name  string
		chain cron.Chain
		want  int
	}{
		{name: "cronChain", chain: cronChain(l), want: 3},
		{name: "Recover outermost (the trap)", chain: cron.NewChain(cron.Recover(l), cron.SkipIfStillRunning(l)), want: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			job := tt.chain.Then(cron.FuncJob(func() { n++; panic("boom") }))
			for range 3 {
				job.Run()
			}
			if n != tt.want {
				t.Errorf("the job ran %d times of 3, want %d", n, tt.want)
			}
		})
	}
}

// A stop lets a running job finish within the grace period; past it, the
// job's ctx is cancelled and Run returns once the job has.
func TestGracefulStop(t *testing.T) {
	t.Parallel()
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	for _, tt := range []struct {
		name     string
		grace    time.Duration
		work     time.Duration // how long the job takes unless cancelled; 0 = until cancelled
		wantErr  error
		wantTook time.Duration // how long Run takes to return after the stop
	}{
		{name: "finishes within grace", grace: 2 * time.Second, work: 300 * time.Millisecond, wantTook: 300 * time.Millisecond},
		{name: "cancelled after grace", grace: 200 * time.Millisecond, wantErr: context.Canceled, wantTook: 200 * time.Millisecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock(t0)
			begun := make(chan struct{})
			var jobErr error
			s := &Scheduler{Location: shanghai, Grace: tt.grace, Clock: clock, Jobs: []Job{{
				Name: "ingest 140105", Spec: "0 2 * * *", LastRun: never, // starts at once as a catch-up
				Run: func(ctx context.Context) error {
					var wait <-chan time.Time
					if tt.work > 0 {
						wait, _ = clock.NewTimer(tt.work)
					}
					close(begun)
					select {
					case <-wait:
					case <-ctx.Done():
						jobErr = ctx.Err()
					}
					return jobErr
				},
			}}}
			r := started(t, s)
			receive(t, begun, "the catch-up run")
			r.cancel()
			// Run waits out its grace period for the job.
			clock.waitTimer(t, t0.Add(tt.grace))
			if r.returned() {
				t.Fatal("Run returned while the job still ran")
			}
			clock.advance(tt.wantTook) // the job's work ends, or the grace runs out
			err := r.wait(t)
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			if !errors.Is(jobErr, tt.wantErr) || (tt.wantErr == nil) != (jobErr == nil) {
				t.Errorf("the job saw %v, want %v", jobErr, tt.wantErr)
			}
			if took := clock.Now().Sub(t0); took != tt.wantTook {
				t.Errorf("Run returned %v after the stop, want %v", took, tt.wantTook)
			}
			st := s.Stats()["ingest 140105"]
			if tt.wantErr == nil && (st.Succeeded != 1 || st.Failed != 0) || tt.wantErr != nil && (st.Failed != 1 || st.LastError != "context canceled") {
				t.Errorf("stats %+v", st)
			}
		})
	}
}

// A Timeout cancels one run's ctx without stopping the scheduler.
func TestJobTimeout(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	s := &Scheduler{Location: shanghai, Logger: log, Clock: clock, Jobs: []Job{{
		Name: "export", Spec: "0 6 1 */3 *", Timeout: 150 * time.Millisecond,
		LastRun: func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil },
		Run: func(ctx context.Context) error {
			<-ctx.Done()
			return ctx.Err()
		},
	}}}
	r := started(t, s)
	clock.waitTimer(t, t0.Add(150*time.Millisecond)) // the catch-up run started, its timeout set
	clock.advance(150 * time.Millisecond)
	logs.await(t, 1, "msg", "job finished", "job", "export")
	st := s.Stats()["export"]
	if st.Failed != 1 || st.LastError != "context deadline exceeded" || st.LastDuration != 150*time.Millisecond {
		t.Errorf("stats %+v", st)
	}
	// Run returns at once after the stop: nothing runs, the clock stands still.
	if err := r.stop(t); err != nil {
		t.Errorf("Run = %v", err)
	}
}

// "0 2 * * *" in Asia/Shanghai (UTC+8) fires at 02:00 there, 18:00 UTC the day before.
func TestTimeZone(t *testing.T) {
	sched, err := cron.ParseStandard("0 2 * * *")
	if err != nil {
		t.Fatal(err)
	}
	noonUTC := time.Date(2024, 3, 10, 12, 0, 0, 0, time.UTC) // 20:00 on the 10th in Shanghai
	want := time.Date(2024, 3, 10, 18, 0, 0, 0, time.UTC)    // 02:00 on the 11th in Shanghai
	if got := sched.Next(noonUTC.In(shanghai)); !got.Equal(want) {
		t.Errorf("Next in Shanghai = %v, want %v", got.UTC(), want)
	}
	if got := sched.Next(noonUTC); !got.Equal(time.Date(2024, 3, 11, 2, 0, 0, 0, time.UTC)) {
		t.Errorf("Next in UTC = %v (the check above must depend on the zone)", got)
	}

	for _, tt := range []struct {
		spec  string
		after time.Time
		want  time.Time
	}{
		{"0 2 * * *", noonUTC, cst(2024, 3, 11, 2, 0, 0)},
		{"0 2 * * *", cst(2024, 3, 11, 1, 59, 59), cst(2024, 3, 11, 2, 0, 0)},
		{"0 2 * * *", cst(2024, 3, 11, 2, 0, 0), cst(2024, 3, 12, 2, 0, 0)},
		{"0 8 1 * *", cst(2024, 12, 15, 0, 0, 0), cst(2025, 1, 1, 8, 0, 0)},
		{"0 6 1 */3 *", cst(2024, 4, 1, 6, 0, 0), cst(2024, 7, 1, 6, 0, 0)},
		{"@every 90m", cst(2024, 3, 11, 2, 0, 0), cst(2024, 3, 11, 3, 30, 0)},
	} {
		got, err := Next(tt.spec, shanghai, tt.after)
		if err != nil || !got.Equal(tt.want) || got.Location() != shanghai {
			t.Errorf("Next(%q, %v) = %v, %v; want %v", tt.spec, tt.after, got, err, tt.want)
		}
	}
	if _, err := Next("0 2 * * *", nil, noonUTC); !errors.Is(err, ErrNoLocation) {
		t.Errorf("Next without a zone: %v", err)
	}

	// The scheduler reads specs in its Location: started at noon UTC, its
	// next activation is 18:00 UTC, and the job runs then.
	log, logs := newLogger(slog.LevelDebug)
	clock := newFakeClock(noonUTC)
	ran := make(chan time.Time, 1)
	s := &Scheduler{Location: shanghai, Logger: log, Clock: clock, Jobs: []Job{{Name: "ingest 140105", Spec: "0 2 * * *",
		Run: func(context.Context) error { ran <- clock.Now(); return nil }}}}
	r := started(t, s)
	clock.waitTimer(t, want)
	clock.advanceTo(want)
	if at := receive(t, ran, "the run at 18:00 UTC"); !at.Equal(want) {
		t.Errorf("the job ran at %v, want %v", at.UTC(), want)
	}
	logs.await(t, 1, "msg", "job finished", "job", "ingest 140105")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	// The activation loop's lines are robfig/cron's, at Debug.
	if m := logs.find(t, "msg", "cron: schedule"); m == nil || m["level"] != "DEBUG" || m["next"] != "2024-03-11T02:00:00+08:00" || m["entry"] != 1.0 {
		t.Errorf("schedule line %v", m)
	}
	for _, msg := range []string{"cron: start", "cron: wake", "cron: run", "cron: stop"} {
		if m := logs.find(t, "msg", msg); m == nil || m["level"] != "DEBUG" {
			t.Errorf("%s line %v", msg, m)
		}
	}
	if m := logs.find(t, "msg", "cron: run"); m == nil || m["next"] != "2024-03-12T02:00:00+08:00" {
		t.Errorf("run line %v, want the next activation a day later", m)
	}
}

func TestCronLogger(t *testing.T) {
	log, logs := newLogger(slog.LevelDebug)
	l := slogCron{log}
	l.Info("wake", "now", cst(2024, 3, 11, 2, 0, 0))
	l.Error(errors.New("boom"), "panic", "stack", "...")
	got := logs.lines(t)
	if len(got) != 2 {
		t.Fatalf("%d lines: %v", len(got), got)
	}
	if got[0]["level"] != "DEBUG" || got[0]["msg"] != "cron: wake" || got[0]["now"] != "2024-03-11T02:00:00+08:00" {
		t.Errorf("Info line %v", got[0])
	}
	if got[1]["level"] != "ERROR" || got[1]["msg"] != "cron: panic" || got[1]["error"] != "boom" || got[1]["stack"] != "..." {
		t.Errorf("Error line %v", got[1])
	}
}

// Waiting names the jobs queued behind a running one (Serial), and none once
// the queue drains: the daemon publishes when no county job waits.
func TestWaiting(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var seen sync.Map // what Waiting said inside each job
	var s *Scheduler
	work := func(name string) func(context.Context) error {
		return func(context.Context) error {
			if name == "ingest 140105" {
				entered <- struct{}{}
				<-release
			}
			seen.LoadOrStore(name, s.Waiting())
			return nil
		}
	}
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	s = &Scheduler{Location: shanghai, Serial: true, Logger: log, Clock: clock, Jobs: []Job{
		// Runs first, as a catch-up at start, and holds the turn until released.
		{Name: "ingest 140105", Spec: "0 2 * * *", LastRun: never, Run: work("ingest 140105")},
		{Name: "ingest 140123", Spec: "@every 1s", Run: work("ingest 140123")},
	}}
	r := started(t, s)
	receive(t, entered, "ingest 140105 to start")
	clock.waitTimer(t, t0.Add(time.Second))
	clock.advance(time.Second)
	waitFor(t, "ingest 140123 queued behind ingest 140105", func() bool {
		return slices.Equal(s.Waiting(), []string{"ingest 140123"})
	})
	close(release)
	logs.await(t, 1, "msg", "job finished", "job", "ingest 140105")
	logs.await(t, 1, "msg", "job finished", "job", "ingest 140123")
	st := s.Stats()
	if st["ingest 140105"].Succeeded != 1 || st["ingest 140123"].Succeeded != 1 {
		t.Errorf("stats %+v", st)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if w, _ := seen.Load("ingest 140105"); !slices.Equal(w.([]string), []string{"ingest 140123"}) {
		t.Errorf("the first job saw %v waiting, want [ingest 140123]", w)
	}
	if w, _ := seen.Load("ingest 140123"); len(w.([]string)) != 0 {
		t.Errorf("the second job saw %v waiting, want none", w)
	}
	if w := s.Waiting(); len(w) != 0 {
		t.Errorf("after the stop %v still waiting", w)
	}
}
