-- Test data: villages_on() as the macros stood before the vintage parameter
-- (sql/macros/universe.sql), the definition the old migration chain left. The
-- equivalence tests load it renamed villages_on_007 and hold the current macro,
-- called without a vintage, to the same output.

CREATE OR REPLACE MACRO villages_on(as_of) AS TABLE
    SELECT v.village_code, v.village_name, v.village_kind, v.urban_rural_code,
           v.township_code, t.township_name, v.county_code, c.county_name, c.region,
           v.established_on, v.dissolved_on
    FROM dim_village v
    JOIN dim_county c ON c.county_code = v.county_code
    LEFT JOIN dim_township t ON t.township_code = v.township_code
    WHERE (v.established_on IS NULL OR v.established_on <= as_date(as_of))
      AND (v.dissolved_on IS NULL OR v.dissolved_on > as_date(as_of));
