package transform

import (
	"context"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/ingest"
)

// FuzzNormalise feeds arbitrary rows under the ledger header (cells separated
// by |, rows by newlines): the normaliser must not panic and must account for
// every row (staged + duplicates + rejected = rows in).
func FuzzNormalise(f *testing.F) {
	f.Add(strings.Join(goodLedger(), "|"))
	f.Add(strings.Join(with(goodLedger(), "到岗时间", "2022年13月"), "|") + "\n" + strings.Join(goodLedger(), "|"))
	f.Add("张三|11010519491231002X|男|x|1949.12|党员|本科|引进|第一轮|周转池|小店区||东关|||||书记|2021.6.1")
	f.Add("|||\n\n|")
	f.Fuzz(func(t *testing.T, text string) {
		n, err := New(Options{County: "140105", Key: testKey, PII: testPII, Directory: testDirectory(), BatchRows: 3}, collect{})
		if err != nil {
			t.Fatal(err)
		}
		defer n.Release()
		ctx := context.Background()
		file := n.File("ledger.csv", "ledger.csv", ingest.FormatCSV)
		file.Row(ctx, ingest.Row{Number: 1, Cells: ledgerHeader})
		for i, line := range strings.Split(text, "\n") {
			if err := file.Row(ctx, ingest.Row{Number: i + 2, Cells: strings.Split(line, "|")}); err != nil {
				t.Fatal(err)
			}
		}
		if err := file.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := n.Close(ctx); err != nil {
			t.Fatal(err)
		}
		st := n.Stats()
		if st.RowsIn != st.Staged+st.Duplicates+st.Rejected {
			t.Fatalf("rows in %d != staged %d + duplicates %d + rejected %d", st.RowsIn, st.Staged, st.Duplicates, st.Rejected)
		}
	})
}
