package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/reports"
)

// TestReportSameUnderTwoClocks writes the demo city's report for 2022-07
// with the command's clock at 2022-08-01 and at 2026-12-05: the HTML and
// the workbook are byte-identical, and the PDF (where Chromium is
// installed) is identical once its creation and modification dates, which
// carry the clock, are blanked. Without --period the clock picks the
// month: 2022-07 on 2022-08-01 in the city's time zone.
func TestReportSameUnderTwoClocks(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	if code, out, errs := grassroots(t, "demo", "--dir", dir); code != exitOK {
		t.Fatalf("demo exit %d\n%s\n%s", code, out, errs)
	}
	cfg := filepath.Join(dir, "grassroots.yaml")
	formats := "html,xlsx"
	if _, err := reports.FindChromium(); err == nil {
		formats += ",pdf"
	} else if os.Getenv("CI") != "" {
		t.Fatalf("CI is set and Chromium is missing: %v", err)
	}
	clocks := []time.Time{
		time.Date(2022, 8, 1, 9, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		time.Date(2026, 12, 5, 5, 6, 28, 0, time.UTC),
	}
	var got [2]map[string][]byte
	for i, now := range clocks {
		args := []string{"report", "--config", cfg, "--formats", formats}
		if i > 0 {
			args = append(args, "--period", "2022-07")
		}
		var out, errb bytes.Buffer
		a := &app{stdout: &out, stderr: &errb, now: func() time.Time { return now }}
		if code := a.run(context.Background(), args); code != exitOK {
			t.Fatalf("report at %s: exit %d\n%s\n%s", now, code, out.String(), errb.String())
		}
		got[i] = map[string][]byte{}
		for _, f := range strings.Split(formats, ",") {
			b, err := os.ReadFile(filepath.Join(dir, "reports", "2022-07", "report."+f))
			if err != nil {
				t.Fatal(err)
			}
			got[i][f] = b
		}
	}
	if a, b := got[0]["html"], got[1]["html"]; len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("report.html differs between the clocks (%d and %d bytes)", len(a), len(b))
	}
	if a, b := got[0]["pdf"], got[1]["pdf"]; a != nil {
		if !bytes.Contains(a, []byte("/CreationDate (D:20220801010000")) || !bytes.Contains(b, []byte("/CreationDate (D:20261205050628")) {
			t.Error("the PDFs' creation dates are not the clocks' (in UTC)")
		}
		blank := regexp.MustCompile(`/(CreationDate|ModDate) \(D:[^)]*\)`)
		if !bytes.Equal(blank.ReplaceAll(a, nil), blank.ReplaceAll(b, nil)) {
			t.Error("the PDFs differ in more than their creation and modification dates")
		}
	}
	t.Run("without Chromium", func(t *testing.T) { reportWithoutChromium(t, dir) })
	if a, b := got[0]["xlsx"], got[1]["xlsx"]; len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("report.xlsx differs between two generations (%d and %d bytes)", len(a), len(b))
	}
}

// reportWithoutChromium writes the demo's report with a browser that does
// not exist: a PDF asked for by name fails with exit 1, naming the packages
// to install, and the HTML and the workbook are written all the same; the
// config's default formats (the demo's config without its formats) leave
// the PDF out with one warning and exit 0.
func reportWithoutChromium(t *testing.T, dir string) {
	t.Setenv(reports.ChromiumEnv, filepath.Join(t.TempDir(), "no-chromium"))
	cfg := filepath.Join(dir, "grassroots.yaml")
	folder := filepath.Join(dir, "reports", "2022-07")
	if err := os.RemoveAll(folder); err != nil {
		t.Fatal(err)
	}
	code, out, errs := grassroots(t, "report", "--config", cfg, "--period", "2022-07", "--formats", "html,xlsx,pdf")
	if code != exitFailed || !strings.Contains(errs, "apt-get install chromium fonts-noto-cjk") {
		t.Errorf("pdf without Chromium: exit %d, want 1 naming the packages\n%s\n%s", code, out, errs)
	}
	for _, f := range []string{"report.html", "report.xlsx"} {
		if !strings.Contains(out, filepath.Join(folder, f)) {
			t.Errorf("the output does not list %s:\n%s", f, out)
		}
		if st, err := os.Stat(filepath.Join(folder, f)); err != nil || st.Size() < 1000 {
			t.Errorf("%s not written beside the failed PDF: %v", f, err)
		}
	}
	if _, err := os.Stat(filepath.Join(folder, "report.pdf")); !os.IsNotExist(err) {
		t.Errorf("report.pdf: %v, want none", err)
	}

	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	noFormats := regexp.MustCompile(`, formats: \[[a-z, ]*\]`)
	if len(noFormats.FindAll(b, -1)) != 1 {
		t.Fatalf("the demo's config has no single reports.formats:\n%s", b)
	}
	cfg = filepath.Join(dir, "default-formats.yaml")
	if err := os.WriteFile(cfg, noFormats.ReplaceAll(b, nil), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs = grassroots(t, "report", "--config", cfg, "--period", "2022-07")
	if code != exitOK || strings.Count(errs, "the report is written without its PDF") != 1 || !strings.Contains(errs, "apt-get install chromium fonts-noto-cjk") {
		t.Errorf("default formats without Chromium: exit %d, want 0 and one warning naming the packages\n%s\n%s", code, out, errs)
	}
	if strings.Contains(out, "report.pdf") || !strings.Contains(out, "report.xlsx") {
		t.Errorf("default formats without Chromium wrote:\n%s", out)
	}
}
