package metrics

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// A vintage is the moment whose state of the warehouse a set of figures
// describes: every metric macro takes vintage := TIMESTAMPTZ and then reads
// the tables as they stood at that moment (their history, see the
// *_vintage macros in docs/warehouse.md), so a figure published in August
// is reproduced after a county corrects July's records.
//
// The queries of this package and of the report write the argument as the
// token @vintage (`coverage(?::DATE, vintage := @vintage)`); a Querier made
// by AtVintage puts the moment there before running them.
//
// The freshness of the feeds is measured at the vintage too, which is right
// for a vintage asked for (how stale the feeds were then) but not for the
// latest one that Pin picks by itself (that would measure at the last run,
// when every feed looks fresh): the freshness queries write @vintage_or_now,
// which is the vintage asked for, or NULL (measure at now()) when Pin chose.
const (
	vintageToken      = "@vintage"
	vintageOrNowToken = "@vintage_or_now"
)

// vintageQuerier runs queries with @vintage replaced by its moment.
type vintageQuerier struct {
	q     Querier
	lit   string // NULL or TIMESTAMPTZ '…'
	at    time.Time
	given bool // asked for (AtVintage), not chosen by Pin
}

func (v vintageQuerier) Each(ctx context.Context, q string, args []any, fn func(Row) error) error {
	orNow := "NULL"
	if v.given {
		orNow = v.lit
	}
	q = strings.ReplaceAll(q, vintageOrNowToken, orNow)
	return v.q.Each(ctx, strings.ReplaceAll(q, vintageToken, v.lit), args, fn)
}

// AtVintage returns a Querier that runs every query of this package and of
// the report as the warehouse knew it at the moment at; the zero time reads
// the tables as they are (vintage NULL).
func AtVintage(q Querier, at time.Time) Querier {
	if v, ok := q.(vintageQuerier); ok {
		q = v.q
	}
	return vintageQuerier{q: q, lit: VintageLiteral(at), at: at, given: !at.IsZero()}
}

// VintageLiteral is at as a DuckDB TIMESTAMPTZ literal, to the microsecond
// (DuckDB's precision): TIMESTAMPTZ '2022-08-05 02:30:00.123456+00'; NULL
// for the zero time.
func VintageLiteral(at time.Time) string {
	if at.IsZero() {
		return "NULL"
	}
	return "TIMESTAMPTZ '" + FormatVintage(at) + "'"
}

// FormatVintage writes a vintage as the report, `metrics` and the logs show
// it: UTC, to the microsecond, 2022-08-05 02:30:00.123456+00, which every
// DuckDB client reads back as the same TIMESTAMPTZ.
func FormatVintage(at time.Time) string {
	return at.UTC().Truncate(time.Microsecond).Format("2006-01-02 15:04:05.000000-07")
}

// ParseVintage reads a vintage given on the command line: RFC 3339
// (2022-08-05T10:30:00+08:00, with or without fractional seconds), or
// FormatVintage's form. A time without an offset is refused: a vintage is a
// moment, and the reader's time zone must not change it.
func ParseVintage(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05.999999-07", "2006-01-02 15:04:05.999999-07:00", "2006-01-02 15:04:05-07"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Truncate(time.Microsecond), nil
		}
	}
	return time.Time{}, fmt.Errorf("metrics: vintage %q: want a moment with its offset, e.g. 2022-08-05T10:30:00+08:00 or 2022-08-05 02:30:00.123456+00", s)
}

// withVintage returns q if AtVintage or Pin made it, else q reading the
// tables as they are (@vintage NULL): the queries of this package always
// carry the token.
func withVintage(q Querier) Querier {
	if v, ok := q.(vintageQuerier); ok {
		return v
	}
	return AtVintage(q, time.Time{})
}

// LatestVintage returns the moment the last run recorded in the warehouse
// finished (etl_run.finished_at): the tables as they are now are the tables
// at that moment, as long as no later run loads. The zero time when no run
// is recorded.
func LatestVintage(ctx context.Context, q Querier) (time.Time, error) {
	var at *time.Time
	err := q.Each(ctx, "SELECT max(finished_at) FROM etl_run", nil, func(r Row) error { return r.Scan(&at) })
	if err != nil {
		return time.Time{}, fmt.Errorf("metrics: the latest vintage: %w", err)
	}
	if at == nil {
		return time.Time{}, nil
	}
	return *at, nil
}

// Pin returns q pinned to a vintage, and that vintage: q itself when
// AtVintage made it, else q at the latest vintage (LatestVintage), so that
// every query of a report or of `metrics` reads the same state even while a
// load commits between two of them. The zero time means the warehouse has
// no run yet (the tables are read as they are, empty).
func Pin(ctx context.Context, q Querier) (Querier, time.Time, error) {
	if v, ok := q.(vintageQuerier); ok {
		return v, v.at, nil
	}
	at, err := LatestVintage(ctx, q)
	if err != nil {
		return nil, time.Time{}, err
	}
	v := AtVintage(q, at).(vintageQuerier)
	v.given = false
	return v, at, nil
}

// HasVintage reports whether AtVintage made q with a moment (a vintage asked
// for, not one Pin chose).
func HasVintage(q Querier) bool {
	v, ok := q.(vintageQuerier)
	return ok && v.given
}
