package export

// Writing the release's tables: the SQL of deidentify.go run on one held
// connection of the warehouse, inside one transaction, and each table
// written as zstd Parquet. Per-person tables are Hive-partitioned by
// county_code (<table>/county_code=<code>/data_0.parquet), written by one
// COPY … PARTITION_BY per table under threads = 1: with several threads a
// partitioned COPY does not keep the query's row order inside a partition
// (measured on DuckDB 1.5: the same query gave different files from run to
// run), and a release must be reproducible byte for byte from the same data
// and secret. See copyPartitioned.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"time"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// tablesOptions say what writeTables writes.
type tablesOptions struct {
	// asOf is the release's day: only postings, roles and assessments that
	// had begun by then are exported, and a posting or role that ended after
	// it is shown as still running. Its calendar date (in its own location)
	// is used; zero means today in the city's time zone (etl_setting).
	asOf time.Time
	// k is the k-anonymity threshold, at least 2.
	k int
	// levels, if set, limits the recoding levels tried to 0..levels-1
	// (tests that work a small city by hand over fewer levels); zero means
	// all recodingLevels.
	levels int
	// researchID maps a person_key to the person's research_id. It must be
	// injective and never return a person_key (an HMAC under the export
	// secret is both).
	researchID func(personKey string) string
	// memoryLimit, if set, is DuckDB's memory_limit while the release is
	// built; the reader's own is restored after.
	memoryLimit string
	// log gets one line per table: rows, files, and the time to build and
	// to write it (nil = discard).
	log *slog.Logger
}

// column is one column as a reader of the release sees it.
type column struct {
	name string
	typ  string // DuckDB type, read back from the Parquet files
}

// table is one table written.
type table struct {
	name        string   // e.g. "persons"
	partitionBy string   // "county_code" for per-person tables, else ""
	rows        int64    // rows in all its files
	columns     []column // in the order read_parquet returns them (a partition column last)
}

// file is one Parquet file written.
type file struct {
	path  string // relative to the release folder, slash-separated
	table string
	rows  int64
}

// written is what writeTables wrote.
type written struct {
	asOf       time.Time        // the release's day (midnight UTC of that date)
	tables     []table          // in release order
	files      []file           // in release order: by table, then by partition
	suppressed map[string]int64 // quasi-identifier column -> values replaced by null
	risk       *Risk            // the residual risk of the person-level tables
	persons    int64            // persons in the release (research_ids issued)
}

// safePartition is what a partition value may be: it becomes a folder name.
var safePartition = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// writeTables writes the release's Parquet files (zstd) into dir, which must
// exist, and says what it wrote. It reads the warehouse in one transaction
// on one connection; the temporary tables it builds are dropped before it
// returns. The files are the same, byte for byte, for the same warehouse
// content, day, k and research_ids.
func writeTables(ctx context.Context, r *warehouse.Reader, dir string, opts tablesOptions) (res *written, err error) {
	if opts.k < 2 {
		return nil, fmt.Errorf("%w: k = %d, want at least 2", ErrRefused, opts.k)
	}
	if opts.researchID == nil {
		return nil, fmt.Errorf("%w: no research_id function", ErrRefused)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a folder", ErrRefused, dir)
	}
	if opts.log == nil {
		opts.log = slog.New(slog.DiscardHandler)
	}
	s, err := r.Session(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer s.Close()
	if opts.memoryLimit != "" {
		restore := "RESET memory_limit"
		if l := r.MemoryLimit(); l != "" {
			restore = "SET memory_limit = " + quoteLiteral(l)
		}
		if err := s.Exec(ctx, "SET memory_limit = "+quoteLiteral(opts.memoryLimit)); err != nil {
			return nil, fmt.Errorf("%w: memory_limit %q: %v", ErrRefused, opts.memoryLimit, err)
		}
		defer func() {
			if e := s.Exec(context.WithoutCancel(ctx), restore); e != nil && err == nil {
				res, err = nil, fmt.Errorf("export: %w", e)
			}
		}()
	}
	if err := s.Exec(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	defer func() {
		// Nothing in the warehouse changes: the transaction only ever held
		// the temporary tables, which the rollback and the drops remove, so
		// the pooled connection goes back clean.
		bg := context.WithoutCancel(ctx)
		e := s.Exec(bg, "ROLLBACK")
		var drop []string
		for _, t := range exportTemps() {
			drop = append(drop, "DROP TABLE IF EXISTS temp.main."+t)
		}
		e2 := s.Exec(bg, strings.Join(drop, "; "))
		if err == nil {
			err = errors.Join(e, e2)
			if err != nil {
				res = nil
				err = fmt.Errorf("export: %w", err)
			}
		}
	}()
	res, err = writeIn(ctx, s, dir, opts)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// writeIn does writeTables' work inside its transaction.
func writeIn(ctx context.Context, s *warehouse.Session, dir string, opts tablesOptions) (*written, error) {
	var asOf any
	if !opts.asOf.IsZero() {
		asOf = opts.asOf.Format(time.DateOnly)
	}
	levels := recodingLevels
	if opts.levels > 0 && opts.levels < recodingLevels {
		levels = opts.levels
	}
	res := &written{suppressed: map[string]int64{}}
	for _, st := range []struct {
		what string
		sql  string
		args []any
	}{
		{"parameters", exportParamSQL, []any{asOf, opts.k, maxSuppressedPct, levels}},
		{"first postings", exportFirstSQL, nil},
		{"research ids", exportRIDSQL, nil},
	} {
		start := time.Now()
		if err := s.Exec(ctx, st.sql, st.args...); err != nil {
			return nil, fmt.Errorf("export: %s: %w", st.what, err)
		}
		opts.log.Info("export step", "step", st.what, "took", time.Since(start).Round(time.Millisecond))
	}
	if err := s.Scan(ctx, "SELECT as_of FROM export_param", nil, &res.asOf); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	n, err := stageResearchIDs(ctx, s, opts.researchID)
	if err != nil {
		return nil, err
	}
	res.persons = n
	// The person_keys and research_ids held in Go (a few hundred MB
	// nationally) are garbage now: hand their memory back to the system
	// before DuckDB's largest steps, rather than when Go's scavenger gets
	// to it.
	debug.FreeOSMemory()
	if err := suppress(ctx, s, res.suppressed, opts.log); err != nil {
		return nil, err
	}
	for _, t := range exportTables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		if !t.direct {
			if err := s.Exec(ctx, t.create); err != nil {
				return nil, fmt.Errorf("export: %s: %w", t.name, err)
			}
		}
		built := time.Since(start)
		tab, files, err := writeTable(ctx, s, dir, t)
		if err != nil {
			return nil, fmt.Errorf("export: %s: %w", t.name, err)
		}
		opts.log.Info("export table", "table", t.name, "rows", tab.rows, "files", len(files),
			"build", built.Round(time.Millisecond), "write", (time.Since(start) - built).Round(time.Millisecond))
		res.tables = append(res.tables, tab)
		res.files = append(res.files, files...)
	}
	start := time.Now()
	risk, err := measureRisk(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("export: risk: %w", err)
	}
	opts.log.Info("export step", "step", "risk", "took", time.Since(start).Round(time.Millisecond))
	res.risk = risk
	return res, nil
}

// suppress builds every person's quasi-identifiers at every recoding
// level, picks each county's level, says which posting cells are shown,
// and counts per column the values k-anonymity sets to null (those that
// were not null already at the county's level).
func suppress(ctx context.Context, s *warehouse.Session, cells map[string]int64, log *slog.Logger) error {
	for _, st := range []struct{ what, sql string }{
		{"recoding", exportPersonsQISQL},
		{"suppression", exportPersonsCSQL},
		{"suppression of entry periods", exportPersonsSSQL},
		{"recoding levels", exportLevelSQL},
		{"quasi-identifiers", exportQISQL},
		{"village cells", exportVShowSQL},
	} {
		start := time.Now()
		if err := s.Exec(ctx, st.sql); err != nil {
			return fmt.Errorf("export: %s: %w", st.what, err)
		}
		log.Info("export step", "step", st.what, "took", time.Since(start).Round(time.Millisecond))
	}
	counts := make([]int64, len(quasiIdentifiers))
	ptrs := make([]any, len(counts))
	for i := range counts {
		ptrs[i] = &counts[i]
	}
	if err := s.Scan(ctx, exportSuppressedSQL, nil, ptrs...); err != nil {
		return fmt.Errorf("export: suppression: %w", err)
	}
	for i, c := range quasiIdentifiers {
		cells[c] = counts[i]
	}
	return nil
}

// stageResearchIDs computes the research_id of every person in export_first
// and appends the pairs to export_rid. It refuses a function that maps two
// persons to one id or returns a person_key.
func stageResearchIDs(ctx context.Context, s *warehouse.Session, rid func(string) string) (int64, error) {
	var keys []string
	err := s.Each(ctx, "SELECT person_key FROM export_first ORDER BY person_key", nil, func(row warehouse.Row) error {
		var k string
		if err := row.Scan(&k); err != nil {
			return err
		}
		keys = append(keys, k)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("export: research ids: %w", err)
	}
	isKey := make(map[string]bool, len(keys))
	for _, k := range keys {
		isKey[k] = true
	}
	ids := make([]string, len(keys))
	seen := make(map[string]bool, len(keys))
	for i, k := range keys {
		id := rid(k)
		switch {
		case id == "":
			return 0, fmt.Errorf("%w: empty research_id", ErrRefused)
		case isKey[id]:
			return 0, fmt.Errorf("%w: a research_id equals a person_key", ErrRefused)
		case seen[id]:
			return 0, fmt.Errorf("%w: two persons share a research_id", ErrRefused)
		}
		seen[id], ids[i] = true, id
	}
	err = s.Append(ctx, "temp", "main", "export_rid", func(add warehouse.AppendRow) error {
		for i, k := range keys {
			if err := add(k, ids[i]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("export: research ids: %w", err)
	}
	return int64(len(keys)), nil
}

// parquetOptions are the COPY options of every file.
const parquetOptions = "(FORMAT parquet, COMPRESSION zstd)"

// writeTable writes one built table: one file, or one file per county_code
// partition, and reads the column types back from the files.
func writeTable(ctx context.Context, s *warehouse.Session, dir string, t exportTable) (table, []file, error) {
	if !t.partitioned {
		return writeSingle(ctx, s, dir, t)
	}
	tab := table{name: t.name, partitionBy: partitionColumn}
	src := "export_" + t.name
	parts, err := partitions(ctx, s, t.name, src)
	if err != nil {
		return tab, nil, err
	}
	var files []file
	for _, p := range parts {
		rel := t.name + "/" + partitionColumn + "=" + p.code + "/data_0.parquet"
		files = append(files, file{path: rel, table: t.name, rows: p.rows})
		tab.rows += p.rows
	}
	// The types a reader sees: from the files when there are any (with
	// county_code read as text, as the README tells readers to), else from
	// the built table in the same column order.
	from := fmt.Sprintf("(SELECT * EXCLUDE (%s, _o), %s FROM %s)", partitionColumn, partitionColumn, src)
	if len(parts) > 0 {
		if err := copyPartitioned(ctx, s, dir, t.name, src); err != nil {
			return tab, nil, err
		}
		if err := checkPartitions(ctx, s, dir, t.name, src, files); err != nil {
			return tab, nil, err
		}
		from = hiveSource(dir, t.name)
	}
	tab.columns, err = describe(ctx, s, from)
	return tab, files, err
}

// writeSingle writes a table that is not partitioned into <name>.parquet.
func writeSingle(ctx context.Context, s *warehouse.Session, dir string, t exportTable) (table, []file, error) {
	tab := table{name: t.name}
	rel := t.name + ".parquet"
	query := fmt.Sprintf("SELECT * EXCLUDE (_o) FROM export_%s ORDER BY _o", t.name)
	if t.direct {
		query = t.create
	}
	q := fmt.Sprintf("COPY (%s) TO %s %s", query, quoteLiteral(filepath.Join(dir, rel)), parquetOptions)
	if err := s.Scan(ctx, q, nil, &tab.rows); err != nil {
		return tab, nil, err
	}
	files := []file{{path: rel, table: t.name, rows: tab.rows}}
	cols, err := describe(ctx, s, fmt.Sprintf("read_parquet(%s)", quoteLiteral(filepath.Join(dir, rel))))
	tab.columns = cols
	return tab, files, err
}

// partition is one county_code of a per-person table and its rows.
type partition struct {
	code string
	rows int64
}

// partitions lists the county_codes of a built table, refusing one that
// cannot name a folder.
func partitions(ctx context.Context, s *warehouse.Session, name, src string) ([]partition, error) {
	var parts []partition
	q := fmt.Sprintf("SELECT %s, count(*) FROM %s GROUP BY 1 ORDER BY 1", partitionColumn, src)
	err := s.Each(ctx, q, nil, func(row warehouse.Row) error {
		var code *string
		var p partition
		if err := row.Scan(&code, &p.rows); err != nil {
			return err
		}
		if code == nil || !safePartition.MatchString(*code) {
			var c string
			if code != nil {
				c = *code
			}
			return fmt.Errorf("%w: %s: a %s that cannot name a folder: %q", ErrRefused, name, partitionColumn, c)
		}
		p.code = *code
		parts = append(parts, p)
		return nil
	})
	return parts, err
}

// checkPartitions checks that a partitioned COPY wrote exactly the expected
// files under dir/name, with the expected rows: one file per partition.
func checkPartitions(ctx context.Context, s *warehouse.Session, dir, name, src string, files []file) error {
	want := map[string]bool{}
	for _, f := range files {
		want[filepath.FromSlash(f.path)] = true
	}
	var got []string
	err := filepath.WalkDir(filepath.Join(dir, name), func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, path)
			got = append(got, rel)
		}
		return err
	})
	if err != nil {
		return err
	}
	extra := 0
	for _, g := range got {
		if !want[g] {
			extra++
		}
	}
	if extra > 0 || len(got) != len(want) {
		return fmt.Errorf("%s: %d files written, %d expected (%d unexpected)", name, len(got), len(want), extra)
	}
	// Rows per file, read back from the Parquet footers.
	q := fmt.Sprintf("SELECT count(*) FILTER (WHERE n <> c) FROM (SELECT %s, count(*) AS n FROM %s GROUP BY 1) f JOIN (SELECT %s, count(*) AS c FROM %s GROUP BY 1) s USING (%s)",
		partitionColumn, hiveSource(dir, name), partitionColumn, src, partitionColumn)
	var bad int64
	if err := s.Scan(ctx, q, nil, &bad); err != nil {
		return err
	}
	if bad > 0 {
		return fmt.Errorf("%s: %d partitions with other row counts than expected", name, bad)
	}
	return nil
}

// hiveSource reads the partitions of dir/name with county_code as text.
func hiveSource(dir, name string) string {
	return fmt.Sprintf("read_parquet(%s, hive_partitioning = true, hive_types = {'%s': VARCHAR})",
		quoteLiteral(filepath.Join(dir, name, "*", "*.parquet")), partitionColumn)
}

// copyPartitioned writes src into dir/name/county_code=<code>/data_0.parquet
// with one COPY … PARTITION_BY, each file's rows in _o order. A partitioned
// COPY keeps its input's row order only when one thread writes (with more,
// threads' chunks interleave differently from run to run, and a release
// must be reproducible byte for byte), so it runs with threads = 1 and the
// input sorted by partition: every partition's file is then written whole,
// once, and closed before the next (a bound on open files cannot split one
// into data_1). One thread writing compressed Parquet outruns a COPY per
// partition by far: at national scale, 2,843 partitions took 2 s instead
// of a minute per table.
func copyPartitioned(ctx context.Context, s *warehouse.Session, dir, name, src string) (err error) {
	restore, err := setFor(ctx, s, partitionedWriteSettings)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, restore()) }()
	q := fmt.Sprintf("COPY (SELECT * EXCLUDE (_o) FROM %s ORDER BY %s, _o) TO %s (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (%s), FILENAME_PATTERN 'data_{i}')",
		src, partitionColumn, quoteLiteral(filepath.Join(dir, name)), partitionColumn)
	return s.Exec(ctx, q)
}

// partitionedWriteSettings are DuckDB's settings while a partitioned COPY
// runs. threads = 1 keeps the rows' order (see copyPartitioned).
// partitioned_write_max_open_files bounds the Parquet writers open at once:
// each holds its row group, page buffers and a zstd context outside DuckDB's
// memory_limit, and with the default (100) open writers added over a
// gigabyte to the release's peak at national scale. The input arrives
// sorted by partition, so a partition's writer is done once the next one
// opens: closing the older ones changes no file (checkPartitions would
// see a partition written twice).
var partitionedWriteSettings = []setting{
	{"threads", "1"},
	{"partitioned_write_max_open_files", "4"},
}

// setting is one DuckDB setting and the value to give it.
type setting struct{ name, value string }

// setFor applies settings on the session and returns the function that
// puts back the values they had.
func setFor(ctx context.Context, s *warehouse.Session, settings []setting) (func() error, error) {
	var undo []string
	restore := func() error {
		if len(undo) == 0 {
			return nil
		}
		return s.Exec(context.WithoutCancel(ctx), strings.Join(undo, "; "))
	}
	for _, st := range settings {
		var old string
		if err := s.Scan(ctx, "SELECT CAST(current_setting(?) AS VARCHAR)", []any{st.name}, &old); err != nil {
			return nil, errors.Join(fmt.Errorf("%s: %w", st.name, err), restore())
		}
		if err := s.Exec(ctx, fmt.Sprintf("SET %s = %s", st.name, quoteLiteral(st.value))); err != nil {
			return nil, errors.Join(fmt.Errorf("%s: %w", st.name, err), restore())
		}
		undo = append(undo, fmt.Sprintf("SET %s = %s", st.name, quoteLiteral(old)))
	}
	return restore, nil
}

// describe returns the columns of SELECT * FROM from, in order.
func describe(ctx context.Context, s *warehouse.Session, from string) ([]column, error) {
	var cols []column
	err := s.Each(ctx, "SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM "+from+")", nil, func(row warehouse.Row) error {
		var c column
		if err := row.Scan(&c.name, &c.typ); err != nil {
			return err
		}
		cols = append(cols, c)
		return nil
	})
	return cols, err
}

// quoteLiteral quotes s as an SQL string literal.
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
