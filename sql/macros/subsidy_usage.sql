-- subsidy_usage.sql: subsidy_usage(as_of, by), the talent subsidy paid and
-- the ceiling of 310,000 yuan within five years of entry, by county or by
-- cohort.
--
-- The ceiling is the rule of the subsidy_over_cap finding (warehouse
-- findings): what a graduate is paid within five years of entry (paid_on
-- before entry + 5 years, entry = the first start_date) is held against
-- 310,000 yuan. The programme sets this ceiling for master's graduates;
-- dim_person.degree (doctorate, master, bachelor or NULL) carries no other
-- ceiling, so, like the finding, the macro holds every graduate to it.
--
-- subsidy_usage(as_of, "by" := 'county'): payments made on or before as_of,
-- for the city and, by = county, each county of dim_county, or, by =
-- cohort, each entry year; any other value is an error naming these.
-- Callers pass by by name (by := 'cohort'): before DuckDB 1.4 a parameter
-- with a default is taken only by name. A person belongs to the county of
-- the posting in post on as_of, else of the last posting started by then,
-- and to the cohort of the year of their entry (a person paid but never
-- posted by as_of is in no row, the city's included). One row per level and
-- code, city first, then counties by code (every county of dim_county) or
-- cohorts by year (every entry year up to as_of, those with nobody paid
-- included):
--   level, code, name     VARCHAR  city, county or cohort; a cohort's code
--                                  is the entry year (2019), its name the
--                                  year and its suffix from vocabulary()
--   paid_this_year        DOUBLE   yuan paid from 1 January of as_of's year
--                                  to as_of
--   paid_to_date          DOUBLE   yuan paid up to as_of
--   persons               BIGINT   persons paid up to as_of
--   per_person            DOUBLE   paid_to_date / persons; NULL for none
--   at_or_over_ceiling    BIGINT   persons paid 310,000 yuan or more within
--                                  five years of entry (payments up to as_of)
--   max_share_of_ceiling  DOUBLE   the largest such sum of one person
--                                  / 310,000; NULL for none
--   share_of_ceiling      DOUBLE   paid_to_date / (persons * 310,000): the
--                                  group's average paid to date as a share
--                                  of one ceiling (every payment up to
--                                  as_of, those after year five included);
--                                  NULL for none

CREATE OR REPLACE MACRO subsidy_usage(as_of, "by" := 'county', vintage := NULL) AS TABLE
    WITH d AS (
        SELECT as_date(as_of) AS day,
               CASE WHEN "by" IN ('county', 'cohort') THEN "by"
                    ELSE error('subsidy_usage: by must be county or cohort') END AS unit
    ),
    -- One pass over the postings, one row per person: the entry (the first
    -- start_date of all postings) and the home county, that of the posting
    -- in post on as_of, else of the last one started by then (latest start,
    -- then the lowest village code); NULL when none started by as_of. as_of
    -- is written out rather than read from d: a constant key is cheaper.
    pp AS (
        SELECT p.person_key, min(p.start_date) AS entry,
               arg_min(p.county_code, (NOT (p.end_date IS NULL OR p.end_date > as_date(as_of)),
                                       as_date(as_of) - p.start_date, p.village_code))
                   FILTER (WHERE p.start_date <= as_date(as_of)) AS home
        FROM fact_posting_vintage(vintage) p
        GROUP BY p.person_key
    ),
    -- The payments summed per person before any join.
    per AS (
        SELECT s.person_key,
               sum(s.amount_yuan) FILTER (WHERE s.paid_on >= make_date(year(as_date(as_of)), 1, 1)) AS this_year,
               sum(s.amount_yuan) AS to_date,
               count(*) AS payments
        FROM fact_subsidy_vintage(vintage) s
        WHERE s.paid_on <= as_date(as_of)
        GROUP BY s.person_key
    ),
    -- Each person paid with a home county of dim_county, with their group:
    -- the county, or the entry year.
    paid0 AS (
        SELECT per.*, pp.entry,
               CASE d.unit WHEN 'county' THEN pp.home ELSE CAST(year(pp.entry) AS VARCHAR) END AS grp
        FROM per JOIN pp ON pp.person_key = per.person_key
            JOIN dim_county_vintage(vintage) c ON c.county_code = pp.home, d
    ),
    -- The sum within five years of entry is to_date less the payments made
    -- on or after the fifth anniversary of entry: only persons whose
    -- anniversary is on or before as_of have any, and only payments from the
    -- earliest such anniversary on are read for them.
    cand AS (SELECT person_key, entry FROM paid0 WHERE entry + INTERVAL 5 YEAR <= as_date(as_of)),
    late AS (
        SELECT s.person_key, sum(s.amount_yuan) AS amount, count(*) AS payments
        FROM fact_subsidy_vintage(vintage) s JOIN cand x ON x.person_key = s.person_key
        WHERE s.paid_on <= as_date(as_of) AND s.paid_on >= x.entry + INTERVAL 5 YEAR
          AND s.paid_on >= (SELECT min(entry) + INTERVAL 5 YEAR FROM cand)
        GROUP BY s.person_key
    ),
    -- within5 is NULL, as a sum over no payments, when every payment is late.
    paid AS (
        SELECT paid0.this_year, paid0.to_date, paid0.grp,
               CASE WHEN paid0.payments > coalesce(late.payments, 0) THEN paid0.to_date - coalesce(late.amount, 0) END AS within5
        FROM paid0 LEFT JOIN late ON late.person_key = paid0.person_key
    ),
    g AS (
        SELECT GROUPING(grp) AS city, grp,
               CAST(coalesce(sum(this_year), 0) AS DOUBLE) AS paid_this_year,
               CAST(sum(to_date) AS DOUBLE) AS paid_to_date,
               count(*) AS persons,
               count(*) FILTER (WHERE within5 >= 310000) AS at_or_over_ceiling,
               CAST(max(within5) AS DOUBLE) / 310000 AS max_share_of_ceiling
        FROM paid
        GROUP BY GROUPING SETS ((), (grp))
    ),
    -- The groups that have a row: every county, or every entry year up to
    -- as_of.
    groups AS (
        SELECT 2 AS o, 'county' AS level, c.county_code AS code, c.county_name AS name
        FROM dim_county_vintage(vintage) c, d WHERE d.unit = 'county'
        UNION ALL
        SELECT DISTINCT 3, 'cohort', CAST(year(ent.entry) AS VARCHAR),
               CAST(year(ent.entry) AS VARCHAR) || label('suffix', 'entry_year')
        FROM pp AS ent, d WHERE d.unit = 'cohort' AND ent.entry <= d.day
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               g.* EXCLUDE (city, grp)
        FROM (SELECT 1) LEFT JOIN g ON g.city = 1
        UNION ALL
        SELECT r.o, r.level, r.code, r.name, g.* EXCLUDE (city, grp)
        FROM groups r LEFT JOIN g ON g.city = 0 AND g.grp = r.code
    )
    SELECT level, code, name, coalesce(paid_this_year, 0) AS paid_this_year, coalesce(paid_to_date, 0) AS paid_to_date,
           coalesce(persons, 0) AS persons, paid_to_date / persons AS per_person,
           coalesce(at_or_over_ceiling, 0) AS at_or_over_ceiling, max_share_of_ceiling,
           paid_to_date / (persons * 310000) AS share_of_ceiling
    FROM levels
    ORDER BY o, code;

COMMENT ON MACRO TABLE subsidy_usage IS
    '人才补贴：截至 as_of 的补贴发放，全市及按 by 分组（缺省 county 各县区，按 as_of 日在岗岗位所在县，不在岗则按此前最后一个岗位；cohort 按入职年份分队列，入职日期 = 最早到岗日期，code 为年份、name 如 2019年，列出 as_of 前每个入职年份；按名称传入 by := ''cohort''）：as_of 所在年 1 月 1 日至 as_of 发放 paid_this_year（元）、累计发放 paid_to_date（元）、领取人数 persons、人均 per_person = paid_to_date / persons、入职 5 年内累计领取达到或超过 310000 元（硕士研究生上限；与发现 subsidy_over_cap 同一规则，对所有学历适用）的人数 at_or_over_ceiling、单人入职 5 年内领取额占上限的最大比例 max_share_of_ceiling、平均占上限比例 share_of_ceiling = paid_to_date / (persons × 310000)（含入职 5 年后的发放）；无人领取时人均与比例为空；level 为 city、county 或 cohort；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / the talent subsidy up to as_of, for the city and, by by (default county: the county of the posting in post on as_of, else of the last one before; or cohort: the year of entry = the first start_date, code 2019, name the year and its suffix, every entry year up to as_of; pass it by name, by := ''cohort''): paid_this_year (yuan, from 1 January of as_of''s year to as_of), paid_to_date, persons paid, per_person = paid_to_date / persons, at_or_over_ceiling = persons paid 310,000 yuan or more within 5 years of entry (the ceiling for a master''s graduate; the rule of the subsidy_over_cap finding, applied to every degree), max_share_of_ceiling = the largest such sum of one person / 310,000, share_of_ceiling = paid_to_date / (persons * 310,000), the group''s average share of one ceiling (payments after year five included); per_person and the shares are null when nobody was paid; level is city, county or cohort; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
