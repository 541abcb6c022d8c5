package export

// De-identification: the SQL that cuts the release's tables from the
// warehouse. The rules it follows (docs/design.md, the release; the
// README of every release says the same to researchers):
//
//   - persons appear only under a research_id, the HMAC computed in Go
//     (DuckDB has none) and staged into a temporary table;
//   - birth years become 5-year bands and dates become months;
//   - no name, ID number, phone, person_key, university, major, political
//     status, mentor or free text (role titles) is selected;
//   - a person-level row carries no village or township code (with one
//     graduate per village, the village would name the person);
//   - the quasi-identifiers (gender, birth_band, degree, entry_year) of
//     persons whose (county_code, gender, birth_band, degree, entry_year)
//     group has fewer than k members are set to null.
//
// Every table is built as a temporary table with an ordering column _o (a
// total order, so that the files are reproducible byte for byte) and, for
// per-person tables, county_code, the Hive partition. The temporary tables
// live on one held connection inside one transaction, so that every table
// is cut from the same state of the warehouse (see tables.go).

// quasiIdentifiers are the persons columns nulled for persons in groups of
// fewer than k; county_code completes the group key but stays (it is the
// partition).
var quasiIdentifiers = []string{"gender", "birth_band", "degree", "entry_year"}

// partitionColumn is the Hive partition column of the per-person tables.
const partitionColumn = "county_code"

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

// exportTemps are the temporary tables writeTables creates, dropped at the end.
func exportTemps() []string {
	t := []string{"export_param", "export_first", "export_rid", "export_persons_qi"}
	for _, e := range exportTables {
		t = append(t, "export_"+e.name)
	}
	return t
}
