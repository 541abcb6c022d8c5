// Package pipeline runs loads from end to end: a county's source, the
// readers, the normaliser and the warehouse, then the published snapshot.
// The same code serves `run`, `serve` and `demo`.
//
// A run (Runner.RunOn) loads the divisions list, then the counties, then
// checkpoints and publishes. Its parts: source.go builds each county's
// ingest.Source (drop folder or HTTP); read.go lists a source and reads its
// new files as a reading, ahead of the merge or at depth 0; load.go is the
// one load path, a reading staged and committed in one transaction; group.go
// commits many counties' loads in one transaction in large runs; phases.go
// times where a run's time goes (Result.Phases).
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// Statuses of a county in a Result, beyond the etl_run statuses.
const (
	StatusSucceeded = warehouse.StatusSucceeded
	StatusFailed    = warehouse.StatusFailed
	StatusNoNewData = warehouse.StatusNoNewData
	StatusUnchanged = "unchanged" // divisions list: nothing new, no run recorded
)

// ErrUnknownCounty is returned for a --county code the config does not have.
var ErrUnknownCounty = errors.New("pipeline: county not in the configuration")

// Event reports progress to an optional observer.
type Event struct {
	County string // county code, or "divisions"
	File   string // the file being read ("" when a county starts or ends)
	Rows   int64  // rows read so far in this county
	Done   bool   // the county finished
}

// Runner runs loads for one configuration.
type Runner struct {
	Config   *config.Config
	Logger   *slog.Logger      // nil: discard
	Progress func(Event)       // nil: none
	Now      func() time.Time  // nil: time.Now
	Options  warehouse.Options // DuckDB settings; defaults from Config.DuckDB
	// ReadOptions are used for every file read; zero fields take the
	// ingest defaults (DefaultMaxRowBytes, DefaultMaxUnzipBytes). Encoding
	// is each source's own, from the configuration.
	ReadOptions ingest.ReadOptions
	// GroupCounties, when positive, is how many counties one transaction
	// holds (group.go); zero groups only runs of more than 16 counties.
	GroupCounties int
	// PublishLater, when set and true as a run would publish, leaves the
	// snapshot to a later run: the daemon sets it while more county jobs
	// queue behind this one, so that a burst of jobs publishes once, at its
	// end, rather than after each county (a national snapshot takes seconds
	// to rebuild). The snapshot then lags the warehouse, which the next run
	// notices (SnapshotCurrent) and publishes even with nothing to load.
	PublishLater func() bool
	// FullPublish rebuilds the snapshot from nothing, even when nothing is
	// new, rather than applying the new runs to a copy of it (run
	// --full-publish).
	FullPublish bool

	progressMu sync.Mutex // Progress is called from the reading and the merging goroutine

	hashesMu sync.Mutex
	hashes   *ingest.HashCache // the drop folders' hash cache, beside the warehouse
}

// CountyResult is what one county's run did.
type CountyResult struct {
	Code       string           `json:"county_code"`
	Name       string           `json:"county_name"`
	Status     string           `json:"status"`
	RunID      int64            `json:"run_id,omitempty"`
	Files      int              `json:"files_new"`
	Seen       int              `json:"files_seen_before"`
	Unsettled  int              `json:"files_unsettled"`
	Skipped    []ingest.Skipped `json:"files_refused,omitempty"`
	RowsIn     int64            `json:"rows_in"`
	Loaded     int64            `json:"rows_loaded"`
	Unchanged  int64            `json:"rows_unchanged"`
	Duplicates int64            `json:"rows_duplicate"`
	Rejected   int64            `json:"rows_rejected"`
	Findings   int64            `json:"findings"`
	Rejects    map[string]int64 `json:"rejects_by_reason,omitempty"`
	FindingsBy map[string]int64 `json:"findings_by_code,omitempty"`
	Changed    map[string]int64 `json:"rows_changed_by_table,omitempty"`
	Error      string           `json:"error,omitempty"`
	Seconds    float64          `json:"seconds"`
	// Feedback is the feedback workbook written for the county (feedback.go).
	Feedback string `json:"feedback_file,omitempty"`
}

// Result is what a Run did.
type Result struct {
	Warehouse string `json:"warehouse"`
	Published string `json:"published"`
	Publish   bool   `json:"published_now"`
	// PublishStats says how the snapshot was published (when Publish).
	PublishStats *warehouse.PublishStats `json:"publish,omitempty"`
	// RunsRefreshed: nothing new was published, but the snapshot's etl_run
	// was brought up to date with this run's pulls (RefreshSnapshotRuns).
	RunsRefreshed bool           `json:"snapshot_runs_refreshed"`
	Divisions     CountyResult   `json:"divisions"`
	Counties      []CountyResult `json:"counties"`
	Seconds       float64        `json:"seconds"`
	// Phases are where the run's time went, in wall seconds (phases.go).
	Phases map[string]float64 `json:"phases"`
}

// Failed counts the counties (and the divisions list) that failed.
func (r *Result) Failed() int {
	n := 0
	if r.Divisions.Status == StatusFailed {
		n++
	}
	for _, c := range r.Counties {
		if c.Status == StatusFailed {
			n++
		}
	}
	return n
}

func (r *Runner) log() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func (r *Runner) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Runner) progress(e Event) {
	if r.Progress != nil {
		r.progressMu.Lock()
		defer r.progressMu.Unlock()
		r.Progress(e)
	}
}

// Run loads the divisions list when it changed, then every county (or those
// named), each in its own transaction, then publishes the snapshot when
// anything was loaded. A failing county is recorded and the others go on;
// the error returned is for failures of the whole run (the warehouse cannot
// be opened, the snapshot cannot be published).
func (r *Runner) Run(ctx context.Context, counties []string) (*Result, error) {
	if err := r.checkCounties(counties); err != nil {
		return nil, err
	}
	w, err := r.Open(ctx)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	return r.RunOn(ctx, w, counties)
}

// checkCounties refuses codes the configuration does not have.
func (r *Runner) checkCounties(counties []string) error {
	for _, c := range counties {
		if _, ok := r.Config.County(c); !ok {
			return fmt.Errorf("%w: %s", ErrUnknownCounty, c)
		}
	}
	return nil
}

// Open opens the configured warehouse with the runner's DuckDB settings
// (taking the writer's lock, applying migrations).
func (r *Runner) Open(ctx context.Context) (*warehouse.Warehouse, error) {
	cfg := r.Config
	opts := r.Options
	if opts.MemoryLimit == "" {
		opts.MemoryLimit = cfg.DuckDB.LoadMemoryLimit()
	}
	if opts.Threads == 0 {
		opts.Threads = cfg.DuckDB.Threads
	}
	if opts.Logger == nil {
		opts.Logger = r.Logger
	}
	if opts.PII == nil {
		// Loads write names, ID numbers and phones: never without their key.
		secret, err := cfg.PIIKey()
		if err != nil {
			return nil, err
		}
		if opts.PII, err = piicrypt.New(secret); err != nil {
			return nil, err
		}
	}
	return warehouse.Open(ctx, cfg.Warehouse, opts)
}

// RunOn is Run on a warehouse the caller holds open (the daemon keeps one for
// its whole life).
func (r *Runner) RunOn(ctx context.Context, w *warehouse.Warehouse, counties []string) (*Result, error) {
	cfg := r.Config
	if err := r.checkCounties(counties); err != nil {
		return nil, err
	}
	personKey, err := cfg.Key()
	if err != nil {
		return nil, err
	}
	if w.PII() == nil {
		return nil, fmt.Errorf("pipeline: the warehouse was opened without the personal-data key: %w", config.ErrNoPIIKey)
	}
	key := keyring{person: personKey, pii: w.PII()}
	start := time.Now()
	clock := newPhaseClock()
	ctx = withClock(ctx, clock)
	res := &Result{Warehouse: cfg.Warehouse, Published: cfg.Published}
	settingsChanged, err := w.SetSettings(ctx, Settings(cfg))
	if err != nil {
		return nil, err
	}

	res.Divisions = r.loadDivisions(ctx, w)
	wait := func() {} // for the feedback workbooks
	changed := settingsChanged || res.Divisions.Status == StatusSucceeded
	if res.Divisions.Status != StatusFailed {
		res.Counties = r.loadCounties(ctx, w, counties, key)
		for _, cr := range res.Counties {
			changed = changed || cr.Status == StatusSucceeded
		}
		feedback := time.Now()
		// The workbooks are written alongside the checkpoint and the
		// publish; the time waited for them after those counts as feedback.
		wait = sync.OnceFunc(r.writeFeedback(context.WithoutCancel(ctx), w, res))
		defer wait() // on the error returns
		clock.add(cFeedback, feedback)
	}
	r.saveHashes()
	if changed {
		checkpoint := time.Now()
		if err := w.Checkpoint(context.WithoutCancel(ctx)); err != nil {
			return res, err
		}
		clock.add(cCheckpoint, checkpoint)
	}
	// The snapshot is also rebuilt when it lags behind the warehouse (a
	// process killed between a commit and the rename left it so).
	stale := changed || r.FullPublish || !w.SnapshotCurrent(context.WithoutCancel(ctx), cfg.Published)
	switch {
	case stale && r.PublishLater != nil && r.PublishLater():
		r.log().Info("publish left to a later run: more jobs are queued")
	case stale:
		// Publishing is not cut short by a stop: a half-built snapshot is
		// never renamed into place anyway, and a complete one should be.
		st, err := w.PublishWith(context.WithoutCancel(ctx), cfg.Published, r.FullPublish)
		if err != nil {
			return res, err
		}
		res.Publish, res.PublishStats = true, &st
		r.log().Info("snapshot published", "mode", st.Mode, "reason", st.Reason, "runs", st.Runs, "seconds", st.Seconds)
	case r.PublishLater != nil && r.PublishLater():
		// Nothing new, more jobs queued: the last of them brings the
		// snapshot's etl_run up to date once.
	default:
		// Nothing new: the snapshot's data are current, but its etl_run
		// must show this run's pulls, or source_freshness() read from it
		// would call the counties pulled fine stale.
		refreshed, err := w.RefreshSnapshotRuns(context.WithoutCancel(ctx), cfg.Published)
		if err != nil {
			return res, err
		}
		res.RunsRefreshed = refreshed
	}
	waited := time.Now()
	wait()
	clock.add(cFeedback, waited)
	res.Seconds = time.Since(start).Seconds()
	res.Phases = clock.result(res.PublishStats, r.log())
	return res, nil
}

// Settings are what the metric macros read from etl_setting.
func Settings(cfg *config.Config) map[string]string {
	return map[string]string{
		"city_code":         cfg.City.Code,
		"city_name":         cfg.City.Name,
		"timezone":          cfg.Timezone,
		"stale_after_hours": strconv.FormatFloat(cfg.StaleAfter.Hours(), 'f', -1, 64),
	}
}
