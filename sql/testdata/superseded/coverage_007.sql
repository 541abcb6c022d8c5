-- Test data: coverage() as migration 007_fast_coverage.sql created it, superseded by
-- the vocabulary (sql/macros/coverage.sql). The equivalence tests load it
-- renamed coverage_007 and hold the current macro to the same output.

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
