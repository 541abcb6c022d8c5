-- open_vacancies.sql: open_vacancies(as_of), the vacancies open on a day.
--
-- open_vacancies(as_of): one row per village with a vacancy reported by
-- as_of and not filled by then (the same rule as uncovered_villages'
-- vacancy_reported), by village code:
--   village_code  VARCHAR
--   reported_on   DATE     the earliest such vacancy's registration day
--   vacancies     BIGINT   how many such vacancies the village has
-- The replenishment list of the monthly report shows reported_on beside
-- each uncovered village.
CREATE OR REPLACE MACRO open_vacancies(as_of, vintage := NULL) AS TABLE
    SELECT v.village_code, min(v.reported_on) AS reported_on, count(*) AS vacancies
    FROM fact_vacancy_vintage(vintage) v
    WHERE v.reported_on <= as_date(as_of) AND (v.filled_on IS NULL OR v.filled_on > as_date(as_of))
    GROUP BY v.village_code
    ORDER BY v.village_code;

COMMENT ON MACRO TABLE open_vacancies IS
    'as_of 日仍未补齐的空缺：每个村（社区）一行，reported_on 为其中最早的登记日期，vacancies 为条数（与 uncovered_villages 的 vacancy_reported 同一规则）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / the vacancies open on as_of: one row per village with a vacancy reported by as_of and not filled by then, reported_on the earliest one''s registration day, vacancies how many (the rule of uncovered_villages'' vacancy_reported); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
