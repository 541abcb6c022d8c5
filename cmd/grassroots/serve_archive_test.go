package main

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/schedule"
)

// TestStatusReportsPageWiring: the status endpoint's handler serves /reports/
// from reports.out beside the scheduler's paths, which it leaves as they
// were.
func TestStatusReportsPageWiring(t *testing.T) {
	out := filepath.Join(t.TempDir(), "reports")
	page := []byte("<!DOCTYPE html><title>2022年7月</title>")
	if err := os.MkdirAll(filepath.Join(out, "2022-07"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(out, "2022-07", "report.html"), page, 0o644); err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &config.Config{City: config.City{Code: "1401", Name: "太原市"}, Location: loc}
	cfg.Reports.Out = out
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	srv := httptest.NewServer(withReportArchive(cfg, (&schedule.Scheduler{Location: loc}).Handler(nil), log))
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, c := range []struct {
		method, path string
		code         int
		body         string // contained
	}{
		{"GET", "/healthz", 200, "ok\n"},
		{"POST", "/healthz", 405, ""},
		{"GET", "/runs", 200, "[]"},
		{"GET", "/reports/", 200, "<h1>太原市“一村（社区）一名研究生”工作月报</h1>"},
		{"GET", "/reports/2022-07/report.html", 200, string(page)},
		{"GET", "/reports", http.StatusTemporaryRedirect, ""}, // the ServeMux's redirect to the folder
		{"GET", "/reports/2022-08/report.html", 404, "没有2022年8月的这份月报"},
		{"POST", "/reports/2022-07/report.html", 405, "只接受 GET 和 HEAD"},
		{"GET", "/nothing", 404, ""},
	} {
		req, err := http.NewRequest(c.method, srv.URL+c.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != c.code || !bytes.Contains(body, []byte(c.body)) {
			t.Errorf("%s %s: %d, want %d with %q:\n%s", c.method, c.path, resp.StatusCode, c.code, c.body, body)
		}
		if c.code == http.StatusTemporaryRedirect && resp.Header.Get("Location") != "/reports/" {
			t.Errorf("%s %s: Location %q", c.method, c.path, resp.Header.Get("Location"))
		}
	}
}

// TestServeReportsPage: the daemon's status endpoint lists the report its
// start-up catch-up wrote (last month's: the report job never ran) on
// /reports/, and serves its page and workbook.
func TestServeReportsPage(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler on the demo city; skipped with -short")
	}
	_, cfg := demoCity(t, nil)
	cfg.Reports.Formats, cfg.Reports.DefaultFormats = []string{"html", "xlsx"}, false // no Chromium needed
	p := serveInProcess(t, cfg)
	index := p.get(t, "/reports/")
	if !strings.Contains(index, "尚无月报") {
		t.Errorf("/reports/ before any report:\n%s", index)
	}
	p.waitFor(t, 1, 180*time.Second, "reports written", func(l map[string]any) bool { return l["msg"] == "report written" })
	now := time.Now().In(cfg.Location)
	last := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, cfg.Location).AddDate(0, 0, -1) // the last day of last month
	period := last.Format("2006-01")
	label := last.Format("2006") + "年" + strings.TrimPrefix(last.Format("01"), "0") + "月"
	index = p.get(t, "/reports/")
	for _, want := range []string{`<a href="` + period + `/report.html">` + label + `</a>`, `href="` + period + `/report.xlsx"`, "共 1 期"} {
		if !strings.Contains(index, want) {
			t.Errorf("/reports/ lacks %s:\n%s", want, index)
		}
	}
	if page := p.get(t, "/reports/"+period+"/report.html"); !strings.Contains(page, "太原市“一村（社区）一名研究生”工作月报 "+label) {
		t.Errorf("the report page lacks its title:\n%.500s", page)
	}
	if book := p.get(t, "/reports/"+period+"/report.xlsx"); !strings.HasPrefix(book, "PK\x03\x04") {
		t.Errorf("the workbook is %.20q", book)
	}
}
