package warehouse

import (
	"context"
	"fmt"
)

type findingQuery struct {
	name string
	sql  string
}

// findings records the normaliser's row-level findings and the findings that
// need the merged warehouse: overlapping postings, persons vanished from a
// county's ledger, subsidies over the cap; each under the run of the load it
// belongs to (for a finding two loads of a group touch, the later one, as
// if they had loaded one after the other). It fills each result's
// FindingsBy.
func (g *Group) findings(ctx context.Context, res []Result) error {
	queries := []findingQuery{
		{"row findings", fmt.Sprintf(`INSERT INTO etl_finding (run_id, county_code, code, severity, person_key, village_code, detail, source_uri, sheet, row_number)
			SELECT u.run_id, u.county_code, f.code, f.severity, f.person_key, f.village_code, f.detail,
				f.source_uri, f.sheet, f.row_number
			FROM stg_findings f JOIN temp.units u ON u.unit = f._row >> %d ORDER BY f._row`, unitShift)},
	}
	if g.job == JobIngest {
		queries = append(queries,
			// Persons in post in a county who are missing from its new
			// ledger (a full ledger: not an incremental pull, nor a load
			// whose ledgers are all supplements, which the pipeline marks
			// partial); their postings stay open.
			findingQuery{"vanished_from_ledger", fmt.Sprintf(`INSERT INTO etl_finding (run_id, county_code, code, severity, person_key, village_code, detail)
			WITH ledgers AS (SELECT DISTINCT _row >> %[1]d AS unit FROM stg_ledger)
			SELECT u.run_id, u.county_code, 'vanished_from_ledger', 'warning', p.person_key, p.village_code,
				'in post since ' || p.start_date || ' but missing from the new ledger; the posting stays open'
			FROM temp.units u JOIN ledgers l ON l.unit = u.unit
			JOIN fact_posting p ON p.county_code = u.county_code AND p.end_date IS NULL
			WHERE NOT u.partial
				AND NOT EXISTS (SELECT 1 FROM stg_ledger s WHERE s._row >> %[1]d = u.unit AND s.person_key = p.person_key)
			ORDER BY u.unit, p.village_code, p.person_key`, unitShift)},
			// One person in post in two villages on the same day, for postings
			// the group inserted or changed.
			findingQuery{"overlapping_postings", fmt.Sprintf(`INSERT INTO etl_finding (run_id, county_code, code, severity, person_key, village_code, detail)
			WITH changed AS (SELECT person_key, village_code, start_date, _row >> %d AS unit FROM temp.chg_fact_posting),
			p AS (SELECT * FROM fact_posting WHERE person_key IN (SELECT person_key FROM changed)),
			pairs AS (
				SELECT a.person_key, a.village_code, a.start_date AS a_start, b.village_code AS b_village, b.start_date AS b_start,
					(SELECT max(c.unit) FROM changed c WHERE c.person_key = a.person_key
						AND ((c.village_code = a.village_code AND c.start_date = a.start_date)
						  OR (c.village_code = b.village_code AND c.start_date = b.start_date))) AS unit
				FROM p a JOIN p b
					ON a.person_key = b.person_key AND a.village_code < b.village_code
					AND a.start_date < coalesce(b.end_date, DATE '9999-12-31')
					AND b.start_date < coalesce(a.end_date, DATE '9999-12-31')
			)
			SELECT DISTINCT u.run_id, u.county_code, 'overlapping_postings', 'error', x.person_key, x.village_code,
				'in post in ' || x.village_code || ' from ' || x.a_start || ' and in ' || x.b_village ||
				' from ' || x.b_start || ' on the same days'
			FROM pairs x JOIN temp.units u ON u.unit = x.unit`, unitShift)},
			// More than 310,000 yuan paid to one person within 5 years of entry.
			findingQuery{"subsidy_over_cap", fmt.Sprintf(`INSERT INTO etl_finding (run_id, county_code, code, severity, person_key, village_code, detail)
			WITH changed AS (SELECT person_key, max(_row >> %d) AS unit FROM temp.chg_fact_subsidy GROUP BY person_key),
			entry AS (
				SELECT person_key, min(start_date) AS entry FROM fact_posting
				WHERE person_key IN (SELECT person_key FROM changed)
				GROUP BY person_key
			),
			paid AS (
				SELECT s.person_key, sum(s.amount_yuan) AS total
				FROM fact_subsidy s JOIN entry e ON e.person_key = s.person_key
				WHERE s.paid_on < e.entry + INTERVAL 5 YEAR
				GROUP BY s.person_key HAVING sum(s.amount_yuan) > 310000
			)
			SELECT u.run_id, u.county_code, 'subsidy_over_cap', 'warning', p.person_key, NULL,
				'paid ' || p.total || ' yuan within 5 years of entry (cap 310000)'
			FROM paid p JOIN changed c USING (person_key) JOIN temp.units u ON u.unit = c.unit
			ORDER BY u.unit, p.person_key`, unitShift)},
		)
	}
	for _, q := range queries {
		if _, err := g.conn.ExecContext(ctx, q.sql); err != nil {
			return fmt.Errorf("warehouse: %s: %w", q.name, err)
		}
	}
	rows, err := g.conn.QueryContext(ctx, `SELECT u.unit, f.code, count(*) FROM etl_finding f
		JOIN temp.units u ON u.run_id = f.run_id GROUP BY ALL`)
	if err != nil {
		return fmt.Errorf("warehouse: findings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u, n int64
		var code string
		if err := rows.Scan(&u, &code, &n); err != nil {
			return fmt.Errorf("warehouse: findings: %w", err)
		}
		res[u].FindingsBy[code] = n
	}
	return rows.Err()
}
