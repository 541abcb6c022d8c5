-- 007_fast_coverage.sql: coverage, region_balance and retention again, with
-- the same definitions and the same output, computed with fewer passes; and
-- coverage_at(days), coverage at many days in one pass, with month_ends().
--
-- At national scale (618,200 villages, 1.07M postings) coverage took 1.1 s,
-- region_balance 1.4 s (it computed every level of coverage and retention to
-- keep two rows) and a 10-year monthly coverage trend 120 × 1.1 s.

-- coverage(as_of): one grouping-sets aggregate for villages and covered, one
-- for graduates. A graduate with a single (posting, village) pair in post is
-- counted with count(*); only the few with several are counted DISTINCT.
-- Villages are grouped by (level, code, name, region) and graduates by
-- (level, code), as before: a township whose villages lie in counties of both
-- regions has two rows, each with the graduates of the whole township.

CREATE OR REPLACE MACRO coverage(as_of := NULL) AS TABLE
    WITH u AS (
        SELECT v.*,
               CASE WHEN v.urban_rural_code LIKE '1%' THEN 'urban' WHEN v.urban_rural_code LIKE '2%' THEN 'rural' END AS ur
        FROM villages_on(as_of) v
    ),
    ip AS (
        SELECT u.region, u.county_code, u.township_code, u.village_kind, u.ur, p.village_code, p.person_key
        FROM postings_on(as_of) p JOIN u ON u.village_code = p.village_code
    ),
    multi AS (SELECT person_key FROM ip GROUP BY person_key HAVING count(*) > 1),
    vg AS (
        SELECT CASE GROUPING(region, county_code, township_code, village_kind, ur)
                   WHEN 31 THEN 1 WHEN 15 THEN 2 WHEN 7 THEN 3 WHEN 11 THEN 4 WHEN 29 THEN 5 ELSE 6 END AS o,
               region, county_code, county_name, township_code, township_name, village_kind, ur,
               count(*) AS villages,
               count(*) FILTER (WHERE village_code IN (SELECT village_code FROM ip)) AS covered
        FROM u
        GROUP BY GROUPING SETS ((), (region), (county_code, county_name, region),
                                (township_code, township_name, region), (village_kind), (ur))
        HAVING count(*) > 0
    ),
    gg AS (
        SELECT CASE GROUPING(region, county_code, township_code, village_kind, ur)
                   WHEN 31 THEN 1 WHEN 15 THEN 2 WHEN 23 THEN 3 WHEN 27 THEN 4 WHEN 29 THEN 5 ELSE 6 END AS o,
               CASE WHEN GROUPING(region, county_code, township_code, village_kind, ur) = 31 THEN city_setting('city_code')
                    ELSE coalesce(region, county_code, township_code, village_kind, ur) END AS code,
               count(*) FILTER (WHERE NOT m) + count(DISTINCT person_key) FILTER (WHERE m) AS graduates
        FROM (SELECT *, person_key IN (SELECT person_key FROM multi) AS m FROM ip)
        GROUP BY GROUPING SETS ((), (region), (county_code), (township_code), (village_kind), (ur))
    ),
    v AS (
        SELECT o,
               CASE o WHEN 1 THEN 'city' WHEN 2 THEN 'region' WHEN 3 THEN 'county' WHEN 4 THEN 'township'
                      WHEN 5 THEN 'village_kind' ELSE 'urban_rural' END AS level,
               CASE o WHEN 1 THEN city_setting('city_code') WHEN 2 THEN region WHEN 3 THEN county_code
                      WHEN 4 THEN township_code WHEN 5 THEN village_kind ELSE ur END AS code,
               CASE o WHEN 1 THEN city_setting('city_name')
                      WHEN 2 THEN CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END
                      WHEN 3 THEN county_name
                      WHEN 4 THEN township_name
                      WHEN 5 THEN CASE village_kind WHEN 'village' THEN '村（村委会）' WHEN 'community' THEN '社区（居委会）' END
                      ELSE CASE ur WHEN 'urban' THEN '城镇' WHEN 'rural' THEN '乡村' END END AS name,
               CASE WHEN o BETWEEN 2 AND 4 THEN region END AS region,
               villages, covered
        FROM vg
    )
    SELECT v.level, v.code, v.name, v.region, v.villages, v.covered,
           v.covered / v.villages AS coverage_rate,
           coalesce(g.graduates, 0) AS graduates_in_post
    FROM v
    LEFT JOIN gg g ON g.o = v.o AND g.code IS NOT DISTINCT FROM v.code
    ORDER BY v.o, v.code NULLS LAST, v.name, v.region;

COMMENT ON MACRO TABLE coverage IS
    '覆盖率：as_of 日（缺省为城市今天）村（社区）范围内，有至少一名研究生在岗的村（社区）数 covered、范围内村（社区）数 villages、覆盖率 coverage_rate = covered / villages、在岗研究生人数 graduates_in_post（去重）；level 为 city 全市、region 区域（remote 偏远 / developed 发达）、county 县区、township 乡镇（街道）、village_kind 村或社区（village/community）、urban_rural 城乡（urban 城乡分类代码 1xx / rural 2xx） / coverage on as_of (default: today in the city''s time zone): villages of the universe, covered = villages with at least one graduate in post, coverage_rate = covered / villages, graduates_in_post = distinct graduates in post there; level is city, region (code remote/developed), county, township, village_kind (code village/community) or urban_rural (code urban for urban-rural classes 1xx, rural for 2xx)';

-- region_balance(as_of): the region rows of coverage(as_of) and of
-- retention(as_of, 12), computed for the regions alone.

CREATE OR REPLACE MACRO region_balance(as_of := NULL) AS TABLE
    WITH u AS (SELECT village_code, region FROM villages_on(as_of)),
    ip AS (
        SELECT u.region, p.village_code, p.person_key
        FROM postings_on(as_of) p JOIN u ON u.village_code = p.village_code
    ),
    gr AS (SELECT region, count(DISTINCT person_key) AS graduates FROM ip GROUP BY region),
    cov AS (
        SELECT u.region AS code, count(*) AS villages, count(*) FILTER (WHERE u.covered) AS covered,
               count(*) FILTER (WHERE u.covered) / count(*) AS coverage_rate,
               coalesce(any_value(gr.graduates), 0) AS graduates_in_post
        FROM (SELECT region, village_code IN (SELECT village_code FROM ip) AS covered FROM u) u
        LEFT JOIN gr ON gr.region = u.region
        GROUP BY u.region
    ),
    -- person_first()'s entry and region, from one aggregate instead of a
    -- window: the region of the first posting (lowest village code on ties).
    cohort AS (
        SELECT f.person_key, f.region, CAST(f.entry + to_months(12) AS DATE) AS mark
        FROM (
            SELECT p.person_key, min(p.start_date) AS entry,
                   arg_min(c.region, struct_pack(s := p.start_date, v := p.village_code)) AS region
            FROM fact_posting p JOIN dim_county c ON c.county_code = p.county_code
            GROUP BY p.person_key
        ) f
        WHERE CAST(f.entry + to_months(12) AS DATE) <= as_date(as_of)
    ),
    -- In post anywhere on the mark. 'infinity' stands for an open end: later
    -- than every mark; a plain comparison keeps this a hash join.
    kept AS (
        SELECT c.region, count(*) AS retained
        FROM cohort c
        SEMI JOIN fact_posting p ON p.person_key = c.person_key
            AND p.start_date <= c.mark AND coalesce(p.end_date, DATE 'infinity') > c.mark
        GROUP BY c.region
    ),
    ret AS (
        SELECT c.region AS code, coalesce(any_value(k.retained), 0) / count(*) AS retention_rate
        FROM cohort c LEFT JOIN kept k ON k.region = c.region
        GROUP BY c.region
    ),
    r AS (
        SELECT g.region,
               CAST(coalesce(cov.villages, 0) AS DOUBLE) AS villages,
               CAST(coalesce(cov.covered, 0) AS DOUBLE) AS covered,
               cov.coverage_rate,
               CAST(coalesce(cov.graduates_in_post, 0) AS DOUBLE) AS graduates_in_post,
               cov.graduates_in_post * 100.0 / nullif(cov.villages, 0) AS per_100_villages,
               ret.retention_rate AS retention_12m
        FROM (VALUES ('remote', 1), ('developed', 2)) g(region, o)
        LEFT JOIN cov ON cov.code = g.region
        LEFT JOIN ret ON ret.code = g.region
    )
    SELECT region, villages, covered, coverage_rate, graduates_in_post, per_100_villages, retention_12m
    FROM (
        SELECT *, CASE region WHEN 'remote' THEN 1 ELSE 2 END AS o FROM r
        UNION ALL
        SELECT 'remote_to_developed',
               rem.villages / nullif(dev.villages, 0),
               rem.covered / nullif(dev.covered, 0),
               rem.coverage_rate / nullif(dev.coverage_rate, 0),
               rem.graduates_in_post / nullif(dev.graduates_in_post, 0),
               rem.per_100_villages / nullif(dev.per_100_villages, 0),
               rem.retention_12m / nullif(dev.retention_12m, 0),
               3
        FROM r rem, r dev WHERE rem.region = 'remote' AND dev.region = 'developed'
    )
    ORDER BY o;

COMMENT ON MACRO TABLE region_balance IS
    '偏远与发达地区均衡：remote 偏远、developed 发达各一行：村（社区）数、覆盖数、覆盖率、在岗研究生数、每百村在岗人数 per_100_villages、12 个月留任率 retention_12m（同 coverage 与 retention(as_of, 12) 的 region 行）；另有 remote_to_developed 一行，为各指标偏远 ÷ 发达（发达为 0 时为空） / balance between remote and developed areas on as_of: one row each for remote and developed (villages, covered, coverage_rate, graduates_in_post, per_100_villages = graduates per 100 villages, retention_12m; as in the region rows of coverage and retention(as_of, 12)), and a row remote_to_developed holding remote ÷ developed for every measure (null where developed is 0)';

-- retention(as_of, months): one grouping-sets aggregate instead of five
-- copies of the cohort, and a semi join for "in post on the mark".

CREATE OR REPLACE MACRO retention(as_of := NULL, months := 12) AS TABLE
    WITH cohort AS (
        SELECT f.person_key, f.entry, f.county_code, f.county_name, f.region, f.channel,
               CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) AS mark
        FROM person_first() f
        WHERE CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) <= as_date(as_of)
    ),
    kept AS (
        SELECT c.person_key
        FROM cohort c
        SEMI JOIN fact_posting p ON p.person_key = c.person_key
            AND p.start_date <= c.mark AND coalesce(p.end_date, DATE 'infinity') > c.mark
    ),
    g AS (
        SELECT CASE GROUPING(region, county_code, channel, entry_year)
                   WHEN 15 THEN 1 WHEN 7 THEN 2 WHEN 11 THEN 3 WHEN 13 THEN 4 ELSE 5 END AS o,
               region, county_code, county_name, channel, entry_year,
               count(*) AS cohort, count(*) FILTER (WHERE retained) AS retained
        FROM (
            SELECT c.*, year(c.entry) AS entry_year, c.person_key IN (SELECT person_key FROM kept) AS retained
            FROM cohort c
        )
        GROUP BY GROUPING SETS ((), (region), (county_code, county_name), (channel), (entry_year))
        HAVING count(*) > 0
    ),
    l AS (
        SELECT o,
               CASE o WHEN 1 THEN 'city' WHEN 2 THEN 'region' WHEN 3 THEN 'county' WHEN 4 THEN 'channel' ELSE 'entry_year' END AS level,
               CASE o WHEN 1 THEN city_setting('city_code') WHEN 2 THEN region WHEN 3 THEN county_code
                      WHEN 4 THEN channel ELSE CAST(entry_year AS VARCHAR) END AS code,
               CASE o WHEN 1 THEN city_setting('city_name')
                      WHEN 2 THEN CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END
                      WHEN 3 THEN county_name
                      WHEN 4 THEN CASE channel WHEN 'special_intro' THEN '专项引进' WHEN 'open_recruit' THEN '公开招聘' WHEN 'replenish' THEN '动态增补' END
                      ELSE CAST(entry_year AS VARCHAR) || '年' END AS name,
               cohort, retained
        FROM g
    )
    SELECT level, code, name, cohort, retained, retained / cohort AS retention_rate
    FROM l
    ORDER BY o, code, name;

COMMENT ON MACRO TABLE retention IS
    '留任率：每人入职日期 = 最早到岗日期；队列 cohort = 入职日期加 months 个月（缺省 12）不晚于 as_of 的人数；留任 retained = 其中在入职满 months 个月当日仍在岗（任一村）者；retention_rate = retained / cohort；level 为 city、region 和 county（按首个岗位）、channel（首个岗位的招录方式）、entry_year 入职年份 / retention: per person, entry = first start_date; cohort = persons whose entry + months (default 12) <= as_of; retained = those in post anywhere on entry + months; retention_rate = retained / cohort; level is city, region and county (of the first posting), channel (of the first posting) or entry_year';

-- month_ends(first_day, last_day): the last day of every month from
-- first_day's month to last_day's, for coverage_at.

CREATE OR REPLACE MACRO month_ends(first_day, last_day) AS
    list_transform(
        generate_series(date_trunc('month', CAST(first_day AS DATE)), date_trunc('month', CAST(last_day AS DATE)),
                        INTERVAL 1 MONTH),
        m -> last_day(m));

COMMENT ON MACRO month_ends IS
    '月末日期列表：从 first_day 所在月到 last_day 所在月每月的最后一天（DATE[]；first_day 晚于 last_day 所在月时为空列表），供 coverage_at 使用 / the last day of every month from first_day''s month to last_day''s month as a DATE[] (empty when first_day''s month is after last_day''s), e.g. for coverage_at(month_ends(''2013-01-01'', ''2022-11-30''))';

-- coverage_at(days): coverage(d) for every distinct non-null d of the list,
-- in one pass over the data instead of one per day.
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

CREATE OR REPLACE MACRO coverage_at(days) AS TABLE
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
                SELECT established_on AS x FROM dim_village UNION ALL SELECT dissolved_on FROM dim_village
                UNION ALL SELECT start_date FROM fact_posting UNION ALL SELECT end_date FROM fact_posting
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
            FROM dim_village v
            JOIN dim_county c ON c.county_code = v.county_code
            LEFT JOIN dim_township t ON t.township_code = v.township_code
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
            SELECT DISTINCT 2, g2, g2, region,
                   CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END, region
            FROM gl
            UNION ALL
            SELECT DISTINCT 3, g3, c3, county_code, county_name, region FROM gl
            UNION ALL
            SELECT DISTINCT 4, g4, c4, township_code, township_name, region FROM gl
            UNION ALL
            SELECT DISTINCT 5, g5, g5, village_kind,
                   CASE village_kind WHEN 'village' THEN '村（村委会）' WHEN 'community' THEN '社区（居委会）' END, NULL
            FROM gl
            UNION ALL
            SELECT DISTINCT 6, g6, g6, ur, CASE ur WHEN 'urban' THEN '城镇' WHEN 'rural' THEN '乡村' END, NULL FROM gl
        )
    ),
    -- Postings with their span in post, clipped to each universe row of
    -- their village.
    pr AS (
        SELECT p.person_key, p.village_code, a.c AS lo, coalesce(b.c, nd.n) AS hi
        FROM fact_posting p
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
    -- Graduates of codes with several groups, per code.
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
    '多日覆盖率：对日期列表 days（DATE[]，如 month_ends(''2013-01-01'', ''2022-11-30'')）中每个不同的非空日期 d，给出与 coverage(d) 完全相同的行，前加一列 as_of = d；按 as_of、再按 coverage 的顺序排列；一次扫描数据，用于覆盖率趋势 / coverage at many days: for every distinct non-null day d of the list days (a DATE[], e.g. month_ends(''2013-01-01'', ''2022-11-30'')), the rows of coverage(d) preceded by a column as_of = d, ordered by as_of and then as coverage orders them; one pass over the data, for coverage trends';
