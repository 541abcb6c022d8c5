package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/grassroots-cn/grassroots/synth"
)

// The binary built with -ldflags prints its version, its commit and the
// DuckDB version, with `version` and with `--version`.
func TestVersionCommand(t *testing.T) {
	bin := buildBinary(t)
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var duck string
	if err := db.QueryRow("SELECT library_version FROM pragma_version()").Scan(&duck); err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^v\d+\.\d+\.\d+`).MatchString(duck) {
		t.Fatalf("DuckDB's own version %q does not look like one", duck)
	}
	want := "grassroots " + testVersion + " (commit " + testCommit + ", DuckDB " + duck + ")\n"
	for _, args := range [][]string{{"version"}, {"--version"}} {
		out, err := exec.Command(bin, args...).Output()
		if err != nil {
			t.Fatalf("grassroots %v: %v", args, err)
		}
		if string(out) != want {
			t.Errorf("grassroots %v printed %q, want %q", args, out, want)
		}
	}
	out, err := exec.Command(bin, "version", "--json").Output()
	if err != nil {
		t.Fatalf("grassroots version --json: %v", err)
	}
	var v struct{ Version, Commit, DuckDB string }
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("version --json: %v: %s", err, out)
	}
	if v.Version != testVersion || v.Commit != testCommit || v.DuckDB != duck {
		t.Errorf("version --json = %+v", v)
	}
}

// A release written by that binary records its version, not "dev".
func TestManifestProgramVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	bin := buildBinary(t)
	gen, err := synth.Generate(context.Background(), t.TempDir(), synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "run", "--config", gen.ConfigPath).CombinedOutput(); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "export", "--config", gen.ConfigPath, "--as-of", "2022-12-31").CombinedOutput(); err != nil {
		t.Fatalf("export: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(filepath.Join(filepath.Dir(gen.ConfigPath), "export", "2022Q4", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ProgramVersion string `json:"program_version"`
	}
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	if m.ProgramVersion != testVersion {
		t.Errorf("manifest program_version = %q, want %q", m.ProgramVersion, testVersion)
	}
}
