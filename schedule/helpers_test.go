package schedule

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	_ "time/tzdata" // Asia/Shanghai on any host
)

// shanghai is the city's time zone in the tests.
var shanghai = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return loc
}()

// cst builds a wall-clock time in Asia/Shanghai.
func cst(year int, month time.Month, day, hour, min, sec int) time.Time {
	return time.Date(year, month, day, hour, min, sec, 0, shanghai)
}

// t0 is when the fake clock of most tests starts: 03:00 in Shanghai, a
// whole second, so that "@every 1s" fires at t0+1s, t0+2s, ….
var t0 = cst(2024, 5, 15, 3, 0, 0)

// bound is the real time a test waits for something that must happen before
// it fails: it turns a hang into a failure and plays no part in a pass.
const bound = 10 * time.Second

// logBuffer collects JSON log lines written from several goroutines and lets
// a test wait for a line: the scheduler's log is the event it waits on.
type logBuffer struct {
	mu      sync.Mutex
	buf     bytes.Buffer
	written chan struct{} // closed (and replaced) at each write
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
	}
	b.written = make(chan struct{})
	return b.buf.Write(p)
}

// lines returns the decoded log records.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	return decodeLines(t, b.buf.String())
}

func decodeLines(t *testing.T, text string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// matches tells whether a record has these key/values.
func matches(m map[string]any, kv []string) bool {
	for i := 0; i+1 < len(kv); i += 2 {
		if v, _ := m[kv[i]].(string); v != kv[i+1] {
			return false
		}
	}
	return true
}

// find returns the first record with these key/values.
func (b *logBuffer) find(t *testing.T, kv ...string) map[string]any {
	t.Helper()
	for _, m := range b.lines(t) {
		if matches(m, kv) {
			return m
		}
	}
	return nil
}

// await blocks until n records have these key/values.
func (b *logBuffer) await(t *testing.T, n int, kv ...string) {
	t.Helper()
	timeout := time.After(bound)
	for {
		b.mu.Lock()
		text := b.buf.String()
		if b.written == nil {
			b.written = make(chan struct{})
		}
		written := b.written
		b.mu.Unlock()
		k := 0
		for _, m := range decodeLines(t, text) {
			if matches(m, kv) {
				k++
			}
		}
		if k >= n {
			return
		}
		select {
		case <-written:
		case <-timeout:
			t.Fatalf("%d of %d log lines with %q; log:\n%s", k, n, kv, text)
		}
	}
}

func newLogger(level slog.Level) (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level})), b
}

// running is a Scheduler.Run in the background.
type running struct {
	cancel context.CancelFunc
	done   chan error
	once   sync.Once
	err    error
}

// started runs s in the background; the test's cleanup stops it.
func started(t *testing.T, s *Scheduler) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- s.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// wait blocks until Run has returned (after a stop) and returns its error.
func (r *running) wait(t *testing.T) error {
	t.Helper()
	r.once.Do(func() {
		select {
		case r.err = <-r.done:
		case <-time.After(bound):
			t.Fatalf("Run did not return %v after its ctx was cancelled", bound)
		}
	})
	return r.err
}

// stop cancels Run's ctx and waits for Run to return, the clock standing still.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.wait(t)
}

// returned tells whether Run has returned already, without waiting.
func (r *running) returned() bool {
	select {
	case err := <-r.done:
		r.done <- err
		return true
	default:
		return false
	}
}

// receive takes a value from c, failing the test if none comes.
func receive[T any](t *testing.T, c <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-c:
		return v
	case <-time.After(bound):
		t.Fatalf("still waiting for %s", what)
		var zero T
		return zero
	}
}

// waitFor polls cond until it holds. Only for a state the scheduler offers
// no event for (Waiting); it decides nothing by time.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(bound)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// concurrency counts how many calls are inside at once and the most ever.
type concurrency struct{ now, max atomic.Int64 }

func (c *concurrency) enter() {
	n := c.now.Add(1)
	for {
		m := c.max.Load()
		if n <= m || c.max.CompareAndSwap(m, n) {
			return
		}
	}
}

func (c *concurrency) leave() { c.now.Add(-1) }

// settle waits until no run is in flight: every job's guard is free. A run
// logs "job finished" a moment before it lets go of its guard, and an
// activation in that moment would be skipped; the guard offers no event to
// wait on, so it is polled (the test's clock stands still meanwhile, and
// nothing else can take the guard).
func settle(t *testing.T, s *Scheduler) {
	t.Helper()
	for _, st := range s.jobStates() {
		waitFor(t, st.name+" to let go of its guard", func() bool {
			if !st.guard.TryLock() {
				return false
			}
			st.guard.Unlock()
			return true
		})
	}
}

// fire brings the next activation at at: once no run is in flight and the
// activation loop has armed its timer for at, the clock moves to at.
func fire(t *testing.T, s *Scheduler, clock *fakeClock, at time.Time) {
	t.Helper()
	settle(t, s)
	clock.waitTimer(t, at)
	clock.advanceTo(at)
}
