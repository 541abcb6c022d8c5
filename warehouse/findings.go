package warehouse

import (
	"context"
	"fmt"
)

type findingQuery struct {
	name string
	sql  string
	args []any
}

// findings records the normaliser's row-level findings and the findings that
// need the merged warehouse: overlapping postings, persons vanished from a
// county's ledger, subsidies over the cap. It returns the findings of the
// run by code.
func (l *Load) findings(ctx context.Context) (map[string]int64, error) {
	county := nullable(l.county)
	queries := []findingQuery{
		{"row findings", `INSERT INTO etl_finding
			SELECT ?, ?, code, severity, person_key, village_code, detail FROM stg_findings ORDER BY _row`,
			[]any{l.runID, county}},
	}
	if l.job == JobIngest && !l.partial {
		queries = append(queries, vanished(l.runID, county))
	}
	if l.job == JobIngest {
		queries = append(queries,
			// One person in post in two villages on the same day, for postings
			// this run inserted or changed.
			findingQuery{"overlapping_postings", `INSERT INTO etl_finding
			SELECT DISTINCT ?, ?, 'overlapping_postings', 'error', a.person_key, a.village_code,
				'in post in ' || a.village_code || ' from ' || a.start_date || ' and in ' || b.village_code ||
				' from ' || b.start_date || ' on the same days'
			FROM (SELECT * FROM fact_posting WHERE person_key IN (SELECT person_key FROM temp.chg_fact_posting)) a
			JOIN (SELECT * FROM fact_posting WHERE person_key IN (SELECT person_key FROM temp.chg_fact_posting)) b
				ON a.person_key = b.person_key AND a.village_code < b.village_code
				AND a.start_date < coalesce(b.end_date, DATE '9999-12-31')
				AND b.start_date < coalesce(a.end_date, DATE '9999-12-31')
			WHERE EXISTS (SELECT 1 FROM temp.chg_fact_posting c WHERE c.person_key = a.person_key
				AND ((c.village_code = a.village_code AND c.start_date = a.start_date)
				  OR (c.village_code = b.village_code AND c.start_date = b.start_date)))`,
				[]any{l.runID, county}},
			// More than 310,000 yuan paid to one person within 5 years of entry.
			findingQuery{"subsidy_over_cap", `INSERT INTO etl_finding
			WITH entry AS (
				SELECT person_key, min(start_date) AS entry FROM fact_posting
				WHERE person_key IN (SELECT person_key FROM temp.chg_fact_subsidy)
				GROUP BY person_key
			),
			paid AS (
				SELECT s.person_key, sum(s.amount_yuan) AS total
				FROM fact_subsidy s JOIN entry e ON e.person_key = s.person_key
				WHERE s.paid_on < e.entry + INTERVAL 5 YEAR
					AND s.person_key IN (SELECT person_key FROM temp.chg_fact_subsidy)
				GROUP BY s.person_key HAVING sum(s.amount_yuan) > 310000
			)
			SELECT ?, ?, 'subsidy_over_cap', 'warning', person_key, NULL,
				'paid ' || total || ' yuan within 5 years of entry (cap 310000)'
			FROM paid ORDER BY person_key`,
				[]any{l.runID, county}},
		)
	}
	for _, q := range queries {
		if _, err := l.conn.ExecContext(ctx, q.sql, q.args...); err != nil {
			return nil, fmt.Errorf("warehouse: %s: %w", q.name, err)
		}
	}
	by := map[string]int64{}
	rows, err := l.conn.QueryContext(ctx, "SELECT code, count(*) FROM etl_finding WHERE run_id = ? GROUP BY code", l.runID)
	if err != nil {
		return nil, fmt.Errorf("warehouse: findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code string
		var n int64
		if err := rows.Scan(&code, &n); err != nil {
			return nil, fmt.Errorf("warehouse: findings: %w", err)
		}
		by[code] = n
	}
	return by, rows.Err()
}

// vanished flags persons in post in this county who are missing from the new
// ledger; it never closes their postings.
func vanished(runID int64, county any) findingQuery {
	return findingQuery{"vanished_from_ledger", `INSERT INTO etl_finding
		SELECT ?, ?, 'vanished_from_ledger', 'warning', p.person_key, p.village_code,
			'in post since ' || p.start_date || ' but missing from the new ledger; the posting stays open'
		FROM fact_posting p
		WHERE p.county_code = ? AND p.end_date IS NULL
			AND EXISTS (SELECT 1 FROM stg_ledger)
			AND NOT EXISTS (SELECT 1 FROM stg_ledger s WHERE s.person_key = p.person_key)
		ORDER BY p.village_code, p.person_key`,
		[]any{runID, county, county}}
}
