package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// grassroots runs the command line in-process.
func grassroots(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestDemoThenRunCheckStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	code, out, errs := grassroots(t, "demo", "--dir", dir)
	if code != exitOK {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errs)
	}
	for _, want := range []string{"140181", "古交市", "published snapshot (no personal data): " + filepath.Join(dir, "data", "published", "analytics.duckdb"), "duckdb -readonly"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	cfg := filepath.Join(dir, "grassroots.yaml")
	for _, f := range []string{"reports/2022-07/report.html", "reports/2022-07/report.xlsx", "export/2022Q4/manifest.json", "export/2022Q4/persons"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the demo did not write %s: %v", f, err)
		}
	}
	if !strings.Contains(out, "researchers' release 2022Q4") || !strings.Contains(out, "monthly report for 2022-07") {
		t.Errorf("demo output does not show the report and the release:\n%s", out)
	}
	// An existing release is refused without --replace, replaced with it.
	if code, _, errs := grassroots(t, "export", "--config", cfg, "--release", "2022Q4", "--as-of", "2022-12-31"); code != exitUsage || !strings.Contains(errs, "--replace") {
		t.Errorf("export over an existing release: exit %d %s", code, errs)
	}
	if code, out, errs := grassroots(t, "export", "--config", cfg, "--release", "2022Q4", "--as-of", "2022-12-31", "--replace"); code != exitOK || !strings.Contains(out, "suppressed cells") {
		t.Errorf("export --replace: exit %d %s %s", code, out, errs)
	}
	if code, out, errs := grassroots(t, "report", "--config", cfg, "--period", "2022-06", "--formats", "html"); code != exitOK || !strings.Contains(out, filepath.Join("2022-06", "report.html")) {
		t.Errorf("report: exit %d %s %s", code, out, errs)
	}

	// The report's office, 下步工作 and 存在问题 from the configuration.
	reportWords(t, dir, cfg)

	// The figures the city published for 21 July 2022, from the macros.
	code, out, errs = grassroots(t, "metrics", "--config", cfg, "--as-of", "2022-07-21", "--json")
	var h struct {
		AsOf         string  `json:"as_of"`
		Villages     int     `json:"villages"`
		Covered      int     `json:"covered"`
		CoverageRate float64 `json:"coverage_rate"`
		InPost       int     `json:"graduates_in_post"`
		Committee    int     `json:"committee_members"`
		Secretaries  int     `json:"party_secretaries"`
		QuotaTown    int     `json:"quota_township"`
		QuotaPool    int     `json:"quota_county_pool"`
		Counties     []any   `json:"counties"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &h) != nil {
		t.Fatalf("metrics exit %d: %s %s", code, out, errs)
	}
	if h.AsOf != "2022-07-21" || h.Villages != 1395 || h.Covered != 1130 || fmt.Sprintf("%.3f", h.CoverageRate) != "0.810" ||
		h.InPost != 1145 || h.Committee != 72 || h.Secretaries != 43 || h.QuotaTown != 1117 || h.QuotaPool != 278 || len(h.Counties) != 10 {
		t.Errorf("metrics on 2022-07-21: %+v", h)
	}
	vintageFlags(t, cfg, out)
	code, out, _ = grassroots(t, "metrics", "--config", cfg, "--as-of", "2022-07-21")
	for _, want := range []string{"1130 (81.0%)", "1117 township + 278 county pool = 1395"} {
		if code != exitOK || !strings.Contains(out, want) {
			t.Errorf("metrics output lacks %q:\n%s", want, out)
		}
	}
	code, out, _ = grassroots(t, "metrics", "--config", cfg, "--as-of", "2022-12-31")
	if code != exitOK || !strings.Contains(out, "1395 (100.0%)") {
		t.Errorf("metrics on 2022-12-31:\n%s", out)
	}
	if code, _, errs := grassroots(t, "metrics", "--config", cfg, "--as-of", "21/07/2022"); code != exitUsage || !strings.Contains(errs, "YYYY-MM-DD") {
		t.Errorf("bad --as-of: exit %d %s", code, errs)
	}

	// Nothing new: exit 0, every county no_new_data, as JSON.
	code, out, errs = grassroots(t, "run", "--config", cfg, "--json")
	if code != exitOK {
		t.Fatalf("rerun exit %d: %s", code, errs)
	}
	var res struct {
		Counties []struct {
			Status string `json:"status"`
			Loaded int    `json:"rows_loaded"`
		} `json:"counties"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("run --json is not one JSON object: %v\n%s", err, out)
	}
	if len(res.Counties) != 10 {
		t.Fatalf("%d counties in the JSON", len(res.Counties))
	}
	for _, c := range res.Counties {
		if c.Status != "no_new_data" || c.Loaded != 0 {
			t.Errorf("rerun county %+v", c)
		}
	}

	code, out, _ = grassroots(t, "check", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "is valid") {
		t.Errorf("check exit %d:\n%s", code, out)
	}
	code, out, _ = grassroots(t, "status", "--config", cfg)
	if code != exitOK || !strings.Contains(out, "娄烦县") || !strings.Contains(out, "no_new_data") {
		t.Errorf("status exit %d:\n%s", code, out)
	}
	code, out, _ = grassroots(t, "status", "--config", cfg, "--json")
	var st struct {
		Counties []struct {
			Code     string           `json:"county_code"`
			Stale    bool             `json:"stale"`
			Rejects  map[string]int64 `json:"rejects_by_reason"`
			Findings map[string]int64 `json:"findings_by_code"`
		} `json:"counties"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &st) != nil || len(st.Counties) != 10 || st.Counties[0].Stale {
		t.Fatalf("status --json exit %d: %s", code, out)
	}
	// Status counts what the demo's run reported for 小店区.
	if c := st.Counties[0]; c.Code != "140105" || c.Rejects["wrong_county"] != 1 || c.Findings["unknown_record_type"] != 1 {
		t.Errorf("status of 140105: %+v", c)
	}

	// A county that fails: exit 3, the others fine.
	bad := filepath.Join(dir, "feeds", "140105", "roles-broken.ndjson")
	if err := os.WriteFile(bad, []byte("{\"id_number\": \n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs = grassroots(t, "run", "--config", cfg)
	if code != exitPartial || !strings.Contains(errs, "1 of 10 counties failed") {
		t.Errorf("partial run exit %d: %s", code, errs)
	}
	// Without the village list nothing loads: exit 1, and the reason.
	divisions := filepath.Join(dir, "feeds", "divisions.csv")
	if err := os.Rename(divisions, divisions+".away"); err != nil {
		t.Fatal(err)
	}
	code, out, errs = grassroots(t, "run", "--config", cfg)
	if code != exitFailed || !strings.Contains(out, "divisions file") {
		t.Errorf("run without divisions: exit %d\n%s\n%s", code, out, errs)
	}
	// Again a demo in the same folder starts afresh.
	if code, _, errs := grassroots(t, "demo", "--dir", dir); code != exitOK {
		t.Errorf("second demo exit %d: %s", code, errs)
	}
}

func TestUsageAndConfigErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "grassroots.yaml")
	if err := os.WriteFile(cfg, []byte("city: {code: \"1401\", name: 太原市}\ntimezone: Asia/Shanghai\nwarehuose: x.duckdb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errs := grassroots(t, "run", "--config", cfg)
	if code != exitUsage || !strings.Contains(errs, "grassroots.yaml:3") || !strings.Contains(errs, "warehuose") {
		t.Errorf("bad config: exit %d, %s", code, errs)
	}
	if code, _, _ := grassroots(t, "run", "--nope"); code != exitUsage {
		t.Errorf("unknown flag: exit %d", code)
	}
	if code, _, _ := grassroots(t, "run", "extra"); code != exitUsage {
		t.Errorf("extra argument: exit %d", code)
	}
	if code, _, _ := grassroots(t, "demo", "--scale", "galaxy"); code != exitUsage {
		t.Errorf("bad scale: exit %d", code)
	}
	// demo refuses a non-empty folder it did not write.
	if err := os.WriteFile(filepath.Join(dir, "precious.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := grassroots(t, "demo", "--dir", dir); code != exitUsage || !strings.Contains(errs, "not empty") {
		t.Errorf("demo in a foreign folder: exit %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(dir, "precious.txt")); err != nil {
		t.Errorf("demo touched a foreign folder")
	}
}

// reportWords writes the report for 2022-06 with a configuration naming
// the office, a file of 下步工作 beside it and one rule of 存在问题, and
// checks that the HTML shows them.
func reportWords(t *testing.T, dir, cfg string) {
	t.Helper()
	base, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	words := filepath.Join(dir, "grassroots-words.yaml")
	block := "reports:\n  out: reports-words\n  issuer: 中共太原市委组织部 编\n  classification: 内部资料 注意保存\n" +
		"  next_steps_dir: notes\n  problems: {coverage_below_city: true, uncovered_days_over: 0, retention_12m_below: 0, stale: false, rejects_at_least: 0}"
	reportsLine := regexp.MustCompile(`(?m)^reports:.*$`)
	if !reportsLine.Match(base) {
		t.Fatalf("the demo's configuration has no reports line:\n%s", base)
	}
	if err := os.WriteFile(words, reportsLine.ReplaceAll(base, []byte(block)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "notes"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "notes", "2022-06.txt"), []byte("督促覆盖率低于全市的县补齐空缺。\n\n组织第三轮选岗。\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := grassroots(t, "report", "--config", words, "--period", "2022-06", "--formats", "html"); code != exitOK {
		t.Fatalf("report with the office: exit %d %s %s", code, out, errs)
	}
	page, err := os.ReadFile(filepath.Join(dir, "reports-words", "2022-06", "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"中共太原市委组织部 编", "内部资料 注意保存", "2022年6月30日",
		`<p class="para">督促覆盖率低于全市的县补齐空缺。</p>`, `<p class="para">组织第三轮选岗。</p>`, "低于全市"} {
		if !strings.Contains(string(page), want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	// Only the rule left on: no stale feed named.
	if strings.Contains(string(page), "请督促报送。</li>") {
		t.Error("a rule turned off still speaks")
	}
}

// vintageFlags: metrics --json (its output is first) records the vintage it
// read; the same figures come back with --vintage set to it, none before
// the first load, and a vintage without an offset or not a time is refused.
func vintageFlags(t *testing.T, cfg, first string) {
	t.Helper()
	var h struct {
		Vintage  string `json:"vintage"`
		Villages int    `json:"villages"`
		Covered  int    `json:"covered"`
	}
	if err := json.Unmarshal([]byte(first), &h); err != nil || h.Vintage == "" {
		t.Fatalf("metrics --json records no vintage (%v):\n%s", err, first)
	}
	code, out, errs := grassroots(t, "metrics", "--config", cfg, "--as-of", "2022-07-21", "--json", "--vintage", h.Vintage)
	if code != exitOK || out != first {
		t.Errorf("metrics --vintage %s: exit %d %s\n%s\nwant\n%s", h.Vintage, code, errs, out, first)
	}
	code, out, errs = grassroots(t, "metrics", "--config", cfg, "--as-of", "2022-07-21", "--json", "--vintage", "2000-01-01T08:00:00+08:00")
	var empty struct {
		Vintage  string `json:"vintage"`
		Villages int    `json:"villages"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &empty) != nil || empty.Villages != 0 || empty.Vintage != "2000-01-01 00:00:00.000000+00" {
		t.Errorf("metrics at a vintage before any load: exit %d %s\n%s", code, errs, out)
	}
	for _, bad := range []string{"2022-08-05 10:00:00", "yesterday"} {
		if code, _, errs := grassroots(t, "metrics", "--config", cfg, "--vintage", bad); code != exitUsage || !strings.Contains(errs, "offset") {
			t.Errorf("metrics --vintage %q: exit %d %s", bad, code, errs)
		}
	}
	code, out, errs = grassroots(t, "report", "--config", cfg, "--period", "2022-07", "--formats", "html", "--json", "--vintage", h.Vintage)
	var r struct {
		Vintage string `json:"vintage"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &r) != nil || r.Vintage != h.Vintage {
		t.Errorf("report --vintage %s: exit %d %s\n%s", h.Vintage, code, errs, out)
	}
}
