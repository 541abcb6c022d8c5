package ingest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// readJSON streams the objects of a JSON array: the whole file, or the
// array of a top-level object under key (found by arrayKey, which reads the
// object first: see there for the rule). Each object is one row, numbered by
// its position in the array.
//
// The input goes through a utf8Reader (a BOM is dropped, invalid UTF-8 is an
// error where it occurs rather than a silent U+FFFD) and a windowReader
// bounding each value to maxRow bytes. Tokens are read one by one, so memory
// stays bounded by one row.
func readJSON(ctx context.Context, r io.Reader, name, key string, maxRow int, fn func(Row) error) error {
	p := newJSONParser(r, name, maxRow)
	dec := p.dec

	p.mark()
	tok, err := dec.Token()
	if err == io.EOF {
		return p.fail(0, 0, errEmpty)
	}
	if err != nil {
		return p.fail(0, 0, err)
	}
	wrapped := false
	switch tok {
	case json.Delim('['):
	case json.Delim('{'):
		if err := p.findArray(key); err != nil {
			return err
		}
		wrapped = true
	default:
		return p.fail(0, 0, errNotArray)
	}

	// Non-nil even for an empty object: Keys marks a keyed row.
	keys, cells := make([]string, 0, 32), make([]string, 0, 32)
	n := 0
	for {
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		p.mark()
		if !dec.More() {
			break
		}
		n++
		tok, err := dec.Token()
		if err != nil {
			return p.fail(n, 0, err)
		}
		if tok != json.Delim('{') {
			return p.fail(n, 0, errNotObject)
		}
		var col int
		keys, cells, col, err = readObject(dec, keys[:0], cells[:0])
		if err != nil {
			return p.fail(n, col, err)
		}
		if err := fn(Row{Number: n, Keys: keys, Cells: cells}); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil { // the closing ']'
		return p.fail(n+1, 0, err)
	}
	if wrapped {
		if err := p.skipFields(); err != nil {
			return err
		}
	}
	p.mark()
	if _, err := dec.Token(); err != io.EOF {
		if err == nil {
			err = errTrailing
		}
		return p.fail(0, 0, err)
	}
	return nil
}

// jsonParser holds what the JSON reader's steps share.
type jsonParser struct {
	dec    *json.Decoder
	win    *windowReader
	name   string
	maxRow int
}

// newJSONParser decodes r (through a utf8Reader and a windowReader, see
// readJSON) with numbers kept as json.Number.
func newJSONParser(r io.Reader, name string, maxRow int) *jsonParser {
	win := &windowReader{r: &utf8Reader{r: r}}
	dec := json.NewDecoder(win)
	dec.UseNumber()
	return &jsonParser{dec: dec, win: win, name: name, maxRow: maxRow}
}

// mark opens a fresh window of maxRow bytes at the decoder's position.
func (p *jsonParser) mark() { p.win.mark(p.dec.InputOffset(), p.maxRow) }

// findArray reads the fields of the top-level object up to the first one
// named key whose value is an array, and consumes that array's '['.
func (p *jsonParser) findArray(key string) error {
	for {
		p.mark()
		if !p.dec.More() {
			return p.fail(0, 0, errNoArray)
		}
		k, err := p.dec.Token()
		if err != nil {
			return p.fail(0, 0, err)
		}
		tok, err := p.dec.Token()
		if err != nil {
			return p.fail(0, 0, err)
		}
		if tok == json.Delim('[') && k == key {
			return nil
		}
		if err := p.skip(tok); err != nil {
			return err
		}
	}
}

// skipFields reads the rest of the top-level object after the array of
// records, up to and including its '}'.
func (p *jsonParser) skipFields() error {
	for {
		p.mark()
		if !p.dec.More() {
			break
		}
		if _, err := p.dec.Token(); err != nil { // key
			return p.fail(0, 0, err)
		}
		tok, err := p.dec.Token()
		if err != nil {
			return p.fail(0, 0, err)
		}
		if err := p.skip(tok); err != nil {
			return err
		}
	}
	if _, err := p.dec.Token(); err != nil {
		return p.fail(0, 0, err)
	}
	return nil
}

// Errors of JSON structure, wrapped in ErrSyntax by fail.
var (
	errNotArray  = errors.New("expected an array of objects, or an object holding one")
	errNoArray   = errors.New("the top-level object holds no array")
	errNotObject = errors.New("an element of the array is not an object")
	errNested    = errors.New("nested arrays and objects are not allowed in a record")
	errTrailing  = errors.New("data after the end of the JSON value")
	errNotOne    = errors.New("a line must hold exactly one object")
	errEmpty     = errors.New("the file is empty")
)

// fail turns an error met at row and column into a *ParseError where it is
// about the content. The decoder's own syntax messages may quote a
// character of the input, so only their offset is kept.
func (p *jsonParser) fail(row, col int, err error) error {
	return jsonError(p.name, row, col, err, p.maxRow)
}

func jsonError(name string, row, col int, err error, maxRow int) error {
	var se *json.SyntaxError
	switch {
	case errors.Is(err, errWindow):
		err = fmt.Errorf("%w: a value is over %d bytes", ErrTooLarge, maxRow)
	case errors.Is(err, errInvalidUTF8):
		err = fmt.Errorf("%w: invalid UTF-8", ErrEncoding)
	case errors.As(err, &se):
		err = fmt.Errorf("%w: invalid JSON at byte %d", ErrSyntax, se.Offset)
	case err == io.EOF, err == io.ErrUnexpectedEOF:
		err = fmt.Errorf("%w: unexpected end of JSON", ErrSyntax)
	case errors.Is(err, errNotArray), errors.Is(err, errNoArray), errors.Is(err, errNotObject),
		errors.Is(err, errNested), errors.Is(err, errTrailing), errors.Is(err, errNotOne), errors.Is(err, errEmpty):
		err = fmt.Errorf("%w: %w", ErrSyntax, err)
	default:
		return fmt.Errorf("ingest: read %s: %w", name, err)
	}
	return &ParseError{File: name, Row: row, Column: col, Err: err}
}

// readObject reads the fields of an object whose '{' has been consumed,
// appending to keys and cells, through its '}'. Strings come as they are,
// numbers verbatim, booleans as "true"/"false", null as "". A nested array or
// object is an error at the 1-based position of its key, found without
// descending into it.
func readObject(dec *json.Decoder, keys, cells []string) ([]string, []string, int, error) {
	for col := 1; dec.More(); col++ {
		kt, err := dec.Token()
		if err != nil {
			return keys, cells, col, err
		}
		key, ok := kt.(string)
		if !ok { // the decoder never hands out anything else as a key
			return keys, cells, col, errNotObject
		}
		vt, err := dec.Token()
		if err != nil {
			return keys, cells, col, err
		}
		var val string
		switch v := vt.(type) {
		case string:
			val = v
		case json.Number:
			val = string(v)
		case bool:
			val = "false"
			if v {
				val = "true"
			}
		case nil:
		default: // json.Delim: '[' or '{'
			return keys, cells, col, errNested
		}
		keys, cells = append(keys, key), append(cells, val)
	}
	if _, err := dec.Token(); err != nil { // '}'
		return keys, cells, 0, err
	}
	return keys, cells, 0, nil
}

// readNDJSON streams one object per line; blank lines are skipped and each
// row is numbered by its line.
func readNDJSON(ctx context.Context, r io.Reader, name string, maxRow int, fn func(Row) error) error {
	sc := bufio.NewScanner(r)
	// Room for the line, its "\r\n" and nothing more.
	sc.Buffer(make([]byte, 0, min(maxRow+2, 64<<10)), maxRow+2)
	var src bytes.Reader
	keys, cells := make([]string, 0, 32), make([]string, 0, 32)
	line := 0
	for sc.Scan() {
		line++
		if line%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		b := sc.Bytes()
		if line == 1 {
			b = bytes.TrimPrefix(b, bomUTF8)
		}
		b = bytes.Trim(b, " \t\r")
		if len(b) == 0 {
			continue
		}
		if len(b) > maxRow {
			return jsonError(name, line, 0, errWindow, maxRow)
		}
		if !utf8.Valid(b) {
			return jsonError(name, line, 0, errInvalidUTF8, maxRow)
		}
		src.Reset(b)
		dec := json.NewDecoder(&src)
		dec.UseNumber()
		tok, err := dec.Token()
		if err == nil && tok != json.Delim('{') {
			err = errNotOne
		}
		var col int
		if err == nil {
			keys, cells, col, err = readObject(dec, keys[:0], cells[:0])
		}
		if err == nil {
			if _, err = dec.Token(); err == io.EOF {
				err = nil
			} else if err == nil {
				err = errNotOne
			}
		}
		if err != nil {
			return jsonError(name, line, col, err, maxRow)
		}
		if err := fn(Row{Number: line, Keys: keys, Cells: cells}); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return jsonError(name, line+1, 0, errWindow, maxRow)
		}
		return fmt.Errorf("ingest: read %s: %w", name, err)
	}
	return nil
}

// errInvalidUTF8 is returned by utf8Reader at the first invalid byte.
var errInvalidUTF8 = errors.New("invalid UTF-8")

// utf8Reader passes valid UTF-8 through and fails at the first invalid
// byte: it hands out everything before that byte and returns errInvalidUTF8
// only when the reader asks for the byte itself, so the error surfaces while
// the record that holds it is being parsed. A leading UTF-8 BOM is dropped.
type utf8Reader struct {
	r            io.Reader
	buf          []byte
	start, valid int   // buf[start:valid] is checked and not yet handed out
	end          int   // buf[valid:end] is read but not yet checked
	err          error // from r, once it failed
	bad          bool  // buf[valid] starts an invalid sequence
	started      bool  // the first fill, which drops a BOM, is done
}

func (u *utf8Reader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for u.start == u.valid {
		if u.bad {
			return 0, errInvalidUTF8
		}
		if u.valid < u.end {
			n, bad := validPrefix(u.buf[u.valid:u.end], u.err == io.EOF)
			u.valid += n
			u.bad = bad
			if n > 0 || bad {
				continue
			}
		}
		if u.err != nil {
			return 0, u.err
		}
		u.fill()
	}
	n := copy(p, u.buf[u.start:u.valid])
	u.start += n
	return n, nil
}

// fill reads more input after the unchecked bytes. The first fill reads
// enough to see a byte-order mark.
func (u *utf8Reader) fill() {
	if u.buf == nil {
		u.buf = make([]byte, 64<<10)
	}
	// Everything before valid has been handed out: keep only the unchecked
	// tail (at most an incomplete sequence).
	u.end = copy(u.buf, u.buf[u.valid:u.end])
	u.start, u.valid = 0, 0
	want := 1
	if !u.started {
		want = len(bomUTF8)
	}
	n, err := io.ReadAtLeast(u.r, u.buf[u.end:], want)
	if err == io.ErrUnexpectedEOF {
		err = io.EOF
	}
	u.end += n
	u.err = err
	if !u.started {
		u.started = true
		if bytes.HasPrefix(u.buf[:u.end], bomUTF8) {
			u.start, u.valid = len(bomUTF8), len(bomUTF8)
		}
	}
}

// validPrefix returns the length of the longest valid UTF-8 prefix of b and
// whether an invalid sequence follows it. Unless atEOF, an incomplete
// sequence at the end of b is neither: more input may complete it.
func validPrefix(b []byte, atEOF bool) (int, bool) {
	k := len(b)
	if !atEOF {
		k = completeUTF8(b)
	}
	if utf8.Valid(b[:k]) {
		return k, false
	}
	for i := 0; i < k; {
		if b[i] < utf8.RuneSelf {
			i++
			continue
		}
		r, size := utf8.DecodeRune(b[i:k])
		if r == utf8.RuneError && size == 1 {
			return i, true
		}
		i += size
	}
	return k, false // not reached: b[:k] was invalid
}
