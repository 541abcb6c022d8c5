package transform

import (
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// Read-only views of the header rules, for the county's feedback workbook
// (package feedback), which names a column in the clerk's words.

// ColumnOf is the canonical column a header written in a file maps to in a
// record type, as the normaliser matches it; ok is false when no column of
// rt has that header.
func ColumnOf(rt canon.RecordType, header string) (name string, ok bool) {
	j, ok := headerIndex[rt][textnorm.HeaderKey(header)]
	if !ok {
		return "", false
	}
	return columns[rt][j].name, true
}

// ColumnHeader is the canonical Chinese header of a column of a record type
// (the first that docs/feeds.md lists); "" when rt has no such column.
func ColumnHeader(rt canon.RecordType, name string) string {
	if i := colIndex(rt, name); i >= 0 && len(columns[rt][i].headers) > 0 {
		return columns[rt][i].headers[0]
	}
	return ""
}
