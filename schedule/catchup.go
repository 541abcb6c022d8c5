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
// missed an activation. With Serial the runs happen one after another in this
// goroutine, in order; otherwise each starts in its own goroutine (added to
// wg), in order. lookupCtx is cancelled at a stop; runs use workCtx.
func (s *Scheduler) catchUp(lookupCtx, workCtx context.Context, stopping <-chan struct{}, states []*jobState, scheds []cron.Schedule, wg *sync.WaitGroup) {
	log := s.logger()
	for i, st := range states {
		if st.job.LastRun == nil {
			continue
		}
		select {
		case <-stopping:
			return
		default:
		}
		last, ok, err := lastRun(lookupCtx, st.job)
		if err != nil {
			select {
			case <-stopping:
				return
			default:
			}
			// A pull is idempotent by content: when in doubt, run it.
			log.Warn("catch-up: last run unknown, running now", "job", st.job.Name, "error", err.Error())
			ok = false
		}
		if !missed(scheds[i], s.Location, last, ok, s.clock().Now()) {
			continue
		}
		inner := cronChain(slogCron{log}).Then(cron.FuncJob(func() { s.execute(workCtx, st, "catch-up") }))
		if s.Serial {
			s.guarded(st, stopping, inner)
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.guarded(st, stopping, inner)
		}()
	}
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
