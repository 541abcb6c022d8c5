package xls

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkRead reads the seed workbook (603 rows, 600 shared strings).
func BenchmarkRead(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("..", "testdata", "xls", "ledger.xls"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		rows := 0
		err := Read(context.Background(), bytes.NewReader(data), int64(len(data)), 1<<30, Handler{Row: func(string, int, []string) error { rows++; return nil }})
		if err != nil || rows != 604 {
			b.Fatalf("%d rows, %v", rows, err)
		}
	}
}
