package schedule

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Clock tells the scheduler the time and measures its delays: the
// activations, the grace period after a stop, a job's Timeout and the
// durations it records. Scheduler.Clock nil means the real clock; tests give
// one they step by hand.
type Clock interface {
	// Now returns the current instant.
	Now() time.Time
	// NewTimer starts a timer that sends the instant on the channel once d
	// has passed; stop stops it and reports whether it had not fired yet.
	NewTimer(d time.Duration) (c <-chan time.Time, stop func() bool)
	// WithTimeout is context.WithTimeout on this clock: the context's Err is
	// context.DeadlineExceeded once d has passed.
	WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

// realClock is the wall clock (time.Now, time.NewTimer, context.WithTimeout).
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	t := time.NewTimer(d)
	return t.C, t.Stop
}

func (realClock) WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(parent, d)
}

// idleWait is how long the activation loop sleeps when no job will ever fire
// (robfig/cron's own figure).
const idleWait = 100000 * time.Hour

// entry is one job on the activation loop.
type entry struct {
	id    int       // 1, 2, … in the order of Jobs, as in the clock's debug lines
	job   *jobState // whose activations these are
	spec  string    // the spec sched was parsed from
	sched cron.Schedule
	next  time.Time // the next activation; zero: never
	run   func()
}

// activations is the loop that starts each entry at every activation of its
// schedule, read in loc. It is robfig/cron v3.0.1's Cron.run on a Clock: the
// same next-activation rule (Schedule.Next of the instant the timer fired),
// the same debug lines (start, schedule, wake, run, stop), each activation
// started in its own goroutine. New entries sent on reload replace the
// entries between two activations (see replace).
type activations struct {
	clock   Clock
	loc     *time.Location
	log     cron.Logger
	entries []*entry
	reload  chan replacement // Scheduler.Reload's new entries; received by run only
	started sync.WaitGroup   // the goroutines of started activations
}

// replacement is a set of entries to put in place of the loop's, and the
// channel closed once they are (the timer of the old ones stopped).
type replacement struct {
	entries []*entry
	done    chan struct{}
}

// run starts activations until stop is closed; it returns at once then,
// without waiting for the activations it started (wait does).
func (a *activations) run(stop <-chan struct{}) {
	a.log.Info("start")
	now := a.clock.Now().In(a.loc)
	for _, e := range a.entries {
		e.next = e.sched.Next(now)
		a.log.Info("schedule", "now", now, "entry", e.id, "next", e.next)
	}
	for {
		// The earliest activation first; entries that never fire last.
		slices.SortStableFunc(a.entries, func(x, y *entry) int {
			switch {
			case x.next.IsZero() && y.next.IsZero():
				return 0
			case x.next.IsZero():
				return 1
			case y.next.IsZero():
				return -1
			}
			return x.next.Compare(y.next)
		})
		wait := idleWait
		if len(a.entries) > 0 && !a.entries[0].next.IsZero() {
			wait = a.entries[0].next.Sub(now)
		}
		fired, stopTimer := a.clock.NewTimer(wait)
		select {
		case now = <-fired:
			now = now.In(a.loc)
			a.log.Info("wake", "now", now)
			for _, e := range a.entries {
				if e.next.After(now) || e.next.IsZero() {
					break
				}
				a.started.Add(1)
				go func() {
					defer a.started.Done()
					e.run()
				}()
				e.next = e.sched.Next(now)
				a.log.Info("run", "now", now, "entry", e.id, "next", e.next)
			}
		case r := <-a.reload:
			stopTimer()
			now = a.clock.Now().In(a.loc)
			a.replace(r.entries, now)
			close(r.done)
		case <-stop:
			stopTimer()
			a.log.Info("stop")
			return
		}
	}
}

// replace puts es in place of the entries at now: an entry of a job whose
// spec is unchanged keeps its next activation (so that a reload at the
// moment of an activation does not lose it); any other starts from now.
func (a *activations) replace(es []*entry, now time.Time) {
	kept := make(map[*jobState]*entry, len(a.entries))
	for _, e := range a.entries {
		kept[e.job] = e
	}
	for _, e := range es {
		if old, ok := kept[e.job]; ok && old.spec == e.spec {
			e.next = old.next
		} else {
			e.next = e.sched.Next(now)
		}
		a.log.Info("schedule", "now", now, "entry", e.id, "next", e.next)
	}
	a.entries = es
}

// wait returns once every activation started has returned; call it after
// run has returned.
func (a *activations) wait() { a.started.Wait() }
