// Package textnorm normalises the text of county feeds as docs/feeds.md
// (文本) describes: Unicode NFKC, so that full-width letters, digits and
// brackets become half-width, and trimming of all white space, including the
// ideographic space U+3000 and the no-break space U+00A0.
//
// NFKC is the largest cost of normalising a ledger, so Clean skips it for
// strings that hold only printable ASCII, CJK Unified Ideographs
// (U+4E00–U+9FFF) and common Chinese punctuation, which NFKC leaves unchanged,
// and does a cheap fold of its own when such strings also hold full-width
// ASCII or wide spaces. None of the functions allocate when their input is
// already in the form they return.
package textnorm

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Clean returns s in NFKC with all white space trimmed from both ends.
// Besides Unicode white space it trims the byte order mark U+FEFF and the
// zero-width characters U+200B, U+200C, U+200D and U+2060, which spreadsheets
// and copy-paste leave behind.
func Clean(s string) string {
	switch scan(s) {
	case plain:
		// NFKC is the identity on plain strings and the only white space
		// they can hold is the ASCII space.
		return strings.Trim(s, " ")
	case foldable:
		return foldWidth(strings.TrimFunc(s, isWideSpace))
	}
	return cleanSlow(s)
}

// cleanSlow is Clean without the fast path; the tests check that both agree.
func cleanSlow(s string) string {
	return strings.TrimFunc(norm.NFKC.String(s), isSpace)
}

// Name returns Clean(s) with every inner run of white space removed too, so
// "张 三" and "张　三" both give "张三".
func Name(s string) string {
	s = Clean(s)
	for i, r := range s {
		if isSpace(r) {
			// Removing a space can leave a base letter next to a
			// combining mark that NFKC composes: "C¸" is "C \u0327".
			return Clean(dropFrom(s, i, isSpace, false))
		}
	}
	return s
}

// HeaderKey returns the key under which a column header is matched: Clean(s)
// with ASCII letters lower-cased, with white space, brackets of either width
// and quotation marks removed, and with marker characters (see isMarker:
// * ※ ★ △ ● and the like, and a colon) trimmed from both ends.
// "所在县（市、区）", "所在县(市、区)" and " 所在县 市、区 " all give
// "所在县市、区"; "ID_Number" gives "id_number"; "*性别" and "姓名：" give
// "性别" and "姓名".
//
// The brackets removed are ( ) [ ] { } (NFKC folds their full-width forms to
// these) and 【 】 〔 〕 《 》 〈 〉, which NFKC leaves alone; the quotation
// marks are " ' “ ” ‘ ’.
func HeaderKey(s string) string {
	s = Clean(s)
	for i, r := range s {
		if isSpace(r) || isHeaderJunk(r) || ('A' <= r && r <= 'Z') {
			s = Clean(dropFrom(s, i, func(r rune) bool { return isSpace(r) || isHeaderJunk(r) }, true))
			break
		}
	}
	return trimMarkers(s)
}

// BareHeaderKey is HeaderKey of s with its notes in brackets set aside: the
// text inside ( ) [ ] { } 【 】 〔 〕, brackets included, is dropped before
// the key is made. "身份证号码（18位）" gives "身份证号码" and
// "学历【必填】*" gives "学历". A header is matched by its HeaderKey first
// and by its BareHeaderKey only when that fails, so that a bracket that is
// part of a header, as in 所在县（市、区）, still counts. An opening bracket
// never closed runs to the end of s.
func BareHeaderKey(s string) string {
	s = Clean(s)
	if !strings.ContainsAny(s, "([{【〔") {
		return HeaderKey(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	depth := 0
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isNoteOpen(r):
			depth++
		case isNoteClose(r) && depth > 0:
			depth--
		case depth == 0:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return HeaderKey(b.String())
}

// TrimNote returns s cleaned, without the marker characters at its end and
// without the note in brackets that then ends it, and whether there was one:
// "所在村（社区）（必填）*" gives "所在村(社区)", true. A header is tried
// without its notes one at a time from the end before all of them are set
// aside (see BareHeaderKey).
func TrimNote(s string) (string, bool) {
	s = strings.TrimRightFunc(Clean(s), func(r rune) bool { return isMarker(r) || isSpace(r) })
	last, size := utf8.DecodeLastRuneInString(s)
	if !isNoteClose(last) {
		return s, false
	}
	depth := 0
	for i := len(s) - size; i > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:i])
		i -= n
		switch {
		case isNoteOpen(r) && depth == 0:
			return Clean(s[:i]), true
		case isNoteOpen(r):
			depth--
		case isNoteClose(r):
			depth++
		}
	}
	return s, false
}

func isNoteOpen(r rune) bool {
	return r == '(' || r == '[' || r == '{' || r == '【' || r == '〔'
}

func isNoteClose(r rune) bool {
	return r == ')' || r == ']' || r == '}' || r == '】' || r == '〕'
}

// trimMarkers trims marker characters from both ends of a clean string.
func trimMarkers(s string) string {
	for {
		first, _ := utf8.DecodeRuneInString(s)
		last, _ := utf8.DecodeLastRuneInString(s)
		if s == "" || !isMarker(first) && !isMarker(last) {
			return s
		}
		// Trimming may leave white space, or a character NFKC would
		// compose with, at an end: clean again until nothing changes.
		s = Clean(strings.TrimFunc(s, isMarker))
	}
}

// isMarker reports whether r is a character clerks put before or after a
// header to mark it (required, important), which HeaderKey trims from its
// ends: asterisks of every kind (full-width ＊ folds to *), ※, stars,
// triangles, circles, squares, diamonds, check marks, #, and the colon.
func isMarker(r rune) bool {
	switch r {
	case '*', '∗', '⁎', '✱', '✲', '✳', '※', '★', '☆', '✩', '✪',
		'△', '▲', '▽', '▼', '●', '○', '◎', '•', '◆', '◇', '■', '□',
		'√', '✓', '✔', '#', ':', '!':
		return true
	}
	return false
}

// dropFrom copies s, leaving out from byte offset i on every rune for which
// drop reports true and, when lower is set, lower-casing ASCII letters.
// Bytes that are not valid UTF-8 are copied as they are.
func dropFrom(s string, i int, drop func(rune) bool, lower bool) string {
	var b strings.Builder
	b.Grow(len(s))
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteByte(s[i])
		case drop(r):
		case lower && 'A' <= r && r <= 'Z':
			b.WriteByte(byte(r) + 'a' - 'A')
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// Kinds of string for Clean's fast paths.
const (
	plain    = iota // NFKC leaves it unchanged
	foldable        // NFKC only maps full-width ASCII and wide spaces (see foldWidth)
	other           // needs the full NFKC
)

// scan tells which of Clean's paths s can take. Plain strings hold only
// printable ASCII, CJK Unified Ideographs (U+4E00–U+9FFF) and the common
// Chinese punctuation that NFKC leaves alone (isStablePunct). Foldable strings
// also hold full-width ASCII (U+FF01–U+FF5E) or the spaces U+3000 and U+00A0.
// None of these characters combines with another under NFKC.
func scan(s string) int {
	kind := plain
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return other
			}
			i++
			continue
		}
		// The ideographs are the three-byte sequences E4 B8 80 to E9 BF BF;
		// checking their bytes is much cheaper than decoding them.
		if 0xe4 <= c && c <= 0xe9 && i+2 < len(s) {
			c1, c2 := s[i+1], s[i+2]
			if 0x80 <= c1 && c1 <= 0xbf && 0x80 <= c2 && c2 <= 0xbf && (c > 0xe4 || c1 >= 0xb8) {
				i += 3
				continue
			}
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case isStablePunct(r):
		case 0xff01 <= r && r <= 0xff5e, r == 0x3000, r == 0xa0:
			kind = foldable
		default: // including utf8.RuneError from bytes that are not UTF-8
			return other
		}
		i += size
	}
	return kind
}

// isStablePunct reports whether r is one of the punctuation marks common in
// Chinese text that NFKC leaves unchanged.
func isStablePunct(r rune) bool {
	switch r {
	case '、', '。', '〈', '〉', '《', '》', '「', '」', '『', '』', '【', '】',
		'〔', '〕', '〖', '〗', '“', '”', '‘', '’', '·', '—':
		return true
	}
	return false
}

// isWideSpace reports whether r is a space that a foldable string may hold.
func isWideSpace(r rune) bool { return r == ' ' || r == 0x3000 || r == 0xa0 }

// foldWidth applies NFKC to a foldable string: full-width ASCII becomes
// ASCII and U+3000 and U+00A0 become spaces. It returns s itself when there
// is nothing to fold.
func foldWidth(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		var c byte
		switch {
		case 0xff01 <= r && r <= 0xff5e:
			c = byte(r - 0xfee0)
		case r == 0x3000, r == 0xa0:
			c = ' '
		default:
			if b.Cap() > 0 {
				b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		if b.Cap() == 0 {
			b.Grow(len(s))
			b.WriteString(s[:i])
		}
		b.WriteByte(c)
		i += size
	}
	if b.Cap() == 0 {
		return s
	}
	return b.String()
}

// isSpace reports whether r is white space or an invisible character that
// Clean trims.
func isSpace(r rune) bool {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff':
		return true
	}
	return unicode.IsSpace(r)
}

// isHeaderJunk reports whether HeaderKey drops r.
func isHeaderJunk(r rune) bool {
	switch r {
	case '(', ')', '[', ']', '{', '}',
		'【', '】', '〔', '〕', '《', '》', '〈', '〉',
		'"', '\'', '“', '”', '‘', '’':
		return true
	}
	return false
}
