-- exits.sql: exits(as_of), the persons who had left by a day, by reason.
--
-- exits(as_of := NULL): the persons posted before as_of (default: today in
-- the city's time zone) and in post nowhere on as_of, counted by the
-- end_reason of their last posting. One row per group and reason, ordered by
-- level (city, region, county), code, end_reason:
--   level       VARCHAR  city, region or county (of the last posting)
--   code        VARCHAR  the city code, the region or the county code
--   name        VARCHAR  the city or county name; for region the label of
--                        the code in vocabulary()
--   end_reason  VARCHAR  resigned, transferred, civil_service, promoted,
--                        other, or unspecified when blank
--   exits       BIGINT   persons

CREATE OR REPLACE MACRO exits(as_of := NULL, vintage := NULL) AS TABLE
    WITH per AS (
        SELECT p.person_key,
               bool_or(p.end_date IS NULL OR p.end_date > as_date(as_of)) AS in_post,
               -- The reason is made non-NULL before arg_max, which skips
               -- NULLs: a blank last reason must not give way to an earlier
               -- posting's reason.
               arg_max(coalesce(nullif(trim(p.end_reason), ''), 'unspecified'), p.end_date) AS end_reason,
               arg_max(p.county_code, p.end_date) AS county_code
        FROM fact_posting_vintage(vintage) p
        WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    ),
    gone AS (
        SELECT per.end_reason, per.county_code, c.county_name, c.region
        FROM per JOIN dim_county_vintage(vintage) c ON c.county_code = per.county_code
        WHERE NOT per.in_post
    ),
    -- The region rows take their name from vocabulary() once grouped.
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

COMMENT ON MACRO TABLE exits IS
    '离岗：截至 as_of 已不在岗的人（曾在岗、as_of 日无任何在岗记录），按最后一个岗位的离岗原因 end_reason（resigned 辞职、transferred 调动、civil_service 考录公务员、promoted 提拔、other 其他、unspecified 未填）计数；level 为 city、region、county（按最后一个岗位）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / exits: persons who had left by as_of (posted before, in post nowhere on as_of), counted by the end_reason of their last posting (resigned, transferred, civil_service, promoted, other, unspecified when blank); level is city, region or county (of the last posting); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
