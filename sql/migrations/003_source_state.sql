-- 003_source_state.sql: what an HTTP source remembers between pulls.

CREATE TABLE etl_source_state (
    county_code VARCHAR NOT NULL,
    key         VARCHAR NOT NULL,
    value       VARCHAR,
    run_id      BIGINT NOT NULL,
    updated_at  TIMESTAMPTZ NOT NULL
);

COMMENT ON TABLE etl_source_state IS
    'HTTP 数据源在两次拉取之间记住的状态，只在拉取的数据提交后更新：cursor 为上次提交的拉取开始时服务器的 Date（下次作为 updated_since 发送），etag <url> 与 last_modified <url> 为文件的校验值（下次作为 If-None-Match / If-Modified-Since 发送） / what an HTTP source remembers between pulls, updated only when a pull''s load commits: cursor = the server''s Date at the start of the last committed pull (sent as updated_since next time); "etag <url>" and "last_modified <url>" = the validators of each file (sent as If-None-Match / If-Modified-Since)';
COMMENT ON COLUMN etl_source_state.county_code IS
    '县（市、区）6 位代码 / 6-digit county code';
COMMENT ON COLUMN etl_source_state.key IS
    '状态名：cursor、etag <url>、last_modified <url> / state name: cursor, "etag <url>", "last_modified <url>"';
COMMENT ON COLUMN etl_source_state.value IS
    '状态值（文本；cursor 为 RFC 3339 时间） / state value as text (cursor: an RFC 3339 time)';
COMMENT ON COLUMN etl_source_state.run_id IS
    '写入该状态的运行，见 etl_run / the run that wrote it, see etl_run';
COMMENT ON COLUMN etl_source_state.updated_at IS
    '写入时间 / when it was written';
