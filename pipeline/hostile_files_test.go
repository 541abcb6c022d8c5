package pipeline

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/internal/idnum"
)

// The files of the hostile input suite (hostile_test.go): made-up
// graduates, 小店区 ledgers as CSV and workbooks, and broken workbooks.

// recruit returns the i-th made-up graduate: a valid GB 11643 ID number
// (born 1995-01-01 plus i/1000 days, sequence i%1000), a name and a phone.
func recruit(i int) person {
	birth := time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i/1000)
	first17 := fmt.Sprintf("140105%s%03d", birth.Format("20060102"), i%1000)
	return person{name: fmt.Sprintf("新人%06d", i), id: first17 + string(idnum.CheckChar(first17)), phone: fmt.Sprintf("139%08d", i)}
}

// badID is p's ID number with a wrong check character.
func badID(p person) string {
	c := p.id[17]
	if c == '0' {
		return p.id[:17] + "1"
	}
	return p.id[:17] + "0"
}

// ledgerHeader and ledgerRow are a 小店区 ledger's columns.
var ledgerHeader = xiaodianHeader[:10]

func ledgerRow(p person) []string {
	return []string{p.name, p.id, "", p.phone, "硕士", "公开招聘", "乡镇编制", "小店区", "140105001001", "2022-09-01"}
}

// recruits returns persons from, from+1, ... and their cell contents.
func recruits(from, n int) ([]person, []string) {
	ps := make([]person, n)
	var secrets []string
	for i := range ps {
		ps[i] = recruit(from + i)
		secrets = append(secrets, ps[i].name, ps[i].id, ps[i].phone)
	}
	return ps, secrets
}

// ledgerCSV is a 小店区 ledger as CSV text.
func ledgerCSV(ps []person) string {
	var b strings.Builder
	b.WriteString(strings.Join(ledgerHeader, ",") + "\n")
	for _, p := range ps {
		b.WriteString(strings.Join(ledgerRow(p), ",") + "\n")
	}
	return b.String()
}

// writeLedgerXLSX writes a workbook with one sheet: the header, then rows
// row(0), row(1), ... row(n-1), with excelize's stream writer.
func writeLedgerXLSX(t *testing.T, path, sheet string, header []string, n int, row func(i int) []string) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must(t, f.SetSheetName("Sheet1", sheet))
	sw, err := f.NewStreamWriter(sheet)
	must(t, err)
	cells := func(s []string) []any {
		out := make([]any, len(s))
		for i, v := range s {
			out[i] = v
		}
		return out
	}
	must(t, sw.SetRow("A1", cells(header)))
	for i := range n {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		must(t, sw.SetRow(cell, cells(row(i))))
	}
	must(t, sw.Flush())
	must(t, f.SaveAs(path))
}

// rewriteZip rewrites the zip at path, each member through edit.
func rewriteZip(t *testing.T, path string, edit func(name string, b []byte) []byte) {
	t.Helper()
	zr, err := zip.OpenReader(path)
	must(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, zf := range zr.File {
		rc, err := zf.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		rc.Close()
		w, err := zw.Create(zf.Name)
		must(t, err)
		_, err = w.Write(edit(zf.Name, b))
		must(t, err)
	}
	must(t, zw.Close())
	zr.Close()
	must(t, os.WriteFile(path, out.Bytes(), 0o644))
}

// Parts of a minimal workbook around one sheet.
var workbookParts = map[string]string{
	"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
	"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
	"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="人员台账" sheetId="1" r:id="rId1"/></sheets></workbook>`,
	"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
}

var workbookPartOrder = []string{"[Content_Types].xml", "_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"}

const (
	bombHead = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`
	bombTail = `</sheetData></worksheet>`
)

// writeZipBomb writes a workbook whose sheet1.xml holds rows times
// "<row/>", deflated at the best ratio. The zip declares the sheet's real
// unzipped size, or declared bytes when that is not 0 (a lying bomb). It
// logs the sheet's real and compressed sizes.
func writeZipBomb(t *testing.T, path string, rows int64, declared uint64) {
	t.Helper()
	fh, err := os.Create(path)
	must(t, err)
	defer fh.Close()
	zw := zip.NewWriter(fh)
	for _, name := range workbookPartOrder {
		w, err := zw.Create(name)
		must(t, err)
		_, err = io.WriteString(w, workbookParts[name])
		must(t, err)
	}
	// The sheet is deflated here, at the best ratio, and stored raw.
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	must(t, err)
	crc := crc32.NewIEEE()
	sheet := io.MultiWriter(fw, crc)
	io.WriteString(sheet, bombHead)
	chunk := []byte(strings.Repeat("<row/>", 1<<20/6))
	size := int64(len(bombHead) + len(bombTail))
	for left := rows; left > 0; {
		n := min(int64(len(chunk)/6), left)
		sheet.Write(chunk[:n*6])
		size += n * 6
		left -= n
	}
	io.WriteString(sheet, bombTail)
	must(t, fw.Close())
	t.Logf("zip bomb: sheet1.xml of %d bytes deflated to %d", size, comp.Len())
	if declared == 0 {
		declared = uint64(size)
	}
	w, err := zw.CreateRaw(&zip.FileHeader{Name: "xl/worksheets/sheet1.xml", Method: zip.Deflate,
		CRC32: crc.Sum32(), CompressedSize64: uint64(comp.Len()), UncompressedSize64: declared})
	must(t, err)
	_, err = w.Write(comp.Bytes())
	must(t, err)
	must(t, zw.Close())
}

// nested returns open n times, then inner, then close n times.
func nested(open, inner, close string, n int) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}
