-- data_quality.sql: data_quality(), rejects and findings by county, for the
-- report's data-quality appendix (which reads only macros).
--
-- data_quality(): counted over all runs so far, ordered by county (NULL
-- first), kind (reject first), count (largest first), code:
--   county_code  VARCHAR  NULL for the city's village list
--   county_name  VARCHAR
--   kind         VARCHAR  reject (etl_reject) or finding (etl_finding)
--   code         VARCHAR  the reject reason or the finding code
--   severity     VARCHAR  the finding's severity; NULL for a reject
--   count        BIGINT   rows

CREATE OR REPLACE MACRO data_quality(vintage := NULL) AS TABLE
    SELECT q.county_code, c.county_name, q.kind, q.code, q.severity, q.n AS count
    FROM (
        SELECT r.county_code, 'reject' AS kind, r.reason AS code, NULL::VARCHAR AS severity, count(*) AS n
        FROM etl_reject_vintage(vintage) r GROUP BY r.county_code, r.reason
        UNION ALL
        SELECT f.county_code, 'finding', f.code, f.severity, count(*)
        FROM etl_finding_vintage(vintage) f GROUP BY f.county_code, f.code, f.severity
    ) q
    LEFT JOIN dim_county_vintage(vintage) c ON c.county_code = q.county_code
    ORDER BY q.county_code NULLS FIRST, q.kind DESC, q.n DESC, q.code;

COMMENT ON MACRO TABLE data_quality IS
    '数据质量：按县（市、区）统计历次运行中被拒绝的行（kind = reject，code 为拒绝原因）和发现的问题（kind = finding，code 为问题代码，severity 为严重程度）的条数；county_code 为空表示全市名录；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / data quality: rows rejected (kind reject, code = reason) and findings (kind finding, code and severity) counted by county over all runs so far; a null county_code is the city''s village list; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- data_quality_on(as_of): the same, counted over the runs finished before
-- the end of the day as_of in the city's time zone (city_day_end): a report
-- of a past period counts what was known by its last day, whatever the
-- clock. Same columns and order as data_quality().
CREATE OR REPLACE MACRO data_quality_on(as_of, vintage := NULL) AS TABLE
    WITH runs AS (
        SELECT r.run_id FROM etl_run_vintage(vintage) r WHERE r.finished_at < city_day_end(as_of)
    )
    SELECT q.county_code, c.county_name, q.kind, q.code, q.severity, q.n AS count
    FROM (
        SELECT r.county_code, 'reject' AS kind, r.reason AS code, NULL::VARCHAR AS severity, count(*) AS n
        FROM etl_reject_vintage(vintage) r WHERE r.run_id IN (SELECT run_id FROM runs) GROUP BY r.county_code, r.reason
        UNION ALL
        SELECT f.county_code, 'finding', f.code, f.severity, count(*)
        FROM etl_finding_vintage(vintage) f WHERE f.run_id IN (SELECT run_id FROM runs) GROUP BY f.county_code, f.code, f.severity
    ) q
    LEFT JOIN dim_county_vintage(vintage) c ON c.county_code = q.county_code
    ORDER BY q.county_code NULLS FIRST, q.kind DESC, q.n DESC, q.code;

COMMENT ON MACRO TABLE data_quality_on IS
    '某日的数据质量：只计城市时区 as_of 日结束前已完成的运行，按县（市、区）统计被拒绝的行（kind = reject，code 为拒绝原因）和发现的问题（kind = finding，code 为问题代码，severity 为严重程度）的条数；county_code 为空表示全市名录；与生成时间无关；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / data quality as of a day: rows rejected (kind reject, code = reason) and findings (kind finding, code and severity) counted by county over the runs finished before the end of the day as_of in the city''s time zone, whatever the clock; a null county_code is the city''s village list; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
