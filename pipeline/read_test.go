package pipeline

import (
	"context"
	"maps"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
	"github.com/grassroots-cn/grassroots/transform"
)

// TestDepthZeroEqualsReadAhead loads the fixture's counties twice from the
// same files: read ahead, as a run reads drop folders, and at depth 0, each
// county read in its load's own goroutine (as HTTP counties and the
// counties of a failed group are). The two warehouses must be equal table
// by table, and every county's figures the same.
func TestDepthZeroEqualsReadAhead(t *testing.T) {
	ctx := context.Background()
	ahead := fixture(t)
	zeroDir := filepath.Join(t.TempDir(), "zero")
	if out, err := exec.Command("cp", "-a", ahead.Dir, zeroDir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	zero, err := config.Load(filepath.Join(zeroDir, "grassroots.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if zero.Warehouse == ahead.Warehouse {
		t.Fatalf("both loads would share the warehouse %s", zero.Warehouse)
	}

	a := runOnce(t, ahead)

	r := &Runner{Config: zero}
	w, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	key, err := zero.Key()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.SetSettings(ctx, Settings(zero)); err != nil {
		t.Fatal(err)
	}
	if div := r.loadDivisions(ctx, w); div.Status != StatusSucceeded {
		t.Fatalf("divisions: %+v", div)
	}
	villages := &lazyDirectory{build: func() (*transform.Directory, error) { return r.directory(ctx, w) }}
	var z []CountyResult
	for i := range zero.Counties {
		z = append(z, r.loadCounty(ctx, w, &zero.Counties[i], villages, keyring{person: key, pii: w.PII()}))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}

	if a.Failed() != 0 || len(a.Counties) != len(z) || len(z) != 2 {
		t.Fatalf("read ahead %+v\nat depth 0 %+v", a, z)
	}
	for i, x := range a.Counties {
		y := z[i]
		if y.Status != StatusSucceeded || x.Code != y.Code || x.Status != y.Status || x.Files != y.Files ||
			x.RowsIn != y.RowsIn || x.Loaded != y.Loaded || x.Unchanged != y.Unchanged || x.Duplicates != y.Duplicates ||
			x.Rejected != y.Rejected || x.Findings != y.Findings || !maps.Equal(x.Rejects, y.Rejects) ||
			!maps.Equal(x.FindingsBy, y.FindingsBy) || !maps.Equal(x.Changed, y.Changed) {
			t.Errorf("read ahead %+v\nat depth 0 %+v", x, y)
		}
	}
	if diffs, _ := whcompare.Compare(t, ahead.Warehouse, zero.Warehouse); len(diffs) > 0 {
		t.Errorf("the warehouses differ: %q", diffs)
	}
}
