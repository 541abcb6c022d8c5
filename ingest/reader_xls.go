package ingest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/grassroots-cn/grassroots/ingest/xls"
)

// readXLS reads an Excel 97–2003 workbook (BIFF8) with package xls: every
// worksheet in workbook order, rows numbered as in the sheet, date cells as
// ISO dates (see xls.SerialText). The file is read into memory once, so
// that the content parsed is the content hashed (want, when set); it may
// not be larger than opts.MaxUnzipBytes.
func readXLS(ctx context.Context, path, name, want string, opts ReadOptions, fn func(Row) error) error {
	fh, err := openRegular(path)
	if err != nil {
		return err
	}
	data, err := io.ReadAll(io.LimitReader(fh, opts.MaxUnzipBytes+1))
	if cerr := fh.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ingest: read %s: %w", name, err)
	}
	if int64(len(data)) > opts.MaxUnzipBytes {
		return &ParseError{File: name, Err: fmt.Errorf("%w: the workbook is over %d bytes", ErrTooLarge, opts.MaxUnzipBytes)}
	}
	if want != "" {
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != want {
			return changedWhileRead(name)
		}
	}
	row := Row{Serial: true}
	var rows int
	err = xls.Read(ctx, bytes.NewReader(data), int64(len(data)), opts.MaxUnzipBytes, xls.Handler{
		Sheet: opts.SheetStart,
		Row: func(sheet string, number int, cells []string) error {
			if rows++; rows%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			row.Sheet, row.Number, row.Cells = sheet, number, cells
			return fn(row)
		},
	})
	return xlsError(name, err)
}

// xlsError turns an error of package xls into a *ParseError; others (the
// callback's, ctx's) are returned as they are.
func xlsError(name string, err error) error {
	pe := &ParseError{File: name}
	var se *xls.Error
	if errors.As(err, &se) {
		pe.Sheet = se.Sheet
	}
	switch {
	case err == nil:
		return nil
	case errors.Is(err, xls.ErrTooLarge):
		pe.Err = fmt.Errorf("%w: %w", ErrTooLarge, unwrapSheet(err))
	case errors.Is(err, xls.ErrEncrypted), errors.Is(err, xls.ErrUnsupported):
		pe.Err = fmt.Errorf("%w: %w: save it as .xlsx and send it again", ErrUnsupported, unwrapSheet(err))
	case errors.Is(err, xls.ErrCorrupt):
		pe.Err = fmt.Errorf("%w: %w", ErrSyntax, unwrapSheet(err))
	default:
		return err
	}
	return pe
}

// unwrapSheet drops the sheet from an *xls.Error: the ParseError names it.
func unwrapSheet(err error) error {
	var se *xls.Error
	if errors.As(err, &se) {
		return se.Err
	}
	return err
}
