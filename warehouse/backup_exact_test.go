package warehouse

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/whcompare"
)

// The copy holds everything of the warehouse: the same tables, columns with
// their comments, macros and views, and the same rows.
func TestBackupCopiesTheCatalogue(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	src := filepath.Join(dir, "warehouse.duckdb")
	w, err := Open(ctx, src, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.SetSettings(ctx, map[string]string{"city_code": "1401", "city_name": "太原市"}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "copy.duckdb")
	if _, err := w.BackupTo(ctx, dst); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if diffs := whcompare.Exact(t, src, dst); len(diffs) > 0 {
		t.Errorf("the copy differs from the warehouse: %v", diffs)
	}
}
