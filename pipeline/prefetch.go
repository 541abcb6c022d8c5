package pipeline

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/transform"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// Reading and normalising a county (Go) and merging it (DuckDB) take turns
// in a serial load, each leaving a core idle. A run of several counties
// overlaps them: one goroutine lists, reads and normalises the counties in
// order, handing each county's record batches over a bounded channel, while
// the caller stages and merges them, county after county, in the same order
// and the same one-transaction-per-county loads as before. The channel's
// bound keeps memory to a few batches ahead, whatever a county's size.

// prefetchBatches is how many record batches (up to 64k rows each) the
// reader may run ahead of the merge.
const prefetchBatches = 8

// staged is one message from the reader: a batch, or a file read whole.
type staged struct {
	rt   canon.RecordType
	rec  arrow.RecordBatch
	file *loadedFile
}

type loadedFile struct {
	sha, uri string
	types    []string
}

// prefetched is one county's read, in progress or done.
type prefetched struct {
	county *config.County
	src    source
	lst    listing
	msgs   chan staged // closed when the county is read; then the fields below are set
	// set before msgs is closed
	failing *ingest.File
	stats   transform.Stats
	err     error
}

// chanSink hands the normaliser's batches to the merging side.
type chanSink struct{ ch chan<- staged }

func (s chanSink) Write(ctx context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	rec.Retain()
	select {
	case s.ch <- staged{rt: rt, rec: rec}:
		return nil
	case <-ctx.Done():
		rec.Release()
		return ctx.Err()
	}
}

// prefetch starts reading the dir-source counties in order. HTTP counties
// are left to the caller (their pulls keep state that must follow the
// previous commit); for them, and once ctx ends, the channel yields nil
// work. The caller must drain every prefetched county it receives.
func (r *Runner) prefetch(ctx context.Context, w *warehouse.Warehouse, counties []*config.County, dir *lazyDir, key []byte) <-chan *prefetched {
	out := make(chan *prefetched, 1)
	go func() {
		defer close(out)
		var seen map[string]map[string]bool
		if len(counties) > 1 {
			// One query for every county's loaded files; a county's own
			// query otherwise. Failing, each county queries alone.
			seen, _ = w.SeenFilesByCounty(ctx)
		}
		for _, c := range counties {
			if c.Source.Kind == config.KindHTTP {
				select {
				case out <- nil:
				case <-ctx.Done():
					return
				}
				continue
			}
			p := &prefetched{county: c, src: r.dirSource(w, c), msgs: make(chan staged, prefetchBatches)}
			var mine map[string]bool
			if seen != nil {
				if mine = seen[c.Code]; mine == nil {
					mine = map[string]bool{}
				}
			}
			p.lst = r.list(ctx, w, c.Code, p.src, mine)
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			r.read(ctx, p, dir, key)
		}
	}()
	return out
}

// read normalises one prefetched county into its channel.
func (r *Runner) read(ctx context.Context, p *prefetched, dir *lazyDir, key []byte) {
	defer close(p.msgs)
	defer func() {
		if v := recover(); v != nil {
			r.log().Error("panic in load", "county", p.county.Code, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			p.err = fmt.Errorf("pipeline: internal error while loading %s: %v", p.county.Code, v)
		}
	}()
	if p.lst.err != nil || p.lst.fatal != nil || len(p.lst.todo) == 0 {
		return
	}
	c := p.county
	d, err := dir.get()
	if err != nil {
		p.err = err
		return
	}
	opts := transform.Options{County: c.Code, BachelorAllowed: c.BachelorAllowed, Key: key, Directory: d}
	addFile := func(sha, uri string, types []string) {
		select {
		case p.msgs <- staged{file: &loadedFile{sha, uri, types}}:
		case <-ctx.Done():
		}
	}
	p.failing, p.stats, p.err = r.normalise(ctx, chanSink{p.msgs}, addFile, p.src, p.lst.todo, c.Source.Encoding, opts, c.Code)
}

// loadPrefetched loads a prefetched county: its batches into one load,
// committed once the reader is done with it.
func (r *Runner) loadPrefetched(ctx context.Context, w *warehouse.Warehouse, p *prefetched) CountyResult {
	drained := false
	drain := func() {
		if !drained {
			for m := range p.msgs {
				if m.rec != nil {
					m.rec.Release()
				}
			}
			drained = true
		}
	}
	defer drain()
	res := r.loadListed(ctx, w, warehouse.JobIngest, p.county.Code, p.src, p.lst, nil,
		func(ctx context.Context, l *warehouse.Load) (*ingest.File, transform.Stats, error) {
			var werr error
			for m := range p.msgs {
				switch {
				case m.file != nil:
					l.AddFile(m.file.sha, m.file.uri, m.file.types)
				case werr == nil:
					werr = l.Write(ctx, m.rt, m.rec)
					m.rec.Release()
				default:
					m.rec.Release()
				}
			}
			drained = true
			if p.err != nil {
				return p.failing, p.stats, p.err
			}
			if werr != nil {
				return nil, p.stats, werr
			}
			if err := ctx.Err(); err != nil {
				return nil, p.stats, errors.Join(err, errors.New("pipeline: the read was cut short"))
			}
			return nil, p.stats, nil
		})
	res.Name = p.county.Name
	return res
}
