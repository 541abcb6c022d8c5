-- settings.sql: the city's settings and its "today".
--
-- Macro parameters shadow column names inside a macro body, so the bodies
-- qualify every column whose name could clash (year).

-- city_setting(k): the value (VARCHAR) of setting k in etl_setting (the
-- configuration writes city_code, city_name, timezone, stale_after_hours on
-- every run); NULL when it is not set.
CREATE OR REPLACE MACRO city_setting(k) AS
    (SELECT max(s.value) FROM etl_setting s WHERE s.key = k);

-- city_today(): today (DATE) in the city's time zone.
CREATE OR REPLACE MACRO city_today() AS
    CAST(timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), now()) AS DATE);

COMMENT ON MACRO city_today IS
    '城市时区的今天（etl_setting.timezone，缺省 Asia/Shanghai） / today in the city''s time zone (etl_setting.timezone, default Asia/Shanghai)';

-- as_date(as_of): as_of as a DATE (a DATE, or text such as '2022-07-21');
-- today in the city's time zone when as_of is NULL. Every metric's as_of
-- goes through it.
CREATE OR REPLACE MACRO as_date(as_of) AS
    coalesce(CAST(as_of AS DATE), city_today());

COMMENT ON MACRO as_date IS
    '把 as_of 转为日期，为空时取城市今天 / as_of as a DATE, today in the city''s time zone when null';

-- city_day_end(as_of): the end of the day as_of in the city's time zone
-- (TIMESTAMPTZ), i.e. midnight at the start of the next day there. A run
-- "finished by the end of as_of" has finished_at < city_day_end(as_of).
CREATE OR REPLACE MACRO city_day_end(as_of) AS
    timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), CAST(as_date(as_of) + 1 AS TIMESTAMP));

COMMENT ON MACRO city_day_end IS
    '城市时区 as_of 日的结束时刻（次日零点，TIMESTAMPTZ）；as_of 为空时取城市今天 / the end of the day as_of in the city''s time zone (midnight starting the next day there, a TIMESTAMPTZ); today when as_of is null';
