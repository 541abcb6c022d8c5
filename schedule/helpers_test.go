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

// logBuffer collects JSON log lines written from several goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the decoded log records.
func (b *logBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
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

// find returns the first record with these key/values.
func (b *logBuffer) find(t *testing.T, kv ...string) map[string]any {
	t.Helper()
next:
	for _, m := range b.lines(t) {
		for i := 0; i+1 < len(kv); i += 2 {
			if v, _ := m[kv[i]].(string); v != kv[i+1] {
				continue next
			}
		}
		return m
	}
	return nil
}

func newLogger(level slog.Level) (*slog.Logger, *logBuffer) {
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: level})), b
}

// started runs s in the background and returns a stop func that cancels the
// Run ctx and returns Run's error and how long Run took to return after the cancel.
func started(t *testing.T, s *Scheduler) (stop func() (error, time.Duration)) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var once sync.Once
	var err error
	var took time.Duration
	stop = func() (error, time.Duration) {
		once.Do(func() {
			at := time.Now()
			cancel()
			select {
			case err = <-done:
				took = time.Since(at)
			case <-time.After(10 * time.Second):
				t.Fatal("Run did not return 10s after its ctx was cancelled")
			}
		})
		return err, took
	}
	t.Cleanup(func() { stop() })
	return stop
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v still waiting for %s", timeout, what)
		}
		time.Sleep(5 * time.Millisecond)
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
