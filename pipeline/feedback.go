package pipeline

import (
	"context"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/feedback"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// writeFeedback writes, after the counties' loads, the feedback workbook
// (问题清单) of every county whose files this run read: its rejects and
// findings of this run, the files it refused and, when its load failed,
// the reason. A county with nothing new, or whose run left nothing to say,
// gets none. A workbook that cannot be written is logged and never fails
// the run; each one written is named in its CountyResult.Feedback.
//
// The warehouse is read here, in two statements for all the counties; the
// workbooks (the column letters read from the county's files, then the
// .xlsx) are written on goroutines of their own, so that they run
// alongside the checkpoint and the publish: wait, which must be called
// before res.Counties is read again, waits for them.
func (r *Runner) writeFeedback(ctx context.Context, w *warehouse.Warehouse, res *Result) (wait func()) {
	loc := r.Config.Location
	if loc == nil {
		loc = time.Local
	}
	day := r.now().In(loc) // the run's day in the city's time zone
	type job struct {
		cr    *CountyResult
		c     *config.County
		items []feedback.Item
	}
	var runs []int64
	for i := range res.Counties {
		if cr := &res.Counties[i]; cr.Files > 0 && cr.RunID != 0 && cr.Status == StatusSucceeded {
			runs = append(runs, cr.RunID)
		}
	}
	byRun, err := feedback.CollectRuns(ctx, w.Reader(), runs)
	if err != nil {
		r.log().Warn("could not read the counties' feedback", "error", err)
	}
	var jobs []job
	for i := range res.Counties {
		cr := &res.Counties[i]
		if cr.Files == 0 {
			continue // nothing new was read: nothing new to tell
		}
		c, ok := r.Config.County(cr.Code)
		if !ok {
			continue
		}
		if err != nil && cr.RunID != 0 && cr.Status == StatusSucceeded {
			continue // its rejects and findings could not be read
		}
		items := countyFeedback(cr, byRun[cr.RunID])
		if len(items) == 0 {
			continue
		}
		jobs = append(jobs, job{cr, c, items})
	}
	// The folders are made here, not on the writers: the warehouse narrows
	// the process's umask while it writes (the publish included), which
	// would make a folder made meanwhile 0700 instead of feedback.DirMode.
	// (The workbooks' mode is set explicitly.) Write reports a failure.
	for _, j := range jobs {
		os.MkdirAll(feedback.Dir(r.Config, *j.c), feedback.DirMode)
	}
	next := make(chan job)
	var wg sync.WaitGroup
	for range min(len(jobs), runtime.GOMAXPROCS(0), 4) {
		wg.Go(func() {
			for j := range next {
				if j.c.Source.Kind == "dir" {
					ro := r.ReadOptions
					ro.Encoding = j.c.Source.Encoding
					feedback.Letters(ctx, j.c.Source.Path, j.items, ro)
				}
				path, err := feedback.Write(feedback.Dir(r.Config, *j.c), j.cr.Code, j.cr.Name, j.cr.RunID, day, j.items)
				if err != nil {
					r.log().Warn("could not write the county's feedback workbook", "county", j.cr.Code, "error", err)
					continue
				}
				j.cr.Feedback = path
				r.log().Info("feedback workbook written", "county", j.cr.Code, "file", path, "rows", len(j.items))
			}
		})
	}
	go func() {
		for _, j := range jobs {
			next <- j
		}
		close(next)
	}()
	return wg.Wait
}

// countyFeedback lists what a county's workbook says: the files refused,
// the failure of its load, and the rejects and findings of its run (run;
// none when the load failed: nothing of it was kept).
func countyFeedback(cr *CountyResult, run []feedback.Item) []feedback.Item {
	var items []feedback.Item
	if cr.Status == StatusFailed {
		items = append(items, feedback.Item{Kind: feedback.KindFile, Code: "county_failed", Note: cr.Error})
	}
	for _, s := range cr.Skipped {
		items = append(items, refusedItem(s))
	}
	if cr.RunID != 0 && cr.Status == StatusSucceeded {
		items = append(items, run...)
	}
	feedback.Sort(items)
	return items
}

// refusedItem is the feedback row of a file the listing refused.
func refusedItem(s ingest.Skipped) feedback.Item {
	it := feedback.Item{Kind: feedback.KindFile, File: s.URI, Code: "refused:" + s.Reason}
	if s.Reason == ingest.ReasonUnsupported {
		it.Advice = ingest.ResendAdvice(s.URI) // how to resend this format
	}
	return it
}
