package ingest

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// BenchmarkXLSXRead reads a 100,000-row, 21-column Chinese ledger written
// by excelize, with shared strings (SetSheetRow) and with inline strings
// (StreamWriter), by excelize's Rows (readXLSXExcelize) and by the
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
	readers := []struct {
		name string
		read func(ctx context.Context, path, name, want string, opts ReadOptions, fn func(Row) error) error
	}{
		{"excelize", readXLSXExcelize},
		{"stream", readXLSX},
	}
	for _, file := range []struct{ name, path string }{{"shared", shared}, {"inline", inline}} {
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
