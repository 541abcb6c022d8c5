package audit

import (
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/mattn/go-runewidth"
)

// WriteText prints the report as a human summary: one table per attack.
func (r *Report) WriteText(w io.Writer) error {
	p := &printer{w: w}
	p.f("privacy audit of release %s (as of %s), k = %d: %d persons, %d without a suppressed quasi-identifier\n",
		orDash(r.Release), orDash(r.AsOf), r.K, r.Persons, r.Unsuppressed)
	r.linkageText(p)
	r.derivationText(p)
	r.uniquenessText(p)
	r.suppressionText(p)
	if len(r.Notes) > 0 {
		p.f("\nnotes:\n")
		for _, n := range r.Notes {
			p.f("  - %s\n", n)
		}
	}
	return p.err
}

func (r *Report) linkageText(p *printer) {
	l := r.Linkage
	p.f("\nmonth-change linkage")
	if l.CountTable != "" {
		p.f(" (%s.%s by %s and %s)", l.CountTable, l.CountColumn, l.AreaColumn, l.Period)
	}
	p.f(", postings matched on county")
	for _, m := range l.MatchedOn {
		p.f(", %s", m)
	}
	p.f(":\n")
	if l.Note != "" {
		p.f("  %s\n", l.Note)
	}
	p.table([]string{"", "postings", "persons"}, [][]string{
		{"postings", fmt.Sprint(l.Postings), ""},
		{fmt.Sprintf("narrowed to fewer than %d villages", r.K), pct(l.NarrowedBelowK, l.Postings), fmt.Sprint(l.PersonsBelowK)},
		{"pinned to exactly one village", pct(l.Pinned, l.Postings), fmt.Sprint(l.PersonsPinned)},
		{"no candidate village (attack fails)", fmt.Sprint(l.NoCandidate), ""},
	})
	p.f("  fewest candidate villages of a posting: %d\n", l.MinCandidates)
}

func (r *Report) derivationText(p *printer) {
	p.f("\nsuppressed values derivable from other columns:\n")
	var rows [][]string
	for _, d := range r.Derivation {
		var src []string
		for name, n := range d.Sources {
			src = append(src, fmt.Sprintf("%s %d", name, n))
		}
		rows = append(rows, []string{d.Column, fmt.Sprint(d.Suppressed), fmt.Sprint(d.Derivable), strings.Join(slices.Sorted(slices.Values(src)), ", ")})
	}
	p.table([]string{"column", "suppressed", "derivable", "from"}, rows)
	x := r.Restored
	p.f("with them put back: %d persons restored; %d groups under k = %d (%d persons, %d unique)\n",
		x.Persons, x.GroupsUnderK, r.K, x.PersonsUnderK, x.Unique)
}

func (r *Report) uniquenessText(p *printer) {
	u := r.Uniqueness
	p.f("\nuniqueness within county over every subset of {%s} (a null is a value of its own):\n", strings.Join(u.Attributes, ", "))
	var rows [][]string
	for _, s := range u.Subsets {
		rows = append(rows, []string{strings.Join(s.Attributes, "+"), fmt.Sprint(s.Unique), fmt.Sprint(s.UnderK),
			fmt.Sprint(s.UniqueUnsuppressed), fmt.Sprint(s.UnderKUnsuppressed)})
	}
	p.table([]string{"subset", "unique", "under k", "unique (unsuppressed)", "under k (unsuppressed)"}, rows)
	p.f("worst: %s: %d unique, %d under k (%d and %d of the unsuppressed)\n", strings.Join(u.Worst.Attributes, "+"),
		u.Worst.Unique, u.Worst.UnderK, u.Worst.UniqueUnsuppressed, u.Worst.UnderKUnsuppressed)
}

func (r *Report) suppressionText(p *printer) {
	p.f("\npersons with a suppressed quasi-identifier, per county:\n")
	var rows [][]string
	for _, c := range r.Suppression {
		rows = append(rows, []string{c.County, c.Name, c.Region, fmt.Sprint(c.Persons), fmt.Sprint(c.Suppressed),
			fmt.Sprintf("%.1f%%", 100*c.Share)})
	}
	p.table([]string{"county", "name", "region", "persons", "suppressed", "share"}, rows)
	if b := r.MaxSuppressedPct; b != nil {
		var over []string
		for _, c := range r.Suppression {
			if 100*c.Share > float64(*b) {
				over = append(over, c.County)
			}
		}
		p.f("the manifest's bound: %d%% per county; over it: %s\n", *b, orDash(strings.Join(over, ", ")))
	}
	if len(r.SuppressionByRegion) > 0 {
		rows = nil
		for _, g := range r.SuppressionByRegion {
			rows = append(rows, []string{g.Region, fmt.Sprint(g.Counties), fmt.Sprint(g.Persons), fmt.Sprint(g.Suppressed),
				fmt.Sprintf("%.1f%%", 100*g.Share)})
		}
		p.f("by region:\n")
		p.table([]string{"region", "counties", "persons", "suppressed", "share"}, rows)
	}
}

// printer writes and keeps the first error.
type printer struct {
	w   io.Writer
	err error
}

func (p *printer) f(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// table writes aligned columns, two spaces apart, indented; widths count
// display cells so that Chinese names line up.
func (p *printer) table(header []string, rows [][]string) {
	all := append([][]string{header}, rows...)
	widths := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			widths[i] = max(widths[i], runewidth.StringWidth(c))
		}
	}
	for _, r := range all {
		var b strings.Builder
		b.WriteString("  ")
		for i, c := range r {
			b.WriteString(c)
			if i < len(r)-1 {
				b.WriteString(strings.Repeat(" ", widths[i]-runewidth.StringWidth(c)+2))
			}
		}
		p.f("%s\n", strings.TrimRight(b.String(), " "))
	}
}

// pct is n with its share of of.
func pct(n, of int) string {
	if of == 0 {
		return fmt.Sprint(n)
	}
	return fmt.Sprintf("%d (%.1f%%)", n, 100*float64(n)/float64(of))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
