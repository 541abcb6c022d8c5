-- survival.sql: survival(as_of), Kaplan–Meier survival in post.
--
-- survival(as_of := NULL): over the persons whose entry is on or before as_of
-- (default: today in the city's time zone); day = days from entry to the end
-- of the last posting for persons not in post on as_of (an exit), else
-- censored at as_of. One row per stratum and day on which someone exits or is
-- censored, ordered by stratum (all first) and day:
--   stratum   VARCHAR  all, or the region of the first posting
--   day       INTEGER  days from entry
--   at_risk   INTEGER  persons still observed on that day
--   exits     INTEGER  persons leaving on that day
--   censored  INTEGER  persons censored on that day
--   survival  DOUBLE   S(t) = product of (1 - exits / at_risk)
--   std_err   DOUBLE   Greenwood's standard error of S(t), NULL once S
--                      reaches 0

CREATE OR REPLACE MACRO survival(as_of := NULL) AS TABLE
    WITH per AS (
        SELECT p.person_key, min(p.start_date) AS entry,
               bool_or(p.end_date IS NULL OR p.end_date > as_date(as_of)) AS in_post,
               max(p.end_date) AS last_end
        FROM fact_posting p
        WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    ),
    obs AS (
        SELECT per.person_key, f.region,
               CASE WHEN per.in_post THEN as_date(as_of) - per.entry ELSE per.last_end - per.entry END AS t,
               NOT per.in_post AS event
        FROM per JOIN person_first() f ON f.person_key = per.person_key
    ),
    strata AS (
        SELECT 'all' AS stratum, t, event FROM obs
        UNION ALL
        SELECT region, t, event FROM obs
    ),
    days AS (
        SELECT stratum, t AS day, count(*) FILTER (WHERE event) AS exits, count(*) FILTER (WHERE NOT event) AS censored
        FROM strata GROUP BY stratum, t
    ),
    risk AS (
        SELECT *, sum(exits + censored) OVER (PARTITION BY stratum ORDER BY day DESC
                                               ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS at_risk
        FROM days
    ),
    km AS (
        SELECT *,
               product(1 - exits / at_risk) OVER w AS s,
               sum(CASE WHEN at_risk > exits THEN exits / (at_risk * (at_risk - exits)) END) OVER w AS greenwood,
               bool_or(exits > 0 AND exits = at_risk) OVER w AS reached_zero
        FROM risk
        WINDOW w AS (PARTITION BY stratum ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    )
    SELECT stratum, CAST(day AS INTEGER) AS day, CAST(at_risk AS INTEGER) AS at_risk,
           CAST(exits AS INTEGER) AS exits, CAST(censored AS INTEGER) AS censored,
           s AS survival,
           CASE WHEN reached_zero THEN NULL ELSE s * sqrt(greenwood) END AS std_err
    FROM km
    ORDER BY CASE stratum WHEN 'all' THEN 0 ELSE 1 END, stratum, day;

COMMENT ON MACRO TABLE survival IS
    '在岗生存分析（Kaplan–Meier，右删失）：对象为入职日期不晚于 as_of 的人；时间 day 为自入职起的天数：as_of 日不在岗者到其最后一个岗位离岗日（事件 exits），在岗者删失于 as_of（censored）；每个分层、每个有离岗或删失的天数一行；at_risk 为该天仍在观察中的人数，survival 为 S(t) = ∏(1 − exits / at_risk)，std_err 为 Greenwood 标准误 S(t)·sqrt(Σ exits / (at_risk·(at_risk − exits)))（S 为 0 后为空）；stratum 为 all 全体、remote 偏远、developed 发达（按首个岗位的区域） / Kaplan–Meier survival in post with right censoring, over persons whose entry <= as_of: day = days from entry to the end of the last posting for persons not in post on as_of (an exit), else censored at as_of; one row per stratum and day on which someone exits or is censored; at_risk = persons still observed on that day, survival S(t) = product of (1 - exits / at_risk), std_err by Greenwood S(t)·sqrt(sum of exits / (at_risk·(at_risk - exits))) (null once S reaches 0); stratum is all, remote or developed (region of the first posting)';
