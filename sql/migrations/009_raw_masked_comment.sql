-- 009_raw_masked_comment.sql: the comment on etl_reject.raw_masked says what
-- the masker now hides (dates of birth in every spelling, ID-like and
-- phone-like numbers in any cell, names with one fixed mask); the values
-- themselves are masked by transform before they reach DuckDB.
COMMENT ON COLUMN etl_reject.raw_masked IS
    '原始单元格值的 JSON 对象，键为文件中的表头原文；个人信息已脱敏：姓名与出生日期（任何写法）一律为 **，身份证号只留 6 位地区码、电话只留前 3 位，其他单元格中 7 位以上的数字串、2010 年以前的日期与本行出生日期一律为 ** / JSON object of the raw cell values keyed by the header as written in the file; personal values masked: a name and a date of birth (any spelling) become **, an ID number keeps its 6-digit area code and a phone its first 3 digits, and in other cells digit runs of 7 or more, dates before 2010 and the row''s own date of birth become **';
