package schedule

import (
	"maps"
	"slices"
	"sync"

	"github.com/robfig/cron/v3"
)

// Change is what a Reload changed, each list by job name in the order of the
// jobs given (Removed in the order of the jobs before).
type Change struct {
	Added       []string // jobs new to the scheduler
	Removed     []string // jobs no longer given
	Rescheduled []string // jobs kept whose Spec changed
}

// Empty reports whether the Reload added, removed and rescheduled nothing
// (it may still have replaced the jobs' Run funcs).
func (c Change) Empty() bool {
	return len(c.Added)+len(c.Removed)+len(c.Rescheduled) == 0
}

// Reload replaces the scheduler's jobs with jobs, matched by name, while Run
// is in progress or not. It validates them first, as Validate does, and on
// an error changes nothing.
//
// A job kept (the same name) keeps its counters, its guard (it still never
// overlaps itself, even with a run of its former self) and, when its Spec is
// the same, its next activation; its new Spec applies from the reload on,
// and its new Run, LastRun and Timeout from its next run on. A run in
// progress finishes as it began. A job removed is never started again; a
// run of it already queued (Serial) is dropped when its turn comes, one in
// progress finishes (Running lists it meanwhile); its counters leave Stats
// and the status endpoint, and come back should a later Reload add it again. A job added gets the
// catch-up of a start: it runs at once when its LastRun says it missed an
// activation (or never ran). With Serial, old and new jobs share one queue.
// After a stop, Reload only replaces the jobs for the next Run.
func (s *Scheduler) Reload(jobs []Job) (Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	scheds, err := parseJobs(s.Location, jobs)
	if err != nil {
		return Change{}, err
	}
	prev := s.statesLocked()
	known := make(map[string]*jobState, len(prev)+len(s.retired))
	maps.Copy(known, s.retired)
	for _, st := range prev {
		known[st.name] = st
	}
	var ch Change
	states := make([]*jobState, len(jobs))
	var added []*jobState
	var addedScheds []cron.Schedule
	for i, j := range jobs {
		st, ok := known[j.Name]
		switch {
		case !ok || st.removed.Load():
			if !ok {
				st = &jobState{name: j.Name}
			}
			st.removed.Store(false)
			delete(s.retired, j.Name)
			ch.Added = append(ch.Added, j.Name)
			added, addedScheds = append(added, st), append(addedScheds, scheds[i])
		case st.current().Spec != j.Spec:
			ch.Rescheduled = append(ch.Rescheduled, j.Name)
		}
		st.mu.Lock()
		st.job = j
		st.mu.Unlock()
		states[i] = st
	}
	for _, st := range prev {
		if !slices.Contains(states, st) {
			st.removed.Store(true)
			if s.retired == nil {
				s.retired = map[string]*jobState{}
			}
			s.retired[st.name] = st
			ch.Removed = append(ch.Removed, st.name)
		}
	}
	s.Jobs, s.states = slices.Clone(jobs), states
	if r := s.run; r != nil {
		// The loop is alive: it stops only once stopping is closed, under
		// s.mu. Once done is closed the old entries' timer is stopped.
		done := make(chan struct{})
		r.acts.reload <- replacement{entries: s.entries(r.workCtx, states, scheds, r.stopping), done: done}
		<-done
		if len(added) > 0 {
			r.wg.Add(1)
			go func(wg *sync.WaitGroup) {
				defer wg.Done()
				s.catchUp(r.lookupCtx, r.workCtx, r.stopping, added, addedScheds, wg)
			}(r.wg)
		}
	}
	return ch, nil
}
