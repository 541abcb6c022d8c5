-- vintage.sql: the tables as the warehouse knew them at a past moment.
--
-- Every dimension and fact table X keeps X_history: each version of each
-- row, with valid_from (the load that wrote it), valid_to (the load that
-- replaced it; NULL while current) and run_id. X_vintage(vintage) is X as it
-- stood at the moment vintage (a TIMESTAMPTZ, or anything that casts to
-- one: a TIMESTAMP is read in the session's time zone):
--   the rows of X_history with valid_from <= vintage and (valid_to NULL or
--   valid_to > vintage), with X's columns in X's order;
--   X itself when vintage is NULL (the warehouse as it is now).
-- The run tables are append-only logs: etl_run_vintage and etl_file_vintage
-- keep the runs finished and the files received by vintage,
-- etl_reject_vintage and etl_finding_vintage those of the runs finished by
-- then. Every load writes its rows' valid_from and its run's finished_at
-- from the same clock reading, so the moment a run finished (etl_run.
-- finished_at) is a vintage at which that load is complete and no later one
-- has begun.
--
-- Every metric macro takes vintage := NULL as its last parameter and reads
-- the tables through these macros only (TestMacrosReadTablesThroughVintage);
-- the report and `grassroots metrics` record the vintage they used. The
-- parameter has no default here, so every DuckDB 1.x client can pass it by
-- position.

CREATE OR REPLACE MACRO dim_county_vintage(vintage) AS TABLE
    SELECT * FROM dim_county WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM dim_county_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE dim_county_vintage IS
    '县（市、区）在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 dim_county_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 dim_county；vintage 为空时即 dim_county 本身 / counties as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of dim_county_history with valid_from <= vintage and valid_to null or > vintage, with the columns of dim_county; dim_county itself when vintage is null';

CREATE OR REPLACE MACRO dim_township_vintage(vintage) AS TABLE
    SELECT * FROM dim_township WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM dim_township_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE dim_township_vintage IS
    '乡镇（街道）在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 dim_township_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 dim_township；vintage 为空时即 dim_township 本身 / townships as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of dim_township_history with valid_from <= vintage and valid_to null or > vintage, with the columns of dim_township; dim_township itself when vintage is null';

CREATE OR REPLACE MACRO dim_village_vintage(vintage) AS TABLE
    SELECT * FROM dim_village WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM dim_village_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE dim_village_vintage IS
    '村（社区）在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 dim_village_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 dim_village；vintage 为空时即 dim_village 本身 / villages as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of dim_village_history with valid_from <= vintage and valid_to null or > vintage, with the columns of dim_village; dim_village itself when vintage is null';

CREATE OR REPLACE MACRO dim_person_vintage(vintage) AS TABLE
    SELECT * FROM dim_person WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM dim_person_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE dim_person_vintage IS
    '研究生（去标识）在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 dim_person_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 dim_person；vintage 为空时即 dim_person 本身 / graduates (no personal data) as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of dim_person_history with valid_from <= vintage and valid_to null or > vintage, with the columns of dim_person; dim_person itself when vintage is null';

CREATE OR REPLACE MACRO fact_posting_vintage(vintage) AS TABLE
    SELECT * FROM fact_posting WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM fact_posting_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE fact_posting_vintage IS
    '岗位（任职）在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 fact_posting_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 fact_posting；vintage 为空时即 fact_posting 本身 / postings as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of fact_posting_history with valid_from <= vintage and valid_to null or > vintage, with the columns of fact_posting; fact_posting itself when vintage is null';

CREATE OR REPLACE MACRO fact_role_vintage(vintage) AS TABLE
    SELECT * FROM fact_role WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM fact_role_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE fact_role_vintage IS
    '村（社区）和乡镇职务在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 fact_role_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 fact_role；vintage 为空时即 fact_role 本身 / village and township roles as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of fact_role_history with valid_from <= vintage and valid_to null or > vintage, with the columns of fact_role; fact_role itself when vintage is null';

CREATE OR REPLACE MACRO fact_assessment_vintage(vintage) AS TABLE
    SELECT * FROM fact_assessment WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM fact_assessment_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE fact_assessment_vintage IS
    '年度考核在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 fact_assessment_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 fact_assessment；vintage 为空时即 fact_assessment 本身 / yearly assessments as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of fact_assessment_history with valid_from <= vintage and valid_to null or > vintage, with the columns of fact_assessment; fact_assessment itself when vintage is null';

CREATE OR REPLACE MACRO fact_vacancy_vintage(vintage) AS TABLE
    SELECT * FROM fact_vacancy WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM fact_vacancy_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE fact_vacancy_vintage IS
    '空缺岗位在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 fact_vacancy_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 fact_vacancy；vintage 为空时即 fact_vacancy 本身 / vacancies as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of fact_vacancy_history with valid_from <= vintage and valid_to null or > vintage, with the columns of fact_vacancy; fact_vacancy itself when vintage is null';

CREATE OR REPLACE MACRO fact_quota_vintage(vintage) AS TABLE
    SELECT * FROM fact_quota WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM fact_quota_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE fact_quota_vintage IS
    '名额在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 fact_quota_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 fact_quota；vintage 为空时即 fact_quota 本身 / quotas as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of fact_quota_history with valid_from <= vintage and valid_to null or > vintage, with the columns of fact_quota; fact_quota itself when vintage is null';

CREATE OR REPLACE MACRO fact_subsidy_vintage(vintage) AS TABLE
    SELECT * FROM fact_subsidy WHERE vintage IS NULL
    UNION ALL
    SELECT * EXCLUDE (valid_from, valid_to, run_id) FROM fact_subsidy_history h
    WHERE vintage IS NOT NULL AND h.valid_from <= CAST(vintage AS TIMESTAMPTZ)
      AND (h.valid_to IS NULL OR h.valid_to > CAST(vintage AS TIMESTAMPTZ));

COMMENT ON MACRO TABLE fact_subsidy_vintage IS
    '补贴发放在某一时刻（vintage，TIMESTAMPTZ）仓库所知的样子：取自 fact_subsidy_history 中 valid_from <= vintage 且 valid_to 为空或晚于 vintage 的版本，列同 fact_subsidy；vintage 为空时即 fact_subsidy 本身 / subsidy payments as the warehouse knew them at the moment vintage (a TIMESTAMPTZ): the versions of fact_subsidy_history with valid_from <= vintage and valid_to null or > vintage, with the columns of fact_subsidy; fact_subsidy itself when vintage is null';

CREATE OR REPLACE MACRO etl_run_vintage(vintage) AS TABLE
    SELECT * FROM etl_run r
    WHERE vintage IS NULL OR r.finished_at <= CAST(vintage AS TIMESTAMPTZ);

COMMENT ON MACRO TABLE etl_run_vintage IS
    '某一时刻（vintage）已结束的运行：etl_run 中 finished_at <= vintage 的行；vintage 为空时为全部 / the runs finished by the moment vintage: the rows of etl_run with finished_at <= vintage; all of them when vintage is null';

CREATE OR REPLACE MACRO etl_file_vintage(vintage) AS TABLE
    SELECT * FROM etl_file f
    WHERE vintage IS NULL OR f.received_at <= CAST(vintage AS TIMESTAMPTZ);

COMMENT ON MACRO TABLE etl_file_vintage IS
    '某一时刻（vintage）已接收的文件：etl_file 中 received_at <= vintage 的行；vintage 为空时为全部 / the files received by the moment vintage: the rows of etl_file with received_at <= vintage; all of them when vintage is null';

CREATE OR REPLACE MACRO etl_reject_vintage(vintage) AS TABLE
    SELECT * FROM etl_reject x
    WHERE vintage IS NULL OR x.run_id IN (SELECT r.run_id FROM etl_run_vintage(vintage) r);

COMMENT ON MACRO TABLE etl_reject_vintage IS
    '某一时刻（vintage）已结束的运行所拒收的行：etl_reject 中属于 etl_run_vintage(vintage) 的运行的行 / the rows rejected by the runs finished by the moment vintage: the rows of etl_reject of the runs of etl_run_vintage(vintage)';

CREATE OR REPLACE MACRO etl_finding_vintage(vintage) AS TABLE
    SELECT * FROM etl_finding x
    WHERE vintage IS NULL OR x.run_id IN (SELECT r.run_id FROM etl_run_vintage(vintage) r);

COMMENT ON MACRO TABLE etl_finding_vintage IS
    '某一时刻（vintage）已结束的运行所发现的数据问题：etl_finding 中属于 etl_run_vintage(vintage) 的运行的行 / the findings of the runs finished by the moment vintage: the rows of etl_finding of the runs of etl_run_vintage(vintage)';
