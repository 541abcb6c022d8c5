package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/xuri/excelize/v2"
)

// xlsxXMLInMemory is how large a worksheet or shared-strings part may be and
// still be held in memory by excelize; a larger one is spilled to a
// temporary file and streamed from there.
const xlsxXMLInMemory = 64 << 20

// oleMagic starts an OLE compound file: an encrypted workbook or an old .xls.
var oleMagic = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}

// readXLSX streams every sheet of a workbook, in workbook order, with the
// streaming reader (streamXLSX), which gives the rows excelize's streaming
// Rows gives with raw cell values (a date cell arrives as its serial
// number), counting rows as Rows.Next does: blank rows skipped, the real
// sheet row number kept.
//
// When want is set, the file must hash to it before it is opened, and keep
// its identity, size and modification time until it has been read to the
// end: a file changed under the reader is ErrChanged, even when rows were
// handed out.
func readXLSX(ctx context.Context, path, name, want string, opts ReadOptions, fn func(Row) error) (err error) {
	var listed os.FileInfo
	if want != "" {
		if listed, err = checkHash(ctx, path, name, want); err != nil {
			return err
		}
	}
	if err := checkZip(ctx, path, name, opts.MaxUnzipBytes); err != nil {
		return err
	}
	fh, err := openRegular(path)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := fh.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("ingest: close %s: %w", name, cerr)
		}
	}()
	st, err := fh.Stat()
	if err != nil {
		return fmt.Errorf("ingest: %w", err)
	}
	if listed != nil && !sameListing(listed, st) {
		return changedWhileRead(name)
	}
	err = streamXLSX(ctx, fh, st.Size(), path, name, opts, fn)
	var pe *ParseError
	if listed != nil && (err == nil || errors.As(err, &pe)) {
		// The content read must still be the one hashed; excelize, when
		// the reader hands it a sheet, opens the file by its path.
		now, ferr := fh.Stat()
		byPath, perr := os.Stat(path)
		if ferr != nil || perr != nil || !sameListing(listed, now) || !sameListing(listed, byPath) {
			return changedWhileRead(name)
		}
	}
	return err
}

// sameListing reports whether st is the file listed, unchanged.
func sameListing(listed, st os.FileInfo) bool {
	return os.SameFile(listed, st) && st.Size() == listed.Size() && st.ModTime().Equal(listed.ModTime())
}

// readXLSXExcelize is readXLSX done by excelize alone: its streaming Rows,
// with raw cell values. Rows.Next also stops on every missing (empty) row
// of the sheet, so counting its calls gives the real sheet row number.
// excelize reads the file once, when it opens it. It is the reference the
// streaming reader is tested against.
func readXLSXExcelize(ctx context.Context, path, name, want string, opts ReadOptions, fn func(Row) error) (err error) {
	var listed os.FileInfo
	if want != "" {
		if listed, err = checkHash(ctx, path, name, want); err != nil {
			return err
		}
	}
	if err := checkZip(ctx, path, name, opts.MaxUnzipBytes); err != nil {
		return err
	}
	xf, err := openExcelize(path, name, opts)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := xf.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("ingest: close %s: %w", name, cerr)
		}
	}()
	if listed != nil {
		if st, err := os.Stat(path); err != nil || !sameListing(listed, st) {
			return changedWhileRead(name)
		}
	}
	for _, sheet := range xf.GetSheetList() {
		if opts.SheetStart != nil {
			if err := opts.SheetStart(sheet); err != nil {
				return err
			}
		}
		if err := readSheet(ctx, xf, name, sheet, 0, fn); err != nil {
			return err
		}
	}
	return nil
}

// openExcelize opens the workbook at path with excelize, raw cell values,
// within the unzip limit.
func openExcelize(path, name string, opts ReadOptions) (*excelize.File, error) {
	xf, err := excelize.OpenFile(path, excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    opts.MaxUnzipBytes,
		UnzipXMLSizeLimit: min(opts.MaxUnzipBytes, xlsxXMLInMemory),
	})
	if err != nil {
		if xf != nil {
			err = errors.Join(err, xf.Close())
		}
		return nil, &ParseError{File: name, Err: fmt.Errorf("%w: %w", ErrSyntax, err)}
	}
	return xf, nil
}

// readSheet streams the rows of one sheet with excelize, handing fn those
// after the first skip rows (which are read all the same, as excelize's
// Rows must be to keep its place).
func readSheet(ctx context.Context, xf *excelize.File, name, sheet string, skip int, fn func(Row) error) (err error) {
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
	dates := newExcelizeDates(xf)
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
		if len(cells) == 0 || n <= skip {
			continue
		}
		dates.apply(sheet, n, cells)
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
	if st.Size() == 0 {
		return &ParseError{File: name, Err: fmt.Errorf("%w: the file is empty", ErrSyntax)}
	}
	zr, err := openZip(fh, st.Size())
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

// checkHash returns the file's status once its content is known to hash to
// want.
func checkHash(ctx context.Context, path, name, want string) (_ os.FileInfo, err error) {
	fh, err := openRegular(path)
	if err != nil {
		return nil, err
	}
	defer func() { err = errors.Join(err, fh.Close()) }()
	st, err := fh.Stat()
	if err != nil {
		return nil, fmt.Errorf("ingest: %w", err)
	}
	sum, err := hashReader(ctx, fh)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, err
		}
		return nil, fmt.Errorf("ingest: read %s: %w", name, err)
	}
	if sum != want {
		return nil, changedWhileRead(name)
	}
	return st, nil
}

func tooLargeZip(name string, limit int64) error {
	return &ParseError{File: name, Err: fmt.Errorf("%w: the workbook unzips to more than %d bytes", ErrTooLarge, limit)}
}
