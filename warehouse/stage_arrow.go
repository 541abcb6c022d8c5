//go:build duckdb_arrow

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

// StagingPath names how batches reach DuckDB in this build.
const StagingPath = "arrow"

// Write stages one record batch (the transform.Sink interface). The batch is
// handed to DuckDB through the Arrow C stream interface, without copying
// row by row.
func (l *Load) Write(ctx context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	if rec.NumRows() == 0 {
		return nil
	}
	reader, err := array.NewRecordReader(rec.Schema(), []arrow.RecordBatch{rec})
	if err != nil {
		return fmt.Errorf("warehouse: stage %s: %w", rt, err)
	}
	defer reader.Release()
	err = l.g.conn.Raw(func(dc any) error {
		a, err := duckdb.NewArrowFromConn(dc.(driver.Conn))
		if err != nil {
			return err
		}
		release, err := a.RegisterView(reader, "arrow_in")
		if err != nil {
			return err
		}
		defer release()
		_, err = dc.(driver.ExecerContext).ExecContext(ctx,
			fmt.Sprintf("INSERT INTO %s SELECT * REPLACE (_row + %d AS _row) FROM arrow_in", canon.StagingTable(rt), l.rowBase()), nil)
		return err
	})
	if err != nil {
		return fmt.Errorf("warehouse: stage %s: %w", rt, err)
	}
	l.staged += rec.NumRows()
	crashpoint.Hit(crashpoint.Stage)
	return nil
}
