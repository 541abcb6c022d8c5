package schedule

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a Clock that stands still until the test advances it: the
// scheduler's activations, grace periods, timeouts and durations then happen
// exactly when the test says, with no sleeping and no wall-clock margin.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	timers  []*fakeTimer  // pending, in creation order
	changed chan struct{} // closed (and replaced) when a timer is added
}

type fakeTimer struct {
	at   time.Time
	c    chan time.Time // NewTimer's channel, or nil
	fire func()         // WithTimeout's cancel, or nil
}

func newFakeClock(now time.Time) *fakeClock {
	return &fakeClock{now: now, changed: make(chan struct{})}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) NewTimer(d time.Duration) (<-chan time.Time, func() bool) {
	ch := make(chan time.Time, 1)
	t := c.add(&fakeTimer{c: ch}, d)
	return ch, func() bool { return c.remove(t) }
}

func (c *fakeClock) WithTimeout(parent context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancelCause(parent)
	t := c.add(&fakeTimer{fire: func() { cancel(context.DeadlineExceeded) }}, d)
	return deadlineCtx{ctx}, func() {
		c.remove(t)
		cancel(context.Canceled)
	}
}

// deadlineCtx reports context.DeadlineExceeded, as context.WithTimeout does,
// when the fake timeout cancelled it.
type deadlineCtx struct{ context.Context }

func (c deadlineCtx) Err() error {
	err := c.Context.Err()
	if err != nil && errors.Is(context.Cause(c.Context), context.DeadlineExceeded) {
		return context.DeadlineExceeded
	}
	return err
}

// add registers a timer due d from now; one due now or earlier fires at once.
func (c *fakeClock) add(t *fakeTimer, d time.Duration) *fakeTimer {
	c.mu.Lock()
	t.at = c.now.Add(d)
	if d <= 0 {
		now := c.now
		c.mu.Unlock()
		t.expire(now)
		return t
	}
	c.timers = append(c.timers, t)
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
	return t
}

// remove takes a pending timer off the clock, reporting whether it was pending.
func (c *fakeClock) remove(t *fakeTimer) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	i := slices.Index(c.timers, t)
	if i < 0 {
		return false
	}
	c.timers = slices.Delete(c.timers, i, i+1)
	return true
}

func (t *fakeTimer) expire(now time.Time) {
	if t.c != nil {
		t.c <- now
	}
	if t.fire != nil {
		t.fire()
	}
}

// advance moves the clock d forward and fires, in the order they fall due,
// the timers due by then.
func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	now := c.now
	var due []*fakeTimer
	c.timers = slices.DeleteFunc(c.timers, func(t *fakeTimer) bool {
		if t.at.After(now) {
			return false
		}
		due = append(due, t)
		return true
	})
	c.mu.Unlock()
	slices.SortStableFunc(due, func(x, y *fakeTimer) int { return x.at.Compare(y.at) })
	for _, t := range due {
		t.expire(now)
	}
}

// advanceTo moves the clock to at (see advance).
func (c *fakeClock) advanceTo(at time.Time) { c.advance(at.Sub(c.Now())) }

// waitTimer blocks until a timer due at exactly at is pending: e.g. the
// activation loop has armed itself for the next activation, or Run its grace
// period. The real-time bound only turns a hang into a failure.
func (c *fakeClock) waitTimer(t *testing.T, at time.Time) {
	t.Helper()
	bound := time.After(10 * time.Second)
	for {
		c.mu.Lock()
		found := slices.ContainsFunc(c.timers, func(x *fakeTimer) bool { return x.at.Equal(at) })
		changed := c.changed
		c.mu.Unlock()
		if found {
			return
		}
		select {
		case <-changed:
		case <-bound:
			t.Fatalf("no timer due at %v was set", at)
		}
	}
}
