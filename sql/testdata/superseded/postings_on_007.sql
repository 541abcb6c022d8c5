-- Test data: postings_on() as the macros stood before the vintage parameter
-- (sql/macros/universe.sql), the definition the old migration chain left. The
-- equivalence tests load it renamed postings_on_007 and hold the current macro,
-- called without a vintage, to the same output.

CREATE OR REPLACE MACRO postings_on(as_of) AS TABLE
    SELECT p.* FROM fact_posting p
    WHERE p.start_date <= as_date(as_of) AND (p.end_date IS NULL OR p.end_date > as_date(as_of));
