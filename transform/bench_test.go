package transform

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/idnum"
)

type discard struct{}

func (discard) Write(context.Context, canon.RecordType, arrow.RecordBatch) error { return nil }

// BenchmarkNormaliseLedger normalises ledger rows (header matching done,
// values parsed, village resolved, person_key derived, Arrow batches built).
func BenchmarkNormaliseLedger(b *testing.B) {
	ctx := context.Background()
	n, err := New(Options{County: "140105", Key: testKey, PII: testPII, Directory: testDirectory()}, discard{})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Release()
	f := n.File("ledger.csv", "ledger.csv", ingest.FormatCSV)
	f.Row(ctx, ingest.Row{Number: 1, Cells: ledgerHeader})
	// Distinct persons and start dates, so that every row is staged.
	ids := make([]string, 1000)
	for k := range ids {
		first := fmt.Sprintf("14010519900101%03d", k)
		ids[k] = first + string(idnum.CheckChar(first))
	}
	day0 := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	row := with(goodLedger(), "性别", "")
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		row[1] = ids[i%len(ids)]
		row[14] = day0.AddDate(0, 0, i/len(ids)).Format("2006/1/2")
		if err := f.Row(ctx, ingest.Row{Number: i + 2, Cells: row}); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if st := n.Stats(); st.Staged != int64(b.N) {
		b.Fatalf("staged %d of %d rows: %+v", st.Staged, b.N, st)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}
