package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/synth"
)

// never is a cron spec that does not fire while a test runs (1 January,
// 02:00): a job on it runs only as a catch-up.
const never = "0 2 1 1 *"

// inProcess is a.serve running in this process, its JSON log in a buffer.
type inProcess struct {
	logs   *lockedBuffer
	addr   string
	cancel context.CancelFunc
	done   chan error
}

// serveInProcess runs the daemon on cfg (its status endpoint on a free port
// of 127.0.0.1) until stop; the test's cleanup stops it.
func serveInProcess(t *testing.T, cfg *config.Config) *inProcess {
	t.Helper()
	cfg.StatusAddr = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{logs: &lockedBuffer{}, cancel: cancel, done: make(chan error, 1)}
	log := slog.New(slog.NewJSONHandler(p.logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	ready := make(chan net.Addr, 1)
	go func() {
		p.done <- (&app{stdout: io.Discard, stderr: p.logs}).serve(ctx, cfg, log, 30*time.Second, func(a net.Addr) { ready <- a })
	}()
	t.Cleanup(func() { p.stop(t) })
	select {
	case a := <-ready:
		p.addr = a.String()
	case err := <-p.done:
		t.Fatalf("serve returned before listening: %v\n%s", err, p.logs.String())
	case <-time.After(60 * time.Second):
		t.Fatal("the status endpoint did not listen within 60s")
	}
	return p
}

// stop cancels the daemon and waits for it; it may be called more than once.
func (p *inProcess) stop(t *testing.T) {
	t.Helper()
	p.cancel()
	select {
	case err, ok := <-p.done:
		if ok {
			close(p.done)
			if err != nil {
				t.Errorf("serve: %v\n%s", err, p.logs.String())
			}
		}
	case <-time.After(90 * time.Second):
		t.Fatal("serve did not stop within 90s")
	}
}

// records are the log's complete JSON lines so far.
func (p *inProcess) records(t *testing.T) []map[string]any {
	t.Helper()
	text := p.logs.String()
	if i := strings.LastIndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	} else {
		text = ""
	}
	var out []map[string]any
	for _, l := range strings.Split(text, "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		out = append(out, m)
	}
	return out
}

// waitFor waits until n log lines match.
func (p *inProcess) waitFor(t *testing.T, n int, timeout time.Duration, what string, match func(map[string]any) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := 0
		for _, l := range p.records(t) {
			if match(l) {
				got++
			}
		}
		if got >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d %s within %s; log:\n%s", got, n, what, timeout, p.logs.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// get fetches a path of the status endpoint.
func (p *inProcess) get(t *testing.T, path string) string {
	t.Helper()
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
	}
	return string(b)
}

func isIngest(job any) bool {
	s, _ := job.(string)
	return strings.HasPrefix(s, "ingest ")
}

// demoCity writes the demo city into a temporary folder, its served counties
// behind h (nil: every county from its folder), and loads its config with
// every job on the schedule never.
func demoCity(t *testing.T, h func(dir string) http.Handler) (dir string, cfg *config.Config) {
	t.Helper()
	dir = t.TempDir()
	var opts synth.Options
	if h != nil {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: h(dir), ReadHeaderTimeout: 10 * time.Second}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
		opts.ServeURL = "http://" + ln.Addr().String()
	}
	gen, err := synth.Generate(context.Background(), dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err = config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for i := range cfg.Counties {
		cfg.Counties[i].Schedule = never
	}
	cfg.Reports.Schedule, cfg.Export.Schedule = never, never
	return dir, cfg
}

// openSnapshot opens the published snapshot read-only.
func openSnapshot(t *testing.T, cfg *config.Config) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", cfg.Published+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestServeStartupBurst: serve from an empty warehouse catches up the ten
// counties of the demo city one after another and publishes the snapshot
// once, after the last of them, with every county's run in it. Restarted,
// a county on "@every 1s" whose feed then changes is loaded by its schedule
// and publishes once, by itself.
func TestServeStartupBurst(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler on the demo city; skipped with -short")
	}
	_, cfg := demoCity(t, nil)
	p := serveInProcess(t, cfg)
	p.waitFor(t, len(cfg.Counties), 120*time.Second, "county jobs finished", func(l map[string]any) bool {
		return l["msg"] == "job finished" && isIngest(l["job"])
	})
	p.stop(t)

	recs := p.records(t)
	var publishes, finished []int // line numbers
	started := map[any]int{}
	for i, l := range recs {
		switch {
		case l["msg"] == "snapshot published":
			publishes = append(publishes, i)
		case l["msg"] == "job started" && isIngest(l["job"]):
			if l["trigger"] != "catch-up" {
				t.Errorf("%v started by %v, want catch-up", l["job"], l["trigger"])
			}
			started[l["job"]]++
		case l["msg"] == "job finished" && isIngest(l["job"]):
			if l["error"] != nil {
				t.Errorf("%v failed: %v", l["job"], l["error"])
			}
			finished = append(finished, i)
		}
	}
	if len(started) != len(cfg.Counties) {
		t.Errorf("%d county jobs started, want %d: %v", len(started), len(cfg.Counties), started)
	}
	for job, n := range started {
		if n != 1 {
			t.Errorf("%v started %d times", job, n)
		}
	}
	if len(publishes) != 1 {
		t.Fatalf("the start-up burst published %d times, want once; log:\n%s", len(publishes), p.logs.String())
	}
	// The publish belongs to the last county job: after the second last
	// finished, before the last finished.
	if n := len(finished); n != len(cfg.Counties) || publishes[0] < finished[n-2] || publishes[0] > finished[n-1] {
		t.Errorf("the publish is log line %d; the county jobs finished at lines %v", publishes[0], finished)
	}

	// The snapshot is current: every county's loading run is in it.
	snap := openSnapshot(t, cfg)
	if n := count(t, snap, `SELECT count(DISTINCT county_code) FROM etl_run WHERE job = 'ingest' AND status = 'succeeded'`); n != int64(len(cfg.Counties)) {
		t.Errorf("the snapshot holds the succeeded runs of %d counties, want %d", n, len(cfg.Counties))
	}
	if n := count(t, snap, `SELECT count(*) FROM etl_run WHERE job = 'ingest'`); n != int64(len(cfg.Counties)) {
		t.Errorf("the snapshot holds %d ingest runs, want %d", n, len(cfg.Counties))
	}
	snap.Close()

	// Restarted: one county pulled every second. Its catch-up and its ticks
	// find nothing new until its quota file changes; the tick that loads the
	// change publishes it, once, and the ticks after it do not publish.
	// (The first runs after the restart may publish: the report and the
	// release of the first start recorded runs after the snapshot.)
	const county = "140107"
	var quota string
	for i := range cfg.Counties {
		if cfg.Counties[i].Code == county {
			cfg.Counties[i].Schedule = "@every 1s"
			quota = filepath.Join(cfg.Counties[i].Source.Path, "quota.csv")
		}
	}
	p2 := serveInProcess(t, cfg)
	finishedRun := func(l map[string]any) bool {
		return l["msg"] == "job finished" && l["job"] == "ingest "+county && l["error"] == nil
	}
	p2.waitFor(t, 2, 30*time.Second, "runs of "+county, finishedRun)
	before := len(p2.records(t))
	changeQuota(t, quota)
	p2.waitFor(t, 1, 30*time.Second, "loads of the changed quota", func(l map[string]any) bool {
		return l["msg"] == "county loaded" && l["county"] == county && l["status"] == "succeeded"
	})
	runs := 0
	for _, l := range p2.records(t) {
		if finishedRun(l) {
			runs++
		}
	}
	p2.waitFor(t, runs+2, 30*time.Second, "runs of "+county, finishedRun)
	p2.stop(t)
	var published, loaded []any
	for i, l := range p2.records(t) {
		if l["msg"] == "job started" && isIngest(l["job"]) && l["job"] != "ingest "+county {
			t.Errorf("after the restart %v ran (%v)", l["job"], l["trigger"])
		}
		if i < before {
			continue
		}
		if l["msg"] == "snapshot published" {
			published = append(published, l["mode"])
		}
		if l["msg"] == "county loaded" {
			loaded = append(loaded, fmt.Sprint(l["status"], " published=", l["published"]))
		}
		if l["msg"] == "job started" && l["job"] == "ingest "+county && l["trigger"] != "schedule" {
			t.Errorf("a run of %s started by %v", county, l["trigger"])
		}
	}
	want := 0 // runs that load and publish: one, and every other finds nothing and does not publish
	for _, x := range loaded {
		switch x {
		case "succeeded published=true":
			want++
		case "no_new_data published=false":
		default:
			want = -len(loaded)
		}
	}
	if len(published) != 1 || want != 1 || len(loaded) < 3 {
		t.Errorf("after the change: publishes %v, runs %v; log:\n%s", published, loaded, p2.logs.String())
	}
	snap = openSnapshot(t, cfg)
	if got := count(t, snap, `SELECT township_quota FROM fact_quota WHERE county_code = ? AND year = 2021 AND township_code =
		(SELECT township_code FROM dim_township WHERE township_name = '仁川街道' AND county_code = ?)`, county, county); got != 13 {
		t.Errorf("the snapshot's quota of 仁川街道 in 2021 is %d, want the changed 13", got)
	}
}

// changeQuota rewrites the quota file with 仁川街道's 2021 quota 12 → 13.
func changeQuota(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const from, to = "仁川街道,2021,12,0", "仁川街道,2021,13,0"
	if strings.Count(string(b), from) != 1 {
		t.Fatalf("%s does not hold the line %q once", path, from)
	}
	// Written beside it and renamed over it: a pull never sees half of it.
	tmp := path + ".part"
	if err := os.WriteFile(tmp, []byte(strings.Replace(string(b), from, to, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// feedClock times, per county, the requests a feed server answers: from the
// first request's arrival to the last response's end, measured outside the
// daemon. The requests of the county slow take nap longer each.
type feedClock struct {
	slow string
	nap  time.Duration

	mu          sync.Mutex
	first, last map[string]time.Time
	requests    map[string]int
}

func (f *feedClock) reset() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.first, f.last, f.requests = map[string]time.Time{}, map[string]time.Time{}, map[string]int{}
}

// span is how long the county's requests took, first to last, and how many there were.
func (f *feedClock) span(county string) (time.Duration, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.last[county].Sub(f.first[county]), f.requests[county]
}

func (f *feedClock) wrap(inner http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		parts := strings.Split(r.URL.Path, "/") // "", files|api, county, …
		county := ""
		if len(parts) > 2 {
			county = parts[2]
		}
		start := time.Now()
		if county == f.slow {
			time.Sleep(f.nap)
		}
		inner.ServeHTTP(w, r)
		end := time.Now()
		f.mu.Lock()
		defer f.mu.Unlock()
		if _, ok := f.first[county]; !ok {
			f.first[county] = start
		}
		f.last[county] = end
		f.requests[county]++
	})
}

// runJSON is a row of /runs.
type runJSON struct {
	RunID      int64      `json:"run_id"`
	Job        string     `json:"job"`
	County     string     `json:"county_code"`
	Status     string     `json:"status"`
	Started    time.Time  `json:"started_at"`
	Finished   time.Time  `json:"finished_at"`
	JobStarted *time.Time `json:"job_started_at"`
	JobSeconds *float64   `json:"job_seconds"`
}

func (p *inProcess) runs(t *testing.T) []runJSON {
	t.Helper()
	var runs []runJSON
	if err := json.Unmarshal([]byte(p.get(t, "/runs?limit=1000")), &runs); err != nil {
		t.Fatalf("/runs: %v", err)
	}
	return runs
}

// metric returns the value of one series of /metrics (labels as the
// exposition writes them: sorted), ok=false if it is absent.
func metric(t *testing.T, body, series string) (float64, bool) {
	t.Helper()
	for _, l := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", l, err)
			}
			return f, true
		}
	}
	return 0, false
}

// TestServeRunDurations: the duration of a run in /runs (job_seconds) and in
// /metrics (grassroots_last_run_duration_seconds) is that of the whole job
// that wrote it: at least the time its feed server took to answer it, and
// its transaction plus its publish; the ten county jobs of the start-up
// burst, one after another, fit in the time that passed outside. A pull
// that finds nothing new lasts as long as its job, not the microseconds of
// its etl_run row.
func TestServeRunDurations(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler on the demo city; skipped with -short")
	}
	const slow = "140105" // served as one workbook over HTTP, each request 300ms late
	feeds := &feedClock{slow: slow, nap: 300 * time.Millisecond}
	feeds.reset()
	_, cfg := demoCity(t, func(dir string) http.Handler { return feeds.wrap(synth.FeedServer(dir)) })
	before := time.Now()
	p := serveInProcess(t, cfg)
	p.waitFor(t, len(cfg.Counties), 120*time.Second, "county jobs finished", func(l map[string]any) bool {
		return l["msg"] == "job finished" && isIngest(l["job"])
	})
	outside := time.Since(before)
	runs, metrics := p.runs(t), p.get(t, "/metrics")

	recs := p.records(t)
	logged := map[string]float64{} // county job -> its duration in the finish line
	var publisher string
	var published float64
	for _, l := range recs {
		switch l["msg"] {
		case "job finished":
			if ns, ok := l["duration"].(float64); ok && isIngest(l["job"]) {
				logged[l["job"].(string)] = ns / 1e9
			}
		case "snapshot published":
			published, _ = l["seconds"].(float64)
		case "county loaded":
			if l["published"] == true {
				publisher, _ = l["county"].(string)
			}
		}
	}
	if publisher == "" || published <= 0 {
		t.Fatalf("no publish in the log:\n%s", p.logs.String())
	}

	var sum float64
	ingest := map[string]runJSON{}
	for _, r := range runs {
		if r.JobSeconds == nil || r.JobStarted == nil {
			t.Errorf("run %d (%s %s) has no job time", r.RunID, r.Job, r.County)
			continue
		}
		tx := r.Finished.Sub(r.Started).Seconds()
		if *r.JobSeconds < tx {
			t.Errorf("run %d (%s %s): job_seconds %v, shorter than its transaction (%v s)", r.RunID, r.Job, r.County, *r.JobSeconds, tx)
		}
		if r.Job != "ingest" {
			continue
		}
		ingest[r.County] = r
		sum += *r.JobSeconds
		if d := logged["ingest "+r.County]; d-*r.JobSeconds > 1e-6 || *r.JobSeconds-d > 1e-6 {
			t.Errorf("%s: job_seconds %v, the finish line says %v", r.County, *r.JobSeconds, d)
		}
		series := fmt.Sprintf(`grassroots_last_run_duration_seconds{county=%q,job="ingest"}`, r.County)
		if v, ok := metric(t, metrics, series); !ok || v != *r.JobSeconds {
			t.Errorf("%s = %v (present %v), /runs says %v", series, v, ok, *r.JobSeconds)
		}
		series = fmt.Sprintf(`grassroots_job_last_duration_seconds{job="ingest %s"}`, r.County)
		if v, ok := metric(t, metrics, series); !ok || v != *r.JobSeconds {
			t.Errorf("%s = %v (present %v), /runs says %v", series, v, ok, *r.JobSeconds)
		}
	}
	if len(ingest) != len(cfg.Counties) {
		t.Fatalf("/runs holds the ingest runs of %d counties, want %d", len(ingest), len(cfg.Counties))
	}
	if sum > outside.Seconds() {
		t.Errorf("the ten county jobs took %v s in all by /runs, but only %v passed outside", sum, outside.Seconds())
	}
	span, n := feeds.span(slow)
	if r := ingest[slow]; n == 0 || *r.JobSeconds < span.Seconds() || *r.JobSeconds < 0.3 {
		t.Errorf("%s: job_seconds %v; its %d requests took %v", slow, *r.JobSeconds, n, span)
	}
	if r := ingest[publisher]; *r.JobSeconds < r.Finished.Sub(r.Started).Seconds()+published {
		t.Errorf("%s: job_seconds %v, less than its transaction (%v) and its publish (%v s)", publisher, *r.JobSeconds, r.Finished.Sub(r.Started), published)
	}
	p.stop(t)

	// Restarted with the slow county due every second: its catch-up finds
	// nothing new (the server answers "not modified"), and still lasts as
	// long as its requests. The counties this process did not run have no
	// job time.
	for i := range cfg.Counties {
		if cfg.Counties[i].Code == slow {
			cfg.Counties[i].Schedule = "@every 1s"
		}
	}
	feeds.reset()
	p2 := serveInProcess(t, cfg)
	p2.waitFor(t, 1, 30*time.Second, "runs of "+slow, func(l map[string]any) bool {
		return l["msg"] == "job finished" && l["job"] == "ingest "+slow
	})
	runs, metrics = p2.runs(t), p2.get(t, "/metrics")
	span, n = feeds.span(slow)
	var again *runJSON
	for i, r := range runs {
		if again == nil && r.Job == "ingest" && r.County == slow && r.RunID > ingest[slow].RunID {
			again = &runs[i] // the newest: /runs is newest first
		}
		if r.RunID <= ingest[publisher].RunID && r.JobSeconds != nil {
			t.Errorf("run %d of the first start has a job time after the restart", r.RunID)
		}
	}
	if again == nil || again.Status != "no_new_data" || again.JobSeconds == nil || n == 0 || *again.JobSeconds < span.Seconds() || *again.JobSeconds < 0.3 {
		t.Fatalf("the run of %s after the restart: %+v; its %d requests took %v", slow, again, n, span)
	}
	t.Logf("after the restart %s's job took %v s (its etl_run row %v); its %d requests %v", slow, *again.JobSeconds, again.Finished.Sub(again.Started), n, span)
	series := fmt.Sprintf(`grassroots_last_run_duration_seconds{county=%q,job="ingest"}`, slow)
	if v, ok := metric(t, metrics, series); !ok || v != *again.JobSeconds {
		t.Errorf("%s = %v (present %v), /runs says %v", series, v, ok, *again.JobSeconds)
	}
	for _, c := range cfg.Counties {
		if c.Code == slow {
			continue
		}
		if _, ok := metric(t, metrics, fmt.Sprintf(`grassroots_last_run_duration_seconds{county=%q,job="ingest"}`, c.Code)); ok {
			t.Errorf("%s did not run since the restart, yet has a last run duration", c.Code)
		}
	}
}
