package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxSeeds are small workbooks as excelize writes them: shared and inline
// strings, numbers, a date cell, a merged title, gaps between rows, several
// sheets and an empty one.
func xlsxSeeds(f *testing.F) [][]byte {
	f.Helper()
	dir := f.TempDir()
	p := filepath.Join(dir, "a.xlsx")
	writeLedgerWorkbook(f, p)
	a, err := os.ReadFile(p)
	if err != nil {
		f.Fatal(err)
	}
	q := filepath.Join(dir, "b.xlsx")
	xlsxFile(f, q, []string{"台账", "空"}, map[string][][]string{"台账": {{"姓名", "身份证号"}, {"测试", "14010519900101123X"}, {}, {"", "", "x"}}})
	b, err := os.ReadFile(q)
	if err != nil {
		f.Fatal(err)
	}
	return [][]byte{a, b, a[:len(a)/2], []byte("PK\x03\x04"), oleMagic}
}

// FuzzXLSX feeds arbitrary bytes to the workbook reader: it must return rows
// or a *ParseError, never panic or hang, and number rows upwards.
func FuzzXLSX(f *testing.F) {
	for _, s := range xlsxSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		_, rows, err := readWorkbookBytes(t, data)
		checkXLSXRows(t, rows, err)
	})
}

// readWorkbookBytes writes data to a temporary .xlsx file and reads it with
// a 1 MiB unzip limit.
func readWorkbookBytes(t *testing.T, data []byte) (path string, rows []Row, err error) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "f.xlsx")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	rows, err = gather(func(fn func(Row) error) error {
		return readXLSX(context.Background(), path, "f.xlsx", "", ReadOptions{MaxUnzipBytes: 1 << 20}, fn)
	})
	return path, rows, err
}

// FuzzXLSXSheet wraps arbitrary worksheet and shared-strings XML in a valid
// workbook, so that the fuzzer works on what excelize parses rather than on
// the zip container. Besides the invariants of FuzzXLSX, a workbook read
// without error must give the rows that excelize's whole-sheet GetRows gives,
// with blank rows and trailing blank cells left out.
func FuzzXLSXSheet(f *testing.F) {
	f.Add(`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>`+
		`<row r="3"><c r="A3"><v>44743</v></c><c r="C3" t="s"><v>1</v></c><c r="D3"/></row>`,
		`<si><t>姓名</t></si><si><r><t>测</t></r><r><t>试</t></r></si>`)
	f.Add(`<row><c><v>1</v></c><c><v>2</v></c></row><row><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c></row>`, ``)
	f.Add(`<row r="1048576"><c r="XFD1048576" t="str"><v>"; DROP TABLE x; --</v></c></row>`, ``)
	f.Add(`<row r="2"><c r="B2" t="s"><v>7</v></c></row><row r="1"><c r="A1"><v>x</v></c></row>`, `<si><t>a</t></si>`)
	f.Fuzz(func(t *testing.T, sheetData, sst string) {
		p, rows, err := readWorkbookBytes(t, workbookWith(t, sheetData, sst))
		checkXLSXRows(t, rows, err)
		if err != nil || (len(rows) > 0 && rows[len(rows)-1].Number > 10000) {
			return // GetRows would build every blank row up to the last
		}
		xf, err := excelize.OpenFile(p, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatalf("read without error, but excelize cannot open it: %v", err)
		}
		defer xf.Close()
		all, err := xf.GetRows("Sheet1", excelize.Options{RawCellValue: true})
		if err != nil {
			return // GetRows is stricter about some broken sheets than the stream
		}
		var want []Row
		for i, cells := range all {
			if cells = trimTrailing(cells); len(cells) > 0 {
				want = append(want, Row{Sheet: "Sheet1", Number: i + 1, Cells: cells, Serial: true})
			}
		}
		if len(rows) != len(want) {
			t.Fatalf("%d rows, GetRows gives %d: %v vs %v", len(rows), len(want), rows, want)
		}
		for i := range rows {
			if rows[i].Number != want[i].Number || !slices.Equal(rows[i].Cells, want[i].Cells) {
				t.Fatalf("row %d: %d %q, GetRows gives %d %q", i, rows[i].Number, rows[i].Cells, want[i].Number, want[i].Cells)
			}
		}
	})
}

func checkXLSXRows(t *testing.T, rows []Row, err error) {
	t.Helper()
	checkFuzzRows(t, nil, err, false)
	last := map[string]int{}
	for _, r := range rows {
		checkFuzzRows(t, []Row{r}, nil, false)
		if r.Number <= last[r.Sheet] || r.Number > 1<<20 {
			t.Fatalf("sheet %q: row %d after %d", r.Sheet, r.Number, last[r.Sheet])
		}
		last[r.Sheet] = r.Number
		if len(r.Cells) == 0 || r.Cells[len(r.Cells)-1] == "" {
			t.Fatalf("sheet %q row %d: blank trailing cell in %q", r.Sheet, r.Number, r.Cells)
		}
	}
}

// workbookWith zips the minimal parts of a one-sheet workbook around the
// given sheetData and shared strings.
func workbookWith(t *testing.T, sheetData, sst string) []byte {
	t.Helper()
	const ns = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	const rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	parts := []struct{ name, body string }{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>` +
			`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook ` + ns + ` xmlns:r="` + rel + `"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="` + rel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + rel + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + ns + `><sheetData>` + sheetData + `</sheetData></worksheet>`},
		{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst ` + ns + `>` + sst + `</sst>`},
	}
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
