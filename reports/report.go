// Package reports reads and writes the monthly report for the municipal
// party committee's organisation department: Read reads a ReportData from
// the metric macros only (through a Querier, which *warehouse.Reader
// satisfies), and the renderers write one self-contained HTML file with
// charts and one workbook with native Excel charts, in Chinese, from the
// same sections and vocabulary. The renderers do not link DuckDB: this
// package does not import the warehouse.
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
)

// renderers by format, with the file each writes.
var renderers = map[string]struct {
	file   string
	render func(io.Writer, *ReportData) error
}{
	FormatHTML: {"report.html", RenderHTML},
	FormatXLSX: {"report.xlsx", RenderXLSX},
}

// ErrFormat is returned for a format other than html and xlsx.
var ErrFormat = errors.New("reports: unknown format")

// LastMonth is the period before the month of now in loc: what a report run
// on the 1st covers.
func LastMonth(now time.Time, loc *time.Location) string {
	t := now.In(loc)
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0).Format("2006-01")
}

// Write renders d in the formats into out/<period>/, replacing an earlier
// report of the period atomically: the files are written and synced in a
// folder beside it, which is then swapped into place, so a reader sees the
// old report or the new one, never a mix. It returns the files written.
func Write(ctx context.Context, out string, d *ReportData, formats []string) ([]string, error) {
	if len(formats) == 0 {
		formats = []string{FormatHTML, FormatXLSX}
	}
	var once []string // each format once: they are written side by side
	for _, f := range formats {
		if _, ok := renderers[f]; !ok {
			return nil, fmt.Errorf("%w: %q (want html or xlsx)", ErrFormat, f)
		}
		if !slices.Contains(once, f) {
			once = append(once, f)
		}
	}
	formats = once
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
	// The formats are rendered side by side (they only read d).
	files := make([]string, len(formats))
	errs := make([]error, len(formats))
	var wg sync.WaitGroup
	for i, f := range formats {
		wg.Go(func() {
			if err := ctx.Err(); err != nil {
				errs[i] = err
				return
			}
			r := renderers[f]
			var buf bytes.Buffer
			if err := r.render(&buf, d); err != nil {
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
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	if err := atomicfs.SwapInto(tmp, dst); err != nil {
		return nil, fmt.Errorf("reports: %w", err)
	}
	return files, nil
}
