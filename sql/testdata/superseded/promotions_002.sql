-- Test data: promotions() as migration 002_metrics.sql created it, superseded by
-- the vocabulary (sql/macros/promotions.sql). The equivalence tests load it
-- renamed promotions_002 and hold the current macro to the same output.

CREATE MACRO promotions(as_of := NULL) AS TABLE
    WITH grads AS (
        SELECT p.person_key, min(p.start_date) AS entry, arg_max(p.county_code, p.start_date) AS county_code
        FROM fact_posting p WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    ),
    roles AS (
        SELECT r.person_key,
               bool_or(r.role_category IN ('committee', 'secretary')) AS committee,
               bool_or(r.role_category = 'secretary') AS secretary,
               bool_or(r.role_category = 'township_leadership') AS township,
               min(r.start_date) FILTER (WHERE r.role_category IN ('committee', 'secretary')) AS first_committee
        FROM fact_role r WHERE r.start_date <= as_date(as_of)
        GROUP BY r.person_key
    ),
    per AS (
        SELECT g.person_key, g.county_code, c.county_name, c.region,
               coalesce(r.committee, false) AS committee, coalesce(r.secretary, false) AS secretary,
               coalesce(r.township, false) AS township,
               (r.first_committee - g.entry) / 30.4375 AS months_to_committee
        FROM grads g JOIN dim_county c ON c.county_code = g.county_code
        LEFT JOIN roles r ON r.person_key = g.person_key
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name, * FROM per
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END, * FROM per
        UNION ALL
        SELECT 3, 'county', county_code, county_name, * FROM per
    )
    SELECT level, code, name,
           count(*) AS graduates,
           count(*) FILTER (WHERE committee) AS committee_members,
           count(*) FILTER (WHERE secretary) AS party_secretaries,
           count(*) FILTER (WHERE township) AS township_leaders,
           count(*) FILTER (WHERE committee) / count(*) AS committee_rate,
           count(*) FILTER (WHERE secretary) / count(*) AS secretary_rate,
           median(months_to_committee) FILTER (WHERE committee) AS median_months_to_committee
    FROM levels
    GROUP BY o, level, code, name
    ORDER BY o, code;
