package ingest

import (
	"errors"
	"strconv"
	"strings"
)

// Sentinel errors. A reader wraps each in a *ParseError that says where in the
// file the problem is, so callers test with errors.Is and report with Error.
var (
	// ErrEncoding: the text is not valid in the file's encoding.
	ErrEncoding = errors.New("ingest: invalid text encoding")
	// ErrTooLarge: one record, value or unzipped workbook is over its limit.
	ErrTooLarge = errors.New("ingest: record too large")
	// ErrSyntax: the file does not parse as its format (CSV, XLSX, JSON, NDJSON).
	ErrSyntax = errors.New("ingest: syntax error")
	// ErrUnsupported: the file's format or a read option is not supported.
	ErrUnsupported = errors.New("ingest: not supported")
	// ErrChanged: a file changed after it was listed: while Read read it
	// (nothing of it may be loaded), or before Done or Failed (it is left in
	// place for the next run).
	ErrChanged = errors.New("ingest: file changed since it was listed")
	// ErrEmpty: the file has no bytes at all (any format). The caller reports
	// it rather than failing: nothing was lost, but the clerk sent nothing.
	ErrEmpty = errors.New("ingest: the file is empty (0 bytes)")
	// ErrUnauthorized: an HTTP source answered 401 or 403; it is not retried.
	ErrUnauthorized = errors.New("ingest: unauthorized")
)

// ParseError locates a problem in a file. Its message carries the position,
// as in "人员台账.csv: row 17, column 3: ingest: invalid text encoding: invalid UTF-8";
// it never carries cell contents.
//
// Row is 1-based and means what Row.Number means for the format: the line on
// which the record starts (CSV, NDJSON), the sheet row (XLSX) or the object's
// position in the array (JSON). For a CSV syntax error it is the line of the
// error itself. Column is 1-based: the field (CSV), the cell (XLSX) or the
// key's position in the object (JSON); for a CSV syntax error it is the byte
// position in the line, as encoding/csv reports it. Zero means unknown.
type ParseError struct {
	File   string // the File's URI (or name)
	Sheet  string // XLSX sheet, "" otherwise
	Row    int
	Column int
	Err    error
}

// Error implements error.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	sep := ": "
	add := func(s string) {
		b.WriteString(sep)
		b.WriteString(s)
		sep = ", "
	}
	if e.Sheet != "" {
		add("sheet " + strconv.Quote(e.Sheet))
	}
	if e.Row > 0 {
		add("row " + strconv.Itoa(e.Row))
	}
	if e.Column > 0 {
		add("column " + strconv.Itoa(e.Column))
	}
	b.WriteString(": ")
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, ErrSyntax) works.
func (e *ParseError) Unwrap() error { return e.Err }
