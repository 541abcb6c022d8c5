package xls

import (
	"cmp"
	"context"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
)

// The BIFF8 grid: 65,536 rows of 256 columns. A sheet holds at most
// maxCells cell records, so that a hostile file cannot make the reader hold
// more cells than a real sheet can have.
const (
	maxColumns = 256
	maxCells   = 65536 * maxColumns
)

// cell is one value of a sheet.
type cell struct {
	row, col int
	text     string
}

// readSheet reads one worksheet's substream and hands its rows to h.
func (wb *workbook) readSheet(ctx context.Context, s sheetInfo, h Handler) error {
	fail := func(err error) error { return &Error{Sheet: s.name, Err: err} }
	if h.Sheet != nil {
		if err := h.Sheet(s.name); err != nil {
			return err
		}
	}
	cells, err := wb.sheetCells(s)
	if err != nil {
		return fail(err)
	}
	// Cells come row by row in every writer's files; sorting (stable, the
	// last of two values of one cell wins) makes any order safe.
	byPosition := func(a, b cell) int { return cmp.Or(cmp.Compare(a.row, b.row), cmp.Compare(a.col, b.col)) }
	if !slices.IsSortedFunc(cells, byPosition) {
		slices.SortStableFunc(cells, byPosition)
	}
	var row []string
	for i := 0; i < len(cells); {
		if err := ctx.Err(); err != nil {
			return err
		}
		r := cells[i].row
		row = row[:0]
		for ; i < len(cells) && cells[i].row == r; i++ {
			c := cells[i]
			for len(row) < c.col {
				row = append(row, "")
			}
			if len(row) == c.col {
				row = append(row, c.text)
			} else {
				row[c.col] = c.text
			}
		}
		n := len(row)
		for n > 0 && row[n-1] == "" {
			n--
		}
		if n == 0 {
			continue
		}
		if err := h.Row(s.name, r+1, row[:n]); err != nil {
			return err
		}
	}
	return nil
}

// sheetCells reads the cells of a worksheet's substream, up to its EOF.
// Substreams nested in it (an embedded chart's) are skipped.
func (wb *workbook) sheetCells(s sheetInfo) ([]cell, error) {
	rs := &records{b: wb.data, off: s.pos}
	rec, ok, err := rs.next(nil)
	if err != nil {
		return nil, err
	}
	if !ok || rec.typ != recBOF || len(rec.data) < 4 {
		return nil, fmt.Errorf("%w: the sheet does not start with BOF", ErrCorrupt)
	}
	if dt := binary.LittleEndian.Uint16(rec.data[2:]); dt != bofWorksheet {
		return nil, nil // a dialog or macro sheet filed as a worksheet
	}
	var (
		cells   []cell
		buf     []byte
		depth   int
		pending = -1 // index in cells of a formula whose string follows
	)
	add := func(row, col int, text string) error {
		if col >= maxColumns {
			return fmt.Errorf("%w: a cell in column %d", ErrCorrupt, col+1)
		}
		if len(cells) >= maxCells {
			return fmt.Errorf("%w: more than %d cells in a sheet", ErrCorrupt, maxCells)
		}
		cells = append(cells, cell{row, col, text})
		return nil
	}
	for {
		rec, ok, err := rs.next(func(t uint16) bool { return t == recString })
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: the sheet has no EOF", ErrCorrupt)
		}
		if rec.typ == recBOF {
			depth++
			continue
		}
		if rec.typ == recEOF {
			if depth == 0 {
				return cells, nil
			}
			depth--
			continue
		}
		if depth > 0 {
			continue
		}
		if rec.typ == recString && pending >= 0 {
			var s string
			if s, buf, err = newReader(rec).str(false, buf); err != nil {
				return nil, err
			}
			cells[pending].text = s
			pending = -1
			continue
		}
		pending = -1
		row, col, text, str, err := wb.cellOf(rec, &buf)
		if err != nil {
			return nil, err
		}
		switch {
		case rec.typ == recMulRK:
			if err := wb.mulRK(rec.data, add); err != nil {
				return nil, err
			}
		case row >= 0:
			if err := add(row, col, text); err != nil {
				return nil, err
			}
			if str {
				pending = len(cells) - 1
			}
		}
	}
}

// cellOf reads a one-cell record: its row and column (row -1 for a record
// that is not one), its text, and whether a STRING record follows with the
// text (a formula's string result).
func (wb *workbook) cellOf(rec record, buf *[]byte) (row, col int, text string, str bool, err error) {
	d := rec.data
	switch rec.typ {
	case recLabelSST, recLabel, recNumber, recRK, recBoolErr, recFormula:
	default:
		return -1, 0, "", false, nil
	}
	if len(d) < 6 {
		return 0, 0, "", false, fmt.Errorf("%w: a short cell record 0x%04X", ErrCorrupt, rec.typ)
	}
	row, col = int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:]))
	xf := int(binary.LittleEndian.Uint16(d[4:]))
	if len(d) < minCellSize(rec.typ) {
		return 0, 0, "", false, fmt.Errorf("%w: a short cell record 0x%04X", ErrCorrupt, rec.typ)
	}
	switch rec.typ {
	case recLabelSST:
		i := binary.LittleEndian.Uint32(d[6:])
		if int64(i) >= int64(len(wb.sst)) {
			return 0, 0, "", false, fmt.Errorf("%w: a cell refers to shared string %d of %d", ErrCorrupt, i, len(wb.sst))
		}
		text = wb.sst[i]
	case recLabel:
		r := newReader(record{data: d[6:]})
		if text, *buf, err = r.str(false, *buf); err != nil {
			return 0, 0, "", false, err
		}
	case recNumber:
		text = wb.number(math.Float64frombits(binary.LittleEndian.Uint64(d[6:])), xf)
	case recRK:
		text = wb.number(rkValue(binary.LittleEndian.Uint32(d[6:])), xf)
	case recBoolErr:
		text = boolErr(d[6], d[7])
	case recFormula:
		text, str = wb.formulaValue(d[6:14], xf)
	}
	return row, col, text, str, nil
}

// minCellSize is the least size of a cell record of type t.
func minCellSize(t uint16) int {
	switch t {
	case recLabelSST, recRK:
		return 10
	case recNumber:
		return 14
	case recBoolErr:
		return 8
	case recFormula:
		return 20
	}
	return 6
}

// mulRK adds the cells of a MULRK record: a row, a first column, then an
// XF and an RK value for each column up to the last.
func (wb *workbook) mulRK(d []byte, add func(row, col int, text string) error) error {
	if len(d) < 6 || (len(d)-6)%6 != 0 {
		return fmt.Errorf("%w: a MULRK record of %d bytes", ErrCorrupt, len(d))
	}
	row, first := int(binary.LittleEndian.Uint16(d)), int(binary.LittleEndian.Uint16(d[2:]))
	for i, p := 0, 4; p+6 <= len(d)-2; i, p = i+1, p+6 {
		xf := int(binary.LittleEndian.Uint16(d[p:]))
		if err := add(row, first+i, wb.number(rkValue(binary.LittleEndian.Uint32(d[p+2:])), xf)); err != nil {
			return err
		}
	}
	return nil
}

// formulaValue is a formula's cached result: a number, or when its last
// two bytes are 0xFFFF a string (in the STRING record that follows), a
// boolean, an error or an empty string.
func (wb *workbook) formulaValue(v []byte, xf int) (string, bool) {
	if v[6] != 0xFF || v[7] != 0xFF {
		return wb.number(math.Float64frombits(binary.LittleEndian.Uint64(v)), xf), false
	}
	switch v[0] {
	case 0:
		return "", true
	case 1:
		return boolErr(v[2], 0), false
	case 2:
		return boolErr(v[2], 1), false
	}
	return "", false
}

// number writes a number, as a date when its XF's format is one.
func (wb *workbook) number(v float64, xf int) string {
	if xf < len(wb.isDate) && wb.isDate[xf] {
		if s, ok := SerialText(v, wb.date1904); ok {
			return s
		}
	}
	return NumberText(v)
}

// rkValue decodes an RK number: an integer or the high 30 bits of a
// double, divided by 100 when its low bit says so.
func rkValue(rk uint32) float64 {
	var v float64
	if rk&0x02 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&^0x03) << 32)
	}
	if rk&0x01 != 0 {
		v /= 100
	}
	return v
}

// boolErr writes a boolean as "1" or "0" and an error as Excel shows it.
func boolErr(v, isErr byte) string {
	if isErr == 0 {
		if v != 0 {
			return "1"
		}
		return "0"
	}
	switch v {
	case 0x00:
		return "#NULL!"
	case 0x07:
		return "#DIV/0!"
	case 0x0F:
		return "#VALUE!"
	case 0x17:
		return "#REF!"
	case 0x1D:
		return "#NAME?"
	case 0x24:
		return "#NUM!"
	case 0x2A:
		return "#N/A"
	}
	return "#N/A"
}
