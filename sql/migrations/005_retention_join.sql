-- retention(as_of, months) again, with the same definition: the date test
-- moves from the join condition into the aggregate. With "OR end_date IS
-- NULL" in a LEFT JOIN's condition DuckDB planned a blockwise nested-loop
-- join (every cohort member against every posting: 2 s for a province,
-- minutes for the country); joined on person_key alone it is a hash join.

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

COMMENT ON MACRO TABLE retention IS
    '留任率：每人入职日期 = 最早到岗日期；队列 cohort = 入职日期加 months 个月（缺省 12）不晚于 as_of 的人数；留任 retained = 其中在入职满 months 个月当日仍在岗（任一村）者；retention_rate = retained / cohort；level 为 city、region 和 county（按首个岗位）、channel（首个岗位的招录方式）、entry_year 入职年份 / retention: per person, entry = first start_date; cohort = persons whose entry + months (default 12) <= as_of; retained = those in post anywhere on entry + months; retention_rate = retained / cohort; level is city, region and county (of the first posting), channel (of the first posting) or entry_year';

