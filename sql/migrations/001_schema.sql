-- 001_schema.sql: the warehouse schema (every table and column is described
-- in docs/warehouse.md).
--
-- Every dimension, pii_ and fact table X has X_history: the same columns, then
-- valid_from, valid_to (null = current version) and run_id. History holds every
-- version of a row, the current one included; the state at time T is
--   WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T).
--
-- DuckDB rules (docs/design.md): no PRIMARY KEY, UNIQUE, FOREIGN KEY or index;
-- keys are enforced by the merge SQL and checked by tests. NOT NULL only where
-- the feed makes a value mandatory (docs/feeds.md). No ENUM types: codes are
-- VARCHAR, and their allowed values are listed in the column comments.
-- Division codes are VARCHAR of digits (6 county, 9 township, 12 village).
--
-- Every table and column carries a COMMENT: '中文说明 / English description'.

-- Dimensions, personal data and facts, each followed by its history.

CREATE TABLE dim_county (
    county_code VARCHAR NOT NULL,
    county_name VARCHAR NOT NULL,
    region      VARCHAR NOT NULL
);

CREATE TABLE dim_county_history (
    county_code VARCHAR NOT NULL,
    county_name VARCHAR NOT NULL,
    region      VARCHAR NOT NULL,
    valid_from  TIMESTAMPTZ NOT NULL,
    valid_to    TIMESTAMPTZ,
    run_id      BIGINT NOT NULL
);

CREATE TABLE dim_township (
    township_code VARCHAR NOT NULL,
    township_name VARCHAR NOT NULL,
    township_kind VARCHAR NOT NULL,
    county_code   VARCHAR NOT NULL
);

CREATE TABLE dim_township_history (
    township_code VARCHAR NOT NULL,
    township_name VARCHAR NOT NULL,
    township_kind VARCHAR NOT NULL,
    county_code   VARCHAR NOT NULL,
    valid_from    TIMESTAMPTZ NOT NULL,
    valid_to      TIMESTAMPTZ,
    run_id        BIGINT NOT NULL
);

CREATE TABLE dim_village (
    village_code     VARCHAR NOT NULL,
    village_name     VARCHAR NOT NULL,
    village_kind     VARCHAR NOT NULL,
    urban_rural_code VARCHAR,
    township_code    VARCHAR NOT NULL,
    county_code      VARCHAR NOT NULL,
    established_on   DATE,
    dissolved_on     DATE
);

CREATE TABLE dim_village_history (
    village_code     VARCHAR NOT NULL,
    village_name     VARCHAR NOT NULL,
    village_kind     VARCHAR NOT NULL,
    urban_rural_code VARCHAR,
    township_code    VARCHAR NOT NULL,
    county_code      VARCHAR NOT NULL,
    established_on   DATE,
    dissolved_on     DATE,
    valid_from       TIMESTAMPTZ NOT NULL,
    valid_to         TIMESTAMPTZ,
    run_id           BIGINT NOT NULL
);

CREATE TABLE dim_person (
    person_key       VARCHAR NOT NULL,
    gender           VARCHAR,
    birth_year       INTEGER,
    degree           VARCHAR,
    university       VARCHAR,
    major            VARCHAR,
    political_status VARCHAR
);

CREATE TABLE dim_person_history (
    person_key       VARCHAR NOT NULL,
    gender           VARCHAR,
    birth_year       INTEGER,
    degree           VARCHAR,
    university       VARCHAR,
    major            VARCHAR,
    political_status VARCHAR,
    valid_from       TIMESTAMPTZ NOT NULL,
    valid_to         TIMESTAMPTZ,
    run_id           BIGINT NOT NULL
);

CREATE TABLE pii_person (
    person_key VARCHAR NOT NULL,
    name       VARCHAR,
    id_number  VARCHAR NOT NULL,
    phone      VARCHAR
);

CREATE TABLE pii_person_history (
    person_key VARCHAR NOT NULL,
    name       VARCHAR,
    id_number  VARCHAR NOT NULL,
    phone      VARCHAR,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ,
    run_id     BIGINT NOT NULL
);

CREATE TABLE fact_posting (
    person_key      VARCHAR NOT NULL,
    village_code    VARCHAR NOT NULL,
    township_code   VARCHAR NOT NULL,
    county_code     VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,
    selection_round VARCHAR,
    quota_source    VARCHAR NOT NULL,
    start_date      DATE NOT NULL,
    end_date        DATE,
    end_reason      VARCHAR,
    mentor_role     VARCHAR
);

CREATE TABLE fact_posting_history (
    person_key      VARCHAR NOT NULL,
    village_code    VARCHAR NOT NULL,
    township_code   VARCHAR NOT NULL,
    county_code     VARCHAR NOT NULL,
    channel         VARCHAR NOT NULL,
    selection_round VARCHAR,
    quota_source    VARCHAR NOT NULL,
    start_date      DATE NOT NULL,
    end_date        DATE,
    end_reason      VARCHAR,
    mentor_role     VARCHAR,
    valid_from      TIMESTAMPTZ NOT NULL,
    valid_to        TIMESTAMPTZ,
    run_id          BIGINT NOT NULL
);

CREATE TABLE fact_role (
    person_key    VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,
    role_category VARCHAR NOT NULL,
    village_code  VARCHAR,
    start_date    DATE NOT NULL,
    end_date      DATE
);

CREATE TABLE fact_role_history (
    person_key    VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,
    role_category VARCHAR NOT NULL,
    village_code  VARCHAR,
    start_date    DATE NOT NULL,
    end_date      DATE,
    valid_from    TIMESTAMPTZ NOT NULL,
    valid_to      TIMESTAMPTZ,
    run_id        BIGINT NOT NULL
);

CREATE TABLE fact_assessment (
    person_key VARCHAR NOT NULL,
    year       INTEGER NOT NULL,
    grade      VARCHAR NOT NULL
);

CREATE TABLE fact_assessment_history (
    person_key VARCHAR NOT NULL,
    year       INTEGER NOT NULL,
    grade      VARCHAR NOT NULL,
    valid_from TIMESTAMPTZ NOT NULL,
    valid_to   TIMESTAMPTZ,
    run_id     BIGINT NOT NULL
);

CREATE TABLE fact_vacancy (
    village_code VARCHAR NOT NULL,
    reported_on  DATE NOT NULL,
    reason       VARCHAR NOT NULL,
    filled_on    DATE
);

CREATE TABLE fact_vacancy_history (
    village_code VARCHAR NOT NULL,
    reported_on  DATE NOT NULL,
    reason       VARCHAR NOT NULL,
    filled_on    DATE,
    valid_from   TIMESTAMPTZ NOT NULL,
    valid_to     TIMESTAMPTZ,
    run_id       BIGINT NOT NULL
);

CREATE TABLE fact_quota (
    county_code    VARCHAR NOT NULL,
    township_code  VARCHAR,
    year           INTEGER NOT NULL,
    township_quota INTEGER,
    county_pool    INTEGER
);

CREATE TABLE fact_quota_history (
    county_code    VARCHAR NOT NULL,
    township_code  VARCHAR,
    year           INTEGER NOT NULL,
    township_quota INTEGER,
    county_pool    INTEGER,
    valid_from     TIMESTAMPTZ NOT NULL,
    valid_to       TIMESTAMPTZ,
    run_id         BIGINT NOT NULL
);

CREATE TABLE fact_subsidy (
    person_key  VARCHAR NOT NULL,
    paid_on     DATE NOT NULL,
    kind        VARCHAR NOT NULL,
    amount_yuan DECIMAL(12,2) NOT NULL
);

CREATE TABLE fact_subsidy_history (
    person_key  VARCHAR NOT NULL,
    paid_on     DATE NOT NULL,
    kind        VARCHAR NOT NULL,
    amount_yuan DECIMAL(12,2) NOT NULL,
    valid_from  TIMESTAMPTZ NOT NULL,
    valid_to    TIMESTAMPTZ,
    run_id      BIGINT NOT NULL
);

-- ETL bookkeeping.

CREATE TABLE etl_run (
    run_id         BIGINT NOT NULL,
    job            VARCHAR NOT NULL,
    county_code    VARCHAR,
    started_at     TIMESTAMPTZ NOT NULL,
    finished_at    TIMESTAMPTZ,
    status         VARCHAR NOT NULL,
    rows_in        BIGINT,
    rows_loaded    BIGINT,
    rows_unchanged BIGINT,
    rows_duplicate BIGINT,
    rows_rejected  BIGINT,
    error          VARCHAR
);

CREATE TABLE etl_file (
    file_sha256  VARCHAR NOT NULL,
    county_code  VARCHAR,
    source_uri   VARCHAR NOT NULL,
    record_types VARCHAR[],
    first_run_id BIGINT NOT NULL,
    received_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE etl_reject (
    run_id      BIGINT NOT NULL,
    county_code VARCHAR,
    source_uri  VARCHAR NOT NULL,
    sheet       VARCHAR,
    row_number  BIGINT,
    reason      VARCHAR NOT NULL,
    raw_masked  VARCHAR
);

CREATE TABLE etl_finding (
    run_id       BIGINT NOT NULL,
    county_code  VARCHAR,
    code         VARCHAR NOT NULL,
    severity     VARCHAR NOT NULL,
    person_key   VARCHAR,
    village_code VARCHAR,
    detail       VARCHAR
);

-- Comments.

COMMENT ON TABLE dim_county IS
    '县（市、区）维度：配置文件中的每个县级单位一行 / County dimension: one row per county-level unit (县/市/区) in the configuration file';
COMMENT ON COLUMN dim_county.county_code IS
    '县级区划代码，6 位数字（统计用区划代码的前 6 位），如 140123 / county division code: 6 digits (the first 6 digits of the statistical division code), e.g. 140123';
COMMENT ON COLUMN dim_county.county_name IS
    '县（市、区）名称，如 娄烦县 / county name as configured, e.g. 娄烦县';
COMMENT ON COLUMN dim_county.region IS
    '区域类别，由配置文件指定：remote = 偏远地区，developed = 发达地区 / region class set in the configuration: remote (偏远地区, remote area) or developed (发达地区, developed area)';

COMMENT ON TABLE dim_county_history IS
    '县（市、区）维度（dim_county）的历史：dim_county 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of dim_county: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN dim_county_history.county_code IS
    '县级区划代码，6 位数字（统计用区划代码的前 6 位），如 140123 / county division code: 6 digits (the first 6 digits of the statistical division code), e.g. 140123';
COMMENT ON COLUMN dim_county_history.county_name IS
    '县（市、区）名称，如 娄烦县 / county name as configured, e.g. 娄烦县';
COMMENT ON COLUMN dim_county_history.region IS
    '区域类别，由配置文件指定：remote = 偏远地区，developed = 发达地区 / region class set in the configuration: remote (偏远地区, remote area) or developed (发达地区, developed area)';
COMMENT ON COLUMN dim_county_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN dim_county_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN dim_county_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE dim_township IS
    '乡级维度：每个乡镇（街道）一行，来自全市村社区名录 / Township dimension: one row per township-level unit (街道, 镇, 乡 or similar), from the city list of villages and communities (divisions)';
COMMENT ON COLUMN dim_township.township_code IS
    '乡级区划代码，9 位数字：第 1-6 位为县级代码，第 7-9 位为乡级序号 / township division code: 9 digits; digits 1-6 are the county code, digits 7-9 number the township within the county';
COMMENT ON COLUMN dim_township.township_name IS
    '乡镇（街道）名称，规范化文本 / township name, normalised text';
COMMENT ON COLUMN dim_township.township_kind IS
    '乡级类别，由代码第 7-9 位决定：street = 街道（001-099），town = 镇（100-199），township = 乡（200-399），other = 类似乡级单位如开发区（400-599） / kind, from digits 7-9 of the code: street (街道, 001-099), town (镇, 100-199), township (乡, 200-399), other (类似乡级单位, township-like units such as development zones, 400-599)';
COMMENT ON COLUMN dim_township.county_code IS
    '所属县级区划代码，6 位数字，即 township_code 的前 6 位 / code of the county it belongs to: 6 digits, the first 6 digits of township_code';

COMMENT ON TABLE dim_township_history IS
    '乡级维度（dim_township）的历史：dim_township 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of dim_township: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN dim_township_history.township_code IS
    '乡级区划代码，9 位数字：第 1-6 位为县级代码，第 7-9 位为乡级序号 / township division code: 9 digits; digits 1-6 are the county code, digits 7-9 number the township within the county';
COMMENT ON COLUMN dim_township_history.township_name IS
    '乡镇（街道）名称，规范化文本 / township name, normalised text';
COMMENT ON COLUMN dim_township_history.township_kind IS
    '乡级类别，由代码第 7-9 位决定：street = 街道（001-099），town = 镇（100-199），township = 乡（200-399），other = 类似乡级单位如开发区（400-599） / kind, from digits 7-9 of the code: street (街道, 001-099), town (镇, 100-199), township (乡, 200-399), other (类似乡级单位, township-like units such as development zones, 400-599)';
COMMENT ON COLUMN dim_township_history.county_code IS
    '所属县级区划代码，6 位数字，即 township_code 的前 6 位 / code of the county it belongs to: 6 digits, the first 6 digits of township_code';
COMMENT ON COLUMN dim_township_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN dim_township_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN dim_township_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE dim_village IS
    '村级维度：每个村（社区）一行，来自全市村社区名录，含已撤销的村（社区）。D 日的村级范围：established_on 为空或 <= D，且 dissolved_on 为空或 > D / Village dimension: one row per village or urban community (村/社区) in the city divisions list, dissolved ones included. The village universe on day D: established_on is null or <= D, and dissolved_on is null or > D';
COMMENT ON COLUMN dim_village.village_code IS
    '村级统计用区划代码，12 位数字：第 1-9 位为乡级代码，第 10-12 位为村级序号 / statistical division code of the village or community: 12 digits; digits 1-9 are the township code, digits 10-12 number the village within the township';
COMMENT ON COLUMN dim_village.village_name IS
    '村（社区）名称，规范化文本 / village or community name, normalised text';
COMMENT ON COLUMN dim_village.village_kind IS
    '村级类别，由代码末 3 位决定，与城乡分类无关：community = 社区/居委会（001-199），village = 村委会（200-399） / kind, from the last 3 digits of the code and independent of the urban-rural class: community (社区/居委会, residents committee, 001-199) or village (村委会, villagers committee, 200-399)';
COMMENT ON COLUMN dim_village.urban_rural_code IS
    '城乡分类代码：111 主城区，112 城乡结合区，121 镇中心区，122 镇乡结合区，123 特殊区域，210 乡中心区，220 村庄；1xx 计为城镇，2xx 计为乡村；空值 = 名录未给出 / urban-rural class code: 111 main urban area, 112 urban-rural fringe, 121 town centre, 122 town-rural fringe, 123 special area, 210 township centre, 220 village; 1xx counts as urban, 2xx as rural; null = not given in the list';
COMMENT ON COLUMN dim_village.township_code IS
    '所属乡级区划代码，9 位数字，即 village_code 的前 9 位，见 dim_township / code of the township it belongs to: 9 digits, the first 9 digits of village_code, see dim_township';
COMMENT ON COLUMN dim_village.county_code IS
    '所属县级区划代码，6 位数字，即 village_code 的前 6 位，见 dim_county / code of the county it belongs to: 6 digits, the first 6 digits of village_code, see dim_county';
COMMENT ON COLUMN dim_village.established_on IS
    '设立日期（当日起计入）；空值 = 名录未注明，视为一直存在 / date the village or community was established (counted from this day on); null = not stated, treated as always existing';
COMMENT ON COLUMN dim_village.dissolved_on IS
    '撤销日期（当日起不再计入）；空值 = 仍然存在 / date it was dissolved (no longer counted from this day on); null = still exists';

COMMENT ON TABLE dim_village_history IS
    '村级维度（dim_village）的历史：dim_village 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of dim_village: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN dim_village_history.village_code IS
    '村级统计用区划代码，12 位数字：第 1-9 位为乡级代码，第 10-12 位为村级序号 / statistical division code of the village or community: 12 digits; digits 1-9 are the township code, digits 10-12 number the village within the township';
COMMENT ON COLUMN dim_village_history.village_name IS
    '村（社区）名称，规范化文本 / village or community name, normalised text';
COMMENT ON COLUMN dim_village_history.village_kind IS
    '村级类别，由代码末 3 位决定，与城乡分类无关：community = 社区/居委会（001-199），village = 村委会（200-399） / kind, from the last 3 digits of the code and independent of the urban-rural class: community (社区/居委会, residents committee, 001-199) or village (村委会, villagers committee, 200-399)';
COMMENT ON COLUMN dim_village_history.urban_rural_code IS
    '城乡分类代码：111 主城区，112 城乡结合区，121 镇中心区，122 镇乡结合区，123 特殊区域，210 乡中心区，220 村庄；1xx 计为城镇，2xx 计为乡村；空值 = 名录未给出 / urban-rural class code: 111 main urban area, 112 urban-rural fringe, 121 town centre, 122 town-rural fringe, 123 special area, 210 township centre, 220 village; 1xx counts as urban, 2xx as rural; null = not given in the list';
COMMENT ON COLUMN dim_village_history.township_code IS
    '所属乡级区划代码，9 位数字，即 village_code 的前 9 位，见 dim_township / code of the township it belongs to: 9 digits, the first 9 digits of village_code, see dim_township';
COMMENT ON COLUMN dim_village_history.county_code IS
    '所属县级区划代码，6 位数字，即 village_code 的前 6 位，见 dim_county / code of the county it belongs to: 6 digits, the first 6 digits of village_code, see dim_county';
COMMENT ON COLUMN dim_village_history.established_on IS
    '设立日期（当日起计入）；空值 = 名录未注明，视为一直存在 / date the village or community was established (counted from this day on); null = not stated, treated as always existing';
COMMENT ON COLUMN dim_village_history.dissolved_on IS
    '撤销日期（当日起不再计入）；空值 = 仍然存在 / date it was dissolved (no longer counted from this day on); null = still exists';
COMMENT ON COLUMN dim_village_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN dim_village_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN dim_village_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE dim_person IS
    '人员维度：每名到村任职的高校毕业生一行，不含个人信息，以 person_key 代替姓名和身份证号；属性为最近一次报送的值 / Person dimension: one row per graduate, without personal data: person_key stands in for name and ID number; attributes are as most recently reported';
COMMENT ON COLUMN dim_person.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN dim_person.gender IS
    '性别：male = 男，female = 女；台账未填时取自身份证号，二者矛盾时记发现 gender_mismatch；空值 = 未知 / gender: male (男) or female (女); taken from the ID number where the ledger leaves it empty, a contradiction is recorded as finding gender_mismatch; null = unknown';
COMMENT ON COLUMN dim_person.birth_year IS
    '出生年份（4 位公历年），以身份证号为准，与台账出生年月矛盾时记发现 birth_mismatch；空值 = 未知 / year of birth (4-digit calendar year); the ID number wins over the ledger birth column, a contradiction is recorded as finding birth_mismatch; null = unknown';
COMMENT ON COLUMN dim_person.degree IS
    '最高学历：doctorate = 博士（博士研究生），master = 硕士（硕士研究生、研究生），bachelor = 本科（大学本科、学士）；空值 = 未知 / highest degree: doctorate (博士, 博士研究生), master (硕士, 硕士研究生, 研究生) or bachelor (本科, 大学本科, 学士); null = unknown';
COMMENT ON COLUMN dim_person.university IS
    '毕业院校，规范化后的原文；空值 = 未填 / university graduated from, normalised text as reported; null = not reported';
COMMENT ON COLUMN dim_person.major IS
    '所学专业，规范化后的原文；空值 = 未填 / field of study, normalised text as reported; null = not reported';
COMMENT ON COLUMN dim_person.political_status IS
    '政治面貌代码：party_member = 中共党员，probationary_member = 中共预备党员，youth_league = 共青团员，masses = 群众，democratic_party = 民主党派，non_party = 无党派人士；空值 = 未填 / political status code: party_member (中共党员, CPC member), probationary_member (中共预备党员, probationary CPC member), youth_league (共青团员, Communist Youth League member), masses (群众, no affiliation), democratic_party (民主党派, member of a democratic party), non_party (无党派人士, non-party personage); null = not reported';

COMMENT ON TABLE dim_person_history IS
    '人员维度（dim_person）的历史：dim_person 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of dim_person: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN dim_person_history.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN dim_person_history.gender IS
    '性别：male = 男，female = 女；台账未填时取自身份证号，二者矛盾时记发现 gender_mismatch；空值 = 未知 / gender: male (男) or female (女); taken from the ID number where the ledger leaves it empty, a contradiction is recorded as finding gender_mismatch; null = unknown';
COMMENT ON COLUMN dim_person_history.birth_year IS
    '出生年份（4 位公历年），以身份证号为准，与台账出生年月矛盾时记发现 birth_mismatch；空值 = 未知 / year of birth (4-digit calendar year); the ID number wins over the ledger birth column, a contradiction is recorded as finding birth_mismatch; null = unknown';
COMMENT ON COLUMN dim_person_history.degree IS
    '最高学历：doctorate = 博士（博士研究生），master = 硕士（硕士研究生、研究生），bachelor = 本科（大学本科、学士）；空值 = 未知 / highest degree: doctorate (博士, 博士研究生), master (硕士, 硕士研究生, 研究生) or bachelor (本科, 大学本科, 学士); null = unknown';
COMMENT ON COLUMN dim_person_history.university IS
    '毕业院校，规范化后的原文；空值 = 未填 / university graduated from, normalised text as reported; null = not reported';
COMMENT ON COLUMN dim_person_history.major IS
    '所学专业，规范化后的原文；空值 = 未填 / field of study, normalised text as reported; null = not reported';
COMMENT ON COLUMN dim_person_history.political_status IS
    '政治面貌代码：party_member = 中共党员，probationary_member = 中共预备党员，youth_league = 共青团员，masses = 群众，democratic_party = 民主党派，non_party = 无党派人士；空值 = 未填 / political status code: party_member (中共党员, CPC member), probationary_member (中共预备党员, probationary CPC member), youth_league (共青团员, Communist Youth League member), masses (群众, no affiliation), democratic_party (民主党派, member of a democratic party), non_party (无党派人士, non-party personage); null = not reported';
COMMENT ON COLUMN dim_person_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN dim_person_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN dim_person_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE pii_person IS
    '【私有】人员个人信息（姓名、身份证号、联系电话）：只存于私有仓库，绝不发布到统计快照、报表或研究数据 / PRIVATE: personal data of graduates (name, ID number, phone). Kept only in the private warehouse; never published to the statisticians snapshot, the reports or the researchers export';
COMMENT ON COLUMN pii_person.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN pii_person.name IS
    '姓名，规范化后去除空白；个人信息，绝不发布；空值 = 未填 / name, normalised with white space removed; personal data, never published; null = not reported';
COMMENT ON COLUMN pii_person.id_number IS
    '身份证号：18 位，符合 GB 11643（ISO 7064 MOD 11-2 校验位），15 位号码已升为 18 位；个人信息，绝不发布 / ID number: 18 characters valid under GB 11643 (ISO 7064 MOD 11-2 check character), 15-digit numbers upgraded to 18; personal data, never published';
COMMENT ON COLUMN pii_person.phone IS
    '联系电话，规范化后的原文；个人信息，绝不发布；空值 = 未填 / phone number, normalised text as reported; personal data, never published; null = not reported';

COMMENT ON TABLE pii_person_history IS
    '【私有】人员个人信息（pii_person）的历史：pii_person 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)；含个人信息，绝不发布 / PRIVATE. History of pii_person: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T); holds personal data and is never published';
COMMENT ON COLUMN pii_person_history.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN pii_person_history.name IS
    '姓名，规范化后去除空白；个人信息，绝不发布；空值 = 未填 / name, normalised with white space removed; personal data, never published; null = not reported';
COMMENT ON COLUMN pii_person_history.id_number IS
    '身份证号：18 位，符合 GB 11643（ISO 7064 MOD 11-2 校验位），15 位号码已升为 18 位；个人信息，绝不发布 / ID number: 18 characters valid under GB 11643 (ISO 7064 MOD 11-2 check character), 15-digit numbers upgraded to 18; personal data, never published';
COMMENT ON COLUMN pii_person_history.phone IS
    '联系电话，规范化后的原文；个人信息，绝不发布；空值 = 未填 / phone number, normalised text as reported; personal data, never published; null = not reported';
COMMENT ON COLUMN pii_person_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN pii_person_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN pii_person_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE fact_posting IS
    '到岗事实：一名毕业生到一个村（社区）的一次任职，每个 (person_key, village_code, start_date) 一行。D 日在岗：start_date <= D 且（end_date 为空或 end_date > D） / Postings: one graduate posted to one village or community, one row per (person_key, village_code, start_date). In post on day D: start_date <= D and (end_date is null or end_date > D)';
COMMENT ON COLUMN fact_posting.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_posting.village_code IS
    '任职村（社区）的村级统计用区划代码，12 位数字，见 dim_village / 12-digit statistical division code of the village or community of the post, see dim_village';
COMMENT ON COLUMN fact_posting.township_code IS
    '该村（社区）所属乡级区划代码，9 位数字，装载时取自 dim_village / 9-digit code of the township of the village, taken from dim_village at load time';
COMMENT ON COLUMN fact_posting.county_code IS
    '该村（社区）所属县级区划代码，6 位数字，装载时取自 dim_village / 6-digit code of the county of the village, taken from dim_village at load time';
COMMENT ON COLUMN fact_posting.channel IS
    '招录方式：special_intro = 专项引进，open_recruit = 公开招聘，replenish = 动态增补 / recruitment channel: special_intro (专项引进, special introduction), open_recruit (公开招聘, open recruitment) or replenish (动态增补, dynamic replenishment)';
COMMENT ON COLUMN fact_posting.selection_round IS
    '选岗轮次：direct = 直接选岗（台账填“直接”“无”或留空），county_round = 县内第一轮调剂，city_round = 全市第二轮调剂；空值 = 未知 / selection round: direct (post chosen directly; 直接, 无 or an empty cell in the ledger), county_round (县内第一轮, first round, within the county) or city_round (全市第二轮, second round, across the city); null = unknown';
COMMENT ON COLUMN fact_posting.quota_source IS
    '编制来源：township = 乡镇事业编制，county_pool = 县级周转池 / source of the staff post: township (乡镇事业编制, a township public-institution post) or county_pool (县级周转池, the county revolving pool)';
COMMENT ON COLUMN fact_posting.start_date IS
    '到岗日期（在岗首日） / date the graduate took up the post (first day in post)';
COMMENT ON COLUMN fact_posting.end_date IS
    '离岗日期（当日起不再在岗），不早于 start_date；空值 = 仍在岗 / date the graduate left the post (no longer in post from this day on), never before start_date; null = still in post';
COMMENT ON COLUMN fact_posting.end_reason IS
    '离岗原因：resigned = 辞职，transferred = 调动/转岗，civil_service = 考录公务员，promoted = 提拔任用，other = 其他；空值 = 仍在岗或未填原因 / reason for leaving: resigned (辞职), transferred (调动, 转岗), civil_service (考录公务员, passed the civil-service examination), promoted (提拔任用) or other (其他); null = still in post or no reason given';
COMMENT ON COLUMN fact_posting.mentor_role IS
    '帮带导师本人的职务（如 村党支部书记），规范化后的原文；不保存导师姓名；空值 = 未填 / post held by the graduate mentor (e.g. 村党支部书记), normalised text; the mentor name is never stored; null = not reported';

COMMENT ON TABLE fact_posting_history IS
    '到岗事实（fact_posting）的历史：fact_posting 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of fact_posting: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN fact_posting_history.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_posting_history.village_code IS
    '任职村（社区）的村级统计用区划代码，12 位数字，见 dim_village / 12-digit statistical division code of the village or community of the post, see dim_village';
COMMENT ON COLUMN fact_posting_history.township_code IS
    '该村（社区）所属乡级区划代码，9 位数字，装载时取自 dim_village / 9-digit code of the township of the village, taken from dim_village at load time';
COMMENT ON COLUMN fact_posting_history.county_code IS
    '该村（社区）所属县级区划代码，6 位数字，装载时取自 dim_village / 6-digit code of the county of the village, taken from dim_village at load time';
COMMENT ON COLUMN fact_posting_history.channel IS
    '招录方式：special_intro = 专项引进，open_recruit = 公开招聘，replenish = 动态增补 / recruitment channel: special_intro (专项引进, special introduction), open_recruit (公开招聘, open recruitment) or replenish (动态增补, dynamic replenishment)';
COMMENT ON COLUMN fact_posting_history.selection_round IS
    '选岗轮次：direct = 直接选岗（台账填“直接”“无”或留空），county_round = 县内第一轮调剂，city_round = 全市第二轮调剂；空值 = 未知 / selection round: direct (post chosen directly; 直接, 无 or an empty cell in the ledger), county_round (县内第一轮, first round, within the county) or city_round (全市第二轮, second round, across the city); null = unknown';
COMMENT ON COLUMN fact_posting_history.quota_source IS
    '编制来源：township = 乡镇事业编制，county_pool = 县级周转池 / source of the staff post: township (乡镇事业编制, a township public-institution post) or county_pool (县级周转池, the county revolving pool)';
COMMENT ON COLUMN fact_posting_history.start_date IS
    '到岗日期（在岗首日） / date the graduate took up the post (first day in post)';
COMMENT ON COLUMN fact_posting_history.end_date IS
    '离岗日期（当日起不再在岗），不早于 start_date；空值 = 仍在岗 / date the graduate left the post (no longer in post from this day on), never before start_date; null = still in post';
COMMENT ON COLUMN fact_posting_history.end_reason IS
    '离岗原因：resigned = 辞职，transferred = 调动/转岗，civil_service = 考录公务员，promoted = 提拔任用，other = 其他；空值 = 仍在岗或未填原因 / reason for leaving: resigned (辞职), transferred (调动, 转岗), civil_service (考录公务员, passed the civil-service examination), promoted (提拔任用) or other (其他); null = still in post or no reason given';
COMMENT ON COLUMN fact_posting_history.mentor_role IS
    '帮带导师本人的职务（如 村党支部书记），规范化后的原文；不保存导师姓名；空值 = 未填 / post held by the graduate mentor (e.g. 村党支部书记), normalised text; the mentor name is never stored; null = not reported';
COMMENT ON COLUMN fact_posting_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN fact_posting_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN fact_posting_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE fact_role IS
    '任职事实：毕业生担任村（社区）“两委”职务或乡镇（街道）领导职务，每次任职一行 / Roles: one row per leadership role a graduate held, in the village party or villagers/residents committee (两委) or a township leadership team';
COMMENT ON COLUMN fact_role.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_role.role IS
    '职务原文（规范化文本），如 党支部书记、村委会主任、委员、副镇长 / the role as written, normalised text, e.g. 党支部书记, 村委会主任, 委员, 副镇长';
COMMENT ON COLUMN fact_role.role_category IS
    '职务类别：secretary = 村（社区）党组织书记，committee = 村（社区）“两委”其他成员（副书记、主任、委员等），township_leadership = 乡镇（街道）领导班子成员；统计两委成员时书记也计入 / role category: secretary (村(社区)党组织书记, secretary of the village party organisation), committee (any other member of the village party committee or villagers/residents committee: 副书记, 主任, 委员) or township_leadership (乡镇(街道)领导班子成员, member of a township leadership team); a secretary also counts as a committee member';
COMMENT ON COLUMN fact_role.village_code IS
    '任职村（社区）的 12 位区划代码，见 dim_village；乡镇领导职务为空 / 12-digit code of the village or community of the role, see dim_village; null for township leadership';
COMMENT ON COLUMN fact_role.start_date IS
    '任职日期 / date the role began';
COMMENT ON COLUMN fact_role.end_date IS
    '离任日期（当日起不再任职）；空值 = 仍在任 / date the role ended (no longer held from this day on); null = still held';

COMMENT ON TABLE fact_role_history IS
    '任职事实（fact_role）的历史：fact_role 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of fact_role: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN fact_role_history.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_role_history.role IS
    '职务原文（规范化文本），如 党支部书记、村委会主任、委员、副镇长 / the role as written, normalised text, e.g. 党支部书记, 村委会主任, 委员, 副镇长';
COMMENT ON COLUMN fact_role_history.role_category IS
    '职务类别：secretary = 村（社区）党组织书记，committee = 村（社区）“两委”其他成员（副书记、主任、委员等），township_leadership = 乡镇（街道）领导班子成员；统计两委成员时书记也计入 / role category: secretary (村(社区)党组织书记, secretary of the village party organisation), committee (any other member of the village party committee or villagers/residents committee: 副书记, 主任, 委员) or township_leadership (乡镇(街道)领导班子成员, member of a township leadership team); a secretary also counts as a committee member';
COMMENT ON COLUMN fact_role_history.village_code IS
    '任职村（社区）的 12 位区划代码，见 dim_village；乡镇领导职务为空 / 12-digit code of the village or community of the role, see dim_village; null for township leadership';
COMMENT ON COLUMN fact_role_history.start_date IS
    '任职日期 / date the role began';
COMMENT ON COLUMN fact_role_history.end_date IS
    '离任日期（当日起不再任职）；空值 = 仍在任 / date the role ended (no longer held from this day on); null = still held';
COMMENT ON COLUMN fact_role_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN fact_role_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN fact_role_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE fact_assessment IS
    '年度考核事实：每名毕业生每个考核年度一行 / Annual assessments: one row per graduate and assessment year';
COMMENT ON COLUMN fact_assessment.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_assessment.year IS
    '考核年度（4 位公历年，如 2023） / assessment year (4-digit calendar year, e.g. 2023)';
COMMENT ON COLUMN fact_assessment.grade IS
    '考核等次：excellent = 优秀，competent = 称职，basically_competent = 基本称职，incompetent = 不称职 / assessment grade: excellent (优秀), competent (称职), basically_competent (基本称职) or incompetent (不称职)';

COMMENT ON TABLE fact_assessment_history IS
    '年度考核事实（fact_assessment）的历史：fact_assessment 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of fact_assessment: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN fact_assessment_history.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_assessment_history.year IS
    '考核年度（4 位公历年，如 2023） / assessment year (4-digit calendar year, e.g. 2023)';
COMMENT ON COLUMN fact_assessment_history.grade IS
    '考核等次：excellent = 优秀，competent = 称职，basically_competent = 基本称职，incompetent = 不称职 / assessment grade: excellent (优秀), competent (称职), basically_competent (基本称职) or incompetent (不称职)';
COMMENT ON COLUMN fact_assessment_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN fact_assessment_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN fact_assessment_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE fact_vacancy IS
    '空缺登记事实：年度普查中登记的村（社区）毕业生岗位空缺，每次登记一行 / Vacancies: one row per vacancy of a graduate post reported for a village or community in the annual census';
COMMENT ON COLUMN fact_vacancy.village_code IS
    '空缺村（社区）的村级统计用区划代码，12 位数字，见 dim_village / 12-digit statistical division code of the village or community with the vacancy, see dim_village';
COMMENT ON COLUMN fact_vacancy.reported_on IS
    '登记日期 / date the vacancy was reported';
COMMENT ON COLUMN fact_vacancy.reason IS
    '空缺原因：turnover = 人员流动，transfer = 转岗，new_community = 新成立社区，other = 其他 / reason for the vacancy: turnover (人员流动, staff turnover), transfer (转岗), new_community (新成立社区, newly established community) or other (其他)';
COMMENT ON COLUMN fact_vacancy.filled_on IS
    '补齐日期；空值 = 尚未补齐 / date the vacancy was filled; null = still open';

COMMENT ON TABLE fact_vacancy_history IS
    '空缺登记事实（fact_vacancy）的历史：fact_vacancy 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of fact_vacancy: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN fact_vacancy_history.village_code IS
    '空缺村（社区）的村级统计用区划代码，12 位数字，见 dim_village / 12-digit statistical division code of the village or community with the vacancy, see dim_village';
COMMENT ON COLUMN fact_vacancy_history.reported_on IS
    '登记日期 / date the vacancy was reported';
COMMENT ON COLUMN fact_vacancy_history.reason IS
    '空缺原因：turnover = 人员流动，transfer = 转岗，new_community = 新成立社区，other = 其他 / reason for the vacancy: turnover (人员流动, staff turnover), transfer (转岗), new_community (新成立社区, newly established community) or other (其他)';
COMMENT ON COLUMN fact_vacancy_history.filled_on IS
    '补齐日期；空值 = 尚未补齐 / date the vacancy was filled; null = still open';
COMMENT ON COLUMN fact_vacancy_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN fact_vacancy_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN fact_vacancy_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE fact_quota IS
    '编制事实：乡镇年度编制数，每个乡镇每年一行；县级周转池调剂数通常每县每年一行，其 township_code 为空 / Staffing quotas: one row per township and year with its township quota, and usually one row per county and year with township_code null holding the county revolving pool';
COMMENT ON COLUMN fact_quota.county_code IS
    '县级区划代码，6 位数字，见 dim_county / 6-digit county code, see dim_county';
COMMENT ON COLUMN fact_quota.township_code IS
    '乡级区划代码，9 位数字，见 dim_township；空值 = 县级周转池行 / 9-digit township code, see dim_township; null = the county-pool row';
COMMENT ON COLUMN fact_quota.year IS
    '编制年度（4 位公历年） / quota year (4-digit calendar year)';
COMMENT ON COLUMN fact_quota.township_quota IS
    '乡镇编制数（岗位数，单位：个）；空值 = 本行未填（如县级周转池行） / number of township posts in the quota (count of posts); null = not given on this row (e.g. the county-pool row)';
COMMENT ON COLUMN fact_quota.county_pool IS
    '县级周转池调剂数（岗位数，单位：个），通常只在县级周转池行填写；空值 = 本行未填 / number of posts provided from the county revolving pool (count of posts), usually given only on the county-pool row; null = not given on this row';

COMMENT ON TABLE fact_quota_history IS
    '编制事实（fact_quota）的历史：fact_quota 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of fact_quota: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN fact_quota_history.county_code IS
    '县级区划代码，6 位数字，见 dim_county / 6-digit county code, see dim_county';
COMMENT ON COLUMN fact_quota_history.township_code IS
    '乡级区划代码，9 位数字，见 dim_township；空值 = 县级周转池行 / 9-digit township code, see dim_township; null = the county-pool row';
COMMENT ON COLUMN fact_quota_history.year IS
    '编制年度（4 位公历年） / quota year (4-digit calendar year)';
COMMENT ON COLUMN fact_quota_history.township_quota IS
    '乡镇编制数（岗位数，单位：个）；空值 = 本行未填（如县级周转池行） / number of township posts in the quota (count of posts); null = not given on this row (e.g. the county-pool row)';
COMMENT ON COLUMN fact_quota_history.county_pool IS
    '县级周转池调剂数（岗位数，单位：个），通常只在县级周转池行填写；空值 = 本行未填 / number of posts provided from the county revolving pool (count of posts), usually given only on the county-pool row; null = not given on this row';
COMMENT ON COLUMN fact_quota_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN fact_quota_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN fact_quota_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE fact_subsidy IS
    '补贴发放事实：发给毕业生的每笔补贴一行 / Subsidy payments: one row per payment to a graduate';
COMMENT ON COLUMN fact_subsidy.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_subsidy.paid_on IS
    '发放日期 / date of payment';
COMMENT ON COLUMN fact_subsidy.kind IS
    '补贴类别：living = 生活补助，housing = 购房补贴或租房补贴，other = 其他 / kind of subsidy: living (生活补助, living allowance), housing (购房补贴 or 租房补贴, home purchase or rent subsidy) or other (其他)';
COMMENT ON COLUMN fact_subsidy.amount_yuan IS
    '发放金额，单位：元（人民币），两位小数；入职 5 年内累计超过 310000 元记发现 subsidy_over_cap / amount paid in yuan (CNY), 2 decimal places; more than 310,000 yuan to one person within 5 years of entry is recorded as finding subsidy_over_cap';

COMMENT ON TABLE fact_subsidy_history IS
    '补贴发放事实（fact_subsidy）的历史：fact_subsidy 每一行的每个版本各一行，含当前版本。时刻 T 的状态：WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T) / History of fact_subsidy: one row for every version of every row, the current version included. The state at time T: WHERE valid_from <= T AND (valid_to IS NULL OR valid_to > T)';
COMMENT ON COLUMN fact_subsidy_history.person_key IS
    '人员键：身份证号（规范化后的 18 位）的 HMAC-SHA256 前 16 字节的十六进制，共 32 个字符；密钥不在库中，无法由人员键反推身份 / person key: hex of the first 16 bytes of HMAC-SHA256(secret, normalised 18-character ID number), 32 hex characters; the secret is never stored, so the key cannot be traced back to a person';
COMMENT ON COLUMN fact_subsidy_history.paid_on IS
    '发放日期 / date of payment';
COMMENT ON COLUMN fact_subsidy_history.kind IS
    '补贴类别：living = 生活补助，housing = 购房补贴或租房补贴，other = 其他 / kind of subsidy: living (生活补助, living allowance), housing (购房补贴 or 租房补贴, home purchase or rent subsidy) or other (其他)';
COMMENT ON COLUMN fact_subsidy_history.amount_yuan IS
    '发放金额，单位：元（人民币），两位小数；入职 5 年内累计超过 310000 元记发现 subsidy_over_cap / amount paid in yuan (CNY), 2 decimal places; more than 310,000 yuan to one person within 5 years of entry is recorded as finding subsidy_over_cap';
COMMENT ON COLUMN fact_subsidy_history.valid_from IS
    '本版本开始生效的时间（带时区），由写入它的运行设定 / time this version became current (with time zone), set by the run that wrote it';
COMMENT ON COLUMN fact_subsidy_history.valid_to IS
    '本版本失效的时间（被新版本取代或行被删除）；空值 = 当前版本 / time this version stopped being current (replaced by a newer version or the row removed); null = current version';
COMMENT ON COLUMN fact_subsidy_history.run_id IS
    '写入本版本的运行编号，见 etl_run.run_id / run that wrote this version, see etl_run.run_id';

COMMENT ON TABLE etl_run IS
    'ETL 运行记录：每次作业运行一行（每县每次拉取装载一行，全市级作业一行） / ETL runs: one row per job run (one per county pull and load, one per city-level job)';
COMMENT ON COLUMN etl_run.run_id IS
    '运行编号，全库唯一，随开始时间递增；各 _history 表及 etl_file、etl_reject、etl_finding 以此引用 / run number, unique and increasing with start time; the _history tables, etl_file, etl_reject and etl_finding refer to it';
COMMENT ON COLUMN etl_run.job IS
    '作业类型：ingest = 县数据拉取装载，divisions = 全市村社区名录装载（以后增加 report = 月报，export = 研究数据发布） / job: ingest (a county pull and load) or divisions (the city list of villages and communities); later also report (monthly report) and export (researchers release)';
COMMENT ON COLUMN etl_run.county_code IS
    '县级区划代码，6 位数字；全市级作业为空 / 6-digit county code; null for city-level jobs';
COMMENT ON COLUMN etl_run.started_at IS
    '开始时间（带时区） / time the run started (with time zone)';
COMMENT ON COLUMN etl_run.finished_at IS
    '结束时间（带时区）；空值 = 仍在运行或异常中断 / time the run finished (with time zone); null = still running or interrupted';
COMMENT ON COLUMN etl_run.status IS
    '运行结果：succeeded = 成功，failed = 失败（本次数据均未装载），no_new_data = 无新数据 / outcome: succeeded, failed (nothing of the run was loaded) or no_new_data (nothing new to load)';
COMMENT ON COLUMN etl_run.rows_in IS
    '读入的输入行数，等于 rows_loaded + rows_unchanged + rows_duplicate + rows_rejected；空值 = 未计数 / input rows read, equal to rows_loaded + rows_unchanged + rows_duplicate + rows_rejected; null = not counted';
COMMENT ON COLUMN etl_run.rows_loaded IS
    '新增或有变更而写入的行数；空值 = 未计数 / rows written because they were new or changed; null = not counted';
COMMENT ON COLUMN etl_run.rows_unchanged IS
    '与已装载的值完全相同、未写入的行数；空值 = 未计数 / rows not written because the same values were already loaded; null = not counted';
COMMENT ON COLUMN etl_run.rows_duplicate IS
    '同一文件内重复出现的行数（duplicate_in_file）；空值 = 未计数 / rows that repeated an earlier row of the same file (duplicate_in_file); null = not counted';
COMMENT ON COLUMN etl_run.rows_rejected IS
    '被拒绝的行数，明细见 etl_reject；空值 = 未计数 / rows rejected, listed in etl_reject; null = not counted';
COMMENT ON COLUMN etl_run.error IS
    '失败原因（不含个人信息）；成功时为空 / why the run failed, without personal data; null unless the run failed';

COMMENT ON TABLE etl_file IS
    '已接收文件登记：每个不同内容（SHA-256）的文件一行；内容相同的文件再次出现即跳过 / Files received: one row per distinct file content (SHA-256); a file whose content was received before is skipped';
COMMENT ON COLUMN etl_file.file_sha256 IS
    '文件内容的 SHA-256，64 位十六进制 / SHA-256 of the file bytes, 64 hex characters';
COMMENT ON COLUMN etl_file.county_code IS
    '来源县的区划代码，6 位数字；全市村社区名录为空 / 6-digit code of the county that sent the file; null for the city divisions list';
COMMENT ON COLUMN etl_file.source_uri IS
    '文件来源：本地路径或 URL / where the file came from: local path or URL';
COMMENT ON COLUMN etl_file.record_types IS
    '文件中包含的记录类型列表，取值 ledger（人员台账），roles（任职记录），assessments（年度考核），vacancies（空缺登记），quota（编制），subsidies（补贴发放），divisions（村社区名录）；空值 = 未识别 / list of the record types found in the file: ledger, roles, assessments, vacancies, quota, subsidies, divisions (村社区名录); null = none recognised';
COMMENT ON COLUMN etl_file.first_run_id IS
    '首次接收此文件的运行编号，见 etl_run.run_id / run that first received this file, see etl_run.run_id';
COMMENT ON COLUMN etl_file.received_at IS
    '首次接收时间（带时区） / time the file was first received (with time zone)';

COMMENT ON TABLE etl_reject IS
    '被拒绝的输入行：每个被拒绝的行一条，含位置、原因代码和已脱敏的原始值 / Rejected input rows: one row per rejected input row, with its position, reason code and raw values with personal data masked';
COMMENT ON COLUMN etl_reject.run_id IS
    '运行编号，见 etl_run.run_id / run that rejected the row, see etl_run.run_id';
COMMENT ON COLUMN etl_reject.county_code IS
    '来源县的区划代码，6 位数字；全市村社区名录为空 / 6-digit code of the county that sent the row; null for the city divisions list';
COMMENT ON COLUMN etl_reject.source_uri IS
    '所在文件：本地路径或 URL / file the row came from: local path or URL';
COMMENT ON COLUMN etl_reject.sheet IS
    'xlsx 工作表名；csv、json 文件为空 / worksheet name in an .xlsx file; null for .csv and .json files';
COMMENT ON COLUMN etl_reject.row_number IS
    '行号，从 1 起计：xlsx、csv 与电子表格显示的行号一致（表头为第 1 行），json 为记录序号；空值 = 无法定位 / row number counted from 1: in .xlsx and .csv the number a spreadsheet shows (the header is row 1), in .json the position of the record; null = no position';
COMMENT ON COLUMN etl_reject.reason IS
    '拒绝原因代码：bad_id_format，bad_id_checksum，bad_date:<列名>，missing:<列名>，unknown_value:<列名>，unknown_village，wrong_county，end_before_start，duplicate_in_file / reason code: bad_id_format, bad_id_checksum, bad_date:<column>, missing:<column>, unknown_value:<column>, unknown_village, wrong_county, end_before_start, duplicate_in_file';
COMMENT ON COLUMN etl_reject.raw_masked IS
    '原始单元格值的 JSON 对象，键为文件中的表头原文；个人信息（姓名、身份证号、电话）已脱敏 / JSON object of the raw cell values keyed by the header as written in the file; personal values (name, ID number, phone) masked';

COMMENT ON TABLE etl_finding IS
    '数据质量发现：已装载但违反规则的行，每项发现一行 / Findings: one row per rule broken by a row that was loaded';
COMMENT ON COLUMN etl_finding.run_id IS
    '运行编号，见 etl_run.run_id / run that made the finding, see etl_run.run_id';
COMMENT ON COLUMN etl_finding.county_code IS
    '县级区划代码，6 位数字；不属于某县时为空 / 6-digit county code; null when the finding belongs to no county';
COMMENT ON COLUMN etl_finding.code IS
    '发现代码，包括：gender_mismatch（性别与身份证号矛盾），birth_mismatch（出生年月与身份证号矛盾），overlapping_postings（同一天在两个村在岗），vanished_from_ledger（上次台账在岗而新台账缺失，岗位未关闭），over_age_at_entry（专项引进到岗时年满 30 岁），degree_below_requirement（不允许本科的县招录本科），subsidy_over_cap（入职 5 年内补贴超过 310000 元） / finding code, including: gender_mismatch, birth_mismatch, overlapping_postings (in post in two villages on the same day), vanished_from_ledger (in post in the last ledger but missing from the new one; the posting is not closed), over_age_at_entry (special_intro entrant aged 30 or more on start_date), degree_below_requirement (bachelor entrant in a county not marked bachelor_allowed), subsidy_over_cap (more than 310,000 yuan within 5 years of entry)';
COMMENT ON COLUMN etl_finding.severity IS
    '严重程度：error = 错误，warning = 警告，info = 提示 / severity: error, warning or info';
COMMENT ON COLUMN etl_finding.person_key IS
    '所涉人员的人员键，见 dim_person；不涉及个人时为空 / person key of the graduate concerned, see dim_person; null when the finding is not about a person';
COMMENT ON COLUMN etl_finding.village_code IS
    '所涉村（社区）的 12 位区划代码；不涉及村时为空 / 12-digit code of the village or community concerned; null when the finding is not about a village';
COMMENT ON COLUMN etl_finding.detail IS
    '说明，如相互矛盾的两个值；不含姓名、身份证号、电话；空值 = 无说明 / explanation, such as the two values that disagree; never a name, ID number or phone; null = none';
