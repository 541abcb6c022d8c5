package warehouse

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/grassroots-cn/grassroots/internal/canon"
)

// record builds a batch of a record type from rows of Go values in schema
// order (after _row): string ("" = null), time.Time (zero = null), int32, int64, nil.
func record(t *testing.T, mem memory.Allocator, rt canon.RecordType, rows ...[]any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, canon.Schema(rt))
	defer b.Release()
	for i, r := range rows {
		b.Field(0).(*array.Int64Builder).Append(int64(i + 1))
		if len(r) != len(canon.Schema(rt).Fields())-1 {
			t.Fatalf("%s row %d: %d values for %d fields", rt, i, len(r), len(canon.Schema(rt).Fields())-1)
		}
		for j, v := range r {
			fb := b.Field(j + 1)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch x := v.(type) {
			case string:
				if x == "" {
					fb.AppendNull()
				} else {
					fb.(*array.StringBuilder).Append(x)
				}
			case time.Time:
				fb.(*array.Date32Builder).Append(arrow.Date32FromTime(x))
			case int32:
				fb.(*array.Int32Builder).Append(x)
			case int64:
				fb.(*array.Int64Builder).Append(x)
			default:
				t.Fatalf("unsupported value %T", v)
			}
		}
	}
	return b.NewRecordBatch()
}

func day(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func queryInt(t *testing.T, db *sql.DB, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := db.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

func openTest(t *testing.T) (*Warehouse, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "data", "warehouse.duckdb")
	w, err := Open(context.Background(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, path
}

// openPublished is openTest with the divisions loaded and the snapshot
// published at dst, published/analytics.duckdb beside the warehouse.
func openPublished(t *testing.T) (w *Warehouse, path, dst string) {
	t.Helper()
	w, path = openTest(t)
	loadDivisions(t, w, memory.NewGoAllocator())
	dst = filepath.Join(filepath.Dir(path), "published", "analytics.duckdb")
	if err := w.Publish(context.Background(), dst); err != nil {
		t.Fatal(err)
	}
	return w, path, dst
}

func loadDivisions(t *testing.T, w *Warehouse, mem memory.Allocator) {
	t.Helper()
	ctx := context.Background()
	l, err := w.Begin(ctx, JobDivisions, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := l.StageCounties(ctx, []County{{"140105", "小店区", "developed"}, {"140123", "娄烦县", "remote"}}); err != nil {
		t.Fatal(err)
	}
	rec := record(t, mem, canon.Divisions,
		[]any{"140105001001", "坞城社区", "community", "111", "140105001", "坞城街道", "street", "140105", "小店区", nil, nil},
		[]any{"140123200201", "王家村", "village", "220", "140123200", "杜交曲镇", "township", "140123", "娄烦县", nil, day("2021-06-30")},
	)
	defer rec.Release()
	if err := l.Write(ctx, canon.Divisions, rec); err != nil {
		t.Fatal(err)
	}
	l.AddFile("aaaa", "divisions.csv", []string{"divisions"})
	res, err := l.Commit(ctx, Counts{RowsIn: 2})
	if err != nil {
		t.Fatal(err)
	}
	if res.Loaded != 2 || res.Changed["dim_county"] != 2 || res.Changed["dim_township"] != 2 || res.Changed["dim_village"] != 2 {
		t.Fatalf("divisions result %+v", res)
	}
}

func ledgerRow(pk, village, township, county string, start time.Time, end any, phone string) []any {
	return []any{pk, "张三", "11010519491231002X", phone, "female", int32(1949), "party_member", "master", "山西大学", "农学",
		"special_intro", "direct", "township", county, township, village, start, end, nil,
		nil, nil, nil, nil, nil, nil}
}

func TestLoadMergeHistory(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ctx := context.Background()
	w, path := openTest(t)
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("warehouse mode %v, %v; want 0600", fi.Mode().Perm(), err)
	}
	loadDivisions(t, w, mem)

	load := func(rows ...[]any) Result {
		t.Helper()
		l, err := w.Begin(ctx, JobIngest, "140105")
		if err != nil {
			t.Fatal(err)
		}
		rec := record(t, mem, canon.Ledger, rows...)
		defer rec.Release()
		if err := l.Write(ctx, canon.Ledger, rec); err != nil {
			t.Fatal(err)
		}
		l.AddFile("f"+time.Now().String(), "ledger.csv", []string{"ledger"})
		res, err := l.Commit(ctx, Counts{RowsIn: int64(len(rows))})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	a := ledgerRow("k1", "140105001001", "140105001", "140105", day("2020-01-01"), nil, "13800000000")
	b := ledgerRow("k2", "140105001001", "140105001", "140105", day("2021-03-01"), nil, "")
	b[1], b[2] = "李四", "110105199001011234"

	res := load(a, b)
	if res.Loaded != 2 || res.Unchanged != 0 {
		t.Fatalf("first load: %+v", res)
	}
	if n := queryInt(t, w.db, "SELECT count(*) FROM fact_posting_history"); n != 2 {
		t.Fatalf("history rows after first load: %d, want 2", n)
	}
	res = load(a, b)
	if res.Loaded != 0 || res.Unchanged != 2 {
		t.Fatalf("identical reload: %+v", res)
	}
	if n := queryInt(t, w.db, "SELECT count(*) FROM fact_posting_history"); n != 2 {
		t.Fatalf("history rows after identical reload: %d, want 2", n)
	}
	a2 := append([]any{}, a...)
	a2[17] = day("2022-06-30") // end_date
	a2[18] = "resigned"
	res = load(a2, b)
	if res.Loaded != 1 || res.Unchanged != 1 {
		t.Fatalf("one change: %+v", res)
	}
	if n := queryInt(t, w.db, "SELECT count(*) FROM fact_posting_history"); n != 3 {
		t.Fatalf("history rows after one change: %d, want 3", n)
	}
	if n := queryInt(t, w.db, "SELECT count(*) FROM fact_posting_history WHERE person_key = 'k1' AND valid_to IS NOT NULL AND end_date IS NULL"); n != 1 {
		t.Fatalf("the old version is not closed")
	}
	if n := queryInt(t, w.db, "SELECT count(*) FROM fact_posting WHERE person_key = 'k1' AND end_reason = 'resigned'"); n != 1 {
		t.Fatalf("the new version is not current")
	}
	if n := queryInt(t, w.db, "SELECT count(*) FROM fact_posting"); n != 2 {
		t.Fatalf("fact_posting has %d rows, want 2", n)
	}
	// dim_person and pii_person did not change with the posting.
	if n := queryInt(t, w.db, "SELECT count(*) FROM dim_person_history"); n != 2 {
		t.Fatalf("dim_person_history %d rows, want 2", n)
	}
	if n := queryInt(t, w.db, "SELECT sum(rows_in - rows_loaded - rows_unchanged - rows_duplicate - rows_rejected) FROM etl_run"); n != 0 {
		t.Fatalf("row accounting off by %d", n)
	}
}

func TestPublishHasNoPersonalData(t *testing.T) {
	mem := memory.NewGoAllocator()
	ctx := context.Background()
	w, path := openTest(t)
	loadDivisions(t, w, mem)
	l, err := w.Begin(ctx, JobIngest, "140105")
	if err != nil {
		t.Fatal(err)
	}
	rec := record(t, mem, canon.Ledger, ledgerRow("k1", "140105001001", "140105001", "140105", day("2020-01-01"), nil, "13800000000"))
	defer rec.Release()
	if err := l.Write(ctx, canon.Ledger, rec); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Commit(ctx, Counts{RowsIn: 1}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(filepath.Dir(path), "published", "analytics.duckdb")
	for i := 0; i < 2; i++ {
		if err := w.Publish(ctx, dst); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := os.Stat(dst + ".1"); err != nil {
		t.Fatalf("no backup of the previous snapshot: %v", err)
	}
	db, err := sql.Open("duckdb", dst+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n := queryInt(t, db, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'pii%'"); n != 0 {
		t.Fatalf("snapshot has %d pii tables", n)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM fact_posting"); n != 1 {
		t.Fatalf("snapshot fact_posting has %d rows", n)
	}
	if n := queryInt(t, db, "SELECT count(*) FROM duckdb_columns() WHERE table_name = 'fact_posting' AND (comment IS NULL OR comment = '')"); n != 0 {
		t.Fatalf("snapshot lost %d column comments", n)
	}
	// The metric macros are in the snapshot, with their definitions, and work.
	if n := queryInt(t, db, `SELECT count(DISTINCT function_name) FROM duckdb_functions() WHERE function_type = 'table_macro'
		AND comment LIKE '%/%' AND function_name IN ('coverage', 'uncovered_villages', 'retention', 'survival', 'exits',
		'region_balance', 'promotions', 'quota_usage', 'source_freshness')`); n != 9 {
		t.Fatalf("snapshot has %d of the 9 metric macros", n)
	}
	if n := queryInt(t, db, "SELECT graduates_in_post FROM coverage('2020-06-01') WHERE level = 'county' AND code = '140105'"); n != 1 {
		t.Fatalf("coverage in the snapshot: %d graduates in post, want 1", n)
	}
}

// TestPublishedStorageIsReadableByDuckDB1 checks the file header of the
// snapshot: DuckDB's magic bytes and storage version 64, the format that every
// DuckDB client from 0.10 through 1.x opens (DuckDB 2.0 files are not).
func TestPublishedStorageIsReadableByDuckDB1(t *testing.T) {
	_, path, dst := openPublished(t)
	for _, p := range []string{dst, path} {
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		head := make([]byte, 20)
		_, err = f.ReadAt(head, 0)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if string(head[8:12]) != "DUCK" {
			t.Fatalf("%s: no DuckDB magic", p)
		}
		if v := binary.LittleEndian.Uint64(head[12:20]); v != 64 {
			t.Fatalf("%s: storage version %d, want 64 (DuckDB 1.x)", p, v)
		}
	}
}

// TestSecondWriterRefused: one process writes the warehouse at a time.
func TestSecondWriterRefused(t *testing.T) {
	_, path := openTest(t)
	_, err := Open(context.Background(), path, Options{})
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) {
		t.Fatalf("second Open: %v, want ErrLocked naming pid %d", err, os.Getpid())
	}
}

// TestLoadKeepsWALPrivate: while a load runs, files are created private
// (the WAL holds personal data); the process umask is restored after it.
func TestLoadKeepsWALPrivate(t *testing.T) {
	ctx := context.Background()
	w, path := openTest(t)
	before := syscall.Umask(0o022)
	syscall.Umask(before)
	l, err := w.Begin(ctx, JobIngest, "140105")
	if err != nil {
		t.Fatal(err)
	}
	probe := filepath.Join(filepath.Dir(path), "probe")
	f, err := os.Create(probe)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if fi, _ := os.Stat(probe); fi.Mode().Perm() != 0o600 {
		t.Errorf("a file created during a load has mode %v, want 0600", fi.Mode().Perm())
	}
	if err := l.Rollback(ctx, errors.New("test")); err != nil {
		t.Fatal(err)
	}
	after := syscall.Umask(0o022)
	syscall.Umask(after)
	if after != before {
		t.Errorf("umask %o after the load, %o before", after, before)
	}
}
