-- 010_finding_location.sql: a finding raised by one row of a file names that
-- row (file, sheet, row number), like a reject, so that the county's feedback
-- workbook (问题清单) can point the clerk at it; a finding about a whole
-- file or sheet (unused_columns, unknown_record_type) names the file and
-- sheet only. Findings that need the merged warehouse (vanished_from_ledger,
-- overlapping_postings, subsidy_over_cap) leave all three null.
ALTER TABLE etl_finding ADD COLUMN source_uri VARCHAR;
ALTER TABLE etl_finding ADD COLUMN sheet VARCHAR;
ALTER TABLE etl_finding ADD COLUMN row_number BIGINT;

COMMENT ON COLUMN etl_finding.source_uri IS
    '引发此项发现的文件：本地路径或 URL；不来自某一文件（vanished_from_ledger、overlapping_postings、subsidy_over_cap）时为空 / file that raised the finding: local path or URL; null when no one file raised it (vanished_from_ledger, overlapping_postings, subsidy_over_cap)';
COMMENT ON COLUMN etl_finding.sheet IS
    '引发此项发现的 xlsx 工作表名；csv、json 文件或不来自某一文件时为空 / worksheet that raised the finding in an .xlsx file; null for .csv and .json files and when no one file raised it';
COMMENT ON COLUMN etl_finding.row_number IS
    '引发此项发现的行号，从 1 起计，与 etl_reject.row_number 同义；不来自某一行时为空 / row number of the row that raised the finding, counted from 1 as in etl_reject.row_number; null when no one row raised it';
