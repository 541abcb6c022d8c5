package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// Derivation says, for one column of persons, how many of its suppressed
// values (null for a suppressed person) another column gives back.
type Derivation struct {
	Column     string `json:"column"`
	Suppressed int    `json:"suppressed"`
	Derivable  int    `json:"derivable"`
	// Sources counts the values each source gives back, e.g.
	// "postings.start_month" (a value may come from several).
	Sources map[string]int `json:"sources,omitempty"`
	// Values are the values read back, by research_id (the first source's
	// when several give one), for checking the attack against the truth.
	// Never published, never in the JSON.
	Values map[string]string `json:"-"`
}

// deriveSource is one way to read a column back: SQL giving (research_id,
// value) for persons, as text.
type deriveSource struct {
	name string
	sql  string
}

// notQI are the persons columns that are not attributes of a person.
var notQI = []string{"research_id", "qi_suppressed", "county_code"}

// derive measures, for every persons column that can be suppressed, the
// values other tables give back, and records them on the persons for
// restored.
func derive(ctx context.Context, s *warehouse.Session, rel *release, ppl *people, rep *Report) error {
	p := rel.table("persons")
	for _, c := range p.columns {
		if slices.Contains(notQI, c.name) {
			continue
		}
		d := Derivation{Column: c.name, Sources: map[string]int{}, Values: map[string]string{}}
		col := "p." + quoteIdent(c.name)
		q := fmt.Sprintf("SELECT count(*) FROM rel_persons p WHERE %s AND %s IS NULL", ppl.scope, col)
		if err := s.Scan(ctx, q, nil, &d.Suppressed); err != nil {
			return fmt.Errorf("audit: derivation of %s: %w", c.name, err)
		}
		j := slices.IndexFunc(ppl.attrs, func(a attr) bool { return a.qi && a.name == c.name })
		if d.Suppressed == 0 && j < 0 {
			continue
		}
		for _, src := range sourcesOf(rel, c.name) {
			q := fmt.Sprintf(`SELECT p.research_id::VARCHAR, d.v FROM rel_persons p JOIN (%s) d USING (research_id)
				WHERE %s AND %s IS NULL AND d.v IS NOT NULL ORDER BY 1`, src.sql, ppl.scope, col)
			err := s.Each(ctx, q, nil, func(row warehouse.Row) error {
				var rid, v string
				if err := row.Scan(&rid, &v); err != nil {
					return err
				}
				d.Sources[src.name]++
				if _, done := d.Values[rid]; !done {
					d.Values[rid] = v
				}
				ppl.put(rid, j, v)
				return nil
			})
			if err != nil {
				return fmt.Errorf("audit: derivation of %s from %s: %w", c.name, src.name, err)
			}
		}
		if strings.HasPrefix(c.name, "entry_") {
			got, name, err := fromSpells(ctx, s, rel, ppl, c.name)
			if err != nil {
				return err
			}
			for rid, v := range got {
				d.Sources[name]++
				ppl.put(rid, j, v)
				if _, done := d.Values[rid]; !done {
					d.Values[rid] = v
				}
			}
		}
		d.Derivable = len(d.Values)
		rep.Derivation = append(rep.Derivation, d)
	}
	return nil
}

// put records a value read back for the person's attribute j (the first
// one read wins; j < 0: not an attribute).
func (ppl *people) put(rid string, j int, v string) {
	i, ok := ppl.index[rid]
	if !ok || j < 0 {
		return
	}
	x := &ppl.list[i]
	if x.restored == nil {
		x.restored = map[int]string{}
	}
	if _, done := x.restored[j]; !done {
		x.restored[j] = v
	}
}

// sourcesOf lists the ways the release gives a persons column back: any
// other per-person table with a column of that name and one value per
// person; for entry_year, the year of the first posting's start and the
// exit month less the months in post.
func sourcesOf(rel *release, name string) []deriveSource {
	var out []deriveSource
	for _, tn := range rel.names {
		t := rel.table(tn)
		if tn == "persons" || !t.has("research_id", name) {
			continue
		}
		c := quoteIdent(name)
		out = append(out, deriveSource{tn + "." + name, fmt.Sprintf(
			"SELECT research_id, any_value(%s)::VARCHAR AS v FROM %s WHERE %s IS NOT NULL GROUP BY 1 HAVING count(DISTINCT %s) = 1",
			c, t.view, c, c)})
	}
	if !strings.HasPrefix(name, "entry_") { // entry_year, entry_period
		return out
	}
	if post := rel.table("postings"); post.has("research_id") {
		if start := firstOf(post, startColumns); start != "" {
			// YYYY-MM, YYYY-Qn and YYYY all begin with the year.
			out = append(out, deriveSource{"postings." + start, fmt.Sprintf(
				"SELECT research_id, left(min(%s)::VARCHAR, 4) AS v FROM rel_postings GROUP BY 1", quoteIdent(start))})
		}
	}
	if ex := rel.table("exits"); ex.has("research_id", "exit_month", "months_in_post") {
		// Entry fell m or m+1 months before the exit month (m completed
		// months): the year is known when both months share it.
		out = append(out, deriveSource{"exits.exit_month-months_in_post", `
			SELECT research_id, CASE WHEN year(x - to_months(months_in_post)) = year(x - to_months(months_in_post + 1))
			                         THEN year(x - to_months(months_in_post))::VARCHAR END AS v
			FROM (SELECT research_id, months_in_post, strptime(exit_month, '%Y-%m')::DATE AS x FROM rel_exits
			      WHERE exit_month IS NOT NULL AND months_in_post IS NOT NULL)`})
	}
	return out
}
