package ingest

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// writeFile writes content to dir/name and returns the File a reader gets.
func writeFile(t testing.TB, dir, name string, content []byte) File {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return fileAt(p, name)
}

// fileAt describes the file at p as a source would, with uri as its URI.
func fileAt(p, uri string) File {
	return File{Path: p, URI: uri, Name: filepath.Base(p), Format: FormatOf(p)}
}

// collect reads f and returns deep copies of its rows.
func collect(t testing.TB, f File, opts ReadOptions) ([]Row, error) {
	t.Helper()
	var rows []Row
	err := Read(context.Background(), f, opts, func(r Row) error {
		r.Keys = slices.Clone(r.Keys)
		r.Cells = slices.Clone(r.Cells)
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// gb encodes s in GB18030.
func gb(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// csvBytes renders rows as CSV with the delimiter comma.
func csvBytes(t testing.TB, rows [][]string, comma rune) []byte {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = comma
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jsonObjects renders rows[1:] as JSON objects keyed by rows[0], keys in order.
func jsonObjects(t testing.TB, rows [][]string) [][]byte {
	t.Helper()
	var objs [][]byte
	for _, r := range rows[1:] {
		var b bytes.Buffer
		b.WriteByte('{')
		for i, k := range rows[0] {
			if i > 0 {
				b.WriteByte(',')
			}
			kb, _ := json.Marshal(k)
			vb, _ := json.Marshal(r[i])
			b.Write(kb)
			b.WriteByte(':')
			b.Write(vb)
		}
		b.WriteByte('}')
		objs = append(objs, b.Bytes())
	}
	return objs
}

// xlsxFile writes a workbook with one sheet per entry of sheets (in order),
// each holding its rows from A1 down.
func xlsxFile(t testing.TB, path string, sheets []string, rows map[string][][]string) {
	t.Helper()
	x := excelize.NewFile()
	defer x.Close()
	for i, s := range sheets {
		if i == 0 {
			if err := x.SetSheetName("Sheet1", s); err != nil {
				t.Fatal(err)
			}
		} else if _, err := x.NewSheet(s); err != nil {
			t.Fatal(err)
		}
		for j, r := range rows[s] {
			cell, _ := excelize.CoordinatesToCellName(1, j+1)
			vals := make([]any, len(r))
			for k, v := range r {
				vals[k] = v
			}
			if err := x.SetSheetRow(s, cell, &vals); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := x.SaveAs(path); err != nil {
		t.Fatal(err)
	}
}
