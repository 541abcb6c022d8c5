package reports

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestChromiumRendersReport opens the rendered report in headless Chromium,
// driven over the Chrome DevTools protocol (a minimal WebSocket client below,
// no dependency): every chart is drawn as SVG, nothing is fetched from the
// network, nothing is logged as an error, the page prints to PDF on several
// A4 pages, and a screenshot of the first screen is saved (to
// $GRASSROOTS_SCREENSHOT when set) and is not blank.
func TestChromiumRendersReport(t *testing.T) {
	bin := chromiumBinary()
	if bin == "" {
		t.Skip("chromium is not installed (/usr/bin/chromium; `apt-get install chromium fonts-noto-cjk`, as .ci/run does): skipping the browser test")
	}
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	var buf bytes.Buffer
	if err := RenderHTML(&buf, sampleReport()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(page, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	wantCharts := len(regexp.MustCompile(`<div class="chart" `).FindAll(buf.Bytes(), -1))
	if wantCharts != 5 {
		t.Fatalf("the sample report has %d chart elements, want 5", wantCharts)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cdp := startChromium(ctx, t, bin, filepath.Join(dir, "profile"))

	for _, m := range []string{"Runtime.enable", "Log.enable", "Network.enable", "Page.enable"} {
		cdp.mustCall(t, m, nil, nil)
	}
	cdp.mustCall(t, "Emulation.setDeviceMetricsOverride",
		map[string]any{"width": 1240, "height": 1754, "deviceScaleFactor": 1, "mobile": false}, nil)
	fileURL := (&url.URL{Scheme: "file", Path: page}).String()
	cdp.mustCall(t, "Page.navigate", map[string]any{"url": fileURL}, nil)
	if err := cdp.waitEvent("Page.loadEventFired", 30*time.Second); err != nil {
		t.Fatalf("page did not load: %v", err)
	}

	// The page script sets data-charts-ready once every chart is drawn.
	var ready string
	deadline := time.Now().Add(20 * time.Second)
	for ready == "" && time.Now().Before(deadline) {
		if err := cdp.evaluate(`document.body.dataset.chartsReady || ""`, &ready); err != nil {
			t.Fatal(err)
		}
		if ready == "" {
			time.Sleep(100 * time.Millisecond)
		}
	}
	if ready != fmt.Sprint(wantCharts) {
		t.Errorf("body[data-charts-ready] = %q, want %d", ready, wantCharts)
	}

	var charts []struct {
		Name   string  `json:"name"`
		SVGs   int     `json:"svgs"`
		Paths  int     `json:"paths"`
		Texts  string  `json:"texts"`
		Width  float64 `json:"width"`
		Height float64 `json:"height"`
	}
	err := cdp.evaluate(`Array.from(document.querySelectorAll('.chart')).map(function (el) {
		var r = el.getBoundingClientRect();
		return {name: el.dataset.chart, svgs: el.querySelectorAll('svg').length,
			paths: el.querySelectorAll('svg path').length,
			texts: Array.from(el.querySelectorAll('svg text')).map(function (t) { return t.textContent; }).join('|'),
			width: r.width, height: r.height};
	})`, &charts)
	if err != nil {
		t.Fatal(err)
	}
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

	var cjk bool
	if err := cdp.evaluate(`document.fonts.check('16px "Noto Sans CJK SC"') || document.fonts.check('16px "WenQuanYi Micro Hei"')`, &cjk); err != nil {
		t.Fatal(err)
	}
	if !cjk {
		t.Log("no CJK font found (install fonts-noto-cjk): Chinese text in the screenshot may not render")
	}

	var shot struct {
		Data string `json:"data"`
	}
	cdp.mustCall(t, "Page.captureScreenshot", map[string]any{"format": "png"}, &shot)
	pngBytes, err := base64.StdEncoding.DecodeString(shot.Data)
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
	chartWidths := `Array.from(document.querySelectorAll('.chart svg')).map(function (s) { return Math.round(s.getBoundingClientRect().width); })`
	cdp.mustCall(t, "Emulation.setEmulatedMedia", map[string]any{"media": "print"}, nil)
	// The media query's change event comes with the next rendering update.
	var printWidths []float64
	for start := time.Now(); time.Since(start) < 5*time.Second; time.Sleep(50 * time.Millisecond) {
		if err := cdp.evaluate(chartWidths, &printWidths); err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(printWidths, func(w float64) bool { return w != 680 }) {
			break
		}
	}
	for i, w := range printWidths {
		if w != 680 {
			t.Errorf("in print media chart %d is %.0f px wide, want 680", i, w)
		}
	}
	cdp.mustCall(t, "Emulation.setEmulatedMedia", map[string]any{"media": ""}, nil)

	// Printing: the print style sheet puts the sections on their own A4 pages.
	var pdf struct {
		Data string `json:"data"`
	}
	cdp.mustCall(t, "Page.printToPDF", map[string]any{"preferCSSPageSize": true, "printBackground": true}, &pdf)
	pdfBytes, err := base64.StdEncoding.DecodeString(pdf.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdfBytes, []byte("%PDF-")) {
		t.Fatalf("printToPDF did not return a PDF")
	}
	if pages := len(regexp.MustCompile(`/Type\s*/Page[^s]`).FindAll(pdfBytes, -1)); pages < 7 {
		t.Errorf("the printed report has %d pages, want at least 7 (sections starting on new pages)", pages)
	}
	// After printing the charts are drawn at the screen width again.
	var width float64
	if err := cdp.evaluate(`document.querySelector('.chart[data-chart="coverage"] svg').getBoundingClientRect().width`, &width); err != nil {
		t.Fatal(err)
	}
	if width < 900 {
		t.Errorf("after printing the coverage chart is %.0f px wide, want the screen width back", width)
	}

	for _, e := range cdp.problems() {
		t.Error(e)
	}
}

// chromiumBinary is Debian's chromium, or one on the PATH, or "".
func chromiumBinary() string {
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	return ""
}

// distinctColours counts the colours of an image, stopping at 10,000.
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

// cdpClient speaks the Chrome DevTools protocol to one page over a
// WebSocket: requests are answered in order on the one connection, and the
// events read meanwhile are kept.
type cdpClient struct {
	conn   net.Conn
	br     *bufio.Reader
	nextID int64
	events []cdpMessage
	stderr *lockedBuffer
}

type cdpMessage struct {
	ID     int64           `json:"id,omitempty"`
	Method string          `json:"method,omitempty"`
	Params json.RawMessage `json:"params,omitempty"`
	Result json.RawMessage `json:"result,omitempty"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startChromium starts headless Chromium with a fresh profile and no
// background networking, and connects to its first page. The browser is
// closed when the test ends.
func startChromium(ctx context.Context, t *testing.T, bin, profile string) *cdpClient {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--no-default-browser-check", "--disable-background-networking", "--disable-component-update",
		"--disable-sync", "--disable-extensions", "--disable-default-apps", "--mute-audio", "--hide-scrollbars",
		"--user-data-dir="+profile, "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"about:blank")
	// Its own process group: Chromium's helpers (zygote, crashpad, GPU and
	// renderer processes) outlive the browser process for a moment and keep
	// writing into the profile, so the cleanup ends the whole group before
	// removing it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	log := &lockedBuffer{}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			fmt.Fprintln(log, line)
			if rest, ok := strings.CutPrefix(line, "DevTools listening on "); ok {
				select {
				case found <- strings.TrimSpace(rest):
				default:
				}
			}
		}
	}()
	waited := make(chan struct{})
	go func() { cmd.Wait(); close(waited) }()
	var cdp *cdpClient
	t.Cleanup(func() {
		if cdp != nil {
			cdp.call("Browser.close", nil, nil)
			cdp.conn.Close()
		}
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-waited
		}
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		// The helpers are gone within moments of the kill; until then a
		// removal can meet a file they just wrote.
		var err error
		for range 50 {
			if err = os.RemoveAll(profile); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("remove the Chromium profile: %v", err)
	})

	var browserURL string
	select {
	case browserURL = <-found:
	case <-waited:
		t.Fatalf("chromium exited before listening:\n%s", log)
	case <-time.After(30 * time.Second):
		t.Fatalf("chromium did not start its DevTools endpoint within 30s:\n%s", log)
	}
	u, err := url.Parse(browserURL)
	if err != nil {
		t.Fatalf("DevTools address %q: %v", browserURL, err)
	}
	wsURL, err := cdpPageURL(ctx, u.Host)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	cdp, err = cdpDial(ctx, wsURL)
	if err != nil {
		t.Fatalf("%v\n%s", err, log)
	}
	cdp.stderr = log
	return cdp
}

// cdpPageURL finds the WebSocket address of the browser's first page.
func cdpPageURL(ctx context.Context, host string) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+host+"/json/list", nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("DevTools target list: %w", err)
	}
	defer resp.Body.Close()
	var targets []struct {
		Type string `json:"type"`
		URL  string `json:"webSocketDebuggerUrl"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&targets); err != nil {
		return "", fmt.Errorf("DevTools target list: %w", err)
	}
	for _, tg := range targets {
		if tg.Type == "page" && tg.URL != "" {
			return tg.URL, nil
		}
	}
	return "", fmt.Errorf("DevTools target list has no page: %+v", targets)
}

// websocketGUID is RFC 6455's constant for the Sec-WebSocket-Accept check.
const websocketGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

// cdpDial opens a WebSocket (RFC 6455) to a DevTools address: the HTTP
// upgrade, then masked text frames out and plain frames in.
func cdpDial(ctx context.Context, wsURL string) (*cdpClient, error) {
	u, err := url.Parse(wsURL)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", u.Host)
	if err != nil {
		return nil, fmt.Errorf("dial DevTools: %w", err)
	}
	nonce := make([]byte, 16)
	rand.Read(nonce)
	key := base64.StdEncoding.EncodeToString(nonce)
	req := "GET " + u.RequestURI() + " HTTP/1.1\r\nHost: " + u.Host +
		"\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
		"\r\nSec-WebSocket-Version: 13\r\n\r\n"
	if _, err := io.WriteString(conn, req); err != nil {
		conn.Close()
		return nil, fmt.Errorf("WebSocket handshake: %w", err)
	}
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("WebSocket handshake: %w", err)
	}
	sum := sha1.Sum([]byte(key + websocketGUID))
	if resp.StatusCode != http.StatusSwitchingProtocols ||
		resp.Header.Get("Sec-WebSocket-Accept") != base64.StdEncoding.EncodeToString(sum[:]) {
		conn.Close()
		return nil, fmt.Errorf("WebSocket handshake: %s", resp.Status)
	}
	return &cdpClient{conn: conn, br: br}, nil
}

// writeFrame sends one masked frame, as a client must.
func (c *cdpClient) writeFrame(opcode byte, payload []byte) error {
	hdr := []byte{0x80 | opcode}
	switch n := len(payload); {
	case n < 126:
		hdr = append(hdr, 0x80|byte(n))
	case n <= 0xffff:
		hdr = append(hdr, 0x80|126)
		hdr = binary.BigEndian.AppendUint16(hdr, uint16(n))
	default:
		hdr = append(hdr, 0x80|127)
		hdr = binary.BigEndian.AppendUint64(hdr, uint64(n))
	}
	var mask [4]byte
	rand.Read(mask[:])
	frame := append(hdr, mask[:]...)
	for i, b := range payload {
		frame = append(frame, b^mask[i%4])
	}
	_, err := c.conn.Write(frame)
	return err
}

// maxMessage bounds one message (a full-page screenshot is a few MB).
const maxMessage = 256 << 20

// readMessage reads one whole text message, answering pings on the way.
func (c *cdpClient) readMessage() ([]byte, error) {
	var msg []byte
	for {
		var h [2]byte
		if _, err := io.ReadFull(c.br, h[:]); err != nil {
			return nil, err
		}
		fin, opcode, masked := h[0]&0x80 != 0, h[0]&0x0f, h[1]&0x80 != 0
		n := uint64(h[1] & 0x7f)
		switch n {
		case 126:
			var b [2]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = uint64(binary.BigEndian.Uint16(b[:]))
		case 127:
			var b [8]byte
			if _, err := io.ReadFull(c.br, b[:]); err != nil {
				return nil, err
			}
			n = binary.BigEndian.Uint64(b[:])
		}
		if n > maxMessage || uint64(len(msg))+n > maxMessage {
			return nil, fmt.Errorf("WebSocket message over %d bytes", maxMessage)
		}
		var mask [4]byte
		if masked {
			if _, err := io.ReadFull(c.br, mask[:]); err != nil {
				return nil, err
			}
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(c.br, payload); err != nil {
			return nil, err
		}
		if masked {
			for i := range payload {
				payload[i] ^= mask[i%4]
			}
		}
		switch opcode {
		case 0x8:
			return nil, errors.New("WebSocket closed by the browser")
		case 0x9:
			if err := c.writeFrame(0xA, payload); err != nil {
				return nil, err
			}
		case 0xA:
		case 0x0, 0x1, 0x2:
			msg = append(msg, payload...)
			if fin {
				return msg, nil
			}
		default:
			return nil, fmt.Errorf("WebSocket opcode %#x", opcode)
		}
	}
}

// next reads the next DevTools message within timeout.
func (c *cdpClient) next(timeout time.Duration) (cdpMessage, error) {
	var m cdpMessage
	c.conn.SetReadDeadline(time.Now().Add(timeout))
	b, err := c.readMessage()
	if err != nil {
		return m, err
	}
	return m, json.Unmarshal(b, &m)
}

// call sends a command and waits for its answer, keeping the events that
// arrive meanwhile; result (if not nil) receives the answer's result.
func (c *cdpClient) call(method string, params, result any) error {
	c.nextID++
	id := c.nextID
	if params == nil {
		params = struct{}{}
	}
	b, err := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err != nil {
		return err
	}
	c.conn.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if err := c.writeFrame(0x1, b); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	for {
		m, err := c.next(60 * time.Second)
		if err != nil {
			return fmt.Errorf("%s: %w", method, err)
		}
		switch {
		case m.ID == id && m.Error != nil:
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		case m.ID == id:
			if result == nil {
				return nil
			}
			return json.Unmarshal(m.Result, result)
		case m.Method != "":
			c.events = append(c.events, m)
		}
	}
}

func (c *cdpClient) mustCall(t *testing.T, method string, params, result any) {
	t.Helper()
	if err := c.call(method, params, result); err != nil {
		t.Fatalf("%v\nchromium log:\n%s", err, c.stderr)
	}
}

// waitEvent waits for an event, keeping those seen on the way.
func (c *cdpClient) waitEvent(method string, timeout time.Duration) error {
	for _, e := range c.events {
		if e.Method == method {
			return nil
		}
	}
	deadline := time.Now().Add(timeout)
	for {
		m, err := c.next(time.Until(deadline))
		if err != nil {
			return err
		}
		if m.Method != "" {
			c.events = append(c.events, m)
		}
		if m.Method == method {
			return nil
		}
	}
}

// evaluate runs a JavaScript expression in the page and decodes its value.
func (c *cdpClient) evaluate(expr string, out any) error {
	var res struct {
		Result struct {
			Value json.RawMessage `json:"value"`
		} `json:"result"`
		Exception *struct {
			Text string `json:"text"`
		} `json:"exceptionDetails"`
	}
	if err := c.call("Runtime.evaluate", map[string]any{"expression": expr, "returnByValue": true}, &res); err != nil {
		return err
	}
	if res.Exception != nil {
		return fmt.Errorf("evaluate %q: %s", expr, res.Exception.Text)
	}
	return json.Unmarshal(res.Result.Value, out)
}

// problems lists what the page must not do: throw, log an error, have the
// browser log an error (a refused resource, a CSP violation), or request
// anything but the file itself and data: URLs.
func (c *cdpClient) problems() []string {
	var out []string
	for _, e := range c.events {
		switch e.Method {
		case "Runtime.exceptionThrown":
			var p struct {
				Details struct {
					Text      string `json:"text"`
					Exception struct {
						Description string `json:"description"`
					} `json:"exception"`
				} `json:"exceptionDetails"`
			}
			json.Unmarshal(e.Params, &p)
			out = append(out, "uncaught exception: "+p.Details.Text+" "+p.Details.Exception.Description)
		case "Runtime.consoleAPICalled":
			var p struct {
				Type string `json:"type"`
				Args []struct {
					Value       any    `json:"value"`
					Description string `json:"description"`
				} `json:"args"`
			}
			json.Unmarshal(e.Params, &p)
			if p.Type == "error" || p.Type == "assert" {
				out = append(out, fmt.Sprintf("console.%s: %+v", p.Type, p.Args))
			}
		case "Log.entryAdded":
			var p struct {
				Entry struct {
					Level, Source, Text, URL string
				} `json:"entry"`
			}
			json.Unmarshal(e.Params, &p)
			if p.Entry.Level == "error" {
				out = append(out, fmt.Sprintf("browser error (%s): %s %s", p.Entry.Source, p.Entry.Text, p.Entry.URL))
			}
		case "Network.requestWillBeSent":
			var p struct {
				Request struct {
					URL string `json:"url"`
				} `json:"request"`
			}
			json.Unmarshal(e.Params, &p)
			if u := p.Request.URL; !strings.HasPrefix(u, "file:") && !strings.HasPrefix(u, "data:") && u != "about:blank" {
				out = append(out, "request to "+u)
			}
		}
	}
	return out
}
