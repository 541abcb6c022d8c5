package synth

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// sheetData is one record table read back from a written file: a CSV, JSON or
// NDJSON file, or one sheet of a workbook.
type sheetData struct {
	file, sheet string
	rt          recordType
	header      []string
	rows        [][]string // xlsx cells are raw values (date cells as serials)
}

// generated writes a city with seed into a fresh folder.
func generated(t *testing.T, seed int64) (*Result, *cityModel) {
	t.Helper()
	res, m, err := generate(context.Background(), t.TempDir(), Options{Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return res, m
}

// feedShape returns the shape a county's feed was written in: its own in
// the city, else the city county's shape (or its CSV-only form) it took.
func feedShape(t *testing.T, feed CountyFeed) *shape {
	t.Helper()
	if sh := shapes[feed.Code]; sh != nil && sh.desc == feed.Shape {
		return sh
	}
	for _, p := range taiyuan {
		if sh := shapes[p.code]; sh.desc == feed.Shape {
			return sh
		} else if c := sh.csvOnly(); c.desc == feed.Shape {
			return c
		}
	}
	t.Fatalf("county %s: no shape %q", feed.Code, feed.Shape)
	return nil
}

// readBack reads every file of a county's feed.
func readBack(t *testing.T, res *Result, feed CountyFeed) []sheetData {
	t.Helper()
	sh := feedShape(t, feed)
	var out []sheetData
	for _, rel := range feed.Files {
		path := filepath.Join(res.Dir, filepath.FromSlash(rel))
		switch filepath.Ext(path) {
		case ".xlsx":
			out = append(out, readXLSX(t, path, sh)...)
		case ".csv", ".tsv":
			out = append(out, readCSV(t, path, sh))
		case ".json":
			out = append(out, readJSON(t, path, false))
		case ".ndjson":
			out = append(out, readJSON(t, path, true))
		default:
			t.Fatalf("%s: unexpected extension", rel)
		}
	}
	return out
}

// typeOfName finds the record type a file or sheet name starts with.
func typeOfName(t *testing.T, name string) recordType {
	t.Helper()
	for _, rt := range recordTypes {
		if strings.HasPrefix(name, rt.sheet()) || strings.HasPrefix(name, rt.english()) {
			return rt
		}
	}
	t.Fatalf("%s: no record type", name)
	return 0
}

func readXLSX(t *testing.T, path string, sh *shape) []sheetData {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []sheetData
	for _, name := range f.GetSheetList() {
		if name == notesSheet {
			continue
		}
		rows, err := f.GetRows(name, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		if sh.title {
			rows = rows[1:]
		}
		sd := sheetData{file: filepath.Base(path), sheet: name, rt: typeOfName(t, name), header: rows[0]}
		for _, r := range rows[1:] {
			for len(r) < len(sd.header) {
				r = append(r, "")
			}
			sd.rows = append(sd.rows, r)
		}
		out = append(out, sd)
	}
	return out
}

// fileText reads a text file, decoding GB18030 and dropping a UTF-8 BOM.
func fileText(t *testing.T, path string, sh *shape) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if sh.gb18030 {
		if b, err = simplifiedchinese.GB18030.NewDecoder().Bytes(b); err != nil {
			t.Fatal(err)
		}
	}
	return bytes.TrimPrefix(b, []byte("\ufeff"))
}

func readCSV(t *testing.T, path string, sh *shape) sheetData {
	t.Helper()
	recs := csvRecords(t, path, sh)
	name := filepath.Base(path)
	return sheetData{file: name, rt: typeOfName(t, name), header: recs[0], rows: recs[1:]}
}

// csvRecords reads every record of a comma- or (.tsv) tab-separated file.
func csvRecords(t *testing.T, path string, sh *shape) [][]string {
	t.Helper()
	cr := csv.NewReader(bytes.NewReader(fileText(t, path, sh)))
	if filepath.Ext(path) == ".tsv" {
		cr.Comma = '\t'
	}
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

// readJSON reads a JSON array of objects or NDJSON, keeping the key order of
// the first object; values are strings (numbers as written, null as "").
func readJSON(t *testing.T, path string, ndjson bool) sheetData {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var objs []json.RawMessage
	if ndjson {
		for _, line := range bytes.Split(bytes.TrimSpace(b), []byte("\n")) {
			objs = append(objs, line)
		}
	} else if err := json.Unmarshal(b, &objs); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	name := filepath.Base(path)
	sd := sheetData{file: name, rt: typeOfName(t, name)}
	for i, o := range objs {
		keys, vals := jsonObject(t, o)
		if i == 0 {
			sd.header = keys
		}
		if strings.Join(keys, ",") != strings.Join(sd.header, ",") {
			t.Fatalf("%s: object %d has keys %v, want %v", name, i, keys, sd.header)
		}
		sd.rows = append(sd.rows, vals)
	}
	return sd
}

// jsonObject returns an object's keys and values in order.
func jsonObject(t *testing.T, o json.RawMessage) (keys, vals []string) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(o))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not an object: %s", o)
	}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		v, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		switch v := v.(type) {
		case string:
			vals = append(vals, v)
		case json.Number:
			vals = append(vals, v.String())
		case nil:
			vals = append(vals, "")
		default:
			t.Fatalf("unexpected JSON value %v", v)
		}
	}
	if _, err := dec.Token(); err != nil {
		t.Fatal(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		t.Fatalf("trailing data after object: %s", o)
	}
	return keys, vals
}

// column returns the position of the header the shape gives column key in
// record type rt, or -1.
func (sd sheetData) column(sh *shape, key string) int {
	for _, c := range sh.cols[sd.rt] {
		if c.key == key {
			for i, h := range sd.header {
				if h == c.header {
					return i
				}
			}
		}
	}
	return -1
}
