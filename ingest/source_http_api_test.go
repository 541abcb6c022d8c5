package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// page renders a page of the api: next "" leaves next_page_token out.
func page(rt, next string, records ...string) string {
	s := `{"record_type":` + strconv.Quote(rt) + `,"records":[` + strings.Join(records, ",") + `]`
	if next != "" {
		s += `,"next_page_token":` + strconv.Quote(next)
	}
	return s + "}"
}

// apiServer serves pages[record type]: the first page without page_token,
// page i (0-based) for page_token "t<i>"; a record type not in pages is a 404.
func apiServer(t *testing.T, pages map[string][]string) (string, *hits) {
	t.Helper()
	srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		q := r.URL.Query()
		ps, ok := pages[q.Get("record_type")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		i := 0
		if tok := q.Get("page_token"); tok != "" {
			i, _ = strconv.Atoi(strings.TrimPrefix(tok, "t"))
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, ps[i])
	})
	return srv.URL + "/api/graduates", h
}

func TestHTTPAPIList(t *testing.T) {
	base, h := apiServer(t, map[string][]string{
		"ledger": {
			page("ledger", "t1", `{"姓名":"张三", "身份证号":"11010519491231002X"}`, `{"姓名":"李四","身份证号":"110105194912310029"}`),
			page("ledger", "", `{"姓名":"王五","身份证号":"11010519491231002X","到岗时间":"2022-07-01"}`),
		},
		"assessments": {page("assessments", "")},
		"subsidies":   {`{"next_page_token":null,"records":[{"id_number":"11010519491231002X","amount_yuan":310000.00,"n":12345678901234567890}],"record_type":"subsidies"}`},
	})
	s := httpSource(t, HTTPOptions{URLs: []string{base + "?county=140105"}, Mode: ModeAPI,
		RecordTypes: []string{"ledger", "roles", "assessments", "subsidies"}}, nil)
	files, skipped, _, err := s.List(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 0 || len(files) != 2 {
		t.Fatalf("files %+v, skipped %v", files, skipped)
	}
	// Every request kept the base query and sent no updated_since.
	wantQueries := []string{
		"county=140105&record_type=ledger",
		"county=140105&page_token=t1&record_type=ledger",
		"county=140105&record_type=roles",
		"county=140105&record_type=assessments",
		"county=140105&record_type=subsidies",
	}
	var queries []string
	for _, r := range h.reqs {
		queries = append(queries, r.URL.RawQuery)
	}
	if !reflect.DeepEqual(queries, wantQueries) {
		t.Errorf("queries\n%q\nwant\n%q", queries, wantQueries)
	}
	wantLedger := `{"姓名":"张三","身份证号":"11010519491231002X"}` + "\n" +
		`{"姓名":"李四","身份证号":"110105194912310029"}` + "\n" +
		`{"姓名":"王五","身份证号":"11010519491231002X","到岗时间":"2022-07-01"}` + "\n"
	f := files[0]
	if content, err := os.ReadFile(f.Path); err != nil || string(content) != wantLedger {
		t.Errorf("ledger.ndjson:\n%s, %v\nwant\n%s", content, err, wantLedger)
	}
	if f.Name != "ledger.ndjson" || f.Format != FormatNDJSON || f.URI != base+"?county=140105&record_type=ledger" ||
		f.Size != int64(len(wantLedger)) || len(f.SHA256) != 64 {
		t.Errorf("file %+v", f)
	}
	rows, err := collect(t, f, ReadOptions{})
	if err != nil || len(rows) != 3 || !reflect.DeepEqual(rows[2].Keys, []string{"姓名", "身份证号", "到岗时间"}) ||
		!reflect.DeepEqual(rows[2].Cells, []string{"王五", "11010519491231002X", "2022-07-01"}) {
		t.Errorf("ledger read back: %+v, %v", rows, err)
	}
	rows, err = collect(t, files[1], ReadOptions{})
	if err != nil || len(rows) != 1 || !reflect.DeepEqual(rows[0].Cells, []string{"11010519491231002X", "310000.00", "12345678901234567890"}) {
		t.Errorf("subsidies read back: %+v, %v", rows, err)
	}
	if s.Partial() {
		t.Error("a first pull is partial")
	}
}

// TestHTTPAPICursor: the first pull sends no updated_since and remembers
// the Date of its first response; the next sends exactly that and gets the
// records changed since.
func TestHTTPAPICursor(t *testing.T) {
	dates := []string{"Fri, 01 Mar 2024 08:00:00 GMT", "Fri, 01 Mar 2024 08:00:05 GMT"}
	records := []struct{ updated, body string }{
		{"2024-02-01T00:00:00Z", `{"姓名":"张三"}`},
		{"2024-03-01T08:00:00Z", `{"姓名":"李四"}`},
		{"2024-03-02T09:30:00Z", `{"姓名":"王五"}`},
	}
	srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Date", dates[min(n-1, 1)])
		if r.URL.Query().Get("record_type") != "ledger" {
			http.NotFound(w, r)
			return
		}
		since := r.URL.Query().Get("updated_since")
		var out []string
		for _, rec := range records {
			if rec.updated >= since { // RFC 3339 UTC times order as strings
				out = append(out, rec.body)
			}
		}
		io.WriteString(w, page("ledger", "", out...))
	})
	opts := HTTPOptions{URLs: []string{srv.URL}, Mode: ModeAPI, RecordTypes: []string{"ledger", "roles"}}
	s1 := httpSource(t, opts, nil)
	files, _, _, err := s1.List(context.Background(), time.Now())
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	if rows, _ := collect(t, files[0], ReadOptions{}); len(rows) != 3 {
		t.Errorf("first pull: %d records, want 3", len(rows))
	}
	for _, r := range h.reqs {
		if r.URL.Query().Has("updated_since") {
			t.Errorf("first pull sent %s", r.URL.RawQuery)
		}
	}
	state := s1.NewState()
	if want := (HTTPState{"cursor": "2024-03-01T08:00:00Z"}); !reflect.DeepEqual(state, want) {
		t.Errorf("state %v, want %v", state, want)
	}

	s2 := httpSource(t, opts, state)
	if !s2.Partial() {
		t.Error("a pull with a cursor is not partial")
	}
	files, _, _, err = s2.List(context.Background(), time.Now())
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	if got, want := h.reqs[2].URL.RawQuery, "record_type=ledger&updated_since=2024-03-01T08%3A00%3A00Z"; got != want {
		t.Errorf("second pull sent %q, want %q", got, want)
	}
	rows, err := collect(t, files[0], ReadOptions{})
	if err != nil || len(rows) != 2 || rows[0].Cells[0] != "李四" || rows[1].Cells[0] != "王五" {
		t.Errorf("second pull: %+v, %v", rows, err)
	}
	if got := s2.NewState()["cursor"]; got != "2024-03-01T08:00:05Z" {
		t.Errorf("cursor %q", got)
	}
}

func TestHTTPAPINoDate(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header()["Date"] = nil // no Date header at all
		io.WriteString(w, page("ledger", ""))
	})
	s := httpSource(t, HTTPOptions{URLs: []string{srv.URL}, Mode: ModeAPI, RecordTypes: []string{"ledger"}}, nil)
	now := time.Date(2024, 3, 1, 16, 0, 0, 0, time.FixedZone("CST", 8*3600))
	files, _, _, err := s.List(context.Background(), now)
	if err != nil || len(files) != 0 {
		t.Fatal(files, err)
	}
	if got := s.NewState()["cursor"]; got != "2024-03-01T08:00:00Z" {
		t.Errorf("cursor %q, want now in UTC", got)
	}
}

func TestHTTPAPIBadPage(t *testing.T) {
	const p3 = `{"record_type":"ledger","records":[{"姓名":"张三","身份证号":"11010519491231002X"}`
	tests := []struct {
		name, body string
		want       error
		msg        string
	}{
		{"invalid JSON", p3 + `,{"姓名" "李四"}]}`, ErrSyntax, "invalid JSON at or after byte 91"},
		{"cut JSON", p3, ErrSyntax, "unexpected end of JSON"},
		{"top-level array", `[{"姓名":"张三"}]`, ErrSyntax, "a page must be an object"},
		{"other record type", page("roles", "t3", `{"姓名":"张三"}`), ErrSyntax, "record_type does not match"},
		{"records an object", `{"record_type":"ledger","records":{"姓名":"张三"}}`, ErrSyntax, "records is not an array"},
		{"record a string", `{"record_type":"ledger","records":[{},"张三"]}`, ErrSyntax, "record 2: a record is not an object"},
		{"extra key", `{"record_type":"ledger","records":[],"张三":1}`, ErrSyntax, "a key other than"},
		{"key twice", `{"record_type":"ledger","records":[],"records":[]}`, ErrSyntax, "a key twice"},
		{"no records", `{"record_type":"ledger","next_page_token":"t3"}`, ErrSyntax, `must hold "record_type" and "records"`},
		{"token a number", `{"record_type":"ledger","records":[],"next_page_token":3}`, ErrSyntax, "next_page_token is not a string"},
		{"trailing data", page("ledger", "t3") + `{"姓名":"张三"}`, ErrSyntax, "data after the end"},
		{"invalid UTF-8", `{"record_type":"ledger","records":[{"姓名":"` + "\xff\xfe" + `"}]}`, ErrEncoding, "record 1: ingest: invalid text encoding"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pages := []string{page("ledger", "t1", `{"姓名":"甲"}`), page("ledger", "t2", `{"姓名":"乙"}`), tt.body,
				page("ledger", "t4", `{"姓名":"丁"}`), page("ledger", "")}
			base, h := apiServer(t, map[string][]string{"ledger": pages})
			s := httpSource(t, HTTPOptions{URLs: []string{base}, Mode: ModeAPI, Retries: 3}, nil)
			err := listErr(t, s)
			msg := err.Error()
			if !errors.Is(err, tt.want) || !strings.Contains(msg, ": page 3: ") || !strings.Contains(msg, tt.msg) ||
				!strings.HasPrefix(msg, "ingest: GET "+base+"?page_token=t2&record_type=ledger: HTTP 200 OK: ") {
				t.Errorf("error %q, want %v with %q", msg, tt.want, tt.msg)
			}
			for _, personal := range []string{"张三", "11010519491231002X", "李四"} {
				if strings.Contains(msg, personal) {
					t.Errorf("error %q holds %q", msg, personal)
				}
			}
			if h.n() != 3 {
				t.Errorf("%d requests, want 3 (no retry of a bad page)", h.n())
			}
		})
	}
}

func TestHTTPAPILoop(t *testing.T) {
	base, _ := apiServer(t, map[string][]string{"ledger": {
		page("ledger", "t1", `{"a":1}`), page("ledger", "t2", `{"a":2}`), page("ledger", "t1", `{"a":3}`),
	}})
	s := httpSource(t, HTTPOptions{URLs: []string{base}, Mode: ModeAPI}, nil)
	err := listErr(t, s)
	if want := "ingest: GET " + base + "?record_type=ledger: page 3: ingest: syntax error: next_page_token repeats an earlier one"; err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

// TestHTTPAPIShortPage: a page cut short once, after more than a buffer's
// worth of its records reached the file, is fetched again without
// duplicating them.
func TestHTTPAPIShortPage(t *testing.T) {
	var recs []string
	for i := range 3000 {
		recs = append(recs, fmt.Sprintf(`{"id":%d,"padding":"%s"}`, i, strings.Repeat("x", 60)))
	}
	page2 := page("ledger", "", recs...)
	srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case !r.URL.Query().Has("page_token"):
			io.WriteString(w, page("ledger", "t1", `{"id":-1}`))
		case n == 2:
			w.Header().Set("Content-Length", strconv.Itoa(len(page2)))
			io.WriteString(w, page2[:len(page2)*3/4])
		default:
			io.WriteString(w, page2)
		}
	})
	s := httpSource(t, HTTPOptions{URLs: []string{srv.URL}, Mode: ModeAPI, RecordTypes: []string{"ledger"}, Retries: 1}, nil)
	files, _, _, err := s.List(context.Background(), time.Now())
	if err != nil || len(files) != 1 {
		t.Fatal(files, err)
	}
	rows, err := collect(t, files[0], ReadOptions{})
	if err != nil || len(rows) != 3001 || h.n() != 3 {
		t.Fatalf("%d rows, %v, %d requests", len(rows), err, h.n())
	}
	for i, r := range rows {
		if want := strconv.Itoa(i - 1); r.Cells[0] != want {
			t.Fatalf("row %d has id %s, want %s", i+1, r.Cells[0], want)
		}
	}
}

func TestHTTPAPIMaxBytes(t *testing.T) {
	base, _ := apiServer(t, map[string][]string{"ledger": {page("ledger", "t1", `{"a":1}`), page("ledger", "", `{"a":"`+strings.Repeat("x", 100)+`"}`)}})
	s := httpSource(t, HTTPOptions{URLs: []string{base}, Mode: ModeAPI, MaxBytes: 100}, nil)
	if err := listErr(t, s); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "page_token=t1") {
		t.Errorf("error %v", err)
	}
}

func TestHTTPProbeAPI(t *testing.T) {
	base, h := apiServer(t, map[string][]string{
		"ledger":    {page("ledger", "t1", `{"a":1}`, `{"a":2}`)},
		"roles":     {page("roles", "", `{"a":1}`)},
		"quota":     {`{"record_type":"quota","records":[1]}`},
		"subsidies": {page("subsidies", "")},
	})
	s := httpSource(t, HTTPOptions{URLs: []string{base}, Mode: ModeAPI}, HTTPState{"cursor": "2024-03-01T16:00:00+08:00"})
	got := s.Probe(context.Background())
	want := []struct {
		status int
		detail string
		err    error
	}{
		{200, "2 records on the first page, more pages follow", nil},
		{200, "1 records, one page", nil},
		{404, "the county offers no assessments records (404)", nil},
		{404, "the county offers no vacancies records (404)", nil},
		{200, "", ErrSyntax},
		{200, "0 records, one page", nil},
	}
	if len(got) != len(want) {
		t.Fatalf("%d results", len(got))
	}
	for i, w := range want {
		g := got[i]
		if g.Status != w.status || g.Detail != w.detail || (w.err == nil) != (g.Err == nil) || (w.err != nil && !errors.Is(g.Err, w.err)) {
			t.Errorf("probe %d: %+v, want %+v", i, g, w)
		}
	}
	if q := h.reqs[0].URL.RawQuery; q != "record_type=ledger&updated_since=2024-03-01T08%3A00%3A00Z" || got[0].URL != base+"?"+q {
		t.Errorf("probe asked %q, reported %q", q, got[0].URL)
	}
	if h.n() != 6 {
		t.Errorf("%d requests, want one per record type", h.n())
	}
}
