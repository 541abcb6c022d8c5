-- Test data: coverage() as migration 006_coverage_counts.sql created it, superseded by
-- 007 (sql/macros/coverage.sql). The equivalence tests load it
-- renamed coverage_006 and hold the current macro to the same output.

CREATE OR REPLACE MACRO coverage(as_of := NULL) AS TABLE
    WITH u AS (SELECT * FROM villages_on(as_of)),
    inpost AS (
        SELECT DISTINCT p.village_code, p.person_key
        FROM postings_on(as_of) p
        WHERE p.village_code IN (SELECT village_code FROM u)
    ),
    covered AS (SELECT DISTINCT village_code FROM inpost),
    lv AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               NULL::VARCHAR AS region, village_code FROM u
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END,
               region, village_code FROM u
        UNION ALL
        SELECT 3, 'county', county_code, county_name, region, village_code FROM u
        UNION ALL
        SELECT 4, 'township', township_code, township_name, region, village_code FROM u
        UNION ALL
        SELECT 5, 'village_kind', village_kind, CASE village_kind WHEN 'village' THEN '村（村委会）' WHEN 'community' THEN '社区（居委会）' END,
               NULL, village_code FROM u
        UNION ALL
        SELECT 6, 'urban_rural',
               CASE WHEN urban_rural_code LIKE '1%' THEN 'urban' WHEN urban_rural_code LIKE '2%' THEN 'rural' END,
               CASE WHEN urban_rural_code LIKE '1%' THEN '城镇' WHEN urban_rural_code LIKE '2%' THEN '乡村' END,
               NULL, village_code FROM u
    ),
    villages AS (
        SELECT l.o, l.level, l.code, l.name, l.region,
               count(*) AS villages,
               count(*) FILTER (WHERE c.village_code IS NOT NULL) AS covered
        FROM lv l LEFT JOIN covered c ON c.village_code = l.village_code
        GROUP BY l.o, l.level, l.code, l.name, l.region
    ),
    graduates AS (
        SELECT l.o, l.code, count(DISTINCT i.person_key) AS graduates
        FROM lv l JOIN inpost i ON i.village_code = l.village_code
        GROUP BY l.o, l.code
    )
    SELECT v.level, v.code, v.name, v.region, v.villages, v.covered,
           v.covered / v.villages AS coverage_rate,
           coalesce(g.graduates, 0) AS graduates_in_post
    FROM villages v
    LEFT JOIN graduates g ON g.o = v.o AND g.code IS NOT DISTINCT FROM v.code
    ORDER BY v.o, v.code NULLS LAST;
