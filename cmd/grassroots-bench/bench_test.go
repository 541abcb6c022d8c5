package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestBenchSmoke runs the whole bench at city scale once (the quick
// benchmark smoke test of make test): every step of the table is measured,
// the floor reads exactly the rows the load reads, and the reruns are
// cheaper than the load.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binaries and runs every step; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "grassroots")
	bench := filepath.Join(dir, "grassroots-bench")
	for _, b := range [][2]string{{bin, "../grassroots"}, {bench, "."}} {
		if out, err := exec.Command("go", "build", "-tags", "duckdb_arrow", "-o", b[0], b[1]).CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	jsonPath := filepath.Join(dir, "bench.json")
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(context.Background(), bench, "--bin", bin, "--scale", "city", "--reps", "1",
		"--dir", filepath.Join(dir, "work"), "--json", jsonPath)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("bench: %v\n%s", err, stderr.String())
	}
	b, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	var tb table
	if err := json.Unmarshal(b, &tb); err != nil {
		t.Fatal(err)
	}
	steps := map[string]row{}
	for _, r := range tb.Rows {
		steps[strings.Fields(r.Step)[0]+" "+strings.Fields(r.Step)[1]] = r
		if r.Median <= 0 || r.Runs < 1 {
			t.Errorf("%s: %d runs, median %v", r.Step, r.Runs, r.Median)
		}
	}
	asOf, _ := tb.Facts["as_of"].(string)
	if len(asOf) != 10 {
		t.Fatalf("as_of %q", asOf)
	}
	for _, want := range []string{"generate --csv", "DuckDB read_csv(all_varchar)", "full run", "rerun, nothing", "rerun, one",
		"macro coverage('" + asOf + "')", "macro survival('" + asOf + "')", "macro quota_usage(" + asOf[:4] + ")", "coverage at", "report --period", "export --as-of"} {
		if _, ok := steps[want]; !ok {
			t.Errorf("no %q row in %v", want, steps)
		}
	}
	// The publish is timed alone, incremental (the rerun with one county
	// changed) and full (run --full-publish).
	for _, p := range []string{"publish alone, incremental", "publish alone, full", "run --full-publish"} {
		if r, ok := tb.row(p); !ok || r.Median <= 0 {
			t.Errorf("no measured %q row: %+v", p, r)
		}
	}
	// Every macro added for the statisticians has its row, measured.
	for _, m := range []string{"data_end", "open_vacancies", "coverage_ranking", "coverage_progress", "flows", "exits_between",
		"selection", "subsidy_usage", "quota_usage_on", "source_freshness_on", "data_quality_on",
		"spells_by", "survival_by", "survival_median", "exit_incidence"} {
		found := false
		for _, r := range tb.Rows {
			found = found || strings.HasPrefix(r.Step, "macro "+m+"(")
		}
		if !found {
			t.Errorf("no row for the macro %s", m)
		}
	}
	if full := steps["full run"]; full.PeakMiB <= 0 {
		t.Errorf("full run without its peak RSS: %+v", full)
	}
	// In CSV-only mode every feed row is in a CSV file: the floor reads the
	// rows the load reads (data rows, the divisions included).
	if in, floor := tb.Facts["rows_loaded_in"], tb.Facts["rows_floor"]; in != floor || in.(float64) < 25000 {
		t.Errorf("the load read %v rows, the floor %v", in, floor)
	}
	if !strings.Contains(stdout.String(), "| full run (fresh warehouse, publish included) | 1 |") {
		t.Errorf("the printed table lacks the full run:\n%s", stdout.String())
	}
}

// TestGoals holds a hand-made province table against the province goals:
// each figure on the right side of its limit, or the wrong one.
func TestGoals(t *testing.T) {
	tb := &table{Scale: "province", Rows: []row{
		{Step: "DuckDB read_csv(all_varchar) of the same CSV files (floor)", Median: 4},
		{Step: "full run (fresh warehouse, publish included)", Median: 5, PeakMiB: 600}, // 1.25×; 600 MiB > 512
		{Step: "rerun, nothing changed", Median: 0.2},                                   // > 150 ms
		{Step: "rerun, one county's file changed", Median: 0.45},                        // 9% ≤ 10%
		{Step: "report --period 2022-11 (html + xlsx)", Median: 0.5},                    // ≤ 0.5 s, at the limit
		{Step: "export --as-of 2022-11-30", Median: 2.5, PeakMiB: 300},                  // > 2 s; 300 MiB ≤ 512
	}}
	want := map[string]bool{
		"full load ÷ DuckDB read_csv of the same CSV files": true,
		"rerun after one county's file changed ÷ full load": true,
		"rerun with nothing new":                            false,
		"peak RSS of the full load":                         false,
		"peak RSS of the release":                           true,
		"release":                                           false,
		"report (html + xlsx)":                              true,
	}
	got := tb.goals()
	if len(got) != len(want) {
		t.Fatalf("%d goals, want %d: %+v", len(got), len(want), got)
	}
	for _, g := range got {
		if met, ok := want[g.What]; !ok || met != g.Met {
			t.Errorf("%s: met %v (%s against %s), want %v", g.What, g.Met, g.Measured, g.Goal, met)
		}
	}
	var b bytes.Buffer
	printGoals(&b, got)
	if !strings.Contains(b.String(), "| rerun with nothing new | ≤ 150.0 ms | 200.0 ms | not met |") {
		t.Errorf("goals table:\n%s", b.String())
	}
	// National: the nothing-new rerun is held as a share of the load.
	tb.Scale = "national"
	found := false
	for _, g := range tb.goals() {
		if g.What == "rerun with nothing new ÷ full load" {
			found = true
			if g.Met {
				t.Errorf("national nothing new 0.2 s of 5 s (4%%) met ≤ 1%%: %+v", g)
			}
		}
	}
	if !found {
		t.Error("no national goal for the rerun with nothing new")
	}
	if g := (&table{Scale: "city", Rows: tb.Rows}).goals(); g != nil {
		t.Errorf("city goals: %+v", g)
	}
}
