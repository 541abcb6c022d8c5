package audit

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// The spells attack. A table of spells in post without research_id (county,
// completed months in post, whether the person left) cannot be joined to a
// person, but it can be subtracted from the persons as a whole: for those
// still in post on the release day, the months in post give the month of
// entry, so the spells of a county give how many entered in each entry
// period; the persons not suppressed give how many of those are known; what
// is left is the entry periods of the suppressed persons still in post, as a
// multiset. When it holds a single period, every one of them entered in it.

// spellsTable finds the spells table: no research_id; county_code, a
// boolean exited and an integer column of months.
func spellsTable(rel *release) (t *relTable, months string) {
	for _, name := range rel.names {
		t := rel.table(name)
		if t.has("research_id") || !t.has("county_code", "exited") || t.typeOf("exited") != "BOOLEAN" {
			continue
		}
		for _, c := range t.columns {
			if strings.Contains(c.name, "months") && isInteger(c.typ) {
				return t, c.name
			}
		}
	}
	return nil, ""
}

// spellEntry is one person still in post: the county and the entry value
// (nil when suppressed or unknown).
type spellEntry struct {
	rid, county string
	value       *string
}

// fromSpells gives back the entry value (column col of persons, e.g.
// entry_period) of suppressed persons still in post, by research_id, and
// the source's name; nil when the release has no spells table, no release
// day, or no exits table to tell who is still in post.
func fromSpells(ctx context.Context, s *warehouse.Session, rel *release, ppl *people, col string) (map[string]string, string, error) {
	t, months := spellsTable(rel)
	asOf, err := time.Parse(time.DateOnly, rel.manifest.AsOf)
	if t == nil || err != nil || !rel.table("exits").has("research_id") || !rel.table("persons").has("county_code") {
		return nil, "", nil
	}
	name := t.name + "." + months
	// Candidate entry periods per spell, per county.
	spells := map[string][][]string{}
	q := fmt.Sprintf("SELECT county_code::VARCHAR, %s FROM %s WHERE NOT exited AND %s IS NOT NULL", quoteIdent(months), t.view, quoteIdent(months))
	var in []spellEntry
	err = s.Each(ctx, q, nil, func(row warehouse.Row) error {
		var county string
		var m int
		if err := row.Scan(&county, &m); err != nil {
			return err
		}
		spells[county] = append(spells[county], entryYears(asOf, m))
		return nil
	})
	if err == nil {
		q = fmt.Sprintf(`SELECT p.research_id::VARCHAR, p.county_code::VARCHAR, CASE WHEN NOT %s THEN p.%s::VARCHAR END
			FROM rel_persons p WHERE p.research_id NOT IN (SELECT research_id FROM rel_exits)`, ppl.scope, quoteIdent(col))
		err = s.Each(ctx, q, nil, func(row warehouse.Row) error {
			var e spellEntry
			if err := row.Scan(&e.rid, &e.county, &e.value); err != nil {
				return err
			}
			in = append(in, e)
			return nil
		})
	}
	if err != nil {
		return nil, "", fmt.Errorf("audit: derivation of %s from %s: %w", col, name, err)
	}
	return subtract(spells, in), name, nil
}

// entryYears are the possible years of entry of a person m completed months
// in post on asOf: one when asOf is the last day of its month (then the
// entry month is asOf's month less m, whatever the day), else the years of
// that month and the month before.
func entryYears(asOf time.Time, m int) []string {
	first := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	years := []string{strconv.Itoa(first.AddDate(0, -m, 0).Year())}
	if asOf.AddDate(0, 0, 1).Day() != 1 {
		if y := strconv.Itoa(first.AddDate(0, -m-1, 0).Year()); y != years[0] {
			years = append(years, y)
		}
	}
	return years
}

// subtract performs the attack per county: the spells' entry years are
// mapped to the county's released entry values (a year, or a period
// "YYYY-YYYY"); where every spell maps to one value, the known values are
// taken away, and what is left holds exactly the suppressed persons in one
// value, each of them is given that value.
func subtract(spells map[string][][]string, in []spellEntry) map[string]string {
	out := map[string]string{}
	byCounty := map[string][]spellEntry{}
	for _, e := range in {
		byCounty[e.county] = append(byCounty[e.county], e)
	}
	for county, entries := range byCounty {
		var values []string
		left := map[string]int{}
		var hidden []string
		for _, e := range entries {
			if e.value == nil {
				hidden = append(hidden, e.rid)
				continue
			}
			left[*e.value]--
			if !slices.Contains(values, *e.value) {
				values = append(values, *e.value)
			}
		}
		if len(hidden) == 0 || len(values) == 0 {
			continue
		}
		exact := true
		for _, years := range spells[county] {
			v := valueOf(years, values)
			if v == "" {
				exact = false
				break
			}
			left[v]++
		}
		var rest []string
		total := 0
		for v, n := range left {
			if n < 0 {
				exact = false
			}
			if n > 0 {
				rest = append(rest, v)
				total += n
			}
		}
		if exact && len(rest) == 1 && total == len(hidden) {
			for _, rid := range hidden {
				out[rid] = rest[0]
			}
		}
	}
	return out
}

// valueOf is the one released value covering every possible year, "" if
// none or several do.
func valueOf(years, values []string) string {
	found := ""
	for _, v := range values {
		lo, hi := v, v
		if a, b, ok := strings.Cut(v, "-"); ok {
			lo, hi = a, b
		}
		if !slices.ContainsFunc(years, func(y string) bool { return y < lo || y > hi }) {
			if found != "" {
				return ""
			}
			found = v
		}
	}
	return found
}
