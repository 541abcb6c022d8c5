// Package xls reads the cells of an Excel 97–2003 workbook (.xls, BIFF8):
// the compound file is opened with github.com/richardlehane/mscfb, and the
// Workbook stream is parsed here, record by record.
//
// What it reads: every worksheet in workbook order (chart and macro sheets
// are skipped), shared strings (SST with its CONTINUE records), inline
// labels, numbers (NUMBER, RK, MULRK), booleans and errors (BOOLERR) and the
// cached values of formulas (FORMULA, with the STRING record that follows a
// string result). Numbers whose cell format is a date (see IsDateFormat)
// come as ISO dates ("2021-01-08", "2022-07-01 13:45:30"), in the
// workbook's date system (1900 or 1904); other numbers as their shortest
// decimal; booleans as "1" and "0", as an .xlsx holds them.
//
// Everything in the file is untrusted: the stream's size is capped, every
// record and string is read within its bounds, counts from the file never
// size an allocation beyond what the stream can hold, and a sheet's cells
// are bounded by its records. An encrypted workbook (FILEPASS) is
// ErrEncrypted; an Excel 5.0/95 workbook (BIFF5) is ErrUnsupported.
package xls

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/richardlehane/mscfb"
)

// Errors, wrapped with what went wrong; test them with errors.Is.
var (
	// ErrCorrupt: the file is not a readable BIFF8 workbook.
	ErrCorrupt = errors.New("not a valid .xls workbook")
	// ErrEncrypted: the workbook is protected by a password.
	ErrEncrypted = errors.New("the workbook is encrypted (password protected)")
	// ErrUnsupported: an older workbook (Excel 5.0/95 or before).
	ErrUnsupported = errors.New("an Excel 95 or older workbook")
	// ErrTooLarge: the Workbook stream is over the caller's limit.
	ErrTooLarge = errors.New("the workbook is too large")
)

// Error locates an error in a sheet.
type Error struct {
	Sheet string
	Err   error
}

func (e *Error) Error() string { return fmt.Sprintf("sheet %q: %v", e.Sheet, e.Err) }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Handler receives a workbook's sheets and rows.
type Handler struct {
	// Sheet, when set, is called with each worksheet's name before its
	// rows, also for a sheet without rows.
	Sheet func(name string) error
	// Row is called with each row that has text: its 1-based number and
	// its cells, trailing empty cells trimmed. cells is reused by the next
	// call.
	Row func(sheet string, number int, cells []string) error
}

// Read reads the workbook in r (size bytes) and hands its sheets and rows
// to h. The Workbook stream may not be larger than maxStream bytes, nor
// than the file. An error of h is returned as is; ctx is checked between
// rows.
func Read(ctx context.Context, r io.ReaderAt, size, maxStream int64, h Handler) error {
	data, err := workbookStream(r, size, maxStream)
	if err != nil {
		return err
	}
	return readStream(ctx, data, h)
}

// readStream reads a Workbook stream's sheets.
func readStream(ctx context.Context, data []byte, h Handler) error {
	wb, err := parseGlobals(data)
	if err != nil {
		return err
	}
	for _, s := range wb.sheets {
		if err := wb.readSheet(ctx, s, h); err != nil {
			return err
		}
	}
	return nil
}

// workbookStream finds and reads the Workbook stream of the compound file.
// The compound-file reader is a dependency that meets hostile files: a
// panic in it is a corrupt file, not a crash.
func workbookStream(r io.ReaderAt, size, maxStream int64) (data []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			data, err = nil, fmt.Errorf("%w: %v", ErrCorrupt, p)
		}
	}()
	doc, err := mscfb.New(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	for {
		e, err := doc.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: no Workbook stream", ErrCorrupt)
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		if len(e.Path) > 0 {
			continue // a stream inside a storage, not the workbook's
		}
		switch {
		case strings.EqualFold(e.Name, "EncryptedPackage"):
			return nil, fmt.Errorf("%w (an encrypted .xlsx)", ErrEncrypted)
		case strings.EqualFold(e.Name, "Book"):
			return nil, fmt.Errorf("%w (BIFF5)", ErrUnsupported)
		case !strings.EqualFold(e.Name, "Workbook"):
			continue
		case e.Size > maxStream:
			return nil, fmt.Errorf("%w: its Workbook stream is over %d bytes", ErrTooLarge, maxStream)
		case e.Size > size || e.Size < 4:
			return nil, fmt.Errorf("%w: the Workbook stream's size is %d in a file of %d bytes", ErrCorrupt, e.Size, size)
		}
		return readChunked(e, e.Size)
	}
}

// streamChunk is how much of a stream one Read asks mscfb for: it merges a
// read's contiguous sectors in time quadratic in their number, so that one
// Read of a whole large stream would take seconds (or, for a hostile file,
// far longer).
const streamChunk = 64 << 10

// readChunked reads size bytes of r in chunks of streamChunk.
func readChunked(r io.Reader, size int64) ([]byte, error) {
	data := make([]byte, size)
	for off := 0; off < len(data); {
		n, err := io.ReadFull(r, data[off:min(off+streamChunk, len(data))])
		off += n
		if err != nil && off < len(data) {
			return nil, fmt.Errorf("%w: reading the Workbook stream: %v", ErrCorrupt, err)
		}
	}
	return data, nil
}
