package ingest

import (
	"context"
	"crypto/tls"
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewHTTPSourceInvalid(t *testing.T) {
	ok := []string{"https://x.example/ledger.csv"}
	tests := []struct {
		name string
		opts HTTPOptions
		prev HTTPState
		want string
	}{
		{"no URL", HTTPOptions{}, nil, "no URL"},
		{"bad scheme", HTTPOptions{URLs: []string{"ftp://x.example/a.csv"}}, nil, `"ftp://x.example/a.csv" is not an http or https URL`},
		{"no host", HTTPOptions{URLs: []string{"https:///a.csv"}}, nil, "is not an http or https URL"},
		{"password hidden", HTTPOptions{URLs: []string{"ftp://u:pw@x.example/"}}, nil, `"ftp://u:xxxxx@x.example/"`},
		{"mode", HTTPOptions{URLs: ok, Mode: "ftp"}, nil, `mode "ftp" is not "file" or "api"`},
		{"api two URLs", HTTPOptions{URLs: []string{"https://a/", "https://b/"}, Mode: ModeAPI}, nil, "exactly one URL, not 2"},
		{"negative retries", HTTPOptions{URLs: ok, Retries: -1}, nil, "must not be negative"},
		{"token newline", HTTPOptions{URLs: ok, Token: "abc\r\nX-Evil: 1"}, nil, "the token holds a control character"},
		{"record type path", HTTPOptions{URLs: ok, Mode: ModeAPI, RecordTypes: []string{"../x"}}, nil, `record type "../x" is not a plain name`},
		{"record type twice", HTTPOptions{URLs: ok, Mode: ModeAPI, RecordTypes: []string{"ledger", "ledger"}}, nil, `"ledger" is given twice`},
		{"bad cursor", HTTPOptions{URLs: ok, Mode: ModeAPI}, HTTPState{"cursor": "yesterday"}, `stored cursor "yesterday"`},
		{"missing CA file", HTTPOptions{URLs: ok, CAFile: filepath.Join(t.TempDir(), "none.pem")}, nil, "ca_file"},
		{"CA file without PEM", HTTPOptions{URLs: ok, CAFile: writeFile(t, t.TempDir(), "ca.pem", []byte("not a cert")).Path}, nil, "no PEM certificate"},
	}
	for _, tt := range tests {
		_, err := NewHTTPSource(tt.opts, tt.prev)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "abc") || strings.Contains(err.Error(), ":pw@") {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestHTTPConditional: the validators of a 200 are sent by the next pull,
// and a 304 yields no File but keeps them.
func TestHTTPConditional(t *testing.T) {
	const etag, lastMod = `"v1-abc"`, "Fri, 01 Mar 2024 08:00:00 GMT"
	srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		w.Header().Set("Last-Modified", lastMod)
		io.WriteString(w, ledgerCSV)
	})
	u := srv.URL + "/data/ledger.csv"
	s1 := httpSource(t, HTTPOptions{URLs: []string{u}}, nil)
	files, _, _, err := s1.List(context.Background(), time.Now())
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	wantState := HTTPState{"etag " + u: etag, "last_modified " + u: lastMod}
	if st := s1.NewState(); !reflect.DeepEqual(st, wantState) {
		t.Errorf("state %v, want %v", st, wantState)
	}
	if mod := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC); !files[0].ModTime.Equal(mod) {
		t.Errorf("ModTime %v, want %v", files[0].ModTime, mod)
	}

	s2 := httpSource(t, HTTPOptions{URLs: []string{u}}, s1.NewState())
	files, skipped, _, err := s2.List(context.Background(), time.Now())
	if err != nil || len(files) != 0 || len(skipped) != 0 {
		t.Fatal(files, skipped, err)
	}
	if r := h.reqs[1]; r.Header.Get("If-None-Match") != etag || r.Header.Get("If-Modified-Since") != lastMod {
		t.Errorf("second request headers %v", r.Header)
	}
	if _, has := h.reqs[0].Header["If-None-Match"]; has {
		t.Error("first request sent If-None-Match")
	}
	if st := s2.NewState(); !reflect.DeepEqual(st, wantState) {
		t.Errorf("state after 304: %v, want %v", st, wantState)
	}
	assertEmptyDir(t, s2.opts.TempDir)
}

func TestHTTPFileNames(t *testing.T) {
	const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	tests := []struct {
		path, disposition, contentType string
		want                           string
	}{
		{"/export", `attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6.csv`, "text/csv", "人员台账.csv"},
		{"/export", `attachment; filename="ledger.csv"; filename*=UTF-8''%E4%BB%BB%E8%81%8C%E8%AE%B0%E5%BD%95.xlsx`, "", "任职记录.xlsx"},
		{"/export", `attachment; filename="roles.json"`, "text/plain", "roles.json"},
		{"/export", `attachment; filename="../../etc/ledger.csv"`, "", "ledger.csv"},
		{"/export", `attachment; filename="C:\\feeds\\quota.csv"`, "", "quota.csv"},
		{"/export", `attachment; filename=人员台账.xlsx`, "", "人员台账.xlsx"},             // raw UTF-8, not RFC 6266
		{"/export", `attachment; filename="%E7%BC%96%E5%88%B6.csv"`, "", "编制.csv"}, // percent-encoded in filename=
		{"/feeds/%E8%A1%A5%E8%B4%B4%E5%8F%91%E6%94%BE.ndjson", "", "", "补贴发放.ndjson"},
		{"/feeds/ledger", "", xlsxType, "ledger.xlsx"},
		{"/feeds/ledger", "", "application/json; charset=utf-8", "ledger.json"},
		{"/feeds/ledger", "", "application/x-ndjson", "ledger.ndjson"},
		{"/feeds/ledger", "", "application/jsonl", "ledger.ndjson"},
		{"/feeds/ledger", "", "text/csv; charset=gb18030", "ledger.csv"},
		{"/feeds/ledger.csv", "", xlsxType, "ledger.csv"},
		{"/", "", "text/csv", "download.csv"},
		{"/feeds/ledger", "", "text/html", "ledger"},
		{"/feeds/ledger.xls", "inline", "application/vnd.ms-excel", "ledger.xls"},
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.disposition != "" {
			h.Set("Content-Disposition", tt.disposition)
		}
		if tt.contentType != "" {
			h.Set("Content-Type", tt.contentType)
		}
		u, err := url.Parse("https://x.example" + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fileName(h, u); got != tt.want {
			t.Errorf("fileName(%q, %q, %q) = %q, want %q", tt.path, tt.disposition, tt.contentType, got, tt.want)
		}
	}
}

// TestHTTPListFiles: two URLs, one named by a Chinese filename*, one of an
// unsupported type; every file reads back.
func TestHTTPListFiles(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch r.URL.Path {
		case "/export":
			w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6.csv`)
			w.Header().Set("Content-Type", "text/csv")
			w.Header().Set("Date", "Fri, 01 Mar 2024 08:00:00 GMT")
			io.WriteString(w, ledgerCSV)
		case "/roles":
			w.Header().Set("Content-Type", "application/x-ndjson")
			io.WriteString(w, `{"身份证号":"11010519491231002X","两委职务":"委员"}`+"\n")
		case "/report.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			io.WriteString(w, "%PDF")
		case "/abc.csv":
			io.WriteString(w, "abc")
		}
	})
	urls := []string{srv.URL + "/export?county=140105", srv.URL + "/report.pdf", srv.URL + "/roles", srv.URL + "/abc.csv"}
	s := httpSource(t, HTTPOptions{URLs: urls}, nil)
	files, skipped, unsettled, err := s.List(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if want := []Skipped{{URI: urls[1], Reason: ReasonUnsupported}}; !reflect.DeepEqual(skipped, want) || unsettled != 0 {
		t.Errorf("skipped %v, want %v", skipped, want)
	}
	if len(files) != 3 {
		t.Fatalf("files %+v", files)
	}
	if f := files[2]; f.Name != "abc.csv" || f.Size != 3 || f.SHA256 != sha256ABC {
		t.Errorf("file %+v, want the SHA-256 of abc", f)
	}
	f := files[0]
	if f.URI != urls[0] || f.Name != "人员台账.csv" || f.Format != FormatCSV || f.Size != int64(len(ledgerCSV)) ||
		!f.ModTime.Equal(time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)) || filepath.Dir(filepath.Dir(f.Path)) != s.opts.TempDir {
		t.Errorf("file %+v", f)
	}
	rows, err := collect(t, f, ReadOptions{})
	if err != nil || !reflect.DeepEqual(rows[1].Cells, []string{"张三", "11010519491231002X"}) {
		t.Errorf("read back %v, %v", rows, err)
	}
	if f := files[1]; f.Name != "roles.ndjson" || f.Format != FormatNDJSON {
		t.Errorf("file %+v", f)
	}
	rows, err = collect(t, files[1], ReadOptions{})
	if err != nil || !reflect.DeepEqual(rows[0].Keys, []string{"身份证号", "两委职务"}) {
		t.Errorf("read back %v, %v", rows, err)
	}

	// Done and Failed remove each file, the folder with the last one.
	ctx := context.Background()
	if err := s.Done(ctx, files[0]); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(files[0].Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Done left %s: %v", files[0].Path, err)
	}
	if err := s.Done(ctx, files[0]); err == nil {
		t.Error("a second Done of the same file succeeded")
	}
	if err := s.Failed(ctx, files[1], "bad_id_checksum"); err != nil {
		t.Fatal(err)
	}
	if err := s.Done(ctx, files[2]); err != nil {
		t.Fatal(err)
	}
	assertEmptyDir(t, s.opts.TempDir)
}

func TestHTTPFailureRemovesEarlierDownloads(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if r.URL.Path == "/roles.csv" {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		io.WriteString(w, ledgerCSV)
	})
	s := httpSource(t, HTTPOptions{URLs: []string{srv.URL + "/ledger.csv", srv.URL + "/roles.csv"}, Retries: 1}, nil)
	err := listErr(t, s)
	if want := "ingest: GET " + srv.URL + "/roles.csv: HTTP 500 Internal Server Error (2 tries)"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if st := s.NewState(); len(st) != 0 {
		t.Errorf("a failed pull changed the state: %v", st)
	}
}

func TestHTTPCloseRemovesDownloads(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, n int) { io.WriteString(w, ledgerCSV) })
	dir := t.TempDir()
	s, err := NewHTTPSource(HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, TempDir: dir}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if files, _, _, err := s.List(context.Background(), time.Now()); err != nil || len(files) != 1 {
			t.Fatal(files, err)
		}
	}
	if left, _ := os.ReadDir(dir); len(left) != 2 {
		t.Fatalf("two pulls left %v", left)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	assertEmptyDir(t, dir)
}

// TestHTTPPrivateCA: the test server's certificate, trusted through
// CAFile, makes the request succeed; without it verification fails at once.
func TestHTTPPrivateCA(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, ledgerCSV)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	srv.StartTLS()
	defer srv.Close()
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	u := []string{srv.URL + "/ledger.csv"}
	s := httpSource(t, HTTPOptions{URLs: u, CAFile: caFile}, nil)
	if files, _, _, err := s.List(context.Background(), time.Now()); err != nil || len(files) != 1 {
		t.Fatalf("with the CA: %v, %v", files, err)
	}
	s = httpSource(t, HTTPOptions{URLs: u, Retries: 3}, nil)
	err := listErr(t, s)
	var cve *tls.CertificateVerificationError
	var he *HTTPError
	if !errors.As(err, &cve) || !errors.As(err, &he) || he.Tries != 1 {
		t.Errorf("without the CA: %v", err)
	}
}

func TestHTTPRefusesDowngradeRedirect(t *testing.T) {
	plain, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) { io.WriteString(w, ledgerCSV) })
	tlsSrv := httptest.NewTLSServer(http.RedirectHandler(plain.URL+"/ledger.csv", http.StatusFound))
	defer tlsSrv.Close()
	client := tlsSrv.Client()
	client.CheckRedirect = checkRedirect
	s := httpSource(t, HTTPOptions{URLs: []string{tlsSrv.URL + "/ledger.csv"}, Token: "t", Client: client, Retries: 2}, nil)
	err := listErr(t, s)
	if !errors.Is(err, errRedirect) || h.n() != 0 || !strings.HasSuffix(err.Error(), "(1 try)") {
		t.Errorf("error %v, %d requests reached the http server", err, h.n())
	}
}

func TestHTTPProbeFile(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case r.URL.Path == "/nohead.csv" && r.Method == http.MethodHead:
			w.WriteHeader(http.StatusMethodNotAllowed)
		case r.URL.Path == "/secret.csv":
			w.WriteHeader(http.StatusForbidden)
		case r.URL.Path == "/report.pdf":
			w.Header().Set("Content-Type", "application/pdf")
		default:
			w.Header().Set("Last-Modified", "Fri, 01 Mar 2024 08:00:00 GMT")
			w.Header().Set("Content-Type", "text/csv; charset=utf-8")
			http.ServeContent(w, r, "", time.Time{}, strings.NewReader(ledgerCSV))
		}
	})
	urls := []string{srv.URL + "/ledger.csv", srv.URL + "/nohead.csv", srv.URL + "/secret.csv", srv.URL + "/report.pdf"}
	s := httpSource(t, HTTPOptions{URLs: urls}, nil)
	got := s.Probe(context.Background())
	if len(got) != 4 {
		t.Fatalf("%d results", len(got))
	}
	size := int64(len(ledgerCSV))
	want := []ProbeResult{
		{URL: urls[0], Status: 200, ContentType: "text/csv; charset=utf-8", Length: size, Detail: "ledger.csv, csv, last modified Fri, 01 Mar 2024 08:00:00 GMT"},
		{URL: urls[1], Status: 206, ContentType: "text/csv; charset=utf-8", Length: size, Detail: "nohead.csv, csv, last modified Fri, 01 Mar 2024 08:00:00 GMT"},
	}
	for i, w := range want {
		if g := got[i]; g.Err != nil || g != w {
			t.Errorf("probe %d:\n got %+v\nwant %+v", i, g, w)
		}
	}
	if g := got[2]; g.Status != 403 || !errors.Is(g.Err, ErrUnauthorized) {
		t.Errorf("probe 2: %+v", g)
	}
	if g := got[3]; g.Status != 200 || !errors.Is(g.Err, ErrUnsupported) || g.Detail != "report.pdf, unknown" {
		t.Errorf("probe 3: %+v", g)
	}
}
