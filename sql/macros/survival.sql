-- survival.sql: survival(as_of, by), Kaplan–Meier survival in post.
--
-- survival(as_of := NULL, "by" := NULL) is survival_by(as_of, by) (see
-- survival_by.sql: the spells, the Kaplan–Meier estimate, Greenwood's
-- standard error and the 95% log(-log) limits exist there only), with one
-- default: by NULL gives the strata survival() always gave, all first and
-- then the region of the first posting (remote, developed) — the rows of
-- survival_by(as_of, 'all') followed by those of survival_by(as_of,
-- 'region'). as_of NULL is today in the city's time zone. Both parameters
-- have defaults, so a DuckDB client before 1.4 passes them by name only:
-- survival(as_of := DATE '2022-12-31', by := 'county'). by is a keyword:
-- the parameter is declared quoted, callers write by := … unquoted.
--
-- Over the persons whose entry is on or before as_of; day = days from entry
-- to the end of the last posting for persons not in post on as_of (an exit),
-- else censored at as_of. One row per stratum and day on which someone exits
-- or is censored, ordered by stratum (all first) and day:
--   stratum   VARCHAR  all, or the region of the first posting when by is
--                      NULL; else the stratum of survival_by's by
--   day       INTEGER  days from entry
--   at_risk   INTEGER  persons still observed on that day
--   exits     INTEGER  persons leaving on that day
--   censored  INTEGER  persons censored on that day
--   survival  DOUBLE   S(t) = product of (1 - exits / at_risk)
--   std_err   DOUBLE   Greenwood's standard error of S(t), NULL once S
--                      reaches 0
--   lower     DOUBLE   95% limits on the log(-log) scale as R's
--   upper     DOUBLE   survfit(conf.type = "log-log"): S^exp(∓z·se / log S)
--                      with se = std_err / S, z = 1.959963984540054; NULL
--                      where S is 1 or 0

CREATE OR REPLACE MACRO survival(as_of := NULL, "by" := NULL, vintage := NULL) AS TABLE
    SELECT stratum, day, at_risk, exits, censored, survival, std_err, lower, upper
    FROM (
        SELECT * FROM survival_by(as_of, coalesce("by", 'all'), vintage := vintage)
        UNION ALL
        SELECT * FROM survival_by(as_of, 'region', vintage := vintage) WHERE "by" IS NULL
    )
    ORDER BY CASE WHEN "by" IS NULL AND stratum = 'all' THEN 0 ELSE 1 END, stratum, day;

COMMENT ON MACRO TABLE survival IS
    '在岗生存分析（Kaplan–Meier，右删失）：对象为入职日期不晚于 as_of（缺省为今天）的人；时间 day 为自入职起的天数：as_of 日不在岗者到其最后一个岗位离岗日（事件 exits），在岗者删失于 as_of（censored）；每个分层、每个有离岗或删失的天数一行；at_risk 为该天仍在观察中的人数，survival 为 S(t) = ∏(1 − exits / at_risk)，std_err 为 Greenwood 标准误 S(t)·sqrt(Σ exits / (at_risk·(at_risk − exits)))（S 为 0 后为空），lower、upper 为 log(−log) 尺度上的 95% 置信限，与 R 的 survfit(conf.type = "log-log") 相同（S 为 1 或 0 时为空）；by 为空时 stratum 为 all 全体，再按首个岗位的区域分 remote 偏远、developed 发达；by 为 all、region、county、channel、cohort 或 degree 时与 survival_by(as_of, by) 相同；两个参数均有缺省值，DuckDB 1.4 以前的客户端须按名传参，如 survival(as_of := DATE ''2022-12-31'', by := ''county'')；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / Kaplan–Meier survival in post with right censoring, over persons whose entry <= as_of (default: today): day = days from entry to the end of the last posting for persons not in post on as_of (an exit), else censored at as_of; one row per stratum and day on which someone exits or is censored; at_risk = persons still observed on that day, survival S(t) = product of (1 - exits / at_risk), std_err by Greenwood S(t)·sqrt(sum of exits / (at_risk·(at_risk - exits))) (null once S reaches 0), lower and upper the 95% limits on the log(-log) scale as R''s survfit(conf.type = "log-log") (null where S is 1 or 0); by null: stratum all, then remote and developed (region of the first posting); by all, region, county, channel, cohort or degree: the rows of survival_by(as_of, by); both parameters have defaults, so DuckDB clients before 1.4 pass them by name, e.g. survival(as_of := DATE ''2022-12-31'', by := ''county''); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
