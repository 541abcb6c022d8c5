package pipeline

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"slices"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/transform"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// The one load path. A county's (or the divisions list's) new files reach
// its load as a reading (read.go), read ahead or at depth 0. A county loads
// alone, in its own transaction (loadAlone; in the warehouse a group of
// one, warehouse.Begin), or in a run of more than 16 counties with others
// in one transaction (group.go). Either way its batches are written by
// writeAhead or the normaliser, what is left is released by
// reading.release, a panic is recovered by recovered and the end logged by
// finished. What a lone load does apart is bookkeeping: a listing that
// fails or holds nothing new records its run without a transaction, and a
// failed commit fails the county alone (a group's is retried county by
// county).

// loadCounties loads the run's counties (all, or those named), reading the
// next while one merges, alone or in groups (groupSize).
func (r *Runner) loadCounties(ctx context.Context, w *warehouse.Warehouse, named []string, key keyring) []CountyResult {
	villages := &lazyDirectory{build: func() (*transform.Directory, error) { return r.directory(ctx, w) }}
	var todo []*config.County
	for i := range r.Config.Counties {
		if c := &r.Config.Counties[i]; len(named) == 0 || slices.Contains(named, c.Code) {
			todo = append(todo, c)
		}
	}
	rctx, stopReading := context.WithCancel(ctx)
	ahead := r.readAhead(rctx, w, todo, villages, key)
	gr := &group{r: r, w: w, villages: villages, key: key}
	size := r.groupSize(len(todo))
	var out []CountyResult
	t := phasesOf(ctx)
	for _, c := range todo {
		waiting := time.Now()
		p, ok := <-ahead
		t.add(cWait, waiting)
		if !ok {
			break
		}
		switch {
		case p == nil: // an HTTP county: listed and read now, alone
			out = append(out, gr.commit(ctx)...)
			out = append(out, r.loadCounty(ctx, w, c, villages, key))
		case size > 1:
			out = append(out, gr.take(ctx, p, size)...)
		default:
			out = append(out, r.loadAlone(ctx, w, warehouse.JobIngest, p, nil))
		}
		if ctx.Err() != nil {
			break
		}
	}
	out = append(out, gr.commit(ctx)...)
	stopReading()
	for p := range ahead { // a county read ahead of a stop is not loaded
		p.release()
	}
	return out
}

// loadCounty loads one county alone, listed and read now (at depth 0).
func (r *Runner) loadCounty(ctx context.Context, w *warehouse.Warehouse, c *config.County, villages *lazyDirectory, key keyring) CountyResult {
	d, err := villages.get(ctx)
	var src ingest.Source
	if err == nil {
		src, err = r.countySource(ctx, w, c)
	}
	if err != nil {
		res := CountyResult{Code: c.Code, Name: c.Name, Status: StatusFailed, Error: err.Error()}
		if id, rerr := w.RecordRun(ctx, warehouse.JobIngest, c.Code, StatusFailed, err.Error()); rerr == nil {
			res.RunID = id
		}
		return res
	}
	p := &reading{county: c, src: src, encoding: c.Source.Encoding, opts: countyOptions(c, key, d)}
	p.lst = r.list(ctx, w, c.Code, src, nil)
	return r.loadAlone(ctx, w, warehouse.JobIngest, p, nil)
}

// loadDivisions loads the city's village list when it is new, or when the
// configured counties differ from dim_county.
func (r *Runner) loadDivisions(ctx context.Context, w *warehouse.Warehouse) CountyResult {
	cfg := r.Config
	counties := make([]warehouse.County, len(cfg.Counties))
	for i, c := range cfg.Counties {
		counties[i] = warehouse.County{Code: c.Code, Name: c.Name, Region: c.Region}
	}
	if _, err := os.Stat(cfg.Divisions.Path); err != nil {
		// Without the village list no row can be resolved: nothing loads.
		return CountyResult{Name: "村社区名录 divisions", Status: StatusFailed,
			Error: fmt.Sprintf("the divisions file (the city's list of villages) cannot be read: %v", err)}
	}
	src := DivisionsSource(cfg)
	p := &reading{src: src, encoding: cfg.Divisions.Encoding, opts: transform.Options{Divisions: true}}
	p.lst = r.list(ctx, w, "", src, nil)
	res := r.loadAlone(ctx, w, warehouse.JobDivisions, p, counties)
	res.Code, res.Name = "", "村社区名录 divisions"
	return res
}

// loadAlone loads a reading in its own transaction; counties, for the
// divisions job, are staged for dim_county.
func (r *Runner) loadAlone(ctx context.Context, w *warehouse.Warehouse, job string, p *reading, counties []warehouse.County) CountyResult {
	defer p.release()
	res := r.loadListed(ctx, w, job, p, counties)
	if p.county != nil {
		res.Name = p.county.Name
	}
	return res
}

// loadListed loads the files of a reading's listing in one transaction.
func (r *Runner) loadListed(ctx context.Context, w *warehouse.Warehouse, job string, p *reading, counties []warehouse.County) (res CountyResult) {
	start := time.Now()
	county := p.code()
	res = CountyResult{Code: county}
	log := r.log().With("county", p.label())
	defer r.finished(p.label(), &res, start)
	fail := func(err error) CountyResult {
		res.Status, res.Error = StatusFailed, err.Error()
		return res
	}

	st, isStateful := p.src.(ingest.StatefulSource)
	if isStateful {
		defer st.Close()
	}
	lst := p.lst
	res.Skipped, res.Unsettled, res.Seen = lst.skipped, lst.unsettled, lst.seen
	if lst.err != nil {
		if id, rerr := w.RecordRun(ctx, job, county, StatusFailed, lst.err.Error()); rerr == nil {
			res.RunID = id
		}
		return fail(lst.err)
	}
	if lst.fatal != nil {
		return fail(lst.fatal)
	}
	res.Files = len(lst.todo)
	// A stateful source goes through a load even with nothing new, so that
	// its state (cursor, validators) is stored with the run's commit.
	if len(lst.todo) == 0 && !isStateful && (job != warehouse.JobDivisions || !r.countiesChanged(ctx, w, counties)) {
		if job == warehouse.JobDivisions {
			res.Status = StatusUnchanged
			return res
		}
		id, err := w.RecordRun(ctx, job, county, StatusNoNewData, "")
		if err != nil {
			return fail(err)
		}
		res.Status, res.RunID = StatusNoNewData, id
		return res
	}

	beginning := time.Now()
	l, err := w.Begin(ctx, job, county)
	phasesOf(ctx).add(cStage, beginning)
	if err != nil {
		return fail(err)
	}
	res.RunID = l.RunID()
	if isStateful {
		l.SetSourceState(st.NewState())
		l.SetPartial(st.Partial())
	}
	failing, lerr := r.stageAndCommit(ctx, l, p, counties, &res)
	if lerr != nil {
		if rerr := l.Rollback(context.WithoutCancel(ctx), lerr); rerr != nil {
			lerr = errors.Join(lerr, rerr)
		}
		if failing != nil {
			if err := p.src.Failed(ctx, *failing, lerr.Error()); err != nil {
				log.Warn("could not move the failed file aside", "file", failing.URI, "error", err)
			}
		}
		return fail(lerr)
	}
	for _, f := range lst.todo {
		if p.unread[f.URI] {
			continue // not read as any record type: left for the next run
		}
		if err := p.src.Done(ctx, f); err != nil {
			log.Warn("could not archive a loaded file", "file", f.URI, "error", err)
		}
	}
	res.Status = StatusSucceeded
	if len(lst.todo) == 0 && job == warehouse.JobIngest {
		res.Status = StatusNoNewData
	}
	return res
}

// stageAndCommit stages the reading's files into the load and commits it.
// It returns the file that failed, if one did.
func (r *Runner) stageAndCommit(ctx context.Context, l *warehouse.Load, p *reading, counties []warehouse.County,
	res *CountyResult) (failing *ingest.File, err error) {
	defer r.recovered(res.Code, &err)
	t := phasesOf(ctx)
	if counties != nil {
		staging := time.Now()
		err := l.StageCounties(ctx, counties)
		t.add(cStage, staging)
		if err != nil {
			return nil, err
		}
	}
	failing, st, err := r.stage(ctx, p, l)
	if err != nil {
		return failing, err
	}
	markSupplements(l, st)
	cres, err := l.Commit(ctx, warehouse.Counts{RowsIn: st.RowsIn, Duplicates: st.Duplicates, Rejected: st.Rejected})
	t.committed(l.Times())
	if err != nil {
		return nil, err
	}
	res.RowsIn, res.Loaded, res.Unchanged = cres.RowsIn, cres.Loaded, cres.Unchanged
	res.Duplicates, res.Rejected, res.Findings = cres.Duplicates, cres.Rejected, cres.Findings
	res.Rejects, res.FindingsBy, res.Changed = st.Rejects, cres.FindingsBy, cres.Changed
	return nil, nil
}

// markSupplements marks a load partial when every ledger sheet or file it
// staged rows from is a supplement (补充, 新增, 增补 or supplement in its
// name): such a load never raises vanished_from_ledger. A load with a full
// ledger beside a supplement stays full, and is checked against both.
func markSupplements(l *warehouse.Load, st transform.Stats) {
	if st.SupplementsOnly() {
		l.SetPartial(true)
	}
}

// recovered, deferred, turns a panic in a load (or its reader) into an
// error, with the stack logged.
func (r *Runner) recovered(county string, err *error) {
	if p := recover(); p != nil {
		r.log().Error("panic in load", "county", county, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		*err = fmt.Errorf("pipeline: internal error while loading %s: %v", county, p)
	}
}

// finished ends a load: its time, the observer's last event and the log
// line. The outcome, failures included, is in the result for the caller to
// report; the log line is for -v.
func (r *Runner) finished(label string, res *CountyResult, start time.Time, attrs ...any) {
	res.Seconds = time.Since(start).Seconds()
	r.progress(Event{County: label, Rows: res.RowsIn, Done: true})
	r.log().Info("load finished", append([]any{"county", label, "status", res.Status, "rows", res.RowsIn,
		"loaded", res.Loaded, "rejected", res.Rejected, "duration", time.Since(start), "error", res.Error}, attrs...)...)
}

// countiesChanged reports whether the configured counties differ from dim_county.
func (r *Runner) countiesChanged(ctx context.Context, w *warehouse.Warehouse, counties []warehouse.County) bool {
	have, err := w.Counties(ctx)
	if err != nil || len(have) != len(counties) {
		return true
	}
	for _, c := range counties {
		if have[c.Code] != c {
			return true
		}
	}
	return false
}
