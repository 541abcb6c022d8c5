//go:build duckdb_arrow

package warehouse

import (
	"context"
	"database/sql/driver"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/crashpoint"
)

// StagingPath names how batches reach DuckDB in this build.
const StagingPath = "arrow"

// stageRows is how many rows of a record type a group holds before it
// inserts them, in one statement. Each statement costs DuckDB a couple of
// milliseconds whatever its size (registering the Arrow view, planning the
// INSERT), and a county hands over a few hundred rows per record type: one
// statement per county and type made staging a province's 117 counties
// take 1.7 s, against 0.4 s in statements of 16k rows or so. Holding 64k
// rows was no faster and added some 50 to 100 MiB to the load's peak RSS.
const stageRows = 1 << 14

// staging holds a group's batches not inserted yet, by record type, their
// _row already offset by their load's unit.
type staging struct {
	recs map[canon.RecordType][]arrow.RecordBatch
	rows map[canon.RecordType]int64
}

// Write stages one record batch (the transform.Sink interface). The group
// keeps it (retained) until it holds stageRows rows of the record type, or
// until it commits or a load is discarded, and then hands the batches to
// DuckDB through the Arrow C stream interface, without copying row by row,
// in one INSERT. A DuckDB error may thus surface at a later Write of the
// group, or at its commit; either fails the group, as before.
func (l *Load) Write(ctx context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	g := l.g
	if g.staging.recs == nil {
		g.staging = staging{recs: map[canon.RecordType][]arrow.RecordBatch{}, rows: map[canon.RecordType]int64{}}
	}
	g.staging.recs[rt] = append(g.staging.recs[rt], offsetRows(rec, l.rowBase()))
	g.staging.rows[rt] += rec.NumRows()
	l.staged += rec.NumRows()
	crashpoint.Hit(crashpoint.Stage)
	if g.staging.rows[rt] >= stageRows {
		return g.insertStaged(ctx, rt)
	}
	return nil
}

// offsetRows is rec with base added to its _row (its first column), or rec
// itself, retained, when base is 0.
func offsetRows(rec arrow.RecordBatch, base int64) arrow.RecordBatch {
	if base == 0 {
		rec.Retain()
		return rec
	}
	rows := rec.Column(0).(*array.Int64)
	b := array.NewInt64Builder(memory.DefaultAllocator)
	defer b.Release()
	b.Reserve(rows.Len())
	for i := range rows.Len() {
		b.UnsafeAppend(rows.Value(i) + base) // _row is never null
	}
	col := b.NewArray()
	defer col.Release()
	cols := slices.Clone(rec.Columns())
	cols[0] = col
	return array.NewRecordBatch(rec.Schema(), cols, rec.NumRows())
}

// insertStaged inserts the batches the group holds of one record type.
func (g *Group) insertStaged(ctx context.Context, rt canon.RecordType) error {
	recs := g.staging.recs[rt]
	if len(recs) == 0 {
		return nil
	}
	delete(g.staging.recs, rt)
	delete(g.staging.rows, rt)
	defer func() {
		for _, r := range recs {
			r.Release()
		}
	}()
	reader, err := array.NewRecordReader(recs[0].Schema(), recs)
	if err != nil {
		return fmt.Errorf("warehouse: stage %s: %w", rt, err)
	}
	defer reader.Release()
	err = g.conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err := a.RegisterView(reader, arrowView)
		if err != nil {
			return err
		}
		defer release()
		// The view is a persistent one in the warehouse's catalogue (the
		// C API's arrow scan): dropped in the same transaction, it is never
		// committed over a stream that is released below.
		_, err = dc.(driver.ExecerContext).ExecContext(ctx,
			fmt.Sprintf("INSERT INTO %s SELECT * FROM %s; DROP VIEW %[2]s", canon.StagingTable(rt), arrowView), nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("warehouse: stage %s: %w", rt, err)
	}
	return nil
}

// flushStaged inserts every batch the group holds, record type by record
// type in a fixed order.
func (g *Group) flushStaged(ctx context.Context) error {
	for _, rt := range stagedTypes {
		if err := g.insertStaged(ctx, rt); err != nil {
			return err
		}
	}
	return nil
}

// dropStaged releases the batches the group holds without inserting them.
func (g *Group) dropStaged() {
	for _, recs := range g.staging.recs {
		for _, r := range recs {
			r.Release()
		}
	}
	g.staging = staging{}
}
