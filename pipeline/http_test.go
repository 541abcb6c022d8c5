package pipeline

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
)

// apiCounty is a county API (docs/feeds.md, HTTP feeds) for the fixture's 娄烦县: the
// ledger of 张三 and 王五, changed records since a cursor, a page that can
// be broken on purpose, and a record of every request.
type apiCounty struct {
	mu       sync.Mutex
	requests []string // "record_type updated_since page_token"
	date     time.Time
	changed  bool // 王五 left on 2022-06-30 after the first pull
	broken   bool // the second ledger page is not JSON
}

func (a *apiCounty) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	q := r.URL.Query()
	a.requests = append(a.requests, q.Get("record_type")+" "+q.Get("updated_since")+" "+q.Get("page_token"))
	w.Header().Set("Date", a.date.UTC().Format(http.TimeFormat))
	if r.Header.Get("Authorization") != "Bearer s3cret-token" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	if q.Get("record_type") != "ledger" {
		http.NotFound(w, r)
		return
	}
	rec := func(name, id, village, start, end string) map[string]any {
		return map[string]any{"姓名": name, "身份证号": id, "学历": "硕士", "招录方式": "引进", "编制来源": "乡镇编制",
			"县区": "娄烦县", "乡镇(街道)": "杜交曲乡", "村(社区)": village, "到岗时间": start, "离岗时间": end}
	}
	wangEnd := ""
	if a.changed {
		wangEnd = "2022-06-30"
	}
	zhangRec := rec(zhang.name, zhang.id, "王家村", "2021-04-01", "")
	wangRec := rec(wang.name, wang.id, "李家村", "2021-05-01", wangEnd)
	var page map[string]any
	switch {
	case q.Get("updated_since") != "" && q.Get("page_token") == "":
		// Incremental: only what changed since the cursor.
		recs := []any{}
		if a.changed {
			recs = append(recs, wangRec)
		}
		page = map[string]any{"record_type": "ledger", "records": recs}
	case q.Get("page_token") == "":
		page = map[string]any{"record_type": "ledger", "records": []any{zhangRec}, "next_page_token": "p2"}
	default:
		if a.broken {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"record_type": "ledger", "records": [{"姓名": `))
			return
		}
		page = map[string]any{"record_type": "ledger", "records": []any{wangRec}}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(page)
}

// httpFixture is the fixture city with 娄烦县 behind the API.
func httpFixture(t *testing.T, api *apiCounty) *config.Config {
	t.Helper()
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	base := fixture(t)
	os.Remove(filepath.Join(base.Dir, "feeds", "140123", "人员台账.csv"))
	text := strings.Replace(fixtureConfig,
		"source: {kind: dir, path: feeds/140123, settle: 0s, encoding: auto}",
		"source: {kind: http, mode: api, url: \""+srv.URL+"/api\", token_env: LOUFAN_TOKEN, retries: 1, timeout: 5s}", 1)
	path := filepath.Join(base.Dir, "grassroots.yaml")
	must(t, os.WriteFile(path, []byte(text), 0o644))
	t.Setenv("LOUFAN_TOKEN", "s3cret-token")
	cfg, err := config.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestHTTPAPICountyWithCursor(t *testing.T) {
	api := &apiCounty{date: time.Date(2022, 7, 1, 8, 0, 0, 0, time.UTC)}
	cfg := httpFixture(t, api)

	// A broken second page: the pull fails, nothing is loaded, no cursor kept.
	api.broken = true
	res := runOnce(t, cfg)
	if l := county(res, "140123"); l.Status != StatusFailed || !contains(l.Error, "page 2") || strings.Contains(l.Error, "s3cret") {
		t.Fatalf("broken page: %+v", l)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE county_code = '140123'"); n != 0 {
			t.Errorf("%d postings loaded from a failed pull", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_source_state"); n != 0 {
			t.Errorf("a failed pull stored %d state rows", n)
		}
		if e := scalar[string](t, db, "SELECT error FROM etl_run WHERE county_code = '140123' AND status = 'failed'"); !contains(e, "page 2") {
			t.Errorf("etl_run says %q", e)
		}
	})

	// The first good pull sends no cursor and loads both persons.
	api.broken = false
	api.requests = nil
	res = runOnce(t, cfg)
	if l := county(res, "140123"); l.Status != StatusSucceeded || l.RowsIn != 2 || l.Loaded != 2 {
		t.Fatalf("first pull: %+v", l)
	}
	if got := strings.Join(api.requests, ","); !strings.HasPrefix(got, "ledger  ,ledger  p2,") {
		t.Fatalf("first pull requests: %s", got)
	}

	// Later pulls send the first pull's server time and load only what changed.
	api.date = api.date.Add(24 * time.Hour)
	api.changed = true
	api.requests = nil
	res = runOnce(t, cfg)
	l := county(res, "140123")
	if l.Status != StatusSucceeded || l.RowsIn != 1 || l.Loaded != 1 {
		t.Fatalf("incremental pull: %+v", l)
	}
	if got := api.requests[0]; got != "ledger 2022-07-01T08:00:00Z " {
		t.Fatalf("incremental pull sent %q, want updated_since of the first pull", got)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if d := scalar[string](t, db, "SELECT strftime(end_date, '%Y-%m-%d') FROM fact_posting WHERE village_code = '140123200202'"); d != "2022-06-30" {
			t.Errorf("王五's end date %q", d)
		}
		// 张三 is not in the incremental ledger, but has not vanished.
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_finding WHERE code = 'vanished_from_ledger'"); n != 0 {
			t.Errorf("%d vanished_from_ledger findings from an incremental pull", n)
		}
		if c := scalar[string](t, db, "SELECT value FROM etl_source_state WHERE county_code = '140123' AND key = 'cursor'"); c != "2022-07-02T08:00:00Z" {
			t.Errorf("cursor %q after the second pull", c)
		}
	})

	// Nothing changed since: the run records no_new_data and the cursor moves on.
	api.date = api.date.Add(24 * time.Hour)
	api.changed = false
	res = runOnce(t, cfg)
	if l := county(res, "140123"); l.Status != StatusNoNewData {
		t.Fatalf("empty pull: %+v", l)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if c := scalar[string](t, db, "SELECT value FROM etl_source_state WHERE county_code = '140123' AND key = 'cursor'"); c != "2022-07-03T08:00:00Z" {
			t.Errorf("cursor %q after an empty pull", c)
		}
		assertAccounting(t, db)
	})

	// A wrong token: 401, at once, and the etl_run row says so.
	t.Setenv("LOUFAN_TOKEN", "wrong")
	api.requests = nil
	res = runOnce(t, cfg)
	if l := county(res, "140123"); l.Status != StatusFailed || !contains(l.Error, "401") || len(api.requests) != 1 {
		t.Fatalf("401: %+v after %d requests", l, len(api.requests))
	}
}

// TestHTTPFileCountyMisbehaving serves 娄烦县's ledger as a file from servers
// that misbehave on purpose; each run ends as docs/feeds.md says of HTTP
// feeds, its etl_run row says why, and failed pulls change nothing.
func TestHTTPFileCountyMisbehaving(t *testing.T) {
	body, err := os.ReadFile(filepath.Join(fixture(t).Dir, "feeds", "140123", "人员台账.csv"))
	if err != nil {
		t.Fatal(err)
	}
	serve := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "text/csv")
		w.Header().Set("Content-Disposition", `attachment; filename*=UTF-8''%E4%BA%BA%E5%91%98%E5%8F%B0%E8%B4%A6.csv`)
		w.Write(body)
	}
	cases := []struct {
		name    string
		extra   string // source keys
		handler func(n int, w http.ResponseWriter, r *http.Request)
		status  string
		error   string
		calls   int
	}{
		{"503 twice then 200", "retries: 3", func(n int, w http.ResponseWriter, r *http.Request) {
			if n <= 2 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			serve(w)
		}, StatusSucceeded, "", 3},
		{"429 with Retry-After", "retries: 2", func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			serve(w)
		}, StatusSucceeded, "", 2},
		{"stalled past the timeout", "retries: 1, timeout: 300ms", func(n int, w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(3 * time.Second):
			}
		}, StatusFailed, "2 tries", 2},
		{"body cut short of its Content-Length", "retries: 1", func(n int, w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/csv")
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.Write(body[:len(body)/2])
		}, StatusFailed, "cut short", 2},
		{"401", "retries: 3", func(n int, w http.ResponseWriter, r *http.Request) {
			http.Error(w, "who are you", http.StatusUnauthorized)
		}, StatusFailed, "401", 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				calls++
				n := calls
				mu.Unlock()
				c.handler(n, w, r)
			}))
			defer srv.Close()
			base := fixture(t)
			os.Remove(filepath.Join(base.Dir, "feeds", "140123", "人员台账.csv"))
			text := strings.Replace(fixtureConfig,
				"source: {kind: dir, path: feeds/140123, settle: 0s, encoding: auto}",
				"source: {kind: http, url: \""+srv.URL+"/ledger\", "+c.extra+"}", 1)
			path := filepath.Join(base.Dir, "grassroots.yaml")
			must(t, os.WriteFile(path, []byte(text), 0o644))
			cfg, err := config.Load(path)
			if err != nil {
				t.Fatal(err)
			}
			res := runOnce(t, cfg)
			l := county(res, "140123")
			mu.Lock()
			got := calls
			mu.Unlock()
			if l.Status != c.status || !strings.Contains(l.Error, c.error) || got != c.calls {
				t.Fatalf("status %s, error %q, %d requests; want %s, %q, %d", l.Status, l.Error, got, c.status, c.error, c.calls)
			}
			withWarehouse(t, cfg, func(db *sql.DB) {
				want := 0
				if c.status == StatusSucceeded {
					want = 2
				}
				if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE county_code = '140123'"); n != want {
					t.Errorf("%d postings of 娄烦县, want %d", n, want)
				}
				if c.status == StatusFailed {
					if e := scalar[string](t, db, "SELECT error FROM etl_run WHERE county_code = '140123'"); e == "" || !strings.Contains(e, srv.URL) {
						t.Errorf("etl_run error %q does not say why", e)
					}
				}
			})
		})
	}
}
