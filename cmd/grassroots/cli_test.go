package main

import (
	"context"
	"fmt"
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

// corrupt replaces the first file of each county given with bytes no reader
// accepts, keeping its modification time (so it is not left to settle).
func corrupt(t *testing.T, cfg string, feeds []synth.CountyFeed) {
	t.Helper()
	for _, c := range feeds {
		if len(c.Files) == 0 {
			t.Fatalf("county %s has no files", c.Code)
		}
		p := filepath.Join(filepath.Dir(cfg), filepath.FromSlash(c.Files[0]))
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("\x00\x01\x02 not a feed {\"id_number\": \n"), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, st.ModTime(), st.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
}

// When every county of the run fails, run exits 1 and says so; when some
// load or are up to date, 3.
func TestRunExitCodesOnFailedCounties(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	gen, err := synth.Generate(context.Background(), t.TempDir(), synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg := gen.ConfigPath
	n := len(gen.Counties)
	if n < 3 {
		t.Fatalf("the synthetic city has %d counties", n)
	}
	corrupt(t, cfg, gen.Counties)
	code, out, errs := grassroots(t, "run", "--config", cfg)
	want := fmt.Sprintf("grassroots: all %d counties failed; nothing was loaded\n", n)
	if code != 1 || errs != want {
		t.Errorf("run with every county broken: exit %d, stderr %q (want 1, %q)\n%s", code, errs, want, out)
	}
	// The village list loaded on that run; one county named, broken: exit 1.
	code, out, errs = grassroots(t, "run", "--config", cfg, "--county", gen.Counties[0].Code)
	if want := "grassroots: the county failed; nothing was loaded\n"; code != 1 || errs != want {
		t.Errorf("run --county %s, broken: exit %d, stderr %q (want 1, %q)\n%s", gen.Counties[0].Code, code, errs, want, out)
	}

	// A fresh city with one county broken: a real partial failure, exit 3.
	gen, err = synth.Generate(context.Background(), t.TempDir(), synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	corrupt(t, gen.ConfigPath, gen.Counties[:1])
	code, out, errs = grassroots(t, "run", "--config", gen.ConfigPath)
	want = fmt.Sprintf("grassroots: 1 of %d counties failed; the others loaded\n", n)
	if code != 3 || errs != want {
		t.Errorf("run with one county broken: exit %d, stderr %q (want 3, %q)\n%s", code, errs, want, out)
	}
	// Again: the broken county fails again, the others are up to date.
	code, out, errs = grassroots(t, "run", "--config", gen.ConfigPath)
	want = fmt.Sprintf("grassroots: 1 of %d counties failed; the others had nothing new\n", n)
	if code != 3 || errs != want {
		t.Errorf("rerun with one county broken: exit %d, stderr %q (want 3, %q)\n%s", code, errs, want, out)
	}
}
