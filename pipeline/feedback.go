package pipeline

import (
	"context"
	"time"

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
func (r *Runner) writeFeedback(ctx context.Context, w *warehouse.Warehouse, res *Result) {
	q := w.Reader()
	loc := r.Config.Location
	if loc == nil {
		loc = time.Local
	}
	day := r.now().In(loc) // the run's day in the city's time zone
	for i := range res.Counties {
		cr := &res.Counties[i]
		if cr.Files == 0 {
			continue // nothing new was read: nothing new to tell
		}
		c, ok := r.Config.County(cr.Code)
		if !ok {
			continue
		}
		items, err := countyFeedback(ctx, q, cr)
		if err != nil {
			r.log().Warn("could not read the county's feedback", "county", cr.Code, "error", err)
			continue
		}
		if len(items) == 0 {
			continue
		}
		if c.Source.Kind == "dir" {
			ro := r.ReadOptions
			ro.Encoding = c.Source.Encoding
			feedback.Letters(ctx, c.Source.Path, items, ro)
		}
		path, err := feedback.Write(feedback.Dir(r.Config, *c), cr.Code, cr.Name, cr.RunID, day, items)
		if err != nil {
			r.log().Warn("could not write the county's feedback workbook", "county", cr.Code, "error", err)
			continue
		}
		cr.Feedback = path
		r.log().Info("feedback workbook written", "county", cr.Code, "file", path, "rows", len(items))
	}
}

// countyFeedback lists what a county's workbook says: the files refused,
// the failure of its load, and the rejects and findings of its run (none
// when the load failed: nothing of it was kept).
func countyFeedback(ctx context.Context, q feedback.Querier, cr *CountyResult) ([]feedback.Item, error) {
	var items []feedback.Item
	if cr.Status == StatusFailed {
		items = append(items, feedback.Item{Kind: feedback.KindFile, Code: "county_failed", Note: cr.Error})
	}
	for _, s := range cr.Skipped {
		items = append(items, refusedItem(s))
	}
	if cr.RunID != 0 && cr.Status == StatusSucceeded {
		run, err := feedback.Collect(ctx, q, cr.RunID)
		if err != nil {
			return nil, err
		}
		items = append(items, run...)
	}
	feedback.Sort(items)
	return items, nil
}

// refusedItem is the feedback row of a file the listing refused.
func refusedItem(s ingest.Skipped) feedback.Item {
	it := feedback.Item{Kind: feedback.KindFile, File: s.URI, Code: "refused:" + s.Reason}
	if s.Reason == ingest.ReasonUnsupported {
		it.Advice = ingest.ResendAdvice(s.URI) // how to resend this format
	}
	return it
}
