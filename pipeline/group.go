package pipeline

import (
	"context"
	"time"

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
	p     *reading
	load  *warehouse.Load
	res   CountyResult
	start time.Time
}

// group collects counties into one transaction.
type group struct {
	r        *Runner
	w        *warehouse.Warehouse
	g        *warehouse.Group
	members  []*member
	villages *lazyDirectory
	key      keyring
}

// take stages one county read ahead into the group, and commits the group
// once it is full. It returns the results of the counties whose group
// ended: committed, or, when DuckDB failed while staging, loaded again one
// by one.
func (gr *group) take(ctx context.Context, p *reading, size int) []CountyResult {
	if err := gr.add(ctx, p); err != nil {
		p.release()
		if gr.g == nil { // the group could not begin
			return []CountyResult{{Code: p.county.Code, Name: p.county.Name, Status: StatusFailed, Error: err.Error()}}
		}
		return gr.abort(ctx, err)
	}
	if gr.full(size) {
		return gr.commit(ctx)
	}
	return nil
}

// add stages one county read ahead into the group (beginning it if need
// be). A county that cannot be listed or read is discarded from the group
// and recorded as failed with it.
func (gr *group) add(ctx context.Context, p *reading) error {
	if gr.g == nil {
		beginning := time.Now()
		g, err := gr.w.BeginGroup(ctx, warehouse.JobIngest)
		phasesOf(ctx).add(cStage, beginning)
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
		p.release()
		return fail(p.lst.err)
	case p.lst.fatal != nil:
		p.release()
		return fail(p.lst.fatal)
	}
	if werr := writeAhead(ctx, p.ahead, m.load); werr != nil { // DuckDB failed: the whole group is in doubt
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
	markSupplements(m.load, st)
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
	phasesOf(ctx).committed(g.Times())
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
				if m.p.unread[f.URI] {
					continue // not read as any record type: left for the next run
				}
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
// transaction, listed and read again, so that whatever failed the group
// fails only its county. Counties that had failed already keep their result.
func (gr *group) oneByOne(ctx context.Context, members []*member, cause error) []CountyResult {
	gr.r.log().Warn("a group of counties failed to commit; loading them one by one", "counties", len(members), "error", cause)
	out := make([]CountyResult, 0, len(members))
	for _, m := range members {
		if m.res.Status == StatusFailed {
			out = append(out, gr.finish(m))
			continue
		}
		out = append(out, gr.r.loadCounty(ctx, gr.w, m.p.county, gr.villages, gr.key))
	}
	return out
}

// finish ends a member's load (Runner.finished) and returns its result.
func (gr *group) finish(m *member) CountyResult {
	gr.r.finished(m.res.Code, &m.res, m.start, "grouped", true)
	return m.res
}
