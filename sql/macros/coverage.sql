-- coverage.sql: coverage(as_of), the share of the village universe with a
-- graduate in post.
--
-- coverage(as_of := NULL): one row per group on as_of (default: today in the
-- city's time zone), ordered by level (city, region, county, township,
-- village_kind, urban_rural), then code (NULLs last), name and region:
--   level              VARCHAR  city, region, county, township, village_kind
--                               or urban_rural
--   code               VARCHAR  the city code (etl_setting city_code), the
--                               region (remote, developed), the county or
--                               township code, village or community, urban
--                               (urban-rural class 1xx) or rural (2xx)
--   name               VARCHAR  the city, county or township name; for region,
--                               village_kind and urban_rural the label of the
--                               code in vocabulary()
--   region             VARCHAR  the region of the region, county and township
--                               rows, else NULL
--   villages           BIGINT   villages of the universe in the group
--   covered            BIGINT   of those, villages with a graduate in post
--   coverage_rate      DOUBLE   covered / villages
--   graduates_in_post  BIGINT   distinct graduates in post in the group's
--                               villages
-- Villages are grouped by (level, code, name, region) and graduates by
-- (level, code): a township whose villages lie in counties of both regions
-- has two rows, each with the graduates of the whole township.

CREATE OR REPLACE MACRO coverage(as_of := NULL, vintage := NULL) AS TABLE
    WITH u AS (
        SELECT v.*,
               CASE WHEN v.urban_rural_code LIKE '1%' THEN 'urban' WHEN v.urban_rural_code LIKE '2%' THEN 'rural' END AS ur
        FROM villages_on(as_of, vintage := vintage) v
    ),
    ip AS (
        SELECT u.region, u.county_code, u.township_code, u.village_kind, u.ur, p.village_code, p.person_key
        FROM postings_on(as_of, vintage := vintage) p JOIN u ON u.village_code = p.village_code
    ),
    multi AS (SELECT person_key FROM ip GROUP BY person_key HAVING count(*) > 1),
    -- Villages and covered villages per level, in one pass over u.
    -- GROUPING(region, county_code, township_code, village_kind, ur) has one
    -- bit per argument, 16 for region down to 1 for ur, set when that column
    -- is not in the row's grouping set:
    --   31 = 11111  ()                                     city          o = 1
    --   15 = 01111  (region)                               region        o = 2
    --    7 = 00111  (county_code, county_name, region)     county        o = 3
    --   11 = 01011  (township_code, township_name, region) township      o = 4
    --   29 = 11101  (village_kind)                         village_kind  o = 5
    --   30 = 11110  (ur)                                   urban_rural   o = 6 (ELSE)
    -- (county_name and township_name are not among GROUPING's arguments.)
    -- HAVING drops the () row an empty universe would give.
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
    -- Graduates in post per level and code, in one pass over ip. The same
    -- bits; here county and township are grouped without region, and the
    -- code is the city's for 31, else the one grouped column's value:
    --   31 = 11111  ()               city          o = 1
    --   15 = 01111  (region)         region        o = 2
    --   23 = 10111  (county_code)    county        o = 3
    --   27 = 11011  (township_code)  township      o = 4
    --   29 = 11101  (village_kind)   village_kind  o = 5
    --   30 = 11110  (ur)             urban_rural   o = 6 (ELSE)
    -- A graduate with one (posting, village) pair in post is counted with
    -- count(*); only those in multi are counted DISTINCT.
    gg AS (
        SELECT CASE GROUPING(region, county_code, township_code, village_kind, ur)
                   WHEN 31 THEN 1 WHEN 15 THEN 2 WHEN 23 THEN 3 WHEN 27 THEN 4 WHEN 29 THEN 5 ELSE 6 END AS o,
               CASE WHEN GROUPING(region, county_code, township_code, village_kind, ur) = 31 THEN city_setting('city_code')
                    ELSE coalesce(region, county_code, township_code, village_kind, ur) END AS code,
               count(*) FILTER (WHERE NOT m) + count(DISTINCT person_key) FILTER (WHERE m) AS graduates
        FROM (SELECT *, person_key IN (SELECT person_key FROM multi) AS m FROM ip)
        GROUP BY GROUPING SETS ((), (region), (county_code), (township_code), (village_kind), (ur))
    ),
    -- Each village group with its level, code and name (labels from
    -- vocabulary()); region only for the region, county and township rows.
    v AS (
        SELECT o,
               CASE o WHEN 1 THEN 'city' WHEN 2 THEN 'region' WHEN 3 THEN 'county' WHEN 4 THEN 'township'
                      WHEN 5 THEN 'village_kind' ELSE 'urban_rural' END AS level,
               CASE o WHEN 1 THEN city_setting('city_code') WHEN 2 THEN region WHEN 3 THEN county_code
                      WHEN 4 THEN township_code WHEN 5 THEN village_kind ELSE ur END AS code,
               CASE o WHEN 1 THEN city_setting('city_name')
                      WHEN 2 THEN label('region', region)
                      WHEN 3 THEN county_name
                      WHEN 4 THEN township_name
                      WHEN 5 THEN label('village_kind', village_kind)
                      ELSE label('urban_rural', ur) END AS name,
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
    '覆盖率：as_of 日（缺省为城市今天）村（社区）范围内，有至少一名研究生在岗的村（社区）数 covered、范围内村（社区）数 villages、覆盖率 coverage_rate = covered / villages、在岗研究生人数 graduates_in_post（去重）；level 为 city 全市、region 区域（remote 偏远 / developed 发达）、county 县区、township 乡镇（街道）、village_kind 村或社区（village/community）、urban_rural 城乡（urban 城乡分类代码 1xx / rural 2xx）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / coverage on as_of (default: today in the city''s time zone): villages of the universe, covered = villages with at least one graduate in post, coverage_rate = covered / villages, graduates_in_post = distinct graduates in post there; level is city, region (code remote/developed), county, township, village_kind (code village/community) or urban_rural (code urban for urban-rural classes 1xx, rural for 2xx); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
