package xls

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// seeds are the .xls files LibreOffice wrote for ingest's tests.
func seeds(f *testing.F) [][]byte {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("..", "testdata", "xls", "*.xls"))
	if err != nil || len(paths) == 0 {
		f.Fatalf("no seed .xls in ../testdata/xls: %v", err)
	}
	var out [][]byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// checkRows reads with Read or readStream and checks what any input must
// give: no panic, rows numbered upwards within a sheet from 1, never
// empty, never ending in an empty cell, and sheets announced before their
// rows.
func checkRows(t *testing.T, read func(Handler) error) {
	t.Helper()
	var sheet string
	last := 0
	err := read(Handler{
		Sheet: func(name string) error { sheet, last = name, 0; return nil },
		Row: func(s string, n int, cells []string) error {
			if s != sheet || n <= last || n > 65536 || len(cells) == 0 || cells[len(cells)-1] == "" || len(cells) > maxColumns {
				t.Fatalf("sheet %q (announced %q) row %d after %d, %d cells", s, sheet, n, last, len(cells))
			}
			last = n
			return nil
		},
	})
	_ = err // any error is fine; a panic or a bad row is not
}

// FuzzRead reads whole files: the compound file and the workbook in it.
func FuzzRead(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRows(t, func(h Handler) error {
			return Read(context.Background(), bytes.NewReader(data), int64(len(data)), 1<<24, h)
		})
	})
}

// FuzzStream reads Workbook streams, the BIFF8 records this package parses
// (mutations of a whole file mostly break the compound file first).
func FuzzStream(f *testing.F) {
	for _, s := range seeds(f) {
		data, err := workbookStream(bytes.NewReader(s), int64(len(s)), 1<<24)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		// A smaller seed: the globals and the first sheet's first records.
		f.Add(slices.Clone(data[:min(len(data), 4096)]))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkRows(t, func(h Handler) error { return readStream(context.Background(), data, h) })
	})
}
