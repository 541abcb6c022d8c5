package schedule

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// Missed reports whether a job with this spec, last run at last (ok=false:
// never), missed an activation before now: true when it never ran, or when
// the first activation after last, read in loc, is at or before now. An
// activation exactly at now counts as missed, since a clock started at now
// only fires after now.
func Missed(spec string, loc *time.Location, last time.Time, ok bool, now time.Time) (bool, error) {
	if loc == nil {
		return false, ErrNoLocation
	}
	sched, err := parseSpec(spec)
	if err != nil {
		return false, err
	}
	return missed(sched, loc, last, ok, now), nil
}

func missed(sched cron.Schedule, loc *time.Location, last time.Time, ok bool, now time.Time) bool {
	if !ok {
		return true
	}
	next := sched.Next(last.In(loc))
	return !next.IsZero() && !next.After(now)
}

// catchUp asks every job in order when it last ran and starts those that
// missed an activation, once every job has been asked. With Serial the runs
// happen one after another in this goroutine, in order, and every job still
// to run counts as waiting (Waiting) from the moment the lookups end until it
// takes its place in the queue: the first job of the burst already sees the
// last one waiting. Otherwise each starts in its own goroutine (added to wg),
// in order. lookupCtx is cancelled at a stop; runs use workCtx.
func (s *Scheduler) catchUp(lookupCtx, workCtx context.Context, stopping <-chan struct{}, states []*jobState, scheds []cron.Schedule, wg *sync.WaitGroup) {
	log := s.logger()
	due := s.missedJobs(lookupCtx, stopping, states, scheds)
	if due == nil {
		return
	}
	if s.Serial {
		for _, st := range due {
			st.pending.Add(1)
		}
	}
	for _, st := range due {
		inner := cronChain(slogCron{log}).Then(cron.FuncJob(func() { s.execute(workCtx, st, "catch-up") }))
		if s.Serial {
			s.guarded(st, stopping, inner, func() { st.pending.Add(-1) })
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.guarded(st, stopping, inner, nil)
		}()
	}
}

// missedJobs asks every job with a LastRun, in order, when it last ran and
// returns those that missed an activation; nil after a stop.
func (s *Scheduler) missedJobs(lookupCtx context.Context, stopping <-chan struct{}, states []*jobState, scheds []cron.Schedule) []*jobState {
	log := s.logger()
	due := []*jobState{}
	for i, st := range states {
		job := st.current()
		if job.LastRun == nil {
			continue
		}
		select {
		case <-stopping:
			return nil
		default:
		}
		last, ok, err := lastRun(lookupCtx, job)
		if err != nil {
			select {
			case <-stopping:
				return nil
			default:
			}
			// A pull is idempotent by content: when in doubt, run it.
			log.Warn("catch-up: last run unknown, running now", "job", st.name, "error", err.Error())
			ok = false
		}
		if missed(scheds[i], s.Location, last, ok, s.clock().Now()) {
			due = append(due, st)
		}
	}
	return due
}

// lastRun asks the job when it last ran, turning a panic into an error.
func lastRun(ctx context.Context, j Job) (last time.Time, ok bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			last, ok, err = time.Time{}, false, fmt.Errorf("%w: LastRun: %v", ErrPanic, r)
		}
	}()
	return j.LastRun(ctx)
}
