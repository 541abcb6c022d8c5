package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
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

	"github.com/grassroots-cn/grassroots/synth"
)

// daemon is a `grassroots serve` process. Its stderr, the JSON log, goes to
// a file rather than a pipe: whatever the process has written is in the file,
// so a frozen (SIGSTOP) daemon's log can be read complete.
type daemon struct {
	cmd     *exec.Cmd
	logPath string
	done    chan error
}

func startDaemon(t *testing.T, bin string, args ...string) *daemon {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "serve-*.log")
	if err != nil {
		t.Fatal(err)
	}
	d := &daemon{cmd: exec.Command(bin, args...), logPath: f.Name(), done: make(chan error, 1)}
	d.cmd.Stderr = f
	err = d.cmd.Start()
	f.Close() // the child has its own copy
	if err != nil {
		t.Fatal(err)
	}
	go func() { d.done <- d.cmd.Wait() }()
	t.Cleanup(func() { d.cmd.Process.Kill() })
	return d
}

// lines returns the log's complete lines as written so far, and each decoded
// (nil for a line that is not a JSON object).
func (d *daemon) lines(t *testing.T) (raw []string, recs []map[string]any) {
	t.Helper()
	b, err := os.ReadFile(d.logPath)
	if err != nil {
		t.Fatalf("the daemon's log: %v", err)
	}
	if i := bytes.LastIndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	} else {
		b = nil
	}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if json.Unmarshal([]byte(l), &m) != nil {
			m = nil
		}
		raw, recs = append(raw, l), append(recs, m)
	}
	return raw, recs
}

// logText is the whole log so far, for a failure message.
func (d *daemon) logText(t *testing.T) string {
	t.Helper()
	raw, _ := d.lines(t)
	return strings.Join(raw, "\n")
}

// count counts the log lines that match.
func (d *daemon) count(t *testing.T, match func(map[string]any) bool) int {
	t.Helper()
	_, recs := d.lines(t)
	n := 0
	for _, l := range recs {
		if l != nil && match(l) {
			n++
		}
	}
	return n
}

// waitFor waits until n log lines match.
func (d *daemon) waitFor(t *testing.T, n int, timeout time.Duration, match func(map[string]any) bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if d.count(t, match) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no %d matching log lines within %s; log:\n%s", n, timeout, d.logText(t))
}

func msg(m string) func(map[string]any) bool {
	return func(l map[string]any) bool { return l["msg"] == m }
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scheduled returns the text of the configuration file at path with every
// schedule (the counties', the report's, the export's) set to spec.
func scheduled(t *testing.T, path, spec string) string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`schedule: "[^"]*"`).ReplaceAllString(string(text), `schedule: "`+spec+`"`)
}

// TestServeDaemon starts `grassroots serve` as a process on the demo city
// with every county on "@every 2s": runs are recorded, the status endpoint
// answers, SIGTERM in the middle of a load gives a clean exit and a
// consistent warehouse, a second daemon is refused, and a restart catches up.
func TestServeDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs the daemon; skipped with -short")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	gen, err := synth.Generate(context.Background(), dir, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	cfgText := scheduled(t, gen.ConfigPath, "@every 2s") + "status_addr: " + addr + "\n"
	cfg := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(cfg, []byte(cfgText), 0o644); err != nil {
		t.Fatal(err)
	}

	d := startDaemon(t, bin, "serve", "--config", cfg, "--grace", "20s")
	// Catch-up at start: no county ever ran, so each is pulled at once.
	d.waitFor(t, 10, 60*time.Second, func(l map[string]any) bool { return l["msg"] == "county loaded" && l["status"] == "succeeded" })
	// Each county was pulled at start, by catch-up or by its first tick
	// (whichever came first; a job never overlaps itself).
	_, recs := d.lines(t)
	catchUps, counties := 0, map[any]bool{}
	for _, l := range recs {
		if l != nil && l["msg"] == "job started" && l["trigger"] == "catch-up" {
			catchUps++
		}
		if l != nil && l["msg"] == "county loaded" {
			counties[l["county"]] = true
		}
	}
	if catchUps == 0 || len(counties) != 10 {
		t.Errorf("%d catch-up runs and %d counties loaded at the first start", catchUps, len(counties))
	}

	// The status endpoint.
	get := func(path string) string {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, b)
		}
		return string(b)
	}
	if got := get("/healthz"); got != "ok\n" {
		t.Errorf("/healthz: %q", got)
	}
	metrics := get("/metrics")
	for _, want := range []string{`grassroots_runs_total{county="140105",job="ingest",status="succeeded"}`,
		`grassroots_build_info{commit="` + testCommit + `",duckdb="v1.`, `",version="` + testVersion + `"} 1` + "\n",
		`grassroots_last_success_timestamp_seconds{county="140123",name="娄烦县"}`, "# TYPE grassroots_rows_total counter"} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var runs []map[string]any
	if err := json.Unmarshal([]byte(get("/runs?limit=5")), &runs); err != nil || len(runs) != 5 {
		t.Errorf("/runs: %v, %d runs", err, len(runs))
	}

	// A second daemon on the same warehouse is refused.
	out, err := exec.Command(bin, "serve", "--config", cfg).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != exitFailed || !strings.Contains(string(out), "another grassroots") {
		t.Errorf("second serve: %v\n%s", err, out)
	}

	// SIGTERM in the middle of a load: a clean exit.
	stopMidLoad(t, d)

	// The warehouse is consistent: it opens, every run adds up, every loaded
	// file belongs to a succeeded run, and no run is left without an outcome.
	wh := filepath.Join(dir, "data", "warehouse.duckdb")
	db, err := sql.Open("duckdb", wh+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	bad := count(t, db, `SELECT count(*) FROM etl_run WHERE rows_in <> rows_loaded + rows_unchanged + rows_duplicate + rows_rejected`)
	orphans := count(t, db, `SELECT count(*) FROM etl_file f WHERE NOT EXISTS (SELECT 1 FROM etl_run r WHERE r.run_id = f.first_run_id AND r.status = 'succeeded')`)
	unfinished := count(t, db, `SELECT count(*) FROM etl_run WHERE finished_at IS NULL`)
	loaded := count(t, db, `SELECT count(DISTINCT county_code) FROM etl_run WHERE status = 'succeeded' AND rows_loaded > 0`)
	db.Close()
	if bad != 0 || orphans != 0 || unfinished != 0 || loaded != 10 {
		t.Fatalf("warehouse after SIGTERM: %d runs not adding up, %d orphan files, %d unfinished runs, %d counties loaded", bad, orphans, unfinished, loaded)
	}

	// Restarted after more than one schedule period: every county catches up
	// once at start.
	time.Sleep(2100 * time.Millisecond)
	d2 := startDaemon(t, bin, "serve", "--config", cfg)
	d2.waitFor(t, 1, 30*time.Second, func(l map[string]any) bool { return l["msg"] == "job started" && l["trigger"] == "catch-up" })
	d2.waitFor(t, 1, 30*time.Second, func(l map[string]any) bool { return l["msg"] == "county loaded" })
	if err := d2.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d2.done:
		if err != nil {
			t.Fatalf("second daemon exited with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("second daemon did not stop")
	}
}

// stopMidLoad sends SIGTERM to the daemon in the middle of a county's load
// and checks that it exits 0, its last line "serve stopped", after the load
// finished, and that no log line carries personal data. Right after a job
// starts the daemon is frozen (SIGSTOP); its log is then complete and tells
// whether that job still runs. If it finished already, the daemon goes on
// (SIGCONT) to the next job; once a load is caught running, SIGTERM is sent
// and the daemon resumed, so the stop provably comes in the middle of it.
func stopMidLoad(t *testing.T, d *daemon) {
	t.Helper()
	job, started := catchRunningJob(t, d)
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM\n%s", err, d.logText(t))
		}
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not stop within 60s of SIGTERM")
	}
	raw, recs := d.lines(t)
	if last := raw[len(raw)-1]; !strings.Contains(last, "serve stopped") {
		t.Errorf("last log line: %s", last)
	}
	// The job running at the SIGTERM finished (within the grace) before the
	// daemon stopped.
	if !slices.ContainsFunc(recs[started:], func(l map[string]any) bool {
		return l != nil && l["msg"] == "job finished" && l["job"] == job
	}) {
		t.Errorf("%q, running at the SIGTERM, has no finish line:\n%s", job, strings.Join(raw, "\n"))
	}
	for _, l := range raw {
		for _, pii := range []string{"id_number\":\"1", "phone\":\"1"} {
			if strings.Contains(l, pii) {
				t.Errorf("a log line carries personal data: %s", l)
			}
		}
	}
}

// catchRunningJob lets the daemon run until it is frozen (SIGSTOP) while a
// county's load runs: the latest "job started" in its log is an ingest job
// with no "job finished" after it. It returns that job's name and the index
// of its start line in the log, the daemon still frozen.
func catchRunningJob(t *testing.T, d *daemon) (string, int) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for try := 1; ; try++ {
		started := d.count(t, msg("job started"))
		d.waitFor(t, started+1, 30*time.Second, msg("job started"))
		if err := d.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		waitStopped(t, d.cmd.Process.Pid)
		if job, at := runningJob(d.lines(t)); strings.HasPrefix(job, "ingest ") {
			t.Logf("caught %q running (try %d)", job, try)
			return job, at
		}
		if time.Now().After(deadline) {
			t.Fatalf("in 60s no job was caught running\n%s", d.logText(t))
		}
		if err := d.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
	}
}

// runningJob returns the job of the latest "job started" line, and the line's
// index, when no "job finished" line of that job follows it; "" otherwise.
func runningJob(_ []string, recs []map[string]any) (string, int) {
	for i := len(recs) - 1; i >= 0; i-- {
		l := recs[i]
		if l == nil || l["msg"] != "job started" {
			continue
		}
		job, _ := l["job"].(string)
		for _, later := range recs[i+1:] {
			if later != nil && later["msg"] == "job finished" && later["job"] == job {
				return "", 0
			}
		}
		return job, i
	}
	return "", 0
}

// waitStopped waits until a signalled process shows as stopped.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for state := procState(t, pid); state != "T"; state = procState(t, pid) {
		if state == "Z" || time.Now().After(deadline) {
			t.Fatalf("process %d is in state %q, not stopped", pid, state)
		}
		time.Sleep(time.Millisecond)
	}
}

// lockedBuffer is a bytes.Buffer safe for one writer and a reader.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestDemoServe: `demo --serve` serves 小店区 as a file and 晋源区 through the
// API on 127.0.0.1 and the scheduler pulls both over HTTP.
func TestDemoServe(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the scheduler on the demo city; skipped with -short")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errs lockedBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"demo", "--serve", "--dir", dir}, &out, &errs) }()
	deadline := time.Now().Add(90 * time.Second)
	loaded := map[string]bool{}
	for time.Now().Before(deadline) && !(loaded["140105"] && loaded["140110"]) {
		for _, line := range strings.Split(errs.String(), "\n") {
			var l map[string]any
			if json.Unmarshal([]byte(line), &l) == nil && l["msg"] == "county loaded" && l["status"] == "succeeded" {
				loaded[fmt.Sprint(l["county"])] = true
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	// check reaches both HTTP counties (HEAD, first API page) while they serve.
	code, cout, cerr := grassroots(t, "check", "--config", filepath.Join(dir, "grassroots.yaml"), "--json")
	var chk struct {
		Sources []struct {
			County string `json:"county_code"`
			Kind   string `json:"kind"`
			OK     bool   `json:"ok"`
			Files  []struct {
				Status int `json:"http_status"`
			} `json:"files"`
		} `json:"sources"`
	}
	if code != exitOK || json.Unmarshal([]byte(cout), &chk) != nil {
		t.Errorf("check exit %d: %s %s", code, cout, cerr)
	}
	for _, src := range chk.Sources {
		if src.County == "140105" || src.County == "140110" {
			if !src.OK || !strings.HasPrefix(src.Kind, "http") || len(src.Files) == 0 || src.Files[0].Status != 200 {
				t.Errorf("check of %s: %+v", src.County, src)
			}
		}
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("demo --serve exit %d\n%s", code, errs.String())
		}
	case <-time.After(60 * time.Second):
		t.Fatal("demo --serve did not stop")
	}
	if !loaded["140105"] || !loaded["140110"] {
		t.Fatalf("the HTTP counties were not loaded: %v\n%s", loaded, errs.String())
	}
	if !strings.Contains(out.String(), "feed server: http://127.0.0.1:") {
		t.Errorf("demo --serve output:\n%s", out.String())
	}
	db, err := sql.Open("duckdb", filepath.Join(dir, "data", "warehouse.duckdb")+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var sources string
	if err := db.QueryRow(`SELECT string_agg(DISTINCT f.county_code || ' ' || split_part(f.source_uri, ':', 1), ', ' ORDER BY f.county_code || ' ' || split_part(f.source_uri, ':', 1))
		FROM etl_file f WHERE f.county_code IN ('140105', '140110')`).Scan(&sources); err != nil {
		t.Fatalf("the HTTP counties' files: %v", err)
	}
	if sources != "140105 http, 140110 http" {
		t.Errorf("files of the HTTP counties came from %q", sources)
	}
	var cursor string
	if err := db.QueryRow("SELECT value FROM etl_source_state WHERE county_code = '140110' AND key = 'cursor'").Scan(&cursor); err != nil {
		t.Fatalf("140110's cursor: %v", err)
	}
	if _, err := time.Parse(time.RFC3339, cursor); err != nil {
		t.Errorf("140110's cursor %q", cursor)
	}
}
