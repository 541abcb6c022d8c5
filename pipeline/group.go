package pipeline

import (
	"context"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// A run of many counties loads them in groups: one transaction per group,
// so that the merge statements, which scan the warehouse's tables, run once
// per group rather than once per county (at a national scale, thousands of
// counties, that is most of the time). Each county still commits whole or
// not at all with its own etl_run row; a county whose files fail is taken
// out of its group and recorded as failed; and if a group's commit fails,
// its counties are loaded again one by one, so that one county can never
// fail another.

const (
	// groupAbove is how many counties a run must load before it groups
	// them: a city's run (ten counties) keeps one transaction per county.
	groupAbove = 16
	// groupCounties and groupRows close a group.
	groupCounties = 512
	groupRows     = 1 << 19
)

// groupSize is how many counties a group holds in a run of n counties.
func (r *Runner) groupSize(n int) int {
	switch {
	case r.GroupCounties > 0:
		return r.GroupCounties
	case n > groupAbove:
		return groupCounties
	}
	return 1
}

// member is one county of a group.
type member struct {
	p     *prefetched
	load  *warehouse.Load
	res   CountyResult
	start time.Time
}

// group collects counties into one transaction.
type group struct {
	r       *Runner
	w       *warehouse.Warehouse
	g       *warehouse.Group
	members []*member
	dir     *lazyDir
	key     []byte
}

// add stages one prefetched county into the group (beginning it if need
// be). A county that cannot be listed or read is discarded from the group
// and recorded as failed with it.
func (gr *group) add(ctx context.Context, p *prefetched) error {
	if gr.g == nil {
		g, err := gr.w.BeginGroup(ctx, warehouse.JobIngest)
		if err != nil {
			return err
		}
		gr.g = g
	}
	m := &member{p: p, start: time.Now()}
	m.res = CountyResult{Code: p.county.Code, Name: p.county.Name, Skipped: p.lst.skipped, Unsettled: p.lst.unsettled,
		Seen: p.lst.seen, Files: len(p.lst.todo)}
	m.load = gr.g.Add(p.county.Code)
	m.res.RunID = m.load.RunID()
	gr.members = append(gr.members, m)

	fail := func(err error) error {
		m.res.Status, m.res.Error = StatusFailed, err.Error()
		return m.load.Discard(ctx, err)
	}
	switch {
	case p.lst.err != nil:
		drainPrefetched(p)
		return fail(p.lst.err)
	case p.lst.fatal != nil:
		drainPrefetched(p)
		return fail(p.lst.fatal)
	}
	var werr error
	for msg := range p.msgs {
		switch {
		case msg.file != nil:
			m.load.AddFile(msg.file.sha, msg.file.uri, msg.file.types)
		case werr == nil:
			werr = m.load.Write(ctx, msg.rt, msg.rec)
			msg.rec.Release()
		default:
			msg.rec.Release()
		}
	}
	if werr != nil { // DuckDB failed: the whole group is in doubt
		return werr
	}
	if p.err != nil {
		if p.failing != nil {
			if err := p.src.Failed(ctx, *p.failing, p.err.Error()); err != nil {
				gr.r.log().Warn("could not move the failed file aside", "county", p.county.Code, "file", p.failing.URI, "error", err)
			}
		}
		return fail(p.err)
	}
	if err := ctx.Err(); err != nil {
		return fail(err)
	}
	st := p.stats
	m.load.Finish(warehouse.Counts{RowsIn: st.RowsIn, Duplicates: st.Duplicates, Rejected: st.Rejected})
	m.res.RowsIn, m.res.Duplicates, m.res.Rejected, m.res.Rejects = st.RowsIn, st.Duplicates, st.Rejected, st.Rejects
	return nil
}

// full reports whether the group should be committed now.
func (gr *group) full(size int) bool {
	return gr.g != nil && (gr.g.Len() >= size || gr.g.Staged() >= groupRows)
}

// commit commits the group and returns its counties' results, in order.
func (gr *group) commit(ctx context.Context) []CountyResult {
	if gr.g == nil {
		return nil
	}
	members, g := gr.members, gr.g
	gr.members, gr.g = nil, nil
	res, err := g.Commit(ctx)
	if err != nil {
		return gr.oneByOne(ctx, members, err)
	}
	out := make([]CountyResult, 0, len(members))
	for i, m := range members {
		if m.res.Status != StatusFailed {
			r := res[i]
			m.res.Loaded, m.res.Unchanged, m.res.Findings = r.Loaded, r.Unchanged, r.Findings
			m.res.FindingsBy, m.res.Changed = r.FindingsBy, r.Changed
			m.res.Status = StatusSucceeded
			if len(m.p.lst.todo) == 0 {
				m.res.Status = StatusNoNewData
			}
			for _, f := range m.p.lst.todo {
				if err := m.p.src.Done(ctx, f); err != nil {
					gr.r.log().Warn("could not archive a loaded file", "county", m.res.Code, "file", f.URI, "error", err)
				}
			}
		}
		out = append(out, gr.finish(m))
	}
	return out
}

// abort rolls the group back after DuckDB failed while staging, and loads
// its counties one by one.
func (gr *group) abort(ctx context.Context, cause error) []CountyResult {
	members, g := gr.members, gr.g
	gr.members, gr.g = nil, nil
	if err := g.Rollback(context.WithoutCancel(ctx), cause); err != nil {
		gr.r.log().Warn("rolling back a group of counties", "error", err)
	}
	return gr.oneByOne(ctx, members, cause)
}

// oneByOne loads the counties of a failed group alone, each in its own
// transaction, so that whatever failed the group fails only its county.
// Counties that had failed already keep their result.
func (gr *group) oneByOne(ctx context.Context, members []*member, cause error) []CountyResult {
	gr.r.log().Warn("a group of counties failed to commit; loading them one by one", "counties", len(members), "error", cause)
	out := make([]CountyResult, 0, len(members))
	for _, m := range members {
		if m.res.Status == StatusFailed {
			out = append(out, gr.finish(m))
			continue
		}
		out = append(out, gr.r.loadCounty(ctx, gr.w, m.p.county, gr.dir, gr.key))
	}
	return out
}

// finish logs a county's outcome and reports its end.
func (gr *group) finish(m *member) CountyResult {
	m.res.Seconds = time.Since(m.start).Seconds()
	gr.r.progress(Event{County: m.res.Code, Rows: m.res.RowsIn, Done: true})
	gr.r.log().Info("load finished", "county", m.res.Code, "status", m.res.Status, "rows", m.res.RowsIn,
		"loaded", m.res.Loaded, "rejected", m.res.Rejected, "duration", time.Since(m.start), "error", m.res.Error, "grouped", true)
	return m.res
}

// drainPrefetched releases what a prefetched county's reader still sends.
func drainPrefetched(p *prefetched) {
	for m := range p.msgs {
		if m.rec != nil {
			m.rec.Release()
		}
	}
}

// loadGrouped loads the counties in groups (see above); HTTP counties, whose
// pulls keep state, load alone between groups.
func (r *Runner) loadGrouped(ctx context.Context, w *warehouse.Warehouse, todo []*config.County, pre <-chan *prefetched,
	size int, dir *lazyDir, key []byte) []CountyResult {
	gr := &group{r: r, w: w, dir: dir, key: key}
	var out []CountyResult
	for _, c := range todo {
		p, ok := <-pre
		if !ok {
			break
		}
		if p == nil {
			out = append(out, gr.commit(ctx)...)
			out = append(out, r.loadCounty(ctx, w, c, dir, key))
			continue
		}
		if err := gr.add(ctx, p); err != nil {
			drainPrefetched(p)
			if gr.g == nil { // the group could not begin
				out = append(out, CountyResult{Code: c.Code, Name: c.Name, Status: StatusFailed, Error: err.Error()})
				continue
			}
			out = append(out, gr.abort(ctx, err)...)
			continue
		}
		if gr.full(size) {
			out = append(out, gr.commit(ctx)...)
		}
		if ctx.Err() != nil {
			break
		}
	}
	return append(out, gr.commit(ctx)...)
}
