package reports

import (
	"bytes"
	"context"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"
)

// TestChromiumOpensArchive writes two months with the report writer (July
// in every format, June without the PDF), serves the folder with the
// archive on 127.0.0.1, and drives headless Chromium: /reports/ lists both
// months by their Chinese names, newest first, its style sheet applies
// under its policy, the July link leads to the report, whose charts are
// drawn under the policy the archive sends with it and whose headline
// shows; the PDF and the workbook it links to are a real PDF and a real
// workbook. Screenshots of both pages are saved in the test's temporary
// folder.
func TestChromiumOpensArchive(t *testing.T) {
	bin := browserOrSkip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "reports")
	july := sampleReport()
	files, err := WriteWith(ctx, dir, july, []string{FormatHTML, FormatXLSX, FormatPDF}, Options{Chromium: bin})
	if err != nil || len(files) != 3 {
		t.Fatalf("July: %v, files %q", err, files)
	}
	june := sampleReport()
	june.Period, june.AsOf, june.PrevAsOf, june.YearAgoAsOf = "2022-06", "2022-06-30", "2022-05-31", "2021-06-30"
	if files, err := WriteWith(ctx, dir, june, []string{FormatHTML, FormatXLSX}, Options{Chromium: bin}); err != nil || len(files) != 2 {
		t.Fatalf("June: %v, files %q", err, files)
	}

	mux := http.NewServeMux()
	mux.Handle(ArchivePath, &Archive{Dir: dir, City: "太原市"})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	if !strings.HasPrefix(srv.URL, "http://127.0.0.1:") {
		t.Fatalf("the server listens on %s", srv.URL)
	}

	b := openBrowser(t, bin)
	resp, err := chromedp.RunResponse(b.ctx, chromedp.EmulateViewport(1240, 1000), chromedp.Navigate(srv.URL+ArchivePath))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 {
		t.Fatalf("/reports/: status %d", resp.Status)
	}
	if got := eval[string](t, b, `document.title`); got != "太原市“一村（社区）一名研究生”工作月报" {
		t.Errorf("title %q", got)
	}
	// The heading has the accent colour of the style sheet (#b5121b): the
	// policy let it apply.
	if got := eval[string](t, b, `getComputedStyle(document.querySelector('h1')).color`); got != "rgb(181, 18, 27)" {
		t.Errorf("h1 colour %q: the style sheet did not apply", got)
	}
	type link struct {
		Text string `json:"text"`
		Href string `json:"href"`
		Aria string `json:"aria"`
	}
	links := eval[[]link](t, b, `Array.from(document.querySelectorAll('a')).map(function (a) {
		return {text: a.textContent.trim(), href: a.href, aria: a.getAttribute('aria-label') || ''};
	})`)
	var months []string
	byAria := map[string]string{}
	for _, l := range links {
		if regexp.MustCompile(`^[0-9]{4}年[0-9]{1,2}月$`).MatchString(l.Text) {
			months = append(months, l.Text)
		}
		if l.Aria != "" {
			byAria[l.Aria] = l.Href
		}
	}
	if !slices.Equal(months, []string{"2022年7月", "2022年6月"}) {
		t.Errorf("month links %q, want 2022年7月 then 2022年6月", months)
	}
	base := srv.URL + ArchivePath
	for aria, want := range map[string]string{
		"2022年7月 网页版": base + "2022-07/report.html", "2022年7月 PDF": base + "2022-07/report.pdf",
		"2022年7月 Excel": base + "2022-07/report.xlsx", "2022年6月 网页版": base + "2022-06/report.html",
		"2022年6月 Excel": base + "2022-06/report.xlsx",
	} {
		if byAria[aria] != want {
			t.Errorf("link %s: %q, want %q", aria, byAria[aria], want)
		}
	}
	if _, ok := byAria["2022年6月 PDF"]; ok {
		t.Error("June links a PDF it does not have")
	}
	saveScreenshot(t, b, "index.png")

	// Follow the July link as a reader would.
	resp, err = chromedp.RunResponse(b.ctx, chromedp.Click(chromedp.Search(`//a[normalize-space(.)="2022年7月"]`)))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 200 || resp.URL != base+"2022-07/report.html" {
		t.Fatalf("the July link led to %s (status %d)", resp.URL, resp.Status)
	}
	if err := WaitCharts(b.ctx); err != nil {
		t.Fatal(err)
	}
	const wantCharts = 5 // sampleReport's: coverage, regions, survival, exits, quota
	if got := eval[string](t, b, `document.body.dataset.chartsReady`); got != "5" {
		t.Errorf("body[data-charts-ready] = %q, want %d", got, wantCharts)
	}
	svgs := eval[[]int](t, b, `Array.from(document.querySelectorAll('.chart')).map(function (el) { return el.querySelectorAll('svg path').length; })`)
	if len(svgs) != wantCharts || slices.ContainsFunc(svgs, func(n int) bool { return n < 3 }) {
		t.Errorf("paths per chart %v, want %d charts drawn", svgs, wantCharts)
	}
	if got := eval[string](t, b, `document.querySelector('h1').textContent`); got != "太原市“一村（社区）一名研究生”工作月报 2022年7月" {
		t.Errorf("h1 %q", got)
	}
	// sampleReport: 1,130 of 1,395 villages covered = 81.0%.
	text := eval[string](t, b, `document.body.innerText`)
	for _, want := range []string{"81.0%", "1,395", "1,130"} {
		if !strings.Contains(text, want) {
			t.Errorf("the report's text lacks %q", want)
		}
	}
	saveScreenshot(t, b, "report.png")

	// Nothing failed or was fetched but the archive's own pages.
	for _, p := range b.errors() {
		if !strings.HasPrefix(p, "request to "+base) {
			t.Errorf("browser: %s", p)
		}
	}

	// The other formats the index links to are what the writer wrote.
	pdf := fetch(t, byAria["2022年7月 PDF"], "application/pdf")
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("the PDF link gives %.20q", pdf)
	}
	book := fetch(t, byAria["2022年6月 Excel"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	f, err := excelize.OpenReader(bytes.NewReader(book))
	if err != nil {
		t.Fatalf("the workbook link: %v", err)
	}
	defer f.Close()
	if sheets := f.GetSheetList(); len(sheets) < 3 {
		t.Errorf("the workbook has sheets %q", sheets)
	}
}

// fetch GETs url and returns its body, failing unless it is a 200 of the
// content type.
func fetch(t *testing.T, url, contentType string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != contentType {
		t.Fatalf("%s: %d %s", url, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return body
}

// saveScreenshot saves the page's first screen in the test's temporary
// folder and fails if it is blank.
func saveScreenshot(t *testing.T, b *browserPage, name string) {
	t.Helper()
	shot, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(shot))
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", name, err)
	}
	if n := distinctColours(img); n < 50 {
		t.Errorf("%s has %d distinct colours: a blank page", name, n)
	}
	t.Logf("screenshot: %s", path)
}
