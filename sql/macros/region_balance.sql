-- region_balance.sql: region_balance(as_of), remote against developed areas.
--
-- region_balance(as_of := NULL): the region rows of coverage(as_of) and of
-- retention(as_of, 12), computed for the regions alone. Three rows, in this
-- order: remote, developed, remote_to_developed (remote ÷ developed for every
-- measure, NULL where developed is 0):
--   region            VARCHAR  remote, developed or remote_to_developed
--   villages          DOUBLE   villages of the universe
--   covered           DOUBLE   villages with a graduate in post
--   coverage_rate     DOUBLE   covered / villages
--   graduates_in_post DOUBLE   distinct graduates in post
--   per_100_villages  DOUBLE   graduates_in_post per 100 villages
--   retention_12m     DOUBLE   retention_rate of retention(as_of, 12)

CREATE OR REPLACE MACRO region_balance(as_of := NULL, vintage := NULL) AS TABLE
    WITH u AS (SELECT village_code, region FROM villages_on(as_of, vintage := vintage)),
    ip AS (
        SELECT u.region, p.village_code, p.person_key
        FROM postings_on(as_of, vintage := vintage) p JOIN u ON u.village_code = p.village_code
    ),
    gr AS (SELECT region, count(DISTINCT person_key) AS graduates FROM ip GROUP BY region),
    cov AS (
        SELECT u.region AS code, count(*) AS villages, count(*) FILTER (WHERE u.covered) AS covered,
               count(*) FILTER (WHERE u.covered) / count(*) AS coverage_rate,
               coalesce(any_value(gr.graduates), 0) AS graduates_in_post
        FROM (SELECT region, village_code IN (SELECT village_code FROM ip) AS covered FROM u) u
        LEFT JOIN gr ON gr.region = u.region
        GROUP BY u.region
    ),
    -- person_first()'s entry and region, from one aggregate instead of a
    -- window: the region of the first posting (lowest village code on ties).
    cohort AS (
        SELECT f.person_key, f.region, CAST(f.entry + to_months(12) AS DATE) AS mark
        FROM (
            SELECT p.person_key, min(p.start_date) AS entry,
                   arg_min(c.region, struct_pack(s := p.start_date, v := p.village_code)) AS region
            FROM fact_posting_vintage(vintage) p JOIN dim_county_vintage(vintage) c ON c.county_code = p.county_code
            GROUP BY p.person_key
        ) f
        WHERE CAST(f.entry + to_months(12) AS DATE) <= as_date(as_of)
    ),
    -- In post anywhere on the mark. 'infinity' stands for an open end: later
    -- than every mark; a plain comparison keeps this a hash join.
    kept AS (
        SELECT c.region, count(*) AS retained
        FROM cohort c
        SEMI JOIN fact_posting_vintage(vintage) p ON p.person_key = c.person_key
            AND p.start_date <= c.mark AND coalesce(p.end_date, DATE 'infinity') > c.mark
        GROUP BY c.region
    ),
    ret AS (
        SELECT c.region AS code, coalesce(any_value(k.retained), 0) / count(*) AS retention_rate
        FROM cohort c LEFT JOIN kept k ON k.region = c.region
        GROUP BY c.region
    ),
    r AS (
        SELECT g.region,
               CAST(coalesce(cov.villages, 0) AS DOUBLE) AS villages,
               CAST(coalesce(cov.covered, 0) AS DOUBLE) AS covered,
               cov.coverage_rate,
               CAST(coalesce(cov.graduates_in_post, 0) AS DOUBLE) AS graduates_in_post,
               cov.graduates_in_post * 100.0 / nullif(cov.villages, 0) AS per_100_villages,
               ret.retention_rate AS retention_12m
        FROM (VALUES ('remote', 1), ('developed', 2)) g(region, o)
        LEFT JOIN cov ON cov.code = g.region
        LEFT JOIN ret ON ret.code = g.region
    )
    SELECT region, villages, covered, coverage_rate, graduates_in_post, per_100_villages, retention_12m
    FROM (
        SELECT *, CASE region WHEN 'remote' THEN 1 ELSE 2 END AS o FROM r
        UNION ALL
        SELECT 'remote_to_developed',
               rem.villages / nullif(dev.villages, 0),
               rem.covered / nullif(dev.covered, 0),
               rem.coverage_rate / nullif(dev.coverage_rate, 0),
               rem.graduates_in_post / nullif(dev.graduates_in_post, 0),
               rem.per_100_villages / nullif(dev.per_100_villages, 0),
               rem.retention_12m / nullif(dev.retention_12m, 0),
               3
        FROM r rem, r dev WHERE rem.region = 'remote' AND dev.region = 'developed'
    )
    ORDER BY o;

COMMENT ON MACRO TABLE region_balance IS
    '偏远与发达地区均衡：remote 偏远、developed 发达各一行：村（社区）数、覆盖数、覆盖率、在岗研究生数、每百村在岗人数 per_100_villages、12 个月留任率 retention_12m（同 coverage 与 retention(as_of, 12) 的 region 行）；另有 remote_to_developed 一行，为各指标偏远 ÷ 发达（发达为 0 时为空）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / balance between remote and developed areas on as_of: one row each for remote and developed (villages, covered, coverage_rate, graduates_in_post, per_100_villages = graduates per 100 villages, retention_12m; as in the region rows of coverage and retention(as_of, 12)), and a row remote_to_developed holding remote ÷ developed for every measure (null where developed is 0); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
