package schedule

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testSource is a StatusSource over fixed values.
type testSource struct {
	healthErr  error
	runs       []any
	runsErr    error
	metrics    []Metric
	metricsErr error
	gotLimit   int
}

func (s *testSource) Healthy(context.Context) error { return s.healthErr }

func (s *testSource) Runs(_ context.Context, limit int) ([]any, error) {
	s.gotLimit = limit
	if s.runsErr != nil {
		return nil, s.runsErr
	}
	return s.runs[:min(limit, len(s.runs))], nil
}

func (s *testSource) Metrics(context.Context) ([]Metric, error) { return s.metrics, s.metricsErr }

func get(t *testing.T, h http.Handler, method, target string) (int, string, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec.Code, rec.Body.String(), rec.Header()
}

func TestHealthz(t *testing.T) {
	tests := []struct {
		name     string
		src      StatusSource
		method   string
		wantCode int
		wantBody string
	}{
		{name: "healthy", src: &testSource{}, method: http.MethodGet, wantCode: 200, wantBody: "ok\n"},
		{name: "no source", method: http.MethodGet, wantCode: 200, wantBody: "ok\n"},
		{name: "unhealthy", src: &testSource{healthErr: errors.New("warehouse: ping: database is closed")}, method: http.MethodGet,
			wantCode: 503, wantBody: "warehouse: ping: database is closed\n"},
		{name: "HEAD", src: &testSource{}, method: http.MethodHead, wantCode: 200, wantBody: "ok\n"}, // the server, not the handler, drops a HEAD body
		{name: "POST", src: &testSource{}, method: http.MethodPost, wantCode: 405, wantBody: "Method Not Allowed\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Scheduler{Location: shanghai}
			code, body, _ := get(t, s.Handler(tt.src), tt.method, "/healthz")
			if code != tt.wantCode || body != tt.wantBody {
				t.Errorf("%s /healthz = %d %q, want %d %q", tt.method, code, body, tt.wantCode, tt.wantBody)
			}
		})
	}
	if code, _, _ := get(t, (&Scheduler{}).Handler(nil), http.MethodGet, "/nothing"); code != 404 {
		t.Errorf("GET /nothing = %d", code)
	}
}

func TestRuns(t *testing.T) {
	var all []any
	for i := range 1200 {
		all = append(all, map[string]any{"run_id": i, "job": "ingest", "county_code": "140105", "status": "success"})
	}
	tests := []struct {
		name      string
		src       *testSource
		query     string
		wantCode  int
		wantLimit int // the limit the source was asked for
		wantRuns  int
	}{
		{name: "default", src: &testSource{runs: all}, wantCode: 200, wantLimit: 50, wantRuns: 50},
		{name: "limit 5", src: &testSource{runs: all}, query: "?limit=5", wantCode: 200, wantLimit: 5, wantRuns: 5},
		{name: "limit above the cap", src: &testSource{runs: all}, query: "?limit=5000", wantCode: 200, wantLimit: 1000, wantRuns: 1000},
		{name: "fewer runs than the limit", src: &testSource{runs: all[:3]}, query: "?limit=10", wantCode: 200, wantLimit: 10, wantRuns: 3},
		{name: "no runs", src: &testSource{}, wantCode: 200, wantLimit: 50, wantRuns: 0},
		{name: "limit 0", src: &testSource{runs: all}, query: "?limit=0", wantCode: 400},
		{name: "limit -1", src: &testSource{runs: all}, query: "?limit=-1", wantCode: 400},
		{name: "limit not a number", src: &testSource{runs: all}, query: "?limit=ten", wantCode: 400},
		{name: "source fails", src: &testSource{runsErr: errors.New("warehouse: recent runs: database is closed")}, wantCode: 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, body, hdr := get(t, (&Scheduler{}).Handler(tt.src), http.MethodGet, "/runs"+tt.query)
			if code != tt.wantCode {
				t.Fatalf("GET /runs%s = %d %q, want %d", tt.query, code, body, tt.wantCode)
			}
			if code != 200 {
				if tt.src.runsErr != nil && body != tt.src.runsErr.Error()+"\n" {
					t.Errorf("error body %q", body)
				}
				return
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			if tt.src.gotLimit != tt.wantLimit {
				t.Errorf("source asked for %d runs, want %d", tt.src.gotLimit, tt.wantLimit)
			}
			var runs []struct {
				RunID  int    `json:"run_id"`
				County string `json:"county_code"`
			}
			if err := json.Unmarshal([]byte(body), &runs); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if len(runs) != tt.wantRuns || runs == nil {
				t.Fatalf("%d runs (nil: %v), want %d", len(runs), runs == nil, tt.wantRuns)
			}
			if len(runs) > 0 && (runs[0].RunID != 0 || runs[len(runs)-1].RunID != len(runs)-1 || runs[0].County != "140105") {
				t.Errorf("runs[0] = %+v, runs[last] = %+v", runs[0], runs[len(runs)-1])
			}
		})
	}
	// A source that returns more than asked is cut at the limit.
	greedy := sourceFunc(func(int) []any { return all })
	if _, body, _ := get(t, (&Scheduler{}).Handler(greedy), http.MethodGet, "/runs?limit=2"); body != `[{"county_code":"140105","job":"ingest","run_id":0,"status":"success"},{"county_code":"140105","job":"ingest","run_id":1,"status":"success"}]`+"\n" {
		t.Errorf("greedy source: %s", body)
	}
}

// sourceFunc is a healthy StatusSource without metrics whose runs come from a func.
type sourceFunc func(limit int) []any

func (f sourceFunc) Healthy(context.Context) error                    { return nil }
func (f sourceFunc) Runs(_ context.Context, limit int) ([]any, error) { return f(limit), nil }
func (f sourceFunc) Metrics(context.Context) ([]Metric, error)        { return nil, nil }

// The source's series and the scheduler's own, checked as exact text and
// parsed back line by line.
func TestMetricsEndpoint(t *testing.T) {
	const quoted = "He said \"hi\"\nC:\\feeds"
	src := &testSource{metrics: []Metric{
		{Name: "grassroots_rows_total", Help: "Input rows by outcome.\nOver all runs, with a back\\slash.", Type: "counter",
			Labels: map[string]string{"outcome": "loaded", "county": quoted}, Value: 1234567},
		{Name: "grassroots_last_success_timestamp_seconds", Help: "When the county's last successful pull finished (0: never).", Type: "gauge",
			Labels: map[string]string{"county": "140123", "name": "娄烦县"}, Value: 0},
		{Name: "grassroots_last_success_timestamp_seconds", Help: "When the county's last successful pull finished (0: never).", Type: "gauge",
			Labels: map[string]string{"name": "小店区", "county": "140105"}, Value: 1719792000},
	}}
	s := &Scheduler{Location: shanghai, Jobs: []Job{
		{Name: "ingest 140105", Spec: "30 2 * * *", Run: func(context.Context) error { return nil }},
		{Name: "report", Spec: "0 8 1 * *", Run: func(context.Context) error { return nil }},
	}}
	st := s.jobStates()[0]
	st.stats = JobStats{Started: 4, Succeeded: 2, Failed: 1, Skipped: 4, LastDuration: 1500 * time.Millisecond}
	st.running = true

	code, body, hdr := get(t, s.Handler(src), http.MethodGet, "/metrics")
	if code != 200 || hdr.Get("Content-Type") != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("GET /metrics = %d %q %q", code, hdr.Get("Content-Type"), body)
	}
	want := `# HELP grassroots_job_last_duration_seconds How long the job's latest finished run took.
# TYPE grassroots_job_last_duration_seconds gauge
grassroots_job_last_duration_seconds{job="ingest 140105"} 1.5
# HELP grassroots_job_running 1 while the job is running.
# TYPE grassroots_job_running gauge
grassroots_job_running{job="ingest 140105"} 1
grassroots_job_running{job="report"} 0
# HELP grassroots_job_runs_total Job runs by result (succeeded, failed), and activations skipped because the job was still running (skipped).
# TYPE grassroots_job_runs_total counter
grassroots_job_runs_total{job="ingest 140105",result="failed"} 1
grassroots_job_runs_total{job="ingest 140105",result="skipped"} 4
grassroots_job_runs_total{job="ingest 140105",result="succeeded"} 2
grassroots_job_runs_total{job="report",result="failed"} 0
grassroots_job_runs_total{job="report",result="skipped"} 0
grassroots_job_runs_total{job="report",result="succeeded"} 0
# HELP grassroots_last_success_timestamp_seconds When the county's last successful pull finished (0: never).
# TYPE grassroots_last_success_timestamp_seconds gauge
grassroots_last_success_timestamp_seconds{county="140105",name="小店区"} 1.719792e+09
grassroots_last_success_timestamp_seconds{county="140123",name="娄烦县"} 0
# HELP grassroots_rows_total Input rows by outcome.\nOver all runs, with a back\\slash.
# TYPE grassroots_rows_total counter
grassroots_rows_total{county="He said \"hi\"\nC:\\feeds",outcome="loaded"} 1.234567e+06
`
	if body != want {
		t.Errorf("GET /metrics:\n%s\nwant:\n%s", body, want)
	}

	fams := parseExposition(t, body)
	checks := []struct {
		name, typ, help string
		labels          map[string]string
		value           float64
	}{
		{"grassroots_rows_total", "counter", "Input rows by outcome.\nOver all runs, with a back\\slash.",
			map[string]string{"county": quoted, "outcome": "loaded"}, 1234567},
		{"grassroots_last_success_timestamp_seconds", "gauge", "When the county's last successful pull finished (0: never).",
			map[string]string{"county": "140105", "name": "小店区"}, 1719792000},
		{"grassroots_job_last_duration_seconds", "gauge", "How long the job's latest finished run took.",
			map[string]string{"job": "ingest 140105"}, 1.5},
	}
	for _, c := range checks {
		f := fams[c.name]
		if f == nil || f.typ != c.typ || f.help != c.help {
			t.Errorf("%s: parsed %+v", c.name, f)
			continue
		}
		found := false
		for _, smp := range f.samples {
			if equalLabels(smp.labels, c.labels) {
				found = true
				if smp.value != c.value {
					t.Errorf("%s%v = %v, want %v", c.name, c.labels, smp.value, c.value)
				}
			}
		}
		if !found {
			t.Errorf("%s%v missing; have %+v", c.name, c.labels, f.samples)
		}
	}
	if n := len(fams["grassroots_job_runs_total"].samples); n != 6 {
		t.Errorf("%d grassroots_job_runs_total series, want 6", n)
	}
}

func TestMetricsEndpointErrors(t *testing.T) {
	ok := Metric{Name: "grassroots_runs_total", Help: "h", Type: "counter", Labels: map[string]string{"county": "140105"}, Value: 1}
	tests := []struct {
		name    string
		src     *testSource
		wantMsg string
	}{
		{name: "source fails", src: &testSource{metricsErr: errors.New("warehouse: run totals: database is closed")},
			wantMsg: "warehouse: run totals: database is closed"},
		{name: "bad metric name", src: &testSource{metrics: []Metric{{Name: "grassroots-runs", Type: "gauge"}}},
			wantMsg: `schedule: bad metric: name "grassroots-runs"`},
		{name: "bad type", src: &testSource{metrics: []Metric{{Name: "x", Type: "summary"}}},
			wantMsg: `schedule: bad metric: x: type "summary" is not counter or gauge`},
		{name: "two types", src: &testSource{metrics: []Metric{ok, {Name: ok.Name, Type: "gauge"}}},
			wantMsg: "schedule: bad metric: grassroots_runs_total is both"},
		{name: "same series twice", src: &testSource{metrics: []Metric{ok, ok}},
			wantMsg: `schedule: bad metric: grassroots_runs_total{county="140105"} appears twice`},
		{name: "reserved label name", src: &testSource{metrics: []Metric{{Name: "x", Type: "gauge", Labels: map[string]string{"__name__": "y"}}}},
			wantMsg: `label name "__name__"`},
		{name: "label name with a digit first", src: &testSource{metrics: []Metric{{Name: "x", Type: "gauge", Labels: map[string]string{"1county": "y"}}}},
			wantMsg: `label name "1county"`},
		{name: "clash with the scheduler's series", src: &testSource{metrics: []Metric{{Name: "grassroots_job_running", Type: "gauge", Labels: map[string]string{"job": "report"}}}},
			wantMsg: `grassroots_job_running{job="report"} appears twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Scheduler{Jobs: []Job{{Name: "report"}}}
			code, body, _ := get(t, s.Handler(tt.src), http.MethodGet, "/metrics")
			if code != 500 || !strings.Contains(body, tt.wantMsg) {
				t.Errorf("GET /metrics = %d %q, want 500 containing %q", code, body, tt.wantMsg)
			}
		})
	}
}

// ServeStatus answers real HTTP requests until its ctx is cancelled.
func TestServeStatus(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := &Scheduler{Location: shanghai, Jobs: []Job{{Name: "report", Spec: "@daily", Run: func(context.Context) error { return nil }}}}
	addrs := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() {
		done <- ServeStatus(ctx, "127.0.0.1:0", s.Handler(&testSource{}), func(a net.Addr) { addrs <- a })
	}()
	var addr net.Addr
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("ServeStatus = %v", err)
	}
	base := "http://" + addr.String()
	for path, want := range map[string]string{
		"/healthz": "ok\n",
		"/runs":    "[]\n",
		"/metrics": "grassroots_job_running{job=\"report\"} 0\n",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatalf("GET %s: %v", path, err)
		}
		if resp.StatusCode != 200 || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q, want %q", path, resp.StatusCode, body, want)
		}
	}

	// The address is taken while it serves.
	if err := ServeStatus(ctx, addr.String(), http.NotFoundHandler(), nil); err == nil || !strings.Contains(err.Error(), "schedule: status endpoint") {
		t.Errorf("second ServeStatus on %s = %v", addr, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeStatus after cancel = %v", err)
		}
	case <-time.After(6 * time.Second):
		t.Fatal("ServeStatus did not return after cancel")
	}
	client := &http.Client{Timeout: time.Second}
	if resp, err := client.Get(base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Error("the endpoint still answers after the stop")
	}
}

// family is one metric name as parsed from the exposition text.
type family struct {
	help, typ string
	samples   []sample
}

type sample struct {
	labels map[string]string
	value  float64
}

// parseExposition reads the Prometheus text format line by line, checking
// that # HELP comes before # TYPE, each once per name and before that name's
// samples, that a name's samples are contiguous, and unescaping values.
func parseExposition(t *testing.T, text string) map[string]*family {
	t.Helper()
	fams := map[string]*family{}
	var current string
	if !strings.HasSuffix(text, "\n") {
		t.Fatalf("exposition does not end with a line feed")
	}
	for i, line := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		fail := func(msg string) { t.Fatalf("line %d %q: %s", i+1, line, msg) }
		switch {
		case strings.HasPrefix(line, "# HELP "):
			name, help, _ := strings.Cut(strings.TrimPrefix(line, "# HELP "), " ")
			if fams[name] != nil {
				fail("second HELP")
			}
			fams[name] = &family{help: unescape(t, help, false)}
			current = name
		case strings.HasPrefix(line, "# TYPE "):
			name, typ, _ := strings.Cut(strings.TrimPrefix(line, "# TYPE "), " ")
			f := fams[name]
			if f == nil {
				f = &family{}
				fams[name] = f
			} else if name != current || f.typ != "" || len(f.samples) > 0 {
				fail("TYPE out of place")
			}
			f.typ, current = typ, name
		case strings.HasPrefix(line, "#") || line == "":
			fail("unexpected line")
		default:
			name, rest := line, ""
			if i := strings.IndexAny(line, "{ "); i >= 0 {
				name, rest = line[:i], line[i:]
			}
			if name != current || fams[name].typ == "" {
				fail("sample outside its family")
			}
			labels := map[string]string{}
			if strings.HasPrefix(rest, "{") {
				rest = rest[1:]
				for !strings.HasPrefix(rest, "}") {
					ln, after, ok := strings.Cut(rest, `="`)
					if !ok {
						fail("bad label")
					}
					j := 0 // the closing quote, skipping escaped characters
					for j < len(after) && after[j] != '"' {
						if after[j] == '\\' {
							j++
						}
						j++
					}
					if j >= len(after) {
						fail("unterminated label value")
					}
					labels[ln] = unescape(t, after[:j], true)
					rest = strings.TrimPrefix(after[j+1:], ",")
				}
				rest = rest[1:]
			}
			v, err := strconv.ParseFloat(strings.TrimPrefix(rest, " "), 64)
			if err != nil || !strings.HasPrefix(rest, " ") {
				fail("bad value")
			}
			fams[name].samples = append(fams[name].samples, sample{labels, v})
		}
	}
	return fams
}

// unescape undoes the text format's escapes: \\ and \n, and \" in label values.
func unescape(t *testing.T, s string, label bool) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch {
		case i < len(s) && s[i] == '\\':
			b.WriteByte('\\')
		case i < len(s) && s[i] == 'n':
			b.WriteByte('\n')
		case i < len(s) && s[i] == '"' && label:
			b.WriteByte('"')
		default:
			t.Fatalf("bad escape in %q", s)
		}
	}
	return b.String()
}

func equalLabels(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}
