package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"
)

func TestMissed(t *testing.T) {
	utc := time.UTC
	tests := []struct {
		name string
		spec string
		loc  *time.Location
		last time.Time
		ok   bool
		now  time.Time
		want bool
	}{
		// The daily pull at 02:00 Shanghai time.
		{name: "ran yesterday 02:00, now 03:00", spec: "0 2 * * *", loc: shanghai,
			last: cst(2024, 5, 14, 2, 0, 0), ok: true, now: cst(2024, 5, 15, 3, 0, 0), want: true},
		{name: "ran yesterday 02:00, now 01:00", spec: "0 2 * * *", loc: shanghai,
			last: cst(2024, 5, 14, 2, 0, 0), ok: true, now: cst(2024, 5, 15, 1, 0, 0), want: false},
		{name: "never ran", spec: "0 2 * * *", loc: shanghai, now: cst(2024, 5, 15, 1, 0, 0), want: true},
		{name: "ran today 02:00:07, now 03:00", spec: "0 2 * * *", loc: shanghai,
			last: cst(2024, 5, 15, 2, 0, 7), ok: true, now: cst(2024, 5, 15, 3, 0, 0), want: false},
		{name: "activation exactly now counts", spec: "0 2 * * *", loc: shanghai,
			last: cst(2024, 5, 14, 2, 0, 0), ok: true, now: cst(2024, 5, 15, 2, 0, 0), want: true},
		{name: "down for a week", spec: "0 2 * * *", loc: shanghai,
			last: cst(2024, 5, 8, 2, 0, 0), ok: true, now: cst(2024, 5, 15, 1, 0, 0), want: true},
		// The same instants given in UTC: yesterday 02:00 CST = 18:00Z the day before.
		{name: "times in UTC, zone Shanghai", spec: "0 2 * * *", loc: shanghai,
			last: time.Date(2024, 5, 13, 18, 0, 0, 0, utc), ok: true, now: time.Date(2024, 5, 14, 19, 0, 0, 0, utc), want: true},
		// Ran at 02:00 CST on the 14th (18:00Z on the 13th); now 10:30 CST on the 14th (02:30Z).
		// In Shanghai the next 02:00 is tomorrow; read in UTC, 02:00Z has just passed.
		{name: "zone matters: Shanghai", spec: "0 2 * * *", loc: shanghai,
			last: cst(2024, 5, 14, 2, 0, 0), ok: true, now: cst(2024, 5, 14, 10, 30, 0), want: false},
		{name: "zone matters: UTC", spec: "0 2 * * *", loc: utc,
			last: cst(2024, 5, 14, 2, 0, 0), ok: true, now: cst(2024, 5, 14, 10, 30, 0), want: true},
		// Intervals.
		{name: "@every 1h, ran 30 min ago", spec: "@every 1h", loc: shanghai,
			last: cst(2024, 5, 15, 2, 30, 0), ok: true, now: cst(2024, 5, 15, 3, 0, 0), want: false},
		{name: "@every 1h, ran 61 min ago", spec: "@every 1h", loc: shanghai,
			last: cst(2024, 5, 15, 1, 59, 0), ok: true, now: cst(2024, 5, 15, 3, 0, 0), want: true},
		// The monthly report (08:00 on the 1st) and the quarterly export (06:00 on the 1st of Jan, Apr, Jul, Oct).
		{name: "report: a minute early", spec: "0 8 1 * *", loc: shanghai,
			last: cst(2024, 4, 1, 8, 0, 3), ok: true, now: cst(2024, 5, 1, 7, 59, 0), want: false},
		{name: "report: due", spec: "0 8 1 * *", loc: shanghai,
			last: cst(2024, 4, 1, 8, 0, 3), ok: true, now: cst(2024, 5, 1, 8, 0, 0), want: true},
		{name: "export: mid-quarter", spec: "0 6 1 */3 *", loc: shanghai,
			last: cst(2024, 4, 1, 6, 0, 0), ok: true, now: cst(2024, 6, 30, 23, 0, 0), want: false},
		{name: "export: new quarter", spec: "0 6 1 */3 *", loc: shanghai,
			last: cst(2024, 4, 1, 6, 0, 0), ok: true, now: cst(2024, 7, 1, 6, 0, 0), want: true},
		// A last run in the future (a clock put back) misses nothing.
		{name: "last run in the future", spec: "0 2 * * *", loc: shanghai,
			last: cst(2024, 5, 16, 2, 0, 0), ok: true, now: cst(2024, 5, 15, 3, 0, 0), want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Missed(tt.spec, tt.loc, tt.last, tt.ok, tt.now)
			if err != nil || got != tt.want {
				t.Errorf("Missed(%q, %v, %v, %v, %v) = %v, %v; want %v", tt.spec, tt.loc, tt.last, tt.ok, tt.now, got, err, tt.want)
			}
		})
	}

	if _, err := Missed("0 25 * * *", shanghai, time.Time{}, false, time.Now()); !errors.Is(err, ErrBadSpec) {
		t.Errorf("bad spec: %v", err)
	}
	if _, err := Missed("0 2 * * *", nil, time.Time{}, false, time.Now()); !errors.Is(err, ErrNoLocation) {
		t.Errorf("no zone: %v", err)
	}
}

// On start, the jobs that missed an activation run once, in order; the
// others wait for their schedule.
func TestCatchUp(t *testing.T) {
	t.Parallel()
	now := cst(2024, 5, 15, 3, 0, 0)
	last := func(at time.Time, ok bool, err error) func(context.Context) (time.Time, bool, error) {
		return func(context.Context) (time.Time, bool, error) { return at, ok, err }
	}
	for _, serial := range []bool{true, false} {
		t.Run(fmt.Sprintf("serial=%v", serial), func(t *testing.T) {
			t.Parallel()
			log, logs := newLogger(slog.LevelInfo)
			var (
				mu    sync.Mutex
				order []string
			)
			job := func(name string, lastRun func(context.Context) (time.Time, bool, error)) Job {
				return Job{Name: name, Spec: "0 2 * * *", LastRun: lastRun, Run: func(context.Context) error {
					mu.Lock()
					defer mu.Unlock()
					order = append(order, name)
					return nil
				}}
			}
			s := &Scheduler{
				Location: shanghai, Serial: serial, Logger: log,
				Clock: newFakeClock(now),
				Jobs: []Job{
					job("ran today", last(cst(2024, 5, 15, 2, 0, 9), true, nil)),
					job("ran yesterday", last(cst(2024, 5, 14, 2, 0, 5), true, nil)),
					job("no records", nil),
					job("never ran", last(time.Time{}, false, nil)),
					job("lookup failed", last(time.Time{}, false, errors.New("warehouse: database is locked"))),
					job("lookup panicked", func(context.Context) (time.Time, bool, error) { panic("nil warehouse") }),
				},
			}
			r := started(t, s)
			logs.await(t, 4, "msg", "job finished")
			// The clock never moves: nothing fires on its schedule.
			if err := r.stop(t); err != nil {
				t.Fatalf("Run = %v", err)
			}
			want := []string{"ran yesterday", "never ran", "lookup failed", "lookup panicked"}
			mu.Lock()
			got := slices.Clone(order)
			mu.Unlock()
			if !serial {
				slices.Sort(got)
				want = slices.Sorted(slices.Values(want))
			}
			if !slices.Equal(got, want) {
				t.Errorf("catch-up runs %q, want %q", got, want)
			}
			st := s.Stats()
			for name, wantStarted := range map[string]int64{"ran today": 0, "ran yesterday": 1, "no records": 0, "never ran": 1, "lookup failed": 1, "lookup panicked": 1} {
				if st[name].Started != wantStarted {
					t.Errorf("%s started %d times, want %d", name, st[name].Started, wantStarted)
				}
			}
			if got := st["ran yesterday"].LastStart; !got.Equal(now) {
				t.Errorf("LastStart = %v, want the scheduler's Now %v", got, now)
			}
			if m := logs.find(t, "msg", "job started", "job", "never ran"); m == nil || m["trigger"] != "catch-up" {
				t.Errorf("start line %v", m)
			}
			if m := logs.find(t, "job", "lookup failed", "error", "warehouse: database is locked"); m == nil || m["level"] != "WARN" {
				t.Errorf("lookup failure line %v", m)
			}
			if m := logs.find(t, "job", "lookup panicked", "error", "schedule: job panicked: LastRun: nil warehouse"); m == nil {
				t.Error("no line for the panicked lookup")
			}
		})
	}
}

// A stop during the catch-up starts nothing more: LastRun's ctx is cancelled
// and the remaining jobs are not looked up.
func TestCatchUpStop(t *testing.T) {
	t.Parallel()
	looking := make(chan struct{})
	var secondLooked bool
	s := &Scheduler{Location: shanghai, Clock: newFakeClock(t0), Jobs: []Job{
		{Name: "a", Spec: "0 2 * * *", Run: func(context.Context) error { t.Error("a ran"); return nil },
			LastRun: func(ctx context.Context) (time.Time, bool, error) {
				close(looking)
				<-ctx.Done()
				return time.Time{}, false, ctx.Err()
			}},
		{Name: "b", Spec: "0 2 * * *", Run: func(context.Context) error { t.Error("b ran"); return nil },
			LastRun: func(context.Context) (time.Time, bool, error) { secondLooked = true; return time.Time{}, false, nil }},
	}}
	r := started(t, s)
	receive(t, looking, "a's lookup")
	// Run returns with the clock standing still: it waits for no grace period.
	if err := r.stop(t); err != nil {
		t.Errorf("Run = %v", err)
	}
	if secondLooked {
		t.Error("b was looked up after the stop")
	}
}
