package status_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/status"
)

// TestAddFeedback: the latest workbook of a folder county is in feedback/ of
// its drop folder (the latest day, the highest suffix of that day), of an
// HTTP county in feedback/<code>/ beside the warehouse; a county without
// one, or one the configuration does not have, gets none.
func TestAddFeedback(t *testing.T) {
	now := time.Now()
	dir := t.TempDir()
	path := fixture(t, now, "")
	st := read(t, path)
	drop := filepath.Join(dir, "feeds", "140101")
	cfg := &config.Config{Warehouse: filepath.Join(dir, "data", "warehouse.duckdb"), Counties: []config.County{
		{Code: "140101", Source: config.Source{Kind: "dir", Path: drop}},
		{Code: "140102", Source: config.Source{Kind: "http", URL: "https://x.example/api"}},
		{Code: "140103", Source: config.Source{Kind: "dir", Path: filepath.Join(dir, "feeds", "140103")}},
	}}
	write := func(p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("x"), 0o640); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range []string{"问题清单_140101_20221230.xlsx", "问题清单_140101_20221231.xlsx", "问题清单_140101_20221231_2.xlsx",
		"问题清单_140101_20221231_10.xlsx", "问题清单_140101_20221229_99.xlsx", "问题清单_140102_20230101.xlsx", "问题清单_140101_2023.xlsx", "notes.xlsx"} {
		write(filepath.Join(drop, "feedback", n))
	}
	write(filepath.Join(dir, "data", "feedback", "140102", "问题清单_140102_20220105.xlsx"))
	write(filepath.Join(dir, "data", "feedback", "140102", "问题清单_140102_20220105_2.xlsx"))
	write(filepath.Join(dir, "feeds", "140103", "问题清单_140103_20220105.xlsx")) // not in feedback/

	if err := status.AddFeedback(st, cfg); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"140101": filepath.Join(drop, "feedback", "问题清单_140101_20221231_10.xlsx"),
		"140102": filepath.Join(dir, "data", "feedback", "140102", "问题清单_140102_20220105_2.xlsx"),
	}
	for _, c := range st.Counties {
		switch {
		case want[c.Code] == "" && c.Feedback != nil:
			t.Errorf("%s: feedback %+v, want none", c.Code, c.Feedback)
		case want[c.Code] != "" && (c.Feedback == nil || c.Feedback.Path != want[c.Code]):
			t.Errorf("%s: feedback %+v, want %s", c.Code, c.Feedback, want[c.Code])
		case c.Feedback != nil && c.Feedback.Modified.IsZero():
			t.Errorf("%s: no modification time", c.Code)
		}
	}
}
