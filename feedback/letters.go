package feedback

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"

	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
	"github.com/grassroots-cn/grassroots/transform"
)

// Column letters. etl_reject keeps a rejected row's values by header, not
// by position, so a column's letter (A, B, … AA) is found again in the file
// itself: the header row of each sheet is found as the normaliser finds it
// (the first of the first rows that names at least two columns) and each
// column's position read from it. Only files still in a drop folder, of at
// most maxLetterBytes, in .xlsx or a text table, are read, and each only as
// far as the header rows it needs; a column not found has no letter.

// maxLetterBytes bounds the files read again for letters.
const maxLetterBytes = 64 << 20

// headerRows is how many leading rows of a sheet may hold titles before its
// header row (as in transform).
const headerRows = 10

// errEnough stops a read once every header row needed is found.
var errEnough = errors.New("feedback: header rows found")

// Letters sets the Letter of the items about a column of a file of a drop
// folder: root is the folder, opts the source's read options (its
// encoding). A file that cannot be read again simply gives no letters.
func Letters(ctx context.Context, root string, items []Item, opts ingest.ReadOptions) {
	want := map[string]map[string]bool{} // file -> sheets
	for _, it := range items {
		if it.File != "" && itemColumn(it) != "" {
			if want[it.File] == nil {
				want[it.File] = map[string]bool{}
			}
			want[it.File][it.Sheet] = true
		}
	}
	for uri, sheets := range want {
		pos := headerPositions(ctx, root, uri, sheets, opts)
		for i := range items {
			it := &items[i]
			if it.File != uri {
				continue
			}
			if j, ok := pos[it.Sheet][itemColumn(*it)]; ok {
				it.Letter = columnLetter(j)
			}
		}
	}
}

// itemColumn is the canonical column an item is about ("" = none).
func itemColumn(it Item) string {
	switch it.Kind {
	case KindReject:
		rt := recordType(it.File, it.Sheet)
		if c := Locate(it); c.Header != "" && rt != "" {
			name, _ := transform.ColumnOf(rt, c.Header)
			return name
		}
	case KindFinding:
		return findingColumns[it.Code]
	}
	return ""
}

// headerPositions reads the header rows of the given sheets of a file and
// returns, per sheet, each canonical column's 0-based position.
func headerPositions(ctx context.Context, root, uri string, sheets map[string]bool, opts ingest.ReadOptions) map[string]map[string]int {
	p := filepath.Join(root, filepath.FromSlash(uri))
	format := ingest.FormatOf(path.Base(uri))
	if format != ingest.FormatXLSX && format != ingest.FormatCSV {
		return nil // JSON has keys, not columns
	}
	if info, err := os.Lstat(p); err != nil || !info.Mode().IsRegular() || info.Size() > maxLetterBytes {
		return nil
	}
	out := map[string]map[string]int{}
	seen := map[string]int{} // rows seen per sheet
	left := len(sheets)
	err := ingest.Read(ctx, ingest.File{Path: p, URI: uri, Name: path.Base(uri), Format: format}, opts, func(r ingest.Row) error {
		if !sheets[r.Sheet] || out[r.Sheet] != nil || seen[r.Sheet] >= headerRows {
			return nil
		}
		seen[r.Sheet]++
		rt := recordType(uri, r.Sheet)
		if rt == "" {
			seen[r.Sheet] = headerRows
		} else if cols := matchColumns(rt, r.Cells); len(cols) >= 2 {
			out[r.Sheet] = cols
		}
		if out[r.Sheet] != nil || seen[r.Sheet] >= headerRows {
			if left--; left == 0 {
				return errEnough
			}
		}
		return nil
	})
	if err != nil && !errors.Is(err, errEnough) {
		return nil
	}
	return out
}

// matchColumns maps the canonical columns a header row names to their
// positions (the first, as the normaliser reads only the leftmost).
func matchColumns(rt canon.RecordType, cells []string) map[string]int {
	m := map[string]int{}
	for i, c := range cells {
		if textnorm.Clean(c) == "" {
			continue
		}
		if name, ok := transform.ColumnOf(rt, c); ok {
			if _, dup := m[name]; !dup {
				m[name] = i
			}
		}
	}
	return m
}

// columnLetter is a spreadsheet's name of a 0-based column: A … Z, AA …
func columnLetter(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}
