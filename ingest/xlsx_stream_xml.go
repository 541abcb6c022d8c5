package ingest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file holds xmlTokenizer, a streaming XML tokenizer for workbook
// parts. It accepts and rejects exactly what encoding/xml's Decoder.Token
// does in its default strict mode, and reports the same tokens (names
// split into prefix and local part, attribute values and character data
// with entities decoded and line ends normalized), but it works on a
// reused buffer and allocates nothing per token. Only the first XML error
// matters to its callers, so its messages are shorter than encoding/xml's.

// xmlKind is the kind of the token xmlTokenizer.next has read.
type xmlKind uint8

const (
	xmlEOF   xmlKind = iota // clean end of input: every element closed
	xmlStart                // start tag, also the first half of <x/>
	xmlEnd                  // end tag, also the second half of <x/>
	xmlText                 // character data or a CDATA section
	xmlOther                // comment, processing instruction or directive
)

// xmlMaxDepth is encoding/xml's maxUnmarshalDepth: Decoder.DecodeElement
// refuses an element nested deeper than this.
const xmlMaxDepth = 10000

// xmlNamespaceURL is what the reserved prefix "xml" stands for.
const xmlNamespaceURL = "http://www.w3.org/XML/1998/namespace"

// errXMLCharset: a part declares an encoding other than UTF-8. excelize
// decodes such parts through a charset reader; this reader hands them to
// excelize.
var errXMLCharset = errors.New("ingest: XML part declares a non-UTF-8 encoding")

// xmlSyntaxError is where and why a part is not well-formed XML. It never
// quotes the part's content.
type xmlSyntaxError struct {
	Part   string // the zip member, when known
	Offset int64  // byte offset, in the part, of the token in error
	Msg    string
}

func (e *xmlSyntaxError) Error() string {
	s := fmt.Sprintf("malformed XML at byte %d: %s", e.Offset, e.Msg)
	if e.Part != "" {
		s = e.Part + ": " + s
	}
	return s
}

// xmlAttr is one attribute of a start tag. Its slices are valid until the
// next call of next.
type xmlAttr struct {
	prefix, local, value []byte
}

// xmlElem is an open element.
type xmlElem struct {
	name  int // start of its raw name in xmlTokenizer.names
	nsLen int // len(xmlTokenizer.ns) before its own xmlns attributes
}

// nsBinding is a namespace declaration in scope: prefix "" is the default.
type nsBinding struct{ prefix, url string }

// xmlTokenizer reads XML tokens from r. The token read by next is
// described by kind, prefix, local, attrs and text, whose slices are valid
// until the next call.
type xmlTokenizer struct {
	r        io.Reader
	part     string // named in errors
	buf      []byte
	pos, end int   // unread input is buf[pos:end]
	off      int64 // input offset of buf[0]
	eof      bool
	rerr     error // read error other than io.EOF
	err      error // sticky: the first error

	kind          xmlKind
	prefix, local []byte // element name (xmlStart, xmlEnd)
	attrs         []xmlAttr
	text          []byte // xmlText

	closeNext bool // the start tag just read was <x/>
	popNS     int  // when >= 0, ns is cut to that length before the next token
	names     []byte
	stack     []xmlElem
	ns        []nsBinding
	dec       []byte          // decoded values of the current token
	nameOK    map[string]bool // validity of names with non-ASCII bytes
}

// newXMLTokenizer returns a tokenizer reading r.
func newXMLTokenizer(r io.Reader) *xmlTokenizer {
	return &xmlTokenizer{r: r, buf: make([]byte, 64<<10), popNS: -1}
}

// depth is the number of open elements, the current start tag included,
// as encoding/xml counts it for DecodeElement's depth limit.
func (z *xmlTokenizer) depth() int { return len(z.stack) }

// offset is the input offset of the next unread byte.
func (z *xmlTokenizer) offset() int64 { return z.off + int64(z.pos) }

// next reads the next token. At the clean end of the input it returns
// xmlEOF and no error; an error is sticky.
func (z *xmlTokenizer) next() (xmlKind, error) {
	if z.err != nil {
		return xmlEOF, z.err
	}
	if z.popNS >= 0 {
		z.ns = z.ns[:z.popNS]
		z.popNS = -1
	}
	z.attrs = z.attrs[:0]
	if z.closeNext {
		// The end half of <x/>: prefix and local still name x.
		z.closeNext = false
		z.kind = xmlEnd
		z.popElem()
		return xmlEnd, nil
	}
	z.dec = z.dec[:0]
	z.text = nil
	if z.pos == z.end && !z.more() {
		if z.rerr != nil {
			return z.fail(z.rerr)
		}
		if len(z.stack) > 0 {
			return z.syntax(z.offset(), "unexpected EOF")
		}
		z.kind = xmlEOF
		return xmlEOF, nil
	}
	var err error
	if z.buf[z.pos] == '<' {
		err = z.markup()
	} else {
		err = z.chardata()
	}
	if err != nil {
		return z.fail(err)
	}
	return z.kind, nil
}

func (z *xmlTokenizer) fail(err error) (xmlKind, error) {
	var se *xmlSyntaxError
	if errors.As(err, &se) && se.Part == "" {
		se.Part = z.part
	}
	z.err = err
	z.kind = xmlEOF
	return xmlEOF, err
}

func (z *xmlTokenizer) syntax(at int64, msg string) (xmlKind, error) {
	return z.fail(&xmlSyntaxError{Offset: at, Msg: msg})
}

func (z *xmlTokenizer) syntaxErr(msg string) error {
	return &xmlSyntaxError{Part: z.part, Offset: z.offset(), Msg: msg}
}

// incomplete is the error for a token cut short by the end of the input.
func (z *xmlTokenizer) incomplete() error {
	if z.rerr != nil {
		return z.rerr
	}
	return z.syntaxErr("unexpected EOF")
}

// more reads more input, keeping buf[pos:end] (moved to the front of the
// buffer, so offsets from pos stay valid). It reports whether it got any.
func (z *xmlTokenizer) more() bool {
	if z.eof {
		return false
	}
	if z.pos > 0 {
		n := copy(z.buf, z.buf[z.pos:z.end])
		z.off += int64(z.pos)
		z.pos, z.end = 0, n
	}
	if z.end == len(z.buf) {
		nb := make([]byte, 2*len(z.buf))
		copy(nb, z.buf[:z.end])
		z.buf = nb
	}
	for range 100 {
		n, err := z.r.Read(z.buf[z.end:])
		z.end += n
		if err != nil {
			z.eof = true
			if err != io.EOF {
				z.rerr = err
			}
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
	z.eof, z.rerr = true, io.ErrNoProgress
	return false
}

// chardata reads character data up to the next '<' or the end of input.
func (z *xmlTokenizer) chardata() error {
	i := 0
	for {
		if j := bytes.IndexByte(z.buf[z.pos+i:z.end], '<'); j >= 0 {
			i += j
			break
		}
		i = z.end - z.pos
		if !z.more() {
			if z.rerr != nil {
				return z.rerr
			}
			break
		}
	}
	raw := z.buf[z.pos : z.pos+i]
	text, err := z.decode(raw, textChar)
	if err != nil {
		return err
	}
	z.pos += i
	z.kind, z.text = xmlText, text
	return nil
}

// markup reads a token that starts with '<'.
func (z *xmlTokenizer) markup() error {
	if z.pos+1 >= z.end && !z.more() {
		return z.incomplete()
	}
	switch z.buf[z.pos+1] {
	case '/':
		return z.endTag()
	case '?':
		return z.procInst()
	case '!':
		return z.bang()
	}
	return z.startTag()
}

// errNeedMore: a tag runs past the buffered input; read more and parse it
// again.
var errNeedMore = errors.New("ingest: XML tag needs more input")

// parseTag parses the tag at pos with parse, reading more input while the
// tag runs past what is buffered.
func (z *xmlTokenizer) parseTag(parse func(b []byte, at int64) error) error {
	attrs, dec := len(z.attrs), len(z.dec)
	for {
		err := parse(z.buf[z.pos:z.end], z.offset())
		if err != errNeedMore {
			return err
		}
		z.attrs, z.dec = z.attrs[:attrs], z.dec[:dec]
		z.more() // at the end of input, parse fails for good
	}
}

// short is the error for a tag that runs to the end of b.
func (z *xmlTokenizer) short(at int64) error {
	if !z.eof {
		return errNeedMore
	}
	return z.incompleteAt(at)
}

// startTag reads <name attr="value" ...> or <name .../>.
func (z *xmlTokenizer) startTag() error { return z.parseTag(z.parseStart) }

func (z *xmlTokenizer) parseStart(b []byte, at int64) error {
	nameStart := 1
	prefix, local, i, ok := z.qname(b, nameStart)
	if !ok {
		return z.tagErr(b, i, at, "expected element name after <")
	}
	nameEnd := i
	empty, binds := false, false
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return z.short(at)
		}
		c := b[i]
		if c == '>' {
			i++
			break
		}
		if c == '/' {
			if i+1 >= len(b) {
				return z.short(at)
			}
			if b[i+1] != '>' {
				return &xmlSyntaxError{Offset: at, Msg: "expected /> in element"}
			}
			empty = true
			i += 2
			break
		}
		ap, al, j, ok := z.qname(b, i)
		if !ok {
			return z.tagErr(b, j, at, "expected attribute name in element")
		}
		i = skipSpace(b, j)
		if i >= len(b) {
			return z.short(at)
		}
		if b[i] != '=' {
			return &xmlSyntaxError{Offset: at, Msg: "attribute name without = in element"}
		}
		i = skipSpace(b, i+1)
		if i >= len(b) {
			return z.short(at)
		}
		q := b[i]
		if q != '"' && q != '\'' {
			return &xmlSyntaxError{Offset: at, Msg: "unquoted or missing attribute value in element"}
		}
		i++
		j = bytes.IndexByte(b[i:], q)
		if j < 0 {
			if bytes.IndexByte(b[i:], '<') >= 0 {
				return &xmlSyntaxError{Offset: at, Msg: "unescaped < inside quoted string"}
			}
			return z.short(at)
		}
		v, err := z.decode(b[i:i+j], textAttr)
		if err != nil {
			return err
		}
		z.attrs = append(z.attrs, xmlAttr{prefix: ap, local: al, value: v})
		binds = binds || string(ap) == "xmlns" || len(ap) == 0 && string(al) == "xmlns"
		i += j + 1
	}
	// Bind the namespaces the tag declares, then open the element, as
	// Decoder.Token does.
	nsLen := len(z.ns)
	for _, a := range z.attrs {
		if !binds {
			break
		}
		if string(a.prefix) == "xmlns" {
			z.ns = append(z.ns, nsBinding{prefix: string(a.local), url: string(a.value)})
		} else if len(a.prefix) == 0 && string(a.local) == "xmlns" {
			z.ns = append(z.ns, nsBinding{url: string(a.value)})
		}
	}
	z.stack = append(z.stack, xmlElem{name: len(z.names), nsLen: nsLen})
	z.names = append(z.names, b[nameStart:nameEnd]...)
	z.pos += i
	z.kind, z.prefix, z.local = xmlStart, prefix, local
	z.closeNext = empty
	return nil
}

// tagErr reports a name that could not be read at b[i]: a truncated tag or
// a bad name.
func (z *xmlTokenizer) tagErr(b []byte, i int, at int64, msg string) error {
	if i >= len(b) {
		return z.short(at)
	}
	return &xmlSyntaxError{Offset: at, Msg: msg}
}

func (z *xmlTokenizer) incompleteAt(at int64) error {
	if z.rerr != nil {
		return z.rerr
	}
	return &xmlSyntaxError{Offset: at, Msg: "unexpected EOF"}
}

// endTag reads </name> and closes the element it names.
func (z *xmlTokenizer) endTag() error { return z.parseTag(z.parseEnd) }

func (z *xmlTokenizer) parseEnd(b []byte, at int64) error {
	prefix, local, i, ok := z.qname(b, 2)
	if !ok {
		return z.tagErr(b, i, at, "expected element name after </")
	}
	raw := b[2:i]
	i = skipSpace(b, i)
	if i >= len(b) {
		return z.short(at)
	}
	if b[i] != '>' {
		return &xmlSyntaxError{Offset: at, Msg: "invalid characters between </name and >"}
	}
	if len(z.stack) == 0 {
		return &xmlSyntaxError{Offset: at, Msg: "unexpected end element"}
	}
	if !bytes.Equal(z.names[z.stack[len(z.stack)-1].name:], raw) {
		return &xmlSyntaxError{Offset: at, Msg: "element closed by an end tag of another name"}
	}
	z.pos += i + 1
	z.kind, z.prefix, z.local = xmlEnd, prefix, local
	z.popElem()
	return nil
}

// popElem closes the innermost element; its namespace bindings stay in
// scope until the next token, so that its end tag resolves like its start.
func (z *xmlTokenizer) popElem() {
	e := z.stack[len(z.stack)-1]
	z.stack = z.stack[:len(z.stack)-1]
	z.names = z.names[:e.name]
	z.popNS = e.nsLen
}

// procInst reads <?target data?>.
func (z *xmlTokenizer) procInst() error {
	at := z.offset()
	n, ok := z.find(2, "?>")
	if !ok {
		// The target name may already be bad; either way it is an error.
		return z.incompleteAt(at)
	}
	b := z.buf[z.pos : z.pos+n]
	i := 2
	for i < len(b) && (isNameByte(b[i]) || b[i] >= utf8.RuneSelf) {
		i++
	}
	target := b[2:i]
	if len(target) == 0 || !z.validName(target) {
		return &xmlSyntaxError{Offset: at, Msg: "expected target name after <?"}
	}
	i = skipSpace(b, i)
	if string(target) == "xml" {
		content := ""
		if i <= len(b)-2 {
			content = string(b[i : len(b)-2])
		}
		if ver := procInstParam("version", content); ver != "" && ver != "1.0" {
			return &xmlSyntaxError{Offset: at, Msg: "unsupported XML version"}
		}
		if enc := procInstParam("encoding", content); enc != "" && !strings.EqualFold(enc, "utf-8") {
			return errXMLCharset
		}
	}
	z.pos += n
	z.kind = xmlOther
	return nil
}

// procInstParam is encoding/xml's procInst: the value of param in a
// processing instruction's content, "" when absent.
func procInstParam(param, s string) string {
	param += "="
	lenp := len(param)
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := strings.Index(sub, param)
		if k < 0 || lenp+k >= len(sub) {
			return ""
		}
		i += lenp + k + 1
		if c := sub[lenp+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return ""
	}
	j := strings.IndexByte(s[i:], sep)
	if j < 0 {
		return ""
	}
	return s[i : i+j]
}

// bang reads what starts with <!: a comment, a CDATA section or a
// directive.
func (z *xmlTokenizer) bang() error {
	at := z.offset()
	if z.pos+2 >= z.end && !z.more() {
		return z.incompleteAt(at)
	}
	switch z.buf[z.pos+2] {
	case '-':
		if z.pos+3 >= z.end && !z.more() {
			return z.incompleteAt(at)
		}
		if z.buf[z.pos+3] != '-' {
			return &xmlSyntaxError{Offset: at, Msg: "invalid sequence <!- not part of <!--"}
		}
		n, ok := z.find(4, "--")
		if !ok {
			return z.incompleteAt(at)
		}
		if z.pos+n >= z.end && !z.more() {
			return z.incompleteAt(at)
		}
		if z.buf[z.pos+n] != '>' {
			return &xmlSyntaxError{Offset: at, Msg: `invalid sequence "--" not allowed in comments`}
		}
		z.pos += n + 1
		z.kind = xmlOther
		return nil
	case '[':
		for i := range 6 {
			if z.pos+3+i >= z.end && !z.more() {
				return z.incompleteAt(at)
			}
			if z.buf[z.pos+3+i] != "CDATA["[i] {
				return &xmlSyntaxError{Offset: at, Msg: "invalid <![ sequence"}
			}
		}
		n, ok := z.find(9, "]]>")
		if !ok {
			return z.incompleteAt(at)
		}
		text, err := z.decode(z.buf[z.pos+9:z.pos+n-3], textCDATA)
		if err != nil {
			return err
		}
		z.pos += n
		z.kind, z.text = xmlText, text
		return nil
	}
	return z.directive()
}

// find returns the offset from pos just past the first occurrence of sep
// at or after offset from.
func (z *xmlTokenizer) find(from int, sep string) (int, bool) {
	i := from
	for {
		if z.pos+i <= z.end {
			if j := bytes.Index(z.buf[z.pos+i:z.end], []byte(sep)); j >= 0 {
				return i + j + len(sep), true
			}
			i = max(from, z.end-z.pos-len(sep)+1)
		}
		if !z.more() {
			return 0, false
		}
	}
}

// directive reads <!DOCTYPE ...> and the like, following encoding/xml's
// rules for where one ends: quotes, nested <...> and comments.
func (z *xmlTokenizer) directive() error {
	at := z.offset()
	i := 3 // <! and the first byte, which is never examined
	getc := func() (byte, bool) {
		if z.pos+i >= z.end && !z.more() {
			return 0, false
		}
		c := z.buf[z.pos+i]
		i++
		return c, true
	}
	var inquote byte
	depth := 0
	for {
		b, ok := getc()
		if !ok {
			return z.incompleteAt(at)
		}
		if inquote == 0 && b == '>' && depth == 0 {
			break
		}
	handle:
		switch {
		case b == inquote:
			inquote = 0
		case inquote != 0:
		case b == '\'' || b == '"':
			inquote = b
		case b == '>':
			depth--
		case b == '<':
			for _, want := range []byte("!--") {
				if b, ok = getc(); !ok {
					return z.incompleteAt(at)
				}
				if b != want {
					depth++
					goto handle
				}
			}
			var b0, b1 byte
			for {
				if b, ok = getc(); !ok {
					return z.incompleteAt(at)
				}
				if b0 == '-' && b1 == '-' && b == '>' {
					break
				}
				b0, b1 = b1, b
			}
		}
	}
	z.pos += i
	z.kind = xmlOther
	return nil
}

// qname reads a name at b[i] as Decoder.nsname does. It returns the index
// after the name; ok is false when there is no valid name there.
func (z *xmlTokenizer) qname(b []byte, i int) (prefix, local []byte, end int, ok bool) {
	start := i
	colons, colon := 0, 0
	ascii := true
	for i < len(b) {
		c := b[i]
		if c >= utf8.RuneSelf {
			ascii = false
		} else if !isNameByte(c) {
			break
		} else if c == ':' {
			colons++
			colon = i
		}
		i++
	}
	if i == start || i >= len(b) || colons > 1 {
		// A name running to the end of b was cut short by the input.
		return nil, nil, i, false
	}
	name := b[start:i]
	if c := name[0]; ascii && !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':') ||
		!ascii && !z.validName(name) {
		return nil, nil, i, false
	}
	if colons == 0 || colon == start || colon == i-1 {
		return nil, name, i, true
	}
	return b[start:colon], b[colon+1 : i], i, true
}

// validName reports whether name, made of name bytes and non-ASCII bytes,
// is an XML name as encoding/xml checks it.
func (z *xmlTokenizer) validName(name []byte) bool {
	for _, c := range name {
		if c >= utf8.RuneSelf {
			return z.validNameNonASCII(name)
		}
	}
	c := name[0]
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || c == '_' || c == ':'
}

// validNameNonASCII is validName for a name with non-ASCII bytes, whose
// answers it caches.
func (z *xmlTokenizer) validNameNonASCII(name []byte) bool {
	if ok, seen := z.nameOK[string(name)]; seen {
		return ok
	}
	ok := validNameSlow(name)
	if z.nameOK == nil {
		z.nameOK = map[string]bool{}
	}
	if len(z.nameOK) < 1024 {
		z.nameOK[string(name)] = ok
	}
	return ok
}

// validNameSlow asks encoding/xml itself whether name is a valid XML name.
// A colon is as valid as a letter anywhere in a name, so colons are
// replaced to keep encoding/xml's namespace rules out of the answer.
func validNameSlow(name []byte) bool {
	s := strings.ReplaceAll(string(name), ":", "a")
	_, err := xml.NewDecoder(strings.NewReader("<" + s + "/>")).RawToken()
	return err == nil
}

func isNameByte(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// Text modes for decode.
const (
	textChar  = iota // character data: entities, and ]]> is an error
	textAttr         // a quoted attribute value: entities, and < is an error
	textCDATA        // a CDATA section: no entities
)

// textSpecial marks the ASCII bytes decode must look at.
var textSpecial = func() (t [utf8.RuneSelf]bool) {
	for c := range byte(0x20) {
		t[c] = c != '\t' && c != '\n'
	}
	for _, c := range "&<]" {
		t[c] = true
	}
	return t
}()

// decode checks raw text as encoding/xml's Decoder.text does and returns
// it with entities decoded and \r\n and \r turned into \n. The result is
// raw itself when nothing needs decoding, else a slice of z.dec.
func (z *xmlTokenizer) decode(raw []byte, mode int) ([]byte, error) {
	for i := 0; i < len(raw); {
		c := raw[i]
		if c < utf8.RuneSelf {
			if !textSpecial[c] {
				i++
				continue
			}
			switch {
			case c == '&' && mode != textCDATA, c == '\r':
				return z.decodeSlow(raw, i, mode)
			case c == ']':
				if mode == textChar && i+2 < len(raw) && raw[i+1] == ']' && raw[i+2] == '>' {
					return nil, z.syntaxErr("unescaped ]]> not in CDATA section")
				}
			case c == '<':
				if mode == textAttr {
					return nil, z.syntaxErr("unescaped < inside quoted string")
				}
			case c == '&':
			default:
				return nil, z.syntaxErr("illegal character code")
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && size == 1 {
			return nil, z.syntaxErr("invalid UTF-8")
		}
		if !isXMLChar(r) {
			return nil, z.syntaxErr("illegal character code")
		}
		i += size
	}
	return raw, nil
}

// decodeSlow is decode from raw[i] on, copying into z.dec.
func (z *xmlTokenizer) decodeSlow(raw []byte, i int, mode int) ([]byte, error) {
	start := len(z.dec)
	z.dec = append(z.dec, raw[:i]...)
	var b0, b1 byte
	if i > 0 {
		b1 = raw[i-1]
		if i > 1 {
			b0 = raw[i-2]
		}
	}
	for i < len(raw) {
		c := raw[i]
		if mode == textChar && b0 == ']' && b1 == ']' && c == '>' {
			return nil, z.syntaxErr("unescaped ]]> not in CDATA section")
		}
		switch {
		case c == '<' && mode == textAttr:
			return nil, z.syntaxErr("unescaped < inside quoted string")
		case c == '&' && mode != textCDATA:
			n, err := z.entity(raw[i:])
			if err != nil {
				return nil, err
			}
			i += n
			b0, b1 = 0, 0
			continue
		case c == '\r':
			z.dec = append(z.dec, '\n')
		case c == '\n' && b1 == '\r':
		case c < utf8.RuneSelf:
			if c < 0x20 && c != '\t' && c != '\n' {
				return nil, z.syntaxErr("illegal character code")
			}
			z.dec = append(z.dec, c)
		default:
			r, size := utf8.DecodeRune(raw[i:])
			if r == utf8.RuneError && size == 1 {
				return nil, z.syntaxErr("invalid UTF-8")
			}
			if !isXMLChar(r) {
				return nil, z.syntaxErr("illegal character code")
			}
			z.dec = append(z.dec, raw[i:i+size]...)
			b0, b1 = raw[i+size-2], raw[i+size-1]
			i += size
			continue
		}
		b0, b1 = b1, c
		i++
	}
	return z.dec[start:], nil
}

// entity decodes the reference at the start of b (which starts with '&')
// onto z.dec and returns its length. Strict encoding/xml knows only the
// five predefined entities and character references.
func (z *xmlTokenizer) entity(b []byte) (int, error) {
	bad := func() (int, error) { return 0, z.syntaxErr("invalid character entity") }
	if len(b) < 2 {
		return bad()
	}
	if b[1] != '#' {
		for _, e := range [...]struct {
			name string
			c    byte
		}{{"lt;", '<'}, {"gt;", '>'}, {"amp;", '&'}, {"apos;", '\''}, {"quot;", '"'}} {
			if bytes.HasPrefix(b[1:], []byte(e.name)) {
				z.dec = append(z.dec, e.c)
				return 1 + len(e.name), nil
			}
		}
		return bad()
	}
	i, base := 2, 10
	if i < len(b) && b[i] == 'x' {
		i, base = 3, 16
	}
	start := i
	for i < len(b) && ('0' <= b[i] && b[i] <= '9' || base == 16 && ('a' <= b[i] && b[i] <= 'f' || 'A' <= b[i] && b[i] <= 'F')) {
		i++
	}
	if i >= len(b) || b[i] != ';' {
		return bad()
	}
	n, err := strconv.ParseUint(string(b[start:i]), base, 64)
	if err != nil || n > utf8.MaxRune {
		return bad()
	}
	r := rune(n)
	if !utf8.ValidRune(r) {
		r = utf8.RuneError // string(rune(n)) of a surrogate
	}
	if !isXMLChar(r) {
		return 0, z.syntaxErr("illegal character code")
	}
	z.dec = utf8.AppendRune(z.dec, r)
	return i + 1, nil
}

// isXMLChar reports whether r is in XML's Char production.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// space resolves the namespace of an element named prefix:local with the
// first nsLen bindings in scope, as Decoder.translate does.
func (z *xmlTokenizer) space(prefix, local []byte, nsLen int) string {
	switch {
	case string(prefix) == "xmlns":
		return "xmlns"
	case string(prefix) == "xml":
		return xmlNamespaceURL
	case len(prefix) == 0 && string(local) == "xmlns":
		return ""
	}
	for i := nsLen - 1; i >= 0; i-- {
		if z.ns[i].prefix == string(prefix) {
			return z.ns[i].url
		}
	}
	return string(prefix)
}

// skip reads tokens up to the end of the element whose start tag was just
// read, as Decoder.Skip does.
func (z *xmlTokenizer) skip() error {
	depth := 0
	for {
		k, err := z.next()
		if err != nil {
			return err
		}
		switch k {
		case xmlStart:
			depth++
		case xmlEnd:
			if depth == 0 {
				return nil
			}
			depth--
		case xmlEOF:
			return z.syntaxErr("unexpected EOF")
		}
	}
}

// appendString reads the content of the element whose start tag was just
// read as Decoder.DecodeElement does into a string: its own character data
// (child elements are skipped), appended to dst.
func (z *xmlTokenizer) appendString(dst []byte) ([]byte, error) {
	for {
		k, err := z.next()
		if err != nil {
			return dst, err
		}
		switch k {
		case xmlText:
			dst = append(dst, z.text...)
		case xmlStart:
			if err := z.skip(); err != nil {
				return dst, err
			}
		case xmlEnd:
			return dst, nil
		case xmlEOF:
			return dst, z.syntaxErr("unexpected EOF")
		}
	}
}

// fastText reads open, text without markup, then closing, when that is
// exactly what comes next and is wholly buffered: the tokens next would
// read for, say, <v>12</v>, without the work of reading them one by one.
// open and closing are element tags without attributes (but xml:space)
// that nest depth elements. It returns the decoded text, valid until the
// next call; when the input is anything else it reads nothing.
func (z *xmlTokenizer) fastText(open, closing string, depth int) ([]byte, bool) {
	if z.err != nil || z.closeNext || len(z.stack)+depth > xmlMaxDepth {
		return nil, false
	}
	b := z.buf[z.pos:z.end]
	if len(b) < len(open)+len(closing) || string(b[:len(open)]) != open {
		return nil, false
	}
	b = b[len(open):]
	j := bytes.IndexByte(b, '<')
	if j < 0 || len(b)-j < len(closing) || string(b[j:j+len(closing)]) != closing {
		return nil, false
	}
	if z.popNS >= 0 {
		z.ns = z.ns[:z.popNS]
		z.popNS = -1
	}
	z.attrs, z.dec = z.attrs[:0], z.dec[:0]
	text, err := z.decode(b[:j], textChar)
	if err != nil {
		return nil, false // next reports it
	}
	z.pos += len(open) + j + len(closing)
	return text, true
}

// fastEnd reads </name> when it comes next, wholly buffered, and closes
// the innermost element, which is named name, as next would.
func (z *xmlTokenizer) fastEnd(name string) bool {
	if z.err != nil || z.closeNext || len(z.stack) == 0 {
		return false
	}
	b := z.buf[z.pos:z.end]
	n := len(name)
	if len(b) < n+3 || b[0] != '<' || b[1] != '/' || string(b[2:2+n]) != name || b[2+n] != '>' ||
		string(z.names[z.stack[len(z.stack)-1].name:]) != name {
		return false
	}
	if z.popNS >= 0 {
		z.ns = z.ns[:z.popNS]
		z.popNS = -1
	}
	z.attrs = z.attrs[:0]
	z.pos += n + 3
	z.kind, z.prefix, z.local = xmlEnd, nil, b[2:2+n]
	z.popElem()
	return true
}
