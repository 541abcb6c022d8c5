-- Test data: person_first() as the macros stood before the vintage parameter
-- (sql/macros/universe.sql), the definition the old migration chain left. The
-- equivalence tests load it renamed person_first_007 and hold the current macro,
-- called without a vintage, to the same output.

CREATE OR REPLACE MACRO person_first() AS TABLE
    SELECT p.person_key, p.start_date AS entry, p.county_code, c.county_name, c.region, p.channel
    FROM fact_posting p JOIN dim_county c ON c.county_code = p.county_code
    QUALIFY row_number() OVER (PARTITION BY p.person_key ORDER BY p.start_date, p.village_code) = 1;
