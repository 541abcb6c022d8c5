package schedule

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A Scheduler without a Clock runs on the real one: its timers fire and its
// timeouts read as deadlines, as time.NewTimer and context.WithTimeout do.
func TestRealClock(t *testing.T) {
	var c Clock = realClock{}
	fired, _ := c.NewTimer(0)
	receive(t, fired, "a timer of 0 to fire")
	if _, stop := c.NewTimer(bound); !stop() {
		t.Error("stopping a pending timer reports it had fired")
	}
	ctx, cancel := c.WithTimeout(context.Background(), 0)
	defer cancel()
	receive(t, ctx.Done(), "a timeout of 0 to expire")
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v, want context.DeadlineExceeded", ctx.Err())
	}

	ran := make(chan struct{})
	s := &Scheduler{Location: shanghai, Jobs: []Job{{Name: "report", Spec: "0 8 1 * *",
		LastRun: func(context.Context) (t time.Time, ok bool, err error) { return },
		Run:     func(context.Context) error { close(ran); return nil }}}}
	r := started(t, s)
	receive(t, ran, "the catch-up run on the real clock")
	if err := r.stop(t); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if st := s.Stats()["report"]; st.Succeeded != 1 || st.LastStart.IsZero() {
		t.Errorf("stats %+v", st)
	}
}

// The fake clock the tests step: timers fire when it reaches them, in order,
// and its timeouts read as deadlines.
func TestFakeClock(t *testing.T) {
	c := newFakeClock(t0)
	late, _ := c.NewTimer(2 * time.Second)
	early, _ := c.NewTimer(time.Second)
	_, stop := c.NewTimer(time.Second)
	if !stop() || stop() {
		t.Error("stop reports wrongly whether the timer was pending")
	}
	ctx, cancel := c.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	c.advance(time.Second)
	if at := receive(t, early, "the 1s timer"); !at.Equal(t0.Add(time.Second)) {
		t.Errorf("the 1s timer fired at %v", at)
	}
	select {
	case <-late:
		t.Error("the 2s timer fired at 1s")
	case <-ctx.Done():
		t.Error("the 1.5s timeout expired at 1s")
	default:
	}
	c.advance(time.Second)
	receive(t, late, "the 2s timer")
	receive(t, ctx.Done(), "the 1.5s timeout")
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v, want context.DeadlineExceeded", ctx.Err())
	}
}
