package main

import (
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/schedule"
)

// A county job leaves the publish to a later one while a county job that
// has not run since the last publish waits; a county that comes round again
// within the burst (a schedule shorter than the burst) does not hold it
// back, so a burst of three counties publishes after each ran once, however
// often they are due.
func TestBurstPublishLater(t *testing.T) {
	var queue []string
	b := &burst{
		waiting:  func() []string { return queue },
		counties: map[string]string{"ingest 140105": "140105", "ingest 140106": "140106", "ingest 140107": "140107"},
	}
	steps := []struct {
		run     string
		waiting []string
		later   bool
	}{
		{"ingest 140105", []string{"ingest 140106", "ingest 140107", "report"}, true},
		{"ingest 140106", []string{"ingest 140107", "report", "ingest 140105"}, true}, // 140105 due again: it ran already
		{"ingest 140107", []string{"report", "ingest 140105"}, false},                 // only 140105 again, and the report: publish
		{"ingest 140105", []string{"ingest 140106"}, true},                            // a new burst: 140106 did not run since the publish
		{"ingest 140106", []string{"report"}, false},                                  // the report is no county
		{"ingest 140107", nil, false},                                                 // alone: publishes itself
	}
	for i, s := range steps {
		b.started(s.run)
		queue = s.waiting
		if got := b.publishLater(); got != s.later {
			t.Errorf("step %d: %s with %q waiting: publishLater %v, want %v", i+1, s.run, s.waiting, got, s.later)
		}
	}
}

// runTimes gives each etl_run row the time of the job that wrote it, keeps
// the latest row of each job and county, ignores id 0 (nothing written),
// and keeps at most maxRunTimes rows.
func TestRunTimes(t *testing.T) {
	rt := newRunTimes()
	t0 := time.Date(2026, 12, 5, 2, 0, 0, 0, time.UTC)
	rt.wrote("ingest 140105", "divisions", "", 1)
	rt.wrote("ingest 140105", "ingest", "140105", 2)
	rt.wrote("ingest 140105", "ingest", "140106", 0)
	if _, ok := rt.run(2); ok {
		t.Error("run 2 has a job time before its job finished")
	}
	rt.finished(schedule.Finished{Job: "ingest 140105", Start: t0, Duration: 1500 * time.Millisecond})
	rt.wrote("ingest 140105", "ingest", "140105", 3)
	rt.finished(schedule.Finished{Job: "ingest 140105", Start: t0.Add(time.Hour), Duration: 250 * time.Millisecond})
	rt.finished(schedule.Finished{Job: "report", Start: t0, Duration: time.Second}) // wrote nothing

	for id, want := range map[int64]jobTime{1: {1, t0, 1.5}, 2: {2, t0, 1.5}, 3: {3, t0.Add(time.Hour), 0.25}} {
		if got, ok := rt.run(id); !ok || got != want {
			t.Errorf("run %d: %+v (%v), want %+v", id, got, ok, want)
		}
	}
	latest := rt.latestRuns()
	want := map[runKey]jobTime{{"divisions", ""}: {1, t0, 1.5}, {"ingest", "140105"}: {3, t0.Add(time.Hour), 0.25}}
	if len(latest) != len(want) {
		t.Errorf("latest %+v, want %+v", latest, want)
	}
	for k, w := range want {
		if latest[k] != w {
			t.Errorf("latest %v: %+v, want %+v", k, latest[k], w)
		}
	}

	for id := int64(4); id < 4+maxRunTimes; id++ {
		rt.wrote("export", "export", "", id)
		rt.finished(schedule.Finished{Job: "export", Start: t0, Duration: time.Second})
	}
	if len(rt.byRun) != maxRunTimes {
		t.Errorf("%d run times kept, want %d", len(rt.byRun), maxRunTimes)
	}
	for id, kept := range map[int64]bool{1: false, 3: false, 4: true, 3 + maxRunTimes: true} {
		if _, ok := rt.run(id); ok != kept {
			t.Errorf("run %d kept: %v, want %v", id, ok, kept)
		}
	}
}
