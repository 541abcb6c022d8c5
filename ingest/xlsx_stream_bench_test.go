package ingest

import (
	"context"

	"github.com/xuri/excelize/v2"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkXLSXRead reads a 100,000-row, 21-column Chinese ledger written
// by excelize, with shared strings (SetSheetRow), with inline strings
// (StreamWriter), and with inline strings but 到岗时间 as date cells (the
// readers turn them into ISO dates), by excelize's Rows (readXLSXExcelize) and by the
// streaming reader (readXLSX). Besides the usual figures it reports rows/s
// of wall time and cpu-rows/s, rows per second of the process's CPU time,
// which stays meaningful on a machine busy with other work.
func BenchmarkXLSXRead(b *testing.B) {
	const n = 100_000
	rows := benchLedger(n)
	dir := b.TempDir()
	shared := filepath.Join(dir, "shared.xlsx")
	xlsxFile(b, shared, []string{"人员台账"}, map[string][][]string{"人员台账": rows})
	inline := filepath.Join(dir, "inline.xlsx")
	writeStreamed(b, inline, rows)
	dated := filepath.Join(dir, "dates.xlsx")
	writeDated(b, dated, rows)
	readers := []struct {
		name string
		read func(ctx context.Context, path, name, want string, opts ReadOptions, fn func(Row) error) error
	}{
		{"excelize", readXLSXExcelize},
		{"stream", readXLSX},
	}
	for _, file := range []struct{ name, path string }{{"shared", shared}, {"inline", inline}, {"dates", dated}} {
		for _, r := range readers {
			b.Run(file.name+"/"+r.name, func(b *testing.B) {
				b.ReportAllocs()
				got := 0
				cpu0 := cpuTime(b)
				for b.Loop() {
					err := r.read(context.Background(), file.path, file.name, "", ReadOptions{MaxUnzipBytes: DefaultMaxUnzipBytes},
						func(Row) error { got++; return nil })
					if err != nil {
						b.Fatal(err)
					}
				}
				cpu := cpuTime(b) - cpu0
				if got != b.N*(n+1) {
					b.Fatalf("%d rows in %d reads, want %d each", got, b.N, n+1)
				}
				b.ReportMetric(float64(got)/b.Elapsed().Seconds(), "rows/s")
				b.ReportMetric(float64(got)/cpu.Seconds(), "cpu-rows/s")
			})
		}
	}
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// writeDated is writeStreamed with column 17 (到岗时间) as date cells
// (format 14) holding the serial of a day in 2020–2023.
func writeDated(b testing.TB, path string, rows [][]string) {
	b.Helper()
	x := excelize.NewFile()
	defer x.Close()
	style, err := x.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		b.Fatal(err)
	}
	sw, err := x.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	for i, r := range rows {
		vals := make([]any, len(r))
		for k, v := range r {
			vals[k] = v
		}
		if i > 0 {
			vals[16] = excelize.Cell{StyleID: style, Value: 43831 + i%1400}
		}
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, vals); err != nil {
			b.Fatal(err)
		}
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := x.SaveAs(path); err != nil {
		b.Fatal(err)
	}
}
