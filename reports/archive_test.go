package reports

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// secretText is in files beside and outside the reports folder: no answer
// of the archive may carry it.
const secretText = "SECRET-NOT-A-REPORT 110101199003071234"

// archiveFixture is a reports folder for the handler's tests.
type archiveFixture struct {
	dir   string // the reports folder
	files map[string][]byte
}

// mtime is when the fixture's reports were written: 2022-08-01 08:00:03 in
// Shanghai.
var archiveMtime = time.Date(2022, 8, 1, 0, 0, 3, 0, time.UTC)

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// newArchiveFixture writes:
//
//	top/grassroots.yaml, top/outside/report.html   secrets outside the folder
//	reports/2022-07/report.{html,pdf,xlsx}         2 KiB, 1.5 MiB, 700 B
//	reports/2022-06/report.{html,xlsx}             no PDF
//	reports/2022-07/notes.txt                      not a report's file name
//	reports/2022-05/report.html -> /etc/passwd     a link out of the folder
//	reports/2022-05/report.pdf -> ../2022-07/report.pdf   a link inside it
//	reports/2022-04 -> top/outside                 a month folder that is a link
//	reports/2022-03/report.pdf                     a FIFO
//	reports/2022-7/, 2022-13/, notes/, .2022-08.tmp-1/   folders not named YYYY-MM
//	reports/2022-02/                               an empty month
func newArchiveFixture(t *testing.T) archiveFixture {
	t.Helper()
	top := t.TempDir()
	dir := filepath.Join(top, "reports")
	writeFile(t, filepath.Join(top, "grassroots.yaml"), []byte(secretText))
	writeFile(t, filepath.Join(top, "outside", "report.html"), []byte(secretText))
	f := archiveFixture{dir: dir, files: map[string][]byte{
		"2022-07/report.html": append([]byte("<!DOCTYPE html><title>七月</title>"), bytes.Repeat([]byte{' '}, 2048-len("<!DOCTYPE html><title>七月</title>"))...),
		"2022-07/report.pdf":  append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte{'x'}, 1536*1024-9)...),
		"2022-07/report.xlsx": append([]byte("PK\x03\x04"), bytes.Repeat([]byte{0}, 696)...),
		"2022-06/report.html": []byte("<!DOCTYPE html><title>六月</title>"),
		"2022-06/report.xlsx": []byte("PK\x03\x04六月"),
	}}
	for name, b := range f.files {
		writeFile(t, filepath.Join(dir, name), b)
		if err := os.Chtimes(filepath.Join(dir, name), archiveMtime, archiveMtime); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "2022-07", "notes.txt"), []byte(secretText))
	symlink(t, "/etc/passwd", filepath.Join(dir, "2022-05", "report.html"))
	symlink(t, "../2022-07/report.pdf", filepath.Join(dir, "2022-05", "report.pdf"))
	symlink(t, filepath.Join(top, "outside"), filepath.Join(dir, "2022-04"))
	if err := os.MkdirAll(filepath.Join(dir, "2022-03"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "2022-03", "report.pdf"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"2022-7", "2022-13", "notes", ".2022-08.tmp-1"} {
		writeFile(t, filepath.Join(dir, d, "report.html"), []byte(secretText))
	}
	if err := os.MkdirAll(filepath.Join(dir, "2022-02"), 0o755); err != nil {
		t.Fatal(err)
	}
	return f
}

func shanghai(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// serveArchive sends one request to the archive's handler itself (no
// ServeMux in front to clean the path).
func serveArchive(t *testing.T, a *Archive, method, target string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	resp := rec.Result()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// TestArchiveRefuses: everything but the index and the three files of a
// real YYYY-MM folder is refused, with a Chinese page, nosniff and a policy,
// and nothing from outside the folder, or any other file in it, is served.
func TestArchiveRefuses(t *testing.T) {
	f := newArchiveFixture(t)
	a := &Archive{Dir: f.dir, City: "太原市", Location: shanghai(t)}
	for _, c := range []struct {
		name, method, target string
		code                 int
		words                string // in the page
	}{
		{"dot-dot", "GET", "/reports/../grassroots.yaml", 404, "未找到"},
		{"dot-dot in a month", "GET", "/reports/2022-07/../../grassroots.yaml", 404, "未找到"},
		{"dot-dot to another month", "GET", "/reports/2022-07/../2022-06/report.html", 404, "未找到"},
		{"encoded dot-dot", "GET", "/reports/%2e%2e/grassroots.yaml", 404, "未找到"},
		{"encoded dot-dot and slash", "GET", "/reports/2022-07/%2e%2e%2f%2e%2e%2fgrassroots.yaml", 404, "未找到"},
		{"encoded dot-dot as the month", "GET", "/reports/%2E%2E/outside/report.html", 404, "未找到"},
		{"link to /etc/passwd in a month", "GET", "/reports/2022-05/report.html", 404, "没有2022年5月的这份月报"},
		{"link inside the folder", "GET", "/reports/2022-05/report.pdf", 404, "未找到"},
		{"month folder that is a link out", "GET", "/reports/2022-04/report.html", 404, "未找到"},
		{"a FIFO", "GET", "/reports/2022-03/report.pdf", 404, "未找到"},
		{"unknown file name", "GET", "/reports/2022-07/notes.txt", 404, "未找到"},
		{"file name in another case", "GET", "/reports/2022-07/REPORT.HTML", 404, "未找到"},
		{"file below a file", "GET", "/reports/2022-07/report.html/x", 404, "未找到"},
		{"month folder listing", "GET", "/reports/2022-07/", 404, "未找到"},
		{"month folder without slash", "GET", "/reports/2022-07", 404, "未找到"},
		{"month not YYYY-MM", "GET", "/reports/2022-7/report.html", 404, "只提供各月的 report.html、report.pdf 和 report.xlsx"},
		{"month 13", "GET", "/reports/2022-13/report.html", 404, "未找到"},
		{"other folder", "GET", "/reports/notes/report.html", 404, "未找到"},
		{"report being written", "GET", "/reports/.2022-08.tmp-1/report.html", 404, "未找到"},
		{"missing month", "GET", "/reports/2021-01/report.html", 404, "没有2021年1月的这份月报"},
		{"missing format", "GET", "/reports/2022-06/report.pdf", 404, "没有2022年6月的这份月报"},
		{"empty month", "GET", "/reports/2022-02/report.html", 404, "未找到"},
		{"index.html", "GET", "/reports/index.html", 404, "未找到"},
		{"double slash", "GET", "/reports//2022-07/report.html", 404, "未找到"},
		{"outside the prefix", "GET", "/etc/passwd", 404, "未找到"},
		{"POST a report", "POST", "/reports/2022-07/report.html", 405, "只接受 GET 和 HEAD"},
		{"POST the index", "POST", "/reports/", 405, "只接受 GET 和 HEAD"},
		{"PUT", "PUT", "/reports/2022-07/report.pdf", 405, "只接受 GET 和 HEAD"},
		{"DELETE", "DELETE", "/reports/2022-07/report.pdf", 405, "只接受 GET 和 HEAD"},
		{"OPTIONS", "OPTIONS", "/reports/", 405, "只接受 GET 和 HEAD"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req := httptest.NewRequest(c.method, c.target, nil)
			rec := httptest.NewRecorder()
			done := make(chan struct{})
			go func() { // a FIFO opened for reading would block
				defer close(done)
				a.ServeHTTP(rec, req)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("the request did not finish")
			}
			resp, body := rec.Result(), rec.Body.String()
			if resp.StatusCode != c.code {
				t.Errorf("status %d, want %d", resp.StatusCode, c.code)
			}
			if !strings.Contains(body, c.words) {
				t.Errorf("page lacks %q:\n%s", c.words, body)
			}
			for _, bad := range []string{secretText, "root:", "%PDF", "七月", "六月"} {
				if strings.Contains(body, bad) {
					t.Errorf("the refusal carries %q", bad)
				}
			}
			if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
				t.Errorf("Content-Type %q", got)
			}
			checkCommonHeaders(t, resp)
			if !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "default-src 'none'; style-src 'sha256-") {
				t.Errorf("Content-Security-Policy %q", resp.Header.Get("Content-Security-Policy"))
			}
			if c.code == 405 && resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("Allow %q", resp.Header.Get("Allow"))
			}
		})
	}
}

func checkCommonHeaders(t *testing.T, resp *http.Response) {
	t.Helper()
	if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", got)
	}
}

// TestArchiveRefusesBehindMux: the same attacks through a real server with
// the archive mounted on a ServeMux, as serve mounts it, sent as raw
// request lines (no client cleans them).
func TestArchiveRefusesBehindMux(t *testing.T) {
	f := newArchiveFixture(t)
	mux := http.NewServeMux()
	mux.Handle(ArchivePath, &Archive{Dir: f.dir, City: "太原市"})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	client := srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	for _, target := range []string{"/reports/../grassroots.yaml", "/reports/%2e%2e/grassroots.yaml",
		"/reports/2022-07/%2e%2e%2f%2e%2e%2fgrassroots.yaml", "/reports/%2e%2e%2foutside/report.html",
		"/reports/2022-05/report.html", "/reports/2022-04/report.html", "/reports/2022-07/notes.txt", "/reports/2022-07/"} {
		req, err := http.NewRequest("GET", srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.URL.Opaque = target // sent as it is
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode == 200 || strings.Contains(string(body), secretText) || strings.Contains(string(body), "root:") {
			t.Errorf("%s: %d\n%s", target, resp.StatusCode, body)
		}
	}
}

// TestArchiveServesReports: the three files with their types, Chinese file
// names, policy and bytes; HEAD and ranges.
func TestArchiveServesReports(t *testing.T) {
	f := newArchiveFixture(t)
	a := &Archive{Dir: f.dir, City: "太原市", Location: shanghai(t)}
	title := "太原市“一村（社区）一名研究生”工作月报 2022年7月"
	for _, c := range []struct {
		file, contentType, disposition, filename string
	}{
		{"report.html", "text/html; charset=utf-8", "", ""},
		{"report.pdf", "application/pdf", "inline", title + ".pdf"},
		{"report.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "attachment", title + ".xlsx"},
	} {
		t.Run(c.file, func(t *testing.T) {
			resp, body := serveArchive(t, a, "GET", "/reports/2022-07/"+c.file)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d: %s", resp.StatusCode, body)
			}
			if body != string(f.files["2022-07/"+c.file]) {
				t.Errorf("body of %d bytes differs from the file's %d", len(body), len(f.files["2022-07/"+c.file]))
			}
			checkCommonHeaders(t, resp)
			if got := resp.Header.Get("Content-Type"); got != c.contentType {
				t.Errorf("Content-Type %q, want %q", got, c.contentType)
			}
			if got := resp.Header.Get("Last-Modified"); got != "Mon, 01 Aug 2022 00:00:03 GMT" {
				t.Errorf("Last-Modified %q", got)
			}
			cd := resp.Header.Get("Content-Disposition")
			if c.disposition == "" {
				if cd != "" {
					t.Errorf("Content-Disposition %q for the page", cd)
				}
				csp := resp.Header.Get("Content-Security-Policy")
				for _, d := range []string{"default-src 'none'", "frame-ancestors 'none'", "script-src 'unsafe-inline'", "base-uri 'none'"} {
					if !strings.Contains(csp, d) {
						t.Errorf("Content-Security-Policy %q lacks %s", csp, d)
					}
				}
				return
			}
			kind, params, err := mime.ParseMediaType(cd)
			if err != nil {
				t.Fatalf("Content-Disposition %q: %v", cd, err)
			}
			if kind != c.disposition || params["filename"] != c.filename {
				t.Errorf("Content-Disposition %q: %s, file name %q; want %s, %q", cd, kind, params["filename"], c.disposition, c.filename)
			}
			if !strings.Contains(cd, `filename="report-2022-07.`) {
				t.Errorf("Content-Disposition %q has no ASCII file name", cd)
			}
		})
	}

	resp, body := serveArchive(t, a, "HEAD", "/reports/2022-07/report.pdf")
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("Content-Length") != "1572864" {
		t.Errorf("HEAD: %d, %d bytes of body, Content-Length %q", resp.StatusCode, len(body), resp.Header.Get("Content-Length"))
	}
	req := httptest.NewRequest("GET", "/reports/2022-07/report.pdf", nil)
	req.Header.Set("Range", "bytes=0-3")
	rec := httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != 206 || rec.Body.String() != "%PDF" {
		t.Errorf("range: %d %q", rec.Code, rec.Body.String())
	}
	req = httptest.NewRequest("GET", "/reports/2022-07/report.html", nil)
	req.Header.Set("If-Modified-Since", "Mon, 01 Aug 2022 00:00:03 GMT")
	rec = httptest.NewRecorder()
	a.ServeHTTP(rec, req)
	if rec.Code != 304 {
		t.Errorf("If-Modified-Since: %d", rec.Code)
	}
}

// TestArchiveReportPolicyIsThePages: the policy sent with report.html allows
// no less than the page's own <meta> policy (else its charts would not be
// drawn) and adds only framing.
func TestArchiveReportPolicyIsThePages(t *testing.T) {
	page := renderHTML(t, sampleReport())
	m := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy" content="([^"]+)">`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("the report page declares no policy")
	}
	if want := m[1] + "; frame-ancestors 'none'"; reportCSP != want {
		t.Errorf("the report's policy is\n%s\nthe page declares\n%s", reportCSP, m[1])
	}
}

// TestArchiveIndex: the months newest first, with their formats, sizes and
// times, and nothing of the folders that are not served; the policy's hash
// is the page's style sheet's.
func TestArchiveIndex(t *testing.T) {
	f := newArchiveFixture(t)
	a := &Archive{Dir: f.dir, City: "太原市", Location: shanghai(t)}
	for _, method := range []string{"GET", "HEAD"} {
		resp, body := serveArchive(t, a, method, "/reports/")
		if resp.StatusCode != 200 {
			t.Fatalf("%s: status %d: %s", method, resp.StatusCode, body)
		}
		checkCommonHeaders(t, resp)
		if got := resp.Header.Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("Content-Type %q", got)
		}
		if method == "HEAD" {
			if body != "" {
				t.Errorf("HEAD has a body")
			}
			continue
		}
		for _, want := range []string{
			"<title>太原市“一村（社区）一名研究生”工作月报</title>",
			"<h1>太原市“一村（社区）一名研究生”工作月报</h1>",
			"共 2 期",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("index lacks %q", want)
			}
		}
		rows := regexp.MustCompile(`(?s)<tr id="m-([0-9-]+)">(.*?)</tr>`).FindAllStringSubmatch(body, -1)
		if len(rows) != 2 || rows[0][1] != "2022-07" || rows[1][1] != "2022-06" {
			t.Fatalf("rows %q, want 2022-07 then 2022-06:\n%s", rows, body)
		}
		// 2048 B = 2 KB, 1536 KiB = 1.5 MB, 700 B; 00:00:03 UTC = 08:00 in Shanghai.
		july := cellTexts(rows[0][2])
		if want := []string{"2022年7月", "网页版2 KB", "PDF1.5 MB", "Excel700 B", "2022-08-01 08:00"}; strings.Join(july, "|") != strings.Join(want, "|") {
			t.Errorf("2022-07: %q, want %q", july, want)
		}
		june := cellTexts(rows[1][2])
		if want := []string{"2022年6月", "网页版36 B", "—", "Excel10 B", "2022-08-01 08:00"}; strings.Join(june, "|") != strings.Join(want, "|") {
			t.Errorf("2022-06: %q, want %q", june, want)
		}
		hrefs := regexp.MustCompile(`href="([^"]+)"`).FindAllStringSubmatch(body, -1)
		var got []string
		for _, h := range hrefs {
			got = append(got, h[1])
		}
		want := []string{"data:,", "2022-07/report.html", "2022-07/report.html", "2022-07/report.pdf", "2022-07/report.xlsx",
			"2022-06/report.html", "2022-06/report.html", "2022-06/report.xlsx"}
		if strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("links %q, want %q", got, want)
		}
		for _, bad := range []string{"2022-05", "2022-04", "2022-03", "2022-02", "2022-7/", "2022-13", "notes", "tmp", secretText} {
			if strings.Contains(body, bad) {
				t.Errorf("index shows %q", bad)
			}
		}
		// The style sheet is allowed by its hash, computed here from the page.
		style := regexp.MustCompile(`(?s)<style>(.*?)</style>`).FindStringSubmatch(body)
		if style == nil {
			t.Fatal("no style sheet")
		}
		sum := sha256.Sum256([]byte(style[1]))
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") ||
			strings.Contains(csp, "script-src") || strings.Contains(csp, "unsafe") || !strings.Contains(csp, "default-src 'none'") {
			t.Errorf("Content-Security-Policy %q", csp)
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "style=") {
			t.Errorf("the index has a script or a style attribute its policy would block")
		}
	}
}

// cellTexts is the text of a row's cells, tags removed.
func cellTexts(row string) []string {
	var out []string
	for _, m := range regexp.MustCompile(`(?s)<t[hd][^>]*>(.*?)</t[hd]>`).FindAllStringSubmatch(row, -1) {
		out = append(out, strings.TrimSpace(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], "")))
	}
	return out
}

// TestArchiveEmpty: a reports folder not yet written is an index with no
// month, and a 404 for any report.
func TestArchiveEmpty(t *testing.T) {
	a := &Archive{Dir: filepath.Join(t.TempDir(), "reports"), City: "太原市"}
	resp, body := serveArchive(t, a, "GET", "/reports/")
	if resp.StatusCode != 200 || !strings.Contains(body, "尚无月报") || !strings.Contains(body, "共 0 期") {
		t.Errorf("index of no folder: %d\n%s", resp.StatusCode, body)
	}
	resp, body = serveArchive(t, a, "GET", "/reports/2022-07/report.html")
	if resp.StatusCode != 404 || !strings.Contains(body, "没有2022年7月的这份月报") {
		t.Errorf("report of no folder: %d\n%s", resp.StatusCode, body)
	}
}

// TestArchiveUnreadable: a reports folder that cannot be read is a 500
// without the error's text.
func TestArchiveUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any folder")
	}
	dir := filepath.Join(t.TempDir(), "reports")
	if err := os.Mkdir(dir, 0o000); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chmod(dir, 0o755) })
	resp, body := serveArchive(t, &Archive{Dir: dir}, "GET", "/reports/")
	if resp.StatusCode != 500 || strings.Contains(body, dir) || !strings.Contains(body, "读取月报目录时出错") {
		t.Errorf("%d\n%s", resp.StatusCode, body)
	}
}

// TestArchiveFolderIsAFile: a reports folder that is a file is a 500
// without the error's text (the case root meets too).
func TestArchiveFolderIsAFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "reports")
	writeFile(t, dir, []byte(secretText))
	resp, body := serveArchive(t, &Archive{Dir: dir}, "GET", "/reports/")
	if resp.StatusCode != 500 || strings.Contains(body, dir) || strings.Contains(body, secretText) || !strings.Contains(body, "读取月报目录时出错") {
		t.Errorf("%d\n%s", resp.StatusCode, body)
	}
}

func TestFormatSize(t *testing.T) {
	for _, c := range []struct {
		n    int64
		want string
	}{
		{0, "0 B"}, {1023, "1023 B"}, {1024, "1 KB"}, {1536, "2 KB"}, {10 * 1024, "10 KB"},
		{1024*1024 - 513, "1023 KB"}, {1024*1024 - 1, "1.0 MB"}, {1024 * 1024, "1.0 MB"}, {1536 * 1024, "1.5 MB"}, {25 * 1024 * 1024, "25.0 MB"},
	} {
		if got := formatSize(c.n); got != c.want {
			t.Errorf("formatSize(%d) = %q, want %q", c.n, got, c.want)
		}
	}
}

func TestContentDisposition(t *testing.T) {
	// 太 is E5 A4 AA in UTF-8; a space is %20; “ is E2 80 9C.
	got := contentDisposition("attachment", "report-2022-07.xlsx", "太原市“月报 2022年7月.xlsx")
	want := `attachment; filename="report-2022-07.xlsx"; filename*=UTF-8''%E5%A4%AA%E5%8E%9F%E5%B8%82%E2%80%9C%E6%9C%88%E6%8A%A5%202022%E5%B9%B47%E6%9C%88.xlsx`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
