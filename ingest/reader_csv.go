package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
)

// textEncoding is a CSV file's character encoding.
type textEncoding int

const (
	encAuto textEncoding = iota
	encUTF8
	encGB18030
)

// parseEncoding reads ReadOptions.Encoding. "gbk" and "gb2312" are accepted
// as GB18030, which contains both.
func parseEncoding(s string) (textEncoding, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", EncodingAuto:
		return encAuto, nil
	case EncodingUTF8, "utf8":
		return encUTF8, nil
	case EncodingGB18030, "gbk", "gb2312":
		return encGB18030, nil
	}
	return encAuto, fmt.Errorf("%w: encoding %q", ErrUnsupported, s)
}

// sniffSize is how much of a CSV file the encoding and delimiter are
// detected from.
const sniffSize = 64 << 10

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomGB18030 = []byte{0x84, 0x31, 0x95, 0x33}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

type csvConfig struct {
	name   string // for errors
	tsv    bool   // a .tsv file: tab wins a tie
	enc    textEncoding
	maxRow int
}

// readCSV streams the records of a comma- or tab-separated text.
//
// A byte-order mark wins over the configured encoding. Without one, "auto"
// takes UTF-8 when the first 64 KiB are valid UTF-8 and GB18030 otherwise.
// UTF-8 text is validated field by field and GB18030 text must decode without
// replacement characters: bad text is an ErrEncoding, never silently replaced.
func readCSV(ctx context.Context, r io.Reader, cfg csvConfig, fn func(Row) error) error {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && err != io.EOF {
		return fmt.Errorf("ingest: read %s: %w", cfg.name, err)
	}
	enc := cfg.enc
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		_, _ = br.Discard(len(bomUTF8))
		enc = encUTF8
	case bytes.HasPrefix(head, bomGB18030):
		_, _ = br.Discard(len(bomGB18030))
		enc = encGB18030
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		return &ParseError{File: cfg.name, Row: 1, Err: fmt.Errorf("%w: UTF-16 is not supported, save the file as UTF-8 or GB18030", ErrEncoding)}
	case enc == encAuto:
		enc = encGB18030
		if looksUTF8(head, len(head) == sniffSize) {
			enc = encUTF8
		}
	}

	text := br
	if enc == encGB18030 {
		text = bufio.NewReaderSize(transform.NewReader(br, simplifiedchinese.GB18030.NewDecoder()), sniffSize)
	}
	first, err := text.Peek(sniffSize)
	if err != nil && err != io.EOF {
		return fmt.Errorf("ingest: read %s: %w", cfg.name, err)
	}

	win := &windowReader{r: text}
	cr := csv.NewReader(win)
	cr.Comma = detectDelimiter(first, cfg.tsv)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true

	// nextLine is where the next record starts at the earliest; it locates a
	// record too large for csv.Reader to report.
	nextLine := 1
	for n := 0; ; n++ {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		win.mark(cr.InputOffset(), cfg.maxRow)
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return csvError(cfg, nextLine, err)
		}
		line, _ := cr.FieldPos(0)
		last, _ := cr.FieldPos(len(rec) - 1)
		nextLine = last + strings.Count(rec[len(rec)-1], "\n") + 1

		cells := trimTrailing(rec)
		if len(cells) == 0 {
			continue // a line of empty cells
		}
		if col, err := checkText(cells, enc); err != nil {
			return &ParseError{File: cfg.name, Row: line, Column: col, Err: err}
		}
		if err := fn(Row{Number: line, Cells: cells}); err != nil {
			return err
		}
	}
}

// checkText returns the 1-based column of the first cell that is not clean
// text in enc, with the reason.
func checkText(cells []string, enc textEncoding) (int, error) {
	for i, c := range cells {
		if enc == encGB18030 {
			// The decoder turns bytes that are not GB18030 into U+FFFD.
			if strings.ContainsRune(c, utf8.RuneError) {
				return i + 1, fmt.Errorf("%w: invalid GB18030", ErrEncoding)
			}
		} else if !utf8.ValidString(c) {
			return i + 1, fmt.Errorf("%w: invalid UTF-8", ErrEncoding)
		}
	}
	return 0, nil
}

// csvError turns an error of csv.Reader into a *ParseError where it is about
// the content.
func csvError(cfg csvConfig, nextLine int, err error) error {
	var pe *csv.ParseError
	switch {
	case errors.Is(err, errWindow):
		return &ParseError{File: cfg.name, Row: nextLine, Err: fmt.Errorf("%w: a record is over %d bytes", ErrTooLarge, cfg.maxRow)}
	case errors.As(err, &pe):
		err = fmt.Errorf("%w: %w", ErrSyntax, pe.Err)
		if pe.StartLine != pe.Line {
			err = fmt.Errorf("%w (in the record starting on line %d)", err, pe.StartLine)
		}
		return &ParseError{File: cfg.name, Row: pe.Line, Column: pe.Column, Err: err}
	}
	return fmt.Errorf("ingest: read %s: %w", cfg.name, err)
}

// looksUTF8 reports whether b is valid UTF-8; when cut is set, b is a window
// of a longer text and a multi-byte sequence cut by its end is allowed.
func looksUTF8(b []byte, cut bool) bool {
	if cut {
		b = b[:completeUTF8(b)]
	}
	return utf8.Valid(b)
}

// completeUTF8 returns len(b) less an incomplete multi-byte sequence at its
// end, if there is one.
func completeUTF8(b []byte) int {
	for i := 1; i < utf8.UTFMax && i <= len(b); i++ {
		c := b[len(b)-i]
		if c < utf8.RuneSelf {
			break
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-i:]) {
				return len(b) - i
			}
			break
		}
	}
	return len(b)
}

// detectDelimiter picks comma or tab, whichever the first line holds more
// of outside quotes; a tie goes to tab for a .tsv file, else to comma. Lines
// with neither (blank lines, a title alone on its line) are passed over.
func detectDelimiter(head []byte, tsv bool) rune {
	commas, tabs := 0, 0
	quoted := false
	for _, c := range head {
		switch c {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				commas++
			}
		case '\t':
			if !quoted {
				tabs++
			}
		case '\n':
			if !quoted && commas+tabs > 0 {
				return pickDelimiter(commas, tabs, tsv)
			}
		}
	}
	return pickDelimiter(commas, tabs, tsv)
}

func pickDelimiter(commas, tabs int, tsv bool) rune {
	if tabs > commas || (tsv && tabs == commas) {
		return '\t'
	}
	return ','
}
