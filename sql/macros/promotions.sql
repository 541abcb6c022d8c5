-- promotions.sql: promotions(as_of), graduates who took village committee,
-- party secretary or township leadership roles.
--
-- promotions(as_of := NULL): over the graduates whose entry is on or before
-- as_of (default: today in the city's time zone), with the roles starting on
-- or before as_of. One row per group, ordered by level (city, region,
-- county), code:
--   level                       VARCHAR  city, region or county (of the
--                                        latest posting starting by as_of)
--   code                        VARCHAR  the city code, the region or the
--                                        county code
--   name                        VARCHAR  the city or county name; for region
--                                        the label of the code in vocabulary()
--   graduates                   BIGINT   graduates
--   committee_members           BIGINT   with a committee or secretary role
--   party_secretaries           BIGINT   with a secretary role
--   township_leaders            BIGINT   with a township_leadership role
--   committee_rate              DOUBLE   committee_members / graduates
--   secretary_rate              DOUBLE   party_secretaries / graduates
--   median_months_to_committee  DOUBLE   median months (of 30.4375 days) from
--                                        entry to the first committee role

CREATE OR REPLACE MACRO promotions(as_of := NULL, vintage := NULL) AS TABLE
    WITH grads AS (
        SELECT p.person_key, min(p.start_date) AS entry, arg_max(p.county_code, p.start_date) AS county_code
        FROM fact_posting_vintage(vintage) p WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    ),
    roles AS (
        SELECT r.person_key,
               bool_or(r.role_category IN ('committee', 'secretary')) AS committee,
               bool_or(r.role_category = 'secretary') AS secretary,
               bool_or(r.role_category = 'township_leadership') AS township,
               min(r.start_date) FILTER (WHERE r.role_category IN ('committee', 'secretary')) AS first_committee
        FROM fact_role_vintage(vintage) r WHERE r.start_date <= as_date(as_of)
        GROUP BY r.person_key
    ),
    per AS (
        SELECT g.person_key, g.county_code, c.county_name, c.region,
               coalesce(r.committee, false) AS committee, coalesce(r.secretary, false) AS secretary,
               coalesce(r.township, false) AS township,
               (r.first_committee - g.entry) / 30.4375 AS months_to_committee
        FROM grads g JOIN dim_county_vintage(vintage) c ON c.county_code = g.county_code
        LEFT JOIN roles r ON r.person_key = g.person_key
    ),
    -- The region rows take their name from vocabulary() once grouped.
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS nm, * FROM per
        UNION ALL
        SELECT 2, 'region', region, NULL, * FROM per
        UNION ALL
        SELECT 3, 'county', county_code, county_name, * FROM per
    )
    SELECT level, code, CASE WHEN o = 2 THEN label('region', code) ELSE nm END AS name,
           count(*) AS graduates,
           count(*) FILTER (WHERE committee) AS committee_members,
           count(*) FILTER (WHERE secretary) AS party_secretaries,
           count(*) FILTER (WHERE township) AS township_leaders,
           count(*) FILTER (WHERE committee) / count(*) AS committee_rate,
           count(*) FILTER (WHERE secretary) / count(*) AS secretary_rate,
           median(months_to_committee) FILTER (WHERE committee) AS median_months_to_committee
    FROM levels
    GROUP BY o, level, code, nm
    ORDER BY o, code;

COMMENT ON MACRO TABLE promotions IS
    '晋升：graduates 为入职日期不晚于 as_of 的研究生人数；committee_members 进入村（社区）“两委”的人数（书记也计入）、party_secretaries 任村（社区）党组织书记的人数、township_leaders 进入乡镇（街道）领导班子的人数，均为任职日期不晚于 as_of 的去重人数；committee_rate、secretary_rate 为占 graduates 的比例；median_months_to_committee 为自入职到首次进入两委的月数中位数（一个月按 30.4375 天）；level 为 city、region、county（按 as_of 前最近一个岗位）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / promotions: graduates = persons with entry <= as_of; committee_members, party_secretaries and township_leaders count distinct persons with a role of that category starting <= as_of (a secretary counts as a committee member too); committee_rate and secretary_rate are over graduates; median_months_to_committee = median months (of 30.4375 days) from entry to the first committee role; level is city, region or county (of the latest posting starting by as_of); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
