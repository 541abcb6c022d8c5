package main

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/internal/crashpoint"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
	"github.com/grassroots-cn/grassroots/synth"
)

// The crash campaign (issue 7): `grassroots run` on the demo city, killed
// with SIGKILL at chosen moments through the crashpoint hook, then checked
// (the warehouse opens, no county is half loaded, the published snapshot is
// a complete one) and run again (the warehouse then equals the one an
// uninterrupted run builds, and the snapshot is current).
//
// The hits, for a run from an empty warehouse (the divisions first, then the
// ten counties in the configuration's order 140105 … 140181):
//
//	read            1 divisions.csv; 2 140105's workbook; 3-8 140106's six files; … 46-51 140181's
//	merge           1-6 divisions (before and after its 3 targets); then 18 per county
//	                (9 targets): 7-24 140105, 25-42 140106, 43-60 140107, … 169-186 140181
//	commit          1 divisions, 2 140105, … 11 140181 (committed: the same)
//	publish-build   1 schema made; 2 data copied; 3 snapshot checkpointed
//
// Files are read one county ahead of the merge (pipeline/read.go), so a
// read hit happens while the previous county may still be merging.
//
// A "preloaded" start is a warehouse that already holds a complete load of
// the divisions and of 140105 and 140106 (and its published snapshot): the
// run finds the divisions unchanged (no load), records no_new_data for 140105
// and 140106 (each an empty load, committed: 18 merge hits and a commit) and
// loads the eight others, so its commits are 1 140105, 2 140106, 3 140107 …
// 10 140181 and its merges 1-18 140105, 19-36 140106, 37-54 140107, 55-72
// 140108, ….

// crashCase is one crash setting.
type crashCase struct {
	at      string // GRASSROOTS_CRASH_AT
	preload bool   // start from the preloaded warehouse, not an empty one
	quick   bool   // part of the quick campaign (go test); the others run with GRASSROOTS_RELIABILITY=full
	how     string
}

var crashCases = []crashCase{
	{at: "read:1", how: "the divisions file read, nothing committed"},
	{at: "read:5", quick: true, how: "140106's third file read, ahead, while 140105 merges"},
	{at: "read:51", how: "140181's last file read, ahead, while the ninth county merges"},
	{at: "stage:1", how: "the first batch staged (the divisions)"},
	{at: "stage:40", how: "the 40th batch staged, in 140110's load"},
	{at: "merge:3", how: "in the divisions' merge, after dim_county"},
	{at: "merge:10", quick: true, how: "in 140105's merge, after fact_posting and dim_person"},
	{at: "merge:60", how: "140107 merged every target; findings and bookkeeping not yet"},
	{at: "merge:61", preload: true, how: "in 140108's merge, before fact_role"},
	{at: "commit:5", how: "just before 140108's COMMIT"},
	{at: "committed:1", how: "the divisions' COMMIT done, no CHECKPOINT yet"},
	{at: "committed:7", how: "140110's COMMIT done, no CHECKPOINT yet"},
	{at: "committed:11", how: "the last county's COMMIT done, no CHECKPOINT, nothing published yet"},
	{at: "committed:10", preload: true, quick: true, how: "the last county's COMMIT done, the snapshot is the first load's"},
	{at: "publish-build:1", how: "snapshot schema made, no data copied"},
	{at: "publish-build:2", quick: true, how: "snapshot data copied, the snapshot not checkpointed"},
	{at: "publish-build:3", preload: true, how: "the new snapshot checkpointed in its temp file"},
	{at: "publish-rename:1", how: "the snapshot synced, not renamed; none published before"},
	{at: "publish-rename:1", preload: true, quick: true, how: "backups rotated, the new snapshot synced, not renamed"},
	{at: "published:1", preload: true, how: "the new snapshot renamed in place, its folder not synced"},
}

// preloadCounties are the counties the preloaded warehouse holds.
var preloadCounties = []string{"140105", "140106"}

// crashReport is one line of GRASSROOTS_RELIABILITY_REPORT.
type crashReport struct {
	Fault    string `json:"fault"`
	How      string `json:"how"`
	Result   string `json:"result"`
	RowsLost int64  `json:"rows_lost"`
}

// crashEnv is a test environment: the binary, the clean city folders and the
// reference warehouses.
type crashEnv struct {
	bin        string
	empty      string // a city folder with an empty warehouse
	preloaded  string // a city folder whose warehouse holds a first complete load
	counties   []string
	ref        map[string]unitState // per county ("" = the divisions), after an uninterrupted run
	refEmpty   string               // the warehouse of an uninterrupted run from empty
	refPreload string               // the warehouse of an uninterrupted run from preloaded
}

func TestCrashCampaign(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and kills it many times; skipped with -short")
	}
	cases := crashCases
	if os.Getenv("GRASSROOTS_RELIABILITY") != "full" {
		cases = slices.DeleteFunc(slices.Clone(cases), func(c crashCase) bool { return !c.quick })
	}
	start := time.Now()
	env := newCrashEnv(t)
	t.Logf("setup (build, generate, preload, two reference runs): %s", time.Since(start).Round(time.Millisecond))

	var mu sync.Mutex
	var lines []crashReport
	if path := os.Getenv("GRASSROOTS_RELIABILITY_REPORT"); path != "" {
		t.Cleanup(func() {
			f, err := os.Create(path)
			if err != nil {
				t.Errorf("report: %v", err)
				return
			}
			defer f.Close()
			enc := json.NewEncoder(f)
			enc.SetEscapeHTML(false)
			for _, l := range lines {
				enc.Encode(l)
			}
		})
	}
	for _, c := range cases {
		name := c.at
		if c.preload {
			name = "preloaded/" + name
		}
		t.Run(name, func(t *testing.T) {
			start := time.Now()
			var rep crashOutcome
			// Deferred: a case stopped by t.Fatal is reported too.
			defer func() {
				how := "from an empty warehouse: " + c.how
				if c.preload {
					how = "from a warehouse holding a first complete load (" + strings.Join(preloadCounties, ", ") + "): " + c.how
				}
				if t.Failed() {
					rep.Result = "FAILED: " + rep.Result
				}
				mu.Lock()
				lines = append(lines, crashReport{Fault: "SIGKILL at " + c.at, How: how, Result: rep.Result, RowsLost: rep.RowsLost})
				mu.Unlock()
				t.Logf("%s: %s (%s)", c.at, rep.Result, time.Since(start).Round(time.Millisecond))
			}()
			env.crash(t, c, &rep)
		})
	}
}

// newCrashEnv builds the binary, generates the city, preloads a copy and
// runs the two references.
func newCrashEnv(t *testing.T) *crashEnv {
	t.Helper()
	env := &crashEnv{bin: buildBinary(t)}
	root := t.TempDir()
	env.empty = filepath.Join(root, "empty")
	gen, err := synth.Generate(context.Background(), env.empty, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range gen.Counties {
		env.counties = append(env.counties, c.Code)
	}
	env.preloaded = filepath.Join(root, "preloaded")
	crashCopyTree(t, env.empty, env.preloaded)
	if out, err := crashRun(env.bin, env.preloaded, "", "--county", strings.Join(preloadCounties, ",")); err != nil {
		t.Fatalf("preload: %v\n%s", err, out)
	}

	refEmpty, refPreload := filepath.Join(root, "ref-empty"), filepath.Join(root, "ref-preloaded")
	crashCopyTree(t, env.empty, refEmpty)
	crashCopyTree(t, env.preloaded, refPreload)
	for _, dir := range []string{refEmpty, refPreload} {
		if out, err := crashRun(env.bin, dir, ""); err != nil {
			t.Fatalf("reference run in %s: %v\n%s", dir, err, out)
		}
	}
	env.refEmpty, env.refPreload = warehousePath(refEmpty), warehousePath(refPreload)
	db := openReadOnly(t, env.refEmpty)
	env.ref = env.units(t, db)
	db.Close()
	for _, u := range append([]string{""}, env.counties...) {
		if s := env.ref[u]; s.Rows == 0 || s.Files == 0 || s.Runs != 1 {
			t.Fatalf("the reference run did not load %q: %+v", u, s)
		}
	}
	// Loading the preloaded counties first and the others later gives the
	// same warehouse as one run: the preloaded cases' reference is sound.
	if diffs, _ := whcompare.Compare(t, env.refEmpty, env.refPreload); len(diffs) > 0 {
		t.Fatalf("a load in two runs differs from a load in one: %s", strings.Join(diffs, "; "))
	}
	// The comparison sees a warehouse that lacks eight counties.
	diffs, lost := whcompare.Compare(t, env.refEmpty, warehousePath(env.preloaded))
	if want := sumRows(env.ref, env.counties[len(preloadCounties):]); lost < want || !strings.Contains(strings.Join(diffs, " "), "fact_posting") {
		t.Fatalf("the comparison misses a partial warehouse: %d rows lost (want at least %d): %v", lost, want, diffs)
	}
	return env
}

// crashOutcome is what a case reports.
type crashOutcome struct {
	Result   string
	RowsLost int64
}

// crash runs one case: the crashed run, the checks of what it left, the
// rerun and the comparison with the reference. It fills rep as it goes.
func (env *crashEnv) crash(t *testing.T, c crashCase, rep *crashOutcome) {
	dir := filepath.Join(t.TempDir(), "city")
	src, ref := env.empty, env.refEmpty
	if c.preload {
		src, ref = env.preloaded, env.refPreload
	}
	crashCopyTree(t, src, dir)
	published := publishedPath(dir)
	var before []byte
	if c.preload {
		var err error
		if before, err = os.ReadFile(published); err != nil {
			t.Fatalf("the preloaded folder has no snapshot: %v", err)
		}
	}

	// The crashed run.
	out, err := crashRun(env.bin, dir, c.at)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		rep.Result = fmt.Sprintf("the run was not killed (%v)", err)
		t.Fatalf("%s: %s\n%s", c.at, rep.Result, out)
	}

	// What the crash left: the warehouse opens (DuckDB replays its WAL) and
	// holds whole units only.
	db := openReadOnly(t, warehousePath(dir))
	units := env.units(t, db)
	var committed []string
	for _, u := range append([]string{""}, env.counties...) {
		got, want := units[u], env.ref[u]
		switch got {
		case want:
			committed = append(committed, cmp.Or(u, "divisions"))
		case unitState{}:
		default:
			t.Errorf("after the crash %s is half loaded: %+v, reference %+v", cmp.Or(u, "divisions"), got, want)
		}
	}
	unfinished := count(t, db, "SELECT count(*) FROM etl_run WHERE finished_at IS NULL")
	failed := count(t, db, "SELECT count(*) FROM etl_run WHERE status NOT IN ('succeeded', 'no_new_data')")
	orphans := count(t, db, `SELECT count(*) FROM etl_file f WHERE NOT EXISTS
		(SELECT 1 FROM etl_run r WHERE r.run_id = f.first_run_id AND r.status = 'succeeded')`)
	db.Close()
	if unfinished+failed+orphans != 0 {
		t.Errorf("after the crash: %d runs without finished_at, %d runs neither succeeded nor no_new_data, %d files of no succeeded run",
			unfinished, failed, orphans)
	}

	// The published snapshot, if any, is a complete one: the previous one,
	// or the new one when the crash came after the rename.
	snapshot := "none"
	if _, err := os.Stat(published); err == nil {
		snapshot = env.checkSnapshot(t, published, false)
		now, err := os.ReadFile(published)
		if err != nil {
			t.Fatalf("reading the snapshot: %v", err)
		}
		switch {
		case before != nil && string(now) == string(before):
			snapshot = "the previous one (" + snapshot + ")"
		case before != nil:
			snapshot = "a new one (" + snapshot + ")"
		}
	} else if c.preload {
		t.Errorf("after the crash the previous snapshot is gone: %v", err)
	}
	leftovers := tempLeftovers(t, published)
	rep.Result = fmt.Sprintf("killed; committed before the kill: %s; snapshot: %s; temp files left: %d",
		cmp.Or(strings.Join(committed, " "), "nothing"), snapshot, len(leftovers))

	// The rerun finishes the work.
	start := time.Now()
	if out, err := crashRun(env.bin, dir, ""); err != nil {
		rep.Result += fmt.Sprintf("; rerun failed: %v", err)
		t.Fatalf("rerun after %s: %v\n%s", c.at, err, out)
	}
	rep.Result += fmt.Sprintf("; rerun ok in %.1fs", time.Since(start).Seconds())
	if left := tempLeftovers(t, published); len(left) > 0 {
		t.Errorf("after the rerun, temp files are left beside the snapshot: %v", left)
	}
	env.checkSnapshot(t, published, true)
	diffs, lost := whcompare.Compare(t, ref, warehousePath(dir))
	rep.RowsLost = lost
	db = openReadOnly(t, warehousePath(dir))
	failed = count(t, db, "SELECT count(*) FROM etl_run WHERE finished_at IS NULL OR status NOT IN ('succeeded', 'no_new_data')")
	db.Close()
	if failed > 0 {
		diffs = append(diffs, fmt.Sprintf("%d runs failed or unfinished", failed))
	}
	if len(diffs) > 0 {
		rep.Result += "; warehouse differs from the reference: " + strings.Join(diffs, "; ")
		t.Errorf("after the rerun the warehouse differs from the reference: %s", strings.Join(diffs, "; "))
	} else {
		rep.Result += "; warehouse equals the reference, snapshot current"
	}
}

// sumRows adds the rows of some units.
func sumRows(units map[string]unitState, codes []string) int64 {
	var n int64
	for _, c := range codes {
		n += units[c].Rows
	}
	return n
}

// unitState counts what one load unit (a county, or "" for the divisions)
// put in a warehouse. Rows are its fact_posting rows plus its fact_quota
// rows (the divisions: its villages and townships); Runs its succeeded runs.
type unitState struct {
	Rows, Files, Rejects, Findings, Runs int64
}

// units counts every unit in db.
func (env *crashEnv) units(t *testing.T, db *sql.DB) map[string]unitState {
	t.Helper()
	m := map[string]unitState{}
	var s unitState
	err := db.QueryRow(`SELECT (SELECT count(*) FROM dim_village) + (SELECT count(*) FROM dim_township),
		(SELECT count(*) FROM etl_file WHERE county_code IS NULL),
		(SELECT count(*) FROM etl_reject WHERE county_code IS NULL),
		(SELECT count(*) FROM etl_finding WHERE county_code IS NULL),
		(SELECT count(*) FROM etl_run WHERE job = 'divisions' AND status = 'succeeded')`).
		Scan(&s.Rows, &s.Files, &s.Rejects, &s.Findings, &s.Runs)
	if err != nil {
		t.Fatalf("counting the divisions: %v", err)
	}
	m[""] = s
	for _, c := range env.counties {
		err := db.QueryRow(`SELECT (SELECT count(*) FROM fact_posting WHERE county_code = $1) + (SELECT count(*) FROM fact_quota WHERE county_code = $1),
			(SELECT count(*) FROM etl_file WHERE county_code = $1),
			(SELECT count(*) FROM etl_reject WHERE county_code = $1),
			(SELECT count(*) FROM etl_finding WHERE county_code = $1),
			(SELECT count(*) FROM etl_run WHERE job = 'ingest' AND county_code = $1 AND status = 'succeeded')`, c).
			Scan(&s.Rows, &s.Files, &s.Rejects, &s.Findings, &s.Runs)
		if err != nil {
			t.Fatalf("counting %s: %v", c, err)
		}
		m[c] = s
	}
	return m
}

// checkSnapshot opens the published snapshot read-only and checks that it is
// a complete one: no personal data, every run finished, the divisions there,
// and every county either whole (with its succeeded run) or absent. current
// asks for every county whole. It returns which counties it holds.
func (env *crashEnv) checkSnapshot(t *testing.T, path string, current bool) string {
	t.Helper()
	db := openReadOnly(t, path)
	defer db.Close()
	var pii, unfinished int
	if err := db.QueryRow("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'pii%'").Scan(&pii); err != nil {
		t.Errorf("snapshot: %v", err)
		return "unreadable"
	}
	if err := db.QueryRow("SELECT count(*) FROM etl_run WHERE finished_at IS NULL").Scan(&unfinished); err != nil {
		t.Errorf("snapshot: %v", err)
		return "unreadable"
	}
	if pii != 0 || unfinished != 0 {
		t.Errorf("snapshot: %d personal tables, %d unfinished runs", pii, unfinished)
	}
	// The snapshot has no pii_person: a county's rows are counted the same way.
	units := env.units(t, db)
	if units[""] != env.ref[""] {
		t.Errorf("the snapshot lacks the divisions: %+v", units[""])
	}
	var whole []string
	for _, c := range env.counties {
		switch units[c] {
		case env.ref[c]:
			whole = append(whole, c)
		case unitState{}:
			if current {
				t.Errorf("the snapshot after the rerun lacks %s: it is not current", c)
			}
		default:
			t.Errorf("the snapshot holds %s half: %+v, reference %+v", c, units[c], env.ref[c])
		}
	}
	return fmt.Sprintf("%d counties", len(whole))
}

// crashRun runs `grassroots run` in a city folder, armed at crashAt ("" =
// not armed), with a deadline.
func crashRun(bin, dir, crashAt string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append([]string{"run", "--config", filepath.Join(dir, "grassroots.yaml")}, args...)...)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, crashpoint.EnvVar+"=") })
	if crashAt != "" {
		cmd.Env = append(cmd.Env, crashpoint.EnvVar+"="+crashAt)
	}
	return cmd.CombinedOutput()
}

func warehousePath(dir string) string { return filepath.Join(dir, "data", "warehouse.duckdb") }
func publishedPath(dir string) string {
	return filepath.Join(dir, "data", "published", "analytics.duckdb")
}

// openReadOnly opens a DuckDB file read-only and checks that it opens.
func openReadOnly(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err == nil {
		err = db.Ping()
	}
	if err != nil {
		t.Fatalf("%s does not open: %v", path, err)
	}
	return db
}

// tempLeftovers lists the files beside the snapshot that a publish left
// half-way (its temporary file and that file's WAL).
func tempLeftovers(t *testing.T, published string) []string {
	t.Helper()
	m, err := filepath.Glob(published + ".tmp*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// crashCopyTree copies a folder, keeping the files' modes (the key file must
// stay 0600).
func crashCopyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm())
		}
		in, err := os.Open(path)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		return out.Close()
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}
