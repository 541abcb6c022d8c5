package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/transform"
)

// listSheet reads a template's list sheet, row by row.
func listSheet(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(transform.ListSheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func TestTemplateCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("generates the synthetic city; skipped with -short")
	}
	dir := t.TempDir()
	if code, _, errs := grassroots(t, "generate", "--out", dir); code != exitOK {
		t.Fatalf("generate: exit %d %s", code, errs)
	}
	cfg := filepath.Join(dir, "grassroots.yaml")
	work := t.TempDir()
	t.Chdir(work)

	// Before any run: the villages come from the divisions file. 娄烦县 has
	// 7 townships and 110 villages in the synthetic city (synth/city.go).
	code, out, errs := grassroots(t, "template", "--config", cfg, "--county", "140123")
	if code != exitOK || !strings.Contains(out, "填报模板_140123.xlsx") || !strings.Contains(out, "7 townships, 110 villages, from the divisions file") {
		t.Fatalf("template --county: exit %d %q %q", code, out, errs)
	}
	first := filepath.Join(work, "填报模板_140123.xlsx")
	before, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	fromFile := listSheet(t, first)

	// An existing file is refused (exit 2, naming --force) and left alone.
	code, _, errs = grassroots(t, "template", "--config", cfg, "--county", "140123")
	if code != exitUsage || !strings.Contains(errs, "--force") {
		t.Errorf("template over an existing file: exit %d %q", code, errs)
	}
	after, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("the refused command changed the existing file")
	}
	if code, _, errs := grassroots(t, "template", "--config", cfg, "--county", "140123", "--force"); code != exitOK {
		t.Errorf("template --force: exit %d %q", code, errs)
	}
	if code, _, errs := grassroots(t, "template", "--config", cfg, "--county", "999999"); code != exitUsage || !strings.Contains(errs, "999999") {
		t.Errorf("template --county 999999: exit %d %q", code, errs)
	}

	// The whole city: the default name, the ten counties in the county drop-down.
	if code, _, errs := grassroots(t, "template", "--config", cfg); code != exitOK {
		t.Fatalf("template: exit %d %q", code, errs)
	}
	city := listSheet(t, filepath.Join(work, "填报模板.xlsx"))
	var counties []string
	for _, r := range city[1:] {
		for i, h := range city[0] {
			if h == "县(市、区)" && i < len(r) && r[i] != "" {
				counties = append(counties, r[i])
			}
		}
	}
	if len(counties) != 10 || !slices.Contains(counties, "娄烦县") || !slices.Contains(counties, "古交市") {
		t.Errorf("the city's county list %v, want the ten counties", counties)
	}

	// After a run: the same lists, from the warehouse.
	if code, _, errs := grassroots(t, "run", "--config", cfg, "--county", "140123"); code != exitOK {
		t.Fatalf("run: exit %d %s", code, errs)
	}
	second := filepath.Join(work, "wh.xlsx")
	code, out, errs = grassroots(t, "template", "--config", cfg, "--county", "140123", "--out", second, "--json")
	var res struct {
		Path      string `json:"path"`
		Villages  int    `json:"villages"`
		Townships int    `json:"townships"`
		From      string `json:"divisions_from"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &res) != nil {
		t.Fatalf("template --json: exit %d %q %q", code, out, errs)
	}
	if res.Path != second || res.Villages != 110 || res.Townships != 7 || res.From != "warehouse" {
		t.Errorf("template --json after a run: %+v", res)
	}
	if fromWarehouse := listSheet(t, second); !slices.EqualFunc(fromFile, fromWarehouse, slices.Equal) {
		t.Errorf("the list sheet from the warehouse differs from the one from the divisions file:\n%v\n%v", fromWarehouse, fromFile)
	}
}
