-- coverage_at.sql: coverage at many days in one pass, and month_ends()
-- to list the days of a monthly trend.

-- month_ends(first_day, last_day): a DATE[] of the last day of every month
-- from first_day's month to last_day's (empty when first_day's month is
-- after last_day's).
CREATE OR REPLACE MACRO month_ends(first_day, last_day) AS
    list_transform(
        generate_series(date_trunc('month', CAST(first_day AS DATE)), date_trunc('month', CAST(last_day AS DATE)),
                        INTERVAL 1 MONTH),
        m -> last_day(m));

COMMENT ON MACRO month_ends IS
    '月末日期列表：从 first_day 所在月到 last_day 所在月每月的最后一天（DATE[]；first_day 晚于 last_day 所在月时为空列表），供 coverage_at 使用 / the last day of every month from first_day''s month to last_day''s month as a DATE[] (empty when first_day''s month is after last_day''s), e.g. for coverage_at(month_ends(''2013-01-01'', ''2022-11-30''))';

-- coverage_at(days): for every distinct non-null day d of the list days (a
-- DATE[]), the rows of coverage(d) preceded by a column as_of = d, ordered
-- by as_of and then as coverage orders them:
--   as_of              DATE     the day
--   level … graduates_in_post   the columns of coverage(), see coverage.sql
-- It reads the data once instead of once per day.
--
-- The days are numbered 0 … n-1 in date order. A span of dates [x, y) then
-- holds the days numbered from (days before x) up to (days before y): every
-- universe row (a village with its county and township) gets its span of
-- days [lo, hi), and every posting its span in post [lo, hi) clipped to the
-- row's. A row is covered on the days of the union of its clipped postings;
-- where those do not overlap (nearly always) each posting is a +1 on its
-- first day and a -1 on its end, and a running sum per group and day gives
-- covered; the rows whose postings overlap are merged into islands first.
-- Graduates likewise: each clipped posting of a person whose clipped
-- postings never overlap is a +1/-1; the rare persons whose do are expanded
-- day by day and counted DISTINCT. Villages: rows in the universe on every
-- day are counted once per cell (one attribute combination), the others are
-- +1/-1 too. Events are summed per cell and day, then per group and day with
-- integer group ids, and the running sums are spread over the days up to the
-- group's next event. As in coverage, graduates of a county or township are
-- counted per code: where a code has several (name, region) rows, its
-- graduates are summed per code and given to each of them.
CREATE OR REPLACE MACRO coverage_at(days, vintage := NULL) AS TABLE
    WITH ds AS MATERIALIZED (
        SELECT d, CAST(row_number() OVER (ORDER BY d) - 1 AS INTEGER) AS i
        FROM (SELECT DISTINCT unnest(CAST(days AS DATE[])) AS d)
        WHERE d IS NOT NULL
    ),
    nd AS MATERIALIZED (SELECT CAST(count(*) AS INTEGER) AS n, list(d ORDER BY d) AS dl FROM ds),
    -- Every date in the data, with the number of days of the list before it.
    dm AS MATERIALIZED (
        SELECT x, coalesce(ds.i, nd.n) AS c
        FROM (
            SELECT DISTINCT x FROM (
                SELECT established_on AS x FROM dim_village_vintage(vintage) UNION ALL SELECT dissolved_on FROM dim_village_vintage(vintage)
                UNION ALL SELECT start_date FROM fact_posting_vintage(vintage) UNION ALL SELECT end_date FROM fact_posting_vintage(vintage)
            ) WHERE x IS NOT NULL
        ) CROSS JOIN nd
        ASOF LEFT JOIN ds ON x <= ds.d
    ),
    -- Universe rows as villages_on() joins them, with their span of days.
    rw AS MATERIALIZED (
        SELECT row_number() OVER () AS rid, *
        FROM (
            SELECT v.village_code, v.village_kind,
                   CASE WHEN v.urban_rural_code LIKE '1%' THEN 'urban' WHEN v.urban_rural_code LIKE '2%' THEN 'rural' END AS ur,
                   v.township_code, t.township_name, v.county_code, c.county_name, c.region,
                   coalesce(a.c, 0) AS lo, coalesce(b.c, nd.n) AS hi
            FROM dim_village_vintage(vintage) v
            JOIN dim_county_vintage(vintage) c ON c.county_code = v.county_code
            LEFT JOIN dim_township_vintage(vintage) t ON t.township_code = v.township_code
            CROSS JOIN nd
            LEFT JOIN dm a ON a.x = v.established_on
            LEFT JOIN dm b ON b.x = v.dissolved_on
        )
        WHERE lo < hi
    ),
    -- Cells: the distinct attribute combinations, with their rows and the
    -- number of those in the universe on every day.
    cl AS MATERIALIZED (
        SELECT row_number() OVER () AS cell, *
        FROM (
            SELECT region, county_code, county_name, township_code, township_name, village_kind, ur,
                   list(rid) AS rids, count(*) FILTER (WHERE lo = 0 AND hi = (SELECT n FROM nd)) AS fixed
            FROM rw
            GROUP BY ALL
        )
    ),
    rc AS MATERIALIZED (SELECT cell, unnest(rids) AS rid FROM cl),
    -- Group ids of each cell: g2 … g6 for the villages of each level, c3 and
    -- c4 for the county and township codes; m3 and m4 mark codes that have
    -- several (name, region) groups.
    gl AS MATERIALIZED (
        SELECT *,
               min(g3) OVER (PARTITION BY c3) <> max(g3) OVER (PARTITION BY c3) AS m3,
               min(g4) OVER (PARTITION BY c4) <> max(g4) OVER (PARTITION BY c4) AS m4
        FROM (
            SELECT cell, region, county_code, county_name, township_code, township_name, village_kind, ur,
                   dense_rank() OVER (ORDER BY region) AS g2,
                   dense_rank() OVER (ORDER BY county_code, county_name, region) AS g3,
                   dense_rank() OVER (ORDER BY county_code) AS c3,
                   dense_rank() OVER (ORDER BY township_code, township_name, region) AS g4,
                   dense_rank() OVER (ORDER BY township_code) AS c4,
                   dense_rank() OVER (ORDER BY village_kind) AS g5,
                   dense_rank() OVER (ORDER BY ur) AS g6
            FROM cl
        )
    ),
    -- The output groups: level order o, group id, code id, names, and the
    -- order of coverage().
    grp AS MATERIALIZED (
        SELECT o, gid, cid, code, name, region,
               row_number() OVER (ORDER BY o, code NULLS LAST, name, region) AS ord
        FROM (
            SELECT DISTINCT 1 AS o, 0 AS gid, 0 AS cid, city_setting('city_code') AS code,
                   city_setting('city_name') AS name, NULL::VARCHAR AS region
            FROM gl
            UNION ALL
            SELECT DISTINCT 2, g2, g2, region, label('region', region), region
            FROM gl
            UNION ALL
            SELECT DISTINCT 3, g3, c3, county_code, county_name, region FROM gl
            UNION ALL
            SELECT DISTINCT 4, g4, c4, township_code, township_name, region FROM gl
            UNION ALL
            SELECT DISTINCT 5, g5, g5, village_kind, label('village_kind', village_kind), NULL
            FROM gl
            UNION ALL
            SELECT DISTINCT 6, g6, g6, ur, label('urban_rural', ur), NULL FROM gl
        )
    ),
    -- Postings with their span in post, clipped to each universe row of
    -- their village.
    pr AS (
        SELECT p.person_key, p.village_code, a.c AS lo, coalesce(b.c, nd.n) AS hi
        FROM fact_posting_vintage(vintage) p
        CROSS JOIN nd
        JOIN dm a ON a.x = p.start_date
        LEFT JOIN dm b ON b.x = p.end_date
    ),
    tr AS MATERIALIZED (
        SELECT r.rid, p.person_key, greatest(p.lo, r.lo) AS lo, least(p.hi, r.hi) AS hi
        FROM pr p JOIN rw r ON r.village_code = p.village_code
        WHERE greatest(p.lo, r.lo) < least(p.hi, r.hi)
    ),
    -- Rows with overlapping postings, and their islands of covered days.
    rover AS (
        SELECT DISTINCT rid
        FROM (SELECT rid, lo < lag(hi) OVER (PARTITION BY rid ORDER BY lo, hi) AS ov FROM tr)
        WHERE ov
    ),
    islands AS (
        SELECT rid, min(lo) AS lo, max(hi) AS hi
        FROM (
            SELECT rid, lo, hi, sum(CASE WHEN s THEN 1 ELSE 0 END) OVER (PARTITION BY rid ORDER BY lo RANGE UNBOUNDED PRECEDING) AS k
            FROM (
                SELECT rid, lo, hi,
                       coalesce(lo > max(hi) OVER (PARTITION BY rid ORDER BY lo RANGE BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING),
                                true) AS s
                FROM tr
                WHERE rid IN (SELECT rid FROM rover)
            )
        )
        GROUP BY rid, k
    ),
    -- Persons whose clipped postings overlap.
    pover AS (
        SELECT DISTINCT person_key
        FROM (SELECT person_key, lo < lag(hi) OVER (PARTITION BY person_key ORDER BY lo, hi) AS ov FROM tr)
        WHERE ov
    ),
    trf AS (
        SELECT rid, lo, hi,
               CASE WHEN rid IN (SELECT rid FROM rover) THEN 0 ELSE 1 END AS dc,
               CASE WHEN person_key IN (SELECT person_key FROM pover) THEN 0 ELSE 1 END AS dg
        FROM tr
    ),
    -- +1/-1 events per row and day: dv villages, dc covered, dg graduates.
    ev AS (
        SELECT rid, lo AS i, 1 AS dv, 0 AS dc, 0 AS dg FROM rw, nd WHERE lo > 0 OR hi < n
        UNION ALL SELECT rid, hi, -1, 0, 0 FROM rw, nd WHERE hi < n
        UNION ALL SELECT rid, lo, 0, 1, 0 FROM islands
        UNION ALL SELECT rid, hi, 0, -1, 0 FROM islands, nd WHERE hi < n
        UNION ALL SELECT rid, lo, 0, dc, dg FROM trf WHERE dc + dg > 0
        UNION ALL SELECT rid, hi, 0, -dc, -dg FROM trf, nd WHERE hi < n AND dc + dg > 0
    ),
    ec AS (
        SELECT cell, i, sum(dv) AS dv, sum(dc) AS dc, sum(dg) AS dg
        FROM (
            SELECT rc.cell, ev.i, ev.dv, ev.dc, ev.dg FROM ev JOIN rc USING (rid)
            UNION ALL
            SELECT cell, 0, fixed, 0, 0 FROM cl WHERE fixed > 0
        )
        GROUP BY cell, i
    ),
    -- Events per group and day. GROUPING(g2, g3, g4, g5, g6) has one bit
    -- per argument, 16 for g2 down to 1 for g6, set when that column is not
    -- in the row's grouping set:
    --   31 = 11111  ()    city          o = 1
    --   15 = 01111  (g2)  region        o = 2
    --   23 = 10111  (g3)  county        o = 3
    --   27 = 11011  (g4)  township      o = 4
    --   29 = 11101  (g5)  village_kind  o = 5
    --   30 = 11110  (g6)  urban_rural   o = 6 (ELSE)
    -- Graduates of the county (23) and township (27) groups whose code has
    -- several groups (m3, m4) are left out here and added per code by egm.
    eg AS (
        SELECT CASE GROUPING(g2, g3, g4, g5, g6)
                   WHEN 31 THEN 1 WHEN 15 THEN 2 WHEN 23 THEN 3 WHEN 27 THEN 4 WHEN 29 THEN 5 ELSE 6 END AS o,
               coalesce(g2, g3, g4, g5, g6, 0) AS gid, i,
               sum(dv) AS dv, sum(dc) AS dc,
               CASE GROUPING(g2, g3, g4, g5, g6)
                   WHEN 23 THEN coalesce(sum(dg) FILTER (WHERE NOT m3), 0)
                   WHEN 27 THEN coalesce(sum(dg) FILTER (WHERE NOT m4), 0)
                   ELSE sum(dg) END AS dg
        FROM ec JOIN gl USING (cell)
        GROUP BY i, GROUPING SETS ((), (g2), (g3), (g4), (g5), (g6))
    ),
    -- Graduates of codes with several groups, per code: GROUPING(c3) is 0
    -- in the (c3) grouping set (county codes, o = 3) and 1 in the (c4) set
    -- (township codes, o = 4).
    egm AS (
        SELECT CASE WHEN GROUPING(c3) = 0 THEN 3 ELSE 4 END AS o, coalesce(c3, c4) AS cid, i,
               CASE WHEN GROUPING(c3) = 0 THEN sum(dg) FILTER (WHERE m3) ELSE sum(dg) FILTER (WHERE m4) END AS dg
        FROM ec JOIN gl USING (cell)
        WHERE m3 OR m4
        GROUP BY i, GROUPING SETS ((c3), (c4))
    ),
    -- Persons with overlapping postings, day by day, counted DISTINCT per
    -- code and turned into events.
    gx AS (
        SELECT DISTINCT t.person_key, rc.cell, unnest(range(t.lo, t.hi)) AS i
        FROM tr t JOIN rc USING (rid)
        WHERE t.person_key IN (SELECT person_key FROM pover)
    ),
    -- GROUPING(g2, c3, c4, g5, g6) has the bits of eg (c3, c4 in place of
    -- g3, g4): 31 city, 15 region, 23 county (c3), 27 township (c4),
    -- 29 village_kind, 30 urban_rural (ELSE).
    gxe AS (
        SELECT o, cid, unnest([i, i + 1]) AS i, unnest([c, -c]) AS dg
        FROM (
            SELECT CASE GROUPING(g2, c3, c4, g5, g6)
                       WHEN 31 THEN 1 WHEN 15 THEN 2 WHEN 23 THEN 3 WHEN 27 THEN 4 WHEN 29 THEN 5 ELSE 6 END AS o,
                   coalesce(g2, c3, c4, g5, g6, 0) AS cid, i, count(DISTINCT person_key) AS c
            FROM gx JOIN gl USING (cell)
            GROUP BY i, GROUPING SETS ((), (g2), (c3), (c4), (g5), (g6))
        )
    ),
    allev AS (
        SELECT o, gid, i, dv, dc, dg FROM eg
        UNION ALL
        SELECT g.o, g.gid, e.i, 0, 0, e.dg
        FROM egm e JOIN grp g ON g.o = e.o AND g.cid = e.cid
        WHERE e.dg IS NOT NULL
        UNION ALL
        SELECT g.o, g.gid, e.i, 0, 0, e.dg
        FROM gxe e JOIN grp g ON g.o = e.o AND g.cid = e.cid
        WHERE e.i < (SELECT n FROM nd)
    ),
    -- Running sums per group; a group's figures hold until its next event.
    cum AS (
        SELECT o, gid, i,
               sum(dv) OVER w AS villages, sum(dc) OVER w AS covered, sum(dg) OVER w AS graduates,
               lead(i, 1, (SELECT n FROM nd)) OVER w AS next_i
        FROM allev
        WINDOW w AS (PARTITION BY o, gid ORDER BY i)
    ),
    grid AS (
        SELECT g.ord, g.o, g.code, g.name, g.region, unnest(range(x.i, x.next_i)) AS i,
               CAST(x.villages AS BIGINT) AS villages, CAST(x.covered AS BIGINT) AS covered,
               CAST(x.graduates AS BIGINT) AS graduates
        FROM cum x JOIN grp g ON g.o = x.o AND g.gid = x.gid
        WHERE x.villages > 0
    )
    SELECT nd.dl[x.i + 1] AS as_of,
           CASE x.o WHEN 1 THEN 'city' WHEN 2 THEN 'region' WHEN 3 THEN 'county' WHEN 4 THEN 'township'
                    WHEN 5 THEN 'village_kind' ELSE 'urban_rural' END AS level,
           x.code, x.name, x.region, x.villages, x.covered,
           x.covered / x.villages AS coverage_rate,
           x.graduates AS graduates_in_post
    FROM grid x, nd
    ORDER BY x.i, x.ord;

COMMENT ON MACRO TABLE coverage_at IS
    '多日覆盖率：对日期列表 days（DATE[]，如 month_ends(''2013-01-01'', ''2022-11-30'')）中每个不同的非空日期 d，给出与 coverage(d) 完全相同的行，前加一列 as_of = d；按 as_of、再按 coverage 的顺序排列；一次扫描数据，用于覆盖率趋势；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / coverage at many days: for every distinct non-null day d of the list days (a DATE[], e.g. month_ends(''2013-01-01'', ''2022-11-30'')), the rows of coverage(d) preceded by a column as_of = d, ordered by as_of and then as coverage orders them; one pass over the data, for coverage trends; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
