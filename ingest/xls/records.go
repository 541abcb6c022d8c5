package xls

import (
	"encoding/binary"
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// Record types read (BIFF8).
const (
	recFormula    = 0x0006
	recEOF        = 0x000A
	recFilePass   = 0x002F
	recDateMode   = 0x0022
	recContinue   = 0x003C
	recBoundSheet = 0x0085
	recMulRK      = 0x00BD
	recXF         = 0x00E0
	recSST        = 0x00FC
	recLabelSST   = 0x00FD
	recNumber     = 0x0203
	recLabel      = 0x0204
	recBoolErr    = 0x0205
	recString     = 0x0207
	recRK         = 0x027E
	recFormat     = 0x041E
	recBOF        = 0x0809
)

// record is one record of the stream: its type, its data and, for the
// records that may go on in CONTINUE records, the data of those.
type record struct {
	typ  uint16
	data []byte
	cont [][]byte
}

// records walks the records of a stream from an offset.
type records struct {
	b   []byte
	off int
}

// next returns the next record, with its CONTINUE records when withCont
// says its type may have some. It returns false at the end of the stream.
func (rs *records) next(withCont func(uint16) bool) (record, bool, error) {
	typ, data, ok, err := rs.raw()
	if !ok || err != nil {
		return record{}, ok, err
	}
	rec := record{typ: typ, data: data}
	if withCont != nil && withCont(typ) {
		for rs.off+4 <= len(rs.b) && binary.LittleEndian.Uint16(rs.b[rs.off:]) == recContinue {
			_, c, _, err := rs.raw()
			if err != nil {
				return record{}, false, err
			}
			rec.cont = append(rec.cont, c)
		}
	}
	return rec, true, nil
}

// raw reads one record's header and data.
func (rs *records) raw() (uint16, []byte, bool, error) {
	if rs.off >= len(rs.b) {
		return 0, nil, false, nil
	}
	if rs.off+4 > len(rs.b) {
		return 0, nil, false, fmt.Errorf("%w: a record header is cut at byte %d", ErrCorrupt, rs.off)
	}
	typ := binary.LittleEndian.Uint16(rs.b[rs.off:])
	n := int(binary.LittleEndian.Uint16(rs.b[rs.off+2:]))
	start := rs.off + 4
	if start+n > len(rs.b) {
		return 0, nil, false, fmt.Errorf("%w: record 0x%04X at byte %d runs past the stream", ErrCorrupt, typ, rs.off)
	}
	rs.off = start + n
	return typ, rs.b[start : start+n], true, nil
}

// reader reads a record's data across its CONTINUE records. Plain reads
// (numbers, the rich-text runs, the phonetic block) go on in the next
// segment as they are; characters go on after a new option byte that says
// whether they are compressed (see chars).
type reader struct {
	segs [][]byte
	seg  int
	pos  int
}

func newReader(rec record) *reader {
	return &reader{segs: append([][]byte{rec.data}, rec.cont...)}
}

var errShort = fmt.Errorf("%w: a record is shorter than its content", ErrCorrupt)

// avail is what is left in the current segment, moving to the next one
// when the current is used up.
func (r *reader) avail() int {
	for r.seg < len(r.segs) && r.pos >= len(r.segs[r.seg]) {
		r.seg++
		r.pos = 0
	}
	if r.seg >= len(r.segs) {
		return 0
	}
	return len(r.segs[r.seg]) - r.pos
}

// bytes reads n bytes, which may span segments, into a fresh or shared
// slice; n is bounded by what is left.
func (r *reader) bytes(n int) ([]byte, error) {
	if n <= 0 {
		if n < 0 {
			return nil, errShort
		}
		return nil, nil
	}
	if a := r.avail(); a >= n {
		b := r.segs[r.seg][r.pos : r.pos+n]
		r.pos += n
		return b, nil
	}
	if n > r.left() {
		return nil, errShort
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		a := r.avail()
		k := min(a, n-len(out))
		out = append(out, r.segs[r.seg][r.pos:r.pos+k]...)
		r.pos += k
	}
	return out, nil
}

// left is what is left in every segment.
func (r *reader) left() int {
	n := r.avail()
	for i := r.seg + 1; i < len(r.segs); i++ {
		n += len(r.segs[i])
	}
	return n
}

func (r *reader) u8() (byte, error) {
	b, err := r.bytes(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *reader) u16() (uint16, error) {
	b, err := r.bytes(2)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *reader) u32() (uint32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

// str reads a BIFF8 string: its length (one byte when short, else two),
// its option byte, the optional counts of rich-text runs and of the
// phonetic block, its characters, then skips the runs and the block.
func (r *reader) str(short bool, buf []byte) (string, []byte, error) {
	var cch int
	if short {
		b, err := r.u8()
		if err != nil {
			return "", buf, err
		}
		cch = int(b)
	} else {
		n, err := r.u16()
		if err != nil {
			return "", buf, err
		}
		cch = int(n)
	}
	opt, err := r.u8()
	if err != nil {
		return "", buf, err
	}
	var runs, ext int
	if opt&0x08 != 0 {
		n, err := r.u16()
		if err != nil {
			return "", buf, err
		}
		runs = int(n)
	}
	if opt&0x04 != 0 {
		n, err := r.u32()
		if err != nil {
			return "", buf, err
		}
		if int64(n) > int64(r.left()) {
			return "", buf, errShort
		}
		ext = int(n)
	}
	s, buf, err := r.chars(cch, opt&0x01 != 0, buf)
	if err != nil {
		return "", buf, err
	}
	if _, err := r.bytes(4*runs + ext); err != nil {
		return "", buf, err
	}
	return s, buf, nil
}

// chars reads cch characters, two bytes each when wide, else one (the
// code points U+0000–U+00FF). Where they go on into the next segment, that
// segment starts with a new option byte: its low bit says wide or not.
func (r *reader) chars(cch int, wide bool, buf []byte) (string, []byte, error) {
	buf = buf[:0]
	var pending []uint16
	for cch > 0 {
		if r.seg >= len(r.segs) {
			return "", buf, errShort
		}
		a := len(r.segs[r.seg]) - r.pos
		if a == 0 {
			// The characters go on in the next CONTINUE, after its option
			// byte.
			r.seg, r.pos = r.seg+1, 1
			if r.seg >= len(r.segs) || len(r.segs[r.seg]) == 0 {
				return "", buf, errShort
			}
			wide = r.segs[r.seg][0]&0x01 != 0
			continue
		}
		size := 1
		if wide {
			size = 2
		}
		k := min(cch, a/size)
		if k == 0 {
			return "", buf, errShort // half a character at a segment's end
		}
		b := r.segs[r.seg][r.pos : r.pos+k*size]
		r.pos += k * size
		cch -= k
		if wide {
			for i := 0; i < len(b); i += 2 {
				pending = append(pending, binary.LittleEndian.Uint16(b[i:]))
			}
		} else {
			buf, pending = flush(buf, pending)
			for _, c := range b {
				buf = utf8.AppendRune(buf, rune(c))
			}
		}
	}
	buf, _ = flush(buf, pending)
	return string(buf), buf, nil
}

// flush appends the UTF-16 code units pending as UTF-8 (a lone surrogate
// becomes U+FFFD).
func flush(buf []byte, pending []uint16) ([]byte, []uint16) {
	if len(pending) == 0 {
		return buf, pending
	}
	for _, c := range utf16.Decode(pending) {
		buf = utf8.AppendRune(buf, c)
	}
	return buf, pending[:0]
}
