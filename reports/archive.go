package reports

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net/http"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// ArchivePath is where Archive is mounted: the index is ArchivePath itself,
// a report ArchivePath + "YYYY-MM/report.html" (or .pdf, .xlsx).
const ArchivePath = "/reports/"

// Archive serves the folder of monthly reports (reports.out) read-only over
// HTTP, for the daemon's status address:
//
//   - GET ArchivePath: an index page in Chinese of every month's report
//     found in Dir (folders named YYYY-MM holding report.html, report.pdf,
//     report.xlsx), newest first, each with links to the formats it has,
//     their sizes and when they were written; Dir is read on each request;
//   - GET ArchivePath + "YYYY-MM/report.html|report.pdf|report.xlsx": that
//     file, with its Content-Type, a Chinese file name for the PDF and the
//     workbook (Content-Disposition), Last-Modified and ranges.
//
// Nothing else is served: no listing of a month's folder, no other file
// name, no month folder not named YYYY-MM, no symbolic link (neither a
// month folder nor a file may be one, and nothing outside Dir is ever
// opened), no method but GET and HEAD (405). Unknown paths and missing
// months are a 404 page in Chinese. Every answer carries
// X-Content-Type-Options: nosniff; HTML answers a Content-Security-Policy
// that allows no request to anywhere (the index has no script at all; a
// report's inline script and styles, which draw its charts, are allowed as
// the report page itself declares).
//
// The archive never reads the warehouse: the reports hold no personal data,
// and the index shows only file names, sizes and times.
type Archive struct {
	// Dir is the reports folder (reports.out).
	Dir string
	// City is the name of the city (太原市) in the titles and file names.
	City string
	// Location is the time zone of the times shown (nil: time.Local).
	Location *time.Location
	// Logger, if set, logs the errors served as a 500.
	Logger *slog.Logger
}

// archiveFile is a file a month's folder may hold, as the index shows it.
type archiveFile struct {
	name        string // report.html
	label       string // the link's text
	contentType string
	disposition string // "" (the browser shows it), "inline" or "attachment": with a Chinese file name
	ext         string // of the file name given to the browser
}

// archiveFiles are the files served from a month's folder, in the index's
// column order.
var archiveFiles = []archiveFile{
	{name: "report.html", label: "网页版", contentType: "text/html; charset=utf-8"},
	{name: PDFFile, label: "PDF", contentType: "application/pdf", disposition: "inline", ext: ".pdf"},
	{name: "report.xlsx", label: "Excel", contentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		disposition: "attachment", ext: ".xlsx"},
}

// archiveMonth is a month folder's name: YYYY-MM, months 01 to 12.
var archiveMonth = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// reportCSP is the policy of a report page: the one its own <meta> declares
// (report.html's template), and no framing.
const reportCSP = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// archiveCSP is the policy of the index and the error pages: no script,
// only their own style sheet (by its hash), the empty icon.
var archiveCSP = "default-src 'none'; style-src 'sha256-" + archiveStyleHash() + "'; img-src data:; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

func archiveStyleHash() string {
	sum := sha256.Sum256([]byte(archiveStyle))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// ServeHTTP serves the index, a report file, or a refusal.
func (a *Archive) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	rest, ok := strings.CutPrefix(r.URL.Path, ArchivePath)
	if !ok {
		a.notFound(w, r, "")
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		a.page(w, r, http.StatusMethodNotAllowed, archivePage{Title: "不支持的请求方法", Message: "月报归档只读，只接受 GET 和 HEAD 请求。"})
		return
	}
	if rest == "" {
		a.index(w, r)
		return
	}
	month, name, ok := strings.Cut(rest, "/")
	i := slices.IndexFunc(archiveFiles, func(f archiveFile) bool { return f.name == name })
	if !ok || !archiveMonth.MatchString(month) || i < 0 {
		a.notFound(w, r, rest)
		return
	}
	a.serveFile(w, r, month, archiveFiles[i])
}

// serveFile serves one file of a month's folder, refusing a folder or file
// that is a symbolic link or not what it should be.
func (a *Archive) serveFile(w http.ResponseWriter, r *http.Request, month string, af archiveFile) {
	root, err := os.OpenRoot(a.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		a.notFound(w, r, month+"/"+af.name)
		return
	}
	if err != nil {
		a.fail(w, r, err)
		return
	}
	defer root.Close()
	rel := month + "/" + af.name
	dirInfo, err := root.Lstat(month)
	if err != nil || !dirInfo.IsDir() {
		a.notFound(w, r, rel)
		return
	}
	info, err := root.Lstat(rel)
	if err != nil || !info.Mode().IsRegular() {
		a.notFound(w, r, rel)
		return
	}
	// The root keeps the open inside Dir; the same file as the one found
	// above, a regular file, keeps a link swapped in meanwhile out.
	f, err := root.Open(rel)
	if err != nil {
		a.notFound(w, r, rel)
		return
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil || !opened.Mode().IsRegular() || !os.SameFile(info, opened) {
		a.notFound(w, r, rel)
		return
	}
	h := w.Header()
	h.Set("Content-Type", af.contentType)
	h.Set("Cache-Control", "no-cache")
	if af.name == "report.html" {
		h.Set("Content-Security-Policy", reportCSP)
	}
	if af.disposition != "" {
		title := htmlTitle(a.City, month)
		h.Set("Content-Disposition", contentDisposition(af.disposition, "report-"+month+af.ext, title+af.ext))
	}
	http.ServeContent(w, r, af.name, opened.ModTime(), f)
}

// contentDisposition is a Content-Disposition value with an ASCII file name
// for old clients and the UTF-8 one (RFC 6266, RFC 8187) for the others.
func contentDisposition(kind, ascii, name string) string {
	const attrChars = "!#$&+-.^_`|~"
	var b strings.Builder
	for _, c := range []byte(name) {
		if c < 0x80 && (c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte(attrChars, c) >= 0) {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, kind, ascii, b.String())
}

// archiveEntry is one month of the index.
type archiveEntry struct {
	Period  string // 2022-07
	Label   string // 2022年7月
	HTML    string // the link of report.html, "" when the month has none
	Files   []archiveLink
	Written time.Time
}

// archiveLink is one format of a month: a link, or none.
type archiveLink struct {
	Href  string // "" when the month has no file of the format
	Label string // 网页版, PDF, Excel
	Aria  string // 2022年7月 PDF
	Size  string
}

// months reads Dir: every month folder (a real folder named YYYY-MM, not a
// link) holding at least one of the files, newest first. A missing Dir has
// none.
func (a *Archive) months() ([]archiveEntry, error) {
	root, err := os.OpenRoot(a.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer root.Close()
	d, err := root.Open(".")
	if err != nil {
		return nil, err
	}
	entries, err := d.ReadDir(-1)
	d.Close()
	if err != nil {
		return nil, err
	}
	var out []archiveEntry
	for _, e := range entries {
		if !e.IsDir() || !archiveMonth.MatchString(e.Name()) {
			continue // a file, a link, a folder of another name (a report being written: .2022-07.tmp-…)
		}
		m := archiveEntry{Period: e.Name(), Label: htmlPeriod(e.Name())}
		for _, af := range archiveFiles {
			link := archiveLink{Label: af.label}
			info, err := root.Lstat(e.Name() + "/" + af.name)
			if err == nil && info.Mode().IsRegular() {
				link.Href = e.Name() + "/" + af.name
				link.Aria = m.Label + " " + af.label
				link.Size = formatSize(info.Size())
				if t := info.ModTime(); t.After(m.Written) {
					m.Written = t
				}
				if af.name == "report.html" {
					m.HTML = link.Href
				}
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return nil, err
			}
			m.Files = append(m.Files, link)
		}
		if !m.Written.IsZero() {
			out = append(out, m)
		}
	}
	slices.SortFunc(out, func(x, y archiveEntry) int { return strings.Compare(y.Period, x.Period) })
	return out, nil
}

// formatSize is a file size as the index shows it: 900 B, 12 KB, 1.3 MB.
func formatSize(n int64) string {
	if n < 1024 {
		return fmt.Sprintf("%d B", n)
	}
	if kb := math.Round(float64(n) / 1024); kb < 1024 {
		return fmt.Sprintf("%.0f KB", kb)
	}
	return fmt.Sprintf("%.1f MB", float64(n)/(1024*1024))
}

// index serves the index page.
func (a *Archive) index(w http.ResponseWriter, r *http.Request) {
	months, err := a.months()
	if err != nil {
		a.fail(w, r, err)
		return
	}
	loc := a.Location
	if loc == nil {
		loc = time.Local
	}
	v := archiveIndexView{Title: a.title(), Months: months, Zone: loc}
	var buf strings.Builder
	if err := archiveIndexTemplate.Execute(&buf, v); err != nil {
		a.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", archiveCSP)
	h.Set("Cache-Control", "no-cache")
	writeBody(w, r, http.StatusOK, buf.String())
}

// writeBody writes the status and, but for a HEAD request, the body.
func writeBody(w http.ResponseWriter, r *http.Request, code int, body string) {
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(code)
	if r.Method != http.MethodHead {
		io.WriteString(w, body)
	}
}

// title is 太原市“一村（社区）一名研究生”工作月报.
func (a *Archive) title() string {
	return a.City + "“一村（社区）一名研究生”工作月报"
}

// notFound serves the 404 page; rest is the path under ArchivePath.
func (a *Archive) notFound(w http.ResponseWriter, r *http.Request, rest string) {
	msg := "没有这个页面。月报归档只提供各月的 report.html、report.pdf 和 report.xlsx。"
	if month, _, _ := strings.Cut(rest, "/"); archiveMonth.MatchString(month) {
		msg = "没有" + htmlPeriod(month) + "的这份月报。"
	}
	a.page(w, r, http.StatusNotFound, archivePage{Title: "未找到", Message: msg, Back: archiveBack(rest)})
}

// archiveBack is the relative link from a path under ArchivePath back to
// the index.
func archiveBack(rest string) string {
	if n := strings.Count(rest, "/"); n > 0 && !strings.Contains(rest, "..") {
		return strings.Repeat("../", n)
	}
	if strings.Contains(rest, "..") || strings.HasPrefix(rest, "/") {
		return ArchivePath
	}
	return "./"
}

// fail serves a 500 without the error's text (logged, if there is a
// Logger).
func (a *Archive) fail(w http.ResponseWriter, r *http.Request, err error) {
	if a.Logger != nil {
		a.Logger.Error("report archive", "path", r.URL.Path, "error", err)
	}
	a.page(w, r, http.StatusInternalServerError, archivePage{Title: "服务器错误", Message: "读取月报目录时出错，请稍后再试或联系管理员。"})
}

// archivePage is an error page.
type archivePage struct {
	Title, Message, Back string
}

func (a *Archive) page(w http.ResponseWriter, r *http.Request, code int, p archivePage) {
	if p.Back == "" {
		p.Back = ArchivePath
	}
	var buf strings.Builder
	if err := archiveErrorTemplate.Execute(&buf, p); err != nil {
		http.Error(w, http.StatusText(code), code)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", archiveCSP)
	h.Set("Cache-Control", "no-store")
	writeBody(w, r, code, buf.String())
}

// archiveIndexView is what the index template shows.
type archiveIndexView struct {
	Title  string
	Months []archiveEntry
	Zone   *time.Location
}

// archiveStyle is the style sheet of the index and the error pages; the
// pages' policy allows it by its hash, so it is one constant.
const archiveStyle = `
body { margin: 0; background: #f5f6f8; color: #1f2329; font: 15px/1.6 "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 40px; }
h1 { margin: 0 0 6px; font-size: 24px; line-height: 1.35; color: #b5121b; }
.note { color: #646a73; font-size: 13px; margin: 0 0 18px; }
table { width: 100%; border-collapse: collapse; background: #fff; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #dee0e3; padding: 8px 10px; text-align: left; }
thead th { background: #eef1f6; font-weight: 600; }
tbody th { font-weight: 600; white-space: nowrap; }
a { color: #2f6db5; }
.size { margin-left: 6px; color: #646a73; font-size: 13px; }
.none { color: #c8ccd2; }
.empty { background: #fff; padding: 16px; border: 1px solid #dee0e3; }
`

const archiveHead = `<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>{{.Title}}</title>
<link rel="icon" href="data:,">
<style>` + archiveStyle + `</style>
</head>
`

var archiveIndexTemplate = template.Must(template.New("index").Funcs(template.FuncMap{
	"stamp": func(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02 15:04") },
	"iso":   func(t time.Time, loc *time.Location) string { return t.In(loc).Format(time.RFC3339) },
}).Parse(archiveHead + `<body>
<main>
<h1>{{.Title}}</h1>
<p class="note">月报归档：共 {{len .Months}} 期，按月份从新到旧排列。月报不含个人信息。</p>
{{if .Months}}<table>
<thead><tr><th scope="col">月份</th><th scope="col">网页版</th><th scope="col">PDF</th><th scope="col">Excel</th><th scope="col">生成时间</th></tr></thead>
<tbody>
{{range .Months}}<tr id="m-{{.Period}}">
<th scope="row">{{if .HTML}}<a href="{{.HTML}}">{{.Label}}</a>{{else}}{{.Label}}{{end}}</th>
{{range .Files}}<td>{{if .Href}}<a href="{{.Href}}" aria-label="{{.Aria}}">{{.Label}}</a><span class="size">{{.Size}}</span>{{else}}<span class="none">—</span>{{end}}</td>
{{end}}<td><time datetime="{{iso .Written $.Zone}}">{{stamp .Written $.Zone}}</time></td>
</tr>
{{end}}</tbody>
</table>
{{else}}<p class="empty">尚无月报。</p>
{{end}}</main>
</body>
</html>
`))

var archiveErrorTemplate = template.Must(template.New("error").Parse(archiveHead + `<body>
<main>
<h1>{{.Title}}</h1>
<p>{{.Message}}</p>
<p><a href="{{.Back}}">返回月报目录</a></p>
</main>
</body>
</html>
`))
