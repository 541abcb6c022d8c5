package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
)

type options struct {
	scale, dir, bin, self, jsonOut string
	seed                           int64
	reps                           int
	log                            io.Writer
}

// sample is one measured run of a step.
type sample struct {
	secs  float64
	rssKB int64 // peak resident set of the child process; 0 in process
}

// row is one line of the table.
type row struct {
	Step    string    `json:"step"`
	Runs    int       `json:"runs"`
	Median  float64   `json:"median_seconds"`
	All     []float64 `json:"seconds"`
	PeakMiB float64   `json:"peak_rss_mib,omitempty"`
	Note    string    `json:"note,omitempty"`
}

// table is everything one bench run measured.
type table struct {
	Scale   string         `json:"scale"`
	Seed    int64          `json:"seed"`
	Date    string         `json:"date"`
	Machine string         `json:"machine"`
	Facts   map[string]any `json:"facts"`
	Rows    []row          `json:"rows"`
	// Goals are the figures held against the scale's goals (goals.go).
	Goals []goal `json:"goals,omitempty"`
}

func (t *table) add(step string, ss []sample, note string) row {
	r := row{Step: step, Runs: len(ss), Note: note}
	var rss int64
	for _, s := range ss {
		r.All = append(r.All, s.secs)
		rss = max(rss, s.rssKB)
	}
	r.Median = median(r.All)
	r.PeakMiB = float64(rss) / 1024
	t.Rows = append(t.Rows, r)
	return r
}

func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// child runs a command and measures its wall time and peak RSS.
func child(ctx context.Context, name string, args ...string) (sample, []byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	s := sample{secs: time.Since(start).Seconds()}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			s.rssKB = ru.Maxrss
		}
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 3 {
		err = nil // partial success: some county failed; the figures still stand
	}
	if err != nil {
		return s, out.Bytes(), fmt.Errorf("%s %s: %w\n%s", filepath.Base(name), strings.Join(args, " "), err, tail(errb.String(), 2000))
	}
	return s, out.Bytes(), nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func (o options) logf(format string, args ...any) {
	fmt.Fprintf(o.log, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

// measureAll runs every step of the table.
func measureAll(ctx context.Context, o options) (*table, error) {
	host, _ := os.Hostname()
	t := &table{Scale: o.scale, Seed: o.seed, Date: time.Now().UTC().Format("2006-01-02 15:04 MST"),
		Machine: fmt.Sprintf("%s, %d cores, %s, %s/%s", host, runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH),
		Facts:   map[string]any{}}

	// Generate: the feeds as CSV, reps times; the first copy is kept.
	gen := filepath.Join(o.dir, "gen")
	var ss []sample
	for i := range o.reps {
		out := gen
		if i > 0 {
			out = filepath.Join(o.dir, fmt.Sprintf("gen-%d", i))
		}
		o.logf("generate %s (%d/%d)", o.scale, i+1, o.reps)
		s, _, err := child(ctx, o.bin, "generate", "--out", out, "--scale", o.scale, "--seed", fmt.Sprint(o.seed), "--csv")
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
		if i > 0 {
			os.RemoveAll(out)
		}
	}
	feedBytes, feedFiles := du(filepath.Join(gen, "feeds"))
	t.Facts["feed_files"], t.Facts["feed_bytes"] = feedFiles, feedBytes
	t.add("generate --csv", ss, fmt.Sprintf("%d files, %.0f MB", feedFiles, float64(feedBytes)/1e6))

	// The floor and the full load, alternated.
	cfg := filepath.Join(gen, "grassroots.yaml")
	var floor, full []sample
	var loadRows, floorRows int64
	for i := range o.reps {
		o.logf("floor: DuckDB read_csv (%d/%d)", i+1, o.reps)
		db := filepath.Join(o.dir, "floor.duckdb")
		s, out, err := child(ctx, o.self, "floor", "--feeds", filepath.Join(gen, "feeds"), "--db", db)
		if err != nil {
			return nil, err
		}
		os.Remove(db)
		os.Remove(db + ".wal")
		floor = append(floor, s)
		var fr floorResult
		if err := json.Unmarshal(out, &fr); err != nil {
			return nil, fmt.Errorf("floor output: %w", err)
		}
		floorRows = fr.Rows

		o.logf("full run (%d/%d)", i+1, o.reps)
		if err := os.RemoveAll(filepath.Join(gen, "data")); err != nil {
			return nil, err
		}
		s, out, err = child(ctx, o.bin, "run", "--config", cfg, "--json")
		if err != nil {
			return nil, err
		}
		full = append(full, s)
		if loadRows, err = runRows(out); err != nil {
			return nil, err
		}
	}
	t.Facts["rows_loaded_in"], t.Facts["rows_floor"] = loadRows, floorRows
	fl := t.add("DuckDB read_csv(all_varchar) of the same CSV files (floor)", floor, fmt.Sprintf("%d rows", floorRows))
	ld := t.add("full run (fresh warehouse, publish included)", full,
		fmt.Sprintf("%d rows in; %.0f rows/s; %.2f× the floor", loadRows, float64(loadRows)/median(secs(full)), median(secs(full))/fl.Median))
	t.Facts["ratio_full_to_floor"] = ld.Median / fl.Median

	// Reruns.
	ss = nil
	for i := range o.reps {
		o.logf("rerun, nothing changed (%d/%d)", i+1, o.reps)
		s, _, err := child(ctx, o.bin, "run", "--config", cfg)
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
	}
	r := t.add("rerun, nothing changed", ss, fmt.Sprintf("%.2f%% of the full run", 100*median(secs(ss))/ld.Median))
	t.Facts["rerun_unchanged_pct"] = 100 * r.Median / ld.Median
	changed, err := oneCountyFile(gen)
	if err != nil {
		return nil, err
	}
	ss = nil
	var incr []sample
	for i := range o.reps {
		o.logf("rerun, one county's file changed (%d/%d)", i+1, o.reps)
		if err := touchCSV(changed); err != nil {
			return nil, err
		}
		s, out, err := child(ctx, o.bin, "run", "--config", cfg, "--json")
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
		p, err := runPublish(out, "incremental")
		if err != nil {
			return nil, fmt.Errorf("rerun, one county's file changed: %w", err)
		}
		incr = append(incr, sample{secs: p})
	}
	r = t.add("rerun, one county's file changed", ss, fmt.Sprintf("%.2f%% of the full run (%s)", 100*median(secs(ss))/ld.Median, filepath.Base(changed)))
	t.Facts["rerun_one_county_pct"] = 100 * r.Median / ld.Median
	t.add("publish alone, incremental (in the rerun above)", incr, "the publish's own seconds, from run --json")

	// The full publish alone: a run with nothing new, told to rebuild the
	// snapshot; its JSON gives the publish's own seconds.
	var fullPub []sample
	ss = nil
	for i := range o.reps {
		o.logf("run --full-publish, nothing new (%d/%d)", i+1, o.reps)
		s, out, err := child(ctx, o.bin, "run", "--config", cfg, "--json", "--full-publish")
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
		p, err := runPublish(out, "full")
		if err != nil {
			return nil, fmt.Errorf("run --full-publish: %w", err)
		}
		fullPub = append(fullPub, sample{secs: p})
	}
	t.add("run --full-publish, nothing new", ss, "")
	t.add("publish alone, full (in the run above)", fullPub, "the publish's own seconds, from run --json")

	// Macros, the report and the export on the published snapshot.
	published := filepath.Join(gen, "data", "published", "analytics.duckdb")
	asOf, err := macroRows(ctx, o, t, published)
	if err != nil {
		return nil, err
	}
	period := asOf[:7]
	ss = nil
	for i := range o.reps {
		o.logf("report %s (%d/%d)", period, i+1, o.reps)
		s, _, err := child(ctx, o.bin, "report", "--config", cfg, "--period", period)
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
	}
	t.add("report --period "+period+" (html + xlsx)", ss, "")
	ss = nil
	for i := range o.reps {
		o.logf("export (%d/%d)", i+1, o.reps)
		s, _, err := child(ctx, o.bin, "export", "--config", cfg, "--release", "bench", "--as-of", asOf, "--replace")
		if err != nil {
			return nil, err
		}
		ss = append(ss, s)
	}
	eb, ef := du(filepath.Join(gen, "export", "bench"))
	t.add("export --as-of "+asOf, ss, fmt.Sprintf("%d files, %.0f MB", ef, float64(eb)/1e6))
	return t, nil
}

// runPublish reads the publish's seconds from `run --json`, and checks that
// it published in the mode expected.
func runPublish(out []byte, mode string) (float64, error) {
	var res struct {
		Publish *struct {
			Mode    string  `json:"mode"`
			Reason  string  `json:"reason"`
			Seconds float64 `json:"seconds"`
		} `json:"publish"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("run --json: %w", err)
	}
	if res.Publish == nil {
		return 0, errors.New("the run did not publish")
	}
	if res.Publish.Mode != mode {
		return 0, fmt.Errorf("the run published %s (%s), want %s", res.Publish.Mode, res.Publish.Reason, mode)
	}
	return res.Publish.Seconds, nil
}

func secs(ss []sample) []float64 {
	out := make([]float64, len(ss))
	for i, s := range ss {
		out[i] = s.secs
	}
	return out
}

// runRows sums rows_in over the divisions and every county of `run --json`.
func runRows(out []byte) (int64, error) {
	var res struct {
		Divisions struct {
			RowsIn int64 `json:"rows_in"`
		} `json:"divisions"`
		Counties []struct {
			RowsIn int64  `json:"rows_in"`
			Status string `json:"status"`
		} `json:"counties"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return 0, fmt.Errorf("run --json: %w", err)
	}
	n := res.Divisions.RowsIn
	for _, c := range res.Counties {
		n += c.RowsIn
	}
	return n, nil
}

// oneCountyFile is the largest CSV of the first county's feed folder.
func oneCountyFile(gen string) (string, error) {
	dirs, err := os.ReadDir(filepath.Join(gen, "feeds"))
	if err != nil {
		return "", err
	}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		var best string
		var size int64
		filepath.WalkDir(filepath.Join(gen, "feeds", d.Name()), func(p string, e os.DirEntry, err error) error {
			if err == nil && !e.IsDir() && strings.HasSuffix(p, ".csv") {
				if fi, err := e.Info(); err == nil && fi.Size() > size {
					best, size = p, fi.Size()
				}
			}
			return nil
		})
		if best != "" {
			return best, nil
		}
	}
	return "", errors.New("no county CSV file in the generated feeds")
}

// touchCSV changes a CSV file's content so that its hash changes and the
// county reloads: when the last field of its last row is a whole number (a
// subsidy's amount), that number goes up by one, a corrected value that
// replaces one row and adds one history version; else the last row is
// written again (a duplicate the loader counts).
func touchCSV(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	lines := bytes.Split(bytes.TrimRight(b, "\r\n"), []byte("\n"))
	last := bytes.TrimRight(lines[len(lines)-1], "\r")
	if i := bytes.LastIndexByte(last, ','); i >= 0 {
		if n, err := strconv.ParseInt(string(last[i+1:]), 10, 64); err == nil {
			lines[len(lines)-1] = append(append([]byte{}, last[:i+1]...), strconv.FormatInt(n+1, 10)...)
			return os.WriteFile(path, append(bytes.Join(lines, []byte("\n")), '\n'), 0o644)
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	if len(b) > 0 && b[len(b)-1] != '\n' {
		f.Write([]byte("\n"))
	}
	_, err = f.Write(append(last, '\n'))
	return errors.Join(err, f.Close())
}

// du sums the sizes and counts the files under dir.
func du(dir string) (bytes int64, files int) {
	filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			if fi, err := e.Info(); err == nil {
				bytes += fi.Size()
				files++
			}
		}
		return nil
	})
	return bytes, files
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return "memory unknown"
	}
	var kb int64
	fmt.Sscanf(strings.TrimPrefix(strings.SplitN(string(b), "\n", 2)[0], "MemTotal:"), "%d", &kb)
	return fmt.Sprintf("%.0f GiB", float64(kb)/(1<<20))
}

// macroRows times every macro at one date, and coverage at 120 month-ends,
// in this process on the published snapshot; it returns the date used.
func macroRows(ctx context.Context, o options, t *table, published string) (string, error) {
	db, err := sql.Open("duckdb", published+"?access_mode=read_only")
	if err != nil {
		return "", err
	}
	defer db.Close()
	// The date: the last day of the month before the latest posting's start.
	var asOf string
	if err := db.QueryRowContext(ctx, `SELECT strftime(date_trunc('month', max(start_date)) - INTERVAL 1 DAY, '%Y-%m-%d') FROM fact_posting`).Scan(&asOf); err != nil {
		return "", fmt.Errorf("the bench date: %w", err)
	}
	var villages, postings int64
	if err := db.QueryRowContext(ctx, "SELECT (SELECT count(*) FROM dim_village), (SELECT count(*) FROM fact_posting)").Scan(&villages, &postings); err != nil {
		return "", fmt.Errorf("counting villages and postings: %w", err)
	}
	t.Facts["villages"], t.Facts["postings"], t.Facts["as_of"] = villages, postings, asOf
	calls, err := macroCalls(asOf)
	if err != nil {
		return "", err
	}
	for _, c := range calls {
		o.logf("macro %s", c.label)
		var ss []sample
		n := 0
		for range max(o.reps, 5) {
			s, k, err := timedQuery(ctx, db, c.sql)
			if err != nil {
				return "", err
			}
			ss, n = append(ss, sample{secs: s}), k
		}
		t.add("macro "+c.label, ss, fmt.Sprintf("%d rows", n))
	}
	// coverage at 120 month-ends, back from asOf, in one query: the
	// coverage_at macro over month_ends (the same figures as 120 calls of
	// coverage, which took 30 s nationally).
	end, err := time.Parse("2006-01-02", asOf)
	if err != nil {
		return "", err
	}
	first := time.Date(end.Year(), end.Month()-119, 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
	trend := "coverage_at(month_ends('" + first + "', '" + asOf + "')) WHERE level = 'county'"
	var ss []sample
	n := 0
	for i := range o.reps {
		o.logf("coverage × 120 month-ends (%d/%d)", i+1, o.reps)
		s, k, err := timedQuery(ctx, db, "SELECT * FROM "+trend)
		if err != nil {
			return "", err
		}
		ss, n = append(ss, sample{secs: s}), k
	}
	t.add("coverage at 120 month-ends (county level)", ss, fmt.Sprintf("%d rows: %s", n, trend))
	return asOf, nil
}

// macroCall is one timed macro: the label of its row and the query run.
type macroCall struct{ label, sql string }

// macroCalls are the macro calls timed at asOf (a month's last day): every
// metric macro, in the positional forms every DuckDB client takes; the
// survival family by county; flows and exits_between over the twelve months
// ending on asOf; coverage_ranking against the month before.
func macroCalls(asOf string) ([]macroCall, error) {
	end, err := time.Parse("2006-01-02", asOf)
	if err != nil {
		return nil, fmt.Errorf("the bench date: %w", err)
	}
	const day = "2006-01-02"
	year := asOf[:4]
	first := time.Date(end.Year(), end.Month()-11, 1, 0, 0, 0, 0, time.UTC).Format(day)
	prev := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1).Format(day)
	a, f, p := "'"+asOf+"'", "'"+first+"'", "'"+prev+"'"
	var calls []macroCall
	for _, m := range []string{
		"coverage(" + a + ")", "uncovered_villages(" + a + ")", "retention(" + a + ", 12)",
		"survival(" + a + ")", "exits(" + a + ")", "region_balance(" + a + ")",
		"promotions(" + a + ")", "quota_usage(" + year + ")", "source_freshness()", "data_quality()",
		"open_vacancies(" + a + ")", "coverage_ranking(" + a + ", " + p + ")", "coverage_progress(" + a + ")",
		"flows(" + f + ", " + a + ")", "exits_between(" + f + ", " + a + ")", "selection(" + a + ")",
		"subsidy_usage(" + a + ")", "quota_usage_on(" + year + ", " + a + ")",
		"source_freshness_on(" + a + ")", "data_quality_on(" + a + ")",
		"spells_by(" + a + ", 'county')", "survival_by(" + a + ", 'county')",
		"survival_median(" + a + ", 'county')", "exit_incidence(" + a + ", 'county')",
	} {
		calls = append(calls, macroCall{m, "SELECT * FROM " + m})
	}
	// Two macros again at the latest vintage, read through the history
	// tables as the report and `metrics` read every macro.
	const latest = "vintage := (SELECT max(finished_at) FROM etl_run)"
	for _, m := range []string{"coverage(" + a + ", " + latest + ")", "exit_incidence(" + a + ", 'county', " + latest + ")"} {
		calls = append(calls, macroCall{m, "SELECT * FROM " + m})
	}
	// data_end() is a scalar macro.
	return append(calls, macroCall{"data_end()", "SELECT data_end()"}), nil
}

// timedQuery runs q and reads every row; it returns the seconds taken and
// the rows read.
func timedQuery(ctx context.Context, db *sql.DB, q string) (float64, int, error) {
	start := time.Now()
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", q, err)
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", q, err)
	}
	return time.Since(start).Seconds(), n, nil
}

func (t *table) print(w io.Writer) {
	fmt.Fprintf(w, "grassroots bench — scale %s, seed %d, %s, %s\n\n", t.Scale, t.Seed, t.Date, t.Machine)
	fmt.Fprintln(w, "| step | runs | median | peak RSS | note |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---|")
	for _, r := range t.Rows {
		rss := "—"
		if r.PeakMiB > 0 {
			rss = fmt.Sprintf("%.0f MiB", r.PeakMiB)
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s |\n", r.Step, r.Runs, human(r.Median), rss, r.Note)
	}
	printGoals(w, t.Goals)
}

func human(s float64) string {
	switch {
	case s < 1:
		return fmt.Sprintf("%.1f ms", s*1000)
	case s < 100:
		return fmt.Sprintf("%.2f s", s)
	}
	return fmt.Sprintf("%.0f s", s)
}

func (t *table) writeJSON(path string) error {
	b, err := json.MarshalIndent(t, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}
