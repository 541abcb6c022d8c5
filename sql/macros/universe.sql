-- universe.sql: the rows the metric macros count from, on a day.
--
-- "In post on day D": start_date <= D and (end_date is null or end_date > D).
-- The village universe on D: established_on null or <= D, and dissolved_on
-- null or > D.

-- villages_on(as_of): the village universe on as_of, one row per village:
-- village_code, village_name, village_kind, urban_rural_code, township_code,
-- township_name (NULL when the township is not in dim_township),
-- county_code, county_name, region, established_on, dissolved_on.
CREATE OR REPLACE MACRO villages_on(as_of, vintage := NULL) AS TABLE
    SELECT v.village_code, v.village_name, v.village_kind, v.urban_rural_code,
           v.township_code, t.township_name, v.county_code, c.county_name, c.region,
           v.established_on, v.dissolved_on
    FROM dim_village_vintage(vintage) v
    JOIN dim_county_vintage(vintage) c ON c.county_code = v.county_code
    LEFT JOIN dim_township_vintage(vintage) t ON t.township_code = v.township_code
    WHERE (v.established_on IS NULL OR v.established_on <= as_date(as_of))
      AND (v.dissolved_on IS NULL OR v.dissolved_on > as_date(as_of));

COMMENT ON MACRO TABLE villages_on IS
    '某日的村（社区）范围：成立日期为空或不晚于该日，且撤销日期为空或晚于该日；带乡镇、县区和区域；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / the village universe on a day: established_on null or <= the day, dissolved_on null or > the day; with township, county and region; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- postings_on(as_of): the rows of fact_posting in post on as_of, with all
-- its columns.
CREATE OR REPLACE MACRO postings_on(as_of, vintage := NULL) AS TABLE
    SELECT p.* FROM fact_posting_vintage(vintage) p
    WHERE p.start_date <= as_date(as_of) AND (p.end_date IS NULL OR p.end_date > as_date(as_of));

COMMENT ON MACRO TABLE postings_on IS
    '某日在岗的派驻记录：到岗日期不晚于该日，且离岗日期为空或晚于该日；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / postings in post on a day: start_date <= the day and (end_date null or > the day); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- person_first(): one row per graduate: person_key, entry (the first
-- start_date), and the county_code, county_name, region and channel of that
-- first posting (ties: the lowest village code).
CREATE OR REPLACE MACRO person_first(vintage := NULL) AS TABLE
    SELECT p.person_key, p.start_date AS entry, p.county_code, c.county_name, c.region, p.channel
    FROM fact_posting_vintage(vintage) p JOIN dim_county_vintage(vintage) c ON c.county_code = p.county_code
    QUALIFY row_number() OVER (PARTITION BY p.person_key ORDER BY p.start_date, p.village_code) = 1;

COMMENT ON MACRO TABLE person_first IS
    '每名研究生的入职日期（最早到岗日期）及首个岗位的县区、区域、招录方式；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / each graduate''s entry (first start_date) with the county, region and channel of that first posting; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
