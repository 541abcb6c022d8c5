package ingest

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"
)

// This file is the streaming workbook reader: it finds the sheets the way
// excelize does (the officeDocument relationship, workbook.xml's sheets in
// order, their relationships, excelize's path rules), then inflates each
// sheet and reads it with sheetRows, never holding a sheet's XML in
// memory. The shared-strings table is held, as text and offsets.
//
// Whatever the reader cannot reproduce exactly it hands to excelize: a
// workbook whose package parts do not decode (excelize then reports the
// error, or reads parts declared in another encoding), and from the row it
// occurs on, a sheet that declares another encoding or holds an inline
// string excelize's types cannot decode.

const (
	partContentTypes  = "[Content_Types].xml"
	partSharedStrings = "xl/sharedStrings.xml"
	relOfficeDocument = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
)

// newFlateReader inflates a zip member with klauspost/compress, which is
// faster than compress/flate, behind a buffer that saves read calls.
func newFlateReader(r io.Reader) io.ReadCloser {
	return flate.NewReader(bufio.NewReaderSize(r, 64<<10))
}

// openZip reads the zip directory of a workbook.
func openZip(r io.ReaderAt, size int64) (*zip.Reader, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, err
	}
	zr.RegisterDecompressor(zip.Deflate, newFlateReader)
	return zr, nil
}

// xmlRels, xmlWorkbook and xmlContentTypes take from excelize's
// xlsxRelationships, xlsxWorkbook and xlsxTypes what this reader uses,
// with the same tags, so that they decode the same.
type xmlRels struct {
	XMLName       xml.Name `xml:"http://schemas.openxmlformats.org/package/2006/relationships Relationships"`
	Relationships []struct {
		ID     string `xml:"Id,attr"`
		Target string `xml:",attr"`
		Type   string `xml:",attr"`
	} `xml:"Relationship"`
}

type xmlWorkbook struct {
	XMLName    xml.Name `xml:"http://schemas.openxmlformats.org/spreadsheetml/2006/main workbook"`
	WorkbookPr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Sheets struct {
		Sheet []struct {
			Name    string `xml:"name,attr,omitempty"`
			SheetID int    `xml:"sheetId,attr,omitempty"`
			ID      string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheet"`
	} `xml:"sheets"`
}

type xmlContentTypes struct {
	XMLName  xml.Name `xml:"http://schemas.openxmlformats.org/package/2006/content-types Types"`
	Defaults []struct {
		Extension   string `xml:",attr"`
		ContentType string `xml:",attr"`
	} `xml:"Default"`
	Overrides []struct {
		PartName    string `xml:",attr"`
		ContentType string `xml:",attr"`
	} `xml:"Override"`
}

// errWorkbook: the package parts do not decode here; excelize reads the
// workbook instead.
var errWorkbook = errors.New("ingest: workbook parts need excelize")

// streamWorkbook is one read of a workbook.
type streamWorkbook struct {
	path, name string
	opts       ReadOptions
	parts      map[string]*zip.File // by excelize's part names
	sheets     []string             // excelize's GetSheetList
	sheetPaths map[string]string    // excelize's sheetMap
	sst        *sharedStrings
	dates      *dateStyles    // the cell styles that show dates
	excelize   bool           // read the remaining sheets with excelize
	xf         *excelize.File // excelize's view, opened on first need
}

// streamXLSX reads every sheet of the workbook open as fh, in workbook
// order. checkZip has already vetted it.
func streamXLSX(ctx context.Context, fh io.ReaderAt, size int64, path, name string, opts ReadOptions, fn func(Row) error) (err error) {
	zr, err := openZip(fh, size)
	if err != nil {
		return &ParseError{File: name, Err: fmt.Errorf("%w: not a valid .xlsx file: %w", ErrSyntax, err)}
	}
	w := &streamWorkbook{path: path, name: name, opts: opts}
	defer func() {
		if w.xf != nil {
			if cerr := w.xf.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("ingest: close %s: %w", name, cerr)
			}
		}
	}()
	if err := w.load(zr); err != nil {
		if !errors.Is(err, errWorkbook) {
			return err
		}
		xf, err := w.excelizeFile()
		if err != nil {
			return err
		}
		w.excelize, w.sheets = true, xf.GetSheetList()
	}
	for _, sheet := range w.sheets {
		if opts.SheetStart != nil {
			if err := opts.SheetStart(sheet); err != nil {
				return err
			}
		}
		if err := w.readSheet(ctx, sheet, fn); err != nil {
			return err
		}
	}
	return nil
}

// load finds the sheets as excelize's OpenFile and GetSheetList do.
func (w *streamWorkbook) load(zr *zip.Reader) error {
	w.parts = make(map[string]*zip.File, len(zr.File))
	for _, f := range zr.File {
		name := strings.ReplaceAll(f.Name, "\\", "/")
		switch strings.ToLower(name) {
		case strings.ToLower(partContentTypes):
			name = partContentTypes
		case strings.ToLower(partSharedStrings):
			name = partSharedStrings
		}
		w.parts[name] = f
	}
	root, err := w.rels("_rels/.rels")
	if err != nil {
		return errors.Join(errWorkbook, err)
	}
	var wbPath string
	if root != nil {
		for _, rel := range root.Relationships {
			if rel.Type == relOfficeDocument {
				wbPath = strings.TrimPrefix(rel.Target, "/")
				break
			}
		}
	}
	// excelize's workbookReader, unlike its other readers, lets the io.EOF
	// of a missing or empty workbook part through, failing OpenFile.
	var wb xmlWorkbook
	if err := w.decodeEOF(wbPath, &wb); err != nil {
		return errors.Join(errWorkbook, err)
	}
	rels, err := w.rels(workbookRelsPath(wbPath))
	if err != nil {
		return errors.Join(errWorkbook, err)
	}
	// Styles that do not decode show no dates, as excelize's GetCellStyle
	// then fails and the excelize reader keeps the raw value.
	var styles xmlStyleSheet
	if err := w.decode(partStyles, &styles); err == nil {
		w.dates = newDateStyles(&styles, isTrue(wb.WorkbookPr.Date1904))
	}
	w.sheetPaths = map[string]string{}
	for _, s := range wb.Sheets.Sheet {
		w.sheets = append(w.sheets, s.Name)
		if rels == nil {
			continue
		}
		for _, rel := range rels.Relationships {
			if rel.ID != s.ID {
				continue
			}
			if p := worksheetPath(wbPath, rel.Target); w.parts[p] != nil {
				w.sheetPaths[s.Name] = p
			}
		}
	}
	return nil
}

// rels decodes a relationships part; nil when there is none.
func (w *streamWorkbook) rels(name string) (*xmlRels, error) {
	if w.parts[name] == nil {
		return nil, nil
	}
	var r xmlRels
	if err := w.decode(name, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// decode decodes a small package part as excelize does: a missing or empty
// part decodes to nothing.
func (w *streamWorkbook) decode(name string, v any) error {
	if err := w.decodeEOF(name, v); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// decodeEOF is decode, failing with io.EOF on a part without an element.
func (w *streamWorkbook) decodeEOF(name string, v any) error {
	data, err := w.readPart(name)
	if err != nil {
		return err
	}
	d := xml.NewDecoder(bytes.NewReader(strictToTransitional(data)))
	d.CharsetReader = func(string, io.Reader) (io.Reader, error) { return nil, errXMLCharset }
	if err := d.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// readPart returns a part's bytes; nil for a missing part.
func (w *streamWorkbook) readPart(name string) ([]byte, error) {
	f := w.parts[name]
	if f == nil {
		return nil, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, w.damaged(err)
	}
	data, err := io.ReadAll(rc)
	if err = errors.Join(err, rc.Close()); err != nil {
		return nil, w.damaged(err)
	}
	return data, nil
}

func (w *streamWorkbook) damaged(err error) error {
	return &ParseError{File: w.name, Err: fmt.Errorf("%w: damaged .xlsx file: %w", ErrSyntax, err)}
}

// workbookRelsPath is excelize's getWorkbookRelsPath.
func workbookRelsPath(wbPath string) string {
	if filepath.Dir(wbPath) == "." {
		return "_rels/" + filepath.Base(wbPath) + ".rels"
	}
	return strings.TrimPrefix(filepath.Dir(wbPath)+"/_rels/"+filepath.Base(wbPath)+".rels", "/")
}

// worksheetPath is excelize's getWorksheetPath: a relationship target
// relative to the workbook part, or absolute with a leading slash.
func worksheetPath(wbPath, target string) string {
	if strings.HasPrefix(target, "/") {
		return filepath.ToSlash(strings.TrimPrefix(strings.ReplaceAll(filepath.Clean(target), "\\", "/"), "/"))
	}
	return filepath.ToSlash(strings.TrimPrefix(
		strings.ReplaceAll(filepath.Clean(filepath.Dir(wbPath)+"/"+target), "\\", "/"), "/"))
}

// sheetPath is excelize's getSheetXMLPath: the sheet's part, its name
// matched without regard to case. Where excelize would pick one of several
// names that differ only in case at random, the exact name wins.
func (w *streamWorkbook) sheetPath(sheet string) (string, bool) {
	if p, ok := w.sheetPaths[sheet]; ok {
		return p, true
	}
	for _, s := range w.sheets {
		if p, ok := w.sheetPaths[s]; ok && strings.EqualFold(s, sheet) {
			return p, true
		}
	}
	return "", false
}

// checkSheetName is excelize's checkSheetName, which Rows applies.
func checkSheetName(name string) error {
	switch {
	case name == "":
		return excelize.ErrSheetNameBlank
	case utf16Len(name) > excelize.MaxSheetNameLength:
		return excelize.ErrSheetNameLength
	case strings.HasPrefix(name, "'") || strings.HasSuffix(name, "'"):
		return excelize.ErrSheetNameSingleQuote
	case strings.ContainsAny(name, ":\\/?*[]"):
		return excelize.ErrSheetNameInvalid
	}
	return nil
}

// utf16Len is the length of s in UTF-16 code units.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r >= 0x10000 {
			n++
		}
	}
	return n
}

// readSheet streams the rows of one sheet to fn.
func (w *streamWorkbook) readSheet(ctx context.Context, sheet string, fn func(Row) error) (err error) {
	if w.excelize {
		return w.excelizeSheet(ctx, sheet, 0, fn)
	}
	parseErr := func(row int, err error) error {
		return &ParseError{File: w.name, Sheet: sheet, Row: row, Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
	}
	if err := checkSheetName(sheet); err != nil {
		return parseErr(0, err)
	}
	path, ok := w.sheetPath(sheet)
	if !ok {
		return parseErr(0, excelize.ErrSheetNotExist{SheetName: sheet})
	}
	rc, err := w.parts[path].Open()
	if err != nil {
		return w.damaged(err)
	}
	defer func() {
		if cerr := rc.Close(); cerr != nil && err == nil {
			err = w.damaged(cerr)
		}
	}()
	rows := newSheetRows(rc, func() (*sharedStrings, error) { return w.sharedStrings(ctx) })
	rows.z.part, rows.dates = path, w.dates
	n := 0
	for {
		more, err := rows.next()
		if err != nil {
			if needsExcelize(err) {
				return w.excelizeSheet(ctx, sheet, n, fn)
			}
			return parseErr(n+1, err)
		}
		if !more {
			break
		}
		n++
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := rows.columns(); err != nil {
			if needsExcelize(err) {
				return w.excelizeSheet(ctx, sheet, n-1, fn)
			}
			var pe *ParseError
			if errors.As(err, &pe) || ctx.Err() != nil && errors.Is(err, ctx.Err()) {
				return err
			}
			return parseErr(n, err)
		}
		cells := trimTrailing(rows.cells)
		if len(cells) == 0 {
			continue
		}
		if n > excelize.TotalRows {
			// Rows without a number after the last row: excelize counts
			// on; no sheet has such a row.
			return parseErr(n, excelize.ErrMaxRows)
		}
		if err := fn(Row{Sheet: sheet, Number: n, Cells: cells, Serial: true}); err != nil {
			return err
		}
	}
	if rows.err != nil {
		return parseErr(n+1, rows.err)
	}
	return nil
}

// needsExcelize reports whether err is the reader handing over to excelize.
func needsExcelize(err error) bool {
	return errors.Is(err, errXMLCharset) || errors.Is(err, errFallback)
}

// sharedStrings is excelize's sharedStringsReader, which the first row
// read loads: the shared strings, then (as excelize registers them) the
// content types, either of which may fail the row.
func (w *streamWorkbook) sharedStrings(ctx context.Context) (*sharedStrings, error) {
	if w.sst != nil {
		return w.sst, nil
	}
	sst, err := w.readSharedStrings(ctx)
	if err == nil {
		var ct xmlContentTypes
		if err = w.decode(partContentTypes, &ct); errors.Is(err, errXMLCharset) {
			err = errXMLCharset
		}
	}
	if err != nil {
		if needsExcelize(err) {
			w.excelize = true
		}
		return nil, err
	}
	w.sst = sst
	return sst, nil
}

func (w *streamWorkbook) readSharedStrings(ctx context.Context) (*sharedStrings, error) {
	f := w.parts[partSharedStrings]
	if f == nil {
		return &sharedStrings{}, nil
	}
	rc, err := f.Open()
	if err != nil {
		return nil, w.damaged(err)
	}
	sst, err := readSharedStrings(ctx, &strictWatch{r: rc}, partSharedStrings)
	err = errors.Join(err, rc.Close())
	if errors.Is(err, errStrict) {
		// A strict-namespace part, which excelize rewrites whole.
		data, rerr := w.readPart(partSharedStrings)
		if rerr != nil {
			return nil, rerr
		}
		sst, err = readSharedStrings(ctx, bytes.NewReader(strictToTransitional(data)), partSharedStrings)
	}
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, err
		}
		if needsExcelize(err) {
			return nil, errXMLCharset
		}
		var se *xmlSyntaxError
		if !errors.As(err, &se) {
			err = fmt.Errorf("%s: %w", partSharedStrings, err)
		}
		return nil, err
	}
	return sst, nil
}

// excelizeFile opens the workbook with excelize, once.
func (w *streamWorkbook) excelizeFile() (*excelize.File, error) {
	if w.xf == nil {
		xf, err := openExcelize(w.path, w.name, w.opts)
		if err != nil {
			return nil, err
		}
		w.xf = xf
	}
	return w.xf, nil
}

// excelizeSheet reads a sheet with excelize, handing fn the rows after the
// first skip, which this reader has handed already.
func (w *streamWorkbook) excelizeSheet(ctx context.Context, sheet string, skip int, fn func(Row) error) error {
	xf, err := w.excelizeFile()
	if err != nil {
		return err
	}
	return readSheet(ctx, xf, w.name, sheet, skip, fn)
}
