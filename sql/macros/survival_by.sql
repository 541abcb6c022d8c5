-- survival_by.sql: time in post with confidence limits, its median, and the
-- cumulative incidence of each way of leaving, by stratum. Every macro takes
-- two parameters without defaults (as_of, "by"), so that every DuckDB 1.x
-- client can call them positionally (from 1.4 on also by := 'county'; "by"
-- is quoted in the definitions, BY being a keyword); as_of NULL is today in
-- the city's time zone.
--
-- The spells are survival()'s: over the persons whose entry (first
-- start_date) is on or before as_of, day = days from entry to the end of the
-- last posting for a person in post nowhere on as_of (an exit), else the days
-- to as_of (censored). by picks them:
--   all      one stratum, 'all'
--   region   the region of the first posting (remote, developed)
--   county   the county code of the first posting
--   channel  the recruitment channel of the first posting
--   cohort   the year of entry, as text ('2019')
--   degree   dim_person.degree (doctorate, master, bachelor), 'unknown' when
--            null
-- NULL is all; any other value is an error.

-- spells_by(as_of, "by"): one row per person: stratum, day, exited (BOOLEAN)
-- and reason, the end_reason of the last posting for a person who left
-- (resigned, transferred, civil_service, promoted, other, or unspecified
-- when blank, even if an earlier posting had a reason), NULL when censored.
CREATE OR REPLACE MACRO spells_by(as_of, "by", vintage := NULL) AS TABLE
    -- One pass over the postings: of those started by as_of, the person's
    -- entry, whether in post on as_of, the last end and its reason; of all
    -- those of a known county, the stratum key of the first (earliest start,
    -- then the lowest village code), as person_first() picks it.
    WITH per AS (
        SELECT p.person_key,
               min(p.start_date) FILTER (WHERE p.start_date <= as_date(as_of)) AS entry,
               -- the last end, infinity while a posting is open: in post on
               -- as_of exactly when it is later than as_of.
               max(coalesce(p.end_date, DATE 'infinity')) FILTER (WHERE p.start_date <= as_date(as_of)) AS last_end,
               -- coalesce first: arg_max skips a NULL value.
               arg_max(coalesce(p.end_reason, 'unspecified'), (p.end_date, p.village_code))
                   FILTER (WHERE p.start_date <= as_date(as_of)) AS last_reason,
               arg_min(CASE coalesce("by", 'all')
                           WHEN 'region' THEN c.region
                           WHEN 'county' THEN p.county_code
                           WHEN 'channel' THEN p.channel
                           WHEN 'cohort' THEN CAST(year(p.start_date) AS VARCHAR)
                           ELSE 'all'
                       END, (p.start_date, p.village_code)) FILTER (WHERE c.county_code IS NOT NULL) AS first_key
        FROM fact_posting_vintage(vintage) p
        LEFT JOIN dim_county_vintage(vintage) c ON c.county_code = p.county_code
        GROUP BY p.person_key
    ),
    spells AS (
        SELECT person_key, first_key,
               CAST(CASE WHEN in_post THEN as_date(as_of) - entry ELSE last_end - entry END AS INTEGER) AS day,
               NOT in_post AS exited,
               CASE WHEN NOT in_post THEN last_reason END AS reason
        FROM (SELECT *, last_end > as_date(as_of) AS in_post FROM per)
        WHERE entry IS NOT NULL AND first_key IS NOT NULL
          AND CASE WHEN coalesce("by", 'all') IN ('all', 'region', 'county', 'channel', 'cohort', 'degree') THEN true
                   ELSE error('spells_by: by must be all, region, county, channel, cohort or degree') END
    )
    -- dim_person is read only for degree: the other branch's filter is
    -- constant, so DuckDB drops the branch not asked for.
    SELECT first_key AS stratum, day, exited, reason
    FROM spells WHERE coalesce("by", 'all') <> 'degree'
    UNION ALL
    SELECT coalesce(d.degree, 'unknown') AS stratum, s.day, s.exited, s.reason
    FROM spells s LEFT JOIN dim_person_vintage(vintage) d ON d.person_key = s.person_key
    WHERE coalesce("by", 'all') = 'degree';

COMMENT ON MACRO TABLE spells_by IS
    '每人一条在岗时段（survival_by、survival_median、exit_incidence 的输入）：入职日期不晚于 as_of 的人；day 为自入职起的天数：as_of 日不在岗者到其最后一个岗位离岗日（exited 为真，reason 为该岗位的离岗原因，未填为 unspecified），在岗者删失于 as_of（reason 为空）；stratum 按 by 分层：all 全体、region 区域、county 县区代码、channel 招录方式（均按首个岗位）、cohort 入职年份、degree 学历（空为 unknown），仅限位置参数（DuckDB 1.4 起也可写 by := ）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / one spell per person (the input of survival_by, survival_median and exit_incidence): persons whose entry <= as_of; day = days from entry to the end of the last posting for persons not in post on as_of (exited true, reason = that posting''s end_reason, unspecified when blank), else censored at as_of (reason null); stratum as the parameter by picks it: all, region, county (code), channel (of the first posting), cohort (entry year) or degree (unknown when null); positional parameters (from DuckDB 1.4 on also by := ); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- survival_by(as_of, "by"): Kaplan–Meier survival in post by stratum, one row
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
CREATE OR REPLACE MACRO survival_by(as_of, "by", vintage := NULL) AS TABLE
    WITH days AS (
        SELECT stratum, day, count(*) FILTER (WHERE exited) AS exits, count(*) FILTER (WHERE NOT exited) AS censored
        FROM spells_by(as_of, "by", vintage := vintage) GROUP BY stratum, day
    ),
    -- at_risk counts the spells ending on the day or later: the same order
    -- as km's window, so that each window sorts by (stratum, day) only.
    risk AS (
        SELECT *, sum(exits + censored) OVER (PARTITION BY stratum ORDER BY day
                                              ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS at_risk
        FROM days
    ),
    km AS (
        SELECT *,
               product(1 - exits / at_risk) OVER w AS s,
               sum(CASE WHEN at_risk > exits THEN exits / (at_risk * (at_risk - exits)) END) OVER w AS greenwood
        FROM risk
        WINDOW w AS (PARTITION BY stratum ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    se AS (
        -- S is exactly 0 from the day all at risk leave (a factor 1 - 1 = 0)
        -- and never 0 before: Greenwood's sum is then undefined.
        SELECT *, CASE WHEN s = 0 THEN NULL ELSE sqrt(coalesce(greenwood, 0)) END AS se_log,
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
    '按分层的在岗生存分析（Kaplan–Meier，右删失），时段见 spells_by；每个分层、每个有离岗或删失的天数一行；survival 为 S(t)，std_err 为 Greenwood 标准误（S 为 0 后为空），lower、upper 为 log(−log) 尺度上的 95% 置信限，与 R 的 survfit(conf.type = "log-log") 相同（S 为 1 或 0 时为空）；by 为 all、region、county、channel、cohort 或 degree，仅限位置参数（DuckDB 1.4 起也可写 by := ）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / Kaplan–Meier survival in post by stratum (spells as spells_by): one row per stratum and day with an exit or a censoring; survival S(t), std_err by Greenwood (null once S reaches 0), lower and upper the 95% limits on the log(-log) scale as R''s survfit(conf.type = "log-log") (null where S is 1 or 0); by is all, region, county, channel, cohort or degree; positional parameters (from DuckDB 1.4 on also by := ); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- survival_median(as_of, "by"): one row per stratum, ordered by stratum:
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
CREATE OR REPLACE MACRO survival_median(as_of, "by", vintage := NULL) AS TABLE
    -- survival_by's curves without its ORDER BY, which the median does not need.
    WITH days AS (
        SELECT stratum, day, count(*) FILTER (WHERE exited) AS exits, count(*) FILTER (WHERE NOT exited) AS censored
        FROM spells_by(as_of, "by", vintage := vintage) GROUP BY stratum, day
    ),
    risk AS (
        SELECT *, sum(exits + censored) OVER (PARTITION BY stratum ORDER BY day
                                              ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS at_risk
        FROM days
    ),
    -- The curves change only on days with an exit (a day without one has
    -- the factor 1 and adds 0 to Greenwood's sum), and the first day a
    -- curve is at or below a value is such a day: the median needs only
    -- those rows, so the window sorts fewer.
    km AS (
        SELECT *,
               product(1 - exits / at_risk) OVER w AS s,
               sum(CASE WHEN at_risk > exits THEN exits / (at_risk * (at_risk - exits)) END) OVER w AS greenwood
        FROM risk
        WHERE exits > 0
        WINDOW w AS (PARTITION BY stratum ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    se AS (
        -- S is exactly 0 from the day all at risk leave (a factor 1 - 1 = 0)
        -- and never 0 before: Greenwood's sum is then undefined.
        SELECT *, CASE WHEN s = 0 THEN NULL ELSE sqrt(coalesce(greenwood, 0)) END AS se_log,
               CASE WHEN s > 0 AND s < 1 THEN 1.959963984540054 / ln(s) END AS zl
        FROM km
    ),
    sb AS MATERIALIZED (
        SELECT stratum, day, exits, censored, s AS survival,
               pow(s, exp(-zl * se_log)) AS lower, pow(s, exp(zl * se_log)) AS upper
        FROM se
    ),
    -- For each curve, the first day on which it is at or below 0.5 and its
    -- value there (y1); no window: a curve's rows are keyed by day.
    tot AS (
        SELECT stratum, sum(exits + censored) AS persons, sum(exits) AS exits FROM days GROUP BY stratum
    ),
    firsts AS (
        SELECT stratum,
               min(day) FILTER (WHERE survival < 0.5 + 1.4901161193847656e-08) AS m_t,
               arg_min(survival, day) FILTER (WHERE survival < 0.5 + 1.4901161193847656e-08) AS m_y,
               min(day) FILTER (WHERE lower < 0.5 + 1.4901161193847656e-08) AS l_t,
               arg_min(lower, day) FILTER (WHERE lower < 0.5 + 1.4901161193847656e-08) AS l_y,
               min(day) FILTER (WHERE upper < 0.5 + 1.4901161193847656e-08) AS u_t,
               arg_min(upper, day) FILTER (WHERE upper < 0.5 + 1.4901161193847656e-08) AS u_y
        FROM sb GROUP BY stratum
    ),
    -- The first day on which each curve is lower than y1, for the midpoint
    -- rule (only a curve at 0.5 within the tolerance needs it).
    lows AS (
        SELECT f.stratum,
               min(sb.day) FILTER (WHERE abs(f.m_y - 0.5) < 1.4901161193847656e-08 AND sb.survival < f.m_y) AS m_t2,
               min(sb.day) FILTER (WHERE abs(f.l_y - 0.5) < 1.4901161193847656e-08 AND sb.lower < f.l_y) AS l_t2,
               min(sb.day) FILTER (WHERE abs(f.u_y - 0.5) < 1.4901161193847656e-08 AND sb.upper < f.u_y) AS u_t2
        FROM firsts f JOIN sb ON sb.stratum = f.stratum
        GROUP BY f.stratum
    )
    -- A stratum without an exit has no row in sb: its curves never fall.
    SELECT t.stratum, CAST(t.persons AS BIGINT) AS persons, CAST(t.exits AS BIGINT) AS exits,
           CAST(CASE WHEN l.m_t2 IS NOT NULL THEN (f.m_t + l.m_t2) / 2 ELSE f.m_t END AS DOUBLE) AS median,
           CAST(CASE WHEN l.l_t2 IS NOT NULL THEN (f.l_t + l.l_t2) / 2 ELSE f.l_t END AS DOUBLE) AS lower,
           CAST(CASE WHEN l.u_t2 IS NOT NULL THEN (f.u_t + l.u_t2) / 2 ELSE f.u_t END AS DOUBLE) AS upper
    FROM tot t LEFT JOIN firsts f ON f.stratum = t.stratum LEFT JOIN lows l ON l.stratum = t.stratum
    ORDER BY t.stratum;

COMMENT ON MACRO TABLE survival_median IS
    '按分层的在岗时间中位数（天）及其 95% 置信区间，与 R 的 print(survfit(conf.type = "log-log")) 相同：median 为 S(t) ≤ 0.5 的最早天数（恰为 0.5 且其后更低时取该天与其后首个更低天数的中点），lower、upper 对 survival_by 的下、上置信限曲线用同一规则；未降至 0.5 时为空；persons 为人数，exits 为离岗人数；by 同 survival_by，仅限位置参数（DuckDB 1.4 起也可写 by := ）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / median time in post (days) by stratum with its 95% confidence interval, as R''s print(survfit(conf.type = "log-log")): median = the first day with S(t) <= 0.5 (when exactly 0.5 and lower later, the midpoint of that day and the first lower one); lower and upper apply the same rule to survival_by''s lower and upper curves; null when a curve never falls to 0.5; persons in the stratum and exits among them; by as survival_by; positional parameters (from DuckDB 1.4 on also by := ); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';

-- exit_incidence(as_of, "by"): the Aalen–Johansen cumulative incidence of each
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
-- With n at risk, d exits in all, d1 for the reason and d2 = d - d1 for
-- other reasons on day u, S- = S(u-), S = S(u), b = 1/S (0 when S = 0),
-- F = F(u), and c(k)·k = k - k·(k - 1) / (n - 1) (k when k <= 1), each day
-- adds to three sums:
--   when d2 > 0 and S > 0, with w = S-^2·c(d2)·d2 / n^2:
--     v1 += (F/S)^2·w, v2 += (1/S)·(F/S)·w, v3 += (1/S)^2·w
--   when d1 > 0, with w = S-^2·c(d1)·d1 / n^2 and a = 1 + b·F:
--     v1 += a^2·w, v2 += b·a·w, v3 += b^2·w
-- and the variance on day t is v1 + F(t)^2·v3 - 2·F(t)·v2.
-- A reason other than the six (the loader records an unknown one as other)
-- is an error rather than a reason left out.
--
-- How it is computed (the straightforward way, a column per reason and 24
-- running sums over every day, took 1.9 s nationally by county): F and the
-- variance change only on the reason's own exit days, so the running sums
-- are taken over those rows alone, (stratum, reason, day) with d1 > 0. On a
-- day between two of them, t(k-1) < u < t(k), F(u) = F(t(k-1)) and d2 = d,
-- so its terms are F(t(k-1))^2·g, F(t(k-1))·g and g with
-- g = S-^2·c(d)·d / (n^2·S^2) = c(d)·d / (n - d)^2, the same for every
-- reason: one running sum G of g over the stratum's exit days gives the
-- whole gap as G(t(k)) - g(t(k)) - G(t(k-1)). The rows on the other days
-- repeat the last value (0 before the reason's first exit).
CREATE OR REPLACE MACRO exit_incidence(as_of, "by", vintage := NULL) AS TABLE
    WITH grouped AS (
        SELECT stratum, day, reason, count(*) AS c
        FROM spells_by(as_of, "by", vintage := vintage)
        WHERE CASE WHEN reason IS NULL OR reason IN ('civil_service', 'other', 'promoted', 'resigned', 'transferred', 'unspecified') THEN true
                   ELSE error('exit_incidence: a reason other than resigned, transferred, civil_service, promoted, other or unspecified') END
        GROUP BY stratum, day, reason
    ),
    -- n: the spells of the stratum ending on the day or later.
    observed AS (
        SELECT *, sum(c) OVER (PARTITION BY stratum ORDER BY day
                               RANGE BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS n
        FROM grouped
    ),
    -- d1 of each reason on each of its exit days.
    ev AS (
        SELECT stratum, day, reason, n, c AS d1 FROM observed WHERE reason IS NOT NULL
    ),
    -- The stratum's exit days, numbered o = 1 … m: s = S(u), s_prev = S(u-)
    -- (a day without an exit has the factor 1 - 0 / n = 1 exactly), and G.
    km AS (
        SELECT stratum, day, n, d,
               row_number() OVER w AS o,
               count(*) OVER (PARTITION BY stratum) AS m,
               product(1 - d / n) OVER w AS s,
               coalesce(product(1 - d / n) OVER (PARTITION BY stratum ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 1) AS s_prev,
               CASE WHEN n > d THEN (d - d * (d - 1) / (n - 1)) / ((n - d) * (n - d)) ELSE 0 END AS g,
               sum(CASE WHEN n > d THEN (d - d * (d - 1) / (n - 1)) / ((n - d) * (n - d)) ELSE 0 END) OVER w AS gsum
        FROM (SELECT stratum, day, n, sum(d1) AS d FROM ev GROUP BY stratum, day, n)
        WINDOW w AS (PARTITION BY stratum ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    -- The reason's exit days: h its step of F, f = F, and the o of the
    -- previous and next ones.
    steps AS (
        SELECT *, sum(h) OVER r AS f, coalesce(lag(gsum) OVER r, 0) AS gprev,
               lag(o) OVER r AS o_prev, lead(o) OVER r AS o_next
        FROM (
            SELECT e.stratum, e.reason, e.day, e.d1, k.o, k.m, k.n, k.d, k.s, k.s_prev, k.g, k.gsum,
                   CASE WHEN k.s > 0 THEN 1 / k.s ELSE 0 END AS b,
                   k.s_prev * e.d1 / k.n AS h
            FROM ev e JOIN km k ON k.stratum = e.stratum AND k.day = e.day
        )
        WINDOW r AS (PARTITION BY stratum, reason ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    -- The terms of the gap before the day (f0 = F of the previous exit day,
    -- dg the gap's g) and of the day itself (w2 = b^2·w of d2, w1 = w of d1).
    terms AS (
        SELECT *, f - h AS f0, gsum - g - gprev AS dg,
               CASE WHEN d > d1 AND n > d THEN ((d - d1) - (d - d1) * (d - d1 - 1) / (n - 1)) / ((n - d) * (n - d)) ELSE 0 END AS w2,
               s_prev * s_prev * (CASE WHEN d1 > 1 THEN d1 - d1 * (d1 - 1) / (n - 1) ELSE d1 END) / (n * n) AS w1
        FROM steps
    ),
    sums AS (
        SELECT stratum, reason, o, o_prev, o_next, m, d1, f,
               sum(dg * f0 * f0 + w2 * f * f + w1 * (1 + b * f) * (1 + b * f)) OVER r AS v1,
               sum(dg * f0 + w2 * f + w1 * b * (1 + b * f)) OVER r AS v2,
               sum(dg + w2 + w1 * b * b) OVER r AS v3
        FROM terms
        WINDOW r AS (PARTITION BY stratum, reason ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
    ),
    -- Each exit day of the reason covers the stratum's exit days up to the
    -- next one; the first also those before it, with F = 0.
    spread AS (
        SELECT stratum, reason, o, d1, f, v1 + f * f * v3 - 2 * f * v2 AS v,
               unnest(range(CASE WHEN o_prev IS NULL THEN 1 ELSE o END, coalesce(o_next, m + 1))) AS i
        FROM sums
    )
    SELECT e.stratum, e.reason, CAST(k.day AS INTEGER) AS day, CAST(k.n AS INTEGER) AS at_risk,
           CAST(CASE WHEN e.i = e.o THEN e.d1 ELSE 0 END AS INTEGER) AS exits,
           CASE WHEN e.i < e.o THEN 0 ELSE e.f END AS incidence,
           CASE WHEN e.i < e.o THEN 0 ELSE e.v END AS variance
    FROM spread e JOIN km k ON k.stratum = e.stratum AND k.o = e.i
    ORDER BY e.stratum, e.reason, k.day;

COMMENT ON MACRO TABLE exit_incidence IS
    '各离岗原因的累计发生率（Aalen–Johansen，竞争风险）及其方差，与 cmprsk::cuminc 相同（Gray 渐近方差）：时段见 spells_by；每个分层、分层内出现过的离岗原因（resigned、transferred、civil_service、promoted、other、unspecified）、分层内有人离岗的天数一行；at_risk 为该天观察人数，exits 为该天因此原因离岗人数，incidence 为 F(t) = Σ S(u−)·exits/at_risk，variance 为其方差；by 同 survival_by，仅限位置参数（DuckDB 1.4 起也可写 by := ）；vintage（可选，TIMESTAMPTZ）：按仓库在该时刻所知的数据计算（见 *_vintage 宏） / the Aalen–Johansen cumulative incidence of each way of leaving with its variance as cmprsk::cuminc computes it (Gray''s asymptotic variance), spells as spells_by: one row per stratum, reason occurring in the stratum (resigned, transferred, civil_service, promoted, other, unspecified) and day on which someone of the stratum exits; at_risk observed that day, exits for this reason that day, incidence F(t) = sum of S(u-)·exits/at_risk, variance its variance; by as survival_by; positional parameters (from DuckDB 1.4 on also by := ); vintage (optional, a TIMESTAMPTZ): as the warehouse knew the data at that moment (see the *_vintage macros)';
