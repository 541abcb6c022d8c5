package ingest

import (
	"errors"
	"testing"
)

// TestReadEmptyFiles: a 0-byte file of any supported format is a
// *ParseError wrapping ErrEmpty that names the file, with no rows; a file
// listed with another content's hash that is now empty changed since.
func TestReadEmptyFiles(t *testing.T) {
	for _, name := range []string{"ledger.csv", "ledger.tsv", "ledger.ndjson", "ledger.json", "ledger.xlsx"} {
		t.Run(name, func(t *testing.T) {
			rows, err := collect(t, writeFile(t, t.TempDir(), name, nil), ReadOptions{})
			want := name + ": ingest: the file is empty (0 bytes)"
			var pe *ParseError
			if !errors.Is(err, ErrEmpty) || !errors.As(err, &pe) || err.Error() != want || len(rows) != 0 {
				t.Fatalf("%d rows, error %v; want none and %q", len(rows), err, want)
			}
		})
	}
	t.Run("listed with content, now empty", func(t *testing.T) {
		f := writeFile(t, t.TempDir(), "ledger.csv", nil)
		f.SHA256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08" // of "test"
		if _, err := collect(t, f, ReadOptions{}); !errors.Is(err, ErrChanged) {
			t.Fatalf("error %v, want ErrChanged", err)
		}
	})
	t.Run("whitespace only is not empty", func(t *testing.T) {
		if _, err := collect(t, writeFile(t, t.TempDir(), "ledger.json", []byte(" \n")), ReadOptions{}); errors.Is(err, ErrEmpty) || !errors.Is(err, ErrSyntax) {
			t.Fatalf("error %v, want ErrSyntax and not ErrEmpty", err)
		}
	})
}
