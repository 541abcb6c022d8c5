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

CREATE OR REPLACE MACRO source_freshness(vintage := NULL) AS TABLE
    WITH ok AS (
        SELECT r.county_code, max(r.finished_at) AS last_success FROM etl_run_vintage(vintage) r
        WHERE r.job = 'ingest' AND r.status IN ('succeeded', 'no_new_data') GROUP BY r.county_code
    ),
    nf AS (
        SELECT f.county_code, max(f.received_at) AS last_new_file FROM etl_file_vintage(vintage) f
        WHERE f.county_code IS NOT NULL GROUP BY f.county_code
    )
    SELECT c.county_code, c.county_name, ok.last_success, nf.last_new_file,
           (epoch(coalesce(CAST(vintage AS TIMESTAMPTZ), now())) - epoch(ok.last_success)) / 3600.0 AS hours_since_success,
           ok.last_success IS NULL
             OR (epoch(coalesce(CAST(vintage AS TIMESTAMPTZ), now())) - epoch(ok.last_success)) / 3600.0 > coalesce(CAST(city_setting('stale_after_hours') AS DOUBLE), 72)
             AS stale
    FROM dim_county_vintage(vintage) c
    LEFT JOIN ok ON ok.county_code = c.county_code
    LEFT JOIN nf ON nf.county_code = c.county_code
    ORDER BY c.county_code;

COMMENT ON MACRO TABLE source_freshness IS
    '数据源新鲜度：每个县区最近一次成功拉取时间 last_success（有新文件或无新数据均算成功）、最近一次收到新文件时间 last_new_file、距最近成功的小时数 hours_since_success；stale 表示从未成功或超过 etl_setting.stale_after_hours（缺省 72）小时未成功；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / per county, from etl_run and etl_file: last_success (a pull that worked, with or without new files), last_new_file, hours_since_success; stale = never succeeded or no success for longer than etl_setting.stale_after_hours (default 72); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- source_freshness_on(as_of): the same as of the end of the day as_of in
-- the city's time zone (city_day_end), for a report of a past period: no
-- value depends on the clock. One row per county of dim_county, by code:
--   county_code, county_name  VARCHAR
--   last_success         TIMESTAMPTZ  the last ingest run that worked
--                                     (succeeded or no_new_data) and finished
--                                     before the end of as_of; NULL if none
--   last_new_file        TIMESTAMPTZ  the last new file received before then
--   last_record          DATE         the latest date on or before as_of of
--                                     the county's records: a posting's start
--                                     or end, a vacancy's report or fill in
--                                     one of its villages
--   hours_since_success  DOUBLE       hours from last_success to the end of
--                                     as_of (to now while that day is not
--                                     over)
--   stale                BOOLEAN      no success by then, or none for longer
--                                     than stale_after_hours (default 72)
--                                     before the end of as_of
CREATE OR REPLACE MACRO source_freshness_on(as_of, vintage := NULL) AS TABLE
    -- The end of as_of, or now for a day not yet over (a report of the
    -- month still running): no later pull can exist yet.
    WITH cut AS (SELECT least(city_day_end(as_of), coalesce(CAST(vintage AS TIMESTAMPTZ), now())) AS t, as_date(as_of) AS day),
    ok AS (
        SELECT r.county_code, max(r.finished_at) AS last_success FROM etl_run_vintage(vintage) r, cut
        WHERE r.job = 'ingest' AND r.status IN ('succeeded', 'no_new_data') AND r.finished_at < cut.t
        GROUP BY r.county_code
    ),
    nf AS (
        SELECT f.county_code, max(f.received_at) AS last_new_file FROM etl_file_vintage(vintage) f, cut
        WHERE f.county_code IS NOT NULL AND f.received_at < cut.t GROUP BY f.county_code
    ),
    dated AS (
        SELECT p.county_code, p.start_date AS d FROM fact_posting_vintage(vintage) p
        UNION ALL SELECT p.county_code, p.end_date FROM fact_posting_vintage(vintage) p
        UNION ALL SELECT v.county_code, x.reported_on FROM fact_vacancy_vintage(vintage) x JOIN dim_village_vintage(vintage) v ON v.village_code = x.village_code
        UNION ALL SELECT v.county_code, x.filled_on FROM fact_vacancy_vintage(vintage) x JOIN dim_village_vintage(vintage) v ON v.village_code = x.village_code
    ),
    rec AS (
        SELECT dated.county_code, max(dated.d) AS last_record FROM dated, cut
        WHERE dated.d <= cut.day GROUP BY dated.county_code
    )
    SELECT c.county_code, c.county_name, ok.last_success, nf.last_new_file, rec.last_record,
           (epoch(cut.t) - epoch(ok.last_success)) / 3600.0 AS hours_since_success,
           ok.last_success IS NULL
             OR (epoch(cut.t) - epoch(ok.last_success)) / 3600.0 > coalesce(CAST(city_setting('stale_after_hours') AS DOUBLE), 72)
             AS stale
    FROM dim_county_vintage(vintage) c
    CROSS JOIN cut
    LEFT JOIN ok ON ok.county_code = c.county_code
    LEFT JOIN nf ON nf.county_code = c.county_code
    LEFT JOIN rec ON rec.county_code = c.county_code
    ORDER BY c.county_code;

COMMENT ON MACRO TABLE source_freshness_on IS
    '某日的数据源新鲜度：以城市时区 as_of 日结束时刻为准，每个县区在此之前最近一次成功拉取时间 last_success（有新文件或无新数据均算成功）、最近一次收到新文件时间 last_new_file、该县记录中不晚于 as_of 的最晚日期 last_record（派驻到岗、离岗，本县村（社区）空缺登记、补齐）、距 as_of 日结束（该日未过完时为现在）的小时数 hours_since_success；stale 表示截至 as_of 日结束从未成功，或已超过 etl_setting.stale_after_hours（缺省 72）小时未成功；与生成时间无关；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / source freshness as of the end of the day as_of in the city''s time zone, whatever the clock: per county the last successful pull finished by then (last_success; with or without new files), the last new file received by then (last_new_file), the latest date on or before as_of of the county''s records (last_record: a posting''s start or end, a vacancy''s report or fill in one of its villages) and hours_since_success measured at the end of as_of (at now while that day is not over); stale = no success by then, or none for longer than etl_setting.stale_after_hours (default 72) before the end of as_of; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
