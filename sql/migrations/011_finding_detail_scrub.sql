-- 011_finding_detail_scrub.sql: findings written before this version named a
-- date of birth (birth_mismatch: the year and month written and those of the
-- ID number) or an age (over_age_at_entry), and etl_finding is copied into
-- the published snapshot. The normaliser no longer writes them; this removes
-- them from the findings already stored.
UPDATE etl_finding
SET detail = '出生年月 contradicts the ID number (year or month); the ID number wins'
WHERE code = 'birth_mismatch';

UPDATE etl_finding
SET detail = regexp_replace(detail, 'aged [0-9]+ on', 'aged 30 or more on')
WHERE code = 'over_age_at_entry';
