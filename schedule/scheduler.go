// Package schedule is the clock of grassroots serve: it calls the jobs it is
// given on their cron schedules in the city's time zone, never lets a job
// overlap itself (or, when Serial, any other job), runs once on start each job
// that missed an activation while the program was down, takes a new set of
// jobs while it runs (Reload), and stops gracefully.
//
// It knows nothing of what a job does: a job is a name, a cron spec and a
// func(ctx) error. robfig/cron/v3 parses the specs, computes the activations
// and wraps each run in its safety chain; the activation loop (on a Clock that
// tests can step), the guard against overlaps, the panic handling, the
// counters and the catch-up live here.
package schedule

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultGrace is how long running jobs may take after a stop when
// Scheduler.Grace is zero.
const DefaultGrace = 30 * time.Second

// onPanicTimeout bounds the context handed to Scheduler.OnPanic, which is not
// cancelled by a stop (recording the failure should survive the shutdown).
const onPanicTimeout = 10 * time.Second

// Errors returned by Validate, Run, Missed and Next.
var (
	ErrNoLocation     = errors.New("schedule: no time zone")
	ErrBadJob         = errors.New("schedule: bad job")
	ErrBadSpec        = errors.New("schedule: bad cron spec")
	ErrDuplicateJob   = errors.New("schedule: duplicate job name")
	ErrAlreadyRunning = errors.New("schedule: scheduler already running")
	// ErrPanic is recorded (Stats.LastError, the finish log) for a run that panicked.
	ErrPanic = errors.New("schedule: job panicked")
)

// Job is one scheduled piece of work (a county pull, the monthly report, the export).
type Job struct {
	// Name is unique among the scheduler's jobs, e.g. "ingest 140105" or "report".
	Name string
	// Spec is a standard 5-field cron spec or a descriptor (@daily, @every 3s),
	// parsed with cron.ParseStandard and read in the scheduler's Location.
	Spec string
	// Run is the work. Its ctx is cancelled when the grace period after a stop
	// runs out, or after Timeout.
	Run func(ctx context.Context) error
	// LastRun returns when this job last started (from the program's own
	// records, e.g. etl_run), ok=false if never. It is called once at start for
	// the catch-up; nil means the job is never caught up.
	LastRun func(ctx context.Context) (time.Time, bool, error)
	// Timeout, when positive, bounds one run: its ctx is cancelled after this long.
	Timeout time.Duration
}

// JobStats are one job's counters since the scheduler was created.
type JobStats struct {
	Started   int64 // runs started
	Succeeded int64 // runs that returned nil
	Failed    int64 // runs that returned an error or panicked
	Skipped   int64 // activations dropped because the job was still running (or queued)
	// LastStart is when the latest run started (by Scheduler.Clock).
	LastStart time.Time
	// LastDuration is how long the latest finished run took.
	LastDuration time.Duration
	// LastError is the latest finished run's error text, "" if it succeeded.
	LastError string
}

// Finished is one finished run, as Scheduler.OnFinish is told of it.
type Finished struct {
	Job      string        // the job's name
	Start    time.Time     // when the run started, by Scheduler.Clock
	Duration time.Duration // from the start to the return of Job.Run
	Err      error         // Run's error (ErrPanic for a panic), nil on success
}

// Scheduler runs jobs on their schedules in one time zone. Set its fields,
// then call Run; the fields must not change afterwards, but for Jobs, which
// Reload replaces (also while Run is in progress). Running, Stats, Reload and
// Handler may be used from any goroutine.
type Scheduler struct {
	// Location is the city's time zone in which specs are read (cron.WithLocation). Required.
	Location *time.Location
	// Jobs are the work, in order: catch-up runs start in this order. Set
	// it before Run; afterwards only Reload changes it.
	Jobs []Job
	// Logger receives job start/finish lines and the clock's own debug lines; nil = discard.
	Logger *slog.Logger
	// Grace is how long running jobs may take after a stop before their ctx is
	// cancelled; 0 means DefaultGrace, a negative value cancels at once.
	Grace time.Duration
	// OnPanic is called (after recovery) when a job panics, so the caller can
	// record a failed run. Its ctx is not cancelled by a stop but is bounded to
	// 10s. The panic value and stack are logged; job data must not be in them.
	OnPanic func(ctx context.Context, job string, recovered any)
	// OnFinish, when set, is told of every finished run: the job, when the
	// run started and how long it took from its start to the return of the
	// job's Run func (the whole job, by Clock; the same figure as
	// Stats.LastDuration), and its error. It is called before the finish is
	// logged and before the next queued job starts; a panic in it is logged.
	OnFinish func(Finished)
	// Serial: when true, jobs never run at the same time as each other (they
	// queue), in addition to a job never overlapping itself.
	Serial bool
	// Clock tells the time and measures every delay: the activations, the
	// catch-up decision, Stats.LastStart and LastDuration, Grace and a job's
	// Timeout. nil means the real clock; tests step a clock of their own.
	Clock Clock

	mu      sync.Mutex
	states  []*jobState          // built lazily from Jobs, in order
	retired map[string]*jobState // jobs a Reload removed, by name: a run may still hold them
	active  bool                 // Run is in progress
	run     *runState            // while Run takes work: what Reload hands new jobs to
	serialQ chan struct{}
}

// runState is what a Run in progress (until its stop) lends to Reload.
type runState struct {
	acts      *activations
	workCtx   context.Context // the jobs' ctx
	lookupCtx context.Context // the catch-up's LastRun calls' ctx, cancelled at the stop
	stopping  chan struct{}   // closed at the stop, under Scheduler.mu
	wg        *sync.WaitGroup // the catch-up goroutines, which the stop waits for
}

// jobState is the guard and the counters of one job.
type jobState struct {
	name string // the job's name, for the state's life
	// removed: a Reload took the job away; an activation that comes to its
	// turn afterwards does not run it.
	removed atomic.Bool
	// guard is held while the job is queued or running; a failed TryLock is a skip.
	guard sync.Mutex
	// waiting: the job waits for its turn (Serial), behind another.
	waiting atomic.Bool
	// pending counts the catch-up runs of the job (Serial) that are decided
	// but have not taken their place in the queue yet.
	pending atomic.Int32

	mu      sync.Mutex // protects the fields below
	job     Job        // the job as last given (Jobs, or Reload)
	stats   JobStats
	running bool
}

// current returns the job as last given.
func (st *jobState) current() Job {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.job
}

// Validate checks the time zone, that every job has a unique name and a Run
// func, and parses every spec; an error names the job.
func (s *Scheduler) Validate() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := parseJobs(s.Location, s.Jobs)
	return err
}

// parseJobs validates the time zone and the jobs and returns the parsed
// schedule of every job.
func parseJobs(loc *time.Location, jobs []Job) ([]cron.Schedule, error) {
	if loc == nil {
		return nil, ErrNoLocation
	}
	scheds := make([]cron.Schedule, len(jobs))
	seen := make(map[string]bool, len(jobs))
	for i, j := range jobs {
		switch {
		case j.Name == "":
			return nil, fmt.Errorf("%w: job %d has no name", ErrBadJob, i+1)
		case seen[j.Name]:
			return nil, fmt.Errorf("%w: %q", ErrDuplicateJob, j.Name)
		case j.Run == nil:
			return nil, fmt.Errorf("%w: job %q has no Run func", ErrBadJob, j.Name)
		}
		seen[j.Name] = true
		sched, err := parseSpec(j.Spec)
		if err != nil {
			return nil, fmt.Errorf("job %q: %w", j.Name, err)
		}
		scheds[i] = sched
	}
	return scheds, nil
}

// parseSpec parses a standard cron spec or descriptor.
func parseSpec(spec string) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("%w %q: %w", ErrBadSpec, spec, err)
	}
	return sched, nil
}

// Next returns the first activation of spec after the instant after, as read
// in loc, expressed in loc; the zero time if the spec never fires.
func Next(spec string, loc *time.Location, after time.Time) (time.Time, error) {
	if loc == nil {
		return time.Time{}, ErrNoLocation
	}
	sched, err := parseSpec(spec)
	if err != nil {
		return time.Time{}, err
	}
	return sched.Next(after.In(loc)), nil
}

// jobStates returns the per-job state, building it from Jobs on first use.
func (s *Scheduler) jobStates() []*jobState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statesLocked()
}

// statesLocked is jobStates with s.mu held.
func (s *Scheduler) statesLocked() []*jobState {
	if s.states == nil {
		s.states = make([]*jobState, len(s.Jobs))
		for i, j := range s.Jobs {
			s.states[i] = &jobState{name: j.Name, job: j}
		}
	}
	return s.states
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

func (s *Scheduler) clock() Clock {
	if s.Clock == nil {
		return realClock{}
	}
	return s.Clock
}

func (s *Scheduler) grace() time.Duration {
	switch {
	case s.Grace == 0:
		return DefaultGrace
	case s.Grace < 0:
		return 0
	}
	return s.Grace
}

// Run starts the schedules and blocks until ctx is done, then stops taking new
// work, waits up to Grace for running jobs, cancels their ctx if the grace runs
// out, waits for them to return, and returns nil. It returns an error only if
// Validate fails or Run is already in progress.
//
// On start, every job whose LastRun is before its latest activation before now
// (or that never ran) runs once, in the order of Jobs, alongside the normal
// schedule and never overlapping itself. Every job is asked before any runs;
// with Serial, those still to run are in Waiting from then on, so that the
// first of them already knows the burst that follows it.
func (s *Scheduler) Run(ctx context.Context) error {
	// Everything is set up under s.mu, so that a Reload comes before (its
	// jobs are the ones started) or after (the loop takes them).
	s.mu.Lock()
	scheds, err := parseJobs(s.Location, s.Jobs)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if s.active {
		s.mu.Unlock()
		return ErrAlreadyRunning
	}
	s.active = true
	if s.Serial && s.serialQ == nil {
		s.serialQ = make(chan struct{}, 1)
	}
	defer func() {
		s.mu.Lock()
		s.active = false
		s.mu.Unlock()
	}()

	states := s.statesLocked()
	log := s.logger()
	// Jobs run under workCtx, which keeps ctx's values but not its
	// cancellation: a stop gives them Grace before cancelWork.
	workCtx, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stopping := make(chan struct{})

	acts := &activations{clock: s.clock(), loc: s.Location, log: slogCron{log}, reload: make(chan replacement)}
	acts.entries = s.entries(workCtx, states, scheds, stopping)
	loopDone := make(chan struct{})
	go func() {
		defer close(loopDone)
		acts.run(stopping)
	}()

	var wg sync.WaitGroup // catch-up goroutines
	lookupCtx, cancelLookup := context.WithCancel(workCtx)
	defer cancelLookup()
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.catchUp(lookupCtx, workCtx, stopping, states, scheds, &wg)
	}()
	s.run = &runState{acts: acts, workCtx: workCtx, lookupCtx: lookupCtx, stopping: stopping, wg: &wg}
	s.mu.Unlock()

	<-ctx.Done()
	s.mu.Lock() // no Reload from here on: it would add to wg while the stop waits on it
	s.run = nil
	close(stopping)
	s.mu.Unlock()
	cancelLookup()
	done := make(chan struct{})
	go func() {
		<-loopDone
		acts.wait()
		wg.Wait()
		close(done)
	}()
	if running := s.Running(); len(running) > 0 {
		log.Info("stopping: waiting for running jobs", "jobs", running, "grace", s.grace().String())
	}
	graceOver, stopTimer := s.clock().NewTimer(s.grace())
	defer stopTimer()
	select {
	case <-done:
	case <-graceOver:
		if running := s.Running(); len(running) > 0 {
			log.Warn("grace period over: cancelling running jobs", "jobs", running)
		}
		cancelWork()
		<-done
	}
	return nil
}

// entries returns the jobs' entries on the activation loop: each activation
// runs the job through guarded and cronChain, logging through the clock's
// debug lines.
func (s *Scheduler) entries(workCtx context.Context, states []*jobState, scheds []cron.Schedule, stopping <-chan struct{}) []*entry {
	l := slogCron{s.logger()}
	out := make([]*entry, len(states))
	for i, st := range states {
		inner := cronChain(l).Then(cron.FuncJob(func() { s.execute(workCtx, st, "schedule") }))
		out[i] = &entry{id: i + 1, job: st, spec: st.current().Spec, sched: scheds[i], run: func() { s.guarded(st, stopping, inner, nil) }}
	}
	return out
}

// cronChain is robfig/cron's own safety chain, in the order that avoids its
// issue 366: SkipIfStillRunning outermost, Recover innermost, so a panic never
// leaves the skip token taken (v3.0.1 restores it without a defer). The guard
// in guarded sits outside it and the recover in execute inside it, so neither
// wrapper fires in practice; they stay as documented belt and braces.
func cronChain(l cron.Logger) cron.Chain {
	return cron.NewChain(cron.SkipIfStillRunning(l), cron.Recover(l))
}

// guarded runs inner unless the job is already running or queued (a skip),
// waits for its turn when Serial, and starts nothing once stopping is closed.
// placed, if set, is called once the job holds its place (waiting in the
// queue, or running) or is not going to run: the catch-up stops counting
// the job as pending there, so that it never looks idle in between.
func (s *Scheduler) guarded(st *jobState, stopping <-chan struct{}, inner cron.Job, placed func()) {
	place := func() {
		if placed != nil {
			placed()
			placed = nil
		}
	}
	defer place()
	select {
	case <-stopping:
		return
	default:
	}
	if !st.guard.TryLock() {
		st.mu.Lock()
		st.stats.Skipped++
		st.mu.Unlock()
		s.logger().Info("job skipped: still running", "job", st.name)
		return
	}
	defer st.guard.Unlock()
	if s.serialQ != nil {
		st.waiting.Store(true)
		place()
		select {
		case s.serialQ <- struct{}{}:
			st.waiting.Store(false)
			defer func() { <-s.serialQ }()
		case <-stopping:
			st.waiting.Store(false)
			return
		}
		select { // the turn and the stop may have come together
		case <-stopping:
			return
		default:
		}
	}
	place()
	if st.removed.Load() {
		s.logger().Info("job not run: a reload removed it", "job", st.name)
		return
	}
	inner.Run()
}

// Waiting returns the names of the jobs that wait for their turn behind
// another (Serial), in the order of Jobs: those queued, and those that the
// catch-up at start is going to run and has not queued yet.
func (s *Scheduler) Waiting() []string {
	s.mu.Lock()
	states := s.states
	s.mu.Unlock()
	var names []string
	for _, st := range states {
		st.mu.Lock()
		running := st.running // a catch-up run of a job running now is going to be a skip
		st.mu.Unlock()
		if st.waiting.Load() || st.pending.Load() > 0 && !running {
			names = append(names, st.name)
		}
	}
	return names
}

// execute runs the job once, recording it in the stats and the log. A panic
// is recovered, handed to OnPanic and recorded as a failed run.
func (s *Scheduler) execute(workCtx context.Context, st *jobState, trigger string) {
	log := s.logger()
	job := st.current()
	name := st.name
	clock := s.clock()
	start := clock.Now()
	st.mu.Lock()
	st.stats.Started++
	st.stats.LastStart = start
	st.running = true
	st.mu.Unlock()
	log.Info("job started", "job", name, "trigger", trigger)

	runCtx, cancel := context.WithCancel(workCtx)
	if job.Timeout > 0 {
		runCtx, cancel = clock.WithTimeout(workCtx, job.Timeout)
	}
	err := s.call(runCtx, name, job.Run)
	cancel()
	dur := clock.Now().Sub(start)

	st.mu.Lock()
	st.running = false
	st.stats.LastDuration = dur
	if err != nil {
		st.stats.Failed++
		st.stats.LastError = err.Error()
	} else {
		st.stats.Succeeded++
		st.stats.LastError = ""
	}
	st.mu.Unlock()
	s.notifyFinish(Finished{Job: name, Start: start, Duration: dur, Err: err})
	if err != nil {
		log.Error("job finished", "job", name, "duration", dur, "error", err.Error())
		return
	}
	log.Info("job finished", "job", name, "duration", dur)
}

// call runs the job's func, turning a panic into an ErrPanic error after
// logging it and telling OnPanic.
func (s *Scheduler) call(ctx context.Context, name string, run func(context.Context) error) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		s.logger().Error("job panicked", "job", name, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		err = fmt.Errorf("%w: %v", ErrPanic, r)
		s.notifyPanic(ctx, name, r)
	}()
	return run(ctx)
}

// notifyFinish calls OnFinish, surviving a panic in it.
func (s *Scheduler) notifyFinish(f Finished) {
	if s.OnFinish == nil {
		return
	}
	defer func() {
		if r := recover(); r != nil {
			s.logger().Error("OnFinish panicked", "job", f.Job, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	s.OnFinish(f)
}

// notifyPanic calls OnPanic with a ctx that a stop does not cancel, and
// survives a panic in OnPanic itself.
func (s *Scheduler) notifyPanic(ctx context.Context, job string, recovered any) {
	if s.OnPanic == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), onPanicTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			s.logger().Error("OnPanic panicked", "job", job, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
		}
	}()
	s.OnPanic(ctx, job, recovered)
}

// Running reports the names of the jobs running now, in the order of Jobs,
// then those a Reload removed that still run, by name. A job queued behind
// another (Serial) is not running yet.
func (s *Scheduler) Running() []string {
	s.mu.Lock()
	states := slices.Clone(s.statesLocked())
	for _, name := range slices.Sorted(maps.Keys(s.retired)) {
		states = append(states, s.retired[name])
	}
	s.mu.Unlock()
	var names []string
	for _, st := range states {
		st.mu.Lock()
		if st.running {
			names = append(names, st.name)
		}
		st.mu.Unlock()
	}
	return names
}

// Stats returns a copy of every job's counters, by job name.
func (s *Scheduler) Stats() map[string]JobStats {
	states := s.jobStates()
	out := make(map[string]JobStats, len(states))
	for _, st := range states {
		st.mu.Lock()
		out[st.name] = st.stats
		st.mu.Unlock()
	}
	return out
}
