package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// counter returns a Run func that counts its calls.
func counter(n *atomic.Int64) func(context.Context) error {
	return func(context.Context) error { n.Add(1); return nil }
}

// A reload moves a job's schedule: the old activation (04:00) is dropped and
// the new one (03:30, earlier) fires, with the new Run func; the day after, the
// job comes round at 03:30 again.
func TestReloadReschedules(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0) // 03:00
	var oldRuns, newRuns atomic.Int64
	s := &Scheduler{Location: shanghai, Logger: log, Clock: clock,
		Jobs: []Job{{Name: "ingest 140105", Spec: "0 4 * * *", Run: counter(&oldRuns)}}}
	r := started(t, s)
	clock.waitTimer(t, cst(2024, 5, 15, 4, 0, 0))

	ch, err := s.Reload([]Job{{Name: "ingest 140105", Spec: "30 3 * * *", Run: counter(&newRuns)}})
	if err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if !slices.Equal(ch.Rescheduled, []string{"ingest 140105"}) || len(ch.Added)+len(ch.Removed) != 0 || ch.Empty() {
		t.Errorf("Change = %+v, want ingest 140105 rescheduled only", ch)
	}
	fire(t, s, clock, cst(2024, 5, 15, 3, 30, 0))
	logs.await(t, 1, "msg", "job finished", "job", "ingest 140105")
	if oldRuns.Load() != 0 || newRuns.Load() != 1 {
		t.Fatalf("at 03:30: %d runs of the old func, %d of the new, want 0 and 1", oldRuns.Load(), newRuns.Load())
	}
	// The next activation is 03:30 tomorrow, not 04:00 today.
	clock.waitTimer(t, cst(2024, 5, 16, 3, 30, 0))
	settle(t, s)
	clock.advanceTo(cst(2024, 5, 15, 4, 0, 0))
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if oldRuns.Load() != 0 || newRuns.Load() != 1 {
		t.Errorf("after 04:00: %d runs of the old func, %d of the new, want 0 and 1", oldRuns.Load(), newRuns.Load())
	}
	if st := s.Stats()["ingest 140105"]; st.Started != 1 || !st.LastStart.Equal(cst(2024, 5, 15, 3, 30, 0)) {
		t.Errorf("stats %+v, want one run at 03:30", st)
	}
}

// A reload that fails validation changes nothing: the old job keeps its
// schedule and its Run func.
func TestReloadInvalidKeepsOld(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	var oldRuns, newRuns atomic.Int64
	s := &Scheduler{Location: shanghai, Logger: log, Clock: clock,
		Jobs: []Job{{Name: "ingest 140105", Spec: "0 4 * * *", Run: counter(&oldRuns)}}}
	r := started(t, s)
	clock.waitTimer(t, cst(2024, 5, 15, 4, 0, 0))
	for _, tt := range []struct {
		name string
		jobs []Job
		want error
	}{
		{"bad spec", []Job{{Name: "ingest 140105", Spec: "61 3 * * *", Run: counter(&newRuns)}}, ErrBadSpec},
		{"a good job beside a bad one", []Job{
			{Name: "ingest 140105", Spec: "30 3 * * *", Run: counter(&newRuns)},
			{Name: "report", Spec: "@fortnightly", Run: counter(&newRuns)}}, ErrBadSpec},
		{"duplicate", []Job{
			{Name: "ingest 140105", Spec: "30 3 * * *", Run: counter(&newRuns)},
			{Name: "ingest 140105", Spec: "45 3 * * *", Run: counter(&newRuns)}}, ErrDuplicateJob},
		{"no run", []Job{{Name: "ingest 140105", Spec: "30 3 * * *"}}, ErrBadJob},
	} {
		ch, err := s.Reload(tt.jobs)
		if !errors.Is(err, tt.want) || !ch.Empty() {
			t.Errorf("%s: Reload = %+v, %v, want %v", tt.name, ch, err, tt.want)
		}
	}
	// 03:30 is no activation: the loop still waits for 04:00, which fires the old func.
	fire(t, s, clock, cst(2024, 5, 15, 4, 0, 0))
	logs.await(t, 1, "msg", "job finished", "job", "ingest 140105")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if oldRuns.Load() != 1 || newRuns.Load() != 0 {
		t.Errorf("%d runs of the old func, %d of the new, want 1 and 0", oldRuns.Load(), newRuns.Load())
	}
	if got := s.Stats(); len(got) != 1 || got["ingest 140105"].Started != 1 {
		t.Errorf("stats after the refused reloads: %+v", got)
	}
}

// Jobs added by a reload run on their schedule, and at once when their
// LastRun says they missed an activation (the catch-up of a start); a job
// removed never runs again and leaves the stats; a job kept keeps its
// counters.
func TestReloadAddsAndRemoves(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	var a, b, c, d atomic.Int64
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	recent := func(context.Context) (time.Time, bool, error) { return clock.Now(), true, nil }
	s := &Scheduler{Location: shanghai, Logger: log, Clock: clock, Serial: true, Jobs: []Job{
		{Name: "a", Spec: "@every 1s", Run: counter(&a)},
		{Name: "b", Spec: "@every 1s", Run: counter(&b)},
	}}
	r := started(t, s)
	fire(t, s, clock, t0.Add(time.Second))
	logs.await(t, 1, "msg", "job finished", "job", "a")
	logs.await(t, 1, "msg", "job finished", "job", "b")

	ch, err := s.Reload([]Job{
		{Name: "a", Spec: "@every 1s", Run: counter(&a)},
		{Name: "c", Spec: "@every 1s", Run: counter(&c), LastRun: never},  // missed: runs at once
		{Name: "d", Spec: "@every 1s", Run: counter(&d), LastRun: recent}, // ran just now: waits for its tick
	})
	if err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if !slices.Equal(ch.Added, []string{"c", "d"}) || !slices.Equal(ch.Removed, []string{"b"}) || len(ch.Rescheduled) != 0 {
		t.Errorf("Change = %+v", ch)
	}
	logs.await(t, 1, "msg", "job finished", "job", "c")
	if m := logs.find(t, "msg", "job started", "job", "c"); m == nil || m["trigger"] != "catch-up" {
		t.Errorf("c's first start: %v, want a catch-up", m)
	}
	if d.Load() != 0 {
		t.Errorf("d ran %d times before its first activation", d.Load())
	}
	fire(t, s, clock, t0.Add(2*time.Second))
	logs.await(t, 2, "msg", "job finished", "job", "a")
	logs.await(t, 2, "msg", "job finished", "job", "c")
	logs.await(t, 1, "msg", "job finished", "job", "d")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if a.Load() != 2 || b.Load() != 1 || c.Load() != 2 || d.Load() != 1 {
		t.Errorf("runs a=%d b=%d c=%d d=%d, want 2 1 2 1", a.Load(), b.Load(), c.Load(), d.Load())
	}
	st := s.Stats()
	if _, ok := st["b"]; ok || st["a"].Started != 2 || st["c"].Started != 2 || len(st) != 3 {
		t.Errorf("stats after the reload: %+v", st)
	}
}

// A job running at the reload finishes as it began (its ctx is not
// cancelled, it is listed as running); the next run takes the new func. A
// job removed while it waits for its turn (Serial) is dropped at its turn.
func TestReloadWhileRunning(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	entered, release := make(chan struct{}, 1), make(chan struct{})
	var cancelled atomic.Bool // release is unbuffered: one send lets the run go
	var newRuns, queued atomic.Int64
	s := &Scheduler{Location: shanghai, Logger: log, Clock: clock, Serial: true, Jobs: []Job{
		{Name: "slow", Spec: "@every 1s", Run: func(ctx context.Context) error {
			entered <- struct{}{}
			<-release
			cancelled.Store(ctx.Err() != nil)
			return nil
		}},
		{Name: "queued", Spec: "@every 2s", Run: counter(&queued)},
	}}
	r := started(t, s)
	t.Cleanup(sync.OnceFunc(func() { close(release) })) // before the stop, should the test fail
	clock.waitTimer(t, t0.Add(time.Second))
	clock.advance(time.Second)
	receive(t, entered, "slow's first run")
	clock.waitTimer(t, t0.Add(2*time.Second))
	clock.advance(time.Second) // slow's tick is a skip, queued's waits for slow
	waitFor(t, "queued to wait for its turn", func() bool { return slices.Contains(s.Waiting(), "queued") })

	ch, err := s.Reload([]Job{{Name: "slow", Spec: "@every 1s", Run: counter(&newRuns)}})
	if err != nil {
		t.Fatalf("Reload: %v", err)
	}
	if !slices.Equal(ch.Removed, []string{"queued"}) || len(ch.Added)+len(ch.Rescheduled) != 0 {
		t.Errorf("Change = %+v", ch)
	}
	if got := s.Running(); !slices.Equal(got, []string{"slow"}) {
		t.Errorf("Running() during the old run = %q", got)
	}
	release <- struct{}{}
	logs.await(t, 1, "msg", "job finished", "job", "slow")
	logs.await(t, 1, "msg", "job not run: a reload removed it", "job", "queued")
	if cancelled.Load() {
		t.Error("the run in progress at the reload had its ctx cancelled")
	}
	fire(t, s, clock, t0.Add(3*time.Second))
	logs.await(t, 2, "msg", "job finished", "job", "slow")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if newRuns.Load() != 1 || queued.Load() != 0 {
		t.Errorf("%d runs of the new func, %d of the removed job, want 1 and 0", newRuns.Load(), queued.Load())
	}
}

// A job removed and added again while its old run still runs does not
// overlap that run: the activation that comes meanwhile is a skip.
func TestReloadReaddedNoOverlap(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	entered, release := make(chan struct{}, 4), make(chan struct{})
	var conc concurrency
	slow := Job{Name: "slow", Spec: "@every 1s", Run: func(context.Context) error {
		conc.enter()
		defer conc.leave()
		entered <- struct{}{}
		<-release
		return nil
	}}
	other := Job{Name: "other", Spec: "@daily", Run: func(context.Context) error { return nil }}
	s := &Scheduler{Location: shanghai, Logger: log, Clock: clock, Jobs: []Job{slow}}
	r := started(t, s)
	releaseAll := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseAll) // before the stop, should the test fail
	clock.waitTimer(t, t0.Add(time.Second))
	clock.advance(time.Second)
	receive(t, entered, "slow's first run")
	if _, err := s.Reload([]Job{other}); err != nil {
		t.Fatal(err)
	}
	if got := s.Running(); !slices.Equal(got, []string{"slow"}) {
		t.Errorf("Running() with the removed job's run in progress = %q", got)
	}
	ch, err := s.Reload([]Job{other, slow})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ch.Added, []string{"slow"}) {
		t.Errorf("Change = %+v", ch)
	}
	clock.waitTimer(t, t0.Add(2*time.Second))
	clock.advance(time.Second)
	logs.await(t, 1, "msg", "job skipped: still running", "job", "slow")
	releaseAll()
	logs.await(t, 1, "msg", "job finished", "job", "slow")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if conc.max.Load() != 1 {
		t.Errorf("%d runs of slow at once", conc.max.Load())
	}
}

// Reloads from several goroutines while jobs fire (run under -race): no
// reload is lost or half applied, and the stop still waits for every run.
func TestReloadConcurrent(t *testing.T) {
	t.Parallel()
	clock := newFakeClock(t0)
	var runs atomic.Int64
	job := func(name, spec string) Job { return Job{Name: name, Spec: spec, Run: counter(&runs)} }
	s := &Scheduler{Location: shanghai, Clock: clock, Serial: true, Jobs: []Job{job("a", "@every 1s")}}
	r := started(t, s)
	clock.waitTimer(t, t0.Add(time.Second))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				jobs := []Job{job("a", "@every 1s"), job(fmt.Sprintf("g%d", g), fmt.Sprintf("@every %ds", 1+i%3))}
				if _, err := s.Reload(jobs); err != nil {
					t.Errorf("Reload: %v", err)
					return
				}
				_ = s.Running()
				_ = s.Stats()
				_ = s.Waiting()
			}
		}()
	}
	for range 20 {
		clock.advance(time.Second)
	}
	wg.Wait()
	last := []Job{job("a", "@every 1s"), job("z", "@every 1s")}
	if _, err := s.Reload(last); err != nil {
		t.Fatal(err)
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	names := make([]string, 0)
	for name := range s.Stats() {
		names = append(names, name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a", "z"}) {
		t.Errorf("jobs after the last reload: %q", names)
	}
	// After the stop, a reload only replaces the jobs for the next Run.
	if _, err := s.Reload([]Job{job("b", "@daily")}); err != nil {
		t.Fatal(err)
	}
	if len(s.Jobs) != 1 || s.Jobs[0].Name != "b" {
		t.Errorf("Jobs after a reload after the stop: %+v", s.Jobs)
	}
}
