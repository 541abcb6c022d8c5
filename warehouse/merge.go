package warehouse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// A target is one warehouse table fed from the staging tables. Rows are
// matched on the natural key; a staged row whose key is new is inserted, one
// whose values differ replaces the current row, and either way its version is
// added to <table>_history (closing the previous version). Identical rows
// change nothing and write no history.
type target struct {
	table string
	keys  []string
	cols  []string // every column of the table, in order
	// from is a query yielding cols plus _row (the input row) and _ord (the
	// preference among staged rows with the same key: the highest wins).
	from string
	// insertOnly: rows whose key exists are left alone (for values that a
	// ledger restates less precisely than the record type's own file).
	insertOnly bool
}

func (t target) chg() string { return "chg_" + t.table }

var (
	personCols  = []string{"person_key", "gender", "birth_year", "degree", "university", "major", "political_status"}
	piiCols     = []string{"person_key", "name", "id_number", "phone"}
	postingCols = []string{"person_key", "village_code", "township_code", "county_code", "channel", "selection_round",
		"quota_source", "start_date", "end_date", "end_reason", "mentor_role"}
	roleCols       = []string{"person_key", "role", "role_category", "village_code", "start_date", "end_date"}
	assessmentCols = []string{"person_key", "year", "grade"}
	vacancyCols    = []string{"village_code", "reported_on", "reason", "filled_on"}
	quotaCols      = []string{"county_code", "township_code", "year", "township_quota", "county_pool"}
	subsidyCols    = []string{"person_key", "paid_on", "kind", "amount_yuan"}
	countyCols     = []string{"county_code", "county_name", "region"}
	townshipCols   = []string{"township_code", "township_name", "township_kind", "county_code"}
	villageCols    = []string{"village_code", "village_name", "village_kind", "urban_rural_code", "township_code",
		"county_code", "established_on", "dissolved_on"}
)

// latestPosting prefers, for a person's attributes, the ledger row of the
// latest posting, then the last row read (of the last county in a group).
const latestPosting = "(epoch(s.start_date)::HUGEINT * 18446744073709551616 + s._row)"

// fileOverLedger orders an assessment stated twice: by county in a group
// (the last wins, as if loaded one after the other), then the assessments
// file's row over the ledger's column, then the last row read.
func fileOverLedger(fromFile bool) string {
	flag := ""
	if fromFile {
		flag = " + (1::HUGEINT << 41)"
	}
	return fmt.Sprintf("(((_row >> %d)::HUGEINT << 42)%s + (_row & %d))", unitShift, flag, int64(1)<<unitShift-1)
}

// countyTargets are merged by a county run, in this order.
var countyTargets = []target{
	{table: "fact_posting", keys: []string{"person_key", "village_code", "start_date"}, cols: postingCols,
		from: "SELECT " + strings.Join(postingCols, ", ") + ", _row, _row AS _ord FROM stg_ledger"},
	// A person's attributes come from the ledger row of their latest posting
	// (fact_posting is merged first, so "latest" spans every county); a ledger
	// row of an older posting, such as another county's ledger restating a
	// posting before a transfer, only fills values still unknown. A value the
	// latest ledger leaves empty keeps the value already known.
	{table: "dim_person", keys: []string{"person_key"}, cols: personCols,
		from: keepKnown(personCols, "dim_person")},
	{table: "pii_person", keys: []string{"person_key"}, cols: piiCols,
		from: keepKnown(piiCols, "pii_person")},
	{table: "fact_role", keys: []string{"person_key", "role", "start_date"}, cols: roleCols,
		from: "SELECT " + strings.Join(roleCols, ", ") + ", _row, _row AS _ord FROM stg_roles"},
	// A ledger's 两委职务 column states the role held now, without its end:
	// it adds a role the warehouse does not have but never overrides one.
	{table: "fact_role", keys: []string{"person_key", "role", "start_date"}, cols: roleCols, insertOnly: true,
		from: `SELECT person_key, role, role_category, CASE WHEN role_category = 'township_leadership' THEN NULL ELSE village_code END AS village_code,
			role_start AS start_date, NULL::DATE AS end_date, _row, _row AS _ord
			FROM stg_ledger WHERE role IS NOT NULL`},
	{table: "fact_assessment", keys: []string{"person_key", "year"}, cols: assessmentCols,
		from: `SELECT person_key, year, grade, _row, ` + fileOverLedger(true) + ` AS _ord FROM stg_assessments
			UNION ALL SELECT person_key, assessment_year, assessment_grade, _row, ` + fileOverLedger(false) + ` AS _ord
			FROM stg_ledger WHERE assessment_year IS NOT NULL`},
	{table: "fact_vacancy", keys: []string{"village_code", "reported_on"}, cols: vacancyCols,
		from: "SELECT " + strings.Join(vacancyCols, ", ") + ", _row, _row AS _ord FROM stg_vacancies"},
	{table: "fact_quota", keys: []string{"county_code", "township_code", "year"}, cols: quotaCols,
		from: "SELECT " + strings.Join(quotaCols, ", ") + ", _row, _row AS _ord FROM stg_quota"},
	{table: "fact_subsidy", keys: []string{"person_key", "paid_on", "kind"}, cols: subsidyCols,
		from: "SELECT person_key, paid_on, kind, (amount_fen / 100)::DECIMAL(12,2) AS amount_yuan, _row, _row AS _ord FROM stg_subsidies"},
}

// divisionTargets are merged by the divisions run.
var divisionTargets = []target{
	{table: "dim_county", keys: []string{"county_code"}, cols: countyCols,
		from: "SELECT county_code, county_name, region, 0 AS _row, _row AS _ord FROM stg_county"},
	{table: "dim_township", keys: []string{"township_code"}, cols: townshipCols,
		from: "SELECT " + strings.Join(townshipCols, ", ") + ", _row, _row AS _ord FROM stg_divisions"},
	{table: "dim_village", keys: []string{"village_code"}, cols: villageCols,
		from: "SELECT " + strings.Join(villageCols, ", ") + ", _row, _row AS _ord FROM stg_divisions"},
}

// on matches the target's keys of a and b.
func (t target) on(a, b string) string {
	parts := make([]string, len(t.keys))
	for i, k := range t.keys {
		parts[i] = fmt.Sprintf("%s.%s IS NOT DISTINCT FROM %s.%s", a, k, b, k)
	}
	return strings.Join(parts, " AND ")
}

// changes is the statement that writes the target's changed rows into its
// temp.chg_ table: the preferred staged row of each key that is new or, but
// for an insert-only target, differs from the table's, with _replaces when
// the key exists.
func (t target) changes() string {
	differs := make([]string, len(t.cols))
	for i, c := range t.cols {
		differs[i] = fmt.Sprintf("t.%s IS DISTINCT FROM s.%s", c, c)
	}
	where := "t._hit IS NULL"
	if !t.insertOnly {
		where += " OR " + strings.Join(differs, " OR ")
	}
	return fmt.Sprintf(`CREATE OR REPLACE TEMP TABLE temp.%[1]s AS
		WITH src AS (
			SELECT * FROM (%[2]s) QUALIFY row_number() OVER (PARTITION BY %[3]s ORDER BY _ord DESC) = 1
		)
		SELECT s.* EXCLUDE (_ord), t._hit IS NOT NULL AS _replaces FROM src s
		LEFT JOIN (SELECT *, true AS _hit FROM %[4]s) t ON %[5]s
		WHERE %[6]s`, t.chg(), t.from, strings.Join(t.keys, ", "), t.table, t.on("t", "s"), where)
}

// merge applies one target for every load of the group and returns how
// many rows each load (by unit) inserted or changed.
func (g *Group) merge(ctx context.Context, t target, now time.Time) (map[int64]int64, error) {
	on := t.on
	cols := strings.Join(t.cols, ", ")
	chg := "temp." + t.chg()
	if _, err := g.conn.ExecContext(ctx, t.changes()); err != nil {
		return nil, fmt.Errorf("warehouse: merge %s: %w", t.table, err)
	}
	byUnit := map[int64]int64{}
	var n, replaces int64
	rows, err := g.conn.QueryContext(ctx, fmt.Sprintf(
		"SELECT _row >> %d AS unit, count(*), count(*) FILTER (WHERE _replaces) FROM %s GROUP BY unit", unitShift, chg))
	if err != nil {
		return nil, fmt.Errorf("warehouse: merge %s: %w", t.table, err)
	}
	for rows.Next() {
		var u, k, r int64
		if err := rows.Scan(&u, &k, &r); err != nil {
			rows.Close()
			return nil, fmt.Errorf("warehouse: merge %s: %w", t.table, err)
		}
		byUnit[u], n, replaces = k, n+k, replaces+r
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, fmt.Errorf("warehouse: merge %s: %w", t.table, err)
	}
	if n == 0 {
		return nil, nil
	}
	// Closing history versions and deleting replaced rows each scan the
	// whole table: skip both when every changed row has a new key (a
	// county's first load).
	type stmt struct {
		sql  string
		args []any
	}
	var stmts []stmt
	if replaces > 0 {
		stmts = append(stmts,
			stmt{fmt.Sprintf("UPDATE %s_history AS h SET valid_to = $1 FROM %s AS c WHERE c._replaces AND h.valid_to IS NULL AND %s", t.table, chg, on("h", "c")), []any{now}},
			stmt{fmt.Sprintf("DELETE FROM %s AS t USING %s AS c WHERE c._replaces AND %s", t.table, chg, on("t", "c")), nil})
	}
	prefixed := make([]string, len(t.cols))
	for i, c := range t.cols {
		prefixed[i] = "c." + c
	}
	stmts = append(stmts,
		stmt{fmt.Sprintf("INSERT INTO %s_history SELECT %s, $1, NULL, u.run_id FROM %s c JOIN temp.units u ON u.unit = c._row >> %d",
			t.table, strings.Join(prefixed, ", "), chg, unitShift), []any{now}},
		stmt{fmt.Sprintf("INSERT INTO %s SELECT %s FROM %s", t.table, cols, chg), nil},
		stmt{fmt.Sprintf("INSERT INTO temp.loaded_rows SELECT _row, '%s' FROM %s", t.table, chg), nil})
	for _, s := range stmts {
		if _, err := g.conn.ExecContext(ctx, s.sql, s.args...); err != nil {
			return nil, fmt.Errorf("warehouse: merge %s: %w", t.table, err)
		}
	}
	return byUnit, nil
}

// keepKnown selects cols from staged ledger rows s against the current row t
// of table: a row of the person's latest posting (its start on or after the
// last start in fact_posting, m.latest) wins where it has a value; a row of
// an older posting only fills values that are unknown. The latest start is
// taken once per person by one aggregate, not once per column.
func keepKnown(cols []string, table string) string {
	const latest = "s.start_date >= m.latest"
	parts := make([]string, len(cols))
	for i, c := range cols {
		if c == "person_key" {
			parts[i] = "s.person_key"
			continue
		}
		parts[i] = fmt.Sprintf("CASE WHEN %s THEN coalesce(s.%s, t.%s) ELSE coalesce(t.%s, s.%s) END AS %s", latest, c, c, c, c, c)
	}
	return "SELECT " + strings.Join(parts, ", ") + ", s._row, " + latestPosting + " AS _ord FROM stg_ledger s" +
		" LEFT JOIN " + table + " t USING (person_key)" +
		" LEFT JOIN (SELECT person_key, max(start_date) AS latest FROM fact_posting" +
		" WHERE person_key IN (SELECT person_key FROM stg_ledger) GROUP BY person_key) m ON m.person_key = s.person_key"
}
