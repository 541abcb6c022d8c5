package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file reads string items — <si> in the shared-strings part, <is> in
// an inline-string cell — the way excelize does: encoding/xml decoding into
// its xlsxSI type, then xlsxSI.String. Only the text is kept, but every
// typed attribute excelize's types would parse is checked, since a bad one
// fails excelize's decoding.

// mainNamespace is SpreadsheetML's namespace, which excelize requires of
// the shared-strings root element.
const mainNamespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

// errUnmarshal is a string item that excelize's types cannot hold: a typed
// attribute that does not parse, or an element nested too deep.
var errUnmarshal = errors.New("ingest: malformed string item")

// sharedStrings is the shared-strings table: item i is text[ends[i-1]:ends[i]].
type sharedStrings struct {
	text string
	ends []int
}

func (s *sharedStrings) len() int { return len(s.ends) }

func (s *sharedStrings) get(i int) string {
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]]
}

// siText gathers what xlsxSI.String reads from a string item: the text of
// its <t> and of each rich-text run's <t>. Decoding a second <is> into the
// same cell adds to it, as it does to excelize's xlsxSI.
type siText struct {
	hasT bool
	t    []byte
	runs []siRun
	n    int // runs in use
}

type siRun struct {
	hasT bool
	t    []byte
}

func (s *siText) reset() { s.hasT, s.t, s.n = false, s.t[:0], 0 }

// appendString appends xlsxSI.String: the texts in order, _xHHHH_ escapes
// decoded.
func (s *siText) appendString(dst []byte) []byte {
	start := len(dst)
	if s.hasT {
		dst = append(dst, s.t...)
	}
	for _, r := range s.runs[:s.n] {
		if r.hasT {
			dst = append(dst, r.t...)
		}
	}
	if bytes.Contains(dst[start:], []byte("_x")) {
		dst = append(dst[:start], bstrUnmarshal(string(dst[start:]))...)
	}
	return dst
}

// decode reads the content of the <si> or <is> element whose start tag was
// just read.
func (s *siText) decode(z *xmlTokenizer) error {
	for {
		k, err := z.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEnd:
			return nil
		case xmlEOF:
			return z.syntaxErr("unexpected EOF")
		case xmlStart:
		default:
			continue
		}
		if z.depth() > xmlMaxDepth {
			switch string(z.local) {
			case "t", "r", "rPh", "phoneticPr":
				return errUnmarshal
			}
		}
		switch string(z.local) {
		case "t":
			s.hasT = true
			if s.t, err = z.appendString(s.t[:0]); err != nil {
				return err
			}
		case "r":
			if s.n == len(s.runs) {
				s.runs = append(s.runs, siRun{})
			}
			run := &s.runs[s.n]
			run.hasT, run.t = false, run.t[:0]
			s.n++
			if err := decodeRun(z, run); err != nil {
				s.n--
				return err
			}
		case "rPh": // xlsxPhoneticRun: sb and eb are uint32; its <t> is not shown
			if !checkAttrs(z.attrs, attrUint32, "sb", "eb") {
				return errUnmarshal
			}
			if err := skipChildren(z, "t", nil); err != nil {
				return err
			}
		case "phoneticPr":
			if !checkAttrs(z.attrs, attrInt, "fontId") {
				return errUnmarshal
			}
			if err := z.skip(); err != nil {
				return err
			}
		default:
			if err := z.skip(); err != nil {
				return err
			}
		}
	}
}

// decodeRun reads the content of an <r> element: its <rPr> and <t>.
func decodeRun(z *xmlTokenizer, run *siRun) error {
	for {
		k, err := z.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEnd:
			return nil
		case xmlEOF:
			return z.syntaxErr("unexpected EOF")
		case xmlStart:
		default:
			continue
		}
		switch string(z.local) {
		case "t":
			if z.depth() > xmlMaxDepth {
				return errUnmarshal
			}
			run.hasT = true
			if run.t, err = z.appendString(run.t[:0]); err != nil {
				return err
			}
		case "rPr":
			if z.depth() > xmlMaxDepth {
				return errUnmarshal
			}
			if err := decodeRunProps(z); err != nil {
				return err
			}
		default:
			if err := z.skip(); err != nil {
				return err
			}
		}
	}
}

// decodeRunProps checks the children of an <rPr> element against
// excelize's xlsxRPr, whose values are typed.
func decodeRunProps(z *xmlTokenizer) error {
	check := func(local []byte) (known, ok bool) {
		switch string(local) {
		case "rFont", "u", "vertAlign", "scheme":
			return true, true
		case "charset", "family":
			return true, checkAttrs(z.attrs, attrInt, "val")
		case "b", "i", "strike", "outline", "shadow", "condense", "extend":
			return true, checkAttrs(z.attrs, attrBool, "val")
		case "sz":
			return true, checkAttrs(z.attrs, attrFloat, "val")
		case "color": // xlsxColor
			return true, checkAttrs(z.attrs, attrBool, "auto") && checkAttrs(z.attrs, attrInt, "indexed", "theme") &&
				checkAttrs(z.attrs, attrFloat, "tint")
		}
		return false, true
	}
	return skipChildren(z, "", check)
}

// skipChildren reads to the end of the current element. A child start tag
// that check knows must pass it and be shallow enough for encoding/xml to
// decode; a child named text is decoded as a string (and dropped), as
// excelize decodes xlsxPhoneticRun.T.
func skipChildren(z *xmlTokenizer, text string, check func(local []byte) (known, ok bool)) error {
	for {
		k, err := z.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlEnd:
			return nil
		case xmlEOF:
			return z.syntaxErr("unexpected EOF")
		case xmlStart:
			if check != nil {
				if known, ok := check(z.local); known && (!ok || z.depth() > xmlMaxDepth) {
					return errUnmarshal
				}
			}
			if text != "" && string(z.local) == text {
				if z.depth() > xmlMaxDepth {
					return errUnmarshal
				}
				_, err = z.appendString(nil)
			} else {
				err = z.skip()
			}
			if err != nil {
				return err
			}
		}
	}
}

// Attribute types, as encoding/xml parses them into excelize's fields.
const (
	attrInt = iota
	attrUint32
	attrBool
	attrFloat
)

// checkAttrs reports whether every attribute with one of the local names
// (in any namespace, as encoding/xml matches an untagged field) parses as
// typ.
func checkAttrs(attrs []xmlAttr, typ int, names ...string) bool {
	for _, a := range attrs {
		for _, n := range names {
			if string(a.local) == n && !parsesAs(a.value, typ) {
				return false
			}
		}
	}
	return true
}

// parsesAs reports whether encoding/xml's copyValue accepts v for a field
// of the type.
func parsesAs(v []byte, typ int) bool {
	if len(v) == 0 {
		return true
	}
	if typ != attrBool && len(v) < 10 && allDigits(v) {
		return true
	}
	s := strings.TrimSpace(string(v))
	var err error
	switch typ {
	case attrInt:
		_, err = strconv.ParseInt(s, 10, 64)
	case attrUint32:
		_, err = strconv.ParseUint(s, 10, 32)
	case attrBool:
		_, err = strconv.ParseBool(s)
	case attrFloat:
		_, err = strconv.ParseFloat(s, 64)
	}
	return err == nil
}

func allDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// bstrUnmarshal decodes the _xHHHH_ escapes of OOXML strings as excelize's
// bstrUnmarshal does: each is replaced by the character (_x005F_ by "_"),
// or removed when it is not one (a surrogate half).
func bstrUnmarshal(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' && isHex4(s[i+2:i+6]) {
			if r, err := strconv.ParseUint(s[i+2:i+6], 16, 32); err == nil && utf8.ValidRune(rune(r)) {
				b.WriteRune(rune(r))
			}
			i += 7
			continue
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isHex4(s string) bool {
	for i := range 4 {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// strictNamespaces are excelize's namespaceStrictToTransitional
// replacements, longest first (excelize applies them in map order; only
// overlapping ones can differ, and none of those matter to a reader).
var strictNamespaces = []struct{ strict, transitional string }{
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"},
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/officeDocument", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"},
	{"http://purl.oclc.org/ooxml/officeDocument/extendedProperties", "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"},
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/comments", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments"},
	{"http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes", "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"},
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/image", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"},
	{"http://purl.oclc.org/ooxml/officeDocument/relationships/chart", "http://schemas.openxmlformats.org/officeDocument/2006/relationships/chart"},
	{"http://purl.oclc.org/ooxml/officeDocument/relationships", "http://schemas.openxmlformats.org/officeDocument/2006/relationships"},
	{"http://purl.oclc.org/ooxml/spreadsheetml/main", mainNamespace},
	{"http://purl.oclc.org/ooxml/drawingml/main", "http://schemas.openxmlformats.org/drawingml/2006/main"},
}

// strictToTransitional is excelize's namespaceStrictToTransitional: a
// textual replacement over the whole part.
func strictToTransitional(b []byte) []byte {
	if !bytes.Contains(b, []byte("purl.oclc.org")) {
		return b
	}
	for _, r := range strictNamespaces {
		b = bytes.ReplaceAll(b, []byte(r.strict), []byte(r.transitional))
	}
	return b
}

// errStrict stops a streamed read of a part that holds strict-namespace
// URLs, which excelize rewrites before decoding.
var errStrict = errors.New("ingest: strict OOXML namespaces")

// strictWatch passes a part through, failing with errStrict once it has
// seen "purl.oclc.org".
type strictWatch struct {
	r    io.Reader
	tail []byte
}

func (w *strictWatch) Read(p []byte) (int, error) {
	const pat = "purl.oclc.org"
	n, err := w.r.Read(p)
	if n > 0 {
		// tail holds the last bytes before p, so a match across reads shows.
		edge := append(w.tail, p[:min(n, len(pat)-1)]...)
		if bytes.Contains(edge, []byte(pat)) || bytes.Contains(p[:n], []byte(pat)) {
			return 0, errStrict
		}
		if n >= len(pat)-1 {
			w.tail = append(w.tail[:0], p[n-len(pat)+1:n]...)
		} else {
			w.tail = append(w.tail[:0], edge[max(0, len(edge)-len(pat)+1):]...)
		}
	}
	return n, err
}

// readSharedStrings reads the shared-strings part as excelize's
// sharedStringsReader decodes it into xlsxSST: every <si> child of an <sst>
// root in SpreadsheetML's namespace. A part without a root element is an
// empty table.
func readSharedStrings(ctx context.Context, r io.Reader, part string) (*sharedStrings, error) {
	z := newXMLTokenizer(r)
	z.part = part
	for {
		k, err := z.next()
		if err != nil {
			return nil, err
		}
		if k == xmlEOF {
			return &sharedStrings{}, nil
		}
		if k == xmlStart {
			break
		}
	}
	if string(z.local) != "sst" || z.space(z.prefix, z.local, len(z.ns)) != mainNamespace {
		return nil, fmt.Errorf("%w: the root element is not <sst> in the SpreadsheetML namespace", errUnmarshal)
	}
	if !checkAttrs(z.attrs, attrInt, "count", "uniqueCount") {
		return nil, errUnmarshal
	}
	var (
		text strings.Builder
		ends []int
		si   siText
		item []byte
	)
	for {
		k, err := z.next()
		if err != nil {
			return nil, err
		}
		switch k {
		case xmlEnd, xmlEOF:
			return &sharedStrings{text: text.String(), ends: ends}, nil
		case xmlStart:
			if string(z.local) != "si" {
				if err := z.skip(); err != nil {
					return nil, err
				}
				continue
			}
			si.reset()
			if err := si.decode(z); err != nil {
				return nil, err
			}
			item = si.appendString(item[:0])
			text.Write(item)
			ends = append(ends, text.Len())
			if len(ends)%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return nil, err
				}
			}
		}
	}
}
