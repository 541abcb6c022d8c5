// Package transform turns raw rows into canonical record batches: it matches
// headers, parses and checks values, resolves villages, derives person_key,
// and accounts for every input row as staged, duplicate or rejected, with
// row-level findings. docs/feeds.md describes all of it for the counties: the
// headers, the value rules, and every reject reason and finding code.
//
// It knows nothing of where files come from or of DuckDB: batches go to a Sink.
package transform

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/maphash"
	"sort"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// DefaultBatchRows is the number of rows per record batch.
const DefaultBatchRows = 64 * 1024

// headerSearchRows is how many leading rows of a sheet may hold titles before
// the header row.
const headerSearchRows = 10

// Options configure a Normaliser for one county (or the city's division list).
type Options struct {
	County          string // the source's own county code; "" with Divisions
	BachelorAllowed bool   // the county accepts bachelor entrants
	Divisions       bool   // every file is the city's village list
	Key             []byte // secret for person_key
	// PII encrypts name, id_number and phone before they are written to a
	// batch (docs/design.md, Encryption at rest): no plaintext personal data
	// reaches DuckDB. Required unless Divisions.
	PII       *piicrypt.Cipher
	Directory *Directory
	Alloc     memory.Allocator // nil: the Go allocator
	BatchRows int              // 0: DefaultBatchRows
}

// Stats account for the rows seen so far.
type Stats struct {
	RowsIn     int64            // data rows read (titles and header rows excluded)
	Staged     int64            // rows handed on for merging (they end loaded or unchanged)
	Duplicates int64            // the same row twice in one file
	Rejected   int64            // rows rejected, by reason in Rejects
	Rejects    map[string]int64 // reason code -> rows
	Findings   map[string]int64 // finding code -> findings raised while normalising
	// Ledger sheets (or files) with at least one row staged, by whether their
	// file or sheet name marks a supplement (canon.IsSupplement).
	FullLedgers, SupplementLedgers int
}

// SupplementsOnly reports whether every ledger sheet that staged rows is a
// supplement (a partial delivery, docs/feeds.md): then the load must not
// raise vanished_from_ledger. It is false when no ledger staged rows.
func (s Stats) SupplementsOnly() bool { return s.SupplementLedgers > 0 && s.FullLedgers == 0 }

// Normaliser normalises the files of one load. It is not safe for concurrent use.
type Normaliser struct {
	opts    Options
	sink    Sink
	batches map[canon.RecordType]*batch
	mac     hash.Hash
	seed    maphash.Seed
	next    int64
	stats   Stats
}

// ErrNoKey is returned when the person_key secret is missing.
var ErrNoKey = errors.New("transform: no secret for person_key")

// ErrNoPIICipher is returned when the cipher for personal data is missing.
var ErrNoPIICipher = errors.New("transform: no cipher for personal data")

// New returns a Normaliser writing batches to sink.
func New(opts Options, sink Sink) (*Normaliser, error) {
	if len(opts.Key) == 0 && !opts.Divisions {
		return nil, ErrNoKey
	}
	if opts.PII == nil && !opts.Divisions {
		return nil, ErrNoPIICipher
	}
	if opts.Alloc == nil {
		opts.Alloc = memory.NewGoAllocator()
	}
	if opts.BatchRows <= 0 {
		opts.BatchRows = DefaultBatchRows
	}
	if opts.Directory == nil {
		opts.Directory = NewDirectory(nil, nil, nil)
	}
	return &Normaliser{
		opts:    opts,
		sink:    sink,
		batches: map[canon.RecordType]*batch{},
		mac:     hmac.New(sha256.New, opts.Key),
		seed:    maphash.MakeSeed(),
		next:    1,
		stats:   Stats{Rejects: map[string]int64{}, Findings: map[string]int64{}},
	}, nil
}

// Stats returns the counts so far.
func (n *Normaliser) Stats() Stats { return n.stats }

// Close flushes every pending batch to the sink.
func (n *Normaliser) Close(ctx context.Context) error {
	types := make([]string, 0, len(n.batches))
	for rt := range n.batches {
		types = append(types, string(rt))
	}
	sort.Strings(types)
	for _, rt := range types {
		if err := n.batches[canon.RecordType(rt)].flush(ctx, n.sink); err != nil {
			return err
		}
	}
	return nil
}

// Release frees the builders' memory.
func (n *Normaliser) Release() {
	for _, b := range n.batches {
		b.release()
	}
	n.batches = map[canon.RecordType]*batch{}
}

// PersonKey is hex of the first 16 bytes of HMAC-SHA256(secret, ID number).
func (n *Normaliser) PersonKey(id18 string) string {
	n.mac.Reset()
	n.mac.Write([]byte(id18))
	var sum [sha256.Size]byte
	return hex.EncodeToString(n.mac.Sum(sum[:0])[:16])
}

func (n *Normaliser) batch(rt canon.RecordType) *batch {
	b, ok := n.batches[rt]
	if !ok {
		b = newBatch(n.opts.Alloc, rt, n.opts.BatchRows)
		n.batches[rt] = b
	}
	return b
}

// emitted flushes a batch that has filled up.
func (n *Normaliser) emitted(ctx context.Context, rt canon.RecordType) error {
	if b := n.batches[rt]; b != nil && b.full() {
		return b.flush(ctx, n.sink)
	}
	return nil
}

// A finding raised by one row.
type finding struct {
	code, severity, personKey, villageCode, detail string
}

// place is where a finding was raised: the file and sheet, and the row
// number when one row raised it (0: none), as a reject names them.
type place struct {
	uri, sheet string
	row        int
}

// finding records a finding that names no file (findingAt names one).
func (n *Normaliser) finding(ctx context.Context, ord int64, f finding) error {
	return n.findingAt(ctx, ord, place{}, f)
}

// findingAt records a finding raised at a place of a file.
func (n *Normaliser) findingAt(ctx context.Context, ord int64, at place, f finding) error {
	n.stats.Findings[f.code]++
	n.batch(canon.Findings).row(ord).str(f.code).str(f.severity).str(f.personKey).str(f.villageCode).str(f.detail).
		str(at.uri).str(at.sheet).i64(int64(at.row), at.row > 0)
	return n.emitted(ctx, canon.Findings)
}

func (n *Normaliser) reject(ctx context.Context, ord int64, uri, sheet string, number int, reason, raw string) error {
	n.stats.Rejected++
	n.stats.Rejects[reason]++
	n.batch(canon.Rejects).row(ord).str(uri).str(sheet).i64(int64(number), number > 0).str(reason).str(raw)
	return n.emitted(ctx, canon.Rejects)
}

// File is the state of one input file being normalised.
type File struct {
	n        *Normaliser
	uri      string
	format   ingest.Format
	fileType canon.RecordType // from the file name; "" if none
	fileSeen []string         // the record type names the file name holds
	supp     bool             // the file name marks a supplement
	types    map[canon.RecordType]bool
	sheet    *sheet
	full     map[uint64]struct{}
	keys     map[uint64]uint64
}

// sheet is the state of one sheet (or the whole of a non-workbook file).
type sheet struct {
	name    string
	rt      canon.RecordType
	skip    bool     // not a record type: rows are counted and reported, not read
	quiet   bool     // the fill-in template's own sheet (IsTemplateSheet): skipped without a finding
	seen    []string // record type names in the sheet's name, or the file's
	ofSheet bool     // seen is from the sheet's name
	supp    bool     // the file or sheet name marks a supplement
	staged  bool     // a row of the sheet was staged
	skipped int
	hdr     *header
	pending []pendingRow
	keyed   map[string]*header
	vals    []string
}

type pendingRow struct {
	number int
	cells  []string
}

// File starts normalising one file. uri is what rejects and findings name;
// name is the base name that may say the record type.
func (n *Normaliser) File(uri, name string, format ingest.Format) *File {
	f := &File{n: n, uri: uri, format: format, types: map[canon.RecordType]bool{},
		full: map[uint64]struct{}{}, keys: map[uint64]uint64{}}
	if n.opts.Divisions {
		f.fileType = canon.Divisions
		return f
	}
	f.supp = canon.IsSupplement(name)
	switch rt, seen := canon.MatchName(name); {
	case rt != "" && rt != canon.Divisions:
		f.fileType = rt
	case rt == "":
		f.fileSeen = seen
	}
	return f
}

// Supplement reports whether the file's name marks a supplement (补充, 新增,
// 增补, supplement): a partial delivery. A sheet's name can mark one too.
func (f *File) Supplement() bool { return f.supp }

// RecordTypes lists the record types found in the file so far.
func (f *File) RecordTypes() []string {
	out := make([]string, 0, len(f.types))
	for rt := range f.types {
		out = append(out, string(rt))
	}
	sort.Strings(out)
	return out
}

// startSheet decides the record type of a new sheet.
func (f *File) startSheet(ctx context.Context, name string) error {
	if err := f.endSheet(ctx); err != nil {
		return err
	}
	s := &sheet{name: name, supp: f.supp || name != "" && canon.IsSupplement(name)}
	switch rt, seen := canon.MatchName(name); {
	case f.n.opts.Divisions:
		s.rt = canon.Divisions
	case IsTemplateSheet(name):
		s.quiet = true
	case name != "" && rt != "" && rt != canon.Divisions:
		s.rt = rt
	case name != "" && rt == "" && len(seen) > 0:
		s.seen, s.ofSheet = seen, true // it names two record types: not read
	default:
		s.rt, s.seen = f.fileType, f.fileSeen
	}
	s.skip = s.rt == ""
	f.sheet = s
	return nil
}

// endSheet finishes the current sheet: rows still waiting for a header are
// read with the best header found, and a skipped sheet is reported.
func (f *File) endSheet(ctx context.Context) error {
	s := f.sheet
	if s == nil {
		return nil
	}
	f.sheet = nil
	if s.skip {
		if s.skipped == 0 || s.quiet {
			return nil
		}
		what := "file"
		if s.name != "" {
			what = fmt.Sprintf("sheet %q", s.name)
		}
		detail := fmt.Sprintf("%s: %s is not a record type (docs/feeds.md); its %d rows were not read", f.uri, what, s.skipped)
		if len(s.seen) > 1 {
			whose := "the file name"
			if s.ofSheet {
				whose = "the sheet name"
			}
			detail = fmt.Sprintf("%s: %s names more than one record type (%s), so the %d rows of %s were not read; name one type per file or sheet (docs/feeds.md)",
				f.uri, whose, strings.Join(s.seen, ", "), s.skipped, what)
		}
		return f.n.findingAt(ctx, 0, place{uri: f.uri, sheet: s.name}, finding{code: "unknown_record_type", severity: "warning", detail: detail})
	}
	if s.hdr == nil && len(s.pending) > 0 {
		if err := f.decideHeader(ctx, s, true); err != nil {
			return err
		}
	}
	return f.reportAbsent(ctx, s)
}

// reportAbsent raises one finding missing_column:<col> for each required
// column the sheet's header row lacks; its rows were rejected with the first
// one's code. The finding names the closest header seen, unless no cell of
// the header row matched any column: then the row may be data, not a header,
// and none of its cells is repeated.
func (f *File) reportAbsent(ctx context.Context, s *sheet) error {
	h := s.hdr
	if h == nil || len(h.absent) == 0 {
		return nil
	}
	where := f.uri
	if s.name != "" {
		where += " sheet " + s.name
	}
	for _, j := range h.absent {
		c := columns[s.rt][j]
		hint := "no header row was recognised (docs/feeds.md lists the headers)"
		if h.matched > 0 {
			var more []column
			if c.name == "village" {
				more = append(more, columns[s.rt][colIndex(s.rt, "village_code")])
			}
			hint = "no header resembles it"
			if near := closestHeader(c, h.unused, more...); near != "" {
				hint = fmt.Sprintf("the closest header is %q", near)
			}
		}
		detail := fmt.Sprintf("%s: no column %s (%s) in the header: %s; every data row is rejected as %s",
			where, absentHeaders(s.rt, j), c.name, hint, h.absentReason())
		if err := f.n.findingAt(ctx, 0, place{uri: f.uri, sheet: s.name}, finding{code: "missing_column:" + c.name, severity: "error", detail: detail}); err != nil {
			return err
		}
	}
	return nil
}

// Row normalises one raw row.
func (f *File) Row(ctx context.Context, r ingest.Row) error {
	if f.sheet == nil || f.sheet.name != r.Sheet {
		if err := f.startSheet(ctx, r.Sheet); err != nil {
			return err
		}
	}
	s := f.sheet
	if emptyCells(r.Cells) {
		return nil
	}
	if s.skip {
		s.skipped++
		return nil
	}
	if r.Keys != nil {
		jk := strings.Join(r.Keys, "\x00")
		h, ok := s.keyed[jk]
		if !ok {
			hh := matchHeader(s.rt, r.Keys)
			h = &hh
			if s.keyed == nil {
				s.keyed = map[string]*header{}
			}
			s.keyed[jk] = h
			if err := f.reportUnused(ctx, s, h, true); err != nil {
				return err
			}
		}
		return f.data(ctx, s, h, r.Number, r.Cells, false)
	}
	if s.hdr != nil {
		return f.data(ctx, s, s.hdr, r.Number, r.Cells, r.Serial)
	}
	s.pending = append(s.pending, pendingRow{r.Number, append([]string(nil), r.Cells...)})
	if h := matchHeader(s.rt, r.Cells); h.matched >= 2 || len(s.pending) >= headerSearchRows {
		return f.decideHeader(ctx, s, false)
	}
	return nil
}

// decideHeader picks the header among the pending rows: the first that
// matches at least two columns, else the first row. Rows above it are titles;
// rows below it are data.
func (f *File) decideHeader(ctx context.Context, s *sheet, last bool) error {
	at := 0
	for i, p := range s.pending {
		if h := matchHeader(s.rt, p.cells); h.matched >= 2 {
			at = i
			break
		}
	}
	h := matchHeader(s.rt, s.pending[at].cells)
	h.findAbsent()
	s.hdr = &h
	if err := f.reportUnused(ctx, s, s.hdr, false); err != nil {
		return err
	}
	rest := s.pending[at+1:]
	s.pending = nil
	for _, p := range rest {
		if err := f.data(ctx, s, s.hdr, p.number, p.cells, f.format.Workbook()); err != nil {
			return err
		}
	}
	return nil
}

// reportUnused raises unused_columns for the header texts that matched no
// column. A positional header that matched fewer than two columns was not
// recognised: it was taken as the header only because no row of the first
// ones was, so it may be a data row, and its cells (names, ID numbers) are
// not repeated, only counted. JSON keys are always headers.
func (f *File) reportUnused(ctx context.Context, s *sheet, h *header, keyed bool) error {
	f.types[s.rt] = true
	if len(h.unused) == 0 {
		return nil
	}
	where := f.uri
	if s.name != "" {
		where += " sheet " + s.name
	}
	detail := fmt.Sprintf("%s: columns not read: %s", where, strings.Join(h.unused, ", "))
	if !keyed && h.matched < 2 {
		detail = fmt.Sprintf("%s: no header row was recognised, so %d columns were not read (their cells are not repeated here)", where, len(h.unused))
	}
	return f.n.findingAt(ctx, 0, place{uri: f.uri, sheet: s.name}, finding{code: "unused_columns", severity: "info", detail: detail})
}

func emptyCells(cells []string) bool {
	for _, c := range cells {
		if textnorm.Clean(c) != "" {
			return false
		}
	}
	return true
}

// stagedFrom counts a ledger sheet, full or supplement, at its first staged row.
func (f *File) stagedFrom(s *sheet) {
	if s.staged || s.rt != canon.Ledger {
		return
	}
	s.staged = true
	if s.supp {
		f.n.stats.SupplementLedgers++
	} else {
		f.n.stats.FullLedgers++
	}
}

// Close finishes the file.
func (f *File) Close(ctx context.Context) error { return f.endSheet(ctx) }

// data handles one data row.
func (f *File) data(ctx context.Context, s *sheet, h *header, number int, cells []string, serial bool) error {
	n := f.n
	cols := columns[s.rt]
	if cap(s.vals) < len(cols) {
		s.vals = make([]string, len(cols))
	}
	vals := s.vals[:len(cols)]
	for i := range vals {
		vals[i] = ""
	}
	for i, c := range cells {
		if i < len(h.pos) && h.pos[i] >= 0 {
			vals[h.pos[i]] = textnorm.Clean(c)
		}
	}
	n.stats.RowsIn++
	ord := n.next
	n.next++

	var mh maphash.Hash
	mh.SetSeed(n.seed)
	for _, v := range vals {
		mh.WriteString(v)
		mh.WriteByte(0x1f)
	}
	full := mh.Sum64()
	if _, dup := f.full[full]; dup {
		n.stats.Duplicates++
		return nil
	}
	f.full[full] = struct{}{}

	r := &row{f: f, rt: s.rt, vals: vals, serial: serial, absent: h.absentReason()}
	p, reason := r.parse()
	if reason == "" {
		mh.Reset()
		mh.WriteString(p.key)
		k := mh.Sum64()
		if prev, seen := f.keys[k]; seen && prev != full {
			reason = "duplicate_in_file"
		} else {
			f.keys[k] = full
		}
	}
	if reason != "" {
		return n.reject(ctx, ord, f.uri, s.name, number, reason, maskRaw(h, cells))
	}
	n.stats.Staged++
	f.stagedFrom(s)
	p.emit(n.batch(s.rt).row(ord))
	if err := n.emitted(ctx, s.rt); err != nil {
		return err
	}
	for _, fd := range p.findings {
		if err := n.findingAt(ctx, ord, place{f.uri, s.name, number}, fd); err != nil {
			return err
		}
	}
	return nil
}
