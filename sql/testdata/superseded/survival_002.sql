-- Test data: survival() as migration 002_metrics.sql created it (and
-- sql/macros/survival.sql kept it until it became a call of survival_by
-- with the "by" parameter). The equivalence tests load it renamed
-- survival_002 and hold the current macro's first seven columns to the same
-- output.

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
