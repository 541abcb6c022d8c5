package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/synth"
)

// freshCity writes the synthetic city's feeds and configuration without
// running anything, and returns the configuration's path and the data folder.
func freshCity(t *testing.T) (cfg, data string) {
	t.Helper()
	dir := t.TempDir()
	gen, err := synth.Generate(context.Background(), dir, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	return gen.ConfigPath, filepath.Join(filepath.Dir(gen.ConfigPath), "data")
}

// duckdbFiles lists the DuckDB files (and their WALs) under dir.
func duckdbFiles(t *testing.T, dir string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), ".duckdb") {
			found = append(found, p)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return found
}

// Before any run, the reading commands say so plainly and exit 1, and
// create no warehouse.
func TestNothingLoadedYet(t *testing.T) {
	cfg, _ := freshCity(t)
	const want = "grassroots: nothing loaded yet: run grassroots run first\n"
	for _, args := range [][]string{
		{"status"}, {"metrics"}, {"report", "--period", "2022-07"}, {"export", "--as-of", "2022-12-31"},
		{"status", "--json"},
	} {
		code, out, errs := grassroots(t, append(args, "--config", cfg)...)
		if code != 1 || errs != want {
			t.Errorf("%v before any run: exit %d, stderr %q (want exit 1, %q); stdout %q", args, code, errs, want, out)
		}
		if strings.Contains(errs, "IO Error") {
			t.Errorf("%v shows the driver's error: %q", args, errs)
		}
		if f := duckdbFiles(t, filepath.Dir(cfg)); len(f) > 0 {
			t.Fatalf("%v created %v", args, f)
		}
	}
}

// A key file others may read stops run with exit 2 before any file is
// created: no warehouse, no published snapshot.
func TestRunBadKeyFileCreatesNothing(t *testing.T) {
	for _, c := range []struct{ file, setting string }{
		{"grassroots.key", "key_file"},
		{"pii.key", "pii_key_file"},
	} {
		t.Run(c.setting, func(t *testing.T) {
			cfg, data := freshCity(t)
			if err := os.Chmod(filepath.Join(filepath.Dir(cfg), c.file), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errs := grassroots(t, "run", "--config", cfg)
			if code != 2 || !strings.Contains(errs, c.setting) {
				t.Errorf("run with %s of mode 0644: exit %d, stderr %q (want exit 2 naming %s); stdout %q", c.file, code, errs, c.setting, out)
			}
			if f := duckdbFiles(t, filepath.Dir(cfg)); len(f) > 0 {
				t.Errorf("run with a bad %s created %v", c.setting, f)
			}
			if entries, err := os.ReadDir(data); err == nil && len(entries) > 0 {
				t.Errorf("run with a bad %s left %d entries in %s", c.setting, len(entries), data)
			} else if err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
		})
	}
}
