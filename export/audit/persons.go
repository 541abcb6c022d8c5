package audit

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// defaultQuasiIDs are the persons' quasi-identifiers when manifest.json
// names none.
var defaultQuasiIDs = []string{"county_code", "gender", "birth_band", "degree", "entry_year"}

// attr is one attribute a neighbour may know of a person, besides the
// county: one of the release's own quasi-identifiers (qi), channel, or the
// first or last month of the person's postings.
type attr struct {
	name string // as reported: a persons column, or e.g. first_start_month
	expr string // its SQL over persons p and the per-person postings f, as text
	qi   bool   // one of the persons table's quasi-identifiers
}

// person is one row of persons with what the attacker knows of it.
type person struct {
	rid        string
	county     string
	suppressed bool      // a quasi-identifier was suppressed
	vals       []*string // per attr; nil = null
	restored   map[int]string
}

// people are the persons of a release.
type people struct {
	attrs []attr
	list  []person
	index map[string]int // research_id -> list index
	// scope is the SQL predicate, over persons p, of a person whose nulls
	// are suppressions (qi_suppressed, else any quasi-identifier null).
	scope string
}

// postingTimes are the postings' start and end columns, finest first.
var (
	startColumns = []string{"start_month", "start_quarter", "start_year"}
	endColumns   = []string{"end_month", "end_quarter", "end_year"}
)

// firstOf returns the first of names the table has, "" if none.
func firstOf(t *relTable, names []string) string {
	for _, n := range names {
		if t.has(n) {
			return n
		}
	}
	return ""
}

// loadPersons reads every person with the attributes of the attack.
func loadPersons(ctx context.Context, s *warehouse.Session, rel *release, rep *Report) (*people, error) {
	p, post := rel.table("persons"), rel.table("postings")
	qis := rel.manifest.QuasiIDs
	if len(qis) == 0 {
		qis = defaultQuasiIDs
		rep.Notes = append(rep.Notes, "manifest.json names no quasi-identifiers: gender, birth_band, degree and entry_year assumed")
	}
	ppl := &people{index: map[string]int{}, scope: "coalesce(p.qi_suppressed, false)"}
	var nullQI []string
	for _, q := range qis {
		if q == "county_code" {
			continue
		}
		if !p.has(q) {
			if a, ok := elsewhere(rel, q); ok {
				ppl.attrs = append(ppl.attrs, a)
			} else {
				rep.Notes = append(rep.Notes, fmt.Sprintf("the manifest's quasi-identifier %s is in no table of the release: left out", q))
			}
			continue
		}
		ppl.attrs = append(ppl.attrs, attr{name: q, expr: "p." + quoteIdent(q) + "::VARCHAR", qi: true})
		nullQI = append(nullQI, "p."+quoteIdent(q)+" IS NULL")
	}
	if !p.has("qi_suppressed") {
		ppl.scope = "false"
		if len(nullQI) > 0 {
			ppl.scope = "(" + strings.Join(nullQI, " OR ") + ")"
		}
	}
	from := "rel_persons p"
	if post.has("research_id") {
		f, extra := postingSummary(post)
		from += " LEFT JOIN (" + f + ") f USING (research_id)"
		ppl.attrs = append(ppl.attrs, extra...)
	}
	if !slices.ContainsFunc(ppl.attrs, func(a attr) bool { return a.name == "channel" }) {
		switch {
		case p.has("channel"):
			ppl.attrs = append(ppl.attrs, attr{name: "channel", expr: "p.channel::VARCHAR"})
		case post.has("research_id", "channel"):
			ppl.attrs = append(ppl.attrs, attr{name: "channel", expr: "f.channel"})
		}
	}
	hasAttr := func(n string) bool { return slices.ContainsFunc(ppl.attrs, func(a attr) bool { return a.name == n }) }
	if !hasAttr("exited") && firstOf(post, endColumns) == "" {
		// The neighbour knows whether the person left; without end months
		// the exits table says it.
		if a, ok := elsewhere(rel, "exited"); ok {
			a.qi = false
			ppl.attrs = append(ppl.attrs, a)
		}
	}
	rep.Notes = append(rep.Notes, monthsNote(rel, ppl.attrs))
	slices.SortStableFunc(ppl.attrs, func(a, b attr) int { return attrRank(a) - attrRank(b) })
	county := "''"
	if p.has("county_code") {
		county = "coalesce(p.county_code::VARCHAR, '')"
	} else {
		rep.Notes = append(rep.Notes, "persons has no county_code: groups are formed over the whole release")
	}
	cols := []string{"p.research_id::VARCHAR", county, ppl.scope}
	for _, a := range ppl.attrs {
		cols = append(cols, a.expr)
	}
	q := "SELECT " + strings.Join(cols, ", ") + " FROM " + from + " ORDER BY 1"
	err := s.Each(ctx, q, nil, func(row warehouse.Row) error {
		var x person
		x.vals = make([]*string, len(ppl.attrs))
		dest := []any{&x.rid, &x.county, &x.suppressed}
		for i := range x.vals {
			dest = append(dest, &x.vals[i])
		}
		if err := row.Scan(dest...); err != nil {
			return err
		}
		ppl.index[x.rid] = len(ppl.list)
		ppl.list = append(ppl.list, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("audit: persons: %w", err)
	}
	rep.Persons = len(ppl.list)
	for _, x := range ppl.list {
		if !x.suppressed {
			rep.Unsuppressed++
		}
	}
	return ppl, nil
}

// elsewhere finds a quasi-identifier that persons does not carry: exited is
// whether the person is in exits; any other name, the one value of a
// per-person table's column of that name.
func elsewhere(rel *release, name string) (attr, bool) {
	if name == "exited" {
		if ex := rel.table("exits"); ex.has("research_id") {
			return attr{name: name, qi: true,
				expr: "(p.research_id IN (SELECT research_id FROM rel_exits))::VARCHAR"}, true
		}
		return attr{}, false
	}
	for _, tn := range rel.names {
		if t := rel.table(tn); tn != "persons" && t.has("research_id", name) {
			c := quoteIdent(name)
			return attr{name: name, qi: true, expr: fmt.Sprintf(
				"(SELECT CASE WHEN count(DISTINCT %s) = 1 THEN min(%s)::VARCHAR END FROM %s t WHERE t.research_id = p.research_id)",
				c, c, t.view)}, true
		}
	}
	return attr{}, false
}

// timeSuffixes mark a column as calendar time.
var timeSuffixes = []string{"_month", "_quarter", "_date", "_day"}

// monthsNote says what calendar time the release gives beside a research_id
// and which of it the uniqueness attack uses.
func monthsNote(rel *release, attrs []attr) string {
	var used, unused []string
	for _, tn := range rel.names {
		t := rel.table(tn)
		if !t.has("research_id") {
			continue
		}
		for _, c := range t.columns {
			isTime := c.typ == "DATE" || strings.HasPrefix(c.typ, "TIMESTAMP") ||
				slices.ContainsFunc(timeSuffixes, func(s string) bool { return strings.HasSuffix(c.name, s) })
			if !isTime {
				continue
			}
			name := tn + "." + c.name
			if tn == "postings" && slices.ContainsFunc(attrs, func(a attr) bool { return strings.HasSuffix(a.name, "_"+c.name) }) {
				used = append(used, name)
			} else {
				unused = append(unused, name)
			}
		}
	}
	if len(used)+len(unused) == 0 {
		return "no month, quarter or date stands beside a research_id in any table: a neighbour's months of arrival and departure match only entry_period (or entry_year) and whether the person left (exits)"
	}
	note := "calendar time beside a research_id"
	if len(used) > 0 {
		note += ": used, as the first start and last end per person: " + strings.Join(used, ", ")
	}
	if len(unused) > 0 {
		note += "; also there, not used by the uniqueness attack: " + strings.Join(unused, ", ")
	}
	return note
}

// attrRank orders the attributes: the release's quasi-identifiers, then
// channel, then the months.
func attrRank(a attr) int {
	switch {
	case a.qi:
		return 0
	case a.name == "channel" || a.name == "exited":
		return 1
	}
	return 2
}

// postingSummary is the per-person summary of postings (first start, last
// end — null while a posting is open — and the first posting's channel) and
// the attributes it gives.
func postingSummary(post *relTable) (string, []attr) {
	sel := []string{"research_id"}
	var attrs []attr
	start, end := firstOf(post, startColumns), firstOf(post, endColumns)
	if start != "" {
		sel = append(sel, fmt.Sprintf("min(%s)::VARCHAR AS first_start", quoteIdent(start)))
		attrs = append(attrs, attr{name: "first_" + start, expr: "f.first_start"})
	}
	if end != "" {
		e := quoteIdent(end)
		sel = append(sel, fmt.Sprintf("CASE WHEN count(*) = count(%s) THEN max(%s)::VARCHAR END AS last_end", e, e))
		attrs = append(attrs, attr{name: "last_" + end, expr: "f.last_end"})
	}
	if post.has("channel") {
		order := "channel"
		if start != "" {
			order = quoteIdent(start)
		}
		sel = append(sel, fmt.Sprintf("arg_min(channel, %s)::VARCHAR AS channel", order))
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM rel_postings GROUP BY research_id", attrs
}

// CountySuppressed is the share of a county's persons with at least one
// suppressed quasi-identifier.
type CountySuppressed struct {
	County     string  `json:"county_code"`
	Name       string  `json:"county_name,omitempty"`
	Region     string  `json:"region,omitempty"`
	Persons    int     `json:"persons"`
	Suppressed int     `json:"suppressed"`
	Share      float64 `json:"share"`
}

// RegionSuppressed is the share of suppressed persons over the counties of
// one region (remote, developed).
type RegionSuppressed struct {
	Region     string  `json:"region"`
	Counties   int     `json:"counties"`
	Persons    int     `json:"persons"`
	Suppressed int     `json:"suppressed"`
	Share      float64 `json:"share"`
}

// byRegion pools the counties' figures by region, in order of first
// appearance; counties without a region are left out.
func byRegion(cs []CountySuppressed) []RegionSuppressed {
	var out []RegionSuppressed
	for _, c := range cs {
		if c.Region == "" {
			continue
		}
		i := slices.IndexFunc(out, func(r RegionSuppressed) bool { return r.Region == c.Region })
		if i < 0 {
			out = append(out, RegionSuppressed{Region: c.Region})
			i = len(out) - 1
		}
		out[i].Counties++
		out[i].Persons += c.Persons
		out[i].Suppressed += c.Suppressed
	}
	for i := range out {
		out[i].Share = float64(out[i].Suppressed) / float64(out[i].Persons)
	}
	return out
}

// suppression counts the suppressed persons per county, with the county's
// name and region from the counties table when the release has one.
func suppression(ctx context.Context, s *warehouse.Session, rel *release, ppl *people) ([]CountySuppressed, error) {
	byCode := map[string]*CountySuppressed{}
	var out []*CountySuppressed
	for _, x := range ppl.list {
		c := byCode[x.county]
		if c == nil {
			c = &CountySuppressed{County: x.county}
			byCode[x.county] = c
			out = append(out, c)
		}
		c.Persons++
		if x.suppressed {
			c.Suppressed++
		}
	}
	if ct := rel.table("counties"); ct.has("county_code", "county_name") {
		region := "NULL"
		if ct.has("region") {
			region = "region::VARCHAR"
		}
		err := s.Each(ctx, "SELECT county_code::VARCHAR, county_name::VARCHAR, "+region+" FROM rel_counties", nil, func(row warehouse.Row) error {
			var code string
			var name, reg *string
			if err := row.Scan(&code, &name, &reg); err != nil {
				return err
			}
			if c := byCode[code]; c != nil {
				c.Name, c.Region = deref(name), deref(reg)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("audit: counties: %w", err)
		}
	}
	res := make([]CountySuppressed, 0, len(out))
	for _, c := range out {
		c.Share = float64(c.Suppressed) / float64(c.Persons)
		res = append(res, *c)
	}
	slices.SortFunc(res, func(a, b CountySuppressed) int { return strings.Compare(a.County, b.County) })
	return res, nil
}

// deref is a nullable string's value, "" for null.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
