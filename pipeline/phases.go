package pipeline

import (
	"context"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// Where a run's time goes (Result.Phases), in wall seconds:
//
//   - list: listing the sources and hashing their new files;
//   - read: file bytes to raw rows (CSV, JSON and workbook decoding);
//   - normalise: raw rows to record batches (transform), the village
//     directory included;
//   - stage: batches into DuckDB's temporary tables (and creating them);
//   - wait_read: the merging side waiting for the reader;
//   - merge: the merge statements per target table, the findings and the
//     bookkeeping (warehouse.Times.Merge);
//   - commit: the COMMIT statements;
//   - checkpoint, publish (warehouse.PublishStats.Seconds), feedback (the
//     counties' workbooks);
//   - other: the rest of wall (settings, runs recorded without a load,
//     rollbacks, the snapshot's run refresh);
//   - wall: the whole run;
//   - overlapped: the part of list, read and normalise done by the reader
//     goroutine (read.go), alongside the merging side's work; where the
//     merging side had nothing to do but wait for it, that shows as
//     wait_read.
//
// So wall = list + read + normalise − overlapped + wait_read + stage + merge
// + commit + checkpoint + publish + feedback + other.
//
// Each is a sum of time.Now differences taken per file, batch or
// statement, never per row, except that read and normalise, which
// alternate row by row, are told apart by timing one row in rowSample (and
// each file's or sheet's first row): the normaliser's share of a file is
// those rows' time scaled to all of its rows, the reader's the rest.
const (
	PhaseList       = "list"
	PhaseRead       = "read"
	PhaseNormalise  = "normalise"
	PhaseStage      = "stage"
	PhaseWaitRead   = "wait_read"
	PhaseMerge      = "merge"
	PhaseCommit     = "commit"
	PhaseCheckpoint = "checkpoint"
	PhasePublish    = "publish"
	PhaseFeedback   = "feedback"
	PhaseOther      = "other"
	PhaseWall       = "wall"
	PhaseOverlapped = "overlapped"
)

// rowSample: one row in rowSample is timed to tell reading from normalising.
const rowSample = 8

// counter is one of the merging side's phases in a phaseClock.
type counter int

const (
	cStage counter = iota
	cWait
	cMerge
	cCommit
	cCheckpoint
	cFeedback
	nCounters
)

// phaseClock collects a run's phases. Its counters are nanoseconds, added
// to from the merging goroutine and the reader's.
type phaseClock struct {
	now         func() time.Time // time.Now; the row timer's and the sink's clock
	start       time.Time
	ns          [nCounters]atomic.Int64
	main, ahead side
	stepsMu     sync.Mutex
	steps       map[string]time.Duration // the merge's, by step (warehouse.Times.Steps)
}

// A side is what one goroutine spent reading: the merging goroutine's (at
// depth 0) or the reader's (ahead).
type side struct {
	list atomic.Int64
	// inRead: time in ingest.Read less the sink's, the reader's and the
	// normaliser's rows together; rowNorm: the sampled rows' time,
	// scaled; norm: the normaliser's time outside the rows (closing files
	// and sheets, the village directory).
	inRead, rowNorm, norm atomic.Int64
	// sink: time spent in the sink (staging at depth 0, handing batches
	// over ahead), to take out of the normaliser's.
	sink atomic.Int64
}

func newPhaseClock() *phaseClock {
	return &phaseClock{now: time.Now, start: time.Now(), steps: map[string]time.Duration{}}
}

// add adds the time since start to one of the merging side's phases.
func (c *phaseClock) add(k counter, start time.Time) { c.ns[k].Add(since(start)) }

// result is the run's phases in seconds (logged for -v), publish taken
// from the publish's own figure.
func (c *phaseClock) result(pub *warehouse.PublishStats, log *slog.Logger) map[string]float64 {
	var d time.Duration
	if pub != nil {
		d = time.Duration(pub.Seconds * float64(time.Second))
	}
	p := c.phases(d)
	c.logPhases(log, p)
	return p
}

// phaseView is a clock seen from one goroutine.
type phaseView struct {
	c     *phaseClock
	s     *side
	ahead bool
}

type phaseKey struct{}

// withClock gives ctx the run's clock, seen from the merging goroutine.
func withClock(ctx context.Context, c *phaseClock) context.Context {
	return context.WithValue(ctx, phaseKey{}, &phaseView{c: c, s: &c.main})
}

// aheadClock is ctx seen from the reader goroutine.
func aheadClock(ctx context.Context) context.Context {
	t := phasesOf(ctx)
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, phaseKey{}, &phaseView{c: t.c, s: &t.c.ahead, ahead: true})
}

// phasesOf is ctx's view of the run's clock; nil (counting nothing) outside a run.
func phasesOf(ctx context.Context) *phaseView {
	t, _ := ctx.Value(phaseKey{}).(*phaseView)
	return t
}

func since(start time.Time) int64 { return int64(time.Since(start)) }

// add adds the time since start to one of the merging side's phases.
func (t *phaseView) add(c counter, start time.Time) {
	if t != nil {
		t.c.ns[c].Add(since(start))
	}
}

// listed adds the time since start to the side's listing.
func (t *phaseView) listed(start time.Time) {
	if t != nil {
		t.s.list.Add(since(start))
	}
}

// sinkTime is the side's time in its sink so far.
func (t *phaseView) sinkTime() int64 {
	if t == nil {
		return 0
	}
	return t.s.sink.Load()
}

// normalised adds the time since start, less the sink's since sink0, to
// the normaliser's.
func (t *phaseView) normalised(start time.Time, sink0 int64) {
	if t != nil {
		t.s.norm.Add(since(start) - (t.s.sink.Load() - sink0))
	}
}

// committed adds a group's (or a lone load's) commit times.
func (t *phaseView) committed(tm warehouse.Times) {
	if t == nil {
		return
	}
	t.c.ns[cMerge].Add(int64(tm.Merge))
	t.c.ns[cCommit].Add(int64(tm.Commit))
	t.c.stepsMu.Lock()
	defer t.c.stepsMu.Unlock()
	for k, d := range tm.Steps {
		t.c.steps[k] += d
	}
}

// A rowTimer tells the reader's time from the normaliser's in one file.
type rowTimer struct {
	t         *phaseView
	fileStart time.Time
	fileSink0 int64
	sheet     string
	n, m      int64 // rows of the current sheet after its first; of them, timed
	timed     int64 // their time
	sample    bool
	rowStart  time.Time // the sampled row's start
	rowSink0  int64
}

// file starts timing a file's read.
func (t *phaseView) file() *rowTimer {
	if t == nil {
		return nil
	}
	return &rowTimer{t: t, n: -1, fileStart: t.c.now(), fileSink0: t.s.sink.Load()}
}

// row is called before the normaliser takes a row of sheet.
func (rt *rowTimer) row(sheet string) {
	if rt == nil {
		return
	}
	if sheet != rt.sheet {
		rt.flush()
		rt.sheet = sheet
	}
	rt.n++
	// A sheet's first row (mostly its header) and one row in rowSample
	// after it are timed.
	if rt.sample = rt.n == 0 || rt.n%rowSample == 1; rt.sample {
		rt.rowStart, rt.rowSink0 = rt.t.c.now(), rt.t.s.sink.Load()
	}
}

// rowDone is called after the normaliser took the row.
func (rt *rowTimer) rowDone() {
	if rt == nil || !rt.sample {
		return
	}
	d := int64(rt.t.c.now().Sub(rt.rowStart)) - (rt.t.s.sink.Load() - rt.rowSink0)
	if rt.n == 0 {
		rt.t.s.rowNorm.Add(d)
		return
	}
	rt.m++
	rt.timed += d
}

// flush scales the timed rows of the current sheet to all of its rows.
func (rt *rowTimer) flush() {
	if rt.m > 0 {
		rt.t.s.rowNorm.Add(int64(float64(rt.timed) * float64(rt.n) / float64(rt.m)))
	}
	rt.n, rt.m, rt.timed = -1, 0, 0
}

// done ends the file's read (ingest.Read returned).
func (rt *rowTimer) done() {
	if rt == nil {
		return
	}
	rt.flush()
	rt.t.s.inRead.Add(int64(rt.t.c.now().Sub(rt.fileStart)) - (rt.t.s.sink.Load() - rt.fileSink0))
}

// timedSink times what the normaliser hands to its sink: at depth 0 that
// is staging, ahead waiting for room in the channel.
type timedSink struct {
	loadSink
	t *phaseView
}

func (s timedSink) Write(ctx context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	start := s.t.c.now()
	err := s.loadSink.Write(ctx, rt, rec)
	d := int64(s.t.c.now().Sub(start))
	s.t.s.sink.Add(d)
	if !s.t.ahead {
		s.t.c.ns[cStage].Add(d)
	}
	return err
}

// timed wraps sink when ctx has a clock.
func timed(ctx context.Context, sink loadSink) loadSink {
	if t := phasesOf(ctx); t != nil {
		return timedSink{sink, t}
	}
	return sink
}

// reading splits a side's reading time between the reader and the normaliser.
func (s *side) reading() (read, normalise, list time.Duration) {
	in, rows := s.inRead.Load(), s.rowNorm.Load()
	rows = max(min(rows, in), 0) // a sampling error never makes the reader's time negative
	return time.Duration(in - rows), time.Duration(rows + s.norm.Load()), time.Duration(s.list.Load())
}

// phases are the run's phases in seconds, its publish taking pub.
func (c *phaseClock) phases(pub time.Duration) map[string]float64 {
	wall := time.Since(c.start)
	mr, mn, ml := c.main.reading()
	ar, an, al := c.ahead.reading()
	ns := func(c *atomic.Int64) time.Duration { return time.Duration(c.Load()) }
	p := map[string]time.Duration{
		PhaseList: ml + al, PhaseRead: mr + ar, PhaseNormalise: mn + an,
		PhaseStage: ns(&c.ns[cStage]), PhaseWaitRead: ns(&c.ns[cWait]),
		PhaseMerge: ns(&c.ns[cMerge]), PhaseCommit: ns(&c.ns[cCommit]),
		PhaseCheckpoint: ns(&c.ns[cCheckpoint]), PhasePublish: pub,
		PhaseFeedback: ns(&c.ns[cFeedback]), PhaseWall: wall, PhaseOverlapped: ar + an + al,
	}
	p[PhaseOther] = wall - (mr + mn + ml + p[PhaseWaitRead] + p[PhaseStage] + p[PhaseMerge] + p[PhaseCommit] +
		p[PhaseCheckpoint] + p[PhasePublish] + p[PhaseFeedback])
	out := make(map[string]float64, len(p))
	for k, d := range p {
		out[k] = d.Seconds()
	}
	return out
}

// logPhases logs the phases and the merge's steps (-v).
func (c *phaseClock) logPhases(log *slog.Logger, phases map[string]float64) {
	attrs := make([]any, 0, 2*len(phases))
	for _, k := range slices.Sorted(maps.Keys(phases)) {
		attrs = append(attrs, k, phases[k])
	}
	log.Info("run phases (seconds)", attrs...)
	c.stepsMu.Lock()
	steps := make([]any, 0, 2*len(c.steps))
	for _, k := range slices.Sorted(maps.Keys(c.steps)) {
		steps = append(steps, k, c.steps[k].Seconds())
	}
	c.stepsMu.Unlock()
	log.Info("merge steps (seconds)", steps...)
}
