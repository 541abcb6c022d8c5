package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testdataDir is the absolute path of testdata, against which the examples' relative
// paths resolve.
func testdataDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("testdata")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLoadExample loads the example configuration (testdata/example.yaml) with its
// http county turned into a dir county (testdata/example_dir.yaml) and checks every field.
func TestLoadExample(t *testing.T) {
	dir := testdataDir(t)
	c, err := Load("testdata/example_dir.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Location == nil || c.Location.String() != "Asia/Shanghai" {
		t.Fatalf("Location = %v", c.Location)
	}
	// 2022-07-01 00:00 in Shanghai is 2022-06-30 16:00 UTC.
	if got := time.Date(2022, 7, 1, 0, 0, 0, 0, c.Location).UTC(); got != time.Date(2022, 6, 30, 16, 0, 0, 0, time.UTC) {
		t.Errorf("Shanghai midnight = %v", got)
	}
	c.Location = nil
	want := &Config{
		Path:      filepath.Join(dir, "example_dir.yaml"),
		Dir:       dir,
		City:      City{Code: "1401", Name: "太原市"},
		Timezone:  "Asia/Shanghai",
		Warehouse: filepath.Join(dir, "data", "warehouse.duckdb"),
		Published: filepath.Join(dir, "data", "published", "analytics.duckdb"),
		KeyEnv:    "GRASSROOTS_KEY",
		Divisions: Divisions{Path: filepath.Join(dir, "feeds", "divisions.csv"), Encoding: "auto"},
		Counties: []County{
			{
				Code: "140123", Name: "娄烦县", Region: "remote", BachelorAllowed: true,
				Source: Source{
					Kind: "dir", Path: filepath.Join(dir, "feeds", "140123"), Pattern: "*.xlsx",
					Encoding: "auto", Settle: 10 * time.Second, Archive: false,
				},
				Schedule: "0 2 * * *",
				Line:     8,
			},
			{
				Code: "140105", Name: "小店区", Region: "developed",
				Source: Source{
					Kind: "dir", Path: filepath.Join(dir, "feeds", "140105"),
					Encoding: "gb18030", Settle: 0, Archive: true,
				},
				Schedule: "30 2 * * *",
				Line:     20,
			},
		},
		Reports: Reports{Schedule: "0 8 1 * *", Out: filepath.Join(dir, "reports"), Formats: []string{"html", "xlsx"}, Problems: DefaultReportProblems()},
		Export: Export{Schedule: "0 6 1 */3 *", Out: filepath.Join(dir, "export"),
			KeyEnv: "GRASSROOTS_EXPORT_KEY", K: 5},
		Backup:     Backup{Schedule: "0 3 * * *", Dir: filepath.Join(dir, "backups"), Keep: 7},
		StaleAfter: 72 * time.Hour,
		StatusAddr: "127.0.0.1:9464",
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("Load:\n got %+v\nwant %+v", c, want)
	}
	if got, ok := c.County("140105"); !ok || got != &c.Counties[1] {
		t.Errorf("County(140105) = %v, %v", got, ok)
	}
	if got, ok := c.County("140199"); ok || got != nil {
		t.Errorf("County(140199) = %v, %v", got, ok)
	}
}

// TestLoadExampleHTTP loads the example configuration (testdata/example.yaml) as it is, with its
// county 140105 (line 20) pulled over HTTP in api mode.
func TestLoadExampleHTTP(t *testing.T) {
	c, err := Load("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src := c.Counties[1].Source
	if src.Kind != KindHTTP || src.Mode != ModeAPI || src.URL != "https://xiaodian.example/api/graduates" ||
		src.TokenEnv != "XIAODIAN_TOKEN" || !strings.HasSuffix(src.CAFile, "certs/intranet-ca.pem") ||
		len(src.RecordTypes) != 6 || src.Timeout != 60*time.Second || src.Retries != 5 || src.MaxBytes != 512<<20 {
		t.Errorf("http source: %+v", src)
	}
}

// TestHTTPSourceDecoded checks that an http source is decoded and defaulted in full.

func TestHTTPSourceDecoded(t *testing.T) {
	dir := testdataDir(t)
	data, err := os.ReadFile("testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	c, err := decode(data, "testdata/example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Source{
		Kind:        "http",
		URL:         "https://xiaodian.example/api/graduates",
		Mode:        "api",
		TokenEnv:    "XIAODIAN_TOKEN",
		CAFile:      filepath.Join(dir, "certs", "intranet-ca.pem"),
		RecordTypes: []string{"ledger", "roles", "assessments", "vacancies", "quota", "subsidies"},
		Timeout:     60 * time.Second,
		Retries:     5,
		MaxBytes:    512 * 1024 * 1024,
	}
	if got := c.Counties[1].Source; !reflect.DeepEqual(got, want) {
		t.Errorf("source:\n got %+v\nwant %+v", got, want)
	}

	// Every key of an http source, given explicitly.
	explicit := edit(t, src1, `    source:
      kind: http
      urls: [https://a.example/ledger.xlsx, "http://b.example:8080/roles.csv?x=1"]
      token_env: XD_TOKEN
      ca_file: /etc/ssl/ca.pem
      timeout: 1m30s
      retries: 0
      max_bytes: 1GB
`)
	c, err = decode([]byte(explicit), "grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want = Source{
		Kind:     "http",
		URLs:     []string{"https://a.example/ledger.xlsx", "http://b.example:8080/roles.csv?x=1"},
		Mode:     "file",
		TokenEnv: "XD_TOKEN",
		CAFile:   "/etc/ssl/ca.pem",
		Timeout:  90 * time.Second,
		Retries:  0,
		MaxBytes: 1_000_000_000,
	}
	if got := c.Counties[1].Source; !reflect.DeepEqual(got, want) {
		t.Errorf("source:\n got %+v\nwant %+v", got, want)
	}
}

// TestDefaults checks the defaults of every optional key, and explicit values of the
// optional blocks.
func TestDefaults(t *testing.T) {
	c, err := Parse([]byte(base), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := struct {
		Reports    Reports
		Export     Export
		StaleAfter time.Duration
		DuckDB     DuckDB
		StatusAddr string
		Divisions  Divisions
		Source     Source
		Bachelor   bool
	}{
		Reports:    Reports{Schedule: "0 8 1 * *", Out: "/srv/grassroots/reports", Formats: []string{"html", "xlsx", "pdf"}, DefaultFormats: true, Problems: DefaultReportProblems()},
		Export:     Export{Schedule: "0 6 1 */3 *", Out: "/srv/grassroots/export", KeyEnv: "GRASSROOTS_EXPORT_KEY", K: 5},
		StaleAfter: 72 * time.Hour,
		StatusAddr: "127.0.0.1:9464",
		Divisions:  Divisions{Path: "/srv/grassroots/feeds/divisions.csv", Encoding: "auto"},
		Source:     Source{Kind: "dir", Path: "/srv/grassroots/feeds/140123", Encoding: "auto", Settle: 10 * time.Second},
	}
	got := want
	got.Reports, got.Export, got.StaleAfter, got.DuckDB = c.Reports, c.Export, c.StaleAfter, c.DuckDB
	got.StatusAddr, got.Divisions, got.Source = c.StatusAddr, c.Divisions, c.Counties[0].Source
	got.Bachelor = c.Counties[0].BachelorAllowed
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults:\n got %+v\nwant %+v", got, want)
	}

	// Empty optional blocks take the defaults too.
	c, err = Parse([]byte(base+"reports: {}\nexport:\nduckdb: {}\n"), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Reports, want.Reports) || !reflect.DeepEqual(c.Export, want.Export) || c.DuckDB != (DuckDB{}) || c.DuckDB.LoadMemoryLimit() != "800MB" || c.DuckDB.ExportMemoryLimit() != "1GB" {
		t.Errorf("empty blocks: %+v %+v %+v", c.Reports, c.Export, c.DuckDB)
	}

	// Explicit values.
	c, err = Parse([]byte(base+`reports: {schedule: "@monthly", out: /var/reports, formats: [xlsx]}
export: {schedule: "0 6 1 1 *", out: ../releases, key_env: RESEARCH_KEY, k: 10}
stale_after: 36h
duckdb: {memory_limit: 4GB, threads: 2}
status_addr: ":9000"
`), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Reports{Schedule: "@monthly", Out: "/var/reports", Formats: []string{"xlsx"}, Problems: DefaultReportProblems()}); !reflect.DeepEqual(c.Reports, want) {
		t.Errorf("Reports = %+v, want %+v", c.Reports, want)
	}
	if want := (Export{Schedule: "0 6 1 1 *", Out: "/srv/releases", KeyEnv: "RESEARCH_KEY", K: 10}); c.Export != want {
		t.Errorf("Export = %+v, want %+v", c.Export, want)
	}
	if c.StaleAfter != 36*time.Hour || c.DuckDB != (DuckDB{MemoryLimit: "4GB", Threads: 2}) || c.DuckDB.ExportMemoryLimit() != "4GB" || c.StatusAddr != ":9000" {
		t.Errorf("StaleAfter, DuckDB, StatusAddr = %v, %+v, %q", c.StaleAfter, c.DuckDB, c.StatusAddr)
	}
}

// TestPaths checks that relative paths resolve against the file's folder, and that
// every path comes out absolute and clean.
// A PDF listed in reports.formats is kept in its place, and formats given
// in the file are not the default (the command then attempts the PDF even
// without Chromium, and says why it failed).
func TestReportsFormatsPDF(t *testing.T) {
	c, err := Parse([]byte(base+"reports: {formats: [pdf, html]}\n"), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Reports.Formats, []string{"pdf", "html"}) || c.Reports.DefaultFormats {
		t.Errorf("formats %q, default %v; want [pdf html], not the default", c.Reports.Formats, c.Reports.DefaultFormats)
	}
	c, err = Parse([]byte(base+"reports: {out: /var/reports}\n"), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Reports.Formats, []string{"html", "xlsx", "pdf"}) || !c.Reports.DefaultFormats {
		t.Errorf("formats %q, default %v; want the default [html xlsx pdf]", c.Reports.Formats, c.Reports.DefaultFormats)
	}
}

func TestPaths(t *testing.T) {
	data := edit(t,
		"warehouse: data/warehouse.duckdb", "warehouse: /var/lib/grassroots//private/../warehouse.duckdb",
		"published: data/published/analytics.duckdb", "published: ../public/./analytics.duckdb",
		"key_env: GRASSROOTS_KEY", "key_file: secrets/person.key",
		"      path: feeds/140123", "      path: /mnt/drop/140123/",
		src1, "    source: {kind: dir, path: \"feeds/../drop/140105\"}\n",
	)
	c, err := Parse([]byte(data), "/etc/grassroots/conf/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got := []string{c.Path, c.Dir, c.Warehouse, c.Published, c.KeyFile, c.Divisions.Path,
		c.Counties[0].Source.Path, c.Counties[1].Source.Path, c.Reports.Out, c.Export.Out}
	want := []string{
		"/etc/grassroots/conf/grassroots.yaml",
		"/etc/grassroots/conf",
		"/var/lib/grassroots/warehouse.duckdb",
		"/etc/grassroots/public/analytics.duckdb",
		"/etc/grassroots/conf/secrets/person.key",
		"/etc/grassroots/conf/feeds/divisions.csv",
		"/mnt/drop/140123",
		"/etc/grassroots/conf/drop/140105",
		"/etc/grassroots/conf/reports",
		"/etc/grassroots/conf/export",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("paths:\n got %q\nwant %q", got, want)
	}
	if c.KeyEnv != "" {
		t.Errorf("KeyEnv = %q with key_file", c.KeyEnv)
	}

	// A relative config path resolves against the current folder.
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	c, err = Parse([]byte(base), "conf/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != filepath.Join(wd, "conf", "grassroots.yaml") || c.Warehouse != filepath.Join(wd, "conf", "data", "warehouse.duckdb") {
		t.Errorf("Path, Warehouse = %q, %q", c.Path, c.Warehouse)
	}
	// No path at all: the current folder, and "config" in messages.
	c, err = Parse([]byte(base), "")
	if err != nil {
		t.Fatal(err)
	}
	if c.Path != "" || c.Dir != wd || c.Warehouse != filepath.Join(wd, "data", "warehouse.duckdb") {
		t.Errorf("Path, Dir, Warehouse = %q, %q, %q", c.Path, c.Dir, c.Warehouse)
	}
	if _, err := Parse([]byte("x: 1\n"), ""); err == nil || !strings.HasPrefix(err.Error(), `config:1: unknown key "x"`) {
		t.Errorf("error = %v", err)
	}
}

// TestAccepted checks values that are allowed though they might look odd.
func TestAccepted(t *testing.T) {
	data := edit(t,
		"timezone: Asia/Shanghai", "timezone: UTC",
		`  - code: "140123"`, "  - code: 140123", // unquoted: the text is what counts
		"    region: remote\n", "    region: remote\n    bachelor_allowed: false\n",
		`    schedule: "0 2 * * *"`, "    schedule: &nightly \"@daily\"",
		`    schedule: "30 2 * * *"`, "    schedule: *nightly",
		"      path: feeds/140123\n", "      path: feeds/140123\n      pattern: \"[人台]*.csv\"\n      encoding: utf-8\n      settle: 0s\n",
	)
	c, err := Parse([]byte(data), "grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Timezone != "UTC" || c.Location != time.UTC {
		t.Errorf("Timezone, Location = %q, %v", c.Timezone, c.Location)
	}
	c0, c1 := c.Counties[0], c.Counties[1]
	if c0.Code != "140123" || c0.Schedule != "@daily" || c1.Schedule != "@daily" {
		t.Errorf("code, schedules = %q, %q, %q", c0.Code, c0.Schedule, c1.Schedule)
	}
	if s := c0.Source; s.Pattern != "[人台]*.csv" || s.Encoding != "utf-8" || s.Settle != 0 {
		t.Errorf("source = %+v", s)
	}
}

// TestAreaCodes checks the codes city.code accepts (a city, a province, the
// whole country) with county codes inside each; errors_test.go has the rejected ones.
func TestAreaCodes(t *testing.T) {
	for _, c := range []struct {
		area, name   string
		county1, two string // the two counties' codes
	}{
		{"1401", "太原市", "140123", "140105"},
		{"14", "山西省", "140123", "140105"},
		{"14", "山西省", "140123", "142702"},
		{"00", "全国", "140123", "110101"},
		{"00", "全国", "650102", "110101"},
	} {
		t.Run(c.area+"-"+c.two, func(t *testing.T) {
			data := edit(t, `city: {code: "1401", name: 太原市}`, `city: {code: "`+c.area+`", name: `+c.name+`}`,
				`  - code: "140123"`, `  - code: "`+c.county1+`"`, `  - code: "140105"`, `  - code: "`+c.two+`"`)
			cfg, err := Parse([]byte(data), "grassroots.yaml")
			if err != nil {
				t.Fatal(err)
			}
			if cfg.City != (City{Code: c.area, Name: c.name}) || cfg.Counties[0].Code != c.county1 || cfg.Counties[1].Code != c.two {
				t.Errorf("city %+v, counties %s %s", cfg.City, cfg.Counties[0].Code, cfg.Counties[1].Code)
			}
		})
	}
}

func TestCityContains(t *testing.T) {
	for _, c := range []struct {
		area, county string
		want         bool
	}{
		{"1401", "140105", true},
		{"1401", "140221", false},
		{"14", "140221", true},
		{"14", "110101", false},
		{"00", "110101", true},
		{"00", "650102", true},
	} {
		if got := (City{Code: c.area}).Contains(c.county); got != c.want {
			t.Errorf("City %s contains %s: %v, want %v", c.area, c.county, got, c.want)
		}
	}
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		err  bool
	}{
		{in: "536870912", want: 536870912},
		{in: "512MiB", want: 512 << 20},
		{in: "512 MiB", want: 512 << 20},
		{in: "1GB", want: 1_000_000_000},
		{in: "1gb", want: 1_000_000_000},
		{in: "2KiB", want: 2048},
		{in: "3kb", want: 3000},
		{in: "7B", want: 7},
		{in: "1TiB", want: 1 << 40},
		{in: "8388607TiB", want: 8388607 << 40},
		{in: "8388608TiB", err: true}, // 2^63: overflows int64
		{in: "99999999999999999999", err: true},
		{in: "1.5GB", err: true},
		{in: "-1", err: true},
		{in: "GB", err: true},
		{in: "12XB", err: true},
		{in: "", err: true},
	}
	for _, tt := range tests {
		got, err := parseSize(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(path)
	if err == nil || err.Error() != path+": cannot read: no such file or directory" {
		t.Fatalf("error = %v", err)
	}
	if !errors.Is(err, ErrConfig) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error does not wrap ErrConfig and fs.ErrNotExist")
	}
}
