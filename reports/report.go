// Package reports reads and writes the monthly report for the municipal
// party committee's organisation department: Read reads a ReportData from
// the metric macros only (through a Querier, which *warehouse.Reader
// satisfies), and the renderers write one self-contained HTML file with
// charts and one workbook with native Excel charts, in Chinese, from the
// same sections and vocabulary, and the PDF is the HTML printed on A4 by the
// system's headless Chromium (through chromedp). Archive serves the folder
// the reports are written to, read-only, as the /reports/ page of the
// daemon's status endpoint. The renderers do not link DuckDB: this package
// does not import the warehouse.
package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
)

// Formats a report is written in.
const (
	FormatHTML = "html"
	FormatXLSX = "xlsx"
	FormatPDF  = "pdf"
)

// PDFFile is the name of the PDF in a period's folder.
const PDFFile = "report.pdf"

// renderers by format, with the file each writes.
var renderers = map[string]struct {
	file   string
	render func(io.Writer, *ReportData) error
}{
	FormatHTML: {"report.html", RenderHTML},
	FormatXLSX: {"report.xlsx", RenderXLSX},
}

// ErrFormat is returned for a format other than html, xlsx and pdf.
var ErrFormat = errors.New("reports: unknown format")

// LastMonth is the period before the month of now in loc: what a report run
// on the 1st covers.
func LastMonth(now time.Time, loc *time.Location) string {
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0).Format("2006-01")
}

// Write renders d in the formats into out/<period>/ with the default
// Options (the system's clock and Chromium); see WriteWith.
func Write(ctx context.Context, out string, d *ReportData, formats []string) ([]string, error) {
	return WriteWith(ctx, out, d, formats, Options{})
}

// WriteWith renders d in the formats (default html and xlsx) into
// out/<period>/, replacing an earlier report of the period atomically: the
// files are written and synced in a folder beside it, which is then swapped
// into place, so a reader sees the old report or the new one, never a mix.
// It returns the files written. The PDF is the HTML printed by Chromium
// (opts.Chromium, else FindChromium): when it cannot be printed the other
// formats are still written and returned, with the PDF's error (for a
// missing browser one that wraps ErrNoChromium).
func WriteWith(ctx context.Context, out string, d *ReportData, formats []string, opts Options) ([]string, error) {
	formats, err := checkFormats(formats)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	dst := filepath.Join(out, d.Period)
	tmp, err := os.MkdirTemp(out, "."+d.Period+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := os.Chmod(tmp, 0o755); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	files, page, err := renderFiles(ctx, tmp, dst, d, formats)
	if err != nil {
		return nil, err
	}
	var pdfErr error
	if slices.Contains(formats, FormatPDF) {
		if pdfErr = writePDF(ctx, filepath.Join(tmp, PDFFile), page, opts); pdfErr == nil {
			files = append(files, filepath.Join(dst, PDFFile))
		} else {
			pdfErr = fmt.Errorf("pdf of %s: %w", d.Period, pdfErr)
		}
	}
	if len(files) == 0 {
		return nil, pdfErr
	}
	if err := atomicfs.SwapInto(tmp, dst); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return files, pdfErr
}

// checkFormats returns the formats, each once, in their order (html and
// xlsx when none is given), or ErrFormat.
func checkFormats(formats []string) ([]string, error) {
	if len(formats) == 0 {
		formats = []string{FormatHTML, FormatXLSX}
	}
	var once []string
	for _, f := range formats {
		if _, ok := renderers[f]; !ok && f != FormatPDF {
			return nil, fmt.Errorf("%w: %q (want html, xlsx or pdf)", ErrFormat, f)
		}
		if !slices.Contains(once, f) {
			once = append(once, f)
		}
	}
	return once, nil
}

// renderFiles writes the html and xlsx files among formats into tmp, side
// by side (they only read d), and returns their names in dst and the HTML
// page (rendered also when only the PDF, which prints it, is asked for).
func renderFiles(ctx context.Context, tmp, dst string, d *ReportData, formats []string) ([]string, []byte, error) {
	var page []byte
	if slices.Contains(formats, FormatPDF) && !slices.Contains(formats, FormatHTML) {
		var buf bytes.Buffer
		if err := RenderHTML(&buf, d); err != nil {
			return nil, nil, fmt.Errorf("html of %s: %w", d.Period, err)
		}
		page = buf.Bytes()
	}
	files := make([]string, len(formats))
	errs := make([]error, len(formats))
	bufs := make([]bytes.Buffer, len(formats))
	var wg sync.WaitGroup
	for i, f := range formats {
		r, ok := renderers[f]
		if !ok {
			continue
		}
		buf := &bufs[i]
		wg.Go(func() {
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			if err := r.render(buf, d); err != nil {
				errs[i] = fmt.Errorf("%s of %s: %w", f, d.Period, err)
				return
			}
			if err := atomicfs.WriteSynced(filepath.Join(tmp, r.file), buf.Bytes()); err != nil {
				errs[i] = fmt.Errorf("reports: %w", err)
				return
			}
			files[i] = filepath.Join(dst, r.file)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, nil, err
	}
	if i := slices.Index(formats, FormatHTML); i >= 0 {
		page = bufs[i].Bytes()
	}
	return slices.DeleteFunc(files, func(s string) bool { return s == "" }), page, nil
}

// writePDF prints page to the file name.
func writePDF(ctx context.Context, name string, page []byte, opts Options) error {
	var buf bytes.Buffer
	if err := RenderPDF(ctx, &buf, page, opts); err != nil {
		return err
	}
	if err := atomicfs.WriteSynced(name, buf.Bytes()); err != nil {
		return fmt.Errorf("reports: %w", err)
	}
	return nil
}
