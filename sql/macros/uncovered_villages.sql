-- uncovered_villages.sql: uncovered_villages(as_of), the replenishment list.
--
-- uncovered_villages(as_of := NULL): the villages of the universe on as_of
-- (default: today in the city's time zone) with no graduate in post, longest
-- uncovered first (then by village code):
--   village_code, village_name, township_name, county_name, region  VARCHAR
--   uncovered_days    INTEGER  days since the last posting there ended, else
--                              since established_on, else NULL
--   vacancy_reported  BOOLEAN  a vacancy reported by as_of and not filled by
--                              then

CREATE OR REPLACE MACRO uncovered_villages(as_of := NULL, vintage := NULL) AS TABLE
    WITH u AS (SELECT * FROM villages_on(as_of, vintage := vintage)),
    covered AS (SELECT DISTINCT village_code FROM postings_on(as_of, vintage := vintage)),
    last_end AS (
        SELECT p.village_code, max(p.end_date) AS last_end
        FROM fact_posting_vintage(vintage) p WHERE p.end_date <= as_date(as_of) GROUP BY p.village_code
    ),
    vacant AS (
        SELECT DISTINCT v.village_code FROM fact_vacancy_vintage(vintage) v
        WHERE v.reported_on <= as_date(as_of) AND (v.filled_on IS NULL OR v.filled_on > as_date(as_of))
    )
    SELECT u.village_code, u.village_name, u.township_name, u.county_name, u.region,
           CASE WHEN l.last_end IS NOT NULL THEN as_date(as_of) - l.last_end
                WHEN u.established_on IS NOT NULL THEN as_date(as_of) - u.established_on END AS uncovered_days,
           vacant.village_code IS NOT NULL AS vacancy_reported
    FROM u
    LEFT JOIN last_end l ON l.village_code = u.village_code
    LEFT JOIN vacant ON vacant.village_code = u.village_code
    WHERE u.village_code NOT IN (SELECT village_code FROM covered)
    ORDER BY uncovered_days DESC NULLS LAST, u.village_code;

COMMENT ON MACRO TABLE uncovered_villages IS
    '待补充名单：as_of 日村（社区）范围内无研究生在岗的村（社区）；uncovered_days 为自最后一名研究生离岗起的天数（从未有人在岗则自成立日期起，成立日期也为空则为空）；vacancy_reported 表示 as_of 日有已登记且未补齐的空缺；按空缺天数从长到短；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / the replenishment list: villages of the universe on as_of with no graduate in post; uncovered_days since the last posting there ended (else since established_on, else null); vacancy_reported: a vacancy reported by as_of and not filled by then; longest first; vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
