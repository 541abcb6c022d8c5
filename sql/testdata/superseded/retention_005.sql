-- Test data: retention() as migration 005_retention_join.sql created it, superseded by
-- 007 (sql/macros/retention.sql). The equivalence tests load it
-- renamed retention_005 and hold the current macro to the same output.

CREATE OR REPLACE MACRO retention(as_of := NULL, months := 12) AS TABLE
    WITH cohort AS (
        SELECT f.*, CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) AS mark
        FROM person_first() f
        WHERE CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) <= as_date(as_of)
    ),
    kept AS (
        SELECT c.*, coalesce(bool_or(p.start_date <= c.mark AND (p.end_date IS NULL OR p.end_date > c.mark)), false) AS retained
        FROM cohort c
        LEFT JOIN fact_posting p ON p.person_key = c.person_key
        GROUP BY ALL
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name, retained FROM kept
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END, retained FROM kept
        UNION ALL
        SELECT 3, 'county', county_code, county_name, retained FROM kept
        UNION ALL
        SELECT 4, 'channel', channel, CASE channel WHEN 'special_intro' THEN '专项引进' WHEN 'open_recruit' THEN '公开招聘' WHEN 'replenish' THEN '动态增补' END, retained FROM kept
        UNION ALL
        SELECT 5, 'entry_year', CAST(year(entry) AS VARCHAR), CAST(year(entry) AS VARCHAR) || '年', retained FROM kept
    )
    SELECT level, code, name, count(*) AS cohort, count(*) FILTER (WHERE retained) AS retained,
           count(*) FILTER (WHERE retained) / count(*) AS retention_rate
    FROM levels
    GROUP BY o, level, code, name
    ORDER BY o, code;
