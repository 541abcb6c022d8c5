package schedule

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

// With Serial, the jobs the catch-up at start is going to run count as
// waiting from the start of the first: each sees the ones after it, the last
// sees none, and a job that is not caught up is never among them. This is
// what lets the daemon's start-up burst publish once, after its last job.
func TestCatchUpWaiting(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	ranToday := func(context.Context) (time.Time, bool, error) { return t0.Add(-time.Minute), true, nil }
	var (
		mu   sync.Mutex
		seen = map[string][]string{} // what Waiting said inside each job
	)
	var s *Scheduler
	job := func(name string, last func(context.Context) (time.Time, bool, error)) Job {
		return Job{Name: name, Spec: "0 2 * * *", LastRun: last, Run: func(context.Context) error {
			mu.Lock()
			defer mu.Unlock()
			seen[name] = s.Waiting()
			return nil
		}}
	}
	s = &Scheduler{Location: shanghai, Serial: true, Logger: log, Clock: newFakeClock(t0), Jobs: []Job{
		job("ingest 140105", never),
		job("ingest 140106", ranToday), // ran at 02:59, after today's 02:00: not caught up
		job("ingest 140107", never),
		job("report", never),
		job("ingest 140108", never),
	}}
	r := started(t, s)
	logs.await(t, 4, "msg", "job finished")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	want := map[string][]string{
		"ingest 140105": {"ingest 140107", "report", "ingest 140108"},
		"ingest 140107": {"report", "ingest 140108"},
		"report":        {"ingest 140108"},
		"ingest 140108": nil,
	}
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != len(want) {
		t.Errorf("ran %v, want %d jobs", seen, len(want))
	}
	for name, w := range want {
		if got, ok := seen[name]; !ok || !slices.Equal(got, w) {
			t.Errorf("%s saw %q waiting, want %q", name, got, w)
		}
	}
	if w := s.Waiting(); len(w) != 0 {
		t.Errorf("after the catch-up %v still waiting", w)
	}
}

// A stop in the middle of a serial catch-up leaves nothing waiting: the jobs
// it was still to run do not run and no longer count.
func TestCatchUpWaitingStop(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	entered, release := make(chan []string, 1), make(chan struct{})
	var s *Scheduler
	s = &Scheduler{Location: shanghai, Serial: true, Logger: log, Clock: newFakeClock(t0), Grace: time.Hour, Jobs: []Job{
		{Name: "a", Spec: "0 2 * * *", LastRun: never, Run: func(context.Context) error {
			entered <- s.Waiting()
			<-release
			return nil
		}},
		{Name: "b", Spec: "0 2 * * *", LastRun: never, Run: func(context.Context) error { t.Error("b ran after the stop"); return nil }},
		{Name: "c", Spec: "0 2 * * *", LastRun: never, Run: func(context.Context) error { t.Error("c ran after the stop"); return nil }},
	}}
	r := started(t, s)
	if w := receive(t, entered, "a to start"); !slices.Equal(w, []string{"b", "c"}) {
		t.Errorf("a saw %q waiting, want [b c]", w)
	}
	r.cancel()
	logs.await(t, 1, "msg", "stopping: waiting for running jobs")
	close(release)
	if err := r.wait(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if w := s.Waiting(); len(w) != 0 {
		t.Errorf("after the stop %v still waiting", w)
	}
}

// Without Serial nothing ever waits, catch-up or not.
func TestCatchUpNotSerialWaitsForNothing(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	var s *Scheduler
	seen := make(chan []string, 2)
	run := func(context.Context) error { seen <- s.Waiting(); return nil }
	s = &Scheduler{Location: shanghai, Logger: log, Clock: newFakeClock(t0), Jobs: []Job{
		{Name: "a", Spec: "0 2 * * *", LastRun: never, Run: run},
		{Name: "b", Spec: "0 2 * * *", LastRun: never, Run: run},
	}}
	r := started(t, s)
	logs.await(t, 2, "msg", "job finished")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	for range 2 {
		if w := receive(t, seen, "a job's Waiting"); len(w) != 0 {
			t.Errorf("a job saw %q waiting", w)
		}
	}
}

// OnFinish is told of every run: its start and its whole duration by the
// scheduler's clock (here a job that takes exactly 90s of the test's clock),
// the same figures as Stats, and its error; a panic in OnFinish is logged
// and changes nothing else.
func TestOnFinish(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	boom := errors.New("county feed unreachable")
	var (
		mu  sync.Mutex
		got []Finished
	)
	s := &Scheduler{Location: shanghai, Serial: true, Logger: log, Clock: clock,
		Jobs: []Job{
			{Name: "slow", Spec: "0 2 * * *", LastRun: never, Run: func(context.Context) error {
				clock.advance(90 * time.Second)
				return nil
			}},
			{Name: "failing", Spec: "0 2 * * *", LastRun: never, Run: func(context.Context) error { return boom }},
		},
		OnFinish: func(f Finished) {
			mu.Lock()
			got = append(got, f)
			mu.Unlock()
			if f.Job == "failing" {
				panic("the hook broke")
			}
		},
	}
	r := started(t, s)
	logs.await(t, 2, "msg", "job finished")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("OnFinish calls %+v, want 2", got)
	}
	slow, failing := got[0], got[1]
	if slow.Job != "slow" || !slow.Start.Equal(t0) || slow.Duration != 90*time.Second || slow.Err != nil {
		t.Errorf("slow: %+v, want its start %v and 90s", slow, t0)
	}
	if failing.Job != "failing" || !failing.Start.Equal(t0.Add(90*time.Second)) || failing.Duration != 0 || !errors.Is(failing.Err, boom) {
		t.Errorf("failing: %+v", failing)
	}
	st := s.Stats()
	if st["slow"].LastDuration != slow.Duration || !st["slow"].LastStart.Equal(slow.Start) || st["failing"].Failed != 1 {
		t.Errorf("stats %+v", st)
	}
	if m := logs.find(t, "msg", "OnFinish panicked", "job", "failing", "panic", "the hook broke"); m == nil {
		t.Error("no line for the panicked OnFinish")
	}
	if m := logs.find(t, "msg", "job finished", "job", "failing", "error", "county feed unreachable"); m == nil {
		t.Error("no finish line for the failing job")
	}
}

// On the real clock, a job that sleeps 300ms is reported as taking at least
// that, and not seconds more, in OnFinish and in
// grassroots_job_last_duration_seconds.
func TestOnFinishRealClock(t *testing.T) {
	t.Parallel()
	const nap = 300 * time.Millisecond
	log, logs := newLogger(slog.LevelInfo)
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	done := make(chan Finished, 1)
	s := &Scheduler{Location: shanghai, Logger: log,
		Jobs:     []Job{{Name: "nap", Spec: "0 2 1 1 *", LastRun: never, Run: func(context.Context) error { time.Sleep(nap); return nil }}},
		OnFinish: func(f Finished) { done <- f },
	}
	before := time.Now()
	r := started(t, s)
	f := receive(t, done, "the nap to finish")
	outside := time.Since(before)
	logs.await(t, 1, "msg", "job finished")
	if f.Duration < nap || f.Duration > outside {
		t.Errorf("the nap took %v by OnFinish; it slept %v, and %v passed outside", f.Duration, nap, outside)
	}
	if f.Start.Before(before) || f.Start.Add(f.Duration).After(before.Add(outside)) {
		t.Errorf("the nap ran %v + %v, outside of %v + %v", f.Start, f.Duration, before, outside)
	}
	_, body, _ := get(t, s.Handler(nil), "GET", "/metrics")
	fam := parseExposition(t, body)["grassroots_job_last_duration_seconds"]
	if fam == nil || len(fam.samples) != 1 || fam.samples[0].value != f.Duration.Seconds() {
		t.Errorf("grassroots_job_last_duration_seconds %+v, want %v", fam, f.Duration.Seconds())
	}
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
}

// A job of the serial catch-up whose own schedule fires while it waits for
// its turn is queued once: the tick takes its place, the catch-up's run is
// a skip, and it counts as waiting until it runs, not while it runs.
func TestCatchUpWaitingTick(t *testing.T) {
	t.Parallel()
	log, logs := newLogger(slog.LevelInfo)
	clock := newFakeClock(t0)
	never := func(context.Context) (time.Time, bool, error) { return time.Time{}, false, nil }
	entered, release, bDone := make(chan struct{}, 1), make(chan struct{}), make(chan struct{})
	var (
		mu   sync.Mutex
		seen = map[string][]string{}
	)
	var s *Scheduler
	s = &Scheduler{Location: shanghai, Serial: true, Logger: log, Clock: clock, Jobs: []Job{
		{Name: "a", Spec: "0 2 * * *", LastRun: never, Run: func(context.Context) error {
			entered <- struct{}{}
			<-release
			mu.Lock()
			defer mu.Unlock()
			seen["a"] = s.Waiting()
			return nil
		}},
		{Name: "b", Spec: "@every 1s", LastRun: never, Run: func(context.Context) error {
			mu.Lock()
			seen["b"] = s.Waiting() // whether or not the catch-up has come to b yet
			mu.Unlock()
			<-bDone // held until the catch-up's run of b was a skip
			return nil
		}},
	}}
	r := started(t, s)
	receive(t, entered, "a to start")
	if w := s.Waiting(); !slices.Equal(w, []string{"b"}) {
		t.Errorf("while a runs %q wait, want [b]", w)
	}
	clock.waitTimer(t, t0.Add(time.Second))
	clock.advance(time.Second) // b's tick queues behind a
	waitFor(t, "b's tick to queue", func() bool { return s.jobStates()[1].waiting.Load() })
	if w := s.Waiting(); !slices.Equal(w, []string{"b"}) {
		t.Errorf("after b's tick %q wait, want [b]", w)
	}
	close(release)
	logs.await(t, 1, "msg", "job skipped: still running", "job", "b")
	close(bDone)
	logs.await(t, 1, "msg", "job finished", "job", "b")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(seen["a"], []string{"b"}) || len(seen["b"]) != 0 {
		t.Errorf("a saw %q waiting, b saw %q", seen["a"], seen["b"])
	}
	if st := s.Stats()["b"]; st.Started != 1 || st.Skipped != 1 {
		t.Errorf("b: %+v, want started once and skipped once", st)
	}
	if w := s.Waiting(); len(w) != 0 {
		t.Errorf("at the end %v still waiting", w)
	}
}
