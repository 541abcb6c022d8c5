package export

// De-identification: the SQL that cuts the release's tables from the
// warehouse. The disclosure model it answers, and why each rule is there,
// is docs/privacy.md; in short (the README of every release says the same
// to researchers):
//
//   - persons appear only under a research_id, the HMAC computed in Go
//     (DuckDB has none) and staged into a temporary table;
//   - no name, ID number, phone, person_key, university, major, political
//     status, mentor or free text (role titles) is selected;
//   - a person-level row carries no village or township code, and no
//     calendar date finer than the person's entry period: postings and
//     roles say only whether they had ended by the release day, durations
//     are released in survival_spells, which carries no research_id, and
//     assessments only as counts per county, year and grade;
//   - coverage is released per county and month, never per village, so no
//     join of the release places a posting in fewer villages than its
//     county has; a posting's village kind and urban/rural class are
//     withheld in a county where one of their cells in the public village
//     list has fewer than k villages;
//   - the quasi-identifiers of a person are county_code, gender,
//     birth_band, degree, channel, entry_period and whether the person had
//     left by the release day. Each county gets the lowest recoding level
//     (wider birth bands, merged degrees and channels, two-year entry
//     periods, then birth band, gender, degree, channel and entry
//     period withheld) at which at most
//     maxSuppressedPct percent of its persons are in groups of fewer than
//     k (if none, the level suppressing fewest); the quasi-identifiers of the persons still in such groups are set
//     to null, in persons and in the channel of their postings;
//   - complementary suppression: a suppressed person still shows the
//     county and whether the person had left, so where fewer than k
//     suppressed persons share those, further persons of the same county
//     and exited value are suppressed until they are k; and since
//     survival_spells gives the entry periods of a county's persons in
//     post as a multiset, where the suppressed persons in post all share
//     one period, one more person in post of another period is
//     suppressed; the level choice counts them too.
//
// Every table is built as a temporary table with an ordering column _o (a
// total order, so that the files are reproducible byte for byte) and, for
// per-person tables, county_code, the Hive partition. The temporary tables
// live on one held connection inside one transaction, so that every table
// is cut from the same state of the warehouse (see tables.go).

// quasiIdentifiers are the persons columns nulled for persons in groups of
// fewer than k after recoding; county_code and exited complete the group
// key but stay (county_code is the partition; leaving is visible in exits).
var quasiIdentifiers = []string{"gender", "birth_band", "degree", "entry_period", "channel"}

// groupKey is the whole k-anonymity group key, as the manifest lists it.
var groupKey = []string{"county_code", "gender", "birth_band", "degree", "entry_period", "channel", "exited"}

// maxSuppressedPct is the share of a county's persons, in percent, that
// suppression may take at a recoding level before the county moves to the
// next, coarser level.
const maxSuppressedPct = 10

// recodingLevels is the number of recoding levels (0 = no recoding).
const recodingLevels = 9

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

// The temporary tables. export_param holds the day, k, the suppression
// bound and the number of recoding levels tried; export_first each person's first posting begun by that day (the
// person_first() macro's rule: earliest start_date, ties by the lowest
// village code) with whether the person was in post nowhere on the day;
// export_rid the research_ids staged from Go.
const (
	exportParamSQL = `CREATE TEMP TABLE export_param AS
		SELECT as_date(CAST(? AS DATE)) AS as_of, CAST(? AS INTEGER) AS k, CAST(? AS INTEGER) AS max_pct, CAST(? AS INTEGER) AS levels`
	exportFirstSQL = `CREATE TEMP TABLE export_first AS
		WITH per AS (
			SELECT p.person_key, min(p.start_date) AS entry, max(p.end_date) AS last_end,
			       bool_or(p.end_date IS NULL OR p.end_date > x.as_of) AS in_post
			FROM fact_posting p CROSS JOIN export_param x
			WHERE p.start_date <= x.as_of
			GROUP BY p.person_key
		)
		SELECT p.person_key, p.start_date AS entry, p.county_code, p.channel,
		       NOT per.in_post AS exited, per.last_end
		FROM fact_posting p
		JOIN per ON per.person_key = p.person_key
		WHERE p.start_date <= (SELECT as_of FROM export_param)
		QUALIFY row_number() OVER (PARTITION BY p.person_key ORDER BY p.start_date, p.village_code) = 1`
	exportRIDSQL = `CREATE TEMP TABLE export_rid (person_key VARCHAR NOT NULL, research_id VARCHAR NOT NULL)`
	// export_persons_qi holds every person's quasi-identifiers at every
	// recoding level, with the size of the person's group at that level.
	// Level 0: 5-year birth bands, the degree, the channel, the entry year.
	// Level 1: 10-year birth bands, degree master/doctorate merged into
	// postgraduate. Level 2: channel special_intro or other. Level 3: entry
	// in two-year periods (2019-2020, 2021-2022, …). Level 4: birth band
	// withheld. Level 5: gender withheld. Level 6: degree withheld. Level 7:
	// channel withheld. Level 8: entry period withheld (the key is then the
	// county and having left only).
	exportPersonsQISQL = `CREATE TEMP TABLE export_persons_qi AS
		WITH base AS (
			SELECT r.research_id, f.person_key, f.county_code, f.exited, d.gender, d.birth_year, d.degree, f.channel,
			       CAST(year(f.entry) AS INTEGER) AS y
			FROM export_first f
			JOIN export_rid r ON r.person_key = f.person_key
			LEFT JOIN dim_person d ON d.person_key = f.person_key
		),
		rec AS (
			SELECT b.research_id, b.person_key, b.county_code, b.exited, CAST(l.level AS INTEGER) AS level,
			       CASE WHEN l.level < 5 THEN b.gender END AS gender,
			       CASE WHEN b.birth_year IS NULL OR l.level >= 4 THEN NULL
			            WHEN l.level = 0 THEN CAST(b.birth_year // 5 * 5 AS VARCHAR) || '-' || CAST(b.birth_year // 5 * 5 + 4 AS VARCHAR)
			            ELSE CAST(b.birth_year // 10 * 10 AS VARCHAR) || '-' || CAST(b.birth_year // 10 * 10 + 9 AS VARCHAR) END AS birth_band,
			       CASE WHEN l.level >= 6 THEN NULL
			            WHEN l.level >= 1 AND b.degree IN ('master', 'doctorate') THEN 'postgraduate' ELSE b.degree END AS degree,
			       CASE WHEN l.level >= 8 THEN NULL
			            WHEN l.level < 3 THEN CAST(b.y AS VARCHAR)
			            ELSE CAST((b.y - 1) // 2 * 2 + 1 AS VARCHAR) || '-' || CAST((b.y - 1) // 2 * 2 + 2 AS VARCHAR) END AS entry_period,
			       CASE WHEN l.level >= 7 THEN NULL
			            WHEN l.level >= 2 AND b.channel <> 'special_intro' THEN 'other' ELSE b.channel END AS channel
			FROM base b CROSS JOIN (SELECT unnest(range(0, levels)) AS level FROM export_param) l
		)
		SELECT *, count(*) OVER (PARTITION BY level, county_code, gender, birth_band, degree, entry_period, channel, exited) AS group_size
		FROM rec`
	// export_persons_s says, for every person at every recoding level,
	// whether the person is suppressed there. First suppression: the
	// persons in groups under k. Complementary suppression: a suppressed
	// person still shows the county and whether the person had left, so
	// where the suppressed persons of a county and exited value number
	// 1 to k-1 (need = k minus that many short of k), one group of the
	// same county and exited value gives persons to theirs: need persons
	// from the smallest group that keeps at least k (its remaining members
	// stay k-anonymous), or, if no group is that large, the whole smallest
	// group (at least k persons, so at most 2k-2 with the need). Ties among
	// groups by their values, among a group's persons (identical on every
	// released quasi-identifier) by person_key: the choice depends on the
	// data only, never on the export secret or the order of rows.
	exportPersonsCSQL = `CREATE TEMP TABLE export_persons_c AS
		WITH p AS (
			SELECT q.*, q.group_size < x.k AS s1,
			       dense_rank() OVER (PARTITION BY q.level, q.county_code, q.exited
			                          ORDER BY q.gender NULLS FIRST, q.birth_band NULLS FIRST, q.degree NULLS FIRST,
			                                   q.entry_period NULLS FIRST, q.channel NULLS FIRST) AS g
			FROM export_persons_qi q CROSS JOIN export_param x
		),
		need AS (
			SELECT p.level, p.county_code, p.exited, any_value(x.k) - count(*) AS need
			FROM p CROSS JOIN export_param x
			WHERE p.s1
			GROUP BY p.level, p.county_code, p.exited
			HAVING count(*) < any_value(x.k)
		),
		donor AS (
			SELECT p.level, p.county_code, p.exited, p.g,
			       CASE WHEN any_value(p.group_size) >= any_value(x.k) + any_value(n.need) THEN any_value(n.need)
			            ELSE any_value(p.group_size) END AS take,
			       row_number() OVER (PARTITION BY p.level, p.county_code, p.exited
			                          ORDER BY any_value(p.group_size) < any_value(x.k) + any_value(n.need), any_value(p.group_size), p.g) AS pick
			FROM p CROSS JOIN export_param x
			JOIN need n ON n.level = p.level AND n.county_code = p.county_code AND n.exited = p.exited
			WHERE NOT p.s1
			GROUP BY p.level, p.county_code, p.exited, p.g
		),
		ranked AS (
			SELECT p.*, row_number() OVER (PARTITION BY p.level, p.county_code, p.exited, p.g ORDER BY p.person_key) AS m
			FROM p
		)
		SELECT r.* EXCLUDE (s1, g, m), r.s1 OR coalesce(r.m <= d.take, false) AS s, NOT r.s1 AND coalesce(r.m <= d.take, false) AS s2
		FROM ranked r
		LEFT JOIN donor d ON d.pick = 1 AND d.level = r.level AND d.county_code = r.county_code AND d.exited = r.exited AND d.g = r.g`
	// export_persons_s adds complementary suppression on the entry period.
	// survival_spells gives, per county, the months in post of the persons
	// still in post, hence how many entered in each entry period; taking
	// away the persons in post whose entry_period is shown leaves the
	// periods of the suppressed persons in post. Where those (at least one)
	// all share one period, that period would be theirs; so one more person
	// in post of the same county, of another period, is suppressed: from the
	// smallest group of another period that keeps at least k persons
	// without him (ties by the group's values, then person_key), or, if no
	// group is that large, the whole smallest group of another period (ties
	// by its values). The suppressed persons in post then span two periods
	// at least; their number only grows, so complementary suppression by
	// having left still holds.
	exportPersonsSSQL = `CREATE TEMP TABLE export_persons_s AS
		WITH one AS (
			SELECT level, county_code, min(entry_period) AS period
			FROM export_persons_c
			WHERE s AND NOT exited
			GROUP BY level, county_code
			HAVING count(DISTINCT entry_period) = 1
		),
		grp AS (
			SELECT c.*, count(*) FILTER (WHERE NOT c.s) OVER (PARTITION BY c.level, c.county_code, c.gender, c.birth_band, c.degree,
			                                                   c.entry_period, c.channel, c.exited) AS kept
			FROM export_persons_c c
		),
		pick AS (
			SELECT g.level, g.county_code, g.person_key, g.gender, g.birth_band, g.degree, g.entry_period, g.channel, g.kept > x.k AS one_only
			FROM grp g CROSS JOIN export_param x
			JOIN one o ON o.level = g.level AND o.county_code = g.county_code
			WHERE NOT g.s AND NOT g.exited AND g.entry_period IS NOT NULL AND g.entry_period <> o.period
			QUALIFY row_number() OVER (PARTITION BY g.level, g.county_code
			                           ORDER BY g.kept <= x.k, g.kept, g.gender NULLS FIRST, g.birth_band NULLS FIRST, g.degree NULLS FIRST,
			                                    g.entry_period, g.channel NULLS FIRST, g.person_key) = 1
		),
		take AS (
			SELECT g.level, g.person_key
			FROM grp g JOIN pick p ON p.level = g.level AND p.county_code = g.county_code
			WHERE NOT g.s AND (CASE WHEN p.one_only THEN g.person_key = p.person_key
			                        ELSE NOT g.exited AND g.gender IS NOT DISTINCT FROM p.gender AND g.birth_band IS NOT DISTINCT FROM p.birth_band
			                             AND g.degree IS NOT DISTINCT FROM p.degree AND g.entry_period = p.entry_period
			                             AND g.channel IS NOT DISTINCT FROM p.channel END)
		)
		SELECT c.* EXCLUDE (s, s2), c.s OR t.person_key IS NOT NULL AS s, c.s2 OR t.person_key IS NOT NULL AS s2
		FROM export_persons_c c
		LEFT JOIN take t ON t.level = c.level AND t.person_key = c.person_key`
	// export_level is each county's recoding level. A developed county takes
	// the lowest level at which at most max_pct percent of its persons are
	// suppressed (first and complementary suppression together), else the one
	// suppressing fewest (the lowest of those). A remote county must also
	// stay at or under the share the developed counties end up with, pooled
	// (the programme is about the remote counties: they must not be the least
	// analysable), so it recodes further where it needs to. export_qi holds
	// every person's quasi-identifiers at the county's level, s true for a
	// suppressed person, s2 for one suppressed by complementary suppression
	// only.
	exportLevelSQL = `CREATE TEMP TABLE export_level AS
		WITH s AS (
			SELECT q.county_code, coalesce(c.region, '') AS region, q.level,
			       count(*) AS persons, count(*) FILTER (WHERE q.s) AS suppressed
			FROM export_persons_s q
			LEFT JOIN dim_county c ON c.county_code = q.county_code
			GROUP BY ALL
		),
		dev AS (
			SELECT s.county_code, coalesce(min(s.level) FILTER (WHERE s.suppressed * 100 <= s.persons * x.max_pct),
			                              arg_min(s.level, s.suppressed * 100 + s.level)) AS level
			FROM s CROSS JOIN export_param x
			WHERE s.region <> 'remote'
			GROUP BY s.county_code
		),
		d AS (
			SELECT coalesce(sum(s.suppressed), 0) AS sup, coalesce(sum(s.persons), 0) AS per
			FROM s JOIN dev USING (county_code, level)
		),
		remote AS (
			SELECT s.county_code, coalesce(min(s.level) FILTER (WHERE s.suppressed * 100 <= s.persons * x.max_pct
			                                                    AND (d.per = 0 OR s.suppressed * d.per <= s.persons * d.sup)),
			                              arg_min(s.level, s.suppressed * 100 + s.level)) AS level
			FROM s CROSS JOIN export_param x CROSS JOIN d
			WHERE s.region = 'remote'
			GROUP BY s.county_code
		),
		chosen AS (SELECT * FROM dev UNION ALL SELECT * FROM remote)
		SELECT c.county_code, c.level,
		       (SELECT any_value(s.persons) FROM s WHERE s.county_code = c.county_code) AS persons,
		       (SELECT sum(s.suppressed) FROM s WHERE s.county_code = c.county_code AND s.level = 0) AS suppressed_level0
		FROM chosen c`
	exportQISQL = `CREATE TEMP TABLE export_qi AS
		SELECT q.*
		FROM export_persons_s q
		JOIN export_level l ON l.county_code = q.county_code AND l.level = q.level`
	exportSuppressedSQL = `SELECT count(gender), count(birth_band), count(degree), count(entry_period), count(channel)
		FROM export_qi WHERE s`
	// export_vshow says per county whether postings show the village kind
	// and the urban/rural class: only when every cell of what is shown
	// holds at least k villages of the public village list, so that a
	// posting's cell, and the withheld value, leave at least k villages.
	exportVShowSQL = `CREATE TEMP TABLE export_vshow AS
		WITH v AS (
			SELECT county_code, village_kind,
			       CASE WHEN urban_rural_code LIKE '1%' THEN 'urban' WHEN urban_rural_code LIKE '2%' THEN 'rural' END AS urban_rural
			FROM dim_village
		),
		both_ AS (SELECT county_code, min(n) AS n FROM (SELECT county_code, village_kind, urban_rural, count(*) AS n FROM v GROUP BY ALL) GROUP BY 1),
		kind AS (SELECT county_code, min(n) AS n FROM (SELECT county_code, village_kind, count(*) AS n FROM v GROUP BY ALL) GROUP BY 1),
		ur AS (SELECT county_code, min(n) AS n FROM (SELECT county_code, urban_rural, count(*) AS n FROM v GROUP BY ALL) GROUP BY 1)
		SELECT b.county_code,
		       kind.n >= x.k AS show_kind,
		       ur.n >= x.k AND (b.n >= x.k OR kind.n < x.k) AS show_ur
		FROM both_ b JOIN kind USING (county_code) JOIN ur USING (county_code) CROSS JOIN export_param x`
)

// exportTables are the release's tables, in release order.
var exportTables = []exportTable{
	{name: "persons", partitioned: true, create: `CREATE TEMP TABLE export_persons AS
		SELECT research_id, county_code,
		       CASE WHEN NOT s THEN gender END AS gender,
		       CASE WHEN NOT s THEN birth_band END AS birth_band,
		       CASE WHEN NOT s THEN degree END AS degree,
		       CASE WHEN NOT s THEN entry_period END AS entry_period,
		       CASE WHEN NOT s THEN channel END AS channel,
		       level AS recoding_level, s AS qi_suppressed,
		       row_number() OVER (ORDER BY research_id) AS _o
		FROM export_qi`},

	// A posting's channel is recoded as the person's (and nulled with it);
	// no dates: a posting says only whether it had ended by the release day.
	{name: "postings", partitioned: true, create: `CREATE TEMP TABLE export_postings AS
		SELECT r.research_id, p.county_code,
		       CASE WHEN sh.show_kind THEN v.village_kind END AS village_kind,
		       CASE WHEN sh.show_ur AND v.urban_rural_code LIKE '1%' THEN 'urban'
		            WHEN sh.show_ur AND v.urban_rural_code LIKE '2%' THEN 'rural' END AS urban_rural,
		       CASE WHEN q.s OR q.level >= 7 THEN NULL WHEN q.level >= 2 AND p.channel <> 'special_intro' THEN 'other' ELSE p.channel END AS channel,
		       p.selection_round, p.quota_source,
		       CAST(row_number() OVER (PARTITION BY p.person_key ORDER BY p.start_date, p.village_code) AS INTEGER) AS posting_no,
		       coalesce(p.end_date <= x.as_of, false) AS ended,
		       CASE WHEN p.end_date <= x.as_of THEN p.end_reason END AS end_reason,
		       row_number() OVER (ORDER BY r.research_id, p.start_date, p.village_code) AS _o
		FROM fact_posting p
		CROSS JOIN export_param x
		JOIN export_rid r ON r.person_key = p.person_key
		JOIN export_qi q ON q.person_key = p.person_key
		LEFT JOIN dim_village v ON v.village_code = p.village_code
		LEFT JOIN export_vshow sh ON sh.county_code = v.county_code
		WHERE p.start_date <= x.as_of`},

	// A role's county: its village's; for a township role, that of the
	// latest posting begun by the role's start (ties: highest village code);
	// else that of the first posting. No dates: whether it had ended.
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
		       coalesce(ro.end_date <= x.as_of, false) AS ended,
		       row_number() OVER (ORDER BY r.research_id, ro.start_date, ro.role_category, ro.n) AS _o
		FROM ro
		CROSS JOIN export_param x
		JOIN export_rid r ON r.person_key = ro.person_key
		JOIN export_first f ON f.person_key = ro.person_key
		LEFT JOIN dim_village v ON v.village_code = ro.village_code
		LEFT JOIN posted ON posted.n = ro.n`},

	// Assessments as counts per county, year and grade, without research_id
	// (a person's assessment years would give away the entry and leaving
	// years). An assessment's county: that of the latest posting begun by
	// the end of the assessment year (or by the release's day), else the
	// first posting's. Only persons of the release are counted.
	{name: "assessments", partitioned: false, create: `CREATE TEMP TABLE export_assessments AS
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
		SELECT *, row_number() OVER (ORDER BY county_code, year, grade) AS _o
		FROM (
			SELECT coalesce(posted.county_code, f.county_code) AS county_code,
			       a.assessment_year AS year, a.grade, count(*) AS persons
			FROM a
			JOIN export_first f ON f.person_key = a.person_key
			LEFT JOIN posted ON posted.person_key = a.person_key AND posted.assessment_year = a.assessment_year
			GROUP BY ALL
		)`},

	// exits(as_of): persons posted by the day and in post nowhere on it; the
	// last posting is the one ending last (ties: highest village code), and
	// its reason counts, unspecified when blank (made non-NULL before arg_max,
	// which skips NULLs and would take an earlier posting's reason). No month
	// and no duration: those are in survival_spells.
	{name: "exits", partitioned: true, create: `CREATE TEMP TABLE export_exits AS
		WITH per AS (
			SELECT p.person_key,
			       bool_or(p.end_date IS NULL OR p.end_date > x.as_of) AS in_post,
			       arg_max(coalesce(nullif(trim(p.end_reason), ''), 'unspecified'), strftime(p.end_date, '%Y-%m-%d') || p.village_code) AS end_reason,
			       arg_max(p.county_code, strftime(p.end_date, '%Y-%m-%d') || p.village_code) AS county_code
			FROM fact_posting p CROSS JOIN export_param x
			WHERE p.start_date <= x.as_of
			GROUP BY p.person_key
		)
		SELECT r.research_id, per.county_code,
		       per.end_reason,
		       row_number() OVER (ORDER BY r.research_id) AS _o
		FROM per JOIN export_rid r ON r.person_key = per.person_key
		WHERE NOT per.in_post`},

	// One row per person, without research_id: the county of the first
	// posting, the completed months from entry to leaving the programme
	// (the last posting's end) or, for persons still in post, to the
	// release day, and whether the person had left. Ordered by its own
	// values, so the row order says nothing either.
	{name: "survival_spells", partitioned: false, create: `CREATE TEMP TABLE export_survival_spells AS
		SELECT *, row_number() OVER (ORDER BY county_code, months_in_post, exited) AS _o
		FROM (
			SELECT f.county_code,
			       CAST(date_sub('month', f.entry, CASE WHEN f.exited THEN f.last_end ELSE x.as_of END) AS INTEGER) AS months_in_post,
			       f.exited
			FROM export_first f CROSS JOIN export_param x
		)`},

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

	// One row per county and month from the month of the first posting to
	// the release's month, measured on the month's last day (on the
	// release's day for its own month), with the coverage() definitions:
	// villages in the universe, those of them with a graduate in post, and
	// graduates in post. Per county, not per village: a village's monthly
	// count changes by one exactly when a posting starts or ends, which
	// would place that posting in its village. Written straight from its
	// query in (month, county) order; di numbers the months, vi the
	// villages. A posting covers the months from that of its start up to,
	// not including, that of its end (a posting ending on the last day of a
	// month is out of post on it); graduates are counted once per village
	// and month even when a person's postings there overlap.
	// The counts are running sums of +1/-1 events per county and month
	// (a village entering or leaving the universe, an island of a village's
	// overlapping postings starting or ending within it, a person's island
	// in a village), never a row per village and month: those were 58 M
	// rows nationally, whose join and grouping took 1.5 GB (the same rows,
	// checked at three days on the national city).
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
			SELECT v.vi, v.county_code, p.person_key,
			       CAST(date_diff('month', b.m0, date_trunc('month', p.start_date)) AS INTEGER) AS a,
			       CASE WHEN p.end_date IS NULL OR p.end_date > b.as_of THEN (SELECT n FROM nd)
			            ELSE CAST(date_diff('month', b.m0, date_trunc('month', p.end_date)) AS INTEGER) END AS e
			FROM fact_posting p CROSS JOIN base b JOIN vs v ON v.village_code = p.village_code
			WHERE p.start_date <= b.as_of
		),
		-- A village is in the universe over the months [ua, ub): from the
		-- first month whose measuring day is on or after established_on, to
		-- the first whose day is on or after dissolved_on.
		universe AS (
			SELECT v.vi, v.county_code,
			       CASE WHEN v.established_on IS NULL THEN 0
			            WHEN v.established_on > b.as_of THEN (SELECT n FROM nd)
			            ELSE greatest(0, CAST(date_diff('month', b.m0, date_trunc('month', v.established_on)) AS INTEGER)) END AS ua,
			       CASE WHEN v.dissolved_on IS NULL OR v.dissolved_on > b.as_of THEN (SELECT n FROM nd)
			            ELSE greatest(0, CAST(date_diff('month', b.m0, date_trunc('month', v.dissolved_on)) AS INTEGER)) END AS ub
			FROM vs v CROSS JOIN base b
		),
		-- The months a village has someone in post, as islands of
		-- overlapping postings; the months a person is in post in a
		-- village, likewise (a person counted once however their postings
		-- there overlap).
		vr AS (SELECT vi, county_code, a, e, max(e) OVER (PARTITION BY vi ORDER BY a, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev FROM ranges WHERE e > a),
		vislands AS (
			SELECT vi, any_value(county_code) AS county_code, min(a) AS a, max(e) AS e
			FROM (SELECT *, sum(CASE WHEN prev IS NULL OR a > prev THEN 1 ELSE 0 END) OVER (PARTITION BY vi ORDER BY a, e ROWS UNBOUNDED PRECEDING) AS island FROM vr)
			GROUP BY vi, island
		),
		pr AS (SELECT vi, county_code, person_key, a, e, max(e) OVER (PARTITION BY vi, person_key ORDER BY a, e ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev FROM ranges WHERE e > a),
		pislands AS (
			SELECT any_value(county_code) AS county_code, min(a) AS a, max(e) AS e
			FROM (SELECT *, sum(CASE WHEN prev IS NULL OR a > prev THEN 1 ELSE 0 END) OVER (PARTITION BY vi, person_key ORDER BY a, e ROWS UNBOUNDED PRECEDING) AS island FROM pr)
			GROUP BY vi, person_key, island
		),
		-- +1 / -1 per county and month: villages entering and leaving the
		-- universe, covered villages of the universe, graduates in post.
		events AS (
			SELECT county_code, ua AS di, 1 AS dv, 0 AS dc, 0 AS dg FROM universe WHERE ub > ua
			UNION ALL SELECT county_code, ub, -1, 0, 0 FROM universe WHERE ub > ua
			UNION ALL SELECT i.county_code, greatest(i.a, u.ua), 0, 1, 0 FROM vislands i JOIN universe u USING (vi) WHERE least(i.e, u.ub) > greatest(i.a, u.ua)
			UNION ALL SELECT i.county_code, least(i.e, u.ub), 0, -1, 0 FROM vislands i JOIN universe u USING (vi) WHERE least(i.e, u.ub) > greatest(i.a, u.ua)
			UNION ALL SELECT county_code, a, 0, 0, 1 FROM pislands
			UNION ALL SELECT county_code, e, 0, 0, -1 FROM pislands
		),
		steps AS (SELECT county_code, di, sum(dv) AS dv, sum(dc) AS dc, sum(dg) AS dg FROM events GROUP BY ALL),
		grid AS (
			SELECT d.di, d.month, d.day, c.county_code, coalesce(s.dv, 0) AS dv, coalesce(s.dc, 0) AS dc, coalesce(s.dg, 0) AS dg
			FROM days d CROSS JOIN (SELECT DISTINCT county_code FROM dim_village) c
			LEFT JOIN steps s ON s.county_code = c.county_code AND s.di = d.di
		)
		SELECT month, day AS measured_on, county_code,
		       CAST(sum(dv) OVER w AS BIGINT) AS villages_in_universe,
		       CAST(sum(dc) OVER w AS BIGINT) AS villages_covered,
		       CAST(sum(dg) OVER w AS BIGINT) AS graduates_in_post
		FROM grid
		WINDOW w AS (PARTITION BY county_code ORDER BY di ROWS UNBOUNDED PRECEDING)
		ORDER BY di, county_code`},

	{name: "quota", partitioned: false, create: `CREATE TEMP TABLE export_quota AS
		SELECT q.county_code, q.township_code, q.year, q.township_quota, q.county_pool,
		       row_number() OVER (ORDER BY q.county_code, q.year, q.township_code NULLS FIRST, q.township_quota, q.county_pool) AS _o
		FROM fact_quota q CROSS JOIN export_param x
		WHERE q.year <= year(x.as_of)`},
}

// exportTemps are the temporary tables writeTables creates, dropped at the end.
func exportTemps() []string {
	t := []string{"export_param", "export_first", "export_rid", "export_persons_qi", "export_persons_c", "export_persons_s", "export_level", "export_qi", "export_vshow", "export_risk"}
	for _, e := range exportTables {
		t = append(t, "export_"+e.name)
	}
	return t
}
