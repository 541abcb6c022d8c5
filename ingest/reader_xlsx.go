package ingest

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"
)

// xlsxXMLInMemory is how large a worksheet or shared-strings part may be and
// still be held in memory by excelize; a larger one is spilled to a
// temporary file and streamed from there.
const xlsxXMLInMemory = 64 << 20

// oleMagic starts an OLE compound file: an encrypted workbook or an old .xls.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// readXLSX streams every sheet of a workbook, in workbook order.
//
// Rows come from excelize's streaming Rows, with raw cell values so that a
// date cell arrives as its serial number. Rows.Next also stops on every
// missing (empty) row of the sheet, so counting its calls gives the real
// sheet row number.
func readXLSX(ctx context.Context, path, name string, opts ReadOptions, fn func(Row) error) (err error) {
	if err := checkZip(ctx, path, name, opts.MaxUnzipBytes); err != nil {
		return err
	}
	xf, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    opts.MaxUnzipBytes,
		UnzipXMLSizeLimit: min(opts.MaxUnzipBytes, xlsxXMLInMemory),
	})
	if err != nil {
		if xf != nil {
			err = errors.Join(err, xf.Close())
		}
		return &ParseError{File: name, Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
	}
	defer func() {
		if cerr := xf.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("ingest: close %s: %w", name, cerr)
		}
	}()
	for _, sheet := range xf.GetSheetList() {
		if opts.SheetStart != nil {
			if err := opts.SheetStart(sheet); err != nil {
				return err
			}
		}
		if err := readSheet(ctx, xf, name, sheet, fn); err != nil {
			return err
		}
	}
	return nil
}

// readSheet streams the rows of one sheet.
func readSheet(ctx context.Context, xf *excelize.File, name, sheet string, fn func(Row) error) (err error) {
	rows, err := xf.Rows(sheet)
	if err != nil {
		return &ParseError{File: name, Sheet: sheet, Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			err = &ParseError{File: name, Sheet: sheet, Err: fmt.Errorf("%w: %w", ErrSyntax, cerr)}
		}
	}()
	raw := excelize.Options{RawCellValue: true}
	n := 0
	for rows.Next() {
		n++
		if n%ctxCheckEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		cells, err := rows.Columns(raw)
		if err != nil {
			return &ParseError{File: name, Sheet: sheet, Row: n, Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
		}
		cells = trimTrailing(cells)
		if len(cells) == 0 {
			continue
		}
		if err := fn(Row{Sheet: sheet, Number: n, Cells: cells, Serial: true}); err != nil {
			return err
		}
	}
	if err := rows.Error(); err != nil {
		return &ParseError{File: name, Sheet: sheet, Row: n + 1, Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
	}
	return nil
}

// checkZip reads every member of the workbook's zip once, counting the bytes
// really inflated. excelize trusts the sizes the zip declares and ignores
// inflate and checksum errors, which would cut a damaged sheet short without
// a word; this turns such damage into ErrSyntax and an oversized (or
// lying) workbook into ErrTooLarge before excelize allocates anything.
func checkZip(ctx context.Context, path, name string, limit int64) (err error) {
	fh, err := openRegular(path)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, fh.Close()) }()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	zr, err := zip.NewReader(fh, st.Size())
	if err != nil {
		head := make([]byte, len(oleMagic))
		if _, rerr := fh.ReadAt(head, 0); rerr == nil && bytes.Equal(head, oleMagic) {
			return &ParseError{File: name, Err: fmt.Errorf("%w: an encrypted workbook or an old .xls file, not .xlsx", ErrSyntax)}
		}
		return &ParseError{File: name, Err: fmt.Errorf("%w: not a valid .xlsx file: %w", ErrSyntax, err)}
	}
	var total int64
	for _, zf := range zr.File {
		if err := ctx.Err(); err != nil {
			return err
		}
		if zf.UncompressedSize64 > uint64(limit-total) {
			return tooLargeZip(name, limit)
		}
		rc, err := zf.Open()
		if err != nil {
			return &ParseError{File: name, Err: fmt.Errorf("%w: damaged .xlsx file: %w", ErrSyntax, err)}
		}
		n, err := io.Copy(io.Discard, io.LimitReader(rc, limit-total+1))
		err = errors.Join(err, rc.Close())
		total += n
		if total > limit {
			return tooLargeZip(name, limit)
		}
		if err != nil {
			return &ParseError{File: name, Err: fmt.Errorf("%w: damaged .xlsx file: %w", ErrSyntax, err)}
		}
	}
	return nil
}

func tooLargeZip(name string, limit int64) error {
	return &ParseError{File: name, Err: fmt.Errorf("%w: the workbook unzips to more than %d bytes", ErrTooLarge, limit)}
}
