package xls

import (
	"context"
	"encoding/binary"
	"errors"
	"math"
	"reflect"
	"testing"
	"unicode/utf16"
)

// A tiny BIFF8 writer for streams no spreadsheet program writes on
// purpose: strings split across CONTINUE records, lying counts, FILEPASS.

func rec(typ uint16, data ...[]byte) []byte {
	var body []byte
	for _, d := range data {
		body = append(body, d...)
	}
	out := binary.LittleEndian.AppendUint16(nil, typ)
	out = binary.LittleEndian.AppendUint16(out, uint16(len(body)))
	return append(out, body...)
}

func u16(v ...uint16) []byte {
	var b []byte
	for _, x := range v {
		b = binary.LittleEndian.AppendUint16(b, x)
	}
	return b
}

func u32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }

func f64(v float64) []byte { return binary.LittleEndian.AppendUint64(nil, math.Float64bits(v)) }

func wide(s string) []byte {
	var b []byte
	for _, c := range utf16.Encode([]rune(s)) {
		b = binary.LittleEndian.AppendUint16(b, c)
	}
	return b
}

func bof(dt uint16) []byte { return rec(recBOF, u16(biff8, dt), make([]byte, 12)) }

// workbookStream assembles globals (after BOF) and one worksheet's
// records (between its BOF and EOF) named 台账.
func stream(globals, cells []byte) []byte {
	name := append([]byte{2, 1}, wide("台账")...)
	head := append(bof(bofGlobals), globals...)
	// BOUNDSHEET8's position is known once the globals' size is.
	sheetRec := func(pos uint32) []byte { return rec(recBoundSheet, u32(pos), []byte{0, 0}, name) }
	pos := uint32(len(head) + len(sheetRec(0)) + 4)
	out := append(head, sheetRec(pos)...)
	out = append(out, rec(recEOF)...)
	out = append(out, bof(bofWorksheet)...)
	out = append(out, cells...)
	return append(out, rec(recEOF)...)
}

func readAll(t *testing.T, data []byte) ([][]string, error) {
	t.Helper()
	var rows [][]string
	err := readStream(context.Background(), data, Handler{Row: func(_ string, n int, cells []string) error {
		for len(rows) < n-1 {
			rows = append(rows, nil)
		}
		rows = append(rows, append([]string(nil), cells...))
		return nil
	}})
	return rows, err
}

// TestSSTContinue: shared strings split across CONTINUE records, the
// characters going on after a new option byte (compressed, then wide,
// then compressed again), a header ending a record, rich-text runs and a
// phonetic block spanning a boundary.
func TestSSTContinue(t *testing.T) {
	// String 0: "abc" compressed, then "测试" wide in the next CONTINUE.
	// String 1: its header ends the second CONTINUE; its characters
	// ("xyz", compressed) start the third after their option byte.
	// String 2: rich text (1 run) and a 6-byte phonetic block, split.
	sst := rec(recSST, u32(3), u32(3), u16(5), []byte{0x00}, []byte("abc"))
	c1 := rec(recContinue, []byte{0x01}, wide("测试"), u16(3), []byte{0x00})
	c2 := rec(recContinue, []byte{0x00}, []byte("xyz"), u16(2), []byte{0x0C}, u16(1), u32(6), []byte("ok"), make([]byte, 4))
	c3 := rec(recContinue, []byte{1, 2, 3, 4, 5, 6})
	globals := append(append(append(sst, c1...), c2...), c3...)
	cells := append(rec(recLabelSST, u16(0, 0, 15), u32(0)), rec(recLabelSST, u16(0, 1, 15), u32(1))...)
	cells = append(cells, rec(recLabelSST, u16(0, 2, 15), u32(2))...)
	rows, err := readAll(t, stream(globals, cells))
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]string{{"abc测试", "xyz", "ok"}}; !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows %q, want %q", rows, want)
	}
}

// TestCellRecords: numbers (RK integer, RK /100, RK double, NUMBER),
// MULRK, a boolean, an error, a formula's string (the STRING record after
// it), number and boolean results, LABEL, dates in the 1900 and 1904
// systems, a blank middle cell, rows out of order.
func TestCellRecords(t *testing.T) {
	// XF 0: General; XF 1: format 14 (a date); XF 2: custom 164 "0.00";
	// XF 3: custom 165 yyyy"年"m"月"d"日".
	format := func(id uint16, code string) []byte {
		return rec(recFormat, u16(id, uint16(len(code))), []byte{0}, []byte(code))
	}
	xf := func(f uint16) []byte { return rec(recXF, u16(0, f), make([]byte, 16)) }
	globals := append(format(164, "0.00"), format(165, `yyyy"年"m"月"d"日"`)...)
	globals = append(globals, xf(0)...)
	globals = append(globals, xf(14)...)
	globals = append(globals, xf(164)...)
	globals = append(globals, xf(165)...)

	rk := func(row, col, xf uint16, v uint32) []byte { return rec(recRK, u16(row, col, xf), u32(v)) }
	// RK: 7 as an integer is 7<<2|2; 12.34 is 1234<<2|3; 0.5 is the high
	// 30 bits of the double (0x3FE00000) with both flags clear.
	cells := rk(2, 0, 0, 7<<2|2)
	cells = append(cells, rk(2, 1, 0, 1234<<2|3)...)
	cells = append(cells, rk(2, 3, 0, 0x3FE00000)...) // column 3: column 2 stays empty
	// A row above the one before: cells sorted by row.
	cells = append(cells, rec(recNumber, u16(0, 0, 1), f64(44743.75))...) // a date-time
	cells = append(cells, rec(recNumber, u16(0, 1, 3), f64(44743))...)    // the Chinese date format
	cells = append(cells, rec(recNumber, u16(0, 2, 2), f64(44743))...)    // "0.00" is no date
	cells = append(cells, rec(recLabel, u16(0, 3, 0), u16(2), []byte{1}, wide("台账"))...)
	// MULRK: row 1, columns 1..3, XF 0, values 1, 2, 3.
	cells = append(cells, rec(recMulRK, u16(1, 1), u16(0), u32(1<<2|2), u16(0), u32(2<<2|2), u16(0), u32(3<<2|2), u16(3))...)
	cells = append(cells, rec(recBoolErr, u16(3, 0, 0), []byte{1, 0})...)
	cells = append(cells, rec(recBoolErr, u16(3, 1, 0), []byte{0x07, 1})...)
	strRes := append([]byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)...)
	cells = append(cells, rec(recFormula, u16(3, 2, 0), strRes)...)
	cells = append(cells, rec(recString, u16(2), []byte{0}, []byte("OK"))...)
	cells = append(cells, rec(recFormula, u16(3, 3, 1), f64(45292), make([]byte, 6))...) // a date result
	boolRes := append([]byte{1, 0, 1, 0, 0, 0, 0xFF, 0xFF}, make([]byte, 6)...)
	cells = append(cells, rec(recFormula, u16(3, 4, 0), boolRes)...)

	want := [][]string{
		{"2022-07-01 18:00:00", "2022-07-01", "44743", "台账"},
		{"", "1", "2", "3"},
		{"7", "12.34", "", "0.5"},
		{"1", "#DIV/0!", "OK", "2024-01-01", "1"},
	}
	rows, err := readAll(t, stream(globals, cells))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows %q\nwant %q", rows, want)
	}

	// The same in the 1904 system: 44743 there is 1,462 days later (46205 in the 1900 system).
	rows, err = readAll(t, stream(append(rec(recDateMode, u16(1)), globals...), cells))
	if err != nil {
		t.Fatal(err)
	}
	if got := rows[0][1]; got != "2026-07-02" {
		t.Errorf("1904: %q, want 2026-07-02", got)
	}
}

// TestHostileStreams: what no real file holds fails cleanly.
func TestHostileStreams(t *testing.T) {
	sst := func(count uint32, strs ...[]byte) []byte {
		body := append(u32(count), u32(count)...)
		for _, s := range strs {
			body = append(body, s...)
		}
		return rec(recSST, body)
	}
	cases := []struct {
		name string
		data []byte
		want error
	}{
		{"encrypted", stream(rec(recFilePass, u16(1), make([]byte, 52)), nil), ErrEncrypted},
		{"biff5", append(rec(recBOF, u16(0x0500, bofGlobals), make([]byte, 4)), rec(recEOF)...), ErrUnsupported},
		{"no bof", rec(recEOF), ErrCorrupt},
		{"sst count over the record", stream(sst(1<<30, u16(1), []byte{0, 'a'}), nil), ErrCorrupt},
		{"string longer than its record", stream(sst(1, u16(60000), []byte{0, 'a'}), nil), ErrCorrupt},
		{"phonetic block past the end", stream(sst(1, u16(1), []byte{0x04}, u32(1<<31), []byte{'a'}), nil), ErrCorrupt},
		{"shared string out of range", stream(nil, rec(recLabelSST, u16(0, 0, 0), u32(5))), ErrCorrupt},
		{"record past the stream", append(bof(bofGlobals), 0x0A, 0x00, 0xFF, 0x7F), ErrCorrupt},
		{"no eof", bof(bofGlobals), ErrCorrupt},
		{"column past the grid", stream(nil, rec(recRK, u16(0, 300, 0), u32(2))), ErrCorrupt},
		{"short cell", stream(nil, rec(recNumber, u16(0, 0, 0))), ErrCorrupt},
		{"sheet past the stream", append(append(bof(bofGlobals), rec(recBoundSheet, u32(1<<20), []byte{0, 0, 1, 0, 'a'})...), rec(recEOF)...), ErrCorrupt},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := readAll(t, c.data); !errors.Is(err, c.want) {
				t.Fatalf("error %v, want %v", err, c.want)
			}
		})
	}
}

// TestDateFormats: which number formats are dates, and the dates serials
// stand for, worked out by hand from the calendar.
func TestDateFormats(t *testing.T) {
	for _, c := range []struct {
		id   int
		code string
		want bool
	}{
		{14, "", true}, {22, "", true}, {45, "", true}, {31, "", true}, {57, "", true},
		{0, "", false}, {2, "", false}, {49, "", false}, {164, "", false},
		{164, "yyyy-mm-dd", true}, {164, "YYYY/M/D", true}, {164, `yyyy"年"m"月"d"日"`, true},
		{164, "[$-804]yyyy-mm-dd", true}, {164, "h:mm:ss", true}, {164, "General", false},
		{164, "0.00", false}, {164, "#,##0;[Red]-#,##0", false}, {164, `0.0 "days"`, false},
		{164, `\d0`, false}, {164, "[h]", false}, {164, "@", false}, {164, "0.00E+00", false},
		{164, `"unclosed`, false}, {164, "G/通用格式", false},
	} {
		if got := IsDateFormat(c.id, c.code); got != c.want {
			t.Errorf("IsDateFormat(%d, %q) = %v, want %v", c.id, c.code, got, c.want)
		}
	}
	for _, c := range []struct {
		v    float64
		d    bool
		want string
		ok   bool
	}{
		{1, false, "1900-01-01", true},
		{59, false, "1900-02-28", true},
		{60, false, "", false}, // 1900-02-29, which did not exist
		{61, false, "1900-03-01", true},
		{44743, false, "2022-07-01", true}, // 2022-01-01 is 44562, plus 181 days
		{44743.5, false, "2022-07-01 12:00:00", true},
		{44743.999999, false, "2022-07-02", true}, // 0.999999 of a day is 86,399.91 s: the next midnight
		{0.75, false, "18:00:00", true},
		{0, false, "", false},
		{0, true, "1904-01-01", true},
		{43281, true, "2022-07-01", true},
		{2958465, false, "9999-12-31", true},
		{2958466, false, "", false},
		{-1, false, "", false},
		{math.NaN(), false, "", false},
	} {
		got, ok := SerialText(c.v, c.d)
		if got != c.want || ok != c.ok {
			t.Errorf("SerialText(%v, 1904 %v) = %q, %v; want %q, %v", c.v, c.d, got, ok, c.want, c.ok)
		}
	}
	for v, want := range map[float64]string{0: "0", 7: "7", 1234.5: "1234.5", -0.25: "-0.25", 1e21: "1E+21", 1.5e-7: "1.5E-07", 140105199001011238: "140105199001011230"} {
		if got := NumberText(v); got != want {
			t.Errorf("NumberText(%v) = %q, want %q", v, got, want)
		}
	}
}
