-- subsidy_usage.sql: subsidy_usage(as_of), the talent subsidy paid and the
-- ceiling of 310,000 yuan within five years of entry.
--
-- The ceiling is the rule of the subsidy_over_cap finding (warehouse
-- findings): what a graduate is paid within five years of entry (paid_on
-- before entry + 5 years, entry = the first start_date) is held against
-- 310,000 yuan. The programme sets this ceiling for master's graduates;
-- dim_person.degree (doctorate, master, bachelor or NULL) carries no other
-- ceiling, so, like the finding, the macro holds every graduate to it.
--
-- subsidy_usage(as_of): payments made on or before as_of, for the city and
-- each county of dim_county. A person belongs to the county of the posting
-- in post on as_of, else of the last posting started by then (a person
-- paid but never posted by as_of is in no row). One row per level and code,
-- city first, then counties by code:
--   level, code, name     VARCHAR  city or county
--   paid_this_year        DOUBLE   yuan paid from 1 January of as_of's year
--                                  to as_of
--   paid_to_date          DOUBLE   yuan paid up to as_of
--   persons               BIGINT   persons paid up to as_of
--   per_person            DOUBLE   paid_to_date / persons; NULL for none
--   at_or_over_ceiling    BIGINT   persons paid 310,000 yuan or more within
--                                  five years of entry (payments up to as_of)
--   max_share_of_ceiling  DOUBLE   the largest such sum of one person
--                                  / 310,000; NULL for none

CREATE OR REPLACE MACRO subsidy_usage(as_of) AS TABLE
    WITH d AS (SELECT as_date(as_of) AS day),
    home AS (
        SELECT p.person_key, p.county_code
        FROM fact_posting p, d
        WHERE p.start_date <= d.day
        QUALIFY row_number() OVER (PARTITION BY p.person_key
            ORDER BY (p.end_date IS NULL OR p.end_date > d.day) DESC, p.start_date DESC, p.village_code) = 1
    ),
    ent AS (SELECT p.person_key, min(p.start_date) AS entry FROM fact_posting p GROUP BY p.person_key),
    per AS (
        SELECT s.person_key,
               sum(s.amount_yuan) FILTER (WHERE year(s.paid_on) = year(d.day)) AS this_year,
               sum(s.amount_yuan) AS to_date,
               sum(s.amount_yuan) FILTER (WHERE s.paid_on < ent.entry + INTERVAL 5 YEAR) AS within5
        FROM fact_subsidy s JOIN ent ON ent.person_key = s.person_key, d
        WHERE s.paid_on <= d.day
        GROUP BY s.person_key
    ),
    g AS (
        SELECT GROUPING(h.county_code) AS city, h.county_code,
               CAST(coalesce(sum(per.this_year), 0) AS DOUBLE) AS paid_this_year,
               CAST(sum(per.to_date) AS DOUBLE) AS paid_to_date,
               count(*) AS persons,
               count(*) FILTER (WHERE per.within5 >= 310000) AS at_or_over_ceiling,
               CAST(max(per.within5) AS DOUBLE) / 310000 AS max_share_of_ceiling
        FROM per JOIN home h ON h.person_key = per.person_key JOIN dim_county c ON c.county_code = h.county_code
        GROUP BY GROUPING SETS ((), (h.county_code))
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               g.* EXCLUDE (city, county_code)
        FROM (SELECT 1) LEFT JOIN g ON g.city = 1
        UNION ALL
        SELECT 2, 'county', c.county_code, c.county_name, g.* EXCLUDE (city, county_code)
        FROM dim_county c LEFT JOIN g ON g.city = 0 AND g.county_code = c.county_code
    )
    SELECT level, code, name, coalesce(paid_this_year, 0) AS paid_this_year, coalesce(paid_to_date, 0) AS paid_to_date,
           coalesce(persons, 0) AS persons, paid_to_date / persons AS per_person,
           coalesce(at_or_over_ceiling, 0) AS at_or_over_ceiling, max_share_of_ceiling
    FROM levels
    ORDER BY o, code;

COMMENT ON MACRO TABLE subsidy_usage IS
    '人才补贴：截至 as_of 的补贴发放，全市及各县区（按 as_of 日在岗岗位所在县，不在岗则按此前最后一个岗位）：as_of 所在年 1 月 1 日至 as_of 发放 paid_this_year（元）、累计发放 paid_to_date（元）、领取人数 persons、人均 per_person、入职 5 年内累计领取达到或超过 310000 元（硕士研究生上限；与发现 subsidy_over_cap 同一规则，对所有学历适用）的人数 at_or_over_ceiling、单人入职 5 年内领取额占上限的最大比例 max_share_of_ceiling；level 为 city、county / the talent subsidy up to as_of, for the city and each county (the county of the posting in post on as_of, else of the last one before): paid_this_year (yuan, from 1 January of as_of''s year to as_of), paid_to_date, persons paid, per_person, at_or_over_ceiling = persons paid 310,000 yuan or more within 5 years of entry (the ceiling for a master''s graduate; the rule of the subsidy_over_cap finding, applied to every degree), max_share_of_ceiling = the largest such sum of one person / 310,000; level is city or county';
