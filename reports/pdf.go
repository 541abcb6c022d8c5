package reports

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Options are the settings of Write that do not come from the report's
// data.
type Options struct {
	// Now is the clock of generation (nil: time.Now). It stamps only the
	// PDF's metadata (CreationDate, ModDate): the period, not the day of
	// generation, decides every figure and word of the report.
	Now func() time.Time
	// Chromium is the browser that prints the PDF; "" finds it (see
	// FindChromium).
	Chromium string
}

// now returns the time of the options' clock.
func (o Options) now() time.Time {
	if o.Now == nil {
		return time.Now()
	}
	return o.Now()
}

// ChromiumEnv names the environment variable that points at the browser
// that prints the PDF.
const ChromiumEnv = "GRASSROOTS_CHROMIUM"

// ErrNoChromium is returned when the PDF is asked for and no Chromium is
// installed; the message names the packages to install.
var ErrNoChromium = errors.New("reports: pdf: Chromium is not installed (install it with `apt-get install chromium fonts-noto-cjk`, or set " + ChromiumEnv + " to the browser)")

// FindChromium returns the browser that prints the PDF: $GRASSROOTS_CHROMIUM
// when set, else /usr/bin/chromium, else chromium or chromium-browser on
// the PATH; ErrNoChromium when there is none.
func FindChromium() (string, error) {
	if p := os.Getenv(ChromiumEnv); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%w: %s=%s: %v", ErrNoChromium, ChromiumEnv, p, err)
		}
		return p, nil
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium", nil
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// pdfTimeout bounds one PDF: starting the browser, drawing the charts and
// printing.
const pdfTimeout = 2 * time.Minute

// RenderPDF prints the report's HTML page (as RenderHTML writes it) to w as
// an A4 PDF through headless Chromium, driven by chromedp: the page is
// loaded from a temporary file, its charts are drawn, the print style sheet
// is applied (charts at the printed width, page numbers 第 N 页 共 M 页 in
// the page's bottom margin) and the page is printed. The PDF's creation
// and modification dates are set to opts.Now; nothing else in it depends
// on the clock.
func RenderPDF(ctx context.Context, w io.Writer, page []byte, opts Options) error {
	bin := opts.Chromium
	if bin == "" {
		var err error
		if bin, err = FindChromium(); err != nil {
			return err
		}
	}
	dir, err := os.MkdirTemp("", "grassroots-pdf-")
	if err != nil {
		return fmt.Errorf("reports: pdf: %w", err)
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "report.html")
	if err := os.WriteFile(file, page, 0o600); err != nil {
		return fmt.Errorf("reports: pdf: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, pdfTimeout)
	defer cancel()
	bctx, stop := NewChromium(ctx, bin, filepath.Join(dir, "profile"))
	defer stop()
	pdf, err := PrintPage(bctx, (&url.URL{Scheme: "file", Path: file}).String())
	if err != nil {
		return fmt.Errorf("reports: pdf: %s: %w", bin, err)
	}
	if _, err := w.Write(StampPDF(stableNodeIDs(pdf), opts.now())); err != nil {
		return fmt.Errorf("reports: pdf: write: %w", err)
	}
	return nil
}

// NewChromium returns a chromedp context of a new headless Chromium (bin)
// with its profile in profile, and the function that closes it. The
// browser fetches nothing on its own; opts are given to the tab's context.
func NewChromium(ctx context.Context, bin, profile string, opts ...chromedp.ContextOption) (context.Context, context.CancelFunc) {
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.UserDataDir(profile),
		// The page is the report this program wrote; the sandbox needs
		// user namespaces that containers and root do not have.
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(1240, 1754),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, flags...)
	bctx, cancelBrowser := chromedp.NewContext(actx, opts...)
	return bctx, func() {
		cancelBrowser()
		cancelAlloc()
	}
}

// PrintPage loads the report at pageURL in the browser of ctx, waits for
// its charts, switches to print media (the page's script then draws the
// charts at the printed width) and prints it on A4 with the page's own
// @page rules (margins, page numbers) and backgrounds. It returns the PDF.
func PrintPage(ctx context.Context, pageURL string) ([]byte, error) {
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		return nil, fmt.Errorf("load the report: %w", err)
	}
	if err := WaitCharts(ctx); err != nil {
		return nil, err
	}
	if err := EmulateMedia(ctx, "print"); err != nil {
		return nil, err
	}
	// The page's script marks the body once the charts have their printed size.
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body.dataset.printing === "1"`,
		chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		return nil, fmt.Errorf("charts at the printed width: %w", err)
	}
	pdf, err := chromedp.Run(ctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(chromedp.PaperA4),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
	))
	if err != nil {
		return nil, fmt.Errorf("print: %w", err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		return nil, errors.New("print: the browser returned no PDF")
	}
	return pdf, nil
}

// WaitCharts waits until the report's script has drawn its charts (it sets
// body[data-charts-ready] to their number).
func WaitCharts(ctx context.Context) error {
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`document.body && document.body.dataset.chartsReady !== undefined`,
		chromedp.WithPollingTimeout(30*time.Second))); err != nil {
		return fmt.Errorf("charts not drawn: %w", err)
	}
	return nil
}

// EmulateMedia sets the CSS media type of the page of ctx ("print", or ""
// for the screen).
func EmulateMedia(ctx context.Context, media string) error {
	err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: media})
		return err
	}))
	if err != nil {
		return fmt.Errorf("media %q: %w", media, err)
	}
	return nil
}

// pdfNodeID matches the identifier Chromium gives a structure element of a
// tagged PDF (a table header, which the cells name): the page's DOM node
// number, eight digits.
var pdfNodeID = regexp.MustCompile(`\(node(\d{8})\)`)

// stableNodeIDs renumbers the structure elements' identifiers of pdf by
// their rank: the DOM's node numbers shift from one load of the same page
// to the next (by the nodes the browser happens to create first), while
// their order, the document's, does not. Each identifier keeps its eight
// digits, so the file's offsets and the sorted ID tree stay right.
func stableNodeIDs(pdf []byte) []byte {
	var ids []string
	for _, m := range pdfNodeID.FindAllSubmatch(pdf, -1) {
		ids = append(ids, string(m[1]))
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rank := make(map[string]int, len(ids))
	for i, id := range ids {
		rank[id] = i + 1
	}
	return pdfNodeID.ReplaceAllFunc(pdf, func(m []byte) []byte {
		return fmt.Appendf(nil, "(node%08d)", rank[string(m[5:13])])
	})
}

// pdfDate matches a date of the PDF's document information dictionary as
// Chromium writes it: /CreationDate (D:20260105080000+00'00').
var pdfDate = regexp.MustCompile(`/(CreationDate|ModDate) \(D:\d{14}([+-]\d\d'\d\d'|Z)?\)`)

// StampPDF returns pdf with its creation and modification dates set to t
// (in UTC). The new date has the length of the old one, so the file's
// cross-reference offsets stay right.
func StampPDF(pdf []byte, t time.Time) []byte {
	return pdfDate.ReplaceAllFunc(pdf, func(m []byte) []byte {
		sub := pdfDate.FindSubmatch(m)
		tz := "+00'00'"
		switch string(sub[2]) {
		case "Z":
			tz = "Z"
		case "":
			tz = ""
		}
		return fmt.Appendf(nil, "/%s (D:%s%s)", sub[1], t.UTC().Format("20060102150405"), tz)
	})
}
