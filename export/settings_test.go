package export

import (
	"context"
	"testing"
)

// TestSetFor: the settings hold on the session while set and their earlier
// values come back after, also when a later setting is refused.
func TestSetFor(t *testing.T) {
	ctx := context.Background()
	w := openTest(t)
	s, err := w.Reader().Session(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	get := func(name string) string {
		t.Helper()
		var v string
		if err := s.Scan(ctx, "SELECT CAST(current_setting(?) AS VARCHAR)", []any{name}, &v); err != nil {
			t.Fatal(err)
		}
		return v
	}
	if err := s.Exec(ctx, "SET threads = 3; SET partitioned_write_max_open_files = 77"); err != nil {
		t.Fatal(err)
	}
	restore, err := setFor(ctx, s, partitionedWriteSettings)
	if err != nil {
		t.Fatal(err)
	}
	if th, open := get("threads"), get("partitioned_write_max_open_files"); th != "1" || open != "4" {
		t.Errorf("while set: threads %s, max open files %s; want 1 and 4", th, open)
	}
	if err := restore(); err != nil {
		t.Fatal(err)
	}
	if th, open := get("threads"), get("partitioned_write_max_open_files"); th != "3" || open != "77" {
		t.Errorf("after: threads %s, max open files %s; want 3 and 77", th, open)
	}
	// A refused setting leaves the earlier ones as they were.
	if _, err := setFor(ctx, s, []setting{{"threads", "2"}, {"no_such_setting", "1"}}); err == nil {
		t.Error("no_such_setting: no error")
	}
	if th := get("threads"); th != "3" {
		t.Errorf("after a refused setting: threads %s, want 3", th)
	}
}
