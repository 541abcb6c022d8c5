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
//     bookkeeping (warehouse.Times.Merge; the staged batches a group still
//     held when it commits count as stage, warehouse.Times.Stage);
//   - commit: the COMMIT statements;
//   - checkpoint, publish (warehouse.PublishStats.Seconds);
//   - feedback: reading the counties' rejects and findings for their
//     workbooks, and the wait, after the publish, for the workbooks, which
//     are written alongside the checkpoint and the publish (feedback.go);
//   - other: the rest of wall (settings, runs recorded without a load,
//     rollbacks, the snapshot's run refresh);
//   - wall: the whole run;
//   - overlapped: the part of list, read and normalise done by the reader
//     goroutines (read.go), alongside the merging side's work (summed over
//     them: two readers may each count the same second); where the merging
//     side had nothing to do but wait for them, that shows as wait_read.
//
// So wall = list + read + normalise − overlapped + wait_read + stage + merge
// + commit + checkpoint + publish + feedback + other.
//
// Each is a sum of time.Now differences taken per file, batch or
// statement, never per row, except that read and normalise, which
// alternate row by row, are told apart by timing the reader's gap before
// one row in rowSample (and before a file's first rows): the reader's share
// of a file is those gaps scaled to all of its rows, the normaliser's the
// rest (rowTimer).
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

// rowSample: the reader's time before one row in rowSample is timed.
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
	now     func() time.Time // time.Now; the row timer's and the sink's clock
	start   time.Time
	ns      [nCounters]atomic.Int64
	main    side
	ahead   [readAheadReaders]side // one per reader goroutine
	stepsMu sync.Mutex
	steps   map[string]time.Duration // the merge's, by step (warehouse.Times.Steps)
}

// A side is what one goroutine spent reading: the merging goroutine's (at
// depth 0) or a reader's (ahead).
type side struct {
	list atomic.Int64
	// inRead: time in ingest.Read less the sink's, the reader's and the
	// normaliser's together; read: the reader's part of it (rowTimer);
	// norm: the normaliser's time outside ingest.Read (closing files, the
	// village directory).
	inRead, read, norm atomic.Int64
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

// aheadClock is ctx seen from reader goroutine i (0 ≤ i < readAheadReaders;
// 0 also lists).
func aheadClock(ctx context.Context, i int) context.Context {
	t := phasesOf(ctx)
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, phaseKey{}, &phaseView{c: t.c, s: &t.c.ahead[i], ahead: true})
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
	t.c.ns[cStage].Add(int64(tm.Stage))
	t.c.ns[cMerge].Add(int64(tm.Merge))
	t.c.ns[cCommit].Add(int64(tm.Commit))
	t.c.stepsMu.Lock()
	defer t.c.stepsMu.Unlock()
	for k, d := range tm.Steps {
		t.c.steps[k] += d
	}
}

// A rowTimer tells the reader's time from the normaliser's in one file.
// The reader's is the time before the first row, between two rows and
// after the last; it is timed before each of the file's first exactRows
// rows and before one row in rowSample after them, and the sampled gaps are
// scaled to all of the file's rows. The normaliser's is the rest of the
// file's time (the sink's taken out). The reader's share is the one
// sampled because it is the smaller and the more even from row to row (the
// normaliser's holds header matching, rejects and findings), so its
// sampling error is the smaller in seconds.
type rowTimer struct {
	t         *phaseView
	fileStart time.Time
	fileSink0 int64
	n         int64     // rows the normaliser took so far
	gapStart  time.Time // the end of the last row, when the gap after it is timed
	exact     int64     // the gaps before the first exactRows rows
	sampled   int64     // the sampled gaps after them
	m         int64     // how many sampled
}

// exactRows: the gaps before a file's first rows (opening it, a workbook's
// shared strings, its first sheet) are all timed.
const exactRows = 16

// file starts timing a file's read.
func (t *phaseView) file() *rowTimer {
	if t == nil {
		return nil
	}
	now := t.c.now()
	return &rowTimer{t: t, fileStart: now, gapStart: now, fileSink0: t.s.sink.Load()}
}

// timedGap reports whether the gap before row i is timed, and whether it
// is sampled.
func timedGap(i int64) (timed, sampled bool) {
	if i < exactRows {
		return true, false
	}
	return i%rowSample == 0, true
}

// row is called before the normaliser takes a row.
func (rt *rowTimer) row() {
	if rt == nil {
		return
	}
	timed, sampled := timedGap(rt.n)
	if !timed {
		return
	}
	gap := int64(rt.t.c.now().Sub(rt.gapStart))
	if sampled {
		rt.sampled += gap
		rt.m++
	} else {
		rt.exact += gap
	}
}

// rowDone is called after the normaliser took the row.
func (rt *rowTimer) rowDone() {
	if rt == nil {
		return
	}
	rt.n++
	if timed, _ := timedGap(rt.n); timed {
		rt.gapStart = rt.t.c.now()
	}
}

// done ends the file's read (ingest.Read returned).
func (rt *rowTimer) done() {
	if rt == nil {
		return
	}
	now := rt.t.c.now()
	read := rt.exact
	if timed, _ := timedGap(rt.n); timed { // the gap after the last row was timed
		read += int64(now.Sub(rt.gapStart))
	}
	if rt.m > 0 {
		read += int64(float64(rt.sampled) * float64(rt.n-exactRows) / float64(rt.m))
	}
	rt.t.s.inRead.Add(int64(now.Sub(rt.fileStart)) - (rt.t.s.sink.Load() - rt.fileSink0))
	rt.t.s.read.Add(read)
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
	in, r := s.inRead.Load(), s.read.Load()
	r = max(min(r, in), 0) // a sampling error never makes the normaliser's time negative
	return time.Duration(r), time.Duration(in - r + s.norm.Load()), time.Duration(s.list.Load())
}

// phases are the run's phases in seconds, its publish taking pub.
func (c *phaseClock) phases(pub time.Duration) map[string]float64 {
	wall := time.Since(c.start)
	mr, mn, ml := c.main.reading()
	var ar, an, al time.Duration
	for i := range c.ahead {
		r, n, l := c.ahead[i].reading()
		ar, an, al = ar+r, an+n, al+l
	}
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
