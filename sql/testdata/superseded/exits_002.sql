-- Test data: exits() as migration 002_metrics.sql created it, superseded by
-- the vocabulary (sql/macros/exits.sql). The equivalence tests load it
-- renamed exits_002 and hold the current macro to the same output.

CREATE MACRO exits(as_of := NULL) AS TABLE
    WITH per AS (
        SELECT p.person_key,
               bool_or(p.end_date IS NULL OR p.end_date > as_date(as_of)) AS in_post,
               arg_max(p.end_reason, p.end_date) AS end_reason,
               arg_max(p.county_code, p.end_date) AS county_code
        FROM fact_posting p
        WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    ),
    gone AS (
        SELECT coalesce(per.end_reason, 'unspecified') AS end_reason, per.county_code, c.county_name, c.region
        FROM per JOIN dim_county c ON c.county_code = per.county_code
        WHERE NOT per.in_post
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name, end_reason FROM gone
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END, end_reason FROM gone
        UNION ALL
        SELECT 3, 'county', county_code, county_name, end_reason FROM gone
    )
    SELECT level, code, name, end_reason, count(*) AS exits
    FROM levels
    GROUP BY o, level, code, name, end_reason
    ORDER BY o, code, end_reason;
