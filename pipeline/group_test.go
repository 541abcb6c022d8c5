package pipeline

import (
	"context"
	"database/sql"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
	"github.com/grassroots-cn/grassroots/synth"
)

// TestGroupedEqualsOneByOne loads the synthetic city twice from the same
// files and key: county by county (a city's run), and in groups of three
// counties per transaction (as a province's or the country's run does). The
// two warehouses must be equal table by table, and every county's figures
// the same; then again after one county's file changed and another county
// received a broken file (that county fails alone in both, the rest load).
func TestGroupedEqualsOneByOne(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city twice; skipped with -short")
	}
	ctx := context.Background()
	base := t.TempDir()
	one, grouped := filepath.Join(base, "one"), filepath.Join(base, "grouped")
	if _, err := synth.Generate(ctx, one, synth.Options{Seed: 1}); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", one, grouped).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	load := func(dir string, group int) *Result {
		t.Helper()
		cfg, err := config.Load(filepath.Join(dir, "grassroots.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		res, err := (&Runner{Config: cfg, GroupCounties: group}).Run(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	compare := func(step string, a, b *Result) {
		t.Helper()
		if len(a.Counties) != len(b.Counties) {
			t.Fatalf("%s: %d and %d counties", step, len(a.Counties), len(b.Counties))
		}
		for i, x := range a.Counties {
			y := b.Counties[i]
			if x.Code != y.Code || x.Status != y.Status || x.RowsIn != y.RowsIn || x.Loaded != y.Loaded ||
				x.Unchanged != y.Unchanged || x.Duplicates != y.Duplicates || x.Rejected != y.Rejected ||
				x.Findings != y.Findings || !maps.Equal(x.FindingsBy, y.FindingsBy) || !maps.Equal(x.Changed, y.Changed) ||
				!maps.Equal(x.Rejects, y.Rejects) || (x.Error == "") != (y.Error == "") {
				t.Errorf("%s: county by county %+v\ngrouped %+v", step, x, y)
			}
		}
		wh := func(dir string) string { return filepath.Join(dir, "data", "warehouse.duckdb") }
		if diffs, _ := whcompare.Compare(t, wh(one), wh(grouped)); len(diffs) > 0 {
			t.Errorf("%s: the warehouses differ: %q", step, diffs)
		}
	}

	a, b := load(one, 0), load(grouped, 3)
	if a.Failed() != 0 || b.Failed() != 0 {
		t.Fatalf("first load failed: %+v %+v", a, b)
	}
	compare("first load", a, b)
	// The grouped load committed the ten counties in four transactions
	// (3 + 3 + 3 + 1): their runs share the commit's time.
	for dir, want := range map[string]int{one: 10, grouped: 4} {
		cfg, err := config.Load(filepath.Join(dir, "grassroots.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		withWarehouse(t, cfg, func(db *sql.DB) {
			if n := scalar[int](t, db, "SELECT count(DISTINCT finished_at) FROM etl_run WHERE job = 'ingest'"); n != want {
				t.Errorf("%s: ingest runs finished at %d moments, want %d", filepath.Base(dir), n, want)
			}
		})
	}

	// One county's ledger changes (its last row again, a duplicate; and a
	// changed end date), another receives a broken file beside its good ones.
	for _, dir := range []string{one, grouped} {
		ledger := filepath.Join(dir, "feeds", "140107", "ledger.csv")
		text, err := os.ReadFile(ledger)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(ledger, append(text, lastLine(text)...), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "feeds", "140181", "ledger-extra.ndjson"), []byte("{\"姓名\": \"x\"}\n{broken\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a, b = load(one, 0), load(grouped, 3)
	if c := county(b, "140181"); c.Status != StatusFailed {
		t.Errorf("the county with a broken file: %+v", c)
	}
	if c := county(b, "140107"); c.Status != StatusSucceeded || c.Duplicates == 0 {
		t.Errorf("the county whose ledger changed: %+v", c)
	}
	compare("second load", a, b)
}

// lastLine is the last line of a text file, with its newline.
func lastLine(text []byte) []byte {
	end := len(text)
	for end > 0 && (text[end-1] == '\n' || text[end-1] == '\r') {
		end--
	}
	start := end
	for start > 0 && text[start-1] != '\n' {
		start--
	}
	return append(append([]byte{}, text[start:end]...), '\n')
}
