-- Test data: region_balance() as the macros stood before the vintage parameter
-- (sql/macros/region_balance.sql), the definition the old migration chain left. The
-- equivalence tests load it renamed region_balance_007 and hold the current macro,
-- called without a vintage, to the same output.

CREATE OR REPLACE MACRO region_balance(as_of := NULL) AS TABLE
    WITH u AS (SELECT village_code, region FROM villages_on(as_of)),
    ip AS (
        SELECT u.region, p.village_code, p.person_key
        FROM postings_on(as_of) p JOIN u ON u.village_code = p.village_code
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
            FROM fact_posting p JOIN dim_county c ON c.county_code = p.county_code
            GROUP BY p.person_key
        ) f
        WHERE CAST(f.entry + to_months(12) AS DATE) <= as_date(as_of)
    ),
    -- In post anywhere on the mark. 'infinity' stands for an open end: later
    -- than every mark; a plain comparison keeps this a hash join.
    kept AS (
        SELECT c.region, count(*) AS retained
        FROM cohort c
        SEMI JOIN fact_posting p ON p.person_key = c.person_key
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
