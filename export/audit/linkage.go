package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// Linkage is the month-change linkage's result: each posting's candidate
// villages are those of its county with its village kind and urban/rural
// class whose area's count rose in its start month and, if it ended, fell
// in its end month (or quarter, or year, at the count table's period).
type Linkage struct {
	// CountTable and AreaColumn name the area-by-period count table used
	// ("" when the release has none: only county, kind and class narrow).
	CountTable  string `json:"count_table,omitempty"`
	AreaColumn  string `json:"area_column,omitempty"`
	CountColumn string `json:"count_column,omitempty"`
	// Period is the count table's time column: month, quarter or year.
	Period string `json:"period,omitempty"`
	// MatchedOn are the posting's columns matched with the village list.
	MatchedOn []string `json:"matched_on"`
	Postings  int      `json:"postings"`
	// NarrowedBelowK is the postings left with 1 to k−1 candidate villages;
	// Pinned those left with exactly one.
	NarrowedBelowK int `json:"narrowed_below_k"`
	Pinned         int `json:"pinned"`
	// NoCandidate is the postings no village fits (the attack fails for
	// them: e.g. a posting that began and ended in one month changes no
	// count).
	NoCandidate int `json:"no_candidate"`
	// MinCandidates is the fewest candidate villages of a posting that has
	// any (0 without postings).
	MinCandidates int    `json:"min_candidates"`
	PersonsBelowK int    `json:"persons_below_k"`
	PersonsPinned int    `json:"persons_pinned"`
	Note          string `json:"note,omitempty"`
	// Pins are the pinned postings, for checking the attack against the
	// truth. They identify persons' villages: never published, never in
	// the JSON.
	Pins []Pin `json:"-"`
}

// Pin is one posting narrowed to a single village.
type Pin struct {
	ResearchID string
	Start      string // the start month (or quarter, or year: the count table's period)
	End        string // the same for the end, "" while open
	Village    string
}

// areaColumns are the area columns of a count table, finest first; the
// village list must carry the same column.
var areaColumns = []string{"village_code", "township_code", "county_code"}

// periodColumns are the time columns of a count table, finest first; a
// posting's start and end are read at the same period (start_<period>).
var periodColumns = []string{"month", "quarter", "year"}

// countTable is the area-by-period count table the attack uses.
type countTable struct {
	t                  *relTable
	area, cell, period string
}

// findCountTable picks the finest table with a period, an area column that
// the village list also has, and an integer count column: finest in area
// first, then in period.
func findCountTable(rel *release) *countTable {
	vill := rel.table("villages")
	var best *countTable
	rank := len(areaColumns) * len(periodColumns)
	for _, name := range rel.names {
		t := rel.table(name)
		period := firstOf(t, periodColumns)
		if slices.Contains([]string{"persons", "postings", "villages"}, name) || period == "" || t.has("research_id") {
			continue
		}
		cell := countColumn(t)
		if cell == "" {
			continue
		}
		for i, a := range areaColumns {
			r := i*len(periodColumns) + slices.Index(periodColumns, period)
			if r < rank && t.has(a) && vill.has(a) {
				best, rank = &countTable{t: t, area: a, cell: cell, period: period}, r
				break
			}
		}
	}
	return best
}

// countColumn is the table's count of graduates in post: an integer
// column whose name speaks of graduates or of being in post; "" if it has
// none (a quota or a count of assessments is no count of postings).
func countColumn(t *relTable) string {
	for _, c := range t.columns {
		if slices.Contains(periodColumns, c.name) || !isInteger(c.typ) {
			continue
		}
		if strings.Contains(c.name, "graduates") || strings.Contains(c.name, "in_post") {
			return c.name
		}
	}
	return ""
}

// isInteger says whether a DuckDB type is an integer type.
func isInteger(typ string) bool {
	switch typ {
	case "TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT":
		return true
	}
	return false
}

// linkage runs the month-change linkage.
func linkage(ctx context.Context, s *warehouse.Session, rel *release, k int) (Linkage, error) {
	var l Linkage
	post, vill := rel.table("postings"), rel.table("villages")
	switch {
	case !post.has("research_id", "county_code"):
		l.Note = "no postings table with research_id and county_code: nothing to link"
		return l, nil
	case !vill.has("village_code", "county_code"):
		l.Note = "no village list with village_code and county_code: the attack has no villages to narrow to"
		return l, nil
	}
	pv, vv, match := matchColumns(post, vill)
	l.MatchedOn = match
	ct := findCountTable(rel)
	period := "month"
	if ct != nil {
		period = ct.period
	}
	start, end := periodOf(post, "start", period), periodOf(post, "end", period)
	if ct != nil && start != nullText {
		if err := buildDeltas(ctx, s, ct); err != nil {
			return l, err
		}
		l.CountTable, l.AreaColumn, l.CountColumn, l.Period = ct.t.name, ct.area, ct.cell, ct.period
	} else {
		l.Note = noCountNote(ct, period)
		ct = nil
		start, end = periodOf(post, "start", "month"), periodOf(post, "end", "month")
	}
	stmts := []string{
		"CREATE OR REPLACE TEMP TABLE a_post AS SELECT *, " + withheld(match) + " FROM (" +
			"SELECT row_number() OVER () AS pid, research_id::VARCHAR AS rid, county_code::VARCHAR AS county, " +
			strings.Join(pv, ", ") + ", " + start + " AS s, " + end + " AS e FROM rel_postings)",
		"CREATE OR REPLACE TEMP TABLE a_vill AS SELECT village_code::VARCHAR AS village, county_code::VARCHAR AS county, " +
			strings.Join(vv, ", ") + ", " + villageExtra(vill, ct) + " FROM rel_villages",
	}
	for _, q := range stmts {
		if err := s.Exec(ctx, q); err != nil {
			return l, fmt.Errorf("audit: linkage: %w", err)
		}
	}
	if err := l.noteWithheld(ctx, s, rel); err != nil {
		return l, err
	}
	below, pinned := map[string]bool{}, map[string]bool{}
	existed := vill.has("established_month", "dissolved_month") && post.has("start_month") && ct == nil
	err := s.Each(ctx, candidatesSQL(match, ct != nil, existed), nil,
		func(row warehouse.Row) error {
			var pin Pin
			var n int64
			if err := row.Scan(&pin.ResearchID, &pin.Start, &pin.End, &n, &pin.Village); err != nil {
				return err
			}
			l.add(pin, n, k, below, pinned)
			return nil
		})
	if err != nil {
		return l, fmt.Errorf("audit: linkage: %w", err)
	}
	l.PersonsBelowK, l.PersonsPinned = len(below), len(pinned)
	return l, nil
}

// noteWithheld adds to the note the counties where postings withhold a
// matched column, and what the spells table (no research_id) can do.
func (l *Linkage) noteWithheld(ctx context.Context, s *warehouse.Session, rel *release) error {
	var parts []string
	for _, m := range l.MatchedOn {
		var n int
		q := fmt.Sprintf("SELECT count(DISTINCT county) FILTER (WHERE w_%s) FROM a_post", m)
		if err := s.Scan(ctx, q, nil, &n); err != nil {
			return fmt.Errorf("audit: linkage: %w", err)
		}
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%s withheld (null on every posting) in %d counties: matches any village there", m, n))
		}
	}
	if t, months := spellsTable(rel); t != nil {
		parts = append(parts, fmt.Sprintf("%s gives %s by county without research_id or village: it places no posting", t.name, months))
	}
	if len(parts) > 0 {
		if l.Note != "" {
			l.Note += "; "
		}
		l.Note += strings.Join(parts, "; ")
	}
	return nil
}

// add counts one posting with its n candidate villages (pin.Village the
// first of them).
func (l *Linkage) add(pin Pin, n int64, k int, below, pinned map[string]bool) {
	l.Postings++
	if n == 0 {
		l.NoCandidate++
		return
	}
	if l.MinCandidates == 0 || int(n) < l.MinCandidates {
		l.MinCandidates = int(n)
	}
	if n >= int64(k) {
		return
	}
	l.NarrowedBelowK++
	below[pin.ResearchID] = true
	if n == 1 {
		l.Pinned++
		l.Pins = append(l.Pins, pin)
		pinned[pin.ResearchID] = true
	}
}

// matchColumns are the posting's and the village list's columns the attack
// matches (as SQL selecting k_<name>), and their names: village_kind, and
// urban_rural (the village list's class code 1xx = urban, 2xx = rural).
func matchColumns(post, vill *relTable) (pv, vv, names []string) {
	pv, vv = []string{"NULL AS k_none"}, []string{"NULL AS k_none"}
	if post.has("village_kind") && vill.has("village_kind") {
		pv = append(pv, "village_kind::VARCHAR AS k_village_kind")
		vv = append(vv, "village_kind::VARCHAR AS k_village_kind")
		names = append(names, "village_kind")
	}
	if post.has("urban_rural") {
		switch {
		case vill.has("urban_rural"):
			vv = append(vv, "urban_rural::VARCHAR AS k_urban_rural")
		case vill.has("urban_rural_code"):
			vv = append(vv, "CASE left(urban_rural_code::VARCHAR, 1) WHEN '1' THEN 'urban' WHEN '2' THEN 'rural' END AS k_urban_rural")
		default:
			return pv, vv, names
		}
		pv = append(pv, "urban_rural::VARCHAR AS k_urban_rural")
		names = append(names, "urban_rural")
	}
	return pv, vv, names
}

// villageExtra selects a village's area in the count table and the months
// it existed.
func villageExtra(vill *relTable, ct *countTable) string {
	area := "NULL"
	if ct != nil {
		area = quoteIdent(ct.area) + "::VARCHAR"
	}
	est, dis := "NULL", "NULL"
	if vill.has("established_month", "dissolved_month") {
		est, dis = "established_month::VARCHAR", "dissolved_month::VARCHAR"
	}
	return area + " AS area, " + est + " AS est, " + dis + " AS dis"
}

// periodOf is the SQL of a posting's start or end at the count table's
// period: its own start_<period> column, or the year of its month; "NULL"
// when it has neither.
func periodOf(post *relTable, which, period string) string {
	switch {
	case post.has(which + "_" + period):
		return quoteIdent(which+"_"+period) + "::VARCHAR"
	case period == "year" && post.has(which+"_month"):
		return "left(" + which + "_month::VARCHAR, 4)"
	}
	return nullText
}

// nullText is a typed null: an untyped NULL column would be an integer.
const nullText = "NULL::VARCHAR"

// noCountNote says why no count table narrows the postings.
func noCountNote(ct *countTable, period string) string {
	const only = "postings narrowed only by their county, village kind and urban/rural class"
	if ct == nil {
		return "no area-by-period count table: " + only
	}
	note := fmt.Sprintf("%s.%s is by %s and %s, but the postings give no start %s: its changes cannot be matched with a posting; %s",
		ct.t.name, ct.cell, ct.area, period, period, only)
	if ct.area == "county_code" {
		note += " (a count by county would narrow a posting to no less than its county anyway)"
	}
	return note
}

// withheld selects, per matched column, w_<name>: true for the postings of a
// county where no posting shows it (the release withholds it there, so the
// posting's null matches any village; elsewhere a null matches only the
// villages the list gives no value).
func withheld(match []string) string {
	sel := []string{"NULL AS w_none"}
	for _, m := range match {
		sel = append(sel, fmt.Sprintf("count(k_%s) OVER (PARTITION BY county) = 0 AS w_%s", m, m))
	}
	return strings.Join(sel, ", ")
}

// buildDeltas builds a_delta(area, period, d): the change of the area's
// count from the period before, for every area and every period the table
// holds (in their sort order: YYYY-MM, YYYY-Qn and YYYY all sort in time).
// An area's missing row counts 0; a null count makes the change unknown
// (d null).
func buildDeltas(ctx context.Context, s *warehouse.Session, ct *countTable) error {
	src := fmt.Sprintf("SELECT %s::VARCHAR AS area, %s::VARCHAR AS period, %s AS c FROM %s",
		quoteIdent(ct.area), quoteIdent(ct.period), quoteIdent(ct.cell), ct.t.view)
	stmts := []string{
		"CREATE OR REPLACE TEMP TABLE a_n AS SELECT area, period, CASE WHEN count(*) = count(c) THEN sum(c) END AS n FROM (" + src + ") GROUP BY ALL",
		`CREATE OR REPLACE TEMP TABLE a_periods AS
			SELECT period, lag(period) OVER (ORDER BY period) AS prev FROM (SELECT DISTINCT period FROM a_n WHERE period IS NOT NULL)`,
		`CREATE OR REPLACE TEMP TABLE a_delta AS
			SELECT a.area, m.period,
			       CASE WHEN cur.area IS NULL THEN 0 ELSE cur.n END - CASE WHEN pre.area IS NULL THEN 0 ELSE pre.n END AS d
			FROM (SELECT DISTINCT area FROM a_n) a CROSS JOIN a_periods m
			LEFT JOIN a_n cur ON cur.area = a.area AND cur.period = m.period
			LEFT JOIN a_n pre ON pre.area = a.area AND pre.period = m.prev`,
	}
	for _, q := range stmts {
		if err := s.Exec(ctx, q); err != nil {
			return fmt.Errorf("audit: linkage: %s: %w", ct.t.name, err)
		}
	}
	return nil
}

// candidatesSQL lists every posting with its number of candidate villages
// and the first of them. With counts, the join starts from the areas that
// rose in the posting's start month (few, where a county has hundreds of
// villages), then their matching villages, then the fall in the end month.
func candidatesSQL(match []string, counts, existed bool) string {
	on := []string{"v.county = p.county"}
	for _, m := range match {
		on = append(on, fmt.Sprintf("(p.w_%s OR v.k_%s IS NOT DISTINCT FROM p.k_%s)", m, m, m))
	}
	cand := "SELECT p.pid, v.village FROM a_post p JOIN a_vill v ON " + strings.Join(on, " AND ")
	switch {
	case counts:
		cand = `SELECT p.pid, v.village FROM a_post p
			JOIN (SELECT area, period FROM a_delta WHERE d IS NULL OR d > 0) rose ON rose.period = p.s
			JOIN a_vill v ON v.area = rose.area AND ` + strings.Join(on, " AND ") + `
			LEFT JOIN (SELECT area, period FROM a_delta WHERE d IS NULL OR d < 0) fell ON fell.area = v.area AND fell.period = p.e
			WHERE p.e IS NULL OR fell.area IS NOT NULL`
	case existed:
		cand += " AND (v.est IS NULL OR v.est <= p.s) AND (v.dis IS NULL OR v.dis > p.s)"
	}
	return `WITH cand AS (` + cand + `)
		SELECT p.rid, coalesce(p.s, ''), coalesce(p.e, ''), count(c.village), coalesce(min(c.village), '')
		FROM a_post p LEFT JOIN cand c USING (pid) GROUP BY p.pid, p.rid, p.s, p.e ORDER BY p.pid`
}
