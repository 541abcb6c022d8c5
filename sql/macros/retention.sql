-- retention.sql: retention(as_of, months), the share of a cohort still in
-- post months after entry.
--
-- retention(as_of := NULL, months := 12): per person, entry = the first
-- start_date (person_first()); the cohort is the persons whose entry + months
-- is on or before as_of (default: today in the city's time zone); retained
-- are those in post anywhere on entry + months (the mark). One row per group,
-- ordered by level (city, region, county, channel, entry_year), code, name:
--   level           VARCHAR  city, region, county, channel or entry_year
--   code            VARCHAR  the city code, the region, the county code, the
--                            channel (of the first posting) or the entry year
--   name            VARCHAR  the city or county name; for region and channel
--                            the label of the code in vocabulary(); for
--                            entry_year the year and its suffix (2019年)
--   cohort          BIGINT   persons in the cohort
--   retained        BIGINT   of those, persons in post on their mark
--   retention_rate  DOUBLE   retained / cohort
-- Region and county are those of the first posting.

CREATE OR REPLACE MACRO retention(as_of := NULL, months := 12, vintage := NULL) AS TABLE
    WITH cohort AS (
        SELECT f.person_key, f.entry, f.county_code, f.county_name, f.region, f.channel,
               CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) AS mark
        FROM person_first(vintage := vintage) f
        WHERE CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) <= as_date(as_of)
    ),
    -- In post anywhere on the mark. 'infinity' stands for an open end: later
    -- than every mark; a plain comparison keeps this a semi hash join.
    kept AS (
        SELECT c.person_key
        FROM cohort c
        SEMI JOIN fact_posting_vintage(vintage) p ON p.person_key = c.person_key
            AND p.start_date <= c.mark AND coalesce(p.end_date, DATE 'infinity') > c.mark
    ),
    -- Cohort and retained per level, in one pass over the cohort.
    -- GROUPING(region, county_code, channel, entry_year) has one bit per
    -- argument, 8 for region down to 1 for entry_year, set when that column
    -- is not in the row's grouping set:
    --   15 = 1111  ()                          city        o = 1
    --    7 = 0111  (region)                    region      o = 2
    --   11 = 1011  (county_code, county_name)  county      o = 3
    --   13 = 1101  (channel)                   channel     o = 4
    --   14 = 1110  (entry_year)                entry_year  o = 5 (ELSE)
    -- HAVING drops the () row an empty cohort would give.
    g AS (
        SELECT CASE GROUPING(region, county_code, channel, entry_year)
                   WHEN 15 THEN 1 WHEN 7 THEN 2 WHEN 11 THEN 3 WHEN 13 THEN 4 ELSE 5 END AS o,
               region, county_code, county_name, channel, entry_year,
               count(*) AS cohort, count(*) FILTER (WHERE retained) AS retained
        FROM (
            SELECT c.*, year(c.entry) AS entry_year, c.person_key IN (SELECT person_key FROM kept) AS retained
            FROM cohort c
        )
        GROUP BY GROUPING SETS ((), (region), (county_code, county_name), (channel), (entry_year))
        HAVING count(*) > 0
    ),
    -- Each group with its level, code and name (labels from vocabulary()).
    l AS (
        SELECT o,
               CASE o WHEN 1 THEN 'city' WHEN 2 THEN 'region' WHEN 3 THEN 'county' WHEN 4 THEN 'channel' ELSE 'entry_year' END AS level,
               CASE o WHEN 1 THEN city_setting('city_code') WHEN 2 THEN region WHEN 3 THEN county_code
                      WHEN 4 THEN channel ELSE CAST(entry_year AS VARCHAR) END AS code,
               CASE o WHEN 1 THEN city_setting('city_name')
                      WHEN 2 THEN label('region', region)
                      WHEN 3 THEN county_name
                      WHEN 4 THEN label('channel', channel)
                      ELSE CAST(entry_year AS VARCHAR) || label('suffix', 'entry_year') END AS name,
               cohort, retained
        FROM g
    )
    SELECT level, code, name, cohort, retained, retained / cohort AS retention_rate
    FROM l
    ORDER BY o, code, name;

COMMENT ON MACRO TABLE retention IS
    '留任率：每人入职日期 = 最早到岗日期；队列 cohort = 入职日期加 months 个月（缺省 12）不晚于 as_of 的人数；留任 retained = 其中在入职满 months 个月当日仍在岗（任一村）者；retention_rate = retained / cohort；level 为 city、region 和 county（按首个岗位）、channel（首个岗位的招录方式）、entry_year 入职年份；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / retention: per person, entry = first start_date; cohort = persons whose entry + months (default 12) <= as_of; retained = those in post anywhere on entry + months; retention_rate = retained / cohort; level is city, region and county (of the first posting), channel (of the first posting) or entry_year; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
