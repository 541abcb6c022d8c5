package backup

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// Verify checks the backup in folder against its manifest: every file's
// size and SHA-256, then, the DuckDB file opened read-only, every table's
// row count and checksum (the checksums only when this DuckDB is the
// manifest's: its hash may change between versions). A difference is an error wrapping ErrDamaged that
// names the backup and what differs; a file that does not match its hash is
// not opened at all.
func Verify(ctx context.Context, folder string) (*Manifest, error) {
	m, err := ReadManifest(folder)
	if err != nil {
		return nil, err
	}
	hasDB := false
	for _, want := range m.Files {
		if filepath.Base(want.Name) != want.Name {
			return nil, fmt.Errorf("backup %s: %s names a file outside the folder: %q", folder, ManifestFile, want.Name)
		}
		hasDB = hasDB || want.Name == m.Database
		got, err := describe(filepath.Join(folder, want.Name))
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, folder, err)
		}
		if got.Bytes != want.Bytes || got.SHA256 != want.SHA256 {
			return nil, fmt.Errorf("%w: %s: %s has %d bytes and SHA-256 %s, the manifest says %d bytes and %s",
				ErrDamaged, folder, want.Name, got.Bytes, got.SHA256, want.Bytes, want.SHA256)
		}
	}
	if !hasDB {
		return nil, fmt.Errorf("backup %s: %s does not list the database file %s", folder, ManifestFile, m.Database)
	}
	sums, err := warehouse.TableSums(ctx, filepath.Join(folder, m.Database))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrDamaged, folder, err)
	}
	version, err := warehouse.DuckDBVersion(ctx)
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", folder, err)
	}
	want := m.Tables
	if version != m.DuckDB { // another DuckDB's hash: the counts only
		for i := range sums {
			sums[i].Checksum = ""
		}
		want = slices.Clone(m.Tables)
		for i := range want {
			want[i].Checksum = ""
		}
	}
	if diffs := compareSums(want, sums); len(diffs) > 0 {
		return nil, fmt.Errorf("%w: %s: %s", ErrDamaged, folder, strings.Join(diffs, "; "))
	}
	return m, nil
}

// compareSums lists the tables whose count or checksum differ, and those
// only one side has.
func compareSums(want, got []warehouse.TableSum) []string {
	have := map[string]warehouse.TableSum{}
	for _, s := range got {
		have[s.Name] = s
	}
	var diffs []string
	for _, w := range want {
		g, ok := have[w.Name]
		delete(have, w.Name)
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("table %s is missing (the manifest has %d rows)", w.Name, w.Rows))
		case g.Rows != w.Rows:
			diffs = append(diffs, fmt.Sprintf("table %s has %d rows, the manifest %d", w.Name, g.Rows, w.Rows))
		case g.Checksum != w.Checksum:
			diffs = append(diffs, fmt.Sprintf("table %s has checksum %s, the manifest %s (same %d rows, other contents)", w.Name, g.Checksum, w.Checksum, w.Rows))
		}
	}
	for _, g := range got {
		if _, ok := have[g.Name]; ok {
			diffs = append(diffs, fmt.Sprintf("table %s (%d rows) is not in the manifest", g.Name, g.Rows))
		}
	}
	return diffs
}
