-- flows.sql: flows(first_day, last_day, by), postings started and ended in
-- each period of a series, and exits_between(first_day, last_day), the
-- persons who left the programme in a period.
--
-- flows(first_day, last_day, "by" := 'month'): postings of the city and of
-- each county of dim_county (county of the posting's village) over every
-- period of the window [first_day, last_day] (both DATE or text such as
-- '2022-07-01'). by is month, quarter, year or all: calendar months,
-- quarters or years clipped to the window (a window starting mid-month has
-- a first partial period, one ending mid-month a last one), or all = the
-- whole window as one period; any other value is an error naming these.
-- Callers pass by by name (by := 'quarter'): before DuckDB 1.4 a parameter
-- with a default is taken only by name. A window of one calendar month (or
-- part of one) gives the same rows whatever by is. One row per period,
-- level and code, ordered by period, then city first, then counties by
-- code:
--   level, code, name     VARCHAR  city or county
--   first_day, last_day   DATE     the period's own first and last day
--   in_post_start         BIGINT   postings in post on first_day - 1
--   started               BIGINT   postings with start_date in the period
--   ended                 BIGINT   postings with end_date in the period (the
--                                  first day no longer in post)
--   ended_resigned, ended_transferred, ended_civil_service, ended_promoted,
--   ended_other, ended_unspecified  BIGINT  ended by end_reason
--                                  (unspecified when blank)
--   net_change            BIGINT   started - ended
--   in_post_end           BIGINT   postings in post on last_day; always
--                                  in_post_start + started - ended, and the
--                                  next period's in_post_start
-- Postings, not persons: a graduate moving to another village within the
-- period ends one posting and starts another.

CREATE OR REPLACE MACRO flows(first_day, last_day, "by" := 'month', vintage := NULL) AS TABLE
    WITH b AS (
        SELECT CAST(first_day AS DATE) AS f, CAST(last_day AS DATE) AS l,
               CASE WHEN "by" IN ('month', 'quarter', 'year', 'all') THEN "by"
                    ELSE error('flows: by must be month, quarter, year or all') END AS unit
    ),
    -- The series: the calendar period of first_day (date_trunc) and every
    -- following one up to last_day's, each clipped to the window; months
    -- is the length of one period.
    s AS (
        SELECT b.*, CASE unit WHEN 'quarter' THEN 3 WHEN 'year' THEN 12 ELSE 1 END AS months,
               CAST(date_trunc(CASE unit WHEN 'all' THEN 'month' ELSE unit END, b.f) AS DATE) AS t0
        FROM b
    ),
    periods AS (
        SELECT CASE WHEN unit = 'all' THEN f ELSE greatest(f, CAST(t0 + to_months(CAST(k * months AS INTEGER)) AS DATE)) END AS pf,
               CASE WHEN unit = 'all' THEN l ELSE least(l, CAST(t0 + to_months(CAST((k + 1) * months AS INTEGER)) AS DATE) - 1) END AS pl
        FROM (SELECT s.*, unnest(range(0, CASE WHEN unit = 'all' THEN 1
                   ELSE ((year(l) - year(t0)) * 12 + month(l) - month(t0)) // months + 1 END)) AS k FROM s)
    ),
    p AS (
        SELECT d.pf, d.pl, p.county_code,
               p.start_date < d.pf AND (p.end_date IS NULL OR p.end_date >= d.pf) AS at_start,
               p.start_date >= d.pf AS started,
               p.end_date IS NOT NULL AND p.end_date <= d.pl AS ended,
               coalesce(nullif(trim(p.end_reason), ''), 'unspecified') AS reason,
               p.end_date IS NULL OR p.end_date > d.pl AS at_end
        FROM fact_posting_vintage(vintage) p JOIN periods d
            ON p.start_date <= d.pl AND coalesce(p.end_date, DATE 'infinity') >= d.pf
    ),
    g AS (
        SELECT GROUPING(p.county_code) AS city, p.pf, p.county_code,
               count(*) FILTER (WHERE at_start) AS in_post_start,
               count(*) FILTER (WHERE started) AS started,
               count(*) FILTER (WHERE ended) AS ended,
               count(*) FILTER (WHERE ended AND reason = 'resigned') AS ended_resigned,
               count(*) FILTER (WHERE ended AND reason = 'transferred') AS ended_transferred,
               count(*) FILTER (WHERE ended AND reason = 'civil_service') AS ended_civil_service,
               count(*) FILTER (WHERE ended AND reason = 'promoted') AS ended_promoted,
               count(*) FILTER (WHERE ended AND reason = 'other') AS ended_other,
               count(*) FILTER (WHERE ended AND reason = 'unspecified') AS ended_unspecified,
               count(*) FILTER (WHERE at_end) AS in_post_end
        FROM p JOIN dim_county_vintage(vintage) c ON c.county_code = p.county_code
        GROUP BY GROUPING SETS ((p.pf), (p.pf, p.county_code))
    ),
    levels AS (
        SELECT d.pf, d.pl, 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               g.* EXCLUDE (city, pf, county_code)
        FROM periods d LEFT JOIN g ON g.city = 1 AND g.pf = d.pf
        UNION ALL
        SELECT d.pf, d.pl, 2, 'county', c.county_code, c.county_name, g.* EXCLUDE (city, pf, county_code)
        FROM periods d CROSS JOIN dim_county_vintage(vintage) c
            LEFT JOIN g ON g.city = 0 AND g.pf = d.pf AND g.county_code = c.county_code
    )
    SELECT level, code, name, pf AS first_day, pl AS last_day,
           coalesce(in_post_start, 0) AS in_post_start, coalesce(started, 0) AS started, coalesce(ended, 0) AS ended,
           coalesce(ended_resigned, 0) AS ended_resigned, coalesce(ended_transferred, 0) AS ended_transferred,
           coalesce(ended_civil_service, 0) AS ended_civil_service, coalesce(ended_promoted, 0) AS ended_promoted,
           coalesce(ended_other, 0) AS ended_other, coalesce(ended_unspecified, 0) AS ended_unspecified,
           coalesce(started, 0) - coalesce(ended, 0) AS net_change,
           coalesce(in_post_end, 0) AS in_post_end
    FROM levels
    ORDER BY pf, o, code;

COMMENT ON MACRO TABLE flows IS
    '新增与离岗序列：first_day 至 last_day（含）按 by（缺省 month 月，另有 quarter 季、year 年、all 整个区间为一期；按名称传入 by := ''quarter''）分期，各期为日历月、季、年并截取在区间内（区间从月中开始时第一期不完整），每期全市及各县区的派驻记录：first_day、last_day 为该期首末日，期初在岗 in_post_start（该期首日前一日在岗）、期内到岗 started、期内离岗 ended（离岗日期在期内）及按离岗原因的 ended_resigned 辞职、ended_transferred 调动、ended_civil_service 考录公务员、ended_promoted 提拔、ended_other 其他、ended_unspecified 未填，净增 net_change = started − ended，期末在岗 in_post_end（该期末日在岗）= in_post_start + started − ended，即下一期的期初在岗；按派驻记录计，在期内换村的人离岗一条、到岗一条；按期、再按全市、各县区代码排序；level 为 city、county；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / postings over a series of periods of [first_day, last_day]: by (default month; quarter, year, or all = the whole window as one period; pass it by name, by := ''quarter'') cuts the window into calendar months, quarters or years clipped to it (a window starting mid-month gives a first partial period); per period (first_day, last_day are its own bounds), for the city and each county: in post on first_day - 1 (in_post_start), started and ended within it (ended also by end_reason: ended_resigned, ended_transferred, ended_civil_service, ended_promoted, ended_other, ended_unspecified when blank), net_change = started - ended, in post on last_day (in_post_end = in_post_start + started - ended, the next period''s in_post_start); counted in postings, so a graduate moving village within the period ends one and starts another; ordered by period, then city, then counties by code; level is city or county; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- exits_between(first_day, last_day): the persons who left the programme in
-- the period: posted by last_day, in post nowhere on last_day, and whose
-- last posting's end_date (the first day no longer in post) lies in
-- [first_day, last_day]. When nobody returns, it is exits(last_day) less
-- exits(first_day - 1). Counted by the end_reason of the last posting; one
-- row per group and reason, ordered by level (city, region, county), code,
-- end_reason:
--   level       VARCHAR  city, region or county (of the last posting)
--   code, name  VARCHAR  as in exits()
--   end_reason  VARCHAR  resigned, transferred, civil_service, promoted,
--                        other, or unspecified when blank
--   exits       BIGINT   persons
CREATE OR REPLACE MACRO exits_between(first_day, last_day, vintage := NULL) AS TABLE
    WITH b AS (SELECT CAST(first_day AS DATE) AS f, CAST(last_day AS DATE) AS l),
    per AS (
        SELECT p.person_key,
               bool_or(p.end_date IS NULL OR p.end_date > b.l) AS in_post,
               max(p.end_date) AS last_end,
               -- Non-NULL before arg_max, which skips NULLs: a blank last
               -- reason must not give way to an earlier posting's reason.
               -- The last posting: the one that ended last, the higher
               -- village code on a tie (two postings ending the same day).
               arg_max(coalesce(nullif(trim(p.end_reason), ''), 'unspecified'), (p.end_date, p.village_code)) AS end_reason,
               arg_max(p.county_code, (p.end_date, p.village_code)) AS county_code
        FROM fact_posting_vintage(vintage) p, b
        WHERE p.start_date <= b.l
        GROUP BY p.person_key
    ),
    gone AS (
        SELECT per.end_reason, per.county_code, c.county_name, c.region
        FROM per JOIN dim_county_vintage(vintage) c ON c.county_code = per.county_code, b
        WHERE NOT per.in_post AND per.last_end >= b.f
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS nm, end_reason FROM gone
        UNION ALL
        SELECT 2, 'region', region, NULL, end_reason FROM gone
        UNION ALL
        SELECT 3, 'county', county_code, county_name, end_reason FROM gone
    )
    SELECT level, code, CASE WHEN o = 2 THEN label('region', code) ELSE nm END AS name, end_reason, count(*) AS exits
    FROM levels
    GROUP BY o, level, code, nm, end_reason
    ORDER BY o, code, end_reason;

COMMENT ON MACRO TABLE exits_between IS
    '期内离岗：first_day 至 last_day（含）期间离开项目的人（last_day 前曾在岗、last_day 无任何在岗记录，且最后一个岗位的离岗日期在期内；无人返岗时等于 exits(last_day) 减 exits(first_day − 1)），按最后一个岗位的离岗原因 end_reason（resigned、transferred、civil_service、promoted、other、unspecified 未填）计数；level 为 city、region、county（按最后一个岗位）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / exits in a period: persons who left the programme within [first_day, last_day] (posted by last_day, in post nowhere on last_day, their last posting ending within the period; when nobody returns, exits(last_day) less exits(first_day - 1)), counted by the end_reason of their last posting (resigned, transferred, civil_service, promoted, other, unspecified when blank); level is city, region or county (of the last posting); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
