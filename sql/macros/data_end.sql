-- data_end.sql: data_end(), the last day the loaded records describe.
--
-- data_end(): DATE. The latest date any loaded posting, role, vacancy or
-- subsidy carries (a start, an end, a report, a fill, a payment), but no
-- later than the day, in the city's time zone, of the last successful pull
-- of any county: a report or a metric asked for a later day only carries
-- that state forward. NULL before anything is loaded. `grassroots report`
-- warns when the month asked for begins after it.

CREATE OR REPLACE MACRO data_end(vintage := NULL) AS (
    WITH dated AS (
        SELECT max(p.start_date) AS d FROM fact_posting_vintage(vintage) p
        UNION ALL SELECT max(p.end_date) FROM fact_posting_vintage(vintage) p
        UNION ALL SELECT max(r.start_date) FROM fact_role_vintage(vintage) r
        UNION ALL SELECT max(r.end_date) FROM fact_role_vintage(vintage) r
        UNION ALL SELECT max(v.reported_on) FROM fact_vacancy_vintage(vintage) v
        UNION ALL SELECT max(v.filled_on) FROM fact_vacancy_vintage(vintage) v
        UNION ALL SELECT max(s.paid_on) FROM fact_subsidy_vintage(vintage) s
    ),
    pulled AS (
        SELECT CAST(timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), max(r.finished_at)) AS DATE) AS d
        FROM etl_run_vintage(vintage) r
        WHERE r.job = 'ingest' AND r.status IN ('succeeded', 'no_new_data')
    )
    SELECT CASE WHEN (SELECT d FROM pulled) IS NULL THEN NULL
                ELSE least(max(dated.d), (SELECT d FROM pulled)) END
    FROM dated
);

COMMENT ON MACRO data_end IS
    '已装载数据所述的最后一天：任职、职务、空缺、补贴中最晚的日期，但不晚于最近一次成功拉取的当天（城市时区）；尚未装载时为空；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / the last day the loaded records describe: the latest date of any posting, role, vacancy or subsidy, but no later than the day (city time) of the last successful pull; null before any load; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
