package warehouse

import (
	"context"
	"path/filepath"
	"testing"
)

// TestOpenEitherSettings: OpenEither opens the private warehouse, or the
// published snapshot when the warehouse cannot be opened, with the given
// memory_limit and threads, not DuckDB's defaults (80% of memory, every
// core); OpenReader keeps the defaults.
func TestOpenEitherSettings(t *testing.T) {
	ctx := context.Background()
	w, private := openTest(t)
	published := filepath.Join(t.TempDir(), "published", "analytics.duckdb")
	if err := w.Publish(ctx, published); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	// 300 MiB is shown by DuckDB as "300.0 MiB"; one thread as 1.
	opts := Options{MemoryLimit: "300MiB", Threads: 1}
	settings := func(t *testing.T, r *Reader) (string, int64) {
		t.Helper()
		var limit string
		var threads int64
		if err := r.Scan(ctx, "SELECT current_setting('memory_limit'), current_setting('threads')", nil, &limit, &threads); err != nil {
			t.Fatal(err)
		}
		return limit, threads
	}
	for _, c := range []struct {
		name, private, want string
	}{
		{"warehouse", private, private},
		{"snapshot", filepath.Join(t.TempDir(), "missing.duckdb"), published},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := OpenEither(ctx, c.private, published, opts)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if r.Path() != c.want {
				t.Errorf("opened %s, want %s", r.Path(), c.want)
			}
			if limit, threads := settings(t, r); limit != "300.0 MiB" || threads != 1 {
				t.Errorf("memory_limit %q, threads %d; want 300.0 MiB, 1", limit, threads)
			}
			if r.MemoryLimit() != "300MiB" {
				t.Errorf("MemoryLimit() %q, want 300MiB", r.MemoryLimit())
			}
		})
	}
	// The defaults differ (so the check above can fail): 300 MiB is not 80%
	// of this machine's memory.
	r, err := OpenReader(ctx, published)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if limit, _ := settings(t, r); limit == "300.0 MiB" {
		t.Errorf("OpenReader's default memory_limit is %s", limit)
	}
}
