-- Test data: retention() as migration 007_fast_coverage.sql created it, superseded by
-- the vocabulary (sql/macros/retention.sql). The equivalence tests load it
-- renamed retention_007 and hold the current macro to the same output.

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
