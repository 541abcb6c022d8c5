-- 002_metrics.sql: the settings the metric macros read.
--
-- This migration also created the first metric macros; they now live in
-- sql/macros/ (one file per macro or family) and are applied with CREATE OR
-- REPLACE whenever a warehouse opens read-write, so a migration holds tables
-- and data changes only.

CREATE TABLE etl_setting (
    key   VARCHAR NOT NULL,
    value VARCHAR
);

COMMENT ON TABLE etl_setting IS
    '程序设置（由配置文件写入，每次运行更新）：city_code 城市代码, city_name 城市名称, timezone 时区, stale_after_hours 数据源过期小时数 / settings written from the configuration on every run: city_code, city_name, timezone (the city''s time zone; the macros'' "today"), stale_after_hours (a county with no successful pull for longer is stale)';
COMMENT ON COLUMN etl_setting.key IS
    '设置名：city_code, city_name, timezone, stale_after_hours / setting name: city_code, city_name, timezone, stale_after_hours';
COMMENT ON COLUMN etl_setting.value IS
    '设置值（文本） / setting value, as text';
