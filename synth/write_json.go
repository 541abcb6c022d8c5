package synth

import (
	"io"
	"strconv"
	"unicode/utf8"
)

// writeJSON writes a table as a JSON array of objects, one per line, or as
// NDJSON, keyed by the county's headers in column order. Numbers are JSON
// numbers; ID numbers, codes and dates are strings; an empty value is "" or,
// where the county says so, null.
func writeJSON(path string, sh *shape, t *table, ndjson bool) error {
	return writeFile(path, func(w io.Writer) error {
		var b []byte
		if !ndjson {
			b = append(b, "[\n"...)
		}
		for n, row := range t.rows {
			if !ndjson {
				b = append(b, "  "...)
			}
			b = append(b, '{')
			for i, c := range row {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, t.cols[i].header)
				b = append(b, ':')
				switch {
				case c.kind == cInt:
					b = strconv.AppendInt(b, c.n, 10)
				case c.kind == cEmpty && sh.nullEmpty:
					b = append(b, "null"...)
				default:
					b = appendJSONString(b, sh.text(c, t.original(n)))
				}
			}
			b = append(b, '}')
			if !ndjson && n < len(t.rows)-1 {
				b = append(b, ',')
			}
			b = append(b, '\n')
			if len(b) > 32<<10 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		if !ndjson {
			b = append(b, "]\n"...)
		}
		_, err := w.Write(b)
		return err
	})
}

// appendJSONString appends s as a JSON string, escaping only what JSON
// requires, so Chinese text stays readable.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
