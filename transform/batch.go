package transform

import (
	"context"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/dates"
)

// Sink receives the canonical record batches of one load. Write must not keep
// rec after it returns unless it calls rec.Retain.
type Sink interface {
	Write(ctx context.Context, rt canon.RecordType, rec arrow.RecordBatch) error
}

// batch accumulates rows of one record type and hands full batches to a sink.
type batch struct {
	rt   canon.RecordType
	b    *array.RecordBuilder
	rows int
	max  int
}

func newBatch(mem memory.Allocator, rt canon.RecordType, max int) *batch {
	return &batch{rt: rt, b: array.NewRecordBuilder(mem, canon.Schema(rt)), max: max}
}

// row starts a row: it appends the _row ordinal and returns a writer for the rest.
func (bt *batch) row(ordinal int64) *rowWriter {
	bt.b.Field(0).(*array.Int64Builder).Append(ordinal)
	bt.rows++
	return &rowWriter{b: bt.b, i: 1}
}

// full reports whether the batch should be flushed.
func (bt *batch) full() bool { return bt.rows >= bt.max }

// flush hands the accumulated rows (if any) to the sink.
func (bt *batch) flush(ctx context.Context, sink Sink) error {
	if bt.rows == 0 {
		return nil
	}
	rec := bt.b.NewRecordBatch()
	defer rec.Release()
	bt.rows = 0
	return sink.Write(ctx, bt.rt, rec)
}

func (bt *batch) release() { bt.b.Release() }

// rowWriter appends the fields of one row in schema order.
type rowWriter struct {
	b *array.RecordBuilder
	i int
}

func (w *rowWriter) str(s string) *rowWriter {
	fb := w.b.Field(w.i).(*array.StringBuilder)
	if s == "" {
		fb.AppendNull()
	} else {
		fb.Append(s)
	}
	w.i++
	return w
}

func (w *rowWriter) date(t time.Time) *rowWriter {
	fb := w.b.Field(w.i).(*array.Date32Builder)
	if t.IsZero() {
		fb.AppendNull()
	} else {
		fb.Append(arrow.Date32(dates.Days(t)))
	}
	w.i++
	return w
}

func (w *rowWriter) i32(v int32, valid bool) *rowWriter {
	fb := w.b.Field(w.i).(*array.Int32Builder)
	if valid {
		fb.Append(v)
	} else {
		fb.AppendNull()
	}
	w.i++
	return w
}

func (w *rowWriter) i64(v int64, valid bool) *rowWriter {
	fb := w.b.Field(w.i).(*array.Int64Builder)
	if valid {
		fb.Append(v)
	} else {
		fb.AppendNull()
	}
	w.i++
	return w
}
