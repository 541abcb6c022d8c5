package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// xlsxPart is one member of a hand-built workbook.
type xlsxPart struct{ name, body string }

const (
	nsMain    = `xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"`
	nsRel     = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
	nsPkgRels = `xmlns="http://schemas.openxmlformats.org/package/2006/relationships"`
)

// minimalParts are the parts of a one-sheet workbook holding sheetData and
// shared strings sst, as workbookWith builds it.
func minimalParts(sheetData, sst string) []xlsxPart {
	return []xlsxPart{
		{"[Content_Types].xml", `<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>`},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships ` + nsPkgRels + `>` +
			`<Relationship Id="rId1" Type="` + nsRel + `/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", `<?xml version="1.0" encoding="UTF-8"?><workbook ` + nsMain + ` xmlns:r="` + nsRel + `"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`},
		{"xl/_rels/workbook.xml.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships ` + nsPkgRels + `>` +
			`<Relationship Id="rId1" Type="` + nsRel + `/worksheet" Target="worksheets/sheet1.xml"/>` +
			`<Relationship Id="rId2" Type="` + nsRel + `/sharedStrings" Target="sharedStrings.xml"/></Relationships>`},
		{"xl/worksheets/sheet1.xml", `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsMain + `><sheetData>` + sheetData + `</sheetData></worksheet>`},
		{"xl/sharedStrings.xml", `<?xml version="1.0" encoding="UTF-8"?><sst ` + nsMain + `>` + sst + `</sst>`},
	}
}

// zipParts zips parts, deflated, in order.
func zipParts(tb testing.TB, parts []xlsxPart) []byte {
	tb.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate, Modified: time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return b.Bytes()
}

// streamRow is a Row of sheet Sheet1 as the XLSX readers yield it.
func streamRow(n int, cells ...string) Row {
	return Row{Sheet: "Sheet1", Number: n, Cells: cells, Serial: true}
}

// readStream reads the workbook data with the streaming reader and, for
// comparison, with excelize.
func readStream(t *testing.T, data []byte, opts ReadOptions) (got, oracle []Row, err, oracleErr error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "book.xlsx")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	got, err = gather(func(fn func(Row) error) error {
		return readXLSX(context.Background(), p, "book.xlsx", "", opts, fn)
	})
	oracle, oracleErr = gather(func(fn func(Row) error) error {
		return readXLSXExcelize(context.Background(), p, "book.xlsx", "", opts, fn)
	})
	return got, oracle, err, oracleErr
}

// TestXLSXStreamCells: hand-built sheets and shared strings, each feature
// of the format with the rows excelize's Rows gives for it, written out by
// hand and checked against excelize too.
func TestXLSXStreamCells(t *testing.T) {
	lastRow := make([]string, 16384)
	lastRow[16383] = "end"
	tests := []struct {
		name, sheetData, sst string
		want                 []Row
	}{
		{
			name: "shared strings: plain, rich text, phonetic runs left out, kept spaces",
			sst: `<si><t>姓名</t></si><si><r><rPr><b/><sz val="11"/><color theme="1"/><rFont val="宋体"/><family val="3"/><charset val="134"/></rPr><t>测</t></r><r><t>试</t></r></si>` +
				`<si><t>身份证号</t><rPh sb="0" eb="2"><t>シェン</t></rPh><phoneticPr fontId="1" type="noConversion"/></si><si><t xml:space="preserve"> 两端空格 </t></si>`,
			sheetData: `<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c></row>`,
			want:      []Row{streamRow(1, "姓名", "测试", "身份证号", " 两端空格 ")},
		},
		{
			name: "entities, character references, CDATA and _xHHHH_ escapes",
			sst: `<si><t>a&amp;b &lt;c&gt; &quot;d&quot; &apos;e&apos; &#20013;&#x56FD;</t></si><si><t><![CDATA[<x> & y]]></t></si>` +
				`<si><t>回车_x000D_换行 _x005F_x0041_</t></si>`,
			sheetData: `<row><c t="s"><v>0</v></c><c t="s"><v>1</v></c><c t="s"><v>2</v></c></row>`,
			want:      []Row{streamRow(1, `a&b <c> "d" 'e' 中国`, "<x> & y", "回车\r换行 _x0041_")},
		},
		{
			name: "cell types: inline, formula string, bool, error, number, date text",
			sheetData: `<row r="1"><c r="A1" t="inlineStr"><is><t>内联</t></is></c><c r="B1" t="inlineStr"><is><r><t>富</t></r><r><t>文本</t></r></is></c>` +
				`<c r="C1" t="str"><f>A1&amp;B1</f><v>内联富文本</v></c><c r="D1" t="b"><v>1</v></c><c r="E1" t="e"><v>#DIV/0!</v></c>` +
				`<c r="F1" t="n"><v>3.25</v></c><c r="G1" s="3"><v>44743</v></c><c r="H1" t="d"><v>2022-07-01T00:00:00</v></c></row>`,
			want: []Row{streamRow(1, "内联", "富文本", "内联富文本", "1", "#DIV/0!", "3.25", "44743", "2022-07-01T00:00:00")},
		},
		{
			name: "rows and cells without references, empty rows and cells",
			sheetData: `<row><c><v>a</v></c><c/><c><v>c</v></c><c><v></v></c></row><row/>` +
				`<row><c r="C3"><v>x</v></c></row><row><c r="B4"><v>b</v></c><c><v>c</v></c><c r="E4"/></row>`,
			want: []Row{streamRow(1, "a", "", "c"), streamRow(3, "", "", "x"), streamRow(4, "", "b", "c")},
		},
		{
			name:      "a reference back or repeated appends the cell",
			sheetData: `<row r="1"><c r="C1"><v>c</v></c><c r="A1"><v>a</v></c><c r="C1"><v>c2</v></c></row>`,
			want:      []Row{streamRow(1, "", "", "c", "a", "c2")},
		},
		{
			name:      "a row numbered back is merged into the row before",
			sheetData: `<row r="2"><c r="A2"><v>x</v></c></row><row r="1"><c r="B1"><v>y</v></c></row><row r="3"><c r="A3"><v>z</v></c></row>`,
			want:      []Row{streamRow(2, "x", "y"), streamRow(3, "z")},
		},
		{
			name:      "a formula cell counts though empty",
			sheetData: `<row><c r="A1"><f>NOW()</f></c><c r="A1"><v>x</v></c></row>`,
			want:      []Row{streamRow(1, "", "x")},
		},
		{
			name:      "a bad shared-string index reads empty, a non-number as item 0",
			sst:       `<si><t>zero</t></si>`,
			sheetData: `<row><c t="s"><v>5</v></c><c t="s"><v>abc</v></c><c t="s"><v> 0 </v></c></row>`,
			want:      []Row{streamRow(1, "", "zero", "zero")},
		},
		{
			name:      "a bad style drops the cell's value",
			sheetData: `<row><c s="bold"><v>1</v></c><c><v>2</v></c></row>`,
			want:      []Row{streamRow(1, "", "2")},
		},
		{
			name:      "the last row and column",
			sheetData: `<row r="1048576"><c r="XFD1048576"><v>end</v></c></row>`,
			want:      []Row{streamRow(1048576, lastRow...)},
		},
		{
			name:      "an inline string excelize half-decodes is read by excelize",
			sheetData: `<row><c t="inlineStr"><is><r><rPr><b val="yes"/></rPr><t>x</t></r></is></c><c><v>2</v></c></row>`,
			want:      []Row{streamRow(1, "", "2")},
		},
		{
			name:      "another declared encoding is read by excelize",
			sheetData: `<?xml version="1.0" encoding="ISO-8859-1"?><row><c t="inlineStr"><is><t>caf` + "\xe9" + `</t></is></c></row>`,
			want:      []Row{streamRow(1, "café")},
		},
		{
			name:      "strict OOXML namespaces in the shared strings",
			sst:       `<si><t>http://purl.oclc.org/ooxml/spreadsheetml/main</t></si>`,
			sheetData: `<row><c t="s"><v>0</v></c></row>`,
			want:      []Row{streamRow(1, mainNamespace)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, oracle, err, oracleErr := readStream(t, zipParts(t, minimalParts(tt.sheetData, tt.sst)), ReadOptions{MaxUnzipBytes: 1 << 20})
			if err != nil || oracleErr != nil {
				t.Fatalf("errors %v, excelize %v", err, oracleErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
			if !reflect.DeepEqual(oracle, tt.want) {
				t.Errorf("excelize gives %+v", oracle)
			}
		})
	}
}

// TestXLSXStreamErrors: what excelize fails on fails alike, as a
// *ParseError wrapping ErrSyntax at the row; malformed XML, where excelize
// stops without a word, fails too, after the rows before it.
func TestXLSXStreamErrors(t *testing.T) {
	tests := []struct {
		name, sheetData, sst string
		rows                 []Row // read before the error
		row                  int
		is                   error
		excelizeReads        bool // excelize gives rows and no error
	}{
		// excelize's Columns meets the bad row while it ends row 1.
		{name: "row past the last", sheetData: `<row><c><v>1</v></c></row><row r="1048577"><c><v>2</v></c></row>`,
			row: 1, is: excelize.ErrMaxRows},
		{name: "first row past the last", sheetData: `<row r="1048577"><c><v>2</v></c></row>`, row: 1, is: excelize.ErrMaxRows},
		// excelize numbers the row 1048577; no sheet has such a row.
		{name: "row without a number past the last", sheetData: `<row r="1048576"><c><v>1</v></c></row><row/><row><c><v>2</v></c></row>`,
			rows: []Row{streamRow(1048576, "1")}, row: 1048578, is: excelize.ErrMaxRows, excelizeReads: true},
		{name: "bad cell reference", sheetData: `<row><c r="1A"><v>1</v></c></row>`, row: 1},
		{name: "bad row number", sheetData: `<row r="abc"><c><v>1</v></c></row>`, row: 1},
		{name: "bad shared strings", sst: `<si><r><rPr><sz val="big"/></rPr><t>a</t></r></si>`, sheetData: `<row r="3"><c><v>1</v></c></row>`, row: 3},
		{name: "malformed sheet", sheetData: `<row><c><v>1</v></c></row><row><c><v>2</v></c>`,
			rows: []Row{streamRow(1, "1")}, row: 2, excelizeReads: true},
		{name: "bad character entity", sheetData: `<row><c t="inlineStr"><is><t>&nbsp;</t></is></c></row>`, row: 1, excelizeReads: true},
		{name: "invalid UTF-8", sheetData: "<row><c t=\"inlineStr\"><is><t>\xff</t></is></c></row>", row: 1, excelizeReads: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, oracle, err, oracleErr := readStream(t, zipParts(t, minimalParts(tt.sheetData, tt.sst)), ReadOptions{MaxUnzipBytes: 1 << 20})
			var pe *ParseError
			if !errors.As(err, &pe) || !errors.Is(err, ErrSyntax) || pe.File != "book.xlsx" || pe.Sheet != "Sheet1" || pe.Row != tt.row {
				t.Fatalf("error %#v, want a ParseError at Sheet1 row %d", err, tt.row)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v does not wrap %v", err, tt.is)
			}
			if !reflect.DeepEqual(got, tt.rows) {
				t.Errorf("rows %+v, want %+v", got, tt.rows)
			}
			if (oracleErr == nil) != tt.excelizeReads {
				t.Errorf("excelize: %v", oracleErr)
			}
			if len(oracle) < len(got) || !reflect.DeepEqual(oracle[:len(got)], got) {
				t.Errorf("excelize gives %+v", oracle)
			}
		})
	}
}

// TestXLSXStreamWorkbook: the sheets are found as excelize finds them.
func TestXLSXStreamWorkbook(t *testing.T) {
	rels := func(body string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><Relationships ` + nsPkgRels + `>` + body + `</Relationships>`
	}
	rel := func(id, typ, target string) string {
		return `<Relationship Id="` + id + `" Type="` + nsRel + `/` + typ + `" Target="` + target + `"/>`
	}
	workbook := func(sheets string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><workbook ` + nsMain + ` xmlns:r="` + nsRel + `"><sheets>` + sheets + `</sheets></workbook>`
	}
	sheet := func(rows string) string {
		return `<?xml version="1.0" encoding="UTF-8"?><worksheet ` + nsMain + `><sheetData>` + rows + `</sheetData></worksheet>`
	}
	row := func(s string, n int, cells ...string) Row {
		return Row{Sheet: s, Number: n, Cells: cells, Serial: true}
	}
	gbName := string(gb(t, "甲表"))
	tests := []struct {
		name    string
		parts   []xlsxPart
		want    []Row
		starts  []string
		wantErr string // in the message of a *ParseError
	}{
		{
			name: "workbook elsewhere, absolute and relative targets, hidden sheet, workbook order",
			parts: []xlsxPart{
				{"book/s/one.xml", sheet(`<row><c t="inlineStr"><is><t>甲</t></is></c></row>`)},
				{"book/_rels/wb.xml.rels", rels(rel("rId1", "worksheet", "/book/s/one.xml") + rel("rId2", "worksheet", "s/two.xml"))},
				{"_rels/.rels", rels(rel("rId9", "officeDocument", "/book/wb.xml"))},
				{"book/wb.xml", workbook(`<sheet name="乙" sheetId="2" state="hidden" r:id="rId2"/><sheet name="甲" sheetId="1" r:id="rId1"/>`)},
				{"book/s/two.xml", sheet(`<row r="2"><c r="B2"><v>2</v></c></row>`)},
			},
			want:   []Row{row("乙", 2, "", "2"), row("甲", 1, "甲")},
			starts: []string{"乙", "甲"},
		},
		{
			name: "a sheet name matches without regard to case",
			parts: []xlsxPart{
				{"_rels/.rels", rels(rel("rId1", "officeDocument", "xl/workbook.xml"))},
				{"xl/workbook.xml", workbook(`<sheet name="Data" sheetId="1" r:id="rId1"/><sheet name="DATA" sheetId="2" r:id="rId2"/>`)},
				{"xl/_rels/workbook.xml.rels", rels(rel("rId1", "worksheet", "worksheets/sheet1.xml") + rel("rId2", "worksheet", "worksheets/missing.xml"))},
				{"xl/worksheets/sheet1.xml", sheet(`<row><c><v>1</v></c></row>`)},
			},
			want:   []Row{row("Data", 1, "1"), row("DATA", 1, "1")},
			starts: []string{"Data", "DATA"},
		},
		{
			// excelize finds no workbook part, and fails to decode it.
			name:    "no package relationships",
			parts:   []xlsxPart{{"xl/workbook.xml", workbook(`<sheet name="Sheet1" sheetId="1" r:id="rId1"/>`)}},
			wantErr: "book.xlsx: ingest: syntax error: EOF",
		},
		{
			name: "a sheet without its part",
			parts: []xlsxPart{
				{"_rels/.rels", rels(rel("rId1", "officeDocument", "xl/workbook.xml"))},
				{"xl/workbook.xml", workbook(`<sheet name="Sheet1" sheetId="1" r:id="rId1"/><sheet name="丢失" sheetId="2" r:id="rId2"/>`)},
				{"xl/_rels/workbook.xml.rels", rels(rel("rId1", "worksheet", "worksheets/sheet1.xml") + rel("rId2", "worksheet", "worksheets/sheet2.xml"))},
				{"xl/worksheets/sheet1.xml", sheet(`<row><c><v>1</v></c></row>`)},
			},
			want:    []Row{row("Sheet1", 1, "1")},
			starts:  []string{"Sheet1", "丢失"},
			wantErr: `book.xlsx: sheet "丢失": ingest: syntax error: sheet 丢失 does not exist`,
		},
		{
			name: "a sheet name excelize refuses",
			parts: []xlsxPart{
				{"_rels/.rels", rels(rel("rId1", "officeDocument", "xl/workbook.xml"))},
				{"xl/workbook.xml", workbook(`<sheet name="a/b" sheetId="1" r:id="rId1"/>`)},
				{"xl/_rels/workbook.xml.rels", rels(rel("rId1", "worksheet", "worksheets/sheet1.xml"))},
				{"xl/worksheets/sheet1.xml", sheet(`<row><c><v>1</v></c></row>`)},
			},
			starts:  []string{"a/b"},
			wantErr: `book.xlsx: sheet "a/b": ingest: syntax error: `,
		},
		{
			name: "a workbook part in another encoding is read by excelize",
			parts: []xlsxPart{
				{"_rels/.rels", rels(rel("rId1", "officeDocument", "xl/workbook.xml"))},
				{"xl/workbook.xml", `<?xml version="1.0" encoding="GB2312"?><workbook ` + nsMain + ` xmlns:r="` + nsRel + `"><sheets><sheet name="` + gbName + `" sheetId="1" r:id="rId1"/></sheets></workbook>`},
				{"xl/_rels/workbook.xml.rels", rels(rel("rId1", "worksheet", "worksheets/sheet1.xml"))},
				{"xl/worksheets/sheet1.xml", sheet(`<row><c><v>1</v></c></row>`)},
			},
			want:   []Row{row("甲表", 1, "1")},
			starts: []string{"甲表"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "book.xlsx")
			if err := os.WriteFile(p, zipParts(t, tt.parts), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, read := range []struct {
				name string
				fn   func(ctx context.Context, path, name, want string, opts ReadOptions, fn func(Row) error) error
			}{{"stream", readXLSX}, {"excelize", readXLSXExcelize}} {
				var starts []string
				opts := ReadOptions{MaxUnzipBytes: 1 << 20, SheetStart: func(s string) error { starts = append(starts, s); return nil }}
				got, err := gather(func(fn func(Row) error) error { return read.fn(context.Background(), p, "book.xlsx", "", opts, fn) })
				if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.HasPrefix(err.Error(), tt.wantErr)) {
					t.Fatalf("%s: error %v, want %q", read.name, err, tt.wantErr)
				}
				if !reflect.DeepEqual(got, tt.want) || !reflect.DeepEqual(starts, tt.starts) {
					t.Errorf("%s: rows %+v after %q\nwant %+v after %q", read.name, got, starts, tt.want, tt.starts)
				}
			}
		})
	}
}

// TestXLSXStreamExcelizeWritten: workbooks as excelize writes them, with
// shared strings (SetCellValue and friends) and inline strings
// (StreamWriter), read as excelize reads them.
func TestXLSXStreamExcelizeWritten(t *testing.T) {
	p := filepath.Join(t.TempDir(), "台账.xlsx")
	x := excelize.NewFile()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.SetSheetName("Sheet1", "台账"))
	must(x.SetCellRichText("台账", "A1", []excelize.RichTextRun{{Text: "富", Font: &excelize.Font{Bold: true}}, {Text: "文本"}}))
	must(x.SetCellFormula("台账", "B1", "1+1")) // no cached value: an empty cell
	must(x.SetCellBool("台账", "C1", true))
	must(x.SetCellValue("台账", "D1", 3.25))
	must(x.SetCellValue("台账", "E1", time.Date(2022, 7, 1, 18, 0, 0, 0, time.UTC)))
	must(x.SetCellStr("台账", "F1", " 两端 "))
	must(x.SetCellStr("台账", "G1", "a\r\nb\tc"))
	must(x.SetCellStr("台账", "H1", "_x000D_")) // excelize stores it unescaped, and reads it back as \r
	must(x.SetCellInt("台账", "A3", 7))
	_, err := x.NewSheet("隐藏")
	must(err)
	must(x.SetCellStr("隐藏", "B2", "看不见"))
	must(x.SetSheetVisible("隐藏", false))
	_, err = x.NewSheet("流式")
	must(err)
	sw, err := x.NewStreamWriter("流式")
	must(err)
	must(sw.SetRow("A1", []any{"姓名", "到岗时间"}))
	must(sw.SetRow("A2", []any{"测试", 44743.0}))
	must(sw.SetRow("A4", []any{nil, "x"}))
	must(sw.Flush())
	must(x.SaveAs(p))
	must(x.Close())

	r := func(sheet string, n int, cells ...string) Row {
		return Row{Sheet: sheet, Number: n, Cells: cells, Serial: true}
	}
	want := []Row{
		// E1, a time.Time, is 44743.75 styled as a date-time (format 22).
		r("台账", 1, "富文本", "", "1", "3.25", "2022-07-01 18:00:00", " 两端 ", "a\r\nb\tc", "\r"),
		r("台账", 3, "7"),
		r("隐藏", 2, "", "看不见"),
		r("流式", 1, "姓名", "到岗时间"),
		r("流式", 2, "测试", "44743"), // a number without a date style stays a number
		r("流式", 4, "", "x"),
	}
	got, err := collect(t, fileAt(p, "台账.xlsx"), ReadOptions{})
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, %v\nwant %+v", got, err, want)
	}
	oracle, err := gather(func(fn func(Row) error) error {
		return readXLSXExcelize(context.Background(), p, "台账.xlsx", "", ReadOptions{MaxUnzipBytes: DefaultMaxUnzipBytes}, fn)
	})
	if err != nil || !reflect.DeepEqual(oracle, want) {
		t.Errorf("excelize gives %+v, %v", oracle, err)
	}
}

// TestXLSXStreamLedger: a ledger of a few thousand rows, past the reader's
// buffers, reads as excelize reads it, with shared and with inline strings.
func TestXLSXStreamLedger(t *testing.T) {
	rows := benchLedger(3000)
	dir := t.TempDir()
	shared := filepath.Join(dir, "shared.xlsx")
	xlsxFile(t, shared, []string{"人员台账"}, map[string][][]string{"人员台账": rows})
	inline := filepath.Join(dir, "inline.xlsx")
	writeStreamed(t, inline, rows)
	for _, p := range []string{shared, inline} {
		got, err := collect(t, fileAt(p, "ledger.xlsx"), ReadOptions{})
		if err != nil || len(got) != len(rows) {
			t.Fatalf("%s: %d rows, %v", filepath.Base(p), len(got), err)
		}
		for i, r := range got {
			if r.Number != i+1 || !reflect.DeepEqual(r.Cells, trimTrailing(rows[i])) {
				t.Fatalf("%s: row %d is %d %q, want %q", filepath.Base(p), i, r.Number, r.Cells, rows[i])
			}
		}
		oracle, err := gather(func(fn func(Row) error) error {
			return readXLSXExcelize(context.Background(), p, "ledger.xlsx", "", ReadOptions{MaxUnzipBytes: DefaultMaxUnzipBytes}, fn)
		})
		if err != nil || !reflect.DeepEqual(oracle, got) {
			t.Fatalf("%s: excelize differs: %v", filepath.Base(p), err)
		}
	}
}

// TestXLSXStreamCancel: a canceled read stops within ctxCheckEvery rows.
func TestXLSXStreamCancel(t *testing.T) {
	var b strings.Builder
	for range 3 * ctxCheckEvery {
		b.WriteString(`<row><c><v>1</v></c></row>`)
	}
	f := writeFile(t, t.TempDir(), "book.xlsx", zipParts(t, minimalParts(b.String(), "")))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rows := 0
	err := Read(ctx, f, ReadOptions{}, func(Row) error {
		rows++
		cancel()
		return nil
	})
	if !errors.Is(err, context.Canceled) || rows > ctxCheckEvery {
		t.Errorf("%d rows, %v; want context.Canceled within %d rows", rows, err, ctxCheckEvery)
	}
}

// TestXLSXStreamChangedWhileRead: a workbook rewritten while its rows are
// read fails with ErrChanged, though its rows were handed out.
func TestXLSXStreamChangedWhileRead(t *testing.T) {
	p := filepath.Join(t.TempDir(), "book.xlsx")
	xlsxFile(t, p, []string{"台账"}, map[string][][]string{"台账": {{"姓名"}, {"测试"}}})
	f := fileAt(p, "book.xlsx")
	f.SHA256 = sha256Of(t, p)
	rows := 0
	err := Read(context.Background(), f, ReadOptions{}, func(Row) error {
		if rows++; rows == 1 {
			fh, err := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			defer fh.Close()
			_, err = fh.Write([]byte("trailing bytes"))
			return err
		}
		return nil
	})
	var pe *ParseError
	if !errors.Is(err, ErrChanged) || !errors.As(err, &pe) || pe.File != "book.xlsx" || rows != 2 {
		t.Errorf("%d rows, %v; want 2 rows and ErrChanged", rows, err)
	}
}

func TestXLSXStreamHelpers(t *testing.T) {
	for _, ref := range []string{"A1", "a1", "XFD1048576", "XFE1", "AAAA1", "A0", "A01", "$A$1", "A$1", "A+1", "A-1", "1A", "", "A", "A1048577", "Ab12", "ＡB1"} {
		col, _, werr := excelize.CellNameToCoordinates(ref)
		got, err := cellColumn([]byte(ref))
		if (err == nil) != (werr == nil) || err == nil && got != col {
			t.Errorf("cellColumn(%q) = %d, %v; excelize says %d, %v", ref, got, err, col, werr)
		}
	}
	for _, c := range []struct{ in, want string }{
		{"plain", "plain"},
		{"a_x000D_b", "a\rb"},
		{"_x005F_x0041_", "_x0041_"},
		{"_x0041__x0042_", "AB"},
		{"_xD800_", ""},
		{"_x00_", "_x00_"},
		{"_X0041_", "_X0041_"},
		{"_x4e2D_", "中"},
	} {
		if got := bstrUnmarshal(c.in); got != c.want {
			t.Errorf("bstrUnmarshal(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, c := range []struct{ wb, target, want string }{
		{"xl/workbook.xml", "worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"},
		{"xl/workbook.xml", "/xl/worksheets/sheet1.xml", "xl/worksheets/sheet1.xml"},
		{"xl/workbook.xml", "../sheets/s.xml", "sheets/s.xml"},
		{"workbook.xml", "s.xml", "s.xml"},
		{"", "xl/s.xml", "xl/s.xml"},
	} {
		if got := worksheetPath(c.wb, c.target); got != c.want {
			t.Errorf("worksheetPath(%q, %q) = %q, want %q", c.wb, c.target, got, c.want)
		}
	}
}
