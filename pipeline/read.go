package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"runtime"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/crashpoint"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/transform"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// Reading and normalising a county (Go) and merging it (DuckDB) take turns,
// each leaving a core idle. A run of counties overlaps them: one goroutine
// lists the drop-folder counties in order and hands each to one of
// readAheadReaders goroutines, which read and normalise it, handing its
// record batches over a bounded channel of its own, while the caller stages
// and merges them, county after county, in the same order and the same
// transactions. The channels' bound keeps memory to a few batches ahead per
// reader, whatever a county's size.
//
// Whatever the depth, a county's files reach its load as a reading: read
// ahead as above, or at depth 0, read in the load's own goroutine straight
// into it when the load stages them (the divisions list, HTTP counties,
// whose pulls keep state that must follow the previous commit, and a county
// loaded again alone after its group failed).

// readAheadBatches is how many record batches (up to 64k rows each) a
// county's reader may run ahead of the merge.
const readAheadBatches = 8

// readAheadReaders is how many counties are read at once. With one, staging
// a province's small counties waited for the reader a fifth of the load;
// with two the reading keeps ahead on two cores.
const readAheadReaders = 2

// listing is what a source holds that the warehouse has not loaded.
type listing struct {
	todo      []ingest.File
	skipped   []ingest.Skipped
	unsettled int
	seen      int
	err       error // listing failed (recorded as a failed run)
	fatal     error // the warehouse could not be read
}

// list lists a source and leaves out the files loaded before: those in
// seen, or when seen is nil those the warehouse lists for the county.
func (r *Runner) list(ctx context.Context, w *warehouse.Warehouse, county string, src ingest.Source, seen map[string]bool) (lst listing) {
	defer phasesOf(ctx).listed(time.Now())
	files, skipped, unsettled, err := src.List(ctx, r.now())
	lst.skipped, lst.unsettled = skipped, unsettled
	if err != nil {
		lst.err = err
		return lst
	}
	if seen == nil {
		if seen, err = w.SeenFiles(ctx, county); err != nil {
			lst.fatal = err
			return lst
		}
	} else {
		seen = maps.Clone(seen)
	}
	for _, f := range files {
		if seen[f.SHA256] {
			lst.seen++
			continue
		}
		if f.Size != 0 { // every empty file is reported, though they share a hash
			seen[f.SHA256] = true // the same content twice in one listing loads once
		}
		lst.todo = append(lst.todo, f)
	}
	return lst
}

// A reading is one source's new files on their way into a load: read at
// depth 0 when the load stages them (ahead is nil), or read ahead.
type reading struct {
	county *config.County // nil for the divisions list
	src    ingest.Source
	lst    listing

	// depth 0: how lst.todo is normalised when the load stages it.
	encoding string
	opts     transform.Options

	// read ahead: what the reader sends, closed once it is done; failing,
	// stats and err are set before it is closed.
	ahead   chan staged
	failing *ingest.File
	stats   transform.Stats
	err     error

	// unread holds the URIs of the files read but not remembered as seen
	// (empty, or of no record type): a source does not archive them. Set
	// by the normaliser, at depth 0 or before ahead is closed.
	unread map[string]bool
}

// code is the reading's county code, "" for the divisions list.
func (p *reading) code() string {
	if p.county == nil {
		return ""
	}
	return p.county.Code
}

// label names the reading in logs and events: its county code, or "divisions".
func (p *reading) label() string {
	if p.county == nil {
		return "divisions"
	}
	return p.county.Code
}

// staged is one message from a reader: a batch, or a file read whole.
type staged struct {
	rt   canon.RecordType
	rec  arrow.RecordBatch
	file *loadedFile
}

type loadedFile struct {
	sha, uri string
	types    []string
}

// release releases what p's reader still sends: a reading not loaded, or
// not loaded whole. At depth 0 there is nothing to release.
func (p *reading) release() {
	if p == nil || p.ahead == nil {
		return
	}
	for m := range p.ahead {
		if m.rec != nil {
			m.rec.Release()
		}
	}
}

// writeAhead writes what a reader sends into l: its batches, each released
// once written, and its files. After a write failed, the batches that
// follow are only released. It returns the write's error.
func writeAhead(ctx context.Context, ahead <-chan staged, l *warehouse.Load) error {
	var werr error
	t := phasesOf(ctx)
	for {
		waiting := time.Now()
		m, ok := <-ahead
		t.add(cWait, waiting)
		if !ok {
			return werr
		}
		switch {
		case m.file != nil:
			l.AddFile(m.file.sha, m.file.uri, m.file.types)
		case werr == nil:
			staging := time.Now()
			werr = l.Write(ctx, m.rt, m.rec)
			t.add(cStage, staging)
			m.rec.Release()
		default:
			m.rec.Release()
		}
	}
}

// stage reads p's new files into l: at depth 0 by normalising them now,
// read ahead by writing what the reader sent. It returns the file that
// failed, if one did, and the normaliser's counts.
func (r *Runner) stage(ctx context.Context, p *reading, l *warehouse.Load) (*ingest.File, transform.Stats, error) {
	if p.ahead == nil {
		p.unread = map[string]bool{}
		return r.normalise(ctx, l, p.lst.todo, p.encoding, p.opts, p.label(), p.unread)
	}
	werr := writeAhead(ctx, p.ahead, l)
	switch {
	case p.err != nil:
		return p.failing, p.stats, p.err
	case werr != nil:
		return nil, p.stats, werr
	case ctx.Err() != nil:
		return nil, p.stats, errors.Join(ctx.Err(), errors.New("pipeline: the read was cut short"))
	}
	return nil, p.stats, nil
}

// readAhead starts reading the drop-folder counties in order. HTTP counties
// are left to the caller, to be read at depth 0: for them, and once ctx
// ends, the channel yields nil. The caller must release every reading it
// receives.
func (r *Runner) readAhead(ctx context.Context, w *warehouse.Warehouse, counties []*config.County, villages *lazyDirectory, key keyring) <-chan *reading {
	out := make(chan *reading, 1)
	readers := max(1, min(readAheadReaders, runtime.GOMAXPROCS(0)))
	// Each reader takes the next county from next; a county is sent on out
	// before it is handed to a reader, so the caller receives them in order.
	next := make(chan *reading)
	for i := range readers {
		rctx := aheadClock(ctx, i)
		go func() {
			for p := range next {
				r.read(rctx, p, villages, key)
			}
		}()
	}
	ctx = aheadClock(ctx, 0)
	go func() {
		defer close(out)
		defer close(next)
		var seen map[string]map[string]bool
		if len(counties) > 1 {
			// One query for every county's loaded files; a county's own
			// query otherwise. Failing, each county queries alone.
			listing := time.Now()
			seen, _ = w.SeenFilesByCounty(ctx)
			phasesOf(ctx).listed(listing)
		}
		for _, c := range counties {
			var p *reading
			if c.Source.Kind != config.KindHTTP {
				p = &reading{county: c, src: r.folderSource(w, c), ahead: make(chan staged, readAheadBatches)}
				var mine map[string]bool
				if seen != nil {
					if mine = seen[c.Code]; mine == nil {
						mine = map[string]bool{}
					}
				}
				p.lst = r.list(ctx, w, c.Code, p.src, mine)
			}
			select {
			case out <- p:
			case <-ctx.Done():
				return
			}
			if p != nil {
				// Always handed over once sent: its reader closes p.ahead,
				// which the caller drains (at once when ctx has ended).
				next <- p
			}
		}
	}()
	return out
}

// read normalises one county read ahead into its channel.
func (r *Runner) read(ctx context.Context, p *reading, villages *lazyDirectory, key keyring) {
	defer close(p.ahead)
	defer r.recovered(p.code(), &p.err)
	if p.lst.err != nil || p.lst.fatal != nil || len(p.lst.todo) == 0 {
		return
	}
	d, err := villages.get(ctx)
	if err != nil {
		p.err = err
		return
	}
	sink := chanSink{ctx: ctx, ch: p.ahead}
	p.unread = map[string]bool{}
	p.failing, p.stats, p.err = r.normalise(ctx, sink, p.lst.todo, p.county.Source.Encoding, countyOptions(p.county, key, d), p.code(), p.unread)
}

// countyOptions are the normaliser's options for a county.
func countyOptions(c *config.County, key keyring, villages *transform.Directory) transform.Options {
	return transform.Options{County: c.Code, BachelorAllowed: c.BachelorAllowed, Key: key.person, PII: key.pii, Directory: villages}
}

// keyring holds a load's secrets: person_key's and the cipher of personal data.
type keyring struct {
	person []byte
	pii    *piicrypt.Cipher
}

// A loadSink takes a load's normalised batches and the files read whole:
// the load itself at depth 0, the reader's channel when read ahead.
type loadSink interface {
	transform.Sink
	AddFile(sha256, uri string, recordTypes []string)
}

// chanSink hands the normaliser's batches and files to the merging side.
type chanSink struct {
	ctx context.Context // the reader's: once it ends, nothing more is sent
	ch  chan<- staged
}

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

func (s chanSink) AddFile(sha, uri string, types []string) {
	select {
	case s.ch <- staged{file: &loadedFile{sha, uri, types}}:
	case <-s.ctx.Done():
	}
}

// normalise reads and normalises files into sink, adding each file read
// whole in which a sheet had a record type (a file not read, empty or
// failed is not remembered as seen; unread gets the URIs of those read but
// not remembered). It returns the file that failed, if one did, and the
// normaliser's counts.
func (r *Runner) normalise(ctx context.Context, sink loadSink, files []ingest.File, encoding string,
	opts transform.Options, label string, unread map[string]bool) (failing *ingest.File, _ transform.Stats, err error) {
	t := phasesOf(ctx)
	n, err := transform.New(opts, timed(ctx, sink))
	if err != nil {
		return nil, transform.Stats{}, err
	}
	defer n.Release()
	ro := r.ReadOptions
	ro.Encoding = encoding
	for i := range files {
		f := files[i]
		tf := n.File(f.URI, f.Name, f.Format)
		rt := t.file()
		err := ingest.Read(ctx, f, ro, func(row ingest.Row) error {
			rt.row()
			err := tf.Row(ctx, row)
			rt.rowDone()
			if err != nil {
				return err
			}
			if st := n.Stats(); st.RowsIn%4096 == 0 {
				r.progress(Event{County: label, File: f.URI, Rows: st.RowsIn})
			}
			return nil
		})
		rt.done()
		closing, sink0 := time.Now(), t.sinkTime()
		if errors.Is(err, ingest.ErrEmpty) {
			// A warning, and the county's other files load. Not recorded
			// as seen: every empty file has the same hash, and the clerk
			// may yet send this one's content.
			err = tf.Empty(ctx)
			t.normalised(closing, sink0)
			unread[f.URI] = true
		} else if err == nil {
			err = tf.Close(ctx)
			t.normalised(closing, sink0)
			// Only a file read as some record type is remembered: one
			// renamed or fixed after an unknown_record_type is read again
			// on the next run.
			if err == nil && tf.HasRecordType() {
				sink.AddFile(f.SHA256, f.URI, tf.RecordTypes())
			} else {
				unread[f.URI] = true
			}
		}
		if err != nil {
			var pe *ingest.ParseError
			if !errors.As(err, &pe) { // a ParseError names the file already
				err = fmt.Errorf("%s: %w", f.URI, err)
			}
			return &files[i], transform.Stats{}, err
		}
		crashpoint.Hit(crashpoint.Read)
	}
	closing, sink0 := time.Now(), t.sinkTime()
	err = n.Close(ctx)
	t.normalised(closing, sink0)
	if err != nil {
		return nil, transform.Stats{}, err
	}
	return nil, n.Stats(), nil
}

// lazyDirectory builds the village directory on first use: a run with
// nothing new to read never builds it (for the whole country, 620,000
// villages, that was a third of a rerun's time).
type lazyDirectory struct {
	once      sync.Once
	build     func() (*transform.Directory, error)
	directory *transform.Directory
	err       error
}

// get builds the directory the first time; ctx's clock counts the build
// as normalising.
func (l *lazyDirectory) get(ctx context.Context) (*transform.Directory, error) {
	l.once.Do(func() {
		building, t := time.Now(), phasesOf(ctx)
		l.directory, l.err = l.build()
		t.normalised(building, t.sinkTime())
	})
	return l.directory, l.err
}

// directory loads the village lists for resolving rows.
func (r *Runner) directory(ctx context.Context, w *warehouse.Warehouse) (*transform.Directory, error) {
	counties, townships, villages, err := w.Divisions(ctx)
	if err != nil {
		return nil, err
	}
	return transform.NewDirectory(counties, townships, villages), nil
}
