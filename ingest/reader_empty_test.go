package ingest

import (
	"errors"
	"testing"
)

// TestReadEmptyFiles: a 0-byte CSV or NDJSON file has no rows and reads
// without error; a 0-byte .json or .xlsx is not a file of its format and is
// an ErrSyntax that says the file is empty.
func TestReadEmptyFiles(t *testing.T) {
	cases := []struct {
		name    string
		wantErr string
	}{
		{"ledger.csv", ""},
		{"ledger.tsv", ""},
		{"ledger.ndjson", ""},
		{"ledger.json", "ledger.json: ingest: syntax error: the file is empty"},
		{"ledger.xlsx", "ledger.xlsx: ingest: syntax error: the file is empty"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rows, err := collect(t, writeFile(t, t.TempDir(), c.name, nil), ReadOptions{})
			if c.wantErr == "" {
				if err != nil || len(rows) != 0 {
					t.Fatalf("%d rows, %v; want none and no error", len(rows), err)
				}
				return
			}
			if !errors.Is(err, ErrSyntax) || err.Error() != c.wantErr {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
}
