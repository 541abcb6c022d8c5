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
-- It is exits_between(-infinity, as_of) (flows.sql), whose rules it shares:
-- the last posting is the one that ended last (the higher village code on
-- a tie).

CREATE OR REPLACE MACRO exits(as_of := NULL, vintage := NULL) AS TABLE
    -- Everyone who left before as_of: exits_between from the beginning of
    -- time.
    SELECT * FROM exits_between(DATE '-infinity', as_date(as_of), vintage := vintage)
    ORDER BY CASE level WHEN 'city' THEN 1 WHEN 'region' THEN 2 ELSE 3 END, code, end_reason;

COMMENT ON MACRO TABLE exits IS
    '离岗：截至 as_of 已不在岗的人（曾在岗、as_of 日无任何在岗记录），按最后一个岗位的离岗原因 end_reason（resigned 辞职、transferred 调动、civil_service 考录公务员、promoted 提拔、other 其他、unspecified 未填）计数；level 为 city、region、county（按最后一个岗位）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / exits: persons who had left by as_of (posted before, in post nowhere on as_of), counted by the end_reason of their last posting (resigned, transferred, civil_service, promoted, other, unspecified when blank); level is city, region or county (of the last posting); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
