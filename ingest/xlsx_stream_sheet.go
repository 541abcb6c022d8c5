package ingest

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

// This file reads a worksheet part row by row. sheetRows.next and
// sheetRows.columns follow excelize's Rows.Next and Rows.Columns (with
// RawCellValue) token for token, so that rows come out exactly as excelize
// gives them, quirks included: a <row> is found at any depth, a row whose
// number does not move forward is merged into the row before, a <v>
// nested anywhere in a <c> counts, a bad shared-string index reads as an
// empty cell. What they do not follow is how excelize ends a sheet whose
// XML is malformed (excelize stops silently, sheetRows fails with the XML
// error) and rows without a number after row 1,048,576, which excelize
// numbers on past the last row and streamWorkbook.readSheet refuses with
// ErrMaxRows, as both refuse a row numbered past the last.

// errFallback: a cell holds something only excelize itself reproduces
// (an inline string its types cannot decode, which excelize leaves half
// decoded), so the sheet is handed to excelize from that row on.
var errFallback = errors.New("ingest: cell needs excelize")

// cellType is what a cell's t attribute means to excelize's getValueFrom
// with raw values: everything but shared and inline strings reads <v>.
type cellType uint8

const (
	cellPlain cellType = iota
	cellShared
	cellInline
)

// cellSpan is a cell whose value is buf[start:end] of its row.
type cellSpan struct{ cell, start, end int }

// sheetRows reads the rows of one worksheet part.
type sheetRows struct {
	z       *xmlTokenizer
	loadSST func() (*sharedStrings, error)
	sst     *sharedStrings

	// Rows' state: the row numbers, the <row> start tag Next has read and
	// Columns has not, and Rows.Error.
	curRow, seekRow int
	pending         bool
	pendingNum      int
	pendingErr      error
	err             error

	cells  []string    // the row Columns returned; reused
	buf    []byte      // the text of the row's values not in the shared strings
	spans  []cellSpan  // the cells whose text is in buf
	v      []byte      // the current cell's <v>
	is     siText      // the current cell's <is>
	prefix []byte      // the current cell's name prefix
	dates  *dateStyles // the styles whose numbers are dates
}

func newSheetRows(r io.Reader, loadSST func() (*sharedStrings, error)) *sheetRows {
	return &sheetRows{z: newXMLTokenizer(r), loadSST: loadSST}
}

// next is Rows.Next: it reports whether there is another row, blank rows
// between numbered rows included. The error is an XML error or
// errXMLCharset.
func (s *sheetRows) next() (bool, error) {
	if s.err != nil {
		return false, nil
	}
	s.seekRow++
	if s.curRow >= s.seekRow {
		return true, nil
	}
	z := s.z
	for {
		k, err := z.next()
		if err != nil {
			return false, err
		}
		switch k {
		case xmlEOF:
			return false, nil
		case xmlStart:
			if string(z.local) != "row" {
				continue
			}
			s.curRow++
			num, numErr := rowNumber(z.attrs)
			if num > excelize.TotalRows {
				s.err = excelize.ErrMaxRows
				return false, nil
			}
			if num != 0 {
				s.curRow = num
			}
			s.pending, s.pendingNum, s.pendingErr = true, num, numErr
			return true, nil
		case xmlEnd:
			if string(z.local) == "sheetData" {
				return false, nil
			}
		}
	}
}

// columns is Rows.Columns with raw cell values: it leaves the row's cells
// in s.cells.
func (s *sheetRows) columns() error {
	s.cells, s.buf, s.spans = s.cells[:0], s.buf[:0], s.spans[:0]
	if s.curRow > s.seekRow {
		return nil // a blank row before a numbered one
	}
	if s.sst == nil {
		sst, err := s.loadSST()
		if err != nil {
			return err
		}
		s.sst = sst
	}
	z := s.z
	col := 0
	var iterErr error
	for {
		wasPending := s.pending
		if !wasPending {
			k, err := z.next()
			if err != nil {
				return err
			}
			if k == xmlEOF || k == xmlEnd && string(z.local) == "sheetData" {
				break
			}
			if k != xmlStart {
				continue
			}
		}
		s.pending = false
		switch {
		case wasPending || string(z.local) == "row":
			num := s.pendingNum
			if wasPending {
				iterErr = s.pendingErr
			} else {
				num, iterErr = rowNumber(z.attrs)
			}
			if num > excelize.TotalRows {
				s.err = excelize.ErrMaxRows
				return s.err
			}
			if num != 0 {
				s.curRow = num
			} else if !wasPending {
				s.curRow++
			}
			if s.curRow > s.seekRow {
				if iterErr != nil {
					return iterErr
				}
				s.finishRow()
				return nil
			}
		case string(z.local) == "c":
			var err error
			if col, iterErr, err = s.cell(col); err != nil {
				return err
			}
		}
		if iterErr != nil {
			return iterErr
		}
	}
	s.finishRow()
	return nil
}

// finishRow turns the row's buffered values into strings: one allocation
// per row.
func (s *sheetRows) finishRow() {
	if len(s.spans) == 0 {
		return
	}
	text := string(s.buf)
	for _, sp := range s.spans {
		s.cells[sp.cell] = text[sp.start:sp.end]
	}
}

// cell is Rows.rowXMLHandler for the <c> start tag just read, col being the
// column of the cell before. It returns the cell's column and, as
// iterErr, a bad cell reference; err is an XML error or errFallback.
func (s *sheetRows) cell(col int) (_ int, iterErr error, err error) {
	z := s.z
	col++
	var (
		typ        cellType
		hasR, hasF bool
		hasIS      bool
		numeric    = true // no t attribute, or t="n"
		style      = -1
		refCol     int
		refErr     error
		done       bool // cellXMLHandler has returned: at the cell's end, or early
	)
	s.v = s.v[:0]
	s.prefix = append(s.prefix[:0], z.prefix...)
	nsLen := len(z.ns)
	for _, a := range z.attrs {
		switch string(a.local) {
		case "r":
			if hasR = len(a.value) > 0; hasR {
				refCol, refErr = cellColumn(a.value)
			}
		case "s":
			done = !parsesInt64(a.value) // excelize stops at a bad style
			if !done {
				style = sharedIndex(a.value)
			}
		case "t":
			typ = cellTypeOf(a.value)
			numeric = len(a.value) == 0 || string(a.value) == "n"
		}
		if done {
			break
		}
	}
	if !done && typ == cellInline {
		// The usual inline string, its cell closing after it.
		for _, open := range [...]string{"<is><t>", `<is><t xml:space="preserve">`} {
			if text, ok := z.fastText(open, "</t></is>", 2); ok {
				s.is.reset()
				s.is.hasT, s.is.t, hasIS = true, append(s.is.t, text...), true
				done = z.fastEnd("c")
				break
			}
		}
	} else if !done {
		// The usual value, its cell closing after it.
		if text, ok := z.fastText("<v>", "</v>", 1); ok {
			s.v = append(s.v, text...)
			done = z.fastEnd("c")
		}
	}
	var cellSpace string
	spaceKnown := false
	for !done {
		k, err := z.next()
		if err != nil {
			return col, nil, err
		}
		switch k {
		case xmlEOF:
			return col, nil, z.syntaxErr("unexpected EOF")
		case xmlEnd:
			if string(z.local) != "c" {
				continue
			}
			if len(z.ns) == nsLen && bytes.Equal(z.prefix, s.prefix) {
				done = true // same name, same namespaces in scope
				continue
			}
			if !spaceKnown {
				cellSpace, spaceKnown = z.space(s.prefix, z.local, nsLen), true
			}
			if z.space(z.prefix, z.local, len(z.ns)) == cellSpace {
				done = true
			}
		case xmlStart:
			switch string(z.local) {
			case "v":
				if z.depth() > xmlMaxDepth {
					done = true
					break
				}
				if s.v, err = z.appendString(s.v[:0]); err != nil {
					return col, nil, err
				}
			case "f":
				if z.depth() > xmlMaxDepth {
					done = true
					break
				}
				hasF = true
				if !formulaAttrsOK(z.attrs) {
					done = true
					break
				}
				if err := z.skip(); err != nil {
					return col, nil, err
				}
			case "is":
				if z.depth() > xmlMaxDepth {
					done = true
					break
				}
				if !hasIS {
					s.is.reset()
					hasIS = true
				}
				if err := s.is.decode(z); err != nil {
					if errors.Is(err, errUnmarshal) {
						return col, nil, errFallback
					}
					return col, nil, err
				}
			}
		}
	}
	if hasR {
		if refErr != nil {
			return col, refErr, nil
		}
		col = refCol
	}
	blank := col - len(s.cells)
	start := len(s.buf)
	shared, isShared := "", false
	switch {
	case typ == cellShared:
		if len(s.v) > 0 {
			if i := sharedIndex(s.v); i >= 0 && i < s.sst.len() {
				shared = s.sst.get(i)
			}
		}
		isShared = true
	case typ == cellInline && hasIS:
		s.buf = s.is.appendString(s.buf)
	default:
		if date, ok := s.dates.text(style, s.v); ok && numeric {
			s.buf = append(s.buf, date...)
			break
		}
		s.buf = append(s.buf, s.v...)
	}
	if shared == "" && len(s.buf) == start && !hasF {
		return col, nil, nil
	}
	for i := 1; i < blank; i++ {
		s.cells = append(s.cells, "")
	}
	if !isShared {
		s.spans = append(s.spans, cellSpan{cell: len(s.cells), start: start, end: len(s.buf)})
	}
	s.cells = append(s.cells, shared)
	return col, nil, nil
}

// cellTypeOf classifies a t attribute as excelize's getValueFrom does.
func cellTypeOf(t []byte) cellType {
	switch string(t) {
	case "s":
		return cellShared
	case "inlineStr":
		return cellInline
	}
	return cellPlain
}

// rowNumber is excelize's attrValToInt("r", ...) for a <row>: the last r
// attribute as a number, or the first that is not one with its error.
func rowNumber(attrs []xmlAttr) (int, error) {
	num := 0
	for _, a := range attrs {
		if string(a.local) != "r" {
			continue
		}
		var err error
		if num, err = atoi(a.value); err != nil {
			return num, err
		}
	}
	return num, nil
}

// atoi is strconv.Atoi.
func atoi(b []byte) (int, error) {
	if len(b) > 0 && len(b) < 19 && allDigits(b) {
		n := 0
		for _, c := range b {
			n = n*10 + int(c-'0')
		}
		return n, nil
	}
	return strconv.Atoi(string(b))
}

// sharedIndex is how excelize reads a shared-string index from <v>:
// strconv.Atoi of the trimmed text, errors ignored.
func sharedIndex(v []byte) int {
	if len(v) < 19 && allDigits(v) {
		n, _ := atoi(v)
		return n
	}
	n, _ := strconv.Atoi(strings.TrimSpace(string(v)))
	return n
}

// parsesInt64 reports whether strconv.ParseInt(v, 10, 64) succeeds, as
// excelize's cellXMLAttrHandler requires of a cell's s attribute.
func parsesInt64(v []byte) bool {
	if len(v) > 0 && len(v) < 19 && allDigits(v) {
		return true
	}
	_, err := strconv.ParseInt(string(v), 10, 64)
	return err == nil
}

// formulaAttrsOK reports whether encoding/xml decodes an <f> start tag
// into excelize's xlsxF: its flags are booleans, si an integer.
func formulaAttrsOK(attrs []xmlAttr) bool {
	return checkAttrs(attrs, attrBool, "aca", "dt2D", "dtr", "del1", "del2", "ca", "bx") &&
		checkAttrs(attrs, attrInt, "si")
}

// cellColumn is the column of excelize.CellNameToCoordinates(ref).
func cellColumn(ref []byte) (int, error) {
	letters := 0
	for letters < len(ref) && letters < 4 && ('A' <= ref[letters] && ref[letters] <= 'Z' || 'a' <= ref[letters] && ref[letters] <= 'z') {
		letters++
	}
	digits := ref[letters:]
	if letters == 0 || letters > 3 || len(digits) == 0 || len(digits) > 7 || !allDigits(digits) {
		col, _, err := excelize.CellNameToCoordinates(string(ref))
		return col, err
	}
	row, _ := atoi(digits)
	col := 0
	for _, c := range ref[:letters] {
		col = col*26 + int(c|0x20-'a'+1)
	}
	if row == 0 || row > excelize.TotalRows || col > excelize.MaxColumns {
		col, _, err := excelize.CellNameToCoordinates(string(ref))
		return col, err
	}
	return col, nil
}
