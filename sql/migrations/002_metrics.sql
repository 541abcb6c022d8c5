-- 002_metrics.sql: the metric macros of CONTRACT §4, and the settings they read.
--
-- Every metric is a table macro that anyone can call at any date:
--   SELECT * FROM coverage('2022-07-21');
-- as_of (a DATE, or text such as '2022-07-21') defaults to today in the city's
-- time zone. "In post on day D": start_date <= D and (end_date is null or
-- end_date > D). The village universe on D: established_on null or <= D, and
-- dissolved_on null or > D.
--
-- Macro parameters shadow column names inside a macro body, so the bodies
-- qualify every column whose name could clash (year).

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

-- Helpers.

CREATE MACRO city_setting(k) AS
    (SELECT max(s.value) FROM etl_setting s WHERE s.key = k);

CREATE MACRO city_today() AS
    CAST(timezone(coalesce(city_setting('timezone'), 'Asia/Shanghai'), now()) AS DATE);

CREATE MACRO as_date(as_of) AS
    coalesce(CAST(as_of AS DATE), city_today());

CREATE MACRO villages_on(as_of) AS TABLE
    SELECT v.village_code, v.village_name, v.village_kind, v.urban_rural_code,
           v.township_code, t.township_name, v.county_code, c.county_name, c.region,
           v.established_on, v.dissolved_on
    FROM dim_village v
    JOIN dim_county c ON c.county_code = v.county_code
    LEFT JOIN dim_township t ON t.township_code = v.township_code
    WHERE (v.established_on IS NULL OR v.established_on <= as_date(as_of))
      AND (v.dissolved_on IS NULL OR v.dissolved_on > as_date(as_of));

CREATE MACRO postings_on(as_of) AS TABLE
    SELECT p.* FROM fact_posting p
    WHERE p.start_date <= as_date(as_of) AND (p.end_date IS NULL OR p.end_date > as_date(as_of));

-- person_first: each graduate's entry (first start_date) and the county,
-- region and channel of that first posting (ties: the lowest village code).
CREATE MACRO person_first() AS TABLE
    SELECT p.person_key, p.start_date AS entry, p.county_code, c.county_name, c.region, p.channel
    FROM fact_posting p JOIN dim_county c ON c.county_code = p.county_code
    QUALIFY row_number() OVER (PARTITION BY p.person_key ORDER BY p.start_date, p.village_code) = 1;

COMMENT ON MACRO city_today IS
    '城市时区的今天（etl_setting.timezone，缺省 Asia/Shanghai） / today in the city''s time zone (etl_setting.timezone, default Asia/Shanghai)';
COMMENT ON MACRO as_date IS
    '把 as_of 转为日期，为空时取城市今天 / as_of as a DATE, today in the city''s time zone when null';
COMMENT ON MACRO TABLE villages_on IS
    '某日的村（社区）范围：成立日期为空或不晚于该日，且撤销日期为空或晚于该日；带乡镇、县区和区域 / the village universe on a day: established_on null or <= the day, dissolved_on null or > the day; with township, county and region';
COMMENT ON MACRO TABLE postings_on IS
    '某日在岗的派驻记录：到岗日期不晚于该日，且离岗日期为空或晚于该日 / postings in post on a day: start_date <= the day and (end_date null or > the day)';
COMMENT ON MACRO TABLE person_first IS
    '每名研究生的入职日期（最早到岗日期）及首个岗位的县区、区域、招录方式 / each graduate''s entry (first start_date) with the county, region and channel of that first posting';

-- coverage(as_of)

CREATE MACRO coverage(as_of := NULL) AS TABLE
    WITH vp AS (
        SELECT u.*, p.person_key
        FROM villages_on(as_of) u
        LEFT JOIN postings_on(as_of) p ON p.village_code = u.village_code
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               NULL::VARCHAR AS region, village_code, person_key FROM vp
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END,
               region, village_code, person_key FROM vp
        UNION ALL
        SELECT 3, 'county', county_code, county_name, region, village_code, person_key FROM vp
        UNION ALL
        SELECT 4, 'township', township_code, township_name, region, village_code, person_key FROM vp
        UNION ALL
        SELECT 5, 'village_kind', village_kind, CASE village_kind WHEN 'village' THEN '村（村委会）' WHEN 'community' THEN '社区（居委会）' END,
               NULL, village_code, person_key FROM vp
        UNION ALL
        SELECT 6, 'urban_rural',
               CASE WHEN urban_rural_code LIKE '1%' THEN 'urban' WHEN urban_rural_code LIKE '2%' THEN 'rural' END,
               CASE WHEN urban_rural_code LIKE '1%' THEN '城镇' WHEN urban_rural_code LIKE '2%' THEN '乡村' END,
               NULL, village_code, person_key FROM vp
    )
    SELECT level, code, name, region,
           count(DISTINCT village_code) AS villages,
           count(DISTINCT village_code) FILTER (WHERE person_key IS NOT NULL) AS covered,
           count(DISTINCT village_code) FILTER (WHERE person_key IS NOT NULL) / count(DISTINCT village_code) AS coverage_rate,
           count(DISTINCT person_key) AS graduates_in_post
    FROM levels
    GROUP BY o, level, code, name, region
    ORDER BY o, code NULLS LAST;

COMMENT ON MACRO TABLE coverage IS
    '覆盖率：as_of 日（缺省为城市今天）村（社区）范围内，有至少一名研究生在岗的村（社区）数 covered、范围内村（社区）数 villages、覆盖率 coverage_rate = covered / villages、在岗研究生人数 graduates_in_post（去重）；level 为 city 全市、region 区域（remote 偏远 / developed 发达）、county 县区、township 乡镇（街道）、village_kind 村或社区（village/community）、urban_rural 城乡（urban 城乡分类代码 1xx / rural 2xx） / coverage on as_of (default: today in the city''s time zone): villages of the universe, covered = villages with at least one graduate in post, coverage_rate = covered / villages, graduates_in_post = distinct graduates in post there; level is city, region (code remote/developed), county, township, village_kind (code village/community) or urban_rural (code urban for urban-rural classes 1xx, rural for 2xx)';

-- uncovered_villages(as_of)

CREATE MACRO uncovered_villages(as_of := NULL) AS TABLE
    WITH u AS (SELECT * FROM villages_on(as_of)),
    covered AS (SELECT DISTINCT village_code FROM postings_on(as_of)),
    last_end AS (
        SELECT p.village_code, max(p.end_date) AS last_end
        FROM fact_posting p WHERE p.end_date <= as_date(as_of) GROUP BY p.village_code
    ),
    vacant AS (
        SELECT DISTINCT v.village_code FROM fact_vacancy v
        WHERE v.reported_on <= as_date(as_of) AND (v.filled_on IS NULL OR v.filled_on > as_date(as_of))
    )
    SELECT u.village_code, u.village_name, u.township_name, u.county_name, u.region,
           CASE WHEN l.last_end IS NOT NULL THEN as_date(as_of) - l.last_end
                WHEN u.established_on IS NOT NULL THEN as_date(as_of) - u.established_on END AS uncovered_days,
           vacant.village_code IS NOT NULL AS vacancy_reported
    FROM u
    LEFT JOIN last_end l ON l.village_code = u.village_code
    LEFT JOIN vacant ON vacant.village_code = u.village_code
    WHERE u.village_code NOT IN (SELECT village_code FROM covered)
    ORDER BY uncovered_days DESC NULLS LAST, u.village_code;

COMMENT ON MACRO TABLE uncovered_villages IS
    '待补充名单：as_of 日村（社区）范围内无研究生在岗的村（社区）；uncovered_days 为自最后一名研究生离岗起的天数（从未有人在岗则自成立日期起，成立日期也为空则为空）；vacancy_reported 表示 as_of 日有已登记且未补齐的空缺；按空缺天数从长到短 / the replenishment list: villages of the universe on as_of with no graduate in post; uncovered_days since the last posting there ended (else since established_on, else null); vacancy_reported: a vacancy reported by as_of and not filled by then; longest first';

-- retention(as_of, months)

CREATE MACRO retention(as_of := NULL, months := 12) AS TABLE
    WITH cohort AS (
        SELECT f.*, CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) AS mark
        FROM person_first() f
        WHERE CAST(f.entry + to_months(CAST(months AS INTEGER)) AS DATE) <= as_date(as_of)
    ),
    kept AS (
        SELECT c.*, bool_or(p.person_key IS NOT NULL) AS retained
        FROM cohort c
        LEFT JOIN fact_posting p ON p.person_key = c.person_key
            AND p.start_date <= c.mark AND (p.end_date IS NULL OR p.end_date > c.mark)
        GROUP BY ALL
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name, retained FROM kept
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END, retained FROM kept
        UNION ALL
        SELECT 3, 'county', county_code, county_name, retained FROM kept
        UNION ALL
        SELECT 4, 'channel', channel, CASE channel WHEN 'special_intro' THEN '专项引进' WHEN 'open_recruit' THEN '公开招聘' WHEN 'replenish' THEN '动态增补' END, retained FROM kept
        UNION ALL
        SELECT 5, 'entry_year', CAST(year(entry) AS VARCHAR), CAST(year(entry) AS VARCHAR) || '年', retained FROM kept
    )
    SELECT level, code, name, count(*) AS cohort, count(*) FILTER (WHERE retained) AS retained,
           count(*) FILTER (WHERE retained) / count(*) AS retention_rate
    FROM levels
    GROUP BY o, level, code, name
    ORDER BY o, code;

COMMENT ON MACRO TABLE retention IS
    '留任率：每人入职日期 = 最早到岗日期；队列 cohort = 入职日期加 months 个月（缺省 12）不晚于 as_of 的人数；留任 retained = 其中在入职满 months 个月当日仍在岗（任一村）者；retention_rate = retained / cohort；level 为 city、region 和 county（按首个岗位）、channel（首个岗位的招录方式）、entry_year 入职年份 / retention: per person, entry = first start_date; cohort = persons whose entry + months (default 12) <= as_of; retained = those in post anywhere on entry + months; retention_rate = retained / cohort; level is city, region and county (of the first posting), channel (of the first posting) or entry_year';

-- survival(as_of)

CREATE MACRO survival(as_of := NULL) AS TABLE
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

-- exits(as_of)

CREATE MACRO exits(as_of := NULL) AS TABLE
    WITH per AS (
        SELECT p.person_key,
               bool_or(p.end_date IS NULL OR p.end_date > as_date(as_of)) AS in_post,
               arg_max(p.end_reason, p.end_date) AS end_reason,
               arg_max(p.county_code, p.end_date) AS county_code
        FROM fact_posting p
        WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    ),
    gone AS (
        SELECT coalesce(per.end_reason, 'unspecified') AS end_reason, per.county_code, c.county_name, c.region
        FROM per JOIN dim_county c ON c.county_code = per.county_code
        WHERE NOT per.in_post
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name, end_reason FROM gone
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END, end_reason FROM gone
        UNION ALL
        SELECT 3, 'county', county_code, county_name, end_reason FROM gone
    )
    SELECT level, code, name, end_reason, count(*) AS exits
    FROM levels
    GROUP BY o, level, code, name, end_reason
    ORDER BY o, code, end_reason;

COMMENT ON MACRO TABLE exits IS
    '离岗：截至 as_of 已不在岗的人（曾在岗、as_of 日无任何在岗记录），按最后一个岗位的离岗原因 end_reason（resigned 辞职、transferred 调动、civil_service 考录公务员、promoted 提拔、other 其他、unspecified 未填）计数；level 为 city、region、county（按最后一个岗位） / exits: persons who had left by as_of (posted before, in post nowhere on as_of), counted by the end_reason of their last posting (resigned, transferred, civil_service, promoted, other, unspecified when blank); level is city, region or county (of the last posting)';

-- region_balance(as_of)

CREATE MACRO region_balance(as_of := NULL) AS TABLE
    WITH cov AS (SELECT * FROM coverage(as_of) WHERE level = 'region'),
    ret AS (SELECT code, retention_rate FROM retention(as_of, 12) WHERE level = 'region'),
    r AS (
        SELECT g.region,
               CAST(coalesce(cov.villages, 0) AS DOUBLE) AS villages,
               CAST(coalesce(cov.covered, 0) AS DOUBLE) AS covered,
               cov.coverage_rate,
               CAST(coalesce(cov.graduates_in_post, 0) AS DOUBLE) AS graduates_in_post,
               cov.graduates_in_post * 100.0 / nullif(cov.villages, 0) AS per_100_villages,
               ret.retention_rate AS retention_12m
        FROM (VALUES ('remote', 1), ('developed', 2)) g(region, o)
        LEFT JOIN cov ON cov.code = g.region
        LEFT JOIN ret ON ret.code = g.region
    )
    SELECT region, villages, covered, coverage_rate, graduates_in_post, per_100_villages, retention_12m
    FROM (
        SELECT *, CASE region WHEN 'remote' THEN 1 ELSE 2 END AS o FROM r
        UNION ALL
        SELECT 'remote_to_developed',
               rem.villages / nullif(dev.villages, 0),
               rem.covered / nullif(dev.covered, 0),
               rem.coverage_rate / nullif(dev.coverage_rate, 0),
               rem.graduates_in_post / nullif(dev.graduates_in_post, 0),
               rem.per_100_villages / nullif(dev.per_100_villages, 0),
               rem.retention_12m / nullif(dev.retention_12m, 0),
               3
        FROM r rem, r dev WHERE rem.region = 'remote' AND dev.region = 'developed'
    )
    ORDER BY o;

COMMENT ON MACRO TABLE region_balance IS
    '偏远与发达地区均衡：remote 偏远、developed 发达各一行：村（社区）数、覆盖数、覆盖率、在岗研究生数、每百村在岗人数 per_100_villages、12 个月留任率 retention_12m（同 coverage 与 retention(as_of, 12) 的 region 行）；另有 remote_to_developed 一行，为各指标偏远 ÷ 发达（发达为 0 时为空） / balance between remote and developed areas on as_of: one row each for remote and developed (villages, covered, coverage_rate, graduates_in_post, per_100_villages = graduates per 100 villages, retention_12m; as in the region rows of coverage and retention(as_of, 12)), and a row remote_to_developed holding remote ÷ developed for every measure (null where developed is 0)';

-- promotions(as_of)

CREATE MACRO promotions(as_of := NULL) AS TABLE
    WITH grads AS (
        SELECT p.person_key, min(p.start_date) AS entry, arg_max(p.county_code, p.start_date) AS county_code
        FROM fact_posting p WHERE p.start_date <= as_date(as_of)
        GROUP BY p.person_key
    ),
    roles AS (
        SELECT r.person_key,
               bool_or(r.role_category IN ('committee', 'secretary')) AS committee,
               bool_or(r.role_category = 'secretary') AS secretary,
               bool_or(r.role_category = 'township_leadership') AS township,
               min(r.start_date) FILTER (WHERE r.role_category IN ('committee', 'secretary')) AS first_committee
        FROM fact_role r WHERE r.start_date <= as_date(as_of)
        GROUP BY r.person_key
    ),
    per AS (
        SELECT g.person_key, g.county_code, c.county_name, c.region,
               coalesce(r.committee, false) AS committee, coalesce(r.secretary, false) AS secretary,
               coalesce(r.township, false) AS township,
               (r.first_committee - g.entry) / 30.4375 AS months_to_committee
        FROM grads g JOIN dim_county c ON c.county_code = g.county_code
        LEFT JOIN roles r ON r.person_key = g.person_key
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name, * FROM per
        UNION ALL
        SELECT 2, 'region', region, CASE region WHEN 'remote' THEN '偏远地区' WHEN 'developed' THEN '发达地区' END, * FROM per
        UNION ALL
        SELECT 3, 'county', county_code, county_name, * FROM per
    )
    SELECT level, code, name,
           count(*) AS graduates,
           count(*) FILTER (WHERE committee) AS committee_members,
           count(*) FILTER (WHERE secretary) AS party_secretaries,
           count(*) FILTER (WHERE township) AS township_leaders,
           count(*) FILTER (WHERE committee) / count(*) AS committee_rate,
           count(*) FILTER (WHERE secretary) / count(*) AS secretary_rate,
           median(months_to_committee) FILTER (WHERE committee) AS median_months_to_committee
    FROM levels
    GROUP BY o, level, code, name
    ORDER BY o, code;

COMMENT ON MACRO TABLE promotions IS
    '晋升：graduates 为入职日期不晚于 as_of 的研究生人数；committee_members 进入村（社区）“两委”的人数（书记也计入）、party_secretaries 任村（社区）党组织书记的人数、township_leaders 进入乡镇（街道）领导班子的人数，均为任职日期不晚于 as_of 的去重人数；committee_rate、secretary_rate 为占 graduates 的比例；median_months_to_committee 为自入职到首次进入两委的月数中位数（一个月按 30.4375 天）；level 为 city、region、county（按 as_of 前最近一个岗位） / promotions: graduates = persons with entry <= as_of; committee_members, party_secretaries and township_leaders count distinct persons with a role of that category starting <= as_of (a secretary counts as a committee member too); committee_rate and secretary_rate are over graduates; median_months_to_committee = median months (of 30.4375 days) from entry to the first committee role; level is city, region or county (of the latest posting starting by as_of)';

-- quota_usage(year)

CREATE MACRO quota_usage(year := NULL) AS TABLE
    WITH y AS (
        SELECT coalesce(CAST(year AS INTEGER), year(city_today())) AS y
    ),
    d AS (
        SELECT y.y, least(make_date(y.y, 12, 31), city_today()) AS day FROM y
    ),
    q AS (
        SELECT fq.county_code, fq.township_code, sum(fq.township_quota) AS tq, sum(fq.county_pool) AS cp
        FROM fact_quota fq, d WHERE fq.year = d.y
        GROUP BY fq.county_code, fq.township_code
    ),
    posts AS (
        SELECT p.county_code, p.township_code,
               count(*) FILTER (WHERE p.quota_source = 'township') AS pt,
               count(*) FILTER (WHERE p.quota_source = 'county_pool') AS pc
        FROM fact_posting p, d
        WHERE p.start_date <= d.day AND (p.end_date IS NULL OR p.end_date > d.day)
        GROUP BY p.county_code, p.township_code
    ),
    county AS (
        SELECT c.county_code, c.county_name,
               coalesce((SELECT sum(q.tq) FROM q WHERE q.county_code = c.county_code), 0) AS township_quota,
               coalesce((SELECT sum(q.cp) FROM q WHERE q.county_code = c.county_code), 0) AS county_pool,
               coalesce((SELECT sum(ps.pt) FROM posts ps WHERE ps.county_code = c.county_code), 0) AS posts_township,
               coalesce((SELECT sum(ps.pc) FROM posts ps WHERE ps.county_code = c.county_code), 0) AS posts_county_pool
        FROM dim_county c
    ),
    township AS (
        SELECT t.township_code, t.township_name,
               coalesce((SELECT sum(q.tq) FROM q WHERE q.township_code = t.township_code), 0) AS township_quota,
               coalesce((SELECT sum(ps.pt) FROM posts ps WHERE ps.township_code = t.township_code), 0) AS posts_township,
               coalesce((SELECT sum(ps.pc) FROM posts ps WHERE ps.township_code = t.township_code), 0) AS posts_county_pool
        FROM dim_township t
    ),
    levels AS (
        SELECT 1 AS o, 'city' AS level, city_setting('city_code') AS code, city_setting('city_name') AS name,
               sum(township_quota) AS township_quota, sum(county_pool) AS county_pool,
               sum(posts_township) AS posts_township, sum(posts_county_pool) AS posts_county_pool
        FROM county
        UNION ALL
        SELECT 2, 'county', county_code, county_name, township_quota, county_pool, posts_township, posts_county_pool FROM county
        UNION ALL
        SELECT 3, 'township', township_code, township_name, township_quota, NULL, posts_township, posts_county_pool FROM township
    )
    SELECT level, code, name,
           CAST(township_quota AS BIGINT) AS township_quota,
           CAST(county_pool AS BIGINT) AS county_pool,
           CAST(township_quota + coalesce(county_pool, 0) AS BIGINT) AS quota_total,
           CAST(posts_township AS BIGINT) AS posts_township,
           CAST(posts_county_pool AS BIGINT) AS posts_county_pool,
           CAST(posts_township + posts_county_pool AS BIGINT) AS posts_total,
           CAST(CASE WHEN level = 'township' THEN township_quota - posts_township
                     ELSE township_quota + county_pool - posts_township - posts_county_pool END AS BIGINT) AS unfilled
    FROM levels
    ORDER BY o, code;

COMMENT ON MACRO TABLE quota_usage IS
    '编制使用：year 年（缺省为今年）的乡镇编制数 township_quota 与县级周转池调剂数 county_pool，合计 quota_total；在岗人数为该年 12 月 31 日（当年则为今天）在岗的派驻记录，按编制来源分为 posts_township、posts_county_pool，合计 posts_total；unfilled = quota_total − posts_total（乡镇一级为 township_quota − posts_township，周转池只在县级）；level 为 city、county、township / quota use in a year (default: this year): township_quota and county_pool, quota_total; posts = postings in post on 31 December of the year (or today for the current year), by quota_source (posts_township, posts_county_pool, posts_total); unfilled = quota_total - posts_total (at township level township_quota - posts_township: the county pool is held at county level); level is city, county or township';

-- source_freshness()

CREATE MACRO source_freshness() AS TABLE
    WITH ok AS (
        SELECT r.county_code, max(r.finished_at) AS last_success FROM etl_run r
        WHERE r.job = 'ingest' AND r.status IN ('succeeded', 'no_new_data') GROUP BY r.county_code
    ),
    nf AS (
        SELECT f.county_code, max(f.received_at) AS last_new_file FROM etl_file f
        WHERE f.county_code IS NOT NULL GROUP BY f.county_code
    )
    SELECT c.county_code, c.county_name, ok.last_success, nf.last_new_file,
           (epoch(now()) - epoch(ok.last_success)) / 3600.0 AS hours_since_success,
           ok.last_success IS NULL
             OR (epoch(now()) - epoch(ok.last_success)) / 3600.0 > coalesce(CAST(city_setting('stale_after_hours') AS DOUBLE), 72)
             AS stale
    FROM dim_county c
    LEFT JOIN ok ON ok.county_code = c.county_code
    LEFT JOIN nf ON nf.county_code = c.county_code
    ORDER BY c.county_code;

COMMENT ON MACRO TABLE source_freshness IS
    '数据源新鲜度：每个县区最近一次成功拉取时间 last_success（有新文件或无新数据均算成功）、最近一次收到新文件时间 last_new_file、距最近成功的小时数 hours_since_success；stale 表示从未成功或超过 etl_setting.stale_after_hours（缺省 72）小时未成功 / per county, from etl_run and etl_file: last_success (a pull that worked, with or without new files), last_new_file, hours_since_success; stale = never succeeded or no success for longer than etl_setting.stale_after_hours (default 72)';
