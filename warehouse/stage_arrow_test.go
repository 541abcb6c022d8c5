//go:build duckdb_arrow

package warehouse

import (
	"context"
	"database/sql"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/grassroots-cn/grassroots/internal/canon"
)

// subsidyRows is a batch of n staged subsidy rows numbered from first
// (_row), allocated from mem.
func subsidyRows(mem memory.Allocator, first int64, n int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, canon.Schema(canon.Subsidies))
	defer b.Release()
	for i := range n {
		b.Field(0).(*array.Int64Builder).Append(first + int64(i))
		b.Field(1).(*array.StringBuilder).Append("p")
		b.Field(2).(*array.Date32Builder).Append(arrow.Date32(19000 + i))
		b.Field(3).(*array.StringBuilder).Append("monthly")
		b.Field(4).(*array.Int64Builder).Append(100)
	}
	return b.NewRecordBatch()
}

// TestStagedBatchesHeldByTheGroup writes small batches of two loads of a
// group: they reach the staging table once a record type holds stageRows
// rows, in one statement, their _row offset by their load's unit; a load
// discarded while its rows are held leaves none of them; a rollback
// releases what is held; every batch is released in the end.
func TestStagedBatchesHeldByTheGroup(t *testing.T) {
	ctx := context.Background()
	w, _ := openTest(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	g, err := w.BeginGroup(ctx, JobIngest)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Rollback(ctx, nil) // whatever fails, what is held is released before the allocator is checked
	a, b := g.Add("140105"), g.Add("140106")
	count := func(where string) int64 {
		t.Helper()
		var n int64
		if err := g.conn.QueryRowContext(ctx, "SELECT count(*) FROM temp.stg_subsidies WHERE "+where).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	write := func(l *Load, first int64, n int) {
		t.Helper()
		rec := subsidyRows(mem, first, n)
		defer rec.Release()
		if err := l.Write(ctx, canon.Subsidies, rec); err != nil {
			t.Fatal(err)
		}
	}
	write(a, 1, 300)
	write(b, 1, 200)
	if n := count("true"); n != 0 {
		t.Fatalf("%d rows inserted before the group held %d", n, stageRows)
	}
	// Load a fails: its 300 held rows must not reach the table later.
	if err := a.Discard(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if n := count("true"); n != 200 {
		t.Fatalf("after discarding the first load: %d staged rows, want load b's 200", n)
	}
	if n := count("_row >> 40 = 1 AND _row & 1023 BETWEEN 1 AND 200"); n != 200 {
		t.Fatalf("load b's rows carry unit 1 and rows 1..200: %d of 200 do", n)
	}
	// b goes on: held until the group holds stageRows rows, then all of
	// them are inserted; what follows is held again.
	write(b, 201, stageRows-100)
	if n := count("true"); n != 200 {
		t.Fatalf("%d staged rows with %d held, want 200", n, stageRows-100)
	}
	write(b, stageRows+101, 150)
	want := int64(200 + stageRows - 100 + 150)
	if n := count("true"); n != want {
		t.Fatalf("%d staged rows, want %d once the group held %d rows or more", n, want, stageRows)
	}
	write(b, stageRows+251, 50)
	if n := count("true"); n != want {
		t.Fatalf("%d staged rows, want %d: the last 50 held", n, want)
	}
	if n := count("_row >> 40 = 1"); n != want {
		t.Fatalf("%d of the %d staged rows carry load b's unit", n, want)
	}
	if err := g.Rollback(ctx, nil); err != nil {
		t.Fatal(err)
	}
}

// TestNoArrowViewLeft: the view duckdb-go's Arrow scan creates to stage a
// batch is a persistent one in the warehouse's catalogue; it is dropped
// with the insert, so that no load commits it over a released stream, and a
// warehouse that an older load left one in loses it when opened.
func TestNoArrowViewLeft(t *testing.T) {
	ctx := context.Background()
	w, path := openTest(t)
	views := func(q interface {
		QueryRowContext(context.Context, string, ...any) *sql.Row
	}) int64 {
		t.Helper()
		var n int64
		if err := q.QueryRowContext(ctx, "SELECT count(*) FROM duckdb_views() WHERE view_name = '"+arrowView+"'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	g, err := w.BeginGroup(ctx, JobIngest)
	if err != nil {
		t.Fatal(err)
	}
	l := g.Add("140105")
	rec := subsidyRows(memory.NewGoAllocator(), 1, stageRows)
	defer rec.Release()
	if err := l.Write(ctx, canon.Subsidies, rec); err != nil {
		t.Fatal(err)
	}
	var staged int64
	if err := g.conn.QueryRowContext(ctx, "SELECT count(*) FROM temp.stg_subsidies").Scan(&staged); err != nil {
		t.Fatal(err)
	}
	if staged != stageRows {
		t.Fatalf("%d rows staged, want %d: the batch did not go through the Arrow view", staged, stageRows)
	}
	if n := views(g.conn); n != 0 {
		t.Errorf("after staging, %d views %s in the transaction", n, arrowView)
	}
	if err := g.Rollback(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := w.db.ExecContext(ctx, "CREATE VIEW "+arrowView+" AS SELECT 1 AS x"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w, err = Open(ctx, path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if n := views(w.db); n != 0 {
		t.Errorf("a warehouse opened with a leftover %s still has it", arrowView)
	}
}
