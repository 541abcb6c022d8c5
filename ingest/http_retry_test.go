package ingest

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hits counts the requests of a test server and when each came.
type hits struct {
	mu    sync.Mutex
	times []time.Time
	reqs  []*http.Request
}

func (h *hits) add(r *http.Request) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.times = append(h.times, time.Now())
	h.reqs = append(h.reqs, r.Clone(context.Background()))
	return len(h.times)
}

func (h *hits) n() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.times)
}

// serve starts a test server whose handler gets the 1-based number of the request.
func serve(t *testing.T, fn func(w http.ResponseWriter, r *http.Request, n int)) (*httptest.Server, *hits) {
	t.Helper()
	h := &hits{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fn(w, r, h.add(r))
	}))
	t.Cleanup(srv.Close)
	return srv, h
}

// httpSource builds a source with fast backoffs and a private TempDir.
func httpSource(t *testing.T, opts HTTPOptions, prev HTTPState) *HTTPSource {
	t.Helper()
	if opts.TempDir == "" {
		opts.TempDir = t.TempDir()
	}
	if opts.Backoff == 0 {
		opts.Backoff = 5 * time.Millisecond
	}
	s, err := NewHTTPSource(opts, prev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// listErr runs List and expects it to fail, leaving nothing behind.
func listErr(t *testing.T, s *HTTPSource) error {
	t.Helper()
	files, skipped, _, err := s.List(context.Background(), time.Now())
	if err == nil {
		t.Fatalf("List succeeded with %d files", len(files))
	}
	if files != nil || skipped != nil {
		t.Errorf("a failed List returned files %v, skipped %v", files, skipped)
	}
	assertEmptyDir(t, s.opts.TempDir)
	return err
}

func assertEmptyDir(t *testing.T, dir string) {
	t.Helper()
	left, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("left in %s: %v", dir, left)
	}
}

const ledgerCSV = "姓名,身份证号\n张三,11010519491231002X\n"

func TestHTTPRetries(t *testing.T) {
	tests := []struct {
		name     string
		retries  int
		handler  func(w http.ResponseWriter, n int)
		requests int
		wantErr  error  // nil: success
		wantMsg  string // in the error
	}{
		{"503 twice then 200", 5, func(w http.ResponseWriter, n int) {
			if n <= 2 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			io.WriteString(w, ledgerCSV)
		}, 3, nil, ""},
		{"503 every time", 2, func(w http.ResponseWriter, n int) {
			w.WriteHeader(http.StatusServiceUnavailable)
		}, 3, nil, "HTTP 503 Service Unavailable (3 tries)"},
		{"short body every time", 2, func(w http.ResponseWriter, n int) {
			w.Header().Set("Content-Length", "1000")
			io.WriteString(w, "姓名,身份证号\n") // 20 bytes of 1000
		}, 3, io.ErrUnexpectedEOF, "body cut short: unexpected EOF (3 tries)"},
		{"short body once", 2, func(w http.ResponseWriter, n int) {
			if n == 1 {
				w.Header().Set("Content-Length", "1000")
				io.WriteString(w, "姓名,身份")
				return
			}
			io.WriteString(w, ledgerCSV)
		}, 2, nil, ""},
		{"401", 3, func(w http.ResponseWriter, n int) {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, "token 张三 invalid")
		}, 1, ErrUnauthorized, "HTTP 401 Unauthorized: ingest: unauthorized (1 try)"},
		{"403", 3, func(w http.ResponseWriter, n int) {
			w.WriteHeader(http.StatusForbidden)
		}, 1, ErrUnauthorized, "HTTP 403 Forbidden: ingest: unauthorized (1 try)"},
		{"404", 3, func(w http.ResponseWriter, n int) {
			http.NotFound(w, nil)
		}, 1, nil, "HTTP 404 Not Found (1 try)"},
		{"400", 3, func(w http.ResponseWriter, n int) {
			w.WriteHeader(http.StatusBadRequest)
		}, 1, nil, "HTTP 400 Bad Request (1 try)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) { tt.handler(w, n) })
			s := httpSource(t, HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, Retries: tt.retries}, nil)
			if tt.wantMsg == "" {
				files, _, _, err := s.List(context.Background(), time.Now())
				if err != nil {
					t.Fatal(err)
				}
				if len(files) != 1 || files[0].Size != int64(len(ledgerCSV)) {
					t.Fatalf("files %+v", files)
				}
				rows, err := collect(t, files[0], ReadOptions{})
				if err != nil || len(rows) != 2 || rows[1].Cells[0] != "张三" {
					t.Errorf("read back %v, %v", rows, err)
				}
			} else {
				err := listErr(t, s)
				if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
					t.Errorf("error %v is not %v", err, tt.wantErr)
				}
				want := "ingest: GET " + srv.URL + "/ledger.csv: "
				if msg := err.Error(); !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, tt.wantMsg) || strings.Contains(msg, "张三") {
					t.Errorf("error %q, want %q...%q", msg, want, tt.wantMsg)
				}
				var he *HTTPError
				if !errors.As(err, &he) || he.Tries != tt.requests {
					t.Errorf("HTTPError %+v", he)
				}
			}
			if got := h.n(); got != tt.requests {
				t.Errorf("%d requests, want %d", got, tt.requests)
			}
		})
	}
}

func TestHTTPRetryAfter(t *testing.T) {
	srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		io.WriteString(w, ledgerCSV)
	})
	s := httpSource(t, HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, Retries: 2}, nil)
	if _, _, _, err := s.List(context.Background(), time.Now()); err != nil {
		t.Fatal(err)
	}
	if h.n() != 2 {
		t.Fatalf("%d requests, want 2", h.n())
	}
	if gap := h.times[1].Sub(h.times[0]); gap < 990*time.Millisecond {
		t.Errorf("second request %v after the first, want at least 1s", gap)
	}
}

func TestHTTPTimeout(t *testing.T) {
	srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 3 { // headers in time, then the body stalls
			w.Header().Set("Content-Length", "100")
			io.WriteString(w, "姓名")
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	})
	s := httpSource(t, HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, Retries: 2, Timeout: 200 * time.Millisecond}, nil)
	start := time.Now()
	err := listErr(t, s)
	if !errors.Is(err, os.ErrDeadlineExceeded) || !strings.HasSuffix(err.Error(), "no complete response within 200ms: i/o timeout (3 tries)") {
		t.Errorf("error %v", err)
	}
	if h.n() != 3 {
		t.Errorf("%d requests, want 3", h.n())
	}
	if d := time.Since(start); d < 600*time.Millisecond {
		t.Errorf("failed after %v, before three timeouts", d)
	}
}

func TestHTTPContextCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		cancel()
		w.WriteHeader(http.StatusServiceUnavailable)
	})
	s := httpSource(t, HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, Retries: 5, Backoff: time.Minute}, nil)
	start := time.Now()
	_, _, _, err := s.List(ctx, time.Now())
	if !errors.Is(err, context.Canceled) || time.Since(start) > 10*time.Second || h.n() != 1 {
		t.Errorf("error %v after %v and %d requests", err, time.Since(start), h.n())
	}
	assertEmptyDir(t, s.opts.TempDir)
}

func TestHTTPMaxBytes(t *testing.T) {
	body := strings.Repeat("a,b\n", 50) // 200 bytes
	tests := []struct {
		name    string
		chunked bool
	}{{"content length", false}, {"chunked", true}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, h := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if tt.chunked {
					for i := 0; i < len(body); i += 50 {
						io.WriteString(w, body[i:i+50])
						w.(http.Flusher).Flush()
					}
					return
				}
				io.WriteString(w, body)
			})
			s := httpSource(t, HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, Retries: 3, MaxBytes: 199}, nil)
			err := listErr(t, s)
			if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "body over 199 bytes") || h.n() != 1 {
				t.Errorf("error %v after %d requests", err, h.n())
			}
			// Exactly the limit is fine.
			s = httpSource(t, HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, MaxBytes: 200}, nil)
			if files, _, _, err := s.List(context.Background(), time.Now()); err != nil || files[0].Size != 200 {
				t.Errorf("at the limit: %v, %v", files, err)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"1", time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"99999999999999", 5 * time.Minute},
		{"Fri, 01 Mar 2024 08:00:30 GMT", 30 * time.Second},
		{"Fri, 01 Mar 2024 07:59:00 GMT", 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.in, now); got != tt.want {
			t.Errorf("retryAfter(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestBackoffWait(t *testing.T) {
	c := &retrier{backoff: 100 * time.Millisecond, maxBackoff: time.Second}
	ceilings := []time.Duration{100, 200, 400, 800, 1000, 1000} // ms, for tries 1..6
	for i, ceil := range ceilings {
		var top time.Duration
		for range 200 {
			w := c.wait(i + 1)
			if w < 0 || w > ceil*time.Millisecond {
				t.Fatalf("wait(%d) = %v, over %vms", i+1, w, ceil)
			}
			top = max(top, w)
		}
		if top < ceil*time.Millisecond/2 { // 200 draws all in the lower half: 2^-200
			t.Errorf("wait(%d) never above %v", i+1, top)
		}
	}
}

// TestHTTPHeaders checks the token, User-Agent and Accept of each mode.
func TestHTTPHeaders(t *testing.T) {
	var got atomic.Value
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request, n int) {
		got.Store(r.Header.Clone())
		if r.URL.Path == "/api" {
			io.WriteString(w, `{"record_type":"ledger","records":[]}`)
			return
		}
		io.WriteString(w, ledgerCSV)
	})
	tests := []struct {
		opts             HTTPOptions
		auth, ua, accept string
	}{
		{HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, Token: "s3cret-token"}, "Bearer s3cret-token", "grassroots", acceptFile},
		{HTTPOptions{URLs: []string{srv.URL + "/ledger.csv"}, UserAgent: "grassroots/1.2"}, "", "grassroots/1.2", acceptFile},
		{HTTPOptions{URLs: []string{srv.URL + "/api"}, Mode: ModeAPI, RecordTypes: []string{"ledger"}, Token: "t"}, "Bearer t", "grassroots", "application/json"},
	}
	for _, tt := range tests {
		s := httpSource(t, tt.opts, nil)
		if _, _, _, err := s.List(context.Background(), time.Now()); err != nil {
			t.Fatal(err)
		}
		h := got.Load().(http.Header)
		if _, has := h["Authorization"]; h.Get("Authorization") != tt.auth || (tt.auth == "" && has) ||
			h.Get("User-Agent") != tt.ua || h.Get("Accept") != tt.accept {
			t.Errorf("headers %v, want Authorization %q, User-Agent %q, Accept %q", h, tt.auth, tt.ua, tt.accept)
		}
	}
}
