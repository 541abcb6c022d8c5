-- survival_by.sql: time in post with confidence limits, its median, and the
-- cumulative incidence of each way of leaving, by stratum. Every macro takes
-- positional parameters only (as_of, strata), so that every DuckDB 1.x client can
-- call them; as_of NULL is today in the city's time zone.
--
-- The spells are survival()'s: over the persons whose entry (first
-- start_date) is on or before as_of, day = days from entry to the end of the
-- last posting for a person in post nowhere on as_of (an exit), else the days
-- to as_of (censored). strata picks them:
--   all      one stratum, 'all'
--   region   the region of the first posting (remote, developed)
--   county   the county code of the first posting
--   channel  the recruitment channel of the first posting
--   cohort   the year of entry, as text ('2019')
--   degree   dim_person.degree (doctorate, master, bachelor), 'unknown' when
--            null
-- NULL is all; any other value is an error.

-- spells_by(as_of, strata): one row per person: stratum, day, exited (BOOLEAN)
-- and reason, the end_reason of the last posting for a person who left
-- (resigned, transferred, civil_service, promoted, other, or unspecified
-- when blank, even if an earlier posting had a reason), NULL when censored.
CREATE OR REPLACE MACRO spells_by(as_of, strata) AS TABLE
    WITH per AS (
        SELECT p.person_key, min(p.start_date) AS entry,
               bool_or(p.end_date IS NULL OR p.end_date > as_date(as_of)) AS in_post,
               max(p.end_date) AS last_end,
               -- coalesce first: arg_max skips a NULL value.
               arg_max(coalesce(p.end_reason, 'unspecified'), (p.end_date, p.village_code)) AS last_reason
        FROM fact_posting p
        WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    )
    SELECT CASE coalesce(strata, 'all')
               WHEN 'all' THEN 'all'
               WHEN 'region' THEN f.region
               WHEN 'county' THEN f.county_code
               WHEN 'channel' THEN f.channel
               WHEN 'cohort' THEN CAST(year(f.entry) AS VARCHAR)
               WHEN 'degree' THEN coalesce(d.degree, 'unknown')
           END AS stratum,
           CAST(CASE WHEN per.in_post THEN as_date(as_of) - per.entry ELSE per.last_end - per.entry END AS INTEGER) AS day,
           NOT per.in_post AS exited,
           CASE WHEN NOT per.in_post THEN per.last_reason END AS reason
    FROM per
    JOIN person_first() f ON f.person_key = per.person_key
    LEFT JOIN dim_person d ON d.person_key = per.person_key
    WHERE CASE WHEN coalesce(strata, 'all') IN ('all', 'region', 'county', 'channel', 'cohort', 'degree') THEN true
               ELSE error('spells_by: strata must be all, region, county, channel, cohort or degree') END;

COMMENT ON MACRO TABLE spells_by IS
    '每人一条在岗时段（survival_by、survival_median、exit_incidence 的输入）：入职日期不晚于 as_of 的人；day 为自入职起的天数：as_of 日不在岗者到其最后一个岗位离岗日（exited 为真，reason 为该岗位的离岗原因，未填为 unspecified），在岗者删失于 as_of（reason 为空）；stratum 按 strata 分层：all 全体、region 区域、county 县区代码、channel 招录方式（均按首个岗位）、cohort 入职年份、degree 学历（空为 unknown），仅限位置参数 / one spell per person (the input of survival_by, survival_median and exit_incidence): persons whose entry <= as_of; day = days from entry to the end of the last posting for persons not in post on as_of (exited true, reason = that posting''s end_reason, unspecified when blank), else censored at as_of (reason null); stratum by strata: all, region, county (code), channel (of the first posting), cohort (entry year) or degree (unknown when null); positional parameters only';

-- survival_by(as_of, strata): Kaplan–Meier survival in post by stratum, one row
-- per stratum and day on which someone exits or is censored, ordered by
-- stratum and day:
--   stratum   VARCHAR  see spells_by
--   day       INTEGER  days from entry
--   at_risk   INTEGER  persons still observed on that day
--   exits     INTEGER  persons leaving on that day
--   censored  INTEGER  persons censored on that day
--   survival  DOUBLE   S(t) = product of (1 - exits / at_risk)
--   std_err   DOUBLE   Greenwood's standard error of S(t),
--                      S(t)·sqrt(sum of exits / (at_risk·(at_risk - exits))),
--                      NULL once S reaches 0
--   lower     DOUBLE   95% limits on the log(-log) scale, as R's
--   upper     DOUBLE   survfit(conf.type = "log-log"): with se =
--                      std_err / S and z = 1.959963984540054 (the 97.5%
--                      normal quantile), lower = S^exp(-z·se / log S) and
--                      upper = S^exp(z·se / log S); NULL where S is 1 or 0
CREATE OR REPLACE MACRO survival_by(as_of, strata) AS TABLE
    WITH days AS (
        SELECT stratum, day, count(*) FILTER (WHERE exited) AS exits, count(*) FILTER (WHERE NOT exited) AS censored
        FROM spells_by(as_of, strata) GROUP BY stratum, day
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
    ),
    se AS (
        SELECT *, CASE WHEN reached_zero THEN NULL ELSE sqrt(coalesce(greenwood, 0)) END AS se_log,
               CASE WHEN s > 0 AND s < 1 THEN 1.959963984540054 / ln(s) END AS zl
        FROM km
    )
    SELECT stratum, CAST(day AS INTEGER) AS day, CAST(at_risk AS INTEGER) AS at_risk,
           CAST(exits AS INTEGER) AS exits, CAST(censored AS INTEGER) AS censored,
           s AS survival, s * se_log AS std_err,
           pow(s, exp(-zl * se_log)) AS lower,
           pow(s, exp(zl * se_log)) AS upper
    FROM se
    ORDER BY stratum, day;

COMMENT ON MACRO TABLE survival_by IS
    '按分层的在岗生存分析（Kaplan–Meier，右删失），时段见 spells_by；每个分层、每个有离岗或删失的天数一行；survival 为 S(t)，std_err 为 Greenwood 标准误（S 为 0 后为空），lower、upper 为 log(−log) 尺度上的 95% 置信限，与 R 的 survfit(conf.type = "log-log") 相同（S 为 1 或 0 时为空）；strata 为 all、region、county、channel、cohort 或 degree，仅限位置参数 / Kaplan–Meier survival in post by stratum (spells as spells_by): one row per stratum and day with an exit or a censoring; survival S(t), std_err by Greenwood (null once S reaches 0), lower and upper the 95% limits on the log(-log) scale as R''s survfit(conf.type = "log-log") (null where S is 1 or 0); strata is all, region, county, channel, cohort or degree; positional parameters only';

-- survival_median(as_of, strata): one row per stratum, ordered by stratum:
--   stratum  VARCHAR  see spells_by
--   persons  BIGINT   persons in the stratum
--   exits    BIGINT   of them, persons who left
--   median   DOUBLE   the median time in post in days: the first day on which
--                     S(t) <= 0.5; NULL if S never falls that far
--   lower    DOUBLE   its 95% limits: the same rule applied to survival_by's
--   upper    DOUBLE   lower curve (giving lower) and upper curve (giving upper)
-- As R's print(survfit) (survival:::survmean): a curve counts as at or
-- below 0.5 within a tolerance of sqrt(2^-52); when it is 0.5 on its first
-- such day and falls further later, the value is the midpoint between that
-- day and the first day it is lower.
CREATE OR REPLACE MACRO survival_median(as_of, strata) AS TABLE
    WITH sb AS MATERIALIZED (SELECT * FROM survival_by(as_of, strata)),
    curves AS (
        SELECT stratum, day, exits, censored, 'median' AS curve, survival AS y FROM sb
        UNION ALL
        SELECT stratum, day, 0, 0, 'lower', lower FROM sb
        UNION ALL
        SELECT stratum, day, 0, 0, 'upper', upper FROM sb
    ),
    -- The days on which a curve is at or below 0.5; y1 is its value on the
    -- first of them.
    below AS (
        SELECT stratum, curve, day, y,
               first_value(y) OVER (PARTITION BY stratum, curve ORDER BY day) AS y1
        FROM curves
        WHERE y < 0.5 + 1.4901161193847656e-08
    ),
    crossing AS (
        SELECT stratum, curve,
               CASE WHEN abs(any_value(y1) - 0.5) < 1.4901161193847656e-08 AND min(day) FILTER (WHERE y < y1) IS NOT NULL
                    THEN (min(day) + min(day) FILTER (WHERE y < y1)) / 2
                    ELSE min(day) END AS t
        FROM below
        GROUP BY stratum, curve
    ),
    strata AS (
        SELECT stratum, sum(exits + censored) AS persons, sum(exits) AS exits
        FROM curves WHERE curve = 'median' GROUP BY stratum
    )
    SELECT s.stratum, CAST(s.persons AS BIGINT) AS persons, CAST(s.exits AS BIGINT) AS exits,
           CAST(m.t AS DOUBLE) AS median, CAST(l.t AS DOUBLE) AS lower, CAST(u.t AS DOUBLE) AS upper
    FROM strata s
    LEFT JOIN crossing m ON m.stratum = s.stratum AND m.curve = 'median'
    LEFT JOIN crossing l ON l.stratum = s.stratum AND l.curve = 'lower'
    LEFT JOIN crossing u ON u.stratum = s.stratum AND u.curve = 'upper'
    ORDER BY s.stratum;

COMMENT ON MACRO TABLE survival_median IS
    '按分层的在岗时间中位数（天）及其 95% 置信区间，与 R 的 print(survfit(conf.type = "log-log")) 相同：median 为 S(t) ≤ 0.5 的最早天数（恰为 0.5 且其后更低时取该天与其后首个更低天数的中点），lower、upper 对 survival_by 的下、上置信限曲线用同一规则；未降至 0.5 时为空；persons 为人数，exits 为离岗人数；strata 同 survival_by，仅限位置参数 / median time in post (days) by stratum with its 95% confidence interval, as R''s print(survfit(conf.type = "log-log")): median = the first day with S(t) <= 0.5 (when exactly 0.5 and lower later, the midpoint of that day and the first lower one); lower and upper apply the same rule to survival_by''s lower and upper curves; null when a curve never falls to 0.5; persons in the stratum and exits among them; strata as survival_by; positional parameters only';

-- exit_incidence(as_of, strata): the Aalen–Johansen cumulative incidence of each
-- way of leaving, with its variance as cmprsk::cuminc computes it (Gray's
-- asymptotic variance, the Fortran routine cinc). One row per stratum,
-- reason that occurs in the stratum, and day on which someone of the stratum
-- exits for any reason; ordered by stratum, reason, day:
--   stratum    VARCHAR  see spells_by
--   reason     VARCHAR  resigned, transferred, civil_service, promoted,
--                       other or unspecified (see spells_by)
--   day        INTEGER  days from entry
--   at_risk    INTEGER  persons of the stratum still observed on that day
--   exits      INTEGER  persons leaving for this reason on that day
--   incidence  DOUBLE   F(t) = sum over days u <= t of S(u-)·exits / at_risk,
--                       S(u-) the Kaplan–Meier survival (any reason) just
--                       before u
--   variance   DOUBLE   cuminc's variance of F(t)
-- With n at risk, d1 exits for the reason and d2 for other reasons on day u,
-- S- = S(u-), S = S(u), F = F(u), and c(d) = 1 - (d - 1) / (n - 1) for
-- d > 1, else 1, each day adds to three sums:
--   when d2 > 0 and S > 0, with w = S-^2·c(d2)·d2 / n^2:
--     v1 += (F/S)^2·w, v2 += (1/S)·(F/S)·w, v3 += (1/S)^2·w
--   when d1 > 0, with w = S-^2·c(d1)·d1 / n^2, b = 1/S (0 when S = 0) and
--   a = 1 + b·F: v1 += a^2·w, v2 += b·a·w, v3 += b^2·w
-- and on a day with d1 > 0 the variance becomes v1 + F^2·v3 - 2·F·v2; on
-- other days it keeps its last value (0 before the first such day).
CREATE OR REPLACE MACRO exit_incidence(as_of, strata) AS TABLE
    WITH sp AS MATERIALIZED (SELECT * FROM spells_by(as_of, strata)),
    days AS (
        SELECT stratum, day, count(*) AS leaving, count(*) FILTER (WHERE exited) AS d FROM sp GROUP BY stratum, day
    ),
    risk AS (
        SELECT *, sum(leaving) OVER (PARTITION BY stratum ORDER BY day DESC
                                     ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS n
        FROM days
    ),
    km AS (
        SELECT stratum, day, n, d,
               product(1 - d / n) OVER (PARTITION BY stratum ORDER BY day
                                        ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS s
        FROM risk
    ),
    events AS (
        SELECT stratum, day, n, d, s,
               coalesce(lag(s) OVER (PARTITION BY stratum ORDER BY day), 1) AS s_prev
        FROM km WHERE d > 0
    ),
    by_reason AS (SELECT stratum, day, reason, count(*) AS d1 FROM sp WHERE exited GROUP BY stratum, day, reason),
    reasons AS (SELECT DISTINCT stratum, reason FROM by_reason),
    cause AS (
        SELECT e.stratum, r.reason, e.day, e.n, e.s, e.s_prev,
               CAST(coalesce(b.d1, 0) AS DOUBLE) AS d1, e.d - coalesce(b.d1, 0) AS d2
        FROM events e
        JOIN reasons r ON r.stratum = e.stratum
        LEFT JOIN by_reason b ON b.stratum = e.stratum AND b.day = e.day AND b.reason = r.reason
    ),
    cif AS (
        SELECT *, sum(s_prev * d1 / n) OVER (PARTITION BY stratum, reason ORDER BY day
                                             ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS f
        FROM cause
    ),
    terms AS (
        SELECT *,
               CASE WHEN d2 > 0 AND s > 0
                    THEN s_prev * s_prev * (CASE WHEN d2 > 1 THEN 1 - (d2 - 1) / (n - 1) ELSE 1 END) * d2 / (n * n)
                    ELSE 0 END AS w2,
               CASE WHEN d1 > 0
                    THEN s_prev * s_prev * (CASE WHEN d1 > 1 THEN 1 - (d1 - 1) / (n - 1) ELSE 1 END) * d1 / (n * n)
                    ELSE 0 END AS w1,
               CASE WHEN s > 0 THEN 1 / s ELSE 0 END AS b
        FROM cif
    ),
    sums AS (
        SELECT *,
               sum((f * b) * (f * b) * w2 + (1 + b * f) * (1 + b * f) * w1) OVER w AS v1,
               sum(b * (f * b) * w2 + b * (1 + b * f) * w1) OVER w AS v2,
               sum(b * b * w2 + b * b * w1) OVER w AS v3
        FROM terms
        WINDOW w AS (PARTITION BY stratum, reason ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    var AS (
        SELECT *, CASE WHEN d1 > 0 THEN v1 + f * f * v3 - 2 * f * v2 END AS v_at
        FROM sums
    )
    SELECT stratum, reason, CAST(day AS INTEGER) AS day, CAST(n AS INTEGER) AS at_risk, CAST(d1 AS INTEGER) AS exits,
           f AS incidence,
           coalesce(last_value(v_at IGNORE NULLS) OVER (PARTITION BY stratum, reason ORDER BY day
                                                       ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW), 0) AS variance
    FROM var
    ORDER BY stratum, reason, day;

COMMENT ON MACRO TABLE exit_incidence IS
    '各离岗原因的累计发生率（Aalen–Johansen，竞争风险）及其方差，与 cmprsk::cuminc 相同（Gray 渐近方差）：时段见 spells_by；每个分层、分层内出现过的离岗原因（resigned、transferred、civil_service、promoted、other、unspecified）、分层内有人离岗的天数一行；at_risk 为该天观察人数，exits 为该天因此原因离岗人数，incidence 为 F(t) = Σ S(u−)·exits/at_risk，variance 为其方差；strata 同 survival_by，仅限位置参数 / the Aalen–Johansen cumulative incidence of each way of leaving with its variance as cmprsk::cuminc computes it (Gray''s asymptotic variance), spells as spells_by: one row per stratum, reason occurring in the stratum (resigned, transferred, civil_service, promoted, other, unspecified) and day on which someone of the stratum exits; at_risk observed that day, exits for this reason that day, incidence F(t) = sum of S(u-)·exits/at_risk, variance its variance; strata as survival_by; positional parameters only';
