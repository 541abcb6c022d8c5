package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/xuri/excelize/v2"
)

// streamSheetSeeds are sheetData and shared strings that reach the corners
// of excelize's Rows: every cell type, rich text and phonetic runs,
// entities, rows and cells without or with repeated and backward
// references, nested and self-closing cells, formulas, bad attributes,
// another declared encoding, strict namespaces.
var streamSheetSeeds = [][2]string{
	{`<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t>身份证号</t></is></c></row>` +
		`<row r="3"><c r="A3"><v>44743</v></c><c r="C3" t="s"><v>1</v></c><c r="D3"/></row>`,
		`<si><t>姓名</t></si><si><r><t>测</t></r><r><rPr><b/><sz val="11"/><color theme="1"/><rFont val="宋体"/><family val="2"/><charset val="134"/></rPr><t>试</t></r></si>`},
	{`<row><c><v>1</v></c><c><v>2</v></c></row><row><c t="b"><v>1</v></c><c t="e"><v>#N/A</v></c><c t="d"><v>2022-07-01T00:00:00Z</v></c><c t="str"><f>A1</f><v>x</v></c></row>`, ``},
	{`<row r="1048576"><c r="XFD1048576" t="str"><v>"; DROP TABLE x; --</v></c></row>`, ``},
	{`<row r="2"><c r="B2" t="s"><v>7</v></c></row><row r="1"><c r="A1"><v>x</v></c></row>`, `<si><t>a</t></si>`},
	{`<row r="1"><c r="C1"><v>c</v></c><c r="A1"><v>a</v></c><c r="C1"><v>c2</v></c></row><row/><row><c><f/></c><c t="s"><v> 1 </v></c></row>`,
		`<si><t xml:space="preserve"> a </t></si><si><t>b_x000D_c_x005F_x0041_</t><rPh sb="0" eb="1"><t>ピ</t></rPh><phoneticPr fontId="1" type="noConversion"/></si>`},
	{`<row r="2" spans="1:3"><c r="A2" s="1" t="inlineStr"><is><r><t>a&amp;b</t></r><r><t>&lt;&#20013;&#x56FD;&gt;</t></r></is></c><c r="B2"><v><![CDATA[1<2]]></v></c></row>`, ``},
	{`<row><c s="x"><v>1</v></c><c><f aca="x"/><v>2</v></c><c r="A9"><v>3</v></c><c><x><v>nested</v></x></c><c><c><v>inner</v></c><v>outer</v></c></row>`, ``},
	{`<row r="x"><c><v>1</v></c></row>`, ``},
	{`<row r="0"><c r="A0"><v>1</v></c></row>`, ``},
	{`<row><c r="AAAA1"><v>1</v></c></row><row r="99999999999999999999"/>`, ``},
	{`<row><c t="inlineStr"><is><r><rPr><b val="maybe"/></rPr><t>x</t></r></is></c></row>`, ``},
	{`<?xml version="1.0" encoding="ISO-8859-1"?><row><c t="inlineStr"><is><t>caf` + "é" + `</t></is></c></row>`, ``},
	{`<row><c t="s"><v>0</v></c></row>`, `<si><t>http://purl.oclc.org/ooxml/spreadsheetml/main</t></si>`},
	{`<row><c><v>1</v></c></row></sheetData><sheetData><row><c><v>2</v></c></row>`, `</sst><sst>`},
	{`<row><c><v>1</v></c></row><row><c><v>2</c></row>`, ``},
	{`<row><c t="s"><v>0</v></c></row>`, `<si count="x"><t>a</t></si>`},
	{`<row><c t="s"><v>0</v></c></row>`, `<si><r><rPr><sz val="big"/></rPr><t>a</t></r></si>`},
	{`<x:row xmlns:x="u"><x:c><x:v>1</x:v></x:c></x:row><row><c xmlns="other"><v>2</v></c></row>`, ``},
}

// FuzzXLSXStream wraps arbitrary sheetData and shared-strings XML in a valid
// workbook, as FuzzXLSXSheet does, and compares the streaming reader with
// excelize's (readXLSXExcelize): the same rows and the same errors, except
// that where the sheet's XML is malformed excelize stops without a word and
// the streaming reader fails, after the rows excelize gave before that
// point. The shared-strings table it reads must be the one excelize
// decodes.
func FuzzXLSXStream(f *testing.F) {
	for _, s := range streamSheetSeeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, sheetData, sst string) {
		data := workbookWith(t, sheetData, sst)
		p := filepath.Join(t.TempDir(), "f.xlsx")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, want, gerr, werr := readBoth(t, p)
		checkXLSXRows(t, got, gerr)
		if pastLastRow(t, got, want, gerr) {
			return
		}
		sheetXML := `<worksheet><sheetData>` + sheetData + `</sheetData></worksheet>`
		switch {
		case gerr == nil && werr == nil:
			sameRows(t, got, want)
		case gerr != nil && werr == nil:
			var se *xmlSyntaxError
			if !errors.As(gerr, &se) || wellFormed(sheetXML) {
				t.Fatalf("stream fails with %v where excelize reads %d rows, and the sheet is well-formed", gerr, len(want))
			}
			prefixRows(t, got, want)
		case gerr == nil && werr != nil:
			t.Fatalf("stream reads %d rows where excelize fails: %v", len(got), werr)
		default:
			sameRows(t, got, want)
			var gp, wp *ParseError
			if !errors.As(gerr, &gp) || !errors.As(werr, &wp) || gp.Sheet != wp.Sheet || gp.Row != wp.Row {
				t.Fatalf("stream fails with %v, excelize with %v", gerr, werr)
			}
		}
		checkSharedStrings(t, p)
	})
}

// FuzzXLSXStreamWorkbook feeds arbitrary bytes, seeded with workbooks
// excelize wrote, to both readers: no panic, and where both read, the same
// rows; where only excelize reads, the streaming reader fails on malformed
// XML after a prefix of excelize's rows. Where only excelize fails (on
// styles, theme or calculation chain parts the streaming reader has no use
// for) the streaming reader may read.
func FuzzXLSXStreamWorkbook(f *testing.F) {
	for _, s := range xlsxSeeds(f) {
		f.Add(s)
	}
	f.Add(zipParts(f, minimalParts(streamSheetSeeds[0][0], streamSheetSeeds[0][1])))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.xlsx")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		got, want, gerr, werr := readBoth(t, p)
		checkXLSXRows(t, got, gerr)
		if pastLastRow(t, got, want, gerr) {
			return
		}
		switch {
		case gerr == nil && werr == nil:
			sameRows(t, got, want)
		case gerr != nil && werr == nil:
			var se *xmlSyntaxError
			if !errors.As(gerr, &se) {
				t.Fatalf("stream fails with %v where excelize reads %d rows", gerr, len(want))
			}
			prefixRows(t, got, want)
		}
	})
}

// pastLastRow handles the one place the streaming reader refuses rows
// excelize gives: rows without a number after row 1,048,576, which
// excelize numbers on. It reports whether excelize's rows hold one, and
// then requires the streaming reader to fail with ErrMaxRows at that row,
// after excelize's rows before it.
func pastLastRow(t *testing.T, got, want []Row, gerr error) bool {
	t.Helper()
	i := slices.IndexFunc(want, func(r Row) bool { return r.Number > excelize.TotalRows })
	if i < 0 {
		return false
	}
	var pe *ParseError
	if !errors.As(gerr, &pe) || !errors.Is(gerr, excelize.ErrMaxRows) || pe.Row != want[i].Number || pe.Sheet != want[i].Sheet {
		t.Fatalf("excelize gives row %d; stream error %v, want ErrMaxRows at that row", want[i].Number, gerr)
	}
	sameRows(t, got, want[:i])
	return true
}

// readBoth reads the workbook at p with the streaming reader and with
// excelize.
func readBoth(t *testing.T, p string) (got, want []Row, gerr, werr error) {
	t.Helper()
	opts := ReadOptions{MaxUnzipBytes: 1 << 20}
	got, gerr = gather(func(fn func(Row) error) error {
		return readXLSX(context.Background(), p, "f.xlsx", "", opts, fn)
	})
	want, werr = gather(func(fn func(Row) error) error {
		return readXLSXExcelize(context.Background(), p, "f.xlsx", "", opts, fn)
	})
	return got, want, gerr, werr
}

func sameRows(t *testing.T, got, want []Row) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d rows, excelize gives %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	prefixRows(t, got, want)
}

func prefixRows(t *testing.T, got, want []Row) {
	t.Helper()
	if len(got) > len(want) {
		t.Fatalf("%d rows, excelize gives %d:\n got %v\nwant %v", len(got), len(want), got, want)
	}
	for i := range got {
		if got[i].Sheet != want[i].Sheet || got[i].Number != want[i].Number || !slices.Equal(got[i].Cells, want[i].Cells) {
			t.Fatalf("row %d: %s %d %q, excelize gives %s %d %q", i,
				got[i].Sheet, got[i].Number, got[i].Cells, want[i].Sheet, want[i].Number, want[i].Cells)
		}
	}
}

// wellFormed reports whether encoding/xml reads doc to its end.
func wellFormed(doc string) bool {
	d := xml.NewDecoder(strings.NewReader(doc))
	for {
		if _, err := d.Token(); err != nil {
			return err == io.EOF
		}
	}
}

// checkSharedStrings compares the shared strings the streaming reader reads
// with those excelize decodes (which it does when a string is added).
func checkSharedStrings(t *testing.T, p string) {
	t.Helper()
	xf, err := excelize.OpenFile(p, excelize.Options{RawCellValue: true})
	if err != nil {
		return
	}
	defer xf.Close()
	if _, err := xf.NewSheet("probe"); err != nil {
		return
	}
	werr := xf.SetCellStr("probe", "A1", "\u2603 probe \u2603")
	zr, err := openZipFile(t, p)
	if err != nil {
		t.Fatal(err)
	}
	w := &streamWorkbook{name: "f.xlsx"}
	if err := w.load(zr); err != nil {
		t.Fatal(err)
	}
	sst, gerr := w.readSharedStrings(context.Background())
	if needsExcelize(gerr) {
		return
	}
	if (gerr == nil) != (werr == nil) {
		t.Fatalf("shared strings: stream error %v, excelize error %v", gerr, werr)
	}
	if gerr != nil {
		return
	}
	si := xf.SharedStrings.SI
	if len(si) != sst.len()+1 {
		t.Fatalf("%d shared strings, excelize has %d", sst.len(), len(si)-1)
	}
	for i := range sst.len() {
		if sst.get(i) != si[i].String() {
			t.Fatalf("shared string %d is %q, excelize has %q", i, sst.get(i), si[i].String())
		}
	}
}

// xmlTokenSeeds are XML snippets that reach every branch of the tokenizer.
var xmlTokenSeeds = []string{
	`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n" +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		`<sheetData><row r="1" spans="1:2"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr"><is><t xml:space="preserve"> 身份证号 </t></is></c></row></sheetData></worksheet>`,
	`<sst count="2"><si><t>a&amp;b&lt;&gt;&quot;&apos;&#20013;&#x56FD;</t></si><si><r><rPr><b/></rPr><t>x</t></r><rPh sb="0" eb="1"><t>y</t></rPh><phoneticPr fontId="1"/></si></sst>`,
	"<a>\r\n<![CDATA[<not> ]] & \r\n]]><!-- c - c --><?pi data?></a>",
	`<!DOCTYPE x [<!ENTITY e "v"> <!-- c --> ]><x:a xmlns:x="u" y:b="1"><x:b/></x:a>`,
	`<a b='1'c="2"/><b></b >text]]>`,
	`<a xmlns="d"><b xmlns="" xmlns:p="q"><p:c/></b></a>`,
	`<?xml version="1.0" encoding="GB2312"?><a/>`,
	`<a>&#0;</a>`, `<a>&#xD800;&#x10FFFF;&#1114112;</a>`, `<a b="&#13;&#10;"/>`,
	"<a>\xff</a>", "<ä/>", "<a:b:c/>", "<:a/>", "<a:/>", "</a>", "<a></b>", "<a", "<a b", `<a b="`, "<!--", "<!-- -- -->", "<![CDATA[x", "<!X<!-- > -->>", "<?", "<?x", "<? x?>",
}

// FuzzXLSXStreamTokens: the tokenizer yields the tokens encoding/xml's
// Decoder.Token yields, and fails at the same token, however the input is
// cut into reads.
func FuzzXLSXStreamTokens(f *testing.F) {
	for _, s := range xmlTokenSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, werr := oracleTokens(data)
		for _, small := range []bool{false, true} {
			got, gerr := streamTokens(data, small)
			if (werr == nil) != (gerr == nil) || len(got) != len(want) {
				t.Fatalf("small=%v: %d tokens, error %v; encoding/xml gives %d tokens, error %v\n got %q\nwant %q",
					small, len(got), gerr, len(want), werr, got, want)
			}
			for i := range got {
				if got[i] != want[i] {
					t.Fatalf("small=%v: token %d is %q, encoding/xml gives %q", small, i, got[i], want[i])
				}
			}
		}
	})
}

// oracleTokens renders the tokens encoding/xml reads from data.
func oracleTokens(data []byte) ([]string, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var toks []string
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return toks, nil
		}
		if err != nil {
			return toks, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			s := "S" + t.Name.Space + "|" + t.Name.Local
			for _, a := range t.Attr {
				s += " " + a.Name.Space + "|" + a.Name.Local + "=" + a.Value
			}
			toks = append(toks, s)
		case xml.EndElement:
			toks = append(toks, "E"+t.Name.Space+"|"+t.Name.Local)
		case xml.CharData:
			toks = append(toks, "T"+string(t))
		default:
			toks = append(toks, "O")
		}
	}
}

// streamTokens renders the tokens xmlTokenizer reads from data; small
// feeds it one byte per read into a one-byte buffer.
func streamTokens(data []byte, small bool) ([]string, error) {
	var r io.Reader = bytes.NewReader(data)
	z := newXMLTokenizer(r)
	if small {
		z = newXMLTokenizer(iotest.OneByteReader(r))
		z.buf = make([]byte, 1)
	}
	var toks []string
	for {
		k, err := z.next()
		if err != nil {
			return toks, err
		}
		switch k {
		case xmlEOF:
			return toks, nil
		case xmlStart:
			s := "S" + z.space(z.prefix, z.local, len(z.ns)) + "|" + string(z.local)
			for _, a := range z.attrs {
				s += " " + attrSpace(z, a.prefix) + "|" + string(a.local) + "=" + string(a.value)
			}
			toks = append(toks, s)
		case xmlEnd:
			toks = append(toks, "E"+z.space(z.prefix, z.local, len(z.ns))+"|"+string(z.local))
		case xmlText:
			toks = append(toks, "T"+string(z.text))
		case xmlOther:
			toks = append(toks, "O")
		default:
			return toks, errors.New(fmt.Sprint("unknown kind ", k))
		}
	}
}

// attrSpace is Decoder.translate for an attribute name.
func attrSpace(z *xmlTokenizer, prefix []byte) string {
	switch string(prefix) {
	case "xmlns", "":
		return string(prefix)
	case "xml":
		return xmlNamespaceURL
	}
	return z.space(prefix, []byte("x"), len(z.ns))
}

// openZipFile opens the zip at p as the streaming reader does.
func openZipFile(t *testing.T, p string) (*zip.Reader, error) {
	t.Helper()
	fh, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	t.Cleanup(func() { fh.Close() })
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	return openZip(fh, st.Size())
}

// FuzzXLSXStreamSheet builds well-formed sheets and shared strings from the
// fuzzer's bytes, with a grammar that favours what excelize's Rows treats
// specially (row and cell references of every kind, cell types, nested and
// self-closing elements, formulas, rich and phonetic text, bad typed
// attributes, a second sheetData), and requires exactly excelize's rows and
// errors.
func FuzzXLSXStreamSheet(f *testing.F) {
	f.Add([]byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09"))
	f.Add([]byte("\x10\x21\x32\x43\x54\x65\x76\x87\x98\xa9\xba\xcb\xdc\xed\xfe"))
	f.Add(bytes.Repeat([]byte("\x03\x01\x04\x01\x05\x09\x02\x06"), 8))
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &sheetGen{data: data}
		sheetData, sst := g.sheet(), g.sst()
		p := filepath.Join(t.TempDir(), "f.xlsx")
		if err := os.WriteFile(p, workbookWith(t, sheetData, sst), 0o600); err != nil {
			t.Fatal(err)
		}
		got, want, gerr, werr := readBoth(t, p)
		checkXLSXRows(t, got, gerr)
		if pastLastRow(t, got, want, gerr) {
			return
		}
		sameRows(t, got, want)
		if (gerr == nil) != (werr == nil) {
			t.Fatalf("stream error %v, excelize error %v\nsheetData %s\nsst %s", gerr, werr, sheetData, sst)
		}
		if gerr != nil {
			var gp, wp *ParseError
			if !errors.As(gerr, &gp) || !errors.As(werr, &wp) || gp.Row != wp.Row {
				t.Fatalf("stream fails with %v, excelize with %v", gerr, werr)
			}
		}
	})
}

// sheetGen turns bytes into well-formed sheet XML.
type sheetGen struct {
	data []byte
	i    int
	b    strings.Builder
}

// pick returns the next choice among n; 0 once the bytes run out.
func (g *sheetGen) pick(n int) int {
	if g.i >= len(g.data) {
		return 0
	}
	c := int(g.data[g.i])
	g.i++
	return c % n
}

func (g *sheetGen) one(s ...string) string { return s[g.pick(len(s))] }

func (g *sheetGen) sheet() string {
	g.b.Reset()
	for rows := 0; g.i < len(g.data) && rows < 12; rows++ {
		switch g.pick(8) {
		case 0:
			g.b.WriteString(g.one(`<!-- c -->`, `<x/>`, "\n ", `<?pi x?>`, `</sheetData><sheetData>`, `<w><row r="2"><c><v>w</v></c></row></w>`))
		case 1:
			g.b.WriteString(`<row` + g.rowAttrs() + `/>`)
		default:
			name := g.one("row", "row", "row", "x:row")
			g.b.WriteString(`<` + name + g.rowAttrs())
			if name == "x:row" {
				g.b.WriteString(` xmlns:x="urn:x"`)
			}
			g.b.WriteString(`>`)
			for cells := g.pick(5); cells > 0; cells-- {
				g.cell(0)
			}
			g.b.WriteString(`</` + name + `>`)
		}
	}
	return g.b.String()
}

func (g *sheetGen) rowAttrs() string {
	return g.one("", "", ` r="1"`, ` r="2"`, ` r="3"`, ` r="5"`, ` r="0"`, ` r="-1"`, ` r="x"`, ` r="1048576"`,
		` r="1048577"`, ` r="2" r="4"`, ` spans="1:3"`, ` x:r="7"`, ` r=""`)
}

func (g *sheetGen) cell(depth int) {
	g.b.WriteString(`<c` + g.one("", "", ` r="A1"`, ` r="B2"`, ` r="C1"`, ` r="c3"`, ` r="AA9"`, ` r="$B$1"`,
		` r="A0"`, ` r="AAAA1"`, ` r="XFD5"`, ` r=""`, ` r="1A"`))
	g.b.WriteString(g.one("", "", ` t="s"`, ` t="inlineStr"`, ` t="str"`, ` t="b"`, ` t="e"`, ` t="n"`, ` t="d"`, ` t="S"`))
	g.b.WriteString(g.one("", "", ` s="1"`, ` s="x"`, ` s=""`, ` s="-2"`))
	if g.pick(5) == 0 {
		g.b.WriteString(`/>`)
		return
	}
	g.b.WriteString(`>`)
	for parts := g.pick(4); parts > 0; parts-- {
		switch g.pick(9) {
		case 0, 1, 2:
			g.b.WriteString(`<v>` + g.text() + `</v>`)
		case 3:
			g.b.WriteString(g.one(`<f>A1+1</f>`, `<f/>`, `<f aca="true" si="2">x</f>`, `<f aca="x"/>`, `<f si="y"><v>9</v></f>`))
		case 4, 5:
			g.inline()
		case 6:
			g.b.WriteString(`<w>`)
			g.b.WriteString(`<v>` + g.text() + `</v>`)
			g.b.WriteString(`</w>`)
		case 7:
			if depth < 2 {
				g.cell(depth + 1)
			}
		case 8:
			g.b.WriteString(g.one(`<!--x-->`, ` `, `t`, `<c/>`, `<row/>`, `<is/>`))
		}
	}
	g.b.WriteString(`</c>`)
}

func (g *sheetGen) text() string {
	return g.one("", "0", "1", "2", " 1 ", "3.25", "abc", "44743", "-1", "&amp;x", "<![CDATA[1<2]]>", "9<x>ignored</x>9",
		"99999999999999999999", "_x0041_", "中文")
}

func (g *sheetGen) inline() {
	g.b.WriteString(`<is>`)
	for parts := g.pick(4); parts > 0; parts-- {
		switch g.pick(6) {
		case 0, 1:
			g.b.WriteString(`<t` + g.one("", ` xml:space="preserve"`) + `>` + g.text() + `</t>`)
		case 2, 3:
			g.b.WriteString(`<r>` + g.one("", `<rPr><b/><sz val="11"/></rPr>`, `<rPr><color theme="1" tint="0.5"/></rPr>`, `<rPr><b val="maybe"/></rPr>`) +
				g.one("", `<t>`+g.text()+`</t>`, `<t>a</t><t>b</t>`) + `</r>`)
		case 4:
			g.b.WriteString(g.one(`<rPh sb="0" eb="1"><t>p</t></rPh>`, `<phoneticPr fontId="1"/>`, `<rPh sb="x"/>`, `<u>x</u>`))
		case 5:
			g.b.WriteString(`</is><is>`)
		}
	}
	g.b.WriteString(`</is>`)
}

func (g *sheetGen) sst() string {
	g.b.Reset()
	for n := g.pick(5); n > 0; n-- {
		g.b.WriteString(g.one(`<si><t>甲</t></si>`, `<si><r><t>乙</t></r><r><rPr><b/></rPr><t>丙</t></r></si>`, `<si/>`,
			`<si><t>丁</t><rPh sb="0" eb="1"><t>ding</t></rPh></si>`, `<x><si><t>hidden</t></si></x>`, `<si><t> 空 </t></si>`,
			`<si><r><rPr><sz val="big"/></rPr><t>bad</t></r></si>`))
	}
	return g.b.String()
}
