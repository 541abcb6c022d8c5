package reports

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"math"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// The printable area of an A4 page with the report's 15 mm margins, in CSS
// pixels (96 per inch): 180 mm × 267 mm.
const (
	printWidthPx  = 680
	printHeightPx = 1009
)

// browserOrSkip returns the Chromium the PDF is printed with, or skips the
// test with a clear message where there is none and $CI is unset (in CI a
// missing browser fails: .ci/run installs it).
func browserOrSkip(t *testing.T) string {
	t.Helper()
	bin, err := FindChromium()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and Chromium is missing: %v", err)
		}
		t.Skipf("skipping the browser test: %v", err)
	}
	return bin
}

// toolOrSkip returns the path of a poppler tool (pdftotext, pdfinfo,
// pdftoppm), or skips as browserOrSkip does.
func toolOrSkip(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set and %s is missing (apt-get install poppler-utils)", name)
		}
		t.Skipf("skipping: %s is not installed (apt-get install poppler-utils)", name)
	}
	return p
}

// browserPage is a headless Chromium tab driven through chromedp, with what
// the page logged, threw or fetched.
type browserPage struct {
	ctx      context.Context
	mu       sync.Mutex
	problems []string
}

// openBrowser starts Chromium with a profile in a temporary folder; the
// browser is closed when the test ends.
func openBrowser(t *testing.T, bin string) *browserPage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	b := &browserPage{}
	bctx, stop := NewChromium(ctx, bin, filepath.Join(t.TempDir(), "profile"), chromedp.WithListener(b.listen))
	t.Cleanup(stop)
	b.ctx = bctx
	return b
}

// listen keeps the page's errors and its requests to anything but the file
// itself.
func (b *browserPage) listen(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		p = "uncaught exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil {
			p += " " + ev.ExceptionDetails.Exception.Description
		}
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			p = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			p = fmt.Sprintf("browser error (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	case *network.EventRequestWillBeSent:
		if u := ev.Request.URL; !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
			p = "request to " + u
		}
	}
	if p != "" {
		b.mu.Lock()
		b.problems = append(b.problems, p)
		b.mu.Unlock()
	}
}

func (b *browserPage) errors() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.problems)
}

// do runs actions, failing the test on an error.
func (b *browserPage) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, actions...); err != nil {
		t.Fatal(err)
	}
}

// eval evaluates the script in the page into out.
func eval[T any](t *testing.T, b *browserPage, script string) T {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[T](script))
	if err != nil {
		t.Fatalf("evaluate %.80q: %v", script, err)
	}
	return v
}

// writeSamplePage renders sampleReport to report.html in a temporary folder
// and returns its file URL and the page.
func writeSamplePage(t *testing.T) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderHTML(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return (&url.URL{Scheme: "file", Path: page}).String(), buf.Bytes()
}

// TestChromiumRendersReport opens the rendered report in headless Chromium,
// driven by chromedp: every chart is drawn as SVG, nothing is fetched from
// the network, nothing is logged as an error, the page prints to PDF on
// several A4 pages, and a screenshot of the first screen is saved (to
// $GRASSROOTS_SCREENSHOT when set) and is not blank.
func TestChromiumRendersReport(t *testing.T) {
	bin := browserOrSkip(t)
	fileURL, page := writeSamplePage(t)
	wantCharts := len(regexp.MustCompile(`<div class="chart" `).FindAll(page, -1))
	if wantCharts != 5 {
		t.Fatalf("the sample report has %d chart elements, want 5", wantCharts)
	}
	b := openBrowser(t, bin)
	b.do(t, chromedp.EmulateViewport(1240, 1754), chromedp.Navigate(fileURL))
	if err := WaitCharts(b.ctx); err != nil {
		t.Fatal(err)
	}
	if ready := eval[string](t, b, `document.body.dataset.chartsReady`); ready != fmt.Sprint(wantCharts) {
		t.Errorf("body[data-charts-ready] = %q, want %d", ready, wantCharts)
	}

	charts := eval[[]struct {
		Name   string  `json:"name"`
		SVGs   int     `json:"svgs"`
		Paths  int     `json:"paths"`
		Texts  string  `json:"texts"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	}](t, b, `Array.from(document.querySelectorAll('.chart')).map(function (el) {
		var r = el.getBoundingClientRect();
		return {name: el.dataset.chart, svgs: el.querySelectorAll('svg').length,
			paths: el.querySelectorAll('svg path').length,
			texts: Array.from(el.querySelectorAll('svg text')).map(function (t) { return t.textContent; }).join('|'),
			width: r.width, height: r.height};
	})`)
	if len(charts) != wantCharts {
		t.Fatalf("found %d charts in the DOM, want %d", len(charts), wantCharts)
	}
	// A label each chart must show once drawn.
	wantText := map[string]string{
		"coverage": "95.2%",
		"regions":  "偏远地区",
		"survival": "到岗后月数",
		"exits":    "考录公务员",
		"quota":    "在岗：县级周转池",
	}
	for _, c := range charts {
		if c.SVGs != 1 || c.Paths < 3 {
			t.Errorf("chart %s: %d svg elements with %d paths, want one SVG with its drawing", c.Name, c.SVGs, c.Paths)
		}
		if c.Width < 300 || c.Height < 200 {
			t.Errorf("chart %s is %.0f×%.0f px", c.Name, c.Width, c.Height)
		}
		if w := wantText[c.Name]; !strings.Contains(c.Texts, w) {
			t.Errorf("chart %s shows %q, want it to contain %q", c.Name, c.Texts, w)
		}
	}

	if !eval[bool](t, b, `document.fonts.check('16px "Noto Sans CJK SC"') || document.fonts.check('16px "WenQuanYi Micro Hei"')`) {
		t.Log("no CJK font found (install fonts-noto-cjk): Chinese text in the screenshot may not render")
	}

	pngBytes, err := chromedp.Run(b.ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	shotPath := os.Getenv("GRASSROOTS_SCREENSHOT")
	if shotPath == "" {
		shotPath = filepath.Join(t.TempDir(), "report.png")
	}
	if err := os.WriteFile(shotPath, pngBytes, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the first screen: %s", shotPath)
	img, err := png.Decode(bytes.NewReader(pngBytes))
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1240 || b.Dy() != 1754 {
		t.Errorf("screenshot is %d×%d, want 1240×1754", b.Dx(), b.Dy())
	}
	if n := distinctColours(img); n < 200 {
		t.Errorf("screenshot has %d distinct colours: blank or unstyled page", n)
	}

	// In print media the charts take the width of an A4 page less its margins.
	if err := EmulateMedia(b.ctx, "print"); err != nil {
		t.Fatal(err)
	}
	const chartWidths = `Array.from(document.querySelectorAll('.chart svg')).map(function (s) { return Math.round(s.getBoundingClientRect().width); })`
	// The media query's change event comes with the next rendering update.
	var printWidths []float64
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(50 * time.Millisecond) {
		printWidths = eval[[]float64](t, b, chartWidths)
		if !slices.ContainsFunc(printWidths, func(w float64) bool { return w != printWidthPx }) {
			break
		}
	}
	for i, w := range printWidths {
		if w != printWidthPx {
			t.Errorf("in print media chart %d is %.0f px wide, want %d", i, w, printWidthPx)
		}
	}
	if err := EmulateMedia(b.ctx, ""); err != nil {
		t.Fatal(err)
	}

	// Printing: the print style sheet puts the sections on their own A4 pages.
	pdf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("printToPDF did not return a PDF")
	}
	if pages := pdfPageObjects(pdf); pages < 7 {
		t.Errorf("the printed report has %d pages, want at least 7 (sections starting on new pages)", pages)
	}
	// After printing the charts are drawn at the screen width again.
	var width float64
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(50 * time.Millisecond) {
		if width = eval[float64](t, b, `document.querySelector('.chart[data-chart="coverage"] svg').getBoundingClientRect().width`); width >= 900 {
			break
		}
	}
	if width < 900 {
		t.Errorf("after printing the coverage chart is %.0f px wide, want the screen width back", width)
	}
	for _, e := range b.errors() {
		t.Error(e)
	}
}

// pdfPageObjects counts the page objects of a PDF as Chromium writes it.
func pdfPageObjects(pdf []byte) int {
	return len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdf, -1))
}

// printLayout is what the print measurement script returns: the charts'
// boxes and their drawings' boxes, the tables' widths and the headers
// broken inside a word.
type printLayout struct {
	Charts []struct {
		Name           string  `json:"name"`
		Left           float64 `json:"left"`
		Right          float64 `json:"right"`
		InkLeft        float64 `json:"inkLeft"`
		InkRight       float64 `json:"inkRight"`
		SVGWidth       float64 `json:"svgWidth"`
		ContainerWidth float64 `json:"containerWidth"`
	} `json:"charts"`
	Tables []struct {
		ID           string  `json:"id"`
		ScrollWidth  float64 `json:"scrollWidth"`
		ClientWidth  float64 `json:"clientWidth"`
		Right        float64 `json:"right"`
		ParentScroll float64 `json:"parentScroll"`
		ParentClient float64 `json:"parentClient"`
	} `json:"tables"`
	BrokenHeads []string `json:"brokenHeads"`
	Heads       int      `json:"heads"`
}

// measurePrint measures the page as laid out in print media at the
// printable width: each chart's SVG and everything drawn in it, each table,
// and each header's lines (from Range rectangles, one per character: a
// line may end only at a space or punctuation, never between two letters,
// digits or Chinese characters).
const measurePrint = `(function () {
	function ink(svg) {
		var l = Infinity, r = -Infinity;
		svg.querySelectorAll('text, path, rect, circle, line, polyline').forEach(function (e) {
			var b = e.getBoundingClientRect();
			if (b.width === 0 && b.height === 0) { return; }
			l = Math.min(l, b.left); r = Math.max(r, b.right);
		});
		return [l, r];
	}
	var out = {charts: [], tables: [], brokenHeads: [], heads: 0};
	document.querySelectorAll('.chart').forEach(function (el) {
		var svg = el.querySelector('svg');
		var b = svg.getBoundingClientRect();
		var k = ink(svg);
		out.charts.push({name: el.dataset.chart, left: b.left, right: b.right, inkLeft: k[0], inkRight: k[1],
			svgWidth: b.width, containerWidth: el.getBoundingClientRect().width});
	});
	document.querySelectorAll('table').forEach(function (t) {
		var p = t.parentElement;
		out.tables.push({id: t.id, scrollWidth: t.scrollWidth, clientWidth: t.clientWidth, right: t.getBoundingClientRect().right,
			parentScroll: p.scrollWidth, parentClient: p.clientWidth});
	});
	var word = /[\p{L}\p{N}]/u;
	document.querySelectorAll('th').forEach(function (th) {
		out.heads++;
		var chars = [];
		var walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
		for (var n = walker.nextNode(); n; n = walker.nextNode()) {
			for (var i = 0; i < n.data.length; i++) {
				var r = document.createRange();
				r.setStart(n, i); r.setEnd(n, i + 1);
				var rects = r.getClientRects();
				if (rects.length) { chars.push({c: n.data[i], top: rects[0].top}); }
			}
		}
		for (var j = 1; j < chars.length; j++) {
			if (chars[j].top > chars[j - 1].top + 2 && word.test(chars[j - 1].c) && word.test(chars[j].c)) {
				out.brokenHeads.push(th.textContent.slice(0, 40) + ' (' + chars[j - 1].c + '/' + chars[j].c + ')');
			}
		}
	});
	return out;
})()`

// beforePrintInk sends beforeprint and, in the same task, measures each
// chart's SVG width and the right edge of its drawing from the SVG's left;
// then it sends afterprint.
const beforePrintInk = `(function () {
	window.dispatchEvent(new Event('beforeprint'));
	var out = Array.from(document.querySelectorAll('.chart svg')).map(function (svg) {
		var s = svg.getBoundingClientRect(), r = -Infinity;
		svg.querySelectorAll('text, path, rect').forEach(function (e) {
			var b = e.getBoundingClientRect();
			if (b.width || b.height) { r = Math.max(r, b.right); }
		});
		return {name: svg.closest('.chart').dataset.chart, width: s.width, inkRight: r - s.left};
	});
	window.dispatchEvent(new Event('afterprint'));
	return out;
})()`

// TestChromiumPrintLayout prints the report from windows 800, 1,240 and
// 1,920 px wide: in print media at the printable width of A4 (the width
// the page is laid out at on paper) every chart's SVG and everything drawn
// in it lies inside the printable area, no table is wider than its box or
// the page, and no header breaks inside a word; then the page printed to
// PDF from that window has every word inside the page's margins.
func TestChromiumPrintLayout(t *testing.T) {
	bin := browserOrSkip(t)
	pdftotext := toolOrSkip(t, "pdftotext")
	fileURL, _ := writeSamplePage(t)
	b := openBrowser(t, bin)
	for _, w := range []int64{800, 1240, 1920} {
		t.Run(fmt.Sprintf("window %d", w), func(t *testing.T) {
			b.do(t, chromedp.EmulateViewport(w, 1000), chromedp.Navigate(fileURL))
			if err := WaitCharts(b.ctx); err != nil {
				t.Fatal(err)
			}
			// Charts drawn at the window's width, then printed.
			if got := eval[float64](t, b, `document.querySelector('.chart svg').getBoundingClientRect().width`); got <= printWidthPx && w > 1000 {
				t.Fatalf("on screen the first chart is %.0f px wide: the window's width is not used", got)
			}
			// On screen too, headers break only between words.
			for _, h := range eval[printLayout](t, b, measurePrint).BrokenHeads {
				t.Errorf("on screen, header broken inside a word: %s", h)
			}
			// The browser lays the page out for paper right after beforeprint,
			// with no animation frame between: the charts must be drawn at the
			// printed width by then, not only sized.
			for _, c := range eval[[]struct {
				Name     string  `json:"name"`
				Width    float64 `json:"width"`
				InkRight float64 `json:"inkRight"`
			}](t, b, beforePrintInk) {
				if c.Width > printWidthPx+1 || c.InkRight > printWidthPx+1 {
					t.Errorf("chart %s at beforeprint: SVG %.0f px wide, drawn to %.0f px; want both within %d", c.Name, c.Width, c.InkRight, printWidthPx)
				}
			}
			if err := EmulateMedia(b.ctx, "print"); err != nil {
				t.Fatal(err)
			}
			b.do(t, chromedp.EmulateViewport(printWidthPx, printHeightPx))
			if _, err := chromedp.Run(b.ctx, chromedp.Poll[bool](`document.body.dataset.printing === "1"`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
				t.Fatalf("the charts were not redrawn for print: %v", err)
			}
			l := eval[printLayout](t, b, measurePrint)
			checkPrintLayout(t, l)
			// Each of the region chart's three groups is labelled on paper.
			texts := eval[string](t, b, `Array.from(document.querySelectorAll('.chart[data-chart="regions"] svg text')).map(function (t) { return t.textContent; }).join('|')`)
			for _, want := range []string{"覆盖率（%）", "12个月留任率（%）", "每百村（社区）", "在岗研究生（人）"} {
				if !strings.Contains(texts, want) {
					t.Errorf("the printed region chart lacks the label %q: %s", want, texts)
				}
			}

			// Back to the window, then printed as the browser's print does.
			if err := EmulateMedia(b.ctx, ""); err != nil {
				t.Fatal(err)
			}
			b.do(t, chromedp.EmulateViewport(w, 1000))
			pdf, err := chromedp.Run(b.ctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
			if err != nil {
				t.Fatal(err)
			}
			pages := pdfText(t, pdftotext, pdf)
			checkWordsInside(t, pages)
		})
	}
	for _, e := range b.errors() {
		t.Error(e)
	}
}

// checkPrintLayout fails for a chart, table or header that does not fit
// the printed page.
func checkPrintLayout(t *testing.T, l printLayout) {
	t.Helper()
	const eps = 1.0
	if len(l.Charts) != 5 || len(l.Tables) < 10 || l.Heads < 40 {
		t.Fatalf("measured %d charts, %d tables, %d headers: the page is not the sample report", len(l.Charts), len(l.Tables), l.Heads)
	}
	for _, c := range l.Charts {
		if c.Left < -eps || c.Right > printWidthPx+eps || c.SVGWidth > c.ContainerWidth+eps {
			t.Errorf("chart %s: SVG from %.0f to %.0f px (%.0f wide in a %.0f px box), want inside 0–%d", c.Name, c.Left, c.Right, c.SVGWidth, c.ContainerWidth, printWidthPx)
		}
		if math.IsInf(c.InkLeft, 0) || c.InkLeft < -eps || c.InkRight > math.Min(c.Right, printWidthPx)+eps {
			t.Errorf("chart %s: drawn from %.0f to %.0f px, want inside its SVG and 0–%d", c.Name, c.InkLeft, c.InkRight, printWidthPx)
		}
	}
	for _, tb := range l.Tables {
		if tb.ScrollWidth > tb.ClientWidth+eps || tb.Right > printWidthPx+eps || tb.ParentScroll > tb.ParentClient+eps {
			t.Errorf("table %s: %.0f px of content in %.0f px, right edge at %.0f px (page %d px)", tb.ID, tb.ScrollWidth, tb.ClientWidth, tb.Right, printWidthPx)
		}
	}
	for _, h := range l.BrokenHeads {
		t.Errorf("header broken inside a word: %s", h)
	}
}

// pdfWord is one word of pdftotext -bbox, in points from the page's top left.
type pdfWord struct {
	XMin float64 `xml:"xMin,attr"`
	YMin float64 `xml:"yMin,attr"`
	XMax float64 `xml:"xMax,attr"`
	YMax float64 `xml:"yMax,attr"`
	Text string  `xml:",chardata"`
}

// pdfPage is one page of pdftotext -bbox.
type pdfPage struct {
	Width  float64   `xml:"width,attr"`
	Height float64   `xml:"height,attr"`
	Words  []pdfWord `xml:"word"`
}

// pdfText returns the pages of pdf and their words as pdftotext -bbox
// reads them.
func pdfText(t *testing.T, pdftotext string, pdf []byte) []pdfPage {
	t.Helper()
	file := filepath.Join(t.TempDir(), "report.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(pdftotext, "-bbox", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	var doc struct {
		Pages []pdfPage `xml:"body>doc>page"`
	}
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false
	dec.AutoClose = xml.HTMLAutoClose
	dec.Entity = xml.HTMLEntity
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("pdftotext -bbox output: %v", err)
	}
	if len(doc.Pages) == 0 {
		t.Fatal("pdftotext found no page")
	}
	return doc.Pages
}

// The A4 margin of the report, in points.
const marginPt = 15 / 25.4 * 72

// checkWordsInside fails for a word that lies outside the page's left and
// right margins: a chart or table cut by the page's edge.
func checkWordsInside(t *testing.T, pages []pdfPage) {
	t.Helper()
	const tol = 2.0
	for i, p := range pages {
		for _, w := range p.Words {
			if w.XMin < marginPt-tol || w.XMax > p.Width-marginPt+tol {
				t.Errorf("page %d: %q at x %.0f–%.0f pt, outside the printable %.0f–%.0f pt", i+1, w.Text, w.XMin, w.XMax, marginPt, p.Width-marginPt)
			}
		}
	}
}

// TestPDFOfReport prints the sample report to PDF as Write does and reads
// it back: pdftotext finds the title, the headline figures and on every
// page 第 N 页 共 M 页 with M the page count of pdfinfo and of the PDF's own
// page objects; no page but the last is left more than half empty unless
// the next begins a new section (a chart is never pushed to the next page
// leaving half a page blank).
func TestPDFOfReport(t *testing.T) {
	browserOrSkip(t)
	pdftotext := toolOrSkip(t, "pdftotext")
	pdfinfo := toolOrSkip(t, "pdfinfo")
	d := sampleReport()
	out := t.TempDir()
	files, err := WriteWith(context.Background(), out, d, []string{FormatPDF}, Options{Now: fixedClock(2022, 8, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{filepath.Join(out, "2022-07", "report.pdf")}; !slices.Equal(files, want) {
		t.Fatalf("files %q, want %q", files, want)
	}
	pdf, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	info, err := exec.Command(pdfinfo, files[0]).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)$`).FindSubmatch(info)
	if m == nil {
		t.Fatalf("pdfinfo shows no page count:\n%s", info)
	}
	pages, _ := strconv.Atoi(string(m[1]))
	if own := pdfPageObjects(pdf); pages != own || pages < 7 {
		t.Errorf("pdfinfo counts %d pages, Chromium's PDF has %d page objects; want the same, at least 7", pages, own)
	}
	if !regexp.MustCompile(`(?m)^Page size:\s+59[45]\.\d+ x 841\.\d+ pts \(A4\)$`).Match(info) {
		t.Errorf("the PDF is not A4:\n%s", info)
	}
	if !bytes.Contains(info, []byte("CreationDate:    Mon Aug  1 00:00:00 2022 UTC")) {
		t.Errorf("the PDF's creation date is not the injected clock's:\n%s", info)
	}

	text := pdfPlainText(t, pdftotext, files[0])
	flat := strings.Join(strings.Fields(text), "")
	// The title, and the headline figures of sampleReport: 1,395 villages,
	// 1,130 covered (81.0%), 1,145 graduates in post, 72 in the committees,
	// 43 party secretaries.
	for _, want := range []string{"太原市“一村（社区）一名研究生”工作月报", "数据截至2022年7月31日",
		"1,395", "1,130", "81.0%", "1,145", "72", "43"} {
		if !strings.Contains(flat, want) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
	for n := 1; n <= pages; n++ {
		if want := fmt.Sprintf("第%d页共%d页", n, pages); !strings.Contains(flat, want) {
			t.Errorf("the PDF's text lacks the page number %q", want)
		}
	}
	checkNoHalfEmptyPage(t, pdfText(t, pdftotext, pdf), d)
}

// pdfPlainText is pdftotext's text of the file.
func pdfPlainText(t *testing.T, pdftotext, file string) string {
	t.Helper()
	out, err := exec.Command(pdftotext, "-enc", "UTF-8", file, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}

// sectionHeads are the beginnings of the report's section headings (h2).
var sectionHeads = []string{"一、", "二、", "三、", "四、", "五、", "六、", "七、", "八、", "九、", "十、",
	"十一、", "十二、", "十三、", "十四、", "十五、", "十六、", "附录"}

// checkNoHalfEmptyPage fails for a page, not the last, whose content ends
// above its middle while the next page does not begin a section.
func checkNoHalfEmptyPage(t *testing.T, pages []pdfPage, d *ReportData) {
	t.Helper()
	for _, p := range halfEmptyPages(pages) {
		t.Errorf("%s's PDF: %s", d.Period, p)
	}
}

// halfEmptyPages describes each page, not the last, whose content (less
// the page number in the bottom margin) ends above the middle of the
// printable area while the next page does not begin a section.
func halfEmptyPages(pages []pdfPage) []string {
	var out []string
	for i := 0; i+1 < len(pages); i++ {
		p := pages[i]
		bottom := 0.0
		for _, w := range p.Words {
			if w.YMin < p.Height-marginPt {
				bottom = max(bottom, w.YMax)
			}
		}
		if bottom-marginPt >= (p.Height-2*marginPt)/2 {
			continue
		}
		first := firstLine(pages[i+1])
		if !slices.ContainsFunc(sectionHeads, func(h string) bool { return strings.HasPrefix(first, h) }) {
			out = append(out, fmt.Sprintf("page %d ends at %.0f of %.0f pt and page %d begins %q, not a new section", i+1, bottom, p.Height, i+2, first))
		}
	}
	return out
}

// TestHalfEmptyPages: a page whose text ends at a third of its height is
// reported when the next begins with a chart's legend, not when the next
// begins a section; a full page is not.
func TestHalfEmptyPages(t *testing.T) {
	page := func(bottom float64, first ...string) pdfPage {
		p := pdfPage{Width: 595, Height: 842}
		for i, w := range first {
			p.Words = append(p.Words, pdfWord{XMin: 50 + 40*float64(i), YMin: 50, XMax: 80 + 40*float64(i), YMax: 62, Text: w})
		}
		p.Words = append(p.Words, pdfWord{XMin: 50, YMin: bottom - 12, XMax: 90, YMax: bottom, Text: "末行"},
			pdfWord{XMin: 270, YMin: 815, XMax: 330, YMax: 827, Text: "第1页共3页"})
		return p
	}
	short, full := 280.0, 760.0
	if got := halfEmptyPages([]pdfPage{page(short, "二、覆盖情况"), page(full, "全市", "发达地区"), page(short, "x")}); len(got) != 1 || !strings.Contains(got[0], "page 1 ") {
		t.Errorf("a third of a page then a chart: %q, want page 1 reported", got)
	}
	if got := halfEmptyPages([]pdfPage{page(short, "二、覆盖情况"), page(short, "三、", "区域"), page(short, "四、留任")}); len(got) != 0 {
		t.Errorf("short pages before new sections: %q, want none", got)
	}
	if got := halfEmptyPages([]pdfPage{page(full, "一、"), page(full, "表"), page(short, "x")}); len(got) != 0 {
		t.Errorf("full pages: %q, want none", got)
	}
}

// firstLine is the text of the page's top line of words, without spaces.
func firstLine(p pdfPage) string {
	if len(p.Words) == 0 {
		return ""
	}
	words := slices.Clone(p.Words)
	slices.SortFunc(words, func(a, b pdfWord) int {
		if math.Abs(a.YMin-b.YMin) > 2 {
			return int(math.Copysign(1, a.YMin-b.YMin))
		}
		return int(math.Copysign(1, a.XMin-b.XMin))
	})
	var s strings.Builder
	for _, w := range words {
		if w.YMin > words[0].YMin+2 {
			break
		}
		s.WriteString(w.Text)
	}
	return s.String()
}

// fixedClock is a clock stopped at midnight UTC of the day.
func fixedClock(y int, m time.Month, d int) func() time.Time {
	return func() time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
}

func distinctColours(img image.Image) int {
	seen := map[[4]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 2 {
		for x := b.Min.X; x < b.Max.X; x += 2 {
			r, g, bl, a := img.At(x, y).RGBA()
			seen[[4]uint32{r, g, bl, a}] = true
			if len(seen) >= 10000 {
				return len(seen)
			}
		}
	}
	return len(seen)
}
