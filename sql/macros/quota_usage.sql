-- quota_usage.sql: quota_usage(year, as_of) and quota_usage_on(year, as_of),
-- quota against postings.
--
-- quota_usage_on(year, as_of): the quota of a year against the postings in
-- post on as_of. Both parameters are positional and may be NULL (the form a
-- DuckDB client before 1.4 calls by position): year NULL is as_of's year
-- (today's when both are NULL); as_of NULL is 31 December of the year or the
-- city's today, whichever is earlier. The monthly report calls it with the
-- period's year and last day, so that a past month never counts posts of a
-- later day. One row per group, ordered by level (city, county, township),
-- code:
--   level              VARCHAR  city, county or township
--   code, name         VARCHAR  the city's, county's or township's
--   township_quota     BIGINT   township quota (fact_quota.township_quota)
--   county_pool        BIGINT   county pool (fact_quota.county_pool); NULL
--                               for a township, the pool is held by the county
--   quota_total        BIGINT   township_quota + county_pool
--   posts_township     BIGINT   postings on the township quota
--   posts_county_pool  BIGINT   postings on the county pool
--   posts_total        BIGINT   posts_township + posts_county_pool
--   unfilled           BIGINT   quota_total - posts_total (for a township
--                               township_quota - posts_township)
--
-- quota_usage(year := NULL, as_of := NULL) is quota_usage_on(year, as_of),
-- the named form: the quota of a year (default: as_of's year, this year in
-- the city's time zone when as_of is NULL too) against the postings in post
-- on as_of (default: 31 December of the year, or today for the current
-- year). Both parameters have defaults, so a DuckDB client before 1.4 passes
-- them by name only: quota_usage(year := 2022, as_of := DATE '2022-07-21').

CREATE OR REPLACE MACRO quota_usage_on(year, as_of, vintage := NULL) AS TABLE
    WITH y AS (
        SELECT coalesce(CAST(year AS INTEGER), year(as_date(as_of))) AS y
    ),
    d AS (
        SELECT y.y, coalesce(CAST(as_of AS DATE), least(make_date(y.y, 12, 31), city_today())) AS day FROM y
    ),
    q AS (
        SELECT fq.county_code, fq.township_code, sum(fq.township_quota) AS tq, sum(fq.county_pool) AS cp
        FROM fact_quota_vintage(vintage) fq, d WHERE fq.year = d.y
        GROUP BY fq.county_code, fq.township_code
    ),
    posts AS (
        SELECT p.county_code, p.township_code,
               count(*) FILTER (WHERE p.quota_source = 'township') AS pt,
               count(*) FILTER (WHERE p.quota_source = 'county_pool') AS pc
        FROM fact_posting_vintage(vintage) p, d
        WHERE p.start_date <= d.day AND (p.end_date IS NULL OR p.end_date > d.day)
        GROUP BY p.county_code, p.township_code
    ),
    county AS (
        SELECT c.county_code, c.county_name,
               coalesce((SELECT sum(q.tq) FROM q WHERE q.county_code = c.county_code), 0) AS township_quota,
               coalesce((SELECT sum(q.cp) FROM q WHERE q.county_code = c.county_code), 0) AS county_pool,
               coalesce((SELECT sum(ps.pt) FROM posts ps WHERE ps.county_code = c.county_code), 0) AS posts_township,
               coalesce((SELECT sum(ps.pc) FROM posts ps WHERE ps.county_code = c.county_code), 0) AS posts_county_pool
        FROM dim_county_vintage(vintage) c
    ),
    township AS (
        SELECT t.township_code, t.township_name,
               coalesce((SELECT sum(q.tq) FROM q WHERE q.township_code = t.township_code), 0) AS township_quota,
               coalesce((SELECT sum(ps.pt) FROM posts ps WHERE ps.township_code = t.township_code), 0) AS posts_township,
               coalesce((SELECT sum(ps.pc) FROM posts ps WHERE ps.township_code = t.township_code), 0) AS posts_county_pool
        FROM dim_township_vintage(vintage) t
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               sum(township_quota) AS township_quota, sum(county_pool) AS county_pool,
               sum(posts_township) AS posts_township, sum(posts_county_pool) AS posts_county_pool
        FROM county
        UNION ALL
        SELECT 2, 'county', county_code, county_name, township_quota, county_pool, posts_township, posts_county_pool FROM county
        UNION ALL
        SELECT 3, 'township', township_code, township_name, township_quota, NULL, posts_township, posts_county_pool FROM township
    )
    SELECT level, code, name,
           CAST(township_quota AS BIGINT) AS township_quota,
           CAST(county_pool AS BIGINT) AS county_pool,
           CAST(township_quota + coalesce(county_pool, 0) AS BIGINT) AS quota_total,
           CAST(posts_township AS BIGINT) AS posts_township,
           CAST(posts_county_pool AS BIGINT) AS posts_county_pool,
           CAST(posts_township + posts_county_pool AS BIGINT) AS posts_total,
           CAST(CASE WHEN level = 'township' THEN township_quota - posts_township
                     ELSE township_quota + county_pool - posts_township - posts_county_pool END AS BIGINT) AS unfilled
    FROM levels
    ORDER BY o, code;

COMMENT ON MACRO TABLE quota_usage_on IS
    '某日的编制使用：year 年的乡镇编制数 township_quota 与县级周转池调剂数 county_pool，合计 quota_total；在岗人数为 as_of 日在岗的派驻记录，按编制来源分为 posts_township、posts_county_pool，合计 posts_total；unfilled = quota_total − posts_total（乡镇一级为 township_quota − posts_township）；year 为空取 as_of 所在年，as_of 为空取该年 12 月 31 日与城市今天中较早者；level 为 city、county、township；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / quota use of a year on a day: township_quota and county_pool of the year, quota_total; posts = postings in post on as_of, by quota_source (posts_township, posts_county_pool, posts_total); unfilled = quota_total - posts_total (at township level township_quota - posts_township); a null year is as_of''s year, a null as_of is 31 December of the year or today in the city''s time zone, whichever is earlier; level is city, county or township; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

CREATE OR REPLACE MACRO quota_usage(year := NULL, as_of := NULL, vintage := NULL) AS TABLE
    SELECT * FROM quota_usage_on(year, as_of, vintage := vintage);

COMMENT ON MACRO TABLE quota_usage IS
    '编制使用：year 年（缺省为 as_of 所在年，as_of 也为空时为今年）的乡镇编制数 township_quota 与县级周转池调剂数 county_pool，合计 quota_total；在岗人数为 as_of 日（缺省为该年 12 月 31 日与城市今天中较早者）在岗的派驻记录，按编制来源分为 posts_township、posts_county_pool，合计 posts_total；unfilled = quota_total − posts_total（乡镇一级为 township_quota − posts_township，周转池只在县级）；level 为 city、county、township；与 quota_usage_on(year, as_of) 相同；两个参数均有缺省值，DuckDB 1.4 以前的客户端须按名传参，如 quota_usage(year := 2022, as_of := DATE ''2022-07-21'')；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / quota use in a year (default: as_of''s year, this year when as_of is null too): township_quota and county_pool, quota_total; posts = postings in post on as_of (default: 31 December of the year or today in the city''s time zone, whichever is earlier), by quota_source (posts_township, posts_county_pool, posts_total); unfilled = quota_total - posts_total (at township level township_quota - posts_township: the county pool is held at county level); level is city, county or township; the same as quota_usage_on(year, as_of); both parameters have defaults, so DuckDB clients before 1.4 pass them by name, e.g. quota_usage(year := 2022, as_of := DATE ''2022-07-21''); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
