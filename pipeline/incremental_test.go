package pipeline

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// The tests of the incremental publish (docs/design.md, "Publishing"): a
// run applies to a copy of the published snapshot what the runs it lacks
// changed, and the result must be the snapshot a full rebuild makes.

// 古交市 is configured only in the "new county" step; its villages are in
// the divisions list from the start.
const gujiaoDivision = "140181100201,河口村,140181100,河口镇,140181,古交市,220,,\n"

const gujiaoCounty = `  - code: "140181"
    name: 古交市
    region: remote
    source: {kind: dir, path: feeds/140181, settle: 0s}
    schedule: "20 2 * * *"
`

// Persons added by the steps (valid GB 11643 numbers from checkedID).
var (
	sunBa  = person{"孙八", checkedID("14010519960712003"), "13800000008"} // 小店区, male
	qianQi = person{"钱七", checkedID("14018119950315002"), "13800000007"} // 古交市, female
)

// incCity is the fixture city with 娄烦县 behind the API (http_test.go),
// a subsidies file for 小店区 and 古交市's village in the divisions list.
func incCity(t *testing.T, api *apiCounty) *config.Config {
	t.Helper()
	cfg := httpFixture(t, api)
	must(t, os.WriteFile(filepath.Join(cfg.Dir, "feeds", "divisions.csv"), []byte(fixtureDivisions+gujiaoDivision), 0o644))
	writeSubsidies(t, cfg, 1)
	return cfg
}

// writeSubsidies writes 小店区's subsidies file: n monthly living
// allowances of 2,000 yuan to 李四, from 2021-01-15 on.
func writeSubsidies(t *testing.T, cfg *config.Config, n int) {
	t.Helper()
	var b strings.Builder
	b.WriteString("姓名,身份证号,发放时间,补贴类别,金额(元)\n")
	for i := range n {
		paid := time.Date(2021, time.January, 15, 0, 0, 0, 0, time.UTC).AddDate(0, i, 0)
		fmt.Fprintf(&b, "%s,%s,%s,生活补助,2000\n", li.name, li.id, paid.Format("2006-01-02"))
	}
	must(t, os.WriteFile(filepath.Join(cfg.Dir, "feeds", "140105", "补贴发放.csv"), []byte(b.String()), 0o644))
}

// publishRun runs every county and returns how the run published.
func publishRun(t *testing.T, cfg *config.Config, r *Runner) warehouse.PublishStats {
	t.Helper()
	res, err := r.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 0 {
		t.Fatalf("run failed: divisions %+v, counties %+v", res.Divisions, res.Counties)
	}
	if !res.Publish || res.PublishStats == nil {
		t.Fatalf("the run did not publish: %+v", res)
	}
	return *res.PublishStats
}

// mustIncremental checks that st is an incremental publish of at least one
// run that replaced exactly the keys wantKeys (nil: none).
func mustIncremental(t *testing.T, step string, st warehouse.PublishStats, wantKeys map[string]int64) {
	t.Helper()
	if st.Mode != "incremental" || st.Reason != "" || st.Runs < 1 {
		t.Fatalf("%s: published %+v, want an incremental publish of at least one run", step, st)
	}
	if wantKeys == nil {
		wantKeys = map[string]int64{}
	}
	got := st.Keys
	if got == nil {
		got = map[string]int64{}
	}
	if !maps.Equal(got, wantKeys) {
		t.Errorf("%s: keys replaced %v, want %v", step, got, wantKeys)
	}
}

// fullCopy publishes the warehouse of cfg (closed by the run) in full to a
// new file and returns its path.
func fullCopy(t *testing.T, cfg *config.Config) string {
	t.Helper()
	ctx := context.Background()
	w, err := (&Runner{Config: cfg}).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	dst := filepath.Join(t.TempDir(), "full.duckdb")
	st, err := w.PublishWith(ctx, dst, true)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode != "full" || !strings.Contains(st.Reason, "asked for") {
		t.Fatalf("a full publish asked for: %+v", st)
	}
	return dst
}

// checkEqualsFull compares the published snapshot of cfg with a full
// publish of its warehouse, exactly and with whcompare.
func checkEqualsFull(t *testing.T, step string, cfg *config.Config) {
	t.Helper()
	full := fullCopy(t, cfg)
	for _, d := range whcompare.Exact(t, cfg.Published, full) {
		t.Errorf("%s: published snapshot against a full publish: %s", step, d)
	}
	diffs, _ := whcompare.Compare(t, full, cfg.Published)
	for _, d := range diffs {
		t.Errorf("%s: whcompare: %s", step, d)
	}
}

// inSnapshot runs fn on a new read-only connection to the published snapshot.
func inSnapshot(t *testing.T, cfg *config.Config, fn func(db *sql.DB)) {
	t.Helper()
	db := openRO(t, cfg.Published)
	defer db.Close()
	fn(db)
}

// TestIncrementalPublishEqualsFull loads a small city through the pipeline
// (an .xlsx county, an HTTP API county, a subsidies file) and changes it
// step by step; each step is published in place, its change is seen in the
// snapshot, and the snapshot equals a full publish of the warehouse.
func TestIncrementalPublishEqualsFull(t *testing.T) {
	api := &apiCounty{date: time.Date(2022, 7, 1, 8, 0, 0, 0, time.UTC)}
	cfg := incCity(t, api)
	r := &Runner{Config: cfg}
	st := publishRun(t, cfg, r)
	if st.Mode != "full" || !strings.Contains(st.Reason, "no snapshot") {
		t.Fatalf("first publish: %+v, want a full one for want of a snapshot", st)
	}
	checkEqualsFull(t, "first run", cfg)

	ledger := xiaodianLedger()
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }

	// (a) 小店区's ledger: 孙八 added, 李四's quota source changed.
	ledger = append(ledger, []any{sunBa.name, sunBa.id, "男", sunBa.phone, "硕士", "公开招聘", "乡镇编制", "小店区", "140105001001", day("2022-03-01"), nil, nil})
	ledger[1][6] = "县级周转池"
	writeXiaodian(t, cfg.Dir, ledger)
	st = publishRun(t, cfg, r)
	mustIncremental(t, "ledger changed", st, map[string]int64{"fact_posting": 2, "dim_person": 1})
	inSnapshot(t, cfg, func(db *sql.DB) {
		if q := scalar[string](t, db, "SELECT quota_source FROM fact_posting WHERE village_code = '140105001002'"); q != "county_pool" {
			t.Errorf("李四's quota source %q in the snapshot, want county_pool", q)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE village_code = '140105001001' AND start_date = DATE '2022-03-01' AND end_date IS NULL"); n != 1 {
			t.Errorf("孙八's posting: %d in the snapshot, want 1", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM dim_person"); n != 4 {
			t.Errorf("%d persons in the snapshot, want 4", n)
		}
	})
	// The previous snapshot is kept as the first backup.
	backup := openRO(t, cfg.Published+".1")
	if s := scalar[string](t, backup, "SELECT count(*) || ' ' || count(*) FILTER (WHERE start_date = DATE '2022-03-01') FROM fact_posting"); s != "4 0" {
		t.Errorf("the backup has %q postings and postings of 孙八, want the first snapshot's 4 and 0", s)
	}
	must(t, backup.Close())
	checkEqualsFull(t, "ledger changed", cfg)

	// (b) A value corrected: 李四 resigned on 2023-06-30.
	ledger[1][10], ledger[1][11] = day("2023-06-30"), "辞职"
	writeXiaodian(t, cfg.Dir, ledger)
	st = publishRun(t, cfg, r)
	mustIncremental(t, "value corrected", st, map[string]int64{"fact_posting": 1})
	inSnapshot(t, cfg, func(db *sql.DB) {
		if s := scalar[string](t, db, "SELECT strftime(end_date, '%Y-%m-%d') || ' ' || end_reason FROM fact_posting WHERE village_code = '140105001002'"); s != "2023-06-30 resigned" {
			t.Errorf("李四's posting ends %q in the snapshot", s)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting_history WHERE village_code = '140105001002'"); n != 3 {
			t.Errorf("李四's posting has %d versions in the snapshot, want 3", n)
		}
	})
	checkEqualsFull(t, "value corrected", cfg)

	// (c) 孙八 vanished from the ledger: a finding, no key changed.
	ledger = ledger[:3]
	writeXiaodian(t, cfg.Dir, ledger)
	st = publishRun(t, cfg, r)
	mustIncremental(t, "person vanished", st, nil)
	inSnapshot(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, `SELECT count(*) FROM etl_finding WHERE code = 'vanished_from_ledger' AND village_code = '140105001001'
			AND run_id = (SELECT max(run_id) FROM etl_run WHERE county_code = '140105')`); n != 1 {
			t.Errorf("%d vanished_from_ledger findings of the last run in the snapshot, want 1", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE start_date = DATE '2022-03-01' AND end_date IS NULL"); n != 1 {
			t.Errorf("孙八's posting: %d open in the snapshot, want 1 (flagged, not closed)", n)
		}
	})
	checkEqualsFull(t, "person vanished", cfg)

	// (d) A new county, 古交市, with its ledger.
	must(t, os.MkdirAll(filepath.Join(cfg.Dir, "feeds", "140181"), 0o755))
	must(t, os.WriteFile(filepath.Join(cfg.Dir, "feeds", "140181", "人员台账.csv"), []byte(
		"姓名,公民身份号码,学历,引进方式,编制类型,县(市、区),乡镇(街道),村(社区),到岗日期,离岗日期\n"+
			qianQi.name+","+qianQi.id+",硕士,引进,乡镇编制,古交市,河口镇,河口村,2022/9/1,\n"), 0o644))
	text, err := os.ReadFile(cfg.Path)
	must(t, err)
	must(t, os.WriteFile(cfg.Path, append(text, gujiaoCounty...), 0o644))
	if cfg, err = config.Load(cfg.Path); err != nil {
		t.Fatal(err)
	}
	r = &Runner{Config: cfg}
	st = publishRun(t, cfg, r)
	mustIncremental(t, "new county", st, map[string]int64{"dim_county": 1, "fact_posting": 1, "dim_person": 1})
	inSnapshot(t, cfg, func(db *sql.DB) {
		if s := scalar[string](t, db, "SELECT county_name || ' ' || region FROM dim_county WHERE county_code = '140181'"); s != "古交市 remote" {
			t.Errorf("古交市 in the snapshot: %q", s)
		}
		if s := scalar[string](t, db, "SELECT village_code || ' ' || strftime(start_date, '%Y-%m-%d') FROM fact_posting WHERE county_code = '140181'"); s != "140181100201 2022-09-01" {
			t.Errorf("古交市's posting in the snapshot: %q", s)
		}
	})
	checkEqualsFull(t, "new county", cfg)

	// (e) The village list: 西关社区 added, 东关社区 renamed 东关新社区.
	divisions := strings.Replace(fixtureDivisions, "东关社区", "东关新社区", 1) + gujiaoDivision +
		"140105001003,西关社区,140105001,坞城街道,140105,小店区,111,,\n"
	must(t, os.WriteFile(filepath.Join(cfg.Dir, "feeds", "divisions.csv"), []byte(divisions), 0o644))
	st = publishRun(t, cfg, r)
	mustIncremental(t, "village list changed", st, map[string]int64{"dim_village": 2})
	inSnapshot(t, cfg, func(db *sql.DB) {
		if s := scalar[string](t, db, "SELECT string_agg(village_code || ' ' || village_name, ', ' ORDER BY village_code) FROM dim_village WHERE village_code IN ('140105001002', '140105001003')"); s != "140105001002 东关新社区, 140105001003 西关社区" {
			t.Errorf("the villages in the snapshot: %q", s)
		}
		if s := scalar[string](t, db, "SELECT string_agg(village_name || ' ' || (valid_to IS NULL)::VARCHAR, ', ' ORDER BY valid_from) FROM dim_village_history WHERE village_code = '140105001002'"); s != "东关社区 false, 东关新社区 true" {
			t.Errorf("东关's versions in the snapshot: %q", s)
		}
	})
	checkEqualsFull(t, "village list changed", cfg)

	// (f) 娄烦县's API: a day later, 王五 has left; the cursor moves on.
	api.mu.Lock()
	api.date = api.date.Add(24 * time.Hour)
	api.changed = true
	api.mu.Unlock()
	st = publishRun(t, cfg, r)
	mustIncremental(t, "HTTP cursor advanced", st, map[string]int64{"fact_posting": 1})
	inSnapshot(t, cfg, func(db *sql.DB) {
		if c := scalar[string](t, db, "SELECT value FROM etl_source_state WHERE county_code = '140123' AND key = 'cursor'"); c != "2022-07-02T08:00:00Z" {
			t.Errorf("the snapshot's cursor is %q, want the second pull's", c)
		}
		if d := scalar[string](t, db, "SELECT strftime(end_date, '%Y-%m-%d') FROM fact_posting WHERE village_code = '140123200202'"); d != "2022-06-30" {
			t.Errorf("王五's end date in the snapshot: %q", d)
		}
	})
	checkEqualsFull(t, "HTTP cursor advanced", cfg)

	// (g) Nothing new a day later: no publish, the snapshot's etl_run is
	// refreshed in place, and its etl_source_state with it (the cursor
	// moved on).
	api.mu.Lock()
	api.date = api.date.Add(24 * time.Hour)
	api.changed = false
	api.mu.Unlock()
	res, err := r.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 0 || res.Publish || !res.RunsRefreshed {
		t.Fatalf("nothing new: failed %d, published %v, runs refreshed %v; want only the runs refreshed", res.Failed(), res.Publish, res.RunsRefreshed)
	}
	inSnapshot(t, cfg, func(db *sql.DB) {
		if c := scalar[string](t, db, "SELECT value FROM etl_source_state WHERE county_code = '140123' AND key = 'cursor'"); c != "2022-07-03T08:00:00Z" {
			t.Errorf("after the refresh the snapshot's cursor is %q, want the third pull's", c)
		}
	})
	// (h) Then 古交市's 钱七 leaves: the publish adds only this run's three
	// county runs.
	must(t, os.WriteFile(filepath.Join(cfg.Dir, "feeds", "140181", "人员台账.csv"), []byte(
		"姓名,公民身份号码,学历,引进方式,编制类型,县(市、区),乡镇(街道),村(社区),到岗日期,离岗日期\n"+
			qianQi.name+","+qianQi.id+",硕士,引进,乡镇编制,古交市,河口镇,河口村,2022/9/1,2023/8/31\n"), 0o644))
	st = publishRun(t, cfg, r)
	mustIncremental(t, "after a refresh", st, map[string]int64{"fact_posting": 1})
	if st.Runs != 3 {
		t.Errorf("the publish after a refresh added %d runs, want 3", st.Runs)
	}
	inSnapshot(t, cfg, func(db *sql.DB) {
		if c := scalar[string](t, db, "SELECT value FROM etl_source_state WHERE county_code = '140123' AND key = 'cursor'"); c != "2022-07-03T08:00:00Z" {
			t.Errorf("the snapshot's cursor is %q, want the third pull's", c)
		}
		if d := scalar[string](t, db, "SELECT strftime(end_date, '%Y-%m-%d') FROM fact_posting WHERE county_code = '140181'"); d != "2023-08-31" {
			t.Errorf("钱七's end date in the snapshot: %q", d)
		}
	})
	checkEqualsFull(t, "after a refresh", cfg)
}

// writeLoufan writes 娄烦县's ledger with n persons more than the fixture's.
func writeLoufan(t *testing.T, cfg *config.Config, n int) {
	t.Helper()
	text := loufanLedger(true)
	for i := 1; i <= n; i++ {
		id := checkedID(fmt.Sprintf("14012319900301%03d", 100+i))
		text += fmt.Sprintf("新人%d,%s,硕士,引进,乡镇编制,娄烦县,杜交曲乡,王家村,2022/1/%d,\n", i, id, i)
	}
	writeGB18030(t, filepath.Join(cfg.Dir, "feeds", "140123", "人员台账.csv"), text)
}

// editSnapshot edits a copy of the published snapshot with stmts and
// renames it over the snapshot, as a person would by hand.
func editSnapshot(t *testing.T, cfg *config.Config, stmts string) {
	t.Helper()
	tmp := cfg.Published + ".by-hand"
	b, err := os.ReadFile(cfg.Published)
	must(t, err)
	must(t, os.WriteFile(tmp, b, 0o644))
	db, err := sql.Open("duckdb", tmp)
	must(t, err)
	if _, err := db.Exec(stmts + "; CHECKPOINT"); err != nil {
		db.Close()
		t.Fatalf("%s: %v", stmts, err)
	}
	must(t, db.Close())
	if _, err := os.Stat(tmp + ".wal"); err == nil {
		t.Fatalf("%s.wal left behind", tmp)
	}
	must(t, os.Rename(tmp, cfg.Published))
}

func TestIncrementalPublishFallbacks(t *testing.T) {
	cases := []struct {
		name   string
		spoil  func(t *testing.T, cfg *config.Config)
		reason string // in the full publish's reason
		after  func(t *testing.T, db *sql.DB)
	}{
		{"no snapshot", func(t *testing.T, cfg *config.Config) {
			must(t, os.Remove(cfg.Published))
		}, "no snapshot yet", nil},
		{"other macros", func(t *testing.T, cfg *config.Config) {
			editSnapshot(t, cfg, "UPDATE schema_macros SET hash = 'an older macro set'")
		}, "other migrations or macros", func(t *testing.T, db *sql.DB) {
			if h := scalar[string](t, db, "SELECT hash FROM schema_macros"); h == "an older macro set" {
				t.Errorf("the snapshot keeps the other macro hash")
			}
		}},
		{"an older migration", func(t *testing.T, cfg *config.Config) {
			editSnapshot(t, cfg, "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
		}, "other migrations or macros", func(t *testing.T, db *sql.DB) {
			if n := scalar[int](t, db, "SELECT max(version) FROM schema_migrations"); n != 11 {
				t.Errorf("the republished snapshot's last migration is %d, want 11 (sql/migrations/011_*)", n)
			}
		}},
		{"not a database", func(t *testing.T, cfg *config.Config) {
			must(t, os.WriteFile(cfg.Published, bytes.Repeat([]byte("not a DuckDB file\n"), 1000), 0o644))
		}, "cannot be opened", nil},
		{"damaged", func(t *testing.T, cfg *config.Config) {
			// 李四's posting, which the next run does not touch.
			editSnapshot(t, cfg, "DELETE FROM fact_posting WHERE village_code = '140105001002'")
			// The comparison itself sees the damage.
			diffs := whcompare.Exact(t, cfg.Published, fullCopy(t, cfg))
			if len(diffs) != 1 || !strings.HasPrefix(diffs[0], "fact_posting: 0 of 3 rows only in the first, 1 only in the second") {
				t.Fatalf("the damaged snapshot against a full publish: %q", diffs)
			}
		}, "differs from the warehouse in fact_posting", func(t *testing.T, db *sql.DB) {
			if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE village_code = '140105001002'"); n != 1 {
				t.Errorf("李四's posting: %d in the republished snapshot, want 1", n)
			}
		}},
		{"unknown table", func(t *testing.T, cfg *config.Config) {
			editSnapshot(t, cfg, "CREATE TABLE notes (note VARCHAR); INSERT INTO notes VALUES ('a statistician''s note')")
		}, "does not know: notes", func(t *testing.T, db *sql.DB) {
			if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'notes'"); n != 0 {
				t.Errorf("the republished snapshot keeps the unknown table")
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := fixture(t)
			r := &Runner{Config: cfg}
			if st := publishRun(t, cfg, r); st.Mode != "full" {
				t.Fatalf("first publish: %+v", st)
			}
			c.spoil(t, cfg)
			writeLoufan(t, cfg, 1)
			st := publishRun(t, cfg, r)
			if st.Mode != "full" || !strings.Contains(st.Reason, c.reason) {
				t.Fatalf("publish after %s: %+v, want a full one because %q", c.name, st, c.reason)
			}
			if c.name == "damaged" && !strings.HasSuffix(st.Reason, " in fact_posting") {
				t.Errorf("reason %q names more than fact_posting", st.Reason)
			}
			if c.after != nil {
				inSnapshot(t, cfg, func(db *sql.DB) { c.after(t, db) })
			}
			checkEqualsFull(t, c.name, cfg)
			// The rebuilt snapshot is brought up to date in place again.
			writeLoufan(t, cfg, 2)
			st = publishRun(t, cfg, r)
			mustIncremental(t, "after the rebuild", st, map[string]int64{"fact_posting": 1, "dim_person": 1})
			checkEqualsFull(t, "after the rebuild", cfg)
		})
	}
}

// Environment of the reader process of TestSnapshotReaderDuringIncrementalPublishes.
const (
	readerSnapshotEnv = "GRASSROOTS_TEST_READER_SNAPSHOT"
	readerStopEnv     = "GRASSROOTS_TEST_READER_STOP"
)

// TestSnapshotReaderDuringIncrementalPublishes has another process read
// the published snapshot over and over, as a statistician reopening the
// file, throughout ten incremental publishes: every snapshot it opens must
// be consistent across tables.
func TestSnapshotReaderDuringIncrementalPublishes(t *testing.T) {
	cfg := fixture(t)
	writeSubsidies(t, cfg, 1)
	r := &Runner{Config: cfg}
	if st := publishRun(t, cfg, r); st.Mode != "full" {
		t.Fatalf("first publish: %+v", st)
	}
	// The reader's check sees a half-applied change: a snapshot whose
	// fact_posting lacks the row its history has open.
	half := filepath.Join(t.TempDir(), "half.duckdb")
	b, err := os.ReadFile(cfg.Published)
	must(t, err)
	must(t, os.WriteFile(half, b, 0o644))
	db, err := sql.Open("duckdb", half)
	must(t, err)
	_, err = db.Exec("DELETE FROM fact_posting WHERE village_code = '140105001002'; CHECKPOINT")
	must(t, errors.Join(err, db.Close()))
	if _, problem, err := readSnapshotOnce(half); err != nil || problem != "fact_posting has 3 rows, 4 open versions" {
		t.Fatalf("the reader's check of a half-applied change: %q, %v", problem, err)
	}

	stop := filepath.Join(t.TempDir(), "stop")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperSnapshotReader$")
	cmd.Env = append(os.Environ(), readerSnapshotEnv+"="+cfg.Published, readerStopEnv+"="+stop)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	must(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stopped := false
	defer func() {
		if !stopped {
			cmd.Process.Kill()
			<-done
		}
	}()

	// Ten changes, each published in place: 小店区's subsidies and 娄烦县's
	// ledger in turn.
	for i := 1; i <= 10; i++ {
		want := map[string]int64{"fact_subsidy": 1}
		if i%2 == 0 {
			writeLoufan(t, cfg, i/2)
			want = map[string]int64{"fact_posting": 1, "dim_person": 1}
		} else {
			writeSubsidies(t, cfg, 1+(i+1)/2)
		}
		st := publishRun(t, cfg, r)
		mustIncremental(t, fmt.Sprintf("publish %d", i), st, want)
		time.Sleep(50 * time.Millisecond) // the reader opens this snapshot too
	}
	var lastRun int64
	withWarehouse(t, cfg, func(db *sql.DB) { lastRun = scalar[int64](t, db, "SELECT max(run_id) FROM etl_run") })

	must(t, os.WriteFile(stop, nil, 0o644))
	select {
	case err := <-done:
		stopped = true
		if err != nil {
			t.Errorf("the reader exited with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("the reader did not stop; its output:\n%s", out.String())
	}
	reads, seen := -1, []int64(nil)
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "inconsistent "), strings.HasPrefix(line, "failed "):
			t.Errorf("reader: %s", line)
		case strings.HasPrefix(line, "reads "):
			n, err := strconv.Atoi(strings.TrimPrefix(line, "reads "))
			must(t, err)
			reads = n
		case strings.HasPrefix(line, "runs "):
			for _, f := range strings.Fields(strings.TrimPrefix(line, "runs ")) {
				n, err := strconv.ParseInt(f, 10, 64)
				must(t, err)
				seen = append(seen, n)
			}
		}
	}
	t.Logf("the reader read the snapshot %d times and saw the runs up to %v", reads, seen)
	if reads <= 10 {
		t.Errorf("the reader read %d times, want more than 10; its output:\n%s", reads, out.String())
	}
	// The reader saw several of the snapshots, the last one among them.
	if len(seen) < 4 || slices.Max(seen) != lastRun {
		t.Errorf("the reader saw the runs up to %v, want at least 4 snapshots, the last ending at run %d", seen, lastRun)
	}
}

// TestHelperSnapshotReader is the reader process of
// TestSnapshotReaderDuringIncrementalPublishes: until the stop file
// appears (and once more then), it opens the snapshot read-only, checks it
// and closes it. It
// prints each failure, then "reads N" and "runs" followed by the distinct
// last run ids of the snapshots it read; any failure fails it.
func TestHelperSnapshotReader(t *testing.T) {
	path, stop := os.Getenv(readerSnapshotEnv), os.Getenv(readerStopEnv)
	if path == "" {
		return // not started by TestSnapshotReaderDuringIncrementalPublishes
	}
	seen := map[int64]bool{}
	reads := 0
	deadline := time.Now().Add(2 * time.Minute)
	for {
		// The stop file is written after the last publish: the read made
		// on seeing it is of the last snapshot, and is the last read.
		_, err := os.Stat(stop)
		last := err == nil
		if time.Now().After(deadline) {
			fmt.Println("failed: no stop file after two minutes")
			t.Fail()
			break
		}
		reads++
		run, problem, err := readSnapshotOnce(path)
		switch {
		case err != nil:
			fmt.Printf("failed read %d: %v\n", reads, err)
			t.Fail()
		case problem != "":
			fmt.Printf("inconsistent read %d (run %d): %s\n", reads, run, problem)
			t.Fail()
		default:
			seen[run] = true
		}
		if last {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	fmt.Printf("reads %d\n", reads)
	runs := slices.Sorted(maps.Keys(seen))
	fields := make([]string, len(runs))
	for i, r := range runs {
		fields[i] = strconv.FormatInt(r, 10)
	}
	fmt.Printf("runs %s\n", strings.Join(fields, " "))
}

// readSnapshotOnce opens the snapshot at path read-only and checks what
// any consistent snapshot holds: as many current rows as open versions in
// the history of fact_posting, dim_person and fact_subsidy, facts whose
// person is in dim_person, and no history written by a run etl_run lacks.
// It returns the snapshot's last run and the first check that failed.
func readSnapshotOnce(path string) (last int64, problem string, err error) {
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		return 0, "", err
	}
	defer db.Close()
	var c [6]int64
	var orphans, laterRuns int64
	err = db.QueryRow(`SELECT
		(SELECT count(*) FROM fact_posting), (SELECT count(*) FROM fact_posting_history WHERE valid_to IS NULL),
		(SELECT count(*) FROM dim_person), (SELECT count(*) FROM dim_person_history WHERE valid_to IS NULL),
		(SELECT count(*) FROM fact_subsidy), (SELECT count(*) FROM fact_subsidy_history WHERE valid_to IS NULL),
		(SELECT count(*) FROM (SELECT person_key FROM fact_posting UNION ALL SELECT person_key FROM fact_subsidy)
			WHERE person_key NOT IN (SELECT person_key FROM dim_person)),
		(SELECT max(run_id) FROM etl_run),
		(SELECT count(*) FROM (SELECT run_id FROM fact_posting_history UNION ALL SELECT run_id FROM dim_person_history
			UNION ALL SELECT run_id FROM fact_subsidy_history) WHERE run_id > (SELECT max(run_id) FROM etl_run))`).
		Scan(&c[0], &c[1], &c[2], &c[3], &c[4], &c[5], &orphans, &last, &laterRuns)
	if err != nil {
		return 0, "", err
	}
	var bad []string
	for i, table := range []string{"fact_posting", "dim_person", "fact_subsidy"} {
		if c[2*i] != c[2*i+1] {
			bad = append(bad, fmt.Sprintf("%s has %d rows, %d open versions", table, c[2*i], c[2*i+1]))
		}
	}
	if c[0] == 0 || c[4] == 0 {
		bad = append(bad, fmt.Sprintf("%d postings, %d subsidies", c[0], c[4]))
	}
	if orphans > 0 {
		bad = append(bad, fmt.Sprintf("%d facts of persons not in dim_person", orphans))
	}
	if laterRuns > 0 {
		bad = append(bad, fmt.Sprintf("%d versions written by runs after etl_run's last, %d", laterRuns, last))
	}
	return last, strings.Join(bad, "; "), db.Close()
}

// TestIncrementalPublishOfUnpublishedRuns: runs left unpublished (serve's
// catch-up publishes once after its burst) are all applied by the next
// publish, a key changed by two of them included; a change of settings
// alone is published in place too.
func TestIncrementalPublishOfUnpublishedRuns(t *testing.T) {
	cfg := fixture(t)
	writeSubsidies(t, cfg, 1)
	if st := publishRun(t, cfg, &Runner{Config: cfg}); st.Mode != "full" {
		t.Fatalf("first publish: %+v", st)
	}
	later := &Runner{Config: cfg, PublishLater: func() bool { return true }}
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	ledger := xiaodianLedger()
	changes := []func(){
		// 娄烦县 gains a person; 李四 leaves on 2023-06-30.
		func() {
			writeLoufan(t, cfg, 1)
			ledger[1][10], ledger[1][11] = day("2023-06-30"), "辞职"
			writeXiaodian(t, cfg.Dir, ledger)
		},
		// 李四 is paid a second allowance.
		func() { writeSubsidies(t, cfg, 2) },
		// 李四's end is corrected to 2023-07-31; 孙八 joins 小店区.
		func() {
			ledger[1][10] = day("2023-07-31")
			ledger = append(ledger, []any{sunBa.name, sunBa.id, "男", sunBa.phone, "硕士", "公开招聘", "乡镇编制", "小店区", "140105001001", day("2022-03-01"), nil, nil})
			writeXiaodian(t, cfg.Dir, ledger)
		},
	}
	for i, change := range changes {
		change()
		res, err := later.Run(context.Background(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.Failed() != 0 || res.Publish || res.RunsRefreshed {
			t.Fatalf("run %d: failed %d, published %v, runs refreshed %v; want it left to a later run", i+1, res.Failed(), res.Publish, res.RunsRefreshed)
		}
	}
	inSnapshot(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE end_date IS NOT NULL AND village_code = '140105001002'"); n != 0 {
			t.Fatalf("the snapshot already shows 李四's end")
		}
	})
	// Nothing new, nothing queued: the lagging snapshot gets the three
	// runs of each county and this one's (8 runs, no divisions run).
	st := publishRun(t, cfg, &Runner{Config: cfg})
	mustIncremental(t, "catch-up", st, map[string]int64{"fact_posting": 3, "dim_person": 2, "fact_subsidy": 1})
	if st.Runs != 8 {
		t.Errorf("the catch-up publish added %d runs, want 8", st.Runs)
	}
	inSnapshot(t, cfg, func(db *sql.DB) {
		if s := scalar[string](t, db, "SELECT strftime(end_date, '%Y-%m-%d') || ' ' || end_reason FROM fact_posting WHERE village_code = '140105001002'"); s != "2023-07-31 resigned" {
			t.Errorf("李四's posting ends %q in the snapshot", s)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting_history WHERE village_code = '140105001002'"); n != 3 {
			t.Errorf("李四's posting has %d versions in the snapshot, want 3", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_subsidy"); n != 2 {
			t.Errorf("%d subsidies in the snapshot, want 2", n)
		}
	})
	checkEqualsFull(t, "catch-up", cfg)

	// A setting alone: stale after two days instead of three.
	cfg.StaleAfter = 48 * time.Hour
	st = publishRun(t, cfg, &Runner{Config: cfg})
	mustIncremental(t, "settings", st, nil)
	inSnapshot(t, cfg, func(db *sql.DB) {
		if v := scalar[string](t, db, "SELECT value FROM etl_setting WHERE key = 'stale_after_hours'"); v != "48" {
			t.Errorf("stale_after_hours %q in the snapshot, want 48", v)
		}
	})
	checkEqualsFull(t, "settings", cfg)
}

// TestIncrementalPublishBesideAWAL: someone opened the snapshot read-write
// and left a write-ahead log beside it (a table of their own, the postings
// deleted, never checkpointed). The publish rebuilds the snapshot in full;
// readers must then see the new snapshot, not the new file with the old
// log replayed onto it, and the next publish is incremental again.
func TestIncrementalPublishBesideAWAL(t *testing.T) {
	cfg := fixture(t)
	r := &Runner{Config: cfg}
	if st := publishRun(t, cfg, r); st.Mode != "full" {
		t.Fatalf("first publish: %+v", st)
	}
	db, err := sql.Open("duckdb", cfg.Published)
	must(t, err)
	_, err = db.Exec(`PRAGMA disable_checkpoint_on_shutdown; SET checkpoint_threshold = '1GB';
		CREATE TABLE mine AS SELECT 42 AS answer; DELETE FROM fact_posting`)
	must(t, errors.Join(err, db.Close()))
	if _, err := os.Stat(cfg.Published + ".wal"); err != nil {
		t.Fatalf("no write-ahead log left beside the snapshot: %v", err)
	}
	writeLoufan(t, cfg, 1)
	st := publishRun(t, cfg, r)
	if st.Mode != "full" || !strings.Contains(st.Reason, "write-ahead log") {
		t.Fatalf("publish beside a WAL: %+v, want a full one because of the log", st)
	}
	if _, err := os.Stat(cfg.Published + ".wal"); err == nil {
		t.Fatal("the rename left the old snapshot's .wal beside the new file; " +
			"every reader replays it onto the new snapshot (it sees the table 'mine' and 1 posting instead of 5), and every later publish is full")
	}
	inSnapshot(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting"); n != 5 {
			t.Errorf("a reader sees %d postings, want 5", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'mine'"); n != 0 {
			t.Errorf("a reader sees the table of the old log")
		}
	})
	checkEqualsFull(t, "beside a WAL", cfg)
	writeLoufan(t, cfg, 2)
	mustIncremental(t, "after the rebuild", publishRun(t, cfg, r), map[string]int64{"fact_posting": 1, "dim_person": 1})
	checkEqualsFull(t, "after the rebuild", cfg)
}

// TestIncrementalPublishOfAnAlteredSchema: a snapshot whose tables,
// columns or macros were changed by hand (its migrations and macro hash
// untouched) must come out of the next publish (which changes fact_posting)
// equal to a full one, and later publishes, touching fact_subsidy, must work.
func TestIncrementalPublishOfAnAlteredSchema(t *testing.T) {
	cases := []struct{ name, stmts string }{
		{"a table dropped", "DROP TABLE fact_subsidy; DROP TABLE fact_subsidy_history"},
		{"a macro replaced", "CREATE OR REPLACE MACRO city_setting(k) AS 'altered'"},
		{"a column added", "ALTER TABLE fact_posting ADD COLUMN note VARCHAR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			cfg := fixture(t)
			r := &Runner{Config: cfg}
			if st := publishRun(t, cfg, r); st.Mode != "full" {
				t.Fatalf("first publish: %+v", st)
			}
			editSnapshot(t, cfg, c.stmts)
			writeLoufan(t, cfg, 1)
			res, err := r.Run(context.Background(), nil)
			if err != nil && strings.HasPrefix(err.Error(), "warehouse: publish ") {
				t.Fatalf("the snapshot's columns were not compared with the warehouse's, or an error "+
					"applying the runs to the copy is not a reason to rebuild: every publish that changes the table fails: %v", err)
			}
			if err != nil || res.Failed() != 0 || !res.Publish {
				t.Fatalf("run: %v; failed %d, published %v", err, res.Failed(), res.Publish)
			}
			diffs := whcompare.Exact(t, cfg.Published, fullCopy(t, cfg))
			if len(diffs) > 0 && res.PublishStats.Mode == "incremental" {
				t.Fatalf("the check compared neither the snapshot's set of tables with the warehouse's "+
					"nor its macros, so the altered snapshot was published in place as it is (%q); a dropped table then fails every publish "+
					"that changes it (DELETE FROM snapshot.main.fact_subsidy: table does not exist) instead of rebuilding", diffs)
			}
			for _, d := range diffs {
				t.Errorf("%s: %s", c.name, d)
			}
			// 李四 is paid: the dropped table's rows are published.
			writeSubsidies(t, cfg, 1)
			publishRun(t, cfg, r)
			checkEqualsFull(t, "a subsidy paid", cfg)
		})
	}
}

// TestIncrementalPublishBypassedByFullPublish: run --full-publish rebuilds the snapshot even
// with nothing new; the next run with nothing new leaves it alone.
func TestIncrementalPublishBypassedByFullPublish(t *testing.T) {
	cfg := fixture(t)
	if st := publishRun(t, cfg, &Runner{Config: cfg}); st.Mode != "full" {
		t.Fatalf("first publish: %+v", st)
	}
	st := publishRun(t, cfg, &Runner{Config: cfg, FullPublish: true})
	if st.Mode != "full" || !strings.Contains(st.Reason, "--full-publish") || st.Runs != 0 || len(st.Keys) != 0 {
		t.Fatalf("run --full-publish with nothing new: %+v", st)
	}
	checkEqualsFull(t, "--full-publish", cfg)
	res := runOnce(t, cfg)
	if res.Publish || !res.RunsRefreshed {
		t.Fatalf("nothing new after --full-publish: published %v, runs refreshed %v", res.Publish, res.RunsRefreshed)
	}
}
