-- Test data: source_freshness() as the macros stood before the vintage parameter
-- (sql/macros/source_freshness.sql), the definition the old migration chain left. The
-- equivalence tests load it renamed source_freshness_007 and hold the current macro,
-- called without a vintage, to the same output.

CREATE OR REPLACE MACRO source_freshness() AS TABLE
    WITH ok AS (
        SELECT r.county_code, max(r.finished_at) AS last_success FROM etl_run r
        WHERE r.job = 'ingest' AND r.status IN ('succeeded', 'no_new_data') GROUP BY r.county_code
    ),
    nf AS (
        SELECT f.county_code, max(f.received_at) AS last_new_file FROM etl_file f
        WHERE f.county_code IS NOT NULL GROUP BY f.county_code
    )
    SELECT c.county_code, c.county_name, ok.last_success, nf.last_new_file,
           (epoch(now()) - epoch(ok.last_success)) / 3600.0 AS hours_since_success,
           ok.last_success IS NULL
             OR (epoch(now()) - epoch(ok.last_success)) / 3600.0 > coalesce(CAST(city_setting('stale_after_hours') AS DOUBLE), 72)
             AS stale
    FROM dim_county c
    LEFT JOIN ok ON ok.county_code = c.county_code
    LEFT JOIN nf ON nf.county_code = c.county_code
    ORDER BY c.county_code;
