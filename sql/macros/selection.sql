-- selection.sql: selection(as_of), graduates in post by placement round.
--
-- selection(as_of): the graduates in post on as_of, each once (the posting
-- in the lowest village code if in post in two), by the selection_round of
-- that posting, for the city and each county of dim_county (county of the
-- posting). One row per level and code, city first, then counties by code:
--   level, code, name  VARCHAR  city or county
--   direct             BIGINT   chose the post directly (direct)
--   county_round       BIGINT   placed in the first round, within the
--                               county (county_round, 县内第一轮)
--   city_round         BIGINT   placed in the second round, across the city
--                               (city_round, 全市第二轮)
--   unknown            BIGINT   selection_round not recorded
--   total              BIGINT   graduates in post

CREATE OR REPLACE MACRO selection(as_of, vintage := NULL) AS TABLE
    WITH p AS (
        SELECT p.person_key, p.county_code, p.selection_round
        FROM postings_on(as_of, vintage := vintage) p
        QUALIFY row_number() OVER (PARTITION BY p.person_key ORDER BY p.village_code) = 1
    ),
    g AS (
        SELECT GROUPING(p.county_code) AS city, p.county_code,
               count(*) FILTER (WHERE p.selection_round = 'direct') AS direct,
               count(*) FILTER (WHERE p.selection_round = 'county_round') AS county_round,
               count(*) FILTER (WHERE p.selection_round = 'city_round') AS city_round,
               count(*) FILTER (WHERE p.selection_round IS NULL
                                  OR p.selection_round NOT IN ('direct', 'county_round', 'city_round')) AS unknown,
               count(*) AS total
        FROM p JOIN dim_county_vintage(vintage) c ON c.county_code = p.county_code
        GROUP BY GROUPING SETS ((), (p.county_code))
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               g.* EXCLUDE (city, county_code)
        FROM (SELECT 1) LEFT JOIN g ON g.city = 1
        UNION ALL
        SELECT 2, 'county', c.county_code, c.county_name, g.* EXCLUDE (city, county_code)
        FROM dim_county_vintage(vintage) c LEFT JOIN g ON g.city = 0 AND g.county_code = c.county_code
    )
    SELECT level, code, name, coalesce(direct, 0) AS direct, coalesce(county_round, 0) AS county_round,
           coalesce(city_round, 0) AS city_round, coalesce(unknown, 0) AS unknown, coalesce(total, 0) AS total
    FROM levels
    ORDER BY o, code;

COMMENT ON MACRO TABLE selection IS
    '两轮选岗：as_of 日在岗研究生（每人一次；同时在两村在岗取村级代码较小者）按该岗位的选岗轮次 selection_round 计数：direct 直接选岗、county_round 县内第一轮调剂、city_round 全市第二轮调剂、unknown 未填，合计 total；level 为 city、county（按岗位所在县）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / graduates in post on as_of (each once; in two villages, the lower village code) by the selection_round of that posting: direct, county_round (first round, within the county), city_round (second round, across the city), unknown (not recorded), and total; level is city or county (of the posting); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
