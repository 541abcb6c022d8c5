package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that Parse never panics, that every failure wraps ErrConfig with one
// positioned problem per line, and that every success holds a valid configuration.
func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	for _, name := range []string{"example.yaml", "example_dir.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(base + "reports: {schedule: \"@monthly\", formats: [xlsx]}\nduckdb: {memory_limit: 4GB, threads: 2}\n"))
	f.Add([]byte(strings.Replace(base, "    source: {kind: dir, path: feeds/140105}",
		"    source: {kind: http, mode: api, url: \"https://x.example/api\", record_types: [ledger], max_bytes: 1MiB}", 1)))
	f.Add([]byte(strings.Replace(base, `code: "1401", name: 太原市`, `code: "14", name: 山西省`, 1)))
	f.Add([]byte(strings.Replace(base, `code: "1401", name: 太原市`, `code: "00", name: 全国`, 1)))
	f.Add([]byte("a: &x [*x]\n"))
	f.Add([]byte("city: {<<: {code: \"1401\"}}\n"))

	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data, "f.yaml")
		if err != nil {
			if c != nil {
				t.Fatal("Parse returned a config with an error")
			}
			if !errors.Is(err, ErrConfig) {
				t.Fatalf("error does not wrap ErrConfig: %v", err)
			}
			for _, line := range strings.Split(err.Error(), "\n") {
				if !strings.HasPrefix(line, "f.yaml:") {
					t.Fatalf("problem without position: %q", line)
				}
			}
			return
		}
		if c.Location == nil || len(c.Counties) == 0 || !(isDigits(c.City.Code, 4) || isDigits(c.City.Code, 2)) || c.City.Name == "" {
			t.Fatalf("incomplete config: %+v", c)
		}
		for _, p := range []string{c.Warehouse, c.Published, c.Divisions.Path, c.Reports.Out, c.Export.Out} {
			if !filepath.IsAbs(p) || filepath.Clean(p) != p {
				t.Fatalf("path %q is not absolute and clean", p)
			}
		}
		if (c.KeyEnv == "") == (c.KeyFile == "") {
			t.Fatalf("KeyEnv %q, KeyFile %q: want exactly one", c.KeyEnv, c.KeyFile)
		}
		seen := map[string]bool{}
		for _, cty := range c.Counties {
			if !isDigits(cty.Code, 6) || !c.City.Contains(cty.Code) || strings.HasSuffix(cty.Code, "00") || seen[cty.Code] {
				t.Fatalf("bad county code %q", cty.Code)
			}
			seen[cty.Code] = true
			src := cty.Source
			okSource := (src.Kind == KindDir && filepath.IsAbs(src.Path)) ||
				(src.Kind == KindHTTP && (src.URL != "") != (len(src.URLs) > 0) && (src.Mode == ModeFile || src.Mode == ModeAPI))
			if !okSource || checkSchedule(cty.Schedule) != nil {
				t.Fatalf("bad county %+v", cty)
			}
		}
	})
}
