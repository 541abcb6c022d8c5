-- Test data: uncovered_villages() as the macros stood before the vintage parameter
-- (sql/macros/uncovered_villages.sql), the definition the old migration chain left. The
-- equivalence tests load it renamed uncovered_villages_007 and hold the current macro,
-- called without a vintage, to the same output.

CREATE OR REPLACE MACRO uncovered_villages(as_of := NULL) AS TABLE
    WITH u AS (SELECT * FROM villages_on(as_of)),
    covered AS (SELECT DISTINCT village_code FROM postings_on(as_of)),
    last_end AS (
        SELECT p.village_code, max(p.end_date) AS last_end
        FROM fact_posting p WHERE p.end_date <= as_date(as_of) GROUP BY p.village_code
    ),
    vacant AS (
        SELECT DISTINCT v.village_code FROM fact_vacancy v
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
