-- bookkeeping.sql: the tables that record what has been applied to a
-- warehouse file or a published snapshot. It runs (IF NOT EXISTS) every time
-- a warehouse opens read-write and when a snapshot is built, before the
-- migrations.

-- schema_migrations: one row per migration of sql/migrations applied.
CREATE TABLE IF NOT EXISTS schema_migrations (
	version INTEGER NOT NULL, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL);
COMMENT ON TABLE schema_migrations IS '已应用的数据库迁移 / schema migrations applied to this file';
COMMENT ON COLUMN schema_migrations.version IS '迁移版本号 / migration version (the NNN of sql/migrations/NNN_name.sql)';
COMMENT ON COLUMN schema_migrations.name IS '迁移名称 / migration name';
COMMENT ON COLUMN schema_migrations.applied_at IS '应用时间 / when it was applied';

-- schema_macros: one row, the hash of the macro set of sql/macros last
-- applied; a binary whose set hashes differently applies its own.
CREATE TABLE IF NOT EXISTS schema_macros (
	hash VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL);
COMMENT ON TABLE schema_macros IS '已应用的宏（sql/macros）：一行 / the macros of sql/macros applied to this file: one row';
COMMENT ON COLUMN schema_macros.hash IS '宏文本的 SHA-256（十六进制） / hex SHA-256 of the macro files'' text, concatenated in the order they are applied';
COMMENT ON COLUMN schema_macros.applied_at IS '应用时间 / when they were applied';
