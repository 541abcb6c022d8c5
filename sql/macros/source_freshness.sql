-- source_freshness.sql: source_freshness(), when each county last
-- delivered.
--
-- source_freshness(): one row per county of dim_county, by county code:
--   county_code, county_name  VARCHAR
--   last_success         TIMESTAMPTZ  the last ingest run that worked
--                                     (succeeded or no_new_data)
--   last_new_file        TIMESTAMPTZ  the last new file received
--   hours_since_success  DOUBLE       hours from last_success to now
--   stale                BOOLEAN      never succeeded, or no success for
--                                     longer than the setting
--                                     stale_after_hours (default 72)

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

COMMENT ON MACRO TABLE source_freshness IS
    '数据源新鲜度：每个县区最近一次成功拉取时间 last_success（有新文件或无新数据均算成功）、最近一次收到新文件时间 last_new_file、距最近成功的小时数 hours_since_success；stale 表示从未成功或超过 etl_setting.stale_after_hours（缺省 72）小时未成功 / per county, from etl_run and etl_file: last_success (a pull that worked, with or without new files), last_new_file, hours_since_success; stale = never succeeded or no success for longer than etl_setting.stale_after_hours (default 72)';
