package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Row is one raw row of a file.
type Row struct {
	// Sheet is the sheet name for a workbook (XLSX, XLS), "" otherwise.
	Sheet string
	// Number is 1-based: the sheet row number (XLSX, XLS), the line on which the
	// record starts (CSV, NDJSON), or the object's position in the array (JSON).
	Number int
	// Keys is set for JSON and NDJSON only: Cells[i] is the value of key
	// Keys[i], keys in the object's order. It is nil for CSV and workbooks.
	Keys []string
	// Cells holds the raw cell text. CSV and workbook rows are positional: the
	// header is just the first row, and the caller decides which row is the
	// header. Their trailing empty cells are trimmed, and rows with no text
	// at all are not yielded. Keys and Cells may be reused by the next call:
	// the callback must copy what it keeps.
	Cells []string
	// Serial is true for workbook rows (XLSX, XLS). A cell formatted as a
	// date arrives as an ISO date ("2022-07-01", or "2022-07-01 13:45:30"
	// with a time of day), whatever the workbook's date system; any other
	// number arrives as the workbook holds it, so a date serial typed into
	// a General cell arrives as "44743" and the caller may still read it as
	// a date (2022-07-01).
	Serial bool
}

// Encodings accepted in ReadOptions.Encoding.
const (
	EncodingAuto    = "auto"
	EncodingUTF8    = "utf-8"
	EncodingGB18030 = "gb18030"
)

// Defaults for ReadOptions.
const (
	DefaultMaxRowBytes   = 16 << 20 // 16 MiB
	DefaultMaxUnzipBytes = 1 << 30  // 1 GiB
)

// ReadOptions tune Read. The zero value is ready to use.
type ReadOptions struct {
	// Encoding is "auto" (default), "utf-8" or "gb18030"; CSV only.
	// "auto" takes a UTF-8 byte-order mark as UTF-8, else UTF-8 when the first
	// 64 KiB are valid UTF-8, else GB18030.
	Encoding string
	// MaxRowBytes limits one CSV record (counted as UTF-8, after decoding),
	// one element of a JSON array or one NDJSON line; a longer one is a
	// *ParseError wrapping ErrTooLarge. Default 16 MiB.
	MaxRowBytes int
	// MaxUnzipBytes limits the unzipped size of an XLSX workbook, so that a
	// zip bomb fails cleanly with ErrTooLarge, and the size of an XLS file
	// (read into memory whole). Default 1 GiB.
	MaxUnzipBytes int64
	// SheetStart, when set, is called with each sheet's name before its
	// rows (workbooks only), also for a sheet without rows, so that the caller can
	// look for a new header. An error stops the read and is returned as is.
	SheetStart func(sheet string) error
}

func (o ReadOptions) withDefaults() ReadOptions {
	if o.Encoding == "" {
		o.Encoding = EncodingAuto
	}
	if o.MaxRowBytes <= 0 {
		o.MaxRowBytes = DefaultMaxRowBytes
	}
	if o.MaxUnzipBytes <= 0 {
		o.MaxUnzipBytes = DefaultMaxUnzipBytes
	}
	return o
}

// ctxCheckEvery is how many rows a reader yields between checks of ctx.
const ctxCheckEvery = 4096

// Read streams every row of f to fn: for a workbook every sheet in workbook
// order, one after the other. fn returning an error stops the read and that
// error is returned as is. A problem with the file's content is a
// *ParseError; a file of no bytes at all, whatever its format, is a
// *ParseError wrapping ErrEmpty; a canceled ctx returns ctx.Err().
//
// The format is f.Format, or FormatOf(f.Name) (else f.Path) when that is
// FormatUnknown.
//
// When f.SHA256 is set (the source listed the file with its hash), Read also
// makes sure that what it parsed is that content: a file written to or
// replaced after it was listed is a *ParseError wrapping ErrChanged, even
// though fn has seen its rows, so that the caller never records a hash for
// content it did not read. CSV, JSON and NDJSON are hashed as they are read;
// a workbook is hashed before it is opened and must keep its size and
// modification time until it has been read to the end.
func Read(ctx context.Context, f File, opts ReadOptions, fn func(Row) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	opts = opts.withDefaults()
	name := f.displayName()
	format := f.Format
	if format == FormatUnknown {
		format = FormatOf(f.baseName())
	}
	if format != FormatUnknown {
		if err := checkEmpty(f, name); err != nil {
			return err
		}
	}
	if format.Workbook() {
		// A workbook saved under the other workbook extension (an .xls
		// renamed .xlsx, or the reverse) is read as what it is.
		format = sniffWorkbook(f.Path, format)
	}
	switch format {
	case FormatCSV:
		enc, err := parseEncoding(opts.Encoding)
		if err != nil {
			return err
		}
		return readFile(f.Path, name, f.SHA256, func(r io.Reader) error {
			return readCSV(ctx, r, csvConfig{name: name, tsv: isTSV(f.baseName()), enc: enc, maxRow: opts.MaxRowBytes}, fn)
		})
	case FormatXLSX:
		return readXLSX(ctx, f.Path, name, f.SHA256, opts, fn)
	case FormatXLS:
		return readXLS(ctx, f.Path, name, f.SHA256, opts, fn)
	case FormatJSON:
		key, err := fileArrayKey(ctx, f.Path, name, opts.MaxRowBytes)
		if err != nil {
			return err
		}
		return readFile(f.Path, name, f.SHA256, func(r io.Reader) error {
			return readJSON(ctx, r, name, key, opts.MaxRowBytes, fn)
		})
	case FormatNDJSON:
		return readFile(f.Path, name, f.SHA256, func(r io.Reader) error {
			return readNDJSON(ctx, r, name, opts.MaxRowBytes, fn)
		})
	}
	return fmt.Errorf("%w: %s", ErrUnsupported, name)
}

// sniffWorkbook returns the workbook format the file's first bytes say (a
// zip: .xlsx; a compound file: .xls), else format.
func sniffWorkbook(path string, format Format) Format {
	fh, err := os.Open(path)
	if err != nil {
		return format
	}
	defer fh.Close()
	var head [8]byte
	if _, err := io.ReadFull(fh, head[:]); err != nil {
		return format
	}
	switch {
	case string(head[:4]) == "PK\x03\x04":
		return FormatXLSX
	case string(head[:]) == string(oleMagic):
		return FormatXLS
	}
	return format
}

// emptySHA256 is the SHA-256 of no bytes.
const emptySHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

// checkEmpty returns a *ParseError wrapping ErrEmpty when the file at f.Path
// has no bytes (of the content listed: when f.SHA256 is another content's,
// the file changed since it was listed). Any other problem is left to the
// reader, which meets it when it opens the file.
func checkEmpty(f File, name string) error {
	st, err := os.Stat(f.Path)
	if err != nil || !st.Mode().IsRegular() || st.Size() != 0 {
		return nil
	}
	if f.SHA256 != "" && f.SHA256 != emptySHA256 {
		return changedWhileRead(name)
	}
	return &ParseError{File: name, Err: ErrEmpty}
}

// displayName is what a ParseError names: the URI, else the base name.
func (f File) displayName() string {
	if f.URI != "" {
		return f.URI
	}
	return f.baseName()
}

func (f File) baseName() string {
	if f.Name != "" {
		return f.Name
	}
	return filepath.Base(f.Path)
}

func isTSV(name string) bool { return strings.EqualFold(filepath.Ext(name), ".tsv") }

// readFile opens path, hands it to read and closes it. When want is set,
// the bytes read are hashed on the way and must hash to want (lower-case
// hex SHA-256); else the file changed after it was listed.
func readFile(path, name, want string, read func(io.Reader) error) error {
	fh, err := openRegular(path)
	if err != nil {
		return err
	}
	var (
		r io.Reader = fh
		h hash.Hash
	)
	if want != "" {
		h = sha256.New()
		r = io.TeeReader(fh, h)
	}
	err = read(r)
	if err == nil && h != nil {
		// The parsers read to the end; anything they left is hashed too.
		if _, err = io.Copy(io.Discard, r); err != nil {
			err = fmt.Errorf("ingest: read %s: %w", name, err)
		} else if hex.EncodeToString(h.Sum(nil)) != want {
			err = changedWhileRead(name)
		}
	}
	if cerr := fh.Close(); cerr != nil && err == nil {
		err = fmt.Errorf("ingest: close %s: %w", filepath.Base(path), cerr)
	}
	return err
}

// changedWhileRead is the error for a file whose content is not the one
// listed.
func changedWhileRead(name string) error {
	return &ParseError{File: name, Err: fmt.Errorf("%w: it changed while being read", ErrChanged)}
}

// trimTrailing drops trailing empty cells.
func trimTrailing(cells []string) []string {
	n := len(cells)
	for n > 0 && cells[n-1] == "" {
		n--
	}
	return cells[:n]
}

// errWindow is returned by windowReader when a record outgrows its window.
var errWindow = errors.New("ingest: read window exhausted")

// windowReader bounds how far a parser may read past a mark: reads are cut
// at limit, and a read that starts at limit fails with errWindow. A record
// that fits in the window therefore never sees the error, however far the
// parser's own buffer reads ahead, while an endless one (an unclosed quote,
// a huge string) fails after about max bytes instead of exhausting memory.
type windowReader struct {
	r     io.Reader
	n     int64 // bytes delivered so far
	limit int64 // absolute offset that may not be passed
}

// mark sets the window to [offset, offset+max), offset being the parser's
// logical position.
func (w *windowReader) mark(offset int64, max int) { w.limit = offset + int64(max) }

func (w *windowReader) Read(p []byte) (int, error) {
	room := w.limit - w.n
	if room <= 0 {
		return 0, errWindow
	}
	if int64(len(p)) > room {
		p = p[:room]
	}
	n, err := w.r.Read(p)
	w.n += int64(n)
	return n, err
}

// openRegular opens path for reading and makes sure it is a regular file.
func openRegular(path string) (*os.File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	st, err := fh.Stat()
	if err == nil && !st.Mode().IsRegular() {
		err = fmt.Errorf("%w: %s is not a regular file", ErrUnsupported, filepath.Base(path))
	} else if err != nil {
		err = fmt.Errorf("ingest: %w", err)
	}
	if err != nil {
		return nil, errors.Join(err, fh.Close())
	}
	return fh, nil
}
