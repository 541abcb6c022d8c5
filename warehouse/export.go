package warehouse

// The researchers' release (CONTRACT §6), the DuckDB side: the de-identified
// tables are built in temporary tables on one held connection, inside one
// transaction (so that every table is cut from the same state of the
// warehouse), and written as zstd Parquet files. The export package adds the
// manifest, the data dictionary and the atomic placement of the release.
//
// De-identification done here: persons appear only under a research_id
// computed by the caller (an HMAC; DuckDB has none); birth years become
// 5-year bands and dates become months; no name, ID number, phone,
// person_key, university, major, political status, mentor or free text
// (role titles) is selected; a person-level row carries no village or
// township code; and the quasi-identifiers (gender, birth_band, degree,
// entry_year) of persons whose (county_code, gender, birth_band, degree,
// entry_year) group has fewer than k members are set to null.
//
// Per-person tables are Hive-partitioned by county_code
// (<table>/county_code=<code>/data_0.parquet), written by one COPY …
// PARTITION_BY per table under threads = 1: with several threads a
// partitioned COPY does not keep the query's row order inside a partition
// (measured on DuckDB 1.5: the same query gave different files from run to
// run), and a release must be reproducible byte for byte from the same data
// and secret. See copyPartitioned.

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	duckdb "github.com/duckdb/duckdb-go/v2"
)

// ErrExport is wrapped by ExportTables' errors about its inputs and about
// values it refuses to write.
var ErrExport = errors.New("warehouse: export")

// ExportOptions say what ExportTables writes.
type ExportOptions struct {
	// AsOf is the release's day: only postings, roles and assessments that
	// had begun by then are exported, and a posting or role that ended after
	// it is shown as still running. Its calendar date (in its own location)
	// is used; zero means today in the city's time zone (etl_setting).
	AsOf time.Time
	// K is the k-anonymity threshold, at least 2.
	K int
	// ResearchID maps a person_key to the person's research_id. It must be
	// injective and never return a person_key (an HMAC under the export
	// secret is both).
	ResearchID func(personKey string) string
	// MemoryLimit, if set, is DuckDB's memory_limit while the release is
	// built; the previous one is restored after.
	MemoryLimit string
}

// ExportColumn is one column as a reader of the release sees it.
type ExportColumn struct {
	Name string `json:"name"`
	Type string `json:"type"` // DuckDB type, read back from the Parquet files
}

// ExportTable is one table of the release.
type ExportTable struct {
	Name        string         // e.g. "persons"
	PartitionBy string         // "county_code" for per-person tables, else ""
	Rows        int64          // rows in all its files
	Columns     []ExportColumn // in the order read_parquet returns them (a partition column last)
}

// ExportFile is one Parquet file written.
type ExportFile struct {
	Path  string // relative to the release folder, slash-separated
	Table string
	Rows  int64
}

// Export is what ExportTables wrote.
type Export struct {
	AsOf       time.Time        // the release's day (midnight UTC of that date)
	Tables     []ExportTable    // in release order
	Files      []ExportFile     // in release order: by table, then by partition
	Suppressed map[string]int64 // quasi-identifier column -> values replaced by null
	Persons    int64            // persons in the release (research_ids issued)
}

// QuasiIdentifiers are the persons columns nulled for persons in groups of
// fewer than k; county_code completes the group key but stays (it is the
// partition).
var QuasiIdentifiers = []string{"gender", "birth_band", "degree", "entry_year"}

// PartitionColumn is the Hive partition column of the per-person tables.
const PartitionColumn = "county_code"

// exportTable is one table of the release: a CREATE TEMP TABLE statement
// building export_<name> with an ordering column _o (a total order, so that
// the files are reproducible) and, for per-person tables, county_code.
type exportTable struct {
	name        string
	partitioned bool
	create      string
	// direct: create is the query itself, in the file's row order, written
	// without a temporary table.
	direct bool
}

// The temporary tables. export_param holds the day and k; export_first each
// person's first posting begun by that day (the person_first() macro's rule:
// earliest start_date, ties by the lowest village code); export_rid the
// research_ids staged from Go.
const (
	exportParamSQL = `CREATE TEMP TABLE export_param AS SELECT as_date(CAST(? AS DATE)) AS as_of, CAST(? AS INTEGER) AS k`
	exportFirstSQL = `CREATE TEMP TABLE export_first AS
		SELECT p.person_key, p.start_date AS entry, p.county_code, p.channel
		FROM fact_posting p
		WHERE p.start_date <= (SELECT as_of FROM export_param)
		QUALIFY row_number() OVER (PARTITION BY p.person_key ORDER BY p.start_date, p.village_code) = 1`
	exportRIDSQL = `CREATE TEMP TABLE export_rid (person_key VARCHAR NOT NULL, research_id VARCHAR NOT NULL)`
	// export_persons_qi holds every person's quasi-identifiers before
	// suppression, with the size of the person's group.
	exportPersonsQISQL = `CREATE TEMP TABLE export_persons_qi AS
		WITH base AS (
			SELECT r.research_id, f.county_code, d.gender,
			       CAST(d.birth_year // 5 * 5 AS VARCHAR) || '-' || CAST(d.birth_year // 5 * 5 + 4 AS VARCHAR) AS birth_band,
			       d.degree, CAST(year(f.entry) AS INTEGER) AS entry_year, f.channel
			FROM export_first f
			JOIN export_rid r ON r.person_key = f.person_key
			LEFT JOIN dim_person d ON d.person_key = f.person_key
		)
		SELECT *, count(*) OVER (PARTITION BY county_code, gender, birth_band, degree, entry_year) AS group_size
		FROM base`
	exportSuppressedSQL = `SELECT count(gender), count(birth_band), count(degree), count(entry_year)
		FROM export_persons_qi WHERE group_size < (SELECT k FROM export_param)`
)

// exportTables are the release's tables, in release order.
var exportTables = []exportTable{
	{name: "persons", partitioned: true, create: `CREATE TEMP TABLE export_persons AS
		SELECT research_id, county_code,
		       CASE WHEN NOT s THEN gender END AS gender,
		       CASE WHEN NOT s THEN birth_band END AS birth_band,
		       CASE WHEN NOT s THEN degree END AS degree,
		       CASE WHEN NOT s THEN entry_year END AS entry_year,
		       channel, s AS qi_suppressed,
		       row_number() OVER (ORDER BY research_id) AS _o
		FROM (SELECT *, group_size < (SELECT k FROM export_param) AS s FROM export_persons_qi)`},

	{name: "postings", partitioned: true, create: `CREATE TEMP TABLE export_postings AS
		SELECT r.research_id, p.county_code, v.village_kind,
		       CASE WHEN v.urban_rural_code LIKE '1%' THEN 'urban' WHEN v.urban_rural_code LIKE '2%' THEN 'rural' END AS urban_rural,
		       p.channel, p.selection_round, p.quota_source,
		       strftime(p.start_date, '%Y-%m') AS start_month,
		       CASE WHEN p.end_date <= x.as_of THEN strftime(p.end_date, '%Y-%m') END AS end_month,
		       CASE WHEN p.end_date <= x.as_of THEN p.end_reason END AS end_reason,
		       row_number() OVER (ORDER BY r.research_id, p.start_date, p.village_code) AS _o
		FROM fact_posting p
		CROSS JOIN export_param x
		JOIN export_rid r ON r.person_key = p.person_key
		LEFT JOIN dim_village v ON v.village_code = p.village_code
		WHERE p.start_date <= x.as_of`},

	// A role's county: its village's; for a township role, that of the
	// latest posting begun by the role's start (ties: highest village code);
	// else that of the first posting.
	{name: "roles", partitioned: true, create: `CREATE TEMP TABLE export_roles AS
		WITH ro AS (
			SELECT o.*, row_number() OVER (ORDER BY o.person_key, o.start_date, o.role_category, o.role, o.village_code, o.end_date) AS n
			FROM fact_role o CROSS JOIN export_param x
			WHERE o.start_date <= x.as_of
		),
		posted AS (
			SELECT ro.n, arg_max(p.county_code, strftime(p.start_date, '%Y-%m-%d') || p.village_code) AS county_code
			FROM ro JOIN fact_posting p ON p.person_key = ro.person_key AND p.start_date <= ro.start_date
			GROUP BY ro.n
		)
		SELECT r.research_id, coalesce(v.county_code, posted.county_code, f.county_code) AS county_code,
		       ro.role_category,
		       strftime(ro.start_date, '%Y-%m') AS start_month,
		       CASE WHEN ro.end_date <= x.as_of THEN strftime(ro.end_date, '%Y-%m') END AS end_month,
		       row_number() OVER (ORDER BY r.research_id, ro.start_date, ro.role_category, ro.n) AS _o
		FROM ro
		CROSS JOIN export_param x
		JOIN export_rid r ON r.person_key = ro.person_key
		JOIN export_first f ON f.person_key = ro.person_key
		LEFT JOIN dim_village v ON v.village_code = ro.village_code
		LEFT JOIN posted ON posted.n = ro.n`},

	// An assessment's county: that of the latest posting begun by the end of
	// the assessment year (or by the release's day), else the first posting's.
	{name: "assessments", partitioned: true, create: `CREATE TEMP TABLE export_assessments AS
		WITH a AS (
			SELECT a.person_key, a.year AS assessment_year, a.grade
			FROM fact_assessment a CROSS JOIN export_param x
			WHERE a.year <= year(x.as_of)
		),
		posted AS (
			SELECT a.person_key, a.assessment_year,
			       arg_max(p.county_code, strftime(p.start_date, '%Y-%m-%d') || p.village_code) AS county_code
			FROM a CROSS JOIN export_param x
			JOIN fact_posting p ON p.person_key = a.person_key
			 AND p.start_date <= least(make_date(a.assessment_year, 12, 31), x.as_of)
			GROUP BY ALL
		)
		SELECT r.research_id, coalesce(posted.county_code, f.county_code) AS county_code,
		       a.assessment_year AS year, a.grade,
		       row_number() OVER (ORDER BY r.research_id, a.assessment_year, a.grade) AS _o
		FROM a
		JOIN export_rid r ON r.person_key = a.person_key
		JOIN export_first f ON f.person_key = a.person_key
		LEFT JOIN posted ON posted.person_key = a.person_key AND posted.assessment_year = a.assessment_year`},

	// exits(as_of): persons posted by the day and in post nowhere on it; the
	// last posting is the one ending last (ties: highest village code).
	{name: "exits", partitioned: true, create: `CREATE TEMP TABLE export_exits AS
		WITH per AS (
			SELECT p.person_key, min(p.start_date) AS entry, max(p.end_date) AS last_end,
			       bool_or(p.end_date IS NULL OR p.end_date > x.as_of) AS in_post,
			       arg_max(p.end_reason, strftime(p.end_date, '%Y-%m-%d') || p.village_code) AS end_reason,
			       arg_max(p.county_code, strftime(p.end_date, '%Y-%m-%d') || p.village_code) AS county_code
			FROM fact_posting p CROSS JOIN export_param x
			WHERE p.start_date <= x.as_of
			GROUP BY p.person_key
		)
		SELECT r.research_id, per.county_code,
		       strftime(per.last_end, '%Y-%m') AS exit_month,
		       coalesce(per.end_reason, 'unspecified') AS end_reason,
		       CAST(date_sub('month', per.entry, per.last_end) AS INTEGER) AS months_in_post,
		       row_number() OVER (ORDER BY r.research_id) AS _o
		FROM per JOIN export_rid r ON r.person_key = per.person_key
		WHERE NOT per.in_post`},

	{name: "counties", partitioned: false, create: `CREATE TEMP TABLE export_counties AS
		SELECT county_code, county_name, region, row_number() OVER (ORDER BY county_code) AS _o
		FROM dim_county`},

	{name: "villages", partitioned: false, create: `CREATE TEMP TABLE export_villages AS
		SELECT v.village_code, v.village_name, v.village_kind, v.urban_rural_code,
		       v.township_code, t.township_name, v.county_code,
		       strftime(v.established_on, '%Y-%m') AS established_month,
		       strftime(v.dissolved_on, '%Y-%m') AS dissolved_month,
		       row_number() OVER (ORDER BY v.village_code) AS _o
		FROM dim_village v LEFT JOIN dim_township t ON t.township_code = v.township_code`},

	// One row per village and month from the month of the first posting to
	// the release's month, measured on the month's last day (on the
	// release's day for its own month), with the coverage() definitions.
	// At national scale this is tens of millions of rows, so it is written
	// straight from its query (no temporary table), in (month, village)
	// order with integer keys: di numbers the months, vi the villages in
	// village_code order. A posting covers the months from that of its start
	// up to, not including, that of its end (a posting ending on the last
	// day of a month is out of post on it); graduates are counted once per
	// village and month even when a person's postings there overlap.
	{name: "coverage_monthly", direct: true, create: `WITH base AS (
			SELECT date_trunc('month', (SELECT min(p.start_date) FROM fact_posting p WHERE p.start_date <= x.as_of)) AS m0, x.as_of
			FROM export_param x
		),
		months AS (SELECT unnest(generate_series(m0, date_trunc('month', as_of), INTERVAL 1 MONTH)) AS m, m0, as_of FROM base),
		days AS (
			SELECT strftime(m, '%Y-%m') AS month, CAST(least(last_day(m), as_of) AS DATE) AS day,
			       CAST(date_diff('month', m0, m) AS INTEGER) AS di
			FROM months
		),
		nd AS (SELECT CAST(count(*) AS INTEGER) AS n FROM days),
		vs AS (SELECT *, CAST(row_number() OVER (ORDER BY village_code) AS INTEGER) AS vi FROM dim_village),
		ranges AS (
			SELECT v.vi, p.person_key,
			       CAST(date_diff('month', b.m0, date_trunc('month', p.start_date)) AS INTEGER) AS a,
			       CASE WHEN p.end_date IS NULL OR p.end_date > b.as_of THEN (SELECT n FROM nd)
			            ELSE CAST(date_diff('month', b.m0, date_trunc('month', p.end_date)) AS INTEGER) END AS e
			FROM fact_posting p CROSS JOIN base b JOIN vs v ON v.village_code = p.village_code
			WHERE p.start_date <= b.as_of
		),
		r AS (SELECT *, count(*) OVER (PARTITION BY vi, person_key) AS k FROM ranges WHERE e > a),
		cells AS (
			SELECT vi, di, count(*) AS g FROM (SELECT vi, unnest(range(a, e)) AS di FROM r WHERE k = 1) GROUP BY ALL
			UNION ALL
			SELECT vi, di, count(*) FROM (SELECT DISTINCT vi, person_key, unnest(range(a, e)) AS di FROM r WHERE k > 1) GROUP BY ALL
		),
		inpost AS (SELECT vi, di, sum(g) AS graduates FROM cells GROUP BY ALL)
		SELECT d.month, d.day AS measured_on, v.village_code, v.county_code,
		       (v.established_on IS NULL OR v.established_on <= d.day) AND (v.dissolved_on IS NULL OR v.dissolved_on > d.day) AS in_universe,
		       coalesce(i.graduates, 0) > 0 AS covered,
		       CAST(coalesce(i.graduates, 0) AS BIGINT) AS graduates_in_post
		FROM days d
		CROSS JOIN vs v
		LEFT JOIN inpost i ON i.di = d.di AND i.vi = v.vi
		ORDER BY d.di, v.vi`},

	{name: "quota", partitioned: false, create: `CREATE TEMP TABLE export_quota AS
		SELECT q.county_code, q.township_code, q.year, q.township_quota, q.county_pool,
		       row_number() OVER (ORDER BY q.county_code, q.year, q.township_code NULLS FIRST, q.township_quota, q.county_pool) AS _o
		FROM fact_quota q CROSS JOIN export_param x
		WHERE q.year <= year(x.as_of)`},
}

// exportTemps are the temporary tables ExportTables creates, dropped at the end.
func exportTemps() []string {
	t := []string{"export_param", "export_first", "export_rid", "export_persons_qi"}
	for _, e := range exportTables {
		t = append(t, "export_"+e.name)
	}
	return t
}

// safePartition is what a partition value may be: it becomes a folder name.
var safePartition = regexp.MustCompile(`^[0-9A-Za-z_-]+$`)

// ExportTables writes the release's Parquet files (zstd) into dir, which must
// exist, and says what it wrote. It reads the warehouse in one transaction on
// one connection; the temporary tables it builds are dropped before it
// returns. The files are the same, byte for byte, for the same warehouse
// content, day, k and research_ids.
func (w *Warehouse) ExportTables(ctx context.Context, dir string, opts ExportOptions) (res *Export, err error) {
	if opts.K < 2 {
		return nil, fmt.Errorf("%w: k = %d, want at least 2", ErrExport, opts.K)
	}
	if opts.ResearchID == nil {
		return nil, fmt.Errorf("%w: no research_id function", ErrExport)
	}
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a folder", ErrExport, dir)
	}
	conn, err := w.db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("warehouse: export: %w", err)
	}
	defer conn.Close()
	if opts.MemoryLimit != "" {
		restore := "RESET memory_limit"
		if w.memoryLimit != "" {
			restore = "SET memory_limit = " + quoteLiteral(w.memoryLimit)
		}
		if _, err := conn.ExecContext(ctx, "SET memory_limit = "+quoteLiteral(opts.MemoryLimit)); err != nil {
			return nil, fmt.Errorf("%w: memory_limit %q: %v", ErrExport, opts.MemoryLimit, err)
		}
		defer func() {
			if _, e := conn.ExecContext(context.WithoutCancel(ctx), restore); e != nil && err == nil {
				res, err = nil, fmt.Errorf("warehouse: export: %w", e)
			}
		}()
	}
	if _, err := conn.ExecContext(ctx, "BEGIN TRANSACTION"); err != nil {
		return nil, fmt.Errorf("warehouse: export: %w", err)
	}
	defer func() {
		// Nothing in the warehouse changes: the transaction only ever held
		// the temporary tables, which the rollback and the drops remove, so
		// the pooled connection goes back clean.
		bg := context.WithoutCancel(ctx)
		_, e := conn.ExecContext(bg, "ROLLBACK")
		var drop []string
		for _, t := range exportTemps() {
			drop = append(drop, "DROP TABLE IF EXISTS temp.main."+t)
		}
		_, e2 := conn.ExecContext(bg, strings.Join(drop, "; "))
		if err == nil {
			err = errors.Join(e, e2)
			if err != nil {
				res = nil
				err = fmt.Errorf("warehouse: export: %w", err)
			}
		}
	}()
	res, err = w.exportIn(ctx, conn, dir, opts)
	if err != nil {
		return nil, err
	}
	return res, nil
}

// exportIn does ExportTables' work inside its transaction.
func (w *Warehouse) exportIn(ctx context.Context, conn *sql.Conn, dir string, opts ExportOptions) (*Export, error) {
	var asOf any
	if !opts.AsOf.IsZero() {
		asOf = opts.AsOf.Format(time.DateOnly)
	}
	res := &Export{Suppressed: map[string]int64{}}
	for _, s := range []struct {
		what string
		sql  string
		args []any
	}{
		{"parameters", exportParamSQL, []any{asOf, opts.K}},
		{"first postings", exportFirstSQL, nil},
		{"research ids", exportRIDSQL, nil},
	} {
		if _, err := conn.ExecContext(ctx, s.sql, s.args...); err != nil {
			return nil, fmt.Errorf("warehouse: export %s: %w", s.what, err)
		}
	}
	if err := conn.QueryRowContext(ctx, "SELECT as_of FROM export_param").Scan(&res.AsOf); err != nil {
		return nil, fmt.Errorf("warehouse: export: %w", err)
	}
	n, err := stageResearchIDs(ctx, conn, opts.ResearchID)
	if err != nil {
		return nil, err
	}
	res.Persons = n
	if _, err := conn.ExecContext(ctx, exportPersonsQISQL); err != nil {
		return nil, fmt.Errorf("warehouse: export persons: %w", err)
	}
	counts := make([]int64, len(QuasiIdentifiers))
	ptrs := make([]any, len(counts))
	for i := range counts {
		ptrs[i] = &counts[i]
	}
	if err := conn.QueryRowContext(ctx, exportSuppressedSQL).Scan(ptrs...); err != nil {
		return nil, fmt.Errorf("warehouse: export suppression: %w", err)
	}
	for i, c := range QuasiIdentifiers {
		res.Suppressed[c] = counts[i]
	}
	for _, t := range exportTables {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := time.Now()
		if !t.direct {
			if _, err := conn.ExecContext(ctx, t.create); err != nil {
				return nil, fmt.Errorf("warehouse: export %s: %w", t.name, err)
			}
		}
		built := time.Since(start)
		tab, files, err := writeExportTable(ctx, conn, dir, t)
		if err != nil {
			return nil, fmt.Errorf("warehouse: export %s: %w", t.name, err)
		}
		w.log.Info("export table", "table", t.name, "rows", tab.Rows, "files", len(files),
			"build", built.Round(time.Millisecond), "write", (time.Since(start) - built).Round(time.Millisecond))
		res.Tables = append(res.Tables, tab)
		res.Files = append(res.Files, files...)
	}
	return res, nil
}

// stageResearchIDs computes the research_id of every person in export_first
// and appends the pairs to export_rid. It refuses a function that maps two
// persons to one id or returns a person_key.
func stageResearchIDs(ctx context.Context, conn *sql.Conn, rid func(string) string) (int64, error) {
	var keys []string
	rows, err := conn.QueryContext(ctx, "SELECT person_key FROM export_first ORDER BY person_key")
	if err != nil {
		return 0, fmt.Errorf("warehouse: export research ids: %w", err)
	}
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			rows.Close()
			return 0, fmt.Errorf("warehouse: export research ids: %w", err)
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, fmt.Errorf("warehouse: export research ids: %w", err)
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
			return 0, fmt.Errorf("%w: empty research_id", ErrExport)
		case isKey[id]:
			return 0, fmt.Errorf("%w: a research_id equals a person_key", ErrExport)
		case seen[id]:
			return 0, fmt.Errorf("%w: two persons share a research_id", ErrExport)
		}
		seen[id], ids[i] = true, id
	}
	err = conn.Raw(func(dc any) error {
		app, err := duckdb.NewAppender(dc.(driver.Conn), "temp", "main", "export_rid")
		if err != nil {
			return err
		}
		for i, k := range keys {
			if err := app.AppendRow(k, ids[i]); err != nil {
				app.Close()
				return err
			}
		}
		return app.Close()
	})
	if err != nil {
		return 0, fmt.Errorf("warehouse: export research ids: %w", err)
	}
	return int64(len(keys)), nil
}

// parquetOptions are the COPY options of every file.
const parquetOptions = "(FORMAT parquet, COMPRESSION zstd)"

// writeExportTable writes one built table: one file, or one file per
// county_code partition, and reads the column types back from the files.
func writeExportTable(ctx context.Context, conn *sql.Conn, dir string, t exportTable) (ExportTable, []ExportFile, error) {
	tab := ExportTable{Name: t.name}
	src := "export_" + t.name
	var files []ExportFile
	if !t.partitioned {
		rel := t.name + ".parquet"
		query := fmt.Sprintf("SELECT * EXCLUDE (_o) FROM %s ORDER BY _o", src)
		if t.direct {
			query = t.create
		}
		q := fmt.Sprintf("COPY (%s) TO %s %s", query, quoteLiteral(filepath.Join(dir, rel)), parquetOptions)
		var n int64
		if err := conn.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return tab, nil, err
		}
		files = append(files, ExportFile{Path: rel, Table: t.name, Rows: n})
		tab.Rows = n
		cols, err := describe(ctx, conn, fmt.Sprintf("read_parquet(%s)", quoteLiteral(filepath.Join(dir, rel))))
		tab.Columns = cols
		return tab, files, err
	}
	tab.PartitionBy = PartitionColumn
	type part struct {
		code string
		rows int64
	}
	var parts []part
	rows, err := conn.QueryContext(ctx, fmt.Sprintf("SELECT %s, count(*) FROM %s GROUP BY 1 ORDER BY 1", PartitionColumn, src))
	if err != nil {
		return tab, nil, err
	}
	for rows.Next() {
		var code sql.NullString
		var p part
		if err := rows.Scan(&code, &p.rows); err != nil {
			rows.Close()
			return tab, nil, err
		}
		if !code.Valid || !safePartition.MatchString(code.String) {
			rows.Close()
			return tab, nil, fmt.Errorf("%w: %s: a %s that cannot name a folder: %q", ErrExport, t.name, PartitionColumn, code.String)
		}
		p.code = code.String
		parts = append(parts, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tab, nil, err
	}
	if len(parts) > 0 {
		if err := copyPartitioned(ctx, conn, dir, t.name, src); err != nil {
			return tab, nil, err
		}
	}
	// Exactly the expected files, with the expected rows: one per partition.
	want := map[string]bool{}
	for _, p := range parts {
		rel := t.name + "/" + PartitionColumn + "=" + p.code + "/data_0.parquet"
		want[filepath.FromSlash(rel)] = true
		files = append(files, ExportFile{Path: rel, Table: t.name, Rows: p.rows})
		tab.Rows += p.rows
	}
	if len(parts) > 0 {
		var got []string
		err := filepath.WalkDir(filepath.Join(dir, t.name), func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() {
				rel, _ := filepath.Rel(dir, path)
				got = append(got, rel)
			}
			return err
		})
		if err != nil {
			return tab, nil, err
		}
		extra := 0
		for _, g := range got {
			if !want[g] {
				extra++
			}
		}
		if extra > 0 || len(got) != len(want) {
			return tab, nil, fmt.Errorf("%s: %d files written, %d expected (%d unexpected)", t.name, len(got), len(want), extra)
		}
		// Rows per file, read back from the Parquet footers.
		q := fmt.Sprintf("SELECT count(*) FILTER (WHERE n <> c) FROM (SELECT %s, count(*) AS n FROM read_parquet(%s, hive_partitioning = true, hive_types = {'%s': VARCHAR}) GROUP BY 1) f JOIN (SELECT %s, count(*) AS c FROM %s GROUP BY 1) s USING (%s)",
			PartitionColumn, quoteLiteral(filepath.Join(dir, t.name, "*", "*.parquet")), PartitionColumn, PartitionColumn, src, PartitionColumn)
		var bad int64
		if err := conn.QueryRowContext(ctx, q).Scan(&bad); err != nil {
			return tab, nil, err
		}
		if bad > 0 {
			return tab, nil, fmt.Errorf("%s: %d partitions with other row counts than expected", t.name, bad)
		}
	}
	// The types a reader sees: from the files when there are any (with
	// county_code read as text, as the README tells readers to), else from
	// the built table in the same column order.
	var from string
	if len(parts) > 0 {
		from = fmt.Sprintf("read_parquet(%s, hive_partitioning = true, hive_types = {'%s': VARCHAR})",
			quoteLiteral(filepath.Join(dir, t.name, "*", "*.parquet")), PartitionColumn)
	} else {
		from = fmt.Sprintf("(SELECT * EXCLUDE (%s, _o), %s FROM %s)", PartitionColumn, PartitionColumn, src)
	}
	tab.Columns, err = describe(ctx, conn, from)
	return tab, files, err
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
func copyPartitioned(ctx context.Context, conn *sql.Conn, dir, name, src string) (err error) {
	var threads int64
	if err := conn.QueryRowContext(ctx, "SELECT current_setting('threads')").Scan(&threads); err != nil {
		return err
	}
	if _, err := conn.ExecContext(ctx, "SET threads = 1"); err != nil {
		return err
	}
	defer func() {
		_, e := conn.ExecContext(context.WithoutCancel(ctx), fmt.Sprintf("SET threads = %d", threads))
		err = errors.Join(err, e)
	}()
	q := fmt.Sprintf("COPY (SELECT * EXCLUDE (_o) FROM %s ORDER BY %s, _o) TO %s (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (%s), FILENAME_PATTERN 'data_{i}')",
		src, PartitionColumn, quoteLiteral(filepath.Join(dir, name)), PartitionColumn)
	_, err = conn.ExecContext(ctx, q)
	return err
}

// describe returns the columns of SELECT * FROM from.
func describe(ctx context.Context, conn *sql.Conn, from string) ([]ExportColumn, error) {
	rows, err := conn.QueryContext(ctx, "DESCRIBE SELECT * FROM "+from)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	names, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var cols []ExportColumn
	for rows.Next() {
		vals := make([]any, len(names))
		ptrs := make([]any, len(names))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		// column_name, column_type, null, key, default, extra
		cols = append(cols, ExportColumn{Name: fmt.Sprint(vals[0]), Type: fmt.Sprint(vals[1])})
	}
	return cols, rows.Err()
}
