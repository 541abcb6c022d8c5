package transform

import (
	"encoding/json"
	"strings"
	"unicode/utf8"

	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// maxRawValue caps each value kept in raw_masked (in runes).
const maxRawValue = 200

// maskRaw renders a rejected row's raw values as a JSON object keyed by the
// header as written, for the columns the record type reads. Personal values
// are masked: a name becomes one * per character, an ID number keeps its
// 6-digit area code, a phone keeps its first 3 digits. Columns the record
// type does not read (notes, a mentor's name) are left out: they may hold
// personal data that no rule masks.
func maskRaw(h *header, cells []string) string {
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for i, c := range cells {
		if i >= len(h.pos) || h.pos[i] < 0 {
			continue
		}
		col := columns[h.rt][h.pos[i]]
		v := textnorm.Clean(c)
		if personal[col.name] {
			v = mask(col.name, v)
		} else if utf8.RuneCountInString(v) > maxRawValue {
			v = string([]rune(v)[:maxRawValue]) + "…"
		}
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(h.names[i])
		val, _ := json.Marshal(v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.String()
}

// mask hides a personal value, keeping only what helps find the row.
func mask(column, v string) string {
	if v == "" {
		return ""
	}
	keep := 0
	switch column {
	case "id_number":
		keep = 6
	case "phone":
		keep = 3
	}
	r := []rune(v)
	if len(r) > 40 {
		r = r[:40]
	}
	if keep > len(r)/2 {
		keep = 0
	}
	return string(r[:keep]) + strings.Repeat("*", len(r)-keep)
}
