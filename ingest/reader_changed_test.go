package ingest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestReadDetectsChangedFile: a file listed with one content and holding
// another when it is read fails with ErrChanged, naming the file, although
// its rows were handed out; with the hash of what it holds, or no hash, it
// reads.
func TestReadDetectsChangedFile(t *testing.T) {
	listed := [][]string{{"姓名", "学历"}, {"甲", "硕士"}}
	now := [][]string{{"姓名", "学历"}, {"甲", "硕士"}, {"乙", "博士"}}
	cases := []struct {
		name  string
		write func(path string, rows [][]string)
		rows  int // rows read from the content the file now holds
	}{
		{"ledger.csv", func(p string, rows [][]string) { writeBytes(t, p, csvBytes(t, rows, ',')) }, 3},
		{"ledger.ndjson", func(p string, rows [][]string) { writeBytes(t, p, ndjsonBytes(t, rows)) }, 2},
		{"ledger.json", func(p string, rows [][]string) { writeBytes(t, p, jsonArrayBytes(t, rows)) }, 2},
		{"ledger.xlsx", func(p string, rows [][]string) {
			xlsxFile(t, p, []string{"人员台账"}, map[string][][]string{"人员台账": rows})
		}, 3},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, c.name)
			c.write(p, listed)
			before := sha256Of(t, p)
			c.write(p, now)
			f := fileAt(p, "sub/"+c.name)

			f.SHA256 = before
			_, err := collect(t, f, ReadOptions{})
			var pe *ParseError
			if !errors.Is(err, ErrChanged) || !errors.As(err, &pe) || pe.File != "sub/"+c.name ||
				err.Error() != "sub/"+c.name+": ingest: file changed since it was listed: it changed while being read" {
				t.Fatalf("listed with the old hash: %v", err)
			}
			for _, h := range []string{sha256Of(t, p), ""} {
				f.SHA256 = h
				if rows, err := collect(t, f, ReadOptions{}); err != nil || len(rows) != c.rows {
					t.Fatalf("SHA256 %q: %d rows, %v; want %d rows", h, len(rows), err, c.rows)
				}
			}
		})
	}
}

func writeBytes(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func ndjsonBytes(t *testing.T, rows [][]string) []byte {
	var b []byte
	for _, o := range jsonObjects(t, rows) {
		b = append(append(b, o...), '\n')
	}
	return b
}

func jsonArrayBytes(t *testing.T, rows [][]string) []byte {
	b := []byte{'['}
	for i, o := range jsonObjects(t, rows) {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, o...)
	}
	return append(b, ']')
}

func sha256Of(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
