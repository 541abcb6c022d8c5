-- Test data: region_balance() as migration 002_metrics.sql created it, superseded by
-- 007 (sql/macros/region_balance.sql). The equivalence tests load it
-- renamed region_balance_002 and hold the current macro to the same output.

CREATE MACRO region_balance(as_of := NULL) AS TABLE
    WITH cov AS (SELECT * FROM coverage(as_of) WHERE level = 'region'),
    ret AS (SELECT code, retention_rate FROM retention(as_of, 12) WHERE level = 'region'),
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
