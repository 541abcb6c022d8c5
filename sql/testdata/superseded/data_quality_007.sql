-- Test data: data_quality() as the macros stood before the vintage parameter
-- (sql/macros/data_quality.sql), the definition the old migration chain left. The
-- equivalence tests load it renamed data_quality_007 and hold the current macro,
-- called without a vintage, to the same output.

CREATE OR REPLACE MACRO data_quality() AS TABLE
    SELECT q.county_code, c.county_name, q.kind, q.code, q.severity, q.n AS count
    FROM (
        SELECT r.county_code, 'reject' AS kind, r.reason AS code, NULL::VARCHAR AS severity, count(*) AS n
        FROM etl_reject r GROUP BY r.county_code, r.reason
        UNION ALL
        SELECT f.county_code, 'finding', f.code, f.severity, count(*)
        FROM etl_finding f GROUP BY f.county_code, f.code, f.severity
    ) q
    LEFT JOIN dim_county c ON c.county_code = q.county_code
    ORDER BY q.county_code NULLS FIRST, q.kind DESC, q.n DESC, q.code;
