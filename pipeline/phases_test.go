package pipeline

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/synth"
)

// mainSide are the phases that add up to wall, with overlapped taken away.
var mainSide = []string{PhaseList, PhaseRead, PhaseNormalise, PhaseWaitRead, PhaseStage, PhaseMerge, PhaseCommit,
	PhaseCheckpoint, PhasePublish, PhaseFeedback, PhaseOther}

// allPhases are every key a run's phases hold.
var allPhases = append([]string{PhaseWall, PhaseOverlapped}, mainSide...)

// TestRunPhases loads the synthetic city, a county at a time and in groups
// of four, and checks where the run says its time went: every phase there,
// none negative, each that ran positive, the phases that do not overlap no
// more than wall, and wall and publish the run's own figures. A rerun with
// nothing new reads, stages, merges and publishes nothing, and says so.
func TestRunPhases(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	for _, group := range []int{0, 4} {
		t.Run(map[int]string{0: "alone", 4: "groups"}[group], func(t *testing.T) {
			ctx := context.Background()
			gen, err := synth.Generate(ctx, t.TempDir(), synth.Options{Seed: 1})
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := config.Load(gen.ConfigPath)
			if err != nil {
				t.Fatal(err)
			}
			r := &Runner{Config: cfg, GroupCounties: group}
			res, err := r.Run(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.Failed() != 0 || !res.Publish || res.PublishStats == nil {
				t.Fatalf("the load failed or did not publish: %+v", res)
			}
			feedback := 0
			for _, c := range res.Counties {
				if c.Feedback != "" {
					feedback++
				}
			}
			if feedback == 0 {
				t.Fatal("the synthetic city's dirty rows wrote no feedback workbook: the feedback phase is not exercised")
			}
			p := checkPhases(t, res)
			// Everything ran: the divisions list at depth 0 and the
			// counties read ahead.
			for _, k := range allPhases {
				if k != PhaseOther && !(p[k] > 0) {
					t.Errorf("%s = %v, want > 0 after a first load", k, p[k])
				}
			}
			if want := res.PublishStats.Seconds; math.Abs(p[PhasePublish]-want) > 1e-9 {
				t.Errorf("publish = %v, the publish says it took %v", p[PhasePublish], want)
			}
			// The divisions list is read in the merging goroutine, not ahead.
			if ahead, all := p[PhaseOverlapped], p[PhaseList]+p[PhaseRead]+p[PhaseNormalise]; !(ahead < all) {
				t.Errorf("overlapped %v is not below list + read + normalise %v", ahead, all)
			}

			again, err := r.Run(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if again.Publish {
				t.Fatalf("a rerun with nothing new published: %+v", again.PublishStats)
			}
			p = checkPhases(t, again)
			idle := []string{PhaseRead, PhaseNormalise, PhaseCheckpoint, PhasePublish}
			if group == 0 {
				// Alone, a county with nothing new records its run
				// without a transaction; a group still commits its runs.
				idle = append(idle, PhaseStage, PhaseMerge, PhaseCommit)
			}
			for _, k := range idle {
				if p[k] != 0 {
					t.Errorf("rerun with nothing new: %s = %v, want 0", k, p[k])
				}
			}
			if !(p[PhaseList] > 0) {
				t.Errorf("rerun: list = %v, want > 0 (every source is listed)", p[PhaseList])
			}
		})
	}
}

// checkPhases checks what holds for any run's phases and returns them as
// its JSON gives them.
func checkPhases(t *testing.T, res *Result) map[string]float64 {
	t.Helper()
	b, err := json.Marshal(res)
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Seconds float64            `json:"seconds"`
		Phases  map[string]float64 `json:"phases"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	p := out.Phases
	if len(p) != len(allPhases) {
		t.Errorf("phases %v: want exactly %v", p, allPhases)
	}
	var sum float64
	for _, k := range allPhases {
		v, ok := p[k]
		if !ok || v < 0 || math.IsNaN(v) {
			t.Errorf("phase %s = %v (present %v), want a number >= 0", k, v, ok)
		}
	}
	for _, k := range mainSide {
		sum += p[k]
	}
	sum -= p[PhaseOverlapped]
	// other is what is left of wall: the others may not exceed it, and
	// together they account for it.
	if math.Abs(sum-p[PhaseWall]) > 1e-6 {
		t.Errorf("the phases add up to %v s, wall is %v s: %v", sum, p[PhaseWall], p)
	}
	if p[PhaseOverlapped] > p[PhaseList]+p[PhaseRead]+p[PhaseNormalise]+1e-9 {
		t.Errorf("overlapped %v exceeds list + read + normalise: %v", p[PhaseOverlapped], p)
	}
	// wall is taken from the clock's own start, just after the run's: it
	// is at most the run's seconds and close to them.
	if w := p[PhaseWall]; w > out.Seconds+0.05 || w < out.Seconds-0.05 {
		t.Errorf("wall %v s, the run took %v s", w, out.Seconds)
	}
	return p
}

// TestRowTimerSplitsReadFromNormalise times, on a made-up clock, a
// two-sheet file: 2 ms to open it and read its first row, then 300 µs to
// read every other row; 5 ms to normalise each sheet's header row and
// 100 µs each data row (400 and 399 of them); a 20 ms batch handed to the
// sink in a data row of each sheet, and 1 ms after the last row (the
// reader's end of file). Though only one gap in rowSample is timed, the
// reader's time and the normaliser's come out as the sums a person adds up,
// the sink's time in neither; at depth 0 the sink's time is staging, ahead
// it is no phase. The end of file is the reader's when the gap after the
// last row is timed (800 rows), else the normaliser's (801).
func TestRowTimerSplitsReadFromNormalise(t *testing.T) {
	for _, sheets := range [][]int{{400, 398}, {400, 399}} { // data rows after each header
		for _, ahead := range []bool{false, true} {
			rowTimerCase(t, sheets, ahead)
		}
	}
}

func rowTimerCase(t *testing.T, sheets []int, ahead bool) {
	const (
		open, readRow, eof = 2 * time.Millisecond, 300 * time.Microsecond, time.Millisecond
		headNorm, normRow  = 5 * time.Millisecond, 100 * time.Microsecond
		write              = 20 * time.Millisecond
	)
	rows := 0
	wantNorm := time.Duration(0)
	for _, n := range sheets {
		rows += 1 + n
		wantNorm += headNorm + time.Duration(n)*normRow
	}
	wantRead := open + time.Duration(rows-1)*readRow + eof
	if rows%rowSample != 0 {
		wantRead, wantNorm = wantRead-eof, wantNorm+eof
	}
	c := newPhaseClock()
	at := time.Date(2022, 7, 21, 0, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return at }
	tick := func(d time.Duration) { at = at.Add(d) }
	ctx := withClock(context.Background(), c)
	if ahead {
		ctx = aheadClock(ctx, 1) // the second reader's
	}
	sink := timed(ctx, tickSink{tick: func() { tick(write) }})
	rt := phasesOf(ctx).file()
	first := true
	for _, n := range sheets {
		for i := 0; i <= n; i++ {
			if first {
				tick(open)
				first = false
			} else {
				tick(readRow)
			}
			rt.row()
			if i == 0 {
				tick(headNorm)
			} else {
				tick(normRow)
			}
			if i == 201 { // this row fills a batch
				if err := sink.Write(ctx, canon.Ledger, nil); err != nil {
					t.Fatal(err)
				}
			}
			rt.rowDone()
		}
	}
	tick(eof)
	rt.done()
	sides := []*side{&c.main, &c.ahead[0], &c.ahead[1]}
	mine := 0
	if ahead {
		mine = 2
	}
	read, norm, _ := sides[mine].reading()
	if read != wantRead || norm != wantNorm {
		t.Errorf("%d rows, ahead %v: read %v, normalise %v; want %v and %v", rows, ahead, read, norm, wantRead, wantNorm)
	}
	for i, other := range sides {
		if r, n, l := other.reading(); i != mine && (r != 0 || n != 0 || l != 0) {
			t.Errorf("ahead %v: goroutine side %d has %v %v %v", ahead, i, r, n, l)
		}
	}
	wantStage := 2 * write // one batch in each sheet
	if ahead {
		wantStage = 0
	}
	if got := time.Duration(c.ns[cStage].Load()); got != wantStage {
		t.Errorf("ahead %v: stage %v, want %v", ahead, got, wantStage)
	}
}

// tickSink is a sink whose Write moves a made-up clock on.
type tickSink struct{ tick func() }

func (s tickSink) Write(context.Context, canon.RecordType, arrow.RecordBatch) error {
	s.tick()
	return nil
}
func (tickSink) AddFile(string, string, []string) {}
