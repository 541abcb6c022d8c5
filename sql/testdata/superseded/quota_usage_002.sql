-- Test data: quota_usage() as migration 002_metrics.sql created it (and
-- sql/macros/quota_usage.sql kept it until it moved into quota_usage_on).
-- The equivalence tests load it renamed quota_usage_002 and hold the current
-- macro, now quota_usage_on(year, NULL), to the same output.

CREATE MACRO quota_usage(year := NULL) AS TABLE
    WITH y AS (
        SELECT coalesce(CAST(year AS INTEGER), year(city_today())) AS y
    ),
    d AS (
        SELECT y.y, least(make_date(y.y, 12, 31), city_today()) AS day FROM y
    ),
    q AS (
        SELECT fq.county_code, fq.township_code, sum(fq.township_quota) AS tq, sum(fq.county_pool) AS cp
        FROM fact_quota fq, d WHERE fq.year = d.y
        GROUP BY fq.county_code, fq.township_code
    ),
    posts AS (
        SELECT p.county_code, p.township_code,
               count(*) FILTER (WHERE p.quota_source = 'township') AS pt,
               count(*) FILTER (WHERE p.quota_source = 'county_pool') AS pc
        FROM fact_posting p, d
        WHERE p.start_date <= d.day AND (p.end_date IS NULL OR p.end_date > d.day)
        GROUP BY p.county_code, p.township_code
    ),
    county AS (
        SELECT c.county_code, c.county_name,
               coalesce((SELECT sum(q.tq) FROM q WHERE q.county_code = c.county_code), 0) AS township_quota,
               coalesce((SELECT sum(q.cp) FROM q WHERE q.county_code = c.county_code), 0) AS county_pool,
               coalesce((SELECT sum(ps.pt) FROM posts ps WHERE ps.county_code = c.county_code), 0) AS posts_township,
               coalesce((SELECT sum(ps.pc) FROM posts ps WHERE ps.county_code = c.county_code), 0) AS posts_county_pool
        FROM dim_county c
    ),
    township AS (
        SELECT t.township_code, t.township_name,
               coalesce((SELECT sum(q.tq) FROM q WHERE q.township_code = t.township_code), 0) AS township_quota,
               coalesce((SELECT sum(ps.pt) FROM posts ps WHERE ps.township_code = t.township_code), 0) AS posts_township,
               coalesce((SELECT sum(ps.pc) FROM posts ps WHERE ps.township_code = t.township_code), 0) AS posts_county_pool
        FROM dim_township t
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
