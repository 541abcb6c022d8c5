package main

import (
	"bytes"
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

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/grassroots-cn/grassroots/internal/crashpoint"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
	"github.com/grassroots-cn/grassroots/synth"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// The crash campaign (issue 7, and issue 18 for the incremental publish):
// `grassroots run` on the demo city, killed with SIGKILL at chosen moments
// through the crashpoint hook, then checked (the warehouse opens, no county
// is half loaded, the published snapshot is a complete one: the previous
// one, whole, or the new one once renamed) and run again (the warehouse then
// equals the one an uninterrupted run builds, the snapshot is current and
// equals, exactly, a full publish of the final warehouse, and no temporary
// snapshot is left beside it).
//
// The hits, for a run from an empty warehouse (the divisions first, then the
// ten counties in the configuration's order 140105 … 140181):
//
//	read            1 divisions.csv; 2 140105's workbook; 3-8 140106's six files; … 46-51 140181's
//	merge           1-6 divisions (before and after its 3 targets); then 18 per county
//	                (9 targets): 7-24 140105, 25-42 140106, 43-60 140107, … 169-186 140181
//	commit          1 divisions, 2 140105, … 11 140181 (committed: the same)
//	publish-build   1 schema made; 2 data copied; 3 snapshot checkpointed (there is
//	                no snapshot yet: the run publishes in full)
//	publish-rename  1 the snapshot synced, not renamed
//	published       1 the snapshot renamed into place, its folder not synced
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
// 140108, …. Its snapshot has this binary's migrations and macros, so the
// run publishes incrementally (warehouse/incremental.go), never through
// publish-build:
//
//	publish-copy    1 the snapshot copied to its temporary file, nothing applied
//	publish-apply   1 the missing runs applied to the copy, not committed; 2 committed,
//	                not checkpointed (the copy has a WAL); 3 the copy checkpointed,
//	                not synced
//	publish-rename  1 the copy synced, the backups rotated, not renamed
//	published       1 the copy renamed into place, its folder not synced
//
// Three preloaded cases go further: one changes 140106's ledger between the
// crash and the rerun (the rerun then replaces keys the previous snapshot
// holds), one kills the rerun as well, in its own incremental publish, and
// one starts from a snapshot that drifted from its warehouse, so that the
// incremental publish fails its check and the run rebuilds in full (hitting
// publish-build after publish-copy and publish-apply:1).
//
// A point that is never hit lets the run finish: the case then fails ("the
// run was not killed"), so every case below names a hit that happens.

// crashCase is one crash setting.
type crashCase struct {
	at      string // GRASSROOTS_CRASH_AT
	preload bool   // start from the preloaded warehouse, not an empty one
	quick   bool   // part of the quick campaign (go test); the others run with GRASSROOTS_RELIABILITY=full
	// temp: the kill leaves a publish's temporary snapshot beside the
	// published one (which the rerun must remove).
	temp bool
	// renamed: the kill comes after the new snapshot was renamed into place.
	renamed bool
	// runs, counted by hand, is how many runs the rerun's incremental
	// publish must apply (0: not counted; the runs of the warehouse the
	// snapshot lacks are checked whatever).
	runs int
	// again is a second crash point: the first rerun is killed there too
	// (armed, it must hit), and a third run converges.
	again string
	// change: before the rerun, 140106's ledger changes (changeLedger), so
	// the rerun loads 140106 again and changes keys the previous snapshot
	// holds; the warehouse then differs from the reference, and the
	// snapshot must still equal a full publish of it.
	change bool
	// drift: before the crashed run, one row is deleted from the preloaded
	// snapshot's fact_role (a snapshot that drifted from its warehouse): the
	// incremental publish's check fails and the run rebuilds the snapshot
	// in full, and so does the rerun.
	drift bool
	how   string
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
	{at: "merge:61", preload: true, runs: 13, how: "in 140108's merge, before fact_role: 140105, 140106 (no_new_data) and 140107 committed; the rerun adds ten runs"},
	{at: "commit:5", how: "just before 140108's COMMIT"},
	{at: "committed:1", how: "the divisions' COMMIT done, no CHECKPOINT yet"},
	{at: "committed:7", how: "140110's COMMIT done, no CHECKPOINT yet"},
	{at: "committed:11", how: "the last county's COMMIT done, no CHECKPOINT, nothing published yet"},
	// From committed:10 on, the snapshot lacks the ten runs of the crashed
	// run (no_new_data for 140105 and 140106, a load of each of the eight
	// others) and the rerun's ten no_new_data runs (the divisions unchanged
	// record none): 20.
	{at: "committed:10", preload: true, quick: true, runs: 20, how: "the last county's COMMIT done, the snapshot is the first load's: the rerun applies every run it lacks"},
	{at: "publish-build:1", temp: true, how: "full publish: snapshot schema made, no data copied"},
	{at: "publish-build:2", temp: true, quick: true, how: "full publish: snapshot data copied, the snapshot not checkpointed"},
	{at: "publish-build:3", temp: true, how: "full publish: the new snapshot checkpointed in its temp file"},
	{at: "publish-rename:1", temp: true, how: "full publish: the snapshot synced, not renamed; none published before"},
	{at: "publish-copy:1", preload: true, temp: true, runs: 20, how: "incremental publish: the snapshot copied, nothing applied"},
	{at: "publish-apply:1", preload: true, temp: true, runs: 20, quick: true, how: "incremental publish: the runs applied to the copy, not committed"},
	{at: "publish-apply:2", preload: true, temp: true, runs: 20, quick: true, how: "incremental publish: applied and committed, the copy not checkpointed"},
	{at: "publish-apply:3", preload: true, temp: true, runs: 20, how: "incremental publish: the copy checkpointed, not synced nor renamed"},
	{at: "publish-rename:1", preload: true, temp: true, runs: 20, quick: true, how: "incremental publish: backups rotated, the copy synced, not renamed"},
	{at: "publish-apply:2", preload: true, temp: true, runs: 20, change: true,
		how: "incremental publish: applied and committed, the copy not checkpointed; then 140106's ledger changes"},
	// The second run's publish lacks the same 20 runs; the third run's, 30.
	{at: "publish-apply:2", again: "publish-rename:1", preload: true, temp: true, runs: 30,
		how: "incremental publish: applied and committed, the copy not checkpointed; the rerun killed with its copy synced, not renamed"},
	// The incremental attempt hits publish-copy:1 and publish-apply:1, then
	// fails its check; the full rebuild hits publish-build 1-3.
	{at: "publish-build:2", preload: true, temp: true, drift: true,
		how: "the snapshot drifted (a fact_role row gone): the incremental check failed, the full rebuild's data copied, not checkpointed"},
	{at: "published:1", preload: true, renamed: true, how: "incremental publish: the copy renamed in place, its folder not synced"},
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
		if c.again != "" {
			name += "+" + c.again
		}
		if c.change {
			name += "+changed"
		}
		if c.drift {
			name += "+drifted"
		}
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
				fault := "SIGKILL at " + c.at
				if c.again != "" {
					fault += ", then at " + c.again
				}
				lines = append(lines, crashReport{Fault: fault, How: how, Result: rep.Result, RowsLost: rep.RowsLost})
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
	checkSnapshotDiffs(t, env.preloaded, refPreload)
	return env
}

// checkSnapshotDiffs checks the exact snapshot comparison on the setup's
// snapshots: preloaded's (published in full by the preload) and
// refPreloaded's (published incrementally by the reference run) each equal
// a full publish of their warehouse; a snapshot lacking eight counties, and
// one whose single run ended a microsecond later, differ; one applied at
// another moment does not.
func checkSnapshotDiffs(t *testing.T, preloaded, refPreloaded string) {
	t.Helper()
	full := fullPublish(t, warehousePath(refPreloaded))
	for _, dir := range []string{preloaded, refPreloaded} {
		want := full
		if dir == preloaded {
			want = fullPublish(t, warehousePath(dir))
		}
		if diffs := snapshotDiffs(t, want, publishedPath(dir)); len(diffs) > 0 {
			t.Fatalf("the snapshot of %s differs from a full publish of its warehouse: %s", filepath.Base(dir), strings.Join(diffs, "; "))
		}
	}
	if diffs := snapshotDiffs(t, full, publishedPath(preloaded)); !strings.Contains(strings.Join(diffs, " "), "fact_posting:") {
		t.Fatalf("the snapshot comparison misses a snapshot lacking eight counties: %v", diffs)
	}
	moved := filepath.Join(t.TempDir(), "moved.duckdb")
	crashCopyFile(t, publishedPath(preloaded), moved)
	db, err := sql.Open("duckdb", moved)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`UPDATE etl_run SET finished_at = finished_at + INTERVAL 1 MICROSECOND WHERE run_id = (SELECT max(run_id) FROM etl_run);
		UPDATE schema_macros SET applied_at = applied_at - INTERVAL 1 DAY; UPDATE schema_migrations SET applied_at = applied_at - INTERVAL 1 DAY`)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("moving a moment in a copy of the snapshot: %v", err)
	}
	if diffs := snapshotDiffs(t, publishedPath(preloaded), moved); len(diffs) != 1 || !strings.HasPrefix(diffs[0], "etl_run: 1 of ") {
		t.Fatalf("the snapshot comparison, one run's end moved by a microsecond and the schema applied a day earlier: %v, want one etl_run row", diffs)
	}
}

// crashOutcome is what a case reports.
type crashOutcome struct {
	Result   string
	RowsLost int64
}

// crash runs one case: the crashed run, the checks of what it left, the
// rerun and the comparisons with the reference. It fills rep as it goes.
func (env *crashEnv) crash(t *testing.T, c crashCase, rep *crashOutcome) {
	dir := filepath.Join(t.TempDir(), "city")
	src, ref := env.empty, env.refEmpty
	if c.preload {
		src, ref = env.preloaded, env.refPreload
	}
	crashCopyTree(t, src, dir)
	published := publishedPath(dir)
	previous := publishedPath(env.preloaded)
	if c.drift {
		previous = driftSnapshot(t, published)
	}

	// The crashed run, and the crashed rerun if any.
	env.crashAt(t, c, dir, c.at, previous, rep)
	if c.again != "" {
		env.crashAt(t, c, dir, c.again, previous, rep)
	}
	if c.change {
		changeLedger(t, filepath.Join(dir, "feeds", "140106", "人员台账.csv"))
		rep.Result += "; then 140106's ledger changed (a value corrected, a person gone)"
	}
	// The runs the snapshot holds before the rerun: an incremental rerun
	// must apply every other run of the warehouse.
	var before map[int64]bool
	if _, err := os.Stat(published); err == nil {
		before = runIDs(t, published)
	}

	// The rerun finishes the work.
	start := time.Now()
	pub, out, err := crashRerun(env.bin, dir)
	if err != nil {
		rep.Result += fmt.Sprintf("; rerun failed: %v", err)
		t.Fatalf("rerun after %s: %v\n%s", c.at, err, out)
	}
	rep.Result += fmt.Sprintf("; rerun ok in %.1fs (%s)", time.Since(start).Seconds(), pub)
	env.checkRerunPublish(t, c, dir, pub, before)
	env.checkRerun(t, c, ref, dir, rep)
}

// crashAt runs `grassroots run` in dir armed at point, checks that it was
// killed, and checks what it left in the warehouse, at the published path
// (previous: the snapshot there before) and beside it. It adds what it
// found to rep.
func (env *crashEnv) crashAt(t *testing.T, c crashCase, dir, point, previous string, rep *crashOutcome) {
	t.Helper()
	out, err := crashRun(env.bin, dir, point)
	var ee *exec.ExitError
	if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		rep.Result = fmt.Sprintf("the run armed at %s was not killed (%v)", point, err)
		t.Fatalf("%s: %s\n%s", point, rep.Result, out)
	}
	committed := env.checkCrashedWarehouse(t, dir)
	snapshot := env.checkCrashedSnapshot(t, c, dir, previous)
	leftovers := tempLeftovers(t, publishedPath(dir))
	if c.temp && len(leftovers) == 0 {
		t.Errorf("the kill at %s left no temporary snapshot beside the published one: the case does not test its removal", point)
	}
	if !c.temp && len(leftovers) > 0 {
		t.Errorf("the kill at %s, before any publish, left temporary snapshots: %v", point, leftovers)
	}
	if rep.Result != "" {
		rep.Result += "; "
	}
	rep.Result += fmt.Sprintf("killed at %s; committed before the kill: %s; snapshot: %s; temp files left: %d",
		point, cmp.Or(strings.Join(committed, " "), "nothing"), snapshot, len(leftovers))
}

// driftSnapshot deletes one fact_role row from the snapshot at published
// (checkpointed: no WAL is left beside it) and returns a copy of the result.
func driftSnapshot(t *testing.T, published string) string {
	t.Helper()
	db, err := sql.Open("duckdb", published)
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec("DELETE FROM fact_role WHERE rowid = (SELECT min(rowid) FROM fact_role)")
	var n int64
	if err == nil {
		n, err = res.RowsAffected()
	}
	if err == nil {
		_, err = db.Exec("CHECKPOINT")
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil || n != 1 {
		t.Fatalf("deleting a fact_role row from the snapshot: %d rows, %v", n, err)
	}
	if _, err := os.Stat(published + ".wal"); err == nil {
		t.Fatalf("the drifted snapshot kept a WAL")
	}
	previous := filepath.Join(t.TempDir(), "drifted.duckdb")
	crashCopyFile(t, published, previous)
	return previous
}

// changeLedger changes 140106's ledger (GB18030 CSV) as a county would
// between two loads: the first person's political status is corrected
// (中共党员 ↔ 群众) and the last row is gone (a person vanished).
func changeLedger(t *testing.T, path string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text, err := simplifiedchinese.GB18030.NewDecoder().Bytes(raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	lines := strings.Split(strings.TrimRight(string(text), "\r\n"), "\r\n")
	if len(lines) < 3 {
		t.Fatalf("%s has %d lines", path, len(lines))
	}
	col := slices.Index(strings.Split(lines[0], ","), "政治面貌")
	first := strings.Split(lines[1], ",")
	if col < 0 || col >= len(first) {
		t.Fatalf("%s: no 政治面貌 in its first row", path)
	}
	first[col] = map[bool]string{true: "群众", false: "中共党员"}[first[col] == "中共党员"]
	lines[1] = strings.Join(first, ",")
	lines = lines[:len(lines)-1]
	out, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(strings.Join(lines, "\r\n") + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// checkCrashedWarehouse checks what a crash left in the warehouse: it opens
// (DuckDB replays its WAL) and holds whole units only, every run finished.
// It returns the units it holds.
func (env *crashEnv) checkCrashedWarehouse(t *testing.T, dir string) []string {
	t.Helper()
	db := openReadOnly(t, warehousePath(dir))
	defer db.Close()
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
	if unfinished+failed+orphans != 0 {
		t.Errorf("after the crash: %d runs without finished_at, %d runs neither succeeded nor no_new_data, %d files of no succeeded run",
			unfinished, failed, orphans)
	}
	return committed
}

// checkCrashedSnapshot checks the published snapshot a crash left: none, or
// a complete one. From a preloaded start it must be there and be, table by
// table, the preloaded snapshot (nothing of the killed publish in it), or,
// once renamed, the new one: a full publish of the warehouse the crashed run
// left. It says which.
func (env *crashEnv) checkCrashedSnapshot(t *testing.T, c crashCase, dir, previous string) string {
	t.Helper()
	published := publishedPath(dir)
	if _, err := os.Stat(published + ".wal"); err == nil {
		t.Errorf("after the crash the published snapshot has a WAL beside it: a write reached it")
	}
	if _, err := os.Stat(published); err != nil {
		if c.preload {
			t.Errorf("after the crash the previous snapshot is gone: %v", err)
		}
		return "none"
	}
	snapshot := env.checkSnapshot(t, published, false, "")
	if !c.preload {
		return snapshot
	}
	same, err := sameBytes(previous, published)
	if err != nil {
		t.Fatal(err)
	}
	if c.renamed {
		if same {
			t.Errorf("the kill came after the rename, yet the snapshot is still the previous one")
		}
		if diffs := snapshotDiffs(t, fullPublish(t, warehousePath(dir)), published); len(diffs) > 0 {
			t.Errorf("the renamed snapshot differs from a full publish of the warehouse: %s", strings.Join(diffs, "; "))
		}
		// The previous snapshot is kept as the newest backup.
		if same, err := sameBytes(previous, published+".1"); err != nil || !same {
			t.Errorf("the previous snapshot is not kept whole as %s.1 (same bytes: %v, %v)", filepath.Base(published), same, err)
		}
		return "a new one (" + snapshot + ")"
	}
	if diffs := snapshotDiffs(t, previous, published); len(diffs) > 0 {
		t.Errorf("the snapshot at the published path is not the previous one: %s", strings.Join(diffs, "; "))
	}
	if same {
		return "the previous one, byte for byte (" + snapshot + ")"
	}
	return "the previous one, table by table (" + snapshot + ")"
}

// checkRerunPublish checks how the rerun published. From a preloaded start
// the snapshot has this binary's schema, so the rerun publishes
// incrementally and applies every run the snapshot lacked (before: its run
// ids after the crash), unless the crash came after the rename, when the
// snapshot is current and the rerun does not publish.
func (env *crashEnv) checkRerunPublish(t *testing.T, c crashCase, dir string, pub rerunPublish, before map[int64]bool) {
	t.Helper()
	if !c.preload {
		return
	}
	if c.renamed {
		if pub.Now {
			t.Errorf("the renamed snapshot was current, yet the rerun published again: %s", pub)
		}
		return
	}
	if !pub.Now || pub.Stats == nil {
		t.Fatalf("the rerun did not publish, though the snapshot lagged: %s", pub)
	}
	if c.drift {
		// The drifted snapshot is still the published one: the rerun's
		// check fails as the crashed run's did.
		if pub.Stats.Mode != "full" || !strings.Contains(pub.Stats.Reason, "fact_role") {
			t.Errorf("the rerun published %q (%s), want a full rebuild because fact_role differs", pub.Stats.Mode, pub.Stats.Reason)
		}
		return
	}
	if pub.Stats.Mode != "incremental" {
		t.Errorf("the rerun published %q (%s), want incremental", pub.Stats.Mode, pub.Stats.Reason)
	}
	var missing int
	for id := range runIDs(t, warehousePath(dir)) {
		if !before[id] {
			missing++
		}
	}
	if missing == 0 || pub.Stats.Runs != missing {
		t.Errorf("the incremental publish applied %d runs; the warehouse has %d the snapshot lacked", pub.Stats.Runs, missing)
	}
	if c.runs != 0 && pub.Stats.Runs != c.runs {
		t.Errorf("the incremental publish applied %d runs, want %d", pub.Stats.Runs, c.runs)
	}
}

// checkRerun checks what the rerun left: no temporary snapshot, a current
// snapshot that equals a full publish of the final warehouse, and a
// warehouse equal to the reference ref.
func (env *crashEnv) checkRerun(t *testing.T, c crashCase, ref, dir string, rep *crashOutcome) {
	t.Helper()
	published := publishedPath(dir)
	if left := tempLeftovers(t, published); len(left) > 0 {
		t.Errorf("after the rerun, temp files are left beside the snapshot: %v", left)
	}
	if _, err := os.Stat(published + ".wal"); err == nil {
		t.Errorf("after the rerun the published snapshot has a WAL beside it")
	}
	changed := ""
	if c.change {
		changed = "140106"
	}
	env.checkSnapshot(t, published, true, changed)
	if diffs := snapshotDiffs(t, fullPublish(t, warehousePath(dir)), published); len(diffs) > 0 {
		rep.Result += "; snapshot differs from a full publish: " + strings.Join(diffs, "; ")
		t.Errorf("after the rerun the snapshot differs from a full publish of the warehouse: %s", strings.Join(diffs, "; "))
	}
	diffs, lost := whcompare.Compare(t, ref, warehousePath(dir))
	if c.change {
		// The corrected value gives dim_person a new version: the
		// warehouse must differ from the reference there, or the change
		// was not loaded.
		if !strings.Contains(strings.Join(diffs, " "), "dim_person:") {
			t.Errorf("after the change of 140106's ledger dim_person still equals the reference's: the change was not loaded (%v)", diffs)
		}
		rep.Result += fmt.Sprintf("; warehouse differs from the reference, as changed (%s)", strings.Join(diffs, "; "))
		diffs, lost = nil, 0
	}
	rep.RowsLost = lost
	db := openReadOnly(t, warehousePath(dir))
	failed := count(t, db, "SELECT count(*) FROM etl_run WHERE finished_at IS NULL OR status NOT IN ('succeeded', 'no_new_data')")
	db.Close()
	if failed > 0 {
		diffs = append(diffs, fmt.Sprintf("%d runs failed or unfinished", failed))
	}
	switch {
	case len(diffs) > 0:
		rep.Result += "; warehouse differs from the reference: " + strings.Join(diffs, "; ")
		t.Errorf("after the rerun the warehouse differs from the reference: %s", strings.Join(diffs, "; "))
	case c.change:
		rep.Result += "; snapshot current and equal to a full publish"
	default:
		rep.Result += "; warehouse equals the reference, snapshot current and equal to a full publish"
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
// asks for every county whole. A changed county (one whose files changed
// since the reference run; "" for none) need only be there. It returns
// which counties it holds.
func (env *crashEnv) checkSnapshot(t *testing.T, path string, current bool, changed string) string {
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
			if c == changed {
				whole = append(whole, c)
				continue
			}
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

// rerunPublish is what `run --json` says about the publish.
type rerunPublish struct {
	Now   bool `json:"published_now"`
	Stats *struct {
		Mode   string `json:"mode"`
		Reason string `json:"reason"`
		Runs   int    `json:"runs"`
	} `json:"publish"`
}

func (p rerunPublish) String() string {
	switch {
	case !p.Now:
		return "not published"
	case p.Stats == nil:
		return "published, no publish stats"
	case p.Stats.Reason != "":
		return fmt.Sprintf("published %s: %s", p.Stats.Mode, p.Stats.Reason)
	default:
		return fmt.Sprintf("published %s, %d runs applied", p.Stats.Mode, p.Stats.Runs)
	}
}

// crashRerun runs `grassroots run --json` unarmed in a city folder and
// reads how it published. It returns the standard error with the error.
func crashRerun(bin, dir string) (rerunPublish, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--json", "--config", filepath.Join(dir, "grassroots.yaml"))
	cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, crashpoint.EnvVar+"=") })
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	var pub rerunPublish
	if err := cmd.Run(); err != nil {
		return pub, append(stderr.Bytes(), stdout.Bytes()...), err
	}
	if err := json.Unmarshal(stdout.Bytes(), &pub); err != nil {
		return pub, stdout.Bytes(), fmt.Errorf("reading the run's JSON: %w", err)
	}
	return pub, nil, nil
}

// runIDs reads the run ids of a warehouse's or snapshot's etl_run.
func runIDs(t *testing.T, path string) map[int64]bool {
	t.Helper()
	db := openReadOnly(t, path)
	defer db.Close()
	rows, err := db.Query("SELECT run_id FROM etl_run")
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return ids
}

// sameBytes reports whether two files hold the same bytes.
func sameBytes(a, b string) (bool, error) {
	x, err := os.ReadFile(a)
	if err != nil {
		return false, err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// fullPublish rebuilds, in a folder of its own, the snapshot of the
// warehouse file wh from nothing (warehouse.Publish, the full rebuild, on a
// copy of wh and of its WAL if any) and returns its path.
func fullPublish(t *testing.T, wh string) string {
	t.Helper()
	dir := t.TempDir()
	cp := filepath.Join(dir, "warehouse.duckdb")
	crashCopyFile(t, wh, cp)
	if _, err := os.Stat(wh + ".wal"); err == nil {
		crashCopyFile(t, wh+".wal", cp+".wal")
	}
	ctx := context.Background()
	w, err := warehouse.Open(ctx, cp, warehouse.Options{})
	if err != nil {
		t.Fatalf("opening the copy of %s: %v", wh, err)
	}
	dst := filepath.Join(dir, "published", "analytics.duckdb")
	err = w.Publish(ctx, dst)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("full publish of %s: %v", wh, err)
	}
	return dst
}

// snapshotDiffs compares two snapshots exactly (whcompare.Exact): the same
// tables, columns, macros and views, and every table's rows as multisets over
// every column, the volatile ones (run ids, moments, valid_to) included; only
// the moments schema_migrations and schema_macros were applied at (when each
// file was built) are left out. It returns the differences.
func snapshotDiffs(t *testing.T, want, got string) []string {
	t.Helper()
	return whcompare.Exact(t, want, got)
}

// crashCopyFile copies a file to the new file dst (mode 0600).
func crashCopyFile(t *testing.T, src, dst string) {
	t.Helper()
	data, err := os.ReadFile(src)
	if err == nil {
		err = os.WriteFile(dst, data, 0o600)
	}
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
}
