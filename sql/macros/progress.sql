-- progress.sql: the county ranking and the road to full coverage.
--
-- coverage_ranking(as_of, prev_as_of): the counties of coverage(), ranked
-- by coverage on as_of (1 = highest; ties share a rank and the next rank
-- skips, as RANK() does; a county without villages comes last). One row per
-- county, by rank and code:
--   rank                  BIGINT   by coverage_rate on as_of
--   code, name, region    VARCHAR  as in coverage()
--   coverage_rate         DOUBLE   on as_of
--   prev_coverage_rate    DOUBLE   on prev_as_of (NULL: no villages then)
--   change_points         DOUBLE   (coverage_rate - prev_coverage_rate) x 100
--   graduates_in_post     BIGINT   on as_of
--   net_change            BIGINT   graduates in post on as_of less those on
--                                  prev_as_of

CREATE OR REPLACE MACRO coverage_ranking(as_of, prev_as_of, vintage := NULL) AS TABLE
    -- The county rows of coverage() on both days, computed here at the
    -- county level only: a county has a row on a day when the village
    -- universe then has villages in it; covered counts its villages with a
    -- graduate in post, graduates_in_post the distinct graduates in post in
    -- its villages.
    WITH ua AS (SELECT v.village_code, v.county_code, v.county_name, v.region FROM villages_on(as_of, vintage := vintage) v),
    ub AS (SELECT v.village_code, v.county_code FROM villages_on(prev_as_of, vintage := vintage) v),
    pa AS (
        SELECT p.person_key, u.village_code, u.county_code
        FROM postings_on(as_of, vintage := vintage) p JOIN ua u ON u.village_code = p.village_code
    ),
    pb AS (
        SELECT p.person_key, u.village_code, u.county_code
        FROM postings_on(prev_as_of, vintage := vintage) p JOIN ub u ON u.village_code = p.village_code
    ),
    a AS (
        SELECT u.county_code AS code, u.county_name AS name, u.region,
               count(*) FILTER (WHERE u.village_code IN (SELECT village_code FROM pa)) / count(*) AS coverage_rate,
               (SELECT count(DISTINCT pa.person_key) FROM pa WHERE pa.county_code = u.county_code) AS graduates_in_post
        FROM ua u
        GROUP BY u.county_code, u.county_name, u.region
    ),
    b AS (
        SELECT u.county_code AS code,
               count(*) FILTER (WHERE u.village_code IN (SELECT village_code FROM pb)) / count(*) AS coverage_rate,
               (SELECT count(DISTINCT pb.person_key) FROM pb WHERE pb.county_code = u.county_code) AS graduates_in_post
        FROM ub u
        GROUP BY u.county_code
    )
    SELECT rank() OVER (ORDER BY a.coverage_rate DESC NULLS LAST) AS rank,
           a.code, a.name, a.region, a.coverage_rate, b.coverage_rate AS prev_coverage_rate,
           (a.coverage_rate - b.coverage_rate) * 100 AS change_points,
           a.graduates_in_post,
           a.graduates_in_post - coalesce(b.graduates_in_post, 0) AS net_change
    FROM a LEFT JOIN b ON b.code = a.code
    ORDER BY rank, a.code;

COMMENT ON MACRO TABLE coverage_ranking IS
    '各县（市、区）排名：按 as_of 日覆盖率从高到低排名 rank（并列同名次，下一名次跳过；无村（社区）的县排最后），并给出 prev_as_of 日覆盖率 prev_coverage_rate、变化百分点 change_points =（coverage_rate − prev_coverage_rate）× 100、as_of 日在岗研究生 graduates_in_post 及其较 prev_as_of 的净增 net_change；覆盖率与在岗人数同 coverage() 的 county 行；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / the counties ranked by coverage on as_of (rank 1 = highest; ties share a rank and the next skips, as RANK(); counties without villages last), with coverage on prev_as_of (prev_coverage_rate), change_points = (coverage_rate - prev_coverage_rate) x 100, graduates_in_post on as_of and net_change = graduates in post on as_of less on prev_as_of; rates and graduates as in the county rows of coverage(); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- coverage_progress(as_of): the road to full coverage of the city and of
-- each county of dim_county, on as_of. One row per level and code, city
-- first, then counties by code:
--   level, code, name          VARCHAR  city or county
--   villages                   BIGINT   villages of the universe on as_of
--   uncovered                  BIGINT   of those, with no graduate in post
--                                       (the rows of uncovered_villages)
--   max_uncovered_days         BIGINT   the longest uncovered_days; NULL if
--                                       none is known
--   uncovered_over_90_days     BIGINT   uncovered for more than 90 days
--   vacancies_registered       BIGINT   vacancies reported from 1 January
--                                       of as_of's year to as_of
--   vacancies_filled           BIGINT   of those, filled by as_of
--   started_this_year_in_post  BIGINT   graduates whose entry (first
--                                       posting) lies in as_of's year up to
--                                       as_of and who are in post on as_of
--                                       (county of their posting that day)

CREATE OR REPLACE MACRO coverage_progress(as_of, vintage := NULL) AS TABLE
    WITH d AS (SELECT as_date(as_of) AS day, make_date(year(as_date(as_of)), 1, 1) AS y0),
    u AS (
        SELECT v.county_code, count(*) AS villages FROM villages_on(as_of, vintage := vintage) v GROUP BY v.county_code
    ),
    unc AS (
        SELECT v.county_code, count(*) AS uncovered, max(x.uncovered_days) AS max_days,
               count(*) FILTER (WHERE x.uncovered_days > 90) AS over90
        FROM uncovered_villages(as_of := as_of, vintage := vintage) x JOIN dim_village_vintage(vintage) v ON v.village_code = x.village_code
        GROUP BY v.county_code
    ),
    vac AS (
        SELECT v.county_code, count(*) AS registered,
               count(*) FILTER (WHERE x.filled_on IS NOT NULL AND x.filled_on <= d.day) AS filled
        FROM fact_vacancy_vintage(vintage) x JOIN dim_village_vintage(vintage) v ON v.village_code = x.village_code, d
        WHERE x.reported_on BETWEEN d.y0 AND d.day
        GROUP BY v.county_code
    ),
    -- The year's recruits in post on as_of, each once (the lowest village
    -- code if in post in two). The entry is person_first()'s, the first
    -- start_date among the postings of a county of dim_county, taken here
    -- by an aggregate rather than person_first()'s sort.
    rec AS (
        SELECT p.person_key, p.county_code
        FROM postings_on(as_of, vintage := vintage) p
        JOIN (SELECT f.person_key
              FROM fact_posting_vintage(vintage) f JOIN dim_county_vintage(vintage) c ON c.county_code = f.county_code
              GROUP BY f.person_key
              HAVING min(f.start_date) BETWEEN make_date(year(as_date(as_of)), 1, 1) AND as_date(as_of)) f
          ON f.person_key = p.person_key
        QUALIFY row_number() OVER (PARTITION BY p.person_key ORDER BY p.village_code) = 1
    ),
    county AS (
        SELECT c.county_code, c.county_name,
               coalesce(u.villages, 0) AS villages, coalesce(unc.uncovered, 0) AS uncovered, unc.max_days,
               coalesce(unc.over90, 0) AS over90, coalesce(vac.registered, 0) AS registered,
               coalesce(vac.filled, 0) AS filled,
               (SELECT count(*) FROM rec WHERE rec.county_code = c.county_code) AS recruits
        FROM dim_county_vintage(vintage) c
        LEFT JOIN u ON u.county_code = c.county_code
        LEFT JOIN unc ON unc.county_code = c.county_code
        LEFT JOIN vac ON vac.county_code = c.county_code
    )
    SELECT * EXCLUDE (o) FROM (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               CAST(sum(villages) AS BIGINT) AS villages, CAST(sum(uncovered) AS BIGINT) AS uncovered,
               max(max_days) AS max_uncovered_days, CAST(sum(over90) AS BIGINT) AS uncovered_over_90_days,
               CAST(sum(registered) AS BIGINT) AS vacancies_registered, CAST(sum(filled) AS BIGINT) AS vacancies_filled,
               CAST(sum(recruits) AS BIGINT) AS started_this_year_in_post
        FROM county
        UNION ALL
        SELECT 2, 'county', county_code, county_name, villages, uncovered, max_days, over90, registered, filled, recruits
        FROM county
    )
    ORDER BY o, code;

COMMENT ON MACRO TABLE coverage_progress IS
    '全覆盖进度：as_of 日全市及各县区村（社区）范围内的村（社区）数 villages、无研究生在岗的 uncovered（同 uncovered_villages）、最长空缺天数 max_uncovered_days、空缺超过 90 天的 uncovered_over_90_days；as_of 所在年 1 月 1 日至 as_of 登记的空缺 vacancies_registered 及其中至 as_of 已补齐的 vacancies_filled；当年入职（首次到岗在当年且不晚于 as_of）且 as_of 日在岗的研究生 started_this_year_in_post（按当日岗位所在县）；level 为 city、county；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / progress to full coverage on as_of, for the city and each county: villages of the universe, uncovered (as uncovered_villages lists them), max_uncovered_days, uncovered_over_90_days; vacancies reported from 1 January of as_of''s year to as_of (vacancies_registered) and those of them filled by as_of (vacancies_filled); graduates whose entry lies in that year up to as_of and who are in post on as_of (started_this_year_in_post, by the county of that day''s posting); level is city or county; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
