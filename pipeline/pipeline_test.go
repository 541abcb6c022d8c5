package pipeline

import (
	"bufio"
	"context"
	"database/sql"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/idnum"
)

func TestFixtureRunAndRerun(t *testing.T) {
	cfg := fixture(t)
	res := runOnce(t, cfg)
	if res.Failed() != 0 || !res.Publish {
		t.Fatalf("first run: %+v", res)
	}
	if d := res.Divisions; d.Status != StatusSucceeded || d.RowsIn != 4 || d.Loaded != 4 {
		t.Fatalf("divisions: %+v", d)
	}
	// 小店区: 3 ledger rows below a title row (one bad checksum) and one role.
	x := county(res, "140105")
	if x.Status != StatusSucceeded || x.Files != 1 || x.RowsIn != 4 || x.Loaded != 3 || x.Rejected != 1 || x.Unchanged != 0 ||
		x.Rejects["bad_id_checksum"] != 1 || x.FindingsBy["over_age_at_entry"] != 1 {
		t.Fatalf("140105: %+v", x)
	}
	// 娄烦县: 2 rows of GB18030 CSV; 王五 is a bachelor but the county allows it.
	l := county(res, "140123")
	if l.Status != StatusSucceeded || l.RowsIn != 2 || l.Loaded != 2 || l.FindingsBy["degree_below_requirement"] != 0 {
		t.Fatalf("140123: %+v", l)
	}
	if fi, err := os.Stat(cfg.Warehouse); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("warehouse mode %v (%v), want 0600", fi.Mode().Perm(), err)
	}

	withWarehouse(t, cfg, func(db *sql.DB) {
		// 张三 transferred from 小店区 to 娄烦县: one person, two postings.
		if n := scalar[int](t, db, "SELECT count(*) FROM dim_person"); n != 3 {
			t.Errorf("dim_person has %d persons, want 3", n)
		}
		if n := scalar[int](t, db, "SELECT count(DISTINCT county_code) FROM fact_posting WHERE person_key = (SELECT person_key FROM pii_person WHERE id_number = ?)", sealed(t, cfg, zhang.id)); n != 2 {
			t.Errorf("张三 has postings in %d counties, want 2", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting"); n != 4 {
			t.Errorf("fact_posting has %d rows, want 4", n)
		}
		// Dates from an Excel date cell and from GB18030 text.
		if d := scalar[string](t, db, "SELECT strftime(end_date, '%Y-%m-%d') || ' ' || end_reason FROM fact_posting WHERE county_code = '140105' AND end_date IS NOT NULL"); d != "2021-03-31 transferred" {
			t.Errorf("张三's first posting ends %q", d)
		}
		if v := scalar[string](t, db, "SELECT village_code || ' ' || channel || ' ' || quota_source FROM fact_posting WHERE person_key = (SELECT person_key FROM pii_person WHERE id_number = ?)", sealed(t, cfg, wang.id)); v != "140123200202 open_recruit county_pool" {
			t.Errorf("王五's posting: %q (village resolved by name)", v)
		}
		if r := scalar[string](t, db, "SELECT role_category FROM fact_role"); r != "secretary" {
			t.Errorf("role %q", r)
		}
	})

	// Nothing new: every county records no_new_data, nothing is loaded, no
	// history is written, and the snapshot is left alone.
	before := historyRows(t, cfg)
	res = runOnce(t, cfg)
	if res.Publish || res.Divisions.Status != StatusUnchanged {
		t.Fatalf("rerun published %v, divisions %s", res.Publish, res.Divisions.Status)
	}
	for _, c := range res.Counties {
		if c.Status != StatusNoNewData || c.Files != 0 || c.Seen != 1 || c.RowsIn != 0 {
			t.Fatalf("rerun %s: %+v", c.Code, c)
		}
	}
	if after := historyRows(t, cfg); after != before {
		t.Fatalf("history rows %d -> %d on an unchanged rerun", before, after)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_run WHERE status = 'no_new_data' AND rows_in = 0 AND rows_loaded = 0"); n != 2 {
			t.Errorf("%d no_new_data runs, want 2", n)
		}
		assertAccounting(t, db)
	})
}

// historyRows counts the rows of every _history table.
func historyRows(t *testing.T, cfg *config.Config) int {
	n := 0
	withWarehouse(t, cfg, func(db *sql.DB) {
		n = scalar[int](t, db, `SELECT sum(estimated_size) FROM duckdb_tables() WHERE table_name LIKE '%_history'`)
		// estimated_size is exact for tables without deletes; check with counts.
		rows, err := db.Query(`SELECT table_name FROM duckdb_tables() WHERE table_name LIKE '%_history'`)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			names = append(names, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		n = 0
		for _, s := range names {
			n += scalar[int](t, db, "SELECT count(*) FROM "+s)
		}
	})
	return n
}

// assertAccounting checks rows_in = loaded + unchanged + duplicate + rejected for every run.
func assertAccounting(t *testing.T, db *sql.DB) {
	t.Helper()
	if n := scalar[int](t, db, `SELECT count(*) FROM etl_run
		WHERE rows_in <> rows_loaded + rows_unchanged + rows_duplicate + rows_rejected`); n != 0 {
		t.Errorf("%d runs whose rows do not add up", n)
	}
}

func TestChangeOneValueWritesOneHistoryRow(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	before := historyRows(t, cfg)
	ledger := xiaodianLedger()
	ledger[1][10] = time.Date(2022, 6, 30, 0, 0, 0, 0, time.UTC) // 李四 leaves
	writeXiaodian(t, cfg.Dir, ledger)
	res := runOnce(t, cfg)
	x := county(res, "140105")
	// 4 rows in: 李四 loaded, 张三 and the role unchanged, 赵六 rejected again.
	if x.Status != StatusSucceeded || x.RowsIn != 4 || x.Loaded != 1 || x.Unchanged != 2 || x.Rejected != 1 {
		t.Fatalf("140105: %+v", x)
	}
	if after := historyRows(t, cfg); after != before+1 {
		t.Fatalf("history rows %d -> %d, want exactly one more", before, after)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting_history WHERE valid_to IS NOT NULL"); n != 1 {
			t.Errorf("%d closed versions, want 1", n)
		}
		if d := scalar[string](t, db, "SELECT strftime(end_date, '%Y-%m-%d') FROM fact_posting WHERE village_code = '140105001002'"); d != "2022-06-30" {
			t.Errorf("end_date %q", d)
		}
		assertAccounting(t, db)
	})
}

func TestVanishedPersonComesBack(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	path := filepath.Join(cfg.Dir, "feeds", "140123", "人员台账.csv")
	writeGB18030(t, path, loufanLedger(false))
	res := runOnce(t, cfg, "140123")
	l := county(res, "140123")
	if l.Status != StatusSucceeded || l.RowsIn != 1 || l.Unchanged != 1 || l.Loaded != 0 || l.Findings != 2 {
		// 2 findings: 张三's over_age_at_entry again, and 王五 vanished.
		t.Fatalf("without 王五: %+v", l)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_finding WHERE code = 'vanished_from_ledger' AND village_code = '140123200202'"); n != 1 {
			t.Errorf("%d vanished_from_ledger findings, want 1", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE village_code = '140123200202' AND end_date IS NULL"); n != 1 {
			t.Errorf("王五's posting was closed; it must only be flagged")
		}
	})
	before := historyRows(t, cfg)
	// 王五 comes back (rows in another order, so the file is new).
	text := loufanLedger(true)
	lines := splitLines(text)
	writeGB18030(t, path, lines[0]+lines[2]+lines[1])
	res = runOnce(t, cfg, "140123")
	l = county(res, "140123")
	if l.Status != StatusSucceeded || l.RowsIn != 2 || l.Unchanged != 2 || l.Loaded != 0 {
		t.Fatalf("王五 back: %+v", l)
	}
	if after := historyRows(t, cfg); after != before {
		t.Fatalf("history rows %d -> %d: a returning person must not be new", before, after)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM dim_person WHERE person_key = (SELECT person_key FROM pii_person WHERE id_number = ?)", sealed(t, cfg, wang.id)); n != 1 {
			t.Errorf("王五 is %d persons", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting_history WHERE village_code = '140123200202'"); n != 1 {
			t.Errorf("王五's posting has %d versions, want 1 (unbroken)", n)
		}
	})
}

func splitLines(s string) []string {
	var out []string
	for len(s) > 0 {
		i := 0
		for i < len(s) && s[i] != '\n' {
			i++
		}
		if i < len(s) {
			i++
		}
		out = append(out, s[:i])
		s = s[i:]
	}
	return out
}

func TestFailedCountyLeavesItsDataAndOthersLoad(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	published := postingsIn(t, cfg.Published, "140105")

	// 小店区: a real change in the workbook, then a subsidies file whose
	// third line is broken, read after the workbook (file names sort 台 < 补).
	ledger := xiaodianLedger()
	ledger[1][10] = time.Date(2022, 6, 30, 0, 0, 0, 0, time.UTC)
	writeXiaodian(t, cfg.Dir, ledger)
	bad := `{"身份证号":"` + li.id + `","发放时间":"2022-03-31","补贴类型":"生活补助","金额(元)":"1500"}
{"身份证号":"` + li.id + `","发放时间":"2022-06-30","补贴类型":"生活补助","金额(元)":"1500"}
{"身份证号": "broken
`
	must(t, os.WriteFile(filepath.Join(cfg.Dir, "feeds", "140105", "补贴发放.ndjson"), []byte(bad), 0o644))
	// 娄烦县: a new file that loads.
	writeGB18030(t, filepath.Join(cfg.Dir, "feeds", "140123", "人员台账.csv"),
		loufanLedger(true)+"赵七,140123198506150020,硕士,引进,乡镇编制,娄烦县,杜交曲乡,王家村,2021/5/1,\n")

	res := runOnce(t, cfg)
	x, l := county(res, "140105"), county(res, "140123")
	if x.Status != StatusFailed || !contains(x.Error, "补贴发放.ndjson", "3") {
		t.Fatalf("140105: %+v", x)
	}
	if l.Status != StatusSucceeded || !res.Publish {
		t.Fatalf("140123 did not load: %+v", l)
	}
	if got := postingsIn(t, cfg.Published, "140105"); got != published {
		t.Fatalf("published 140105 postings changed:\n%s\n->\n%s", published, got)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE county_code = '140105' AND end_date = DATE '2022-06-30'"); n != 0 {
			t.Errorf("the failed county's change was loaded")
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_subsidy"); n != 0 {
			t.Errorf("%d subsidies of the failed file were loaded", n)
		}
		if e := scalar[string](t, db, "SELECT status || ': ' || error FROM etl_run WHERE county_code = '140105' ORDER BY run_id DESC LIMIT 1"); !contains(e, "failed: ", "补贴发放.ndjson") {
			t.Errorf("etl_run says %q", e)
		}
		assertAccounting(t, db)
	})

	// Fixed: the next run loads the county.
	must(t, os.Remove(filepath.Join(cfg.Dir, "feeds", "140105", "补贴发放.ndjson")))
	res = runOnce(t, cfg)
	if x := county(res, "140105"); x.Status != StatusSucceeded || x.Loaded != 1 {
		t.Fatalf("after the fix: %+v", x)
	}
}

// postingsIn lists a county's postings in a published snapshot.
func postingsIn(t *testing.T, path, county string) string {
	t.Helper()
	db := openRO(t, path)
	defer db.Close()
	return scalar[string](t, db, `SELECT string_agg(p, ';' ORDER BY p) FROM (
		SELECT person_key || village_code || start_date || coalesce(end_date::VARCHAR, '-') AS p
		FROM fact_posting WHERE county_code = ?)`, county)
}

func TestPublishedSnapshotHasNoPersonalData(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	fi, err := os.Stat(cfg.Published)
	if err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("published mode %v (%v)", fi.Mode().Perm(), err)
	}
	db := openRO(t, cfg.Published)
	if n := scalar[int](t, db, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'pii%'"); n != 0 {
		t.Fatalf("%d pii tables published", n)
	}
	needles := []string{"赵六", "110105194912310021", "13800000009"}
	for _, p := range []person{zhang, li, wang} {
		needles = append(needles, p.name, p.id, p.phone, p.id[:14])
	}
	scanText(t, db, needles)
}

// scanText fails if any text value of any table holds one of the needles.
func scanText(t *testing.T, db *sql.DB, needles []string) {
	t.Helper()
	rows, err := db.Query(`SELECT table_name, column_name FROM duckdb_columns()
		WHERE data_type IN ('VARCHAR', 'VARCHAR[]') AND NOT internal ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ table, column string }
	var cols []col
	for rows.Next() {
		var c col
		if err := rows.Scan(&c.table, &c.column); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(cols) < 20 {
		t.Fatalf("only %d text columns found", len(cols))
	}
	for _, c := range cols {
		for _, n := range needles {
			q := fmt.Sprintf(`SELECT count(*) FROM %q WHERE CAST(%q AS VARCHAR) LIKE '%%' || ? || '%%'`, c.table, c.column)
			if k := scalar[int](t, db, q, n); k > 0 {
				t.Errorf("%s.%s holds personal data (%d rows)", c.table, c.column, k)
			}
		}
	}
}

// TestReaderKeepsItsViewAcrossPublish holds a read-only connection to the
// published file in another process while a run publishes a new snapshot.
func TestReaderKeepsItsViewAcrossPublish(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperReader$")
	cmd.Env = append(os.Environ(), "GRASSROOTS_HELPER_READER="+cfg.Published)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	must(t, cmd.Start())
	defer cmd.Process.Kill()
	out := bufio.NewScanner(stdout)
	readLine := func() string {
		for out.Scan() {
			if s := out.Text(); len(s) > 6 && s[:6] == "count " {
				return s[6:]
			}
		}
		t.Fatal("helper reader stopped")
		return ""
	}
	if got := readLine(); got != "4" {
		t.Fatalf("reader sees %s postings, want 4", got)
	}
	// Ten publishes, each with one more person in 娄烦县, while the reader
	// holds on: it keeps its view; a new connection sees each new snapshot.
	extra := ""
	for i := 1; i <= 10; i++ {
		first := fmt.Sprintf("14012319850615%03d", 100+i)
		id := first + string(idnum.CheckChar(first))
		extra += fmt.Sprintf("新人%d,%s,硕士,引进,乡镇编制,娄烦县,杜交曲乡,王家村,2021/6/%d,\n", i, id, i)
		writeGB18030(t, filepath.Join(cfg.Dir, "feeds", "140123", "人员台账.csv"), loufanLedger(true)+extra)
		if res := runOnce(t, cfg); !res.Publish {
			t.Fatalf("publish %d: not published", i)
		}
		io.WriteString(stdin, "again\n")
		if got := readLine(); got != "4" {
			t.Fatalf("after publish %d the open reader sees %s postings; it must keep its view of 4", i, got)
		}
		db := openRO(t, cfg.Published)
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting"); n != 4+i {
			t.Fatalf("after publish %d a new reader sees %d postings, want %d", i, n, 4+i)
		}
		db.Close()
	}
	stdin.Close()
	cmd.Wait()
}

// TestHelperReader is the reader process of TestReaderKeepsItsViewAcrossPublish.
func TestHelperReader(t *testing.T) {
	path := os.Getenv("GRASSROOTS_HELPER_READER")
	if path == "" {
		t.Skip("helper process for TestReaderKeepsItsViewAcrossPublish; runs only when started by it")
	}
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	in := bufio.NewScanner(os.Stdin)
	for {
		var n int
		if err := conn.QueryRowContext(t.Context(), "SELECT count(*) FROM fact_posting").Scan(&n); err != nil {
			t.Fatal(err)
		}
		fmt.Printf("count %d\n", n)
		if !in.Scan() {
			return
		}
	}
}

func TestArchiveMovesLoadedAndFailedFiles(t *testing.T) {
	cfg := fixture(t)
	for i := range cfg.Counties {
		cfg.Counties[i].Source.Archive = true
	}
	feeds := filepath.Join(cfg.Dir, "feeds")
	// 娄烦县 also gets a broken NDJSON file: its run fails, the broken file
	// goes to failed/ with the reason, the good one stays for the next run.
	must(t, os.WriteFile(filepath.Join(feeds, "140123", "roles.ndjson"), []byte("{\"id_number\": oops}\n"), 0o644))
	res := runOnce(t, cfg)
	if x := county(res, "140105"); x.Status != StatusSucceeded {
		t.Fatalf("140105: %+v", x)
	}
	if l := county(res, "140123"); l.Status != StatusFailed {
		t.Fatalf("140123: %+v", l)
	}
	for _, p := range []string{"140105/archive/台账.xlsx", "140123/failed/roles.ndjson", "140123/failed/roles.ndjson.reason.txt", "140123/人员台账.csv"} {
		if _, err := os.Stat(filepath.Join(feeds, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{"140105/台账.xlsx", "140123/roles.ndjson"} {
		if _, err := os.Stat(filepath.Join(feeds, p)); err == nil {
			t.Errorf("%s is still in the drop folder", p)
		}
	}
	reason, _ := os.ReadFile(filepath.Join(feeds, "140123/failed/roles.ndjson.reason.txt"))
	if !contains(string(reason), "roles.ndjson", "row 1") {
		t.Errorf("reason file says %q", reason)
	}
	// The next run loads 娄烦县's ledger and archives it.
	res = runOnce(t, cfg)
	if l := county(res, "140123"); l.Status != StatusSucceeded || l.Loaded != 2 {
		t.Fatalf("140123 after the bad file went aside: %+v", l)
	}
	if _, err := os.Stat(filepath.Join(feeds, "140123/archive/人员台账.csv")); err != nil {
		t.Error(err)
	}
}

// TestOlderLedgerDoesNotOverrideLatest: 张三 moved from 小店区 (2019) to
// 娄烦县 (2021). 小店区's ledger restating the old posting with another phone
// does not override what is known; it only fills what is unknown.
func TestOlderLedgerDoesNotOverrideLatest(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	ledger := xiaodianLedger()
	ledger[0][3] = "13900000000"
	writeXiaodian(t, cfg.Dir, ledger)
	res := runOnce(t, cfg, "140105")
	if x := county(res, "140105"); x.Status != StatusSucceeded || x.Loaded != 0 || x.Unchanged != 3 {
		t.Fatalf("140105: %+v", x)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if p := opened(t, cfg, scalar[string](t, db, "SELECT phone FROM pii_person WHERE id_number = ?", sealed(t, cfg, zhang.id))); p != zhang.phone {
			t.Errorf("张三's phone %q, want %q kept", p, zhang.phone)
		}
	})
}

// PublishLater: a run that loads while more jobs queue leaves the snapshot
// behind; the next run, with nothing new, notices and publishes it.
func TestPublishLater(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	published := postingsIn(t, cfg.Published, "140123")
	writeGB18030(t, filepath.Join(cfg.Dir, "feeds", "140123", "人员台账.csv"),
		loufanLedger(true)+"赵七,140123198506150020,硕士,引进,乡镇编制,娄烦县,杜交曲乡,王家村,2021/5/1,\n")

	asked := 0
	later := &Runner{Config: cfg, PublishLater: func() bool { asked++; return true }}
	res, err := later.Run(context.Background(), []string{"140123"})
	if err != nil {
		t.Fatal(err)
	}
	if l := county(res, "140123"); l.Status != StatusSucceeded || l.Loaded == 0 || res.Publish || asked != 1 {
		t.Fatalf("deferred run: %+v, published %v, asked %d", l, res.Publish, asked)
	}
	if got := postingsIn(t, cfg.Published, "140123"); got != published {
		t.Fatalf("the snapshot changed although its publish was deferred")
	}

	res = runOnce(t, cfg, "140123")
	if l := county(res, "140123"); l.Status != StatusNoNewData || !res.Publish {
		t.Fatalf("next run: %+v, published %v", l, res.Publish)
	}
	if got := postingsIn(t, cfg.Published, "140123"); got == published {
		t.Fatalf("the lagging snapshot was not published")
	}
	// Nothing waits: a third run has nothing to do.
	if res := runOnce(t, cfg, "140123"); res.Publish {
		t.Fatalf("third run published again")
	}
}
