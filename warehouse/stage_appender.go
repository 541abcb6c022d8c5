//go:build !duckdb_arrow

package warehouse

import (
	"context"
	"database/sql/driver"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	duckdb "github.com/duckdb/duckdb-go/v2"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/crashpoint"
)

// StagingPath names how batches reach DuckDB in this build. Without the
// duckdb_arrow build tag, duckdb-go has no Arrow view, and batches are
// appended row by row: correct, but about half as fast (measured: the
// Arrow view costs about 1.1× DuckDB's own read_csv, the Appender 2×; see
// docs/design.md). `make` builds with the tag.
const StagingPath = "appender"

// Write stages one record batch (the transform.Sink interface) through
// DuckDB's Appender.
func (l *Load) Write(ctx context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	err := l.g.conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", canon.StagingTable(rt))
		if err != nil {
			return err
		}
		row := make([]driver.Value, rec.NumCols())
		for i := 0; i < int(rec.NumRows()); i++ {
			for j := range row {
				row[j] = value(rec.Column(j), i)
			}
			row[0] = row[0].(int64) + l.rowBase() // _row, first in every staged schema
			if err := app.AppendRow(row...); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return fmt.Errorf("warehouse: stage %s: %w", rt, err)
	}
	l.staged += rec.NumRows()
	crashpoint.Hit(crashpoint.Stage)
	return nil
}

// staging is empty in this build: the Appender writes every batch at once.
type staging struct{}

// flushStaged has nothing to insert in this build.
func (g *Group) flushStaged(context.Context) error { return nil }

// dropStaged has nothing to release in this build.
func (g *Group) dropStaged() {}

// value is the Go value of one cell of the staged types.
func value(col arrow.Array, i int) driver.Value {
	if col.IsNull(i) {
		return nil
	}
	switch a := col.(type) {
	case *array.String:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Date32:
		return a.Value(i).ToTime()
	}
	panic(fmt.Sprintf("warehouse: no appender value for %T", col))
}
