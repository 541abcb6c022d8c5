package xls

import (
	"encoding/binary"
	"fmt"
)

// workbook is what the globals substream says.
type workbook struct {
	data     []byte
	date1904 bool
	isDate   []bool   // by XF index: its number format shows a date
	sst      []string // shared strings
	sheets   []sheetInfo
}

// sheetInfo is one worksheet: its name and where its BOF is.
type sheetInfo struct {
	name string
	pos  int
}

// BOF versions and substream types.
const (
	biff8         = 0x0600
	bofGlobals    = 0x0005
	bofWorksheet  = 0x0010
	sheetTypeWork = 0x00
)

// hasContinue: the records of the globals whose data may go on in CONTINUE
// records that are read.
func hasContinue(t uint16) bool { return t == recSST || t == recFormat }

// parseGlobals reads the globals substream up to its EOF.
func parseGlobals(data []byte) (*workbook, error) {
	wb := &workbook{data: data}
	rs := &records{b: data}
	rec, ok, err := rs.next(nil)
	if err != nil {
		return nil, err
	}
	if !ok || rec.typ != recBOF || len(rec.data) < 4 {
		return nil, fmt.Errorf("%w: the Workbook stream does not start with BOF", ErrCorrupt)
	}
	if v := binary.LittleEndian.Uint16(rec.data); v != biff8 {
		return nil, fmt.Errorf("%w (BIFF version 0x%04X)", ErrUnsupported, v)
	}
	var xfFormats []uint16
	formats := map[uint16]string{}
	var buf []byte
	for {
		rec, ok, err := rs.next(hasContinue)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("%w: the workbook globals have no EOF", ErrCorrupt)
		}
		switch rec.typ {
		case recEOF:
			wb.isDate = make([]bool, len(xfFormats))
			for i, f := range xfFormats {
				wb.isDate[i] = IsDateFormat(int(f), formats[f])
			}
			return wb, nil
		case recFilePass:
			return nil, ErrEncrypted
		case recDateMode:
			wb.date1904 = len(rec.data) >= 2 && binary.LittleEndian.Uint16(rec.data) == 1
		case recXF:
			if len(rec.data) < 4 {
				return nil, fmt.Errorf("%w: a short XF record", ErrCorrupt)
			}
			xfFormats = append(xfFormats, binary.LittleEndian.Uint16(rec.data[2:]))
		case recFormat:
			r := newReader(rec)
			id, err := r.u16()
			if err != nil {
				return nil, err
			}
			var code string
			if code, buf, err = r.str(false, buf); err != nil {
				return nil, err
			}
			formats[id] = code
		case recSST:
			if wb.sst, err = readSST(rec); err != nil {
				return nil, err
			}
		case recBoundSheet:
			if err := wb.boundSheet(rec); err != nil {
				return nil, err
			}
		}
	}
}

// boundSheet records a worksheet; other sheet types are skipped.
func (wb *workbook) boundSheet(rec record) error {
	r := newReader(record{data: rec.data})
	pos, err := r.u32()
	if err != nil {
		return err
	}
	if _, err := r.u8(); err != nil { // visibility: hidden sheets are read too
		return err
	}
	typ, err := r.u8()
	if err != nil {
		return err
	}
	name, _, err := r.str(true, nil)
	if err != nil {
		return err
	}
	if typ != sheetTypeWork {
		return nil
	}
	if int64(pos) >= int64(len(wb.data)) {
		return fmt.Errorf("%w: sheet %q starts past the stream", ErrCorrupt, name)
	}
	wb.sheets = append(wb.sheets, sheetInfo{name: name, pos: int(pos)})
	return nil
}

// readSST reads the shared strings. Their count comes from the file: it
// sizes nothing beyond what the record and its CONTINUE records can hold
// (a string takes at least three bytes).
func readSST(rec record) ([]string, error) {
	r := newReader(rec)
	if _, err := r.u32(); err != nil { // references to the strings
		return nil, err
	}
	n, err := r.u32()
	if err != nil {
		return nil, err
	}
	if int64(n) > int64(r.left())/3 {
		return nil, fmt.Errorf("%w: the shared string table claims %d strings in %d bytes", ErrCorrupt, n, r.left())
	}
	sst := make([]string, 0, n)
	var buf []byte
	for range n {
		var s string
		if s, buf, err = r.str(false, buf); err != nil {
			return nil, fmt.Errorf("shared string %d: %w", len(sst), err)
		}
		sst = append(sst, s)
	}
	return sst, nil
}
