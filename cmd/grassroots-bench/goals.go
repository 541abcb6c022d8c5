package main

import (
	"fmt"
	"io"
	"strings"
)

// goal is one performance goal of the README's Performance section, held
// against the figures of a bench run.
type goal struct {
	What     string `json:"what"`
	Goal     string `json:"goal"`
	Measured string `json:"measured"`
	Met      bool   `json:"met"`
}

// limits are the goals of one scale. A ratio is a fraction (0.02 = 2%); a
// zero field has no goal at that scale.
type limits struct {
	loadToFloor     float64 // full load ÷ DuckDB read_csv of the same files
	oneCounty       float64 // rerun after one county's file changed ÷ full load
	nothingNewSecs  float64 // rerun with nothing new, in seconds …
	nothingNewRatio float64 // … or as a share of the full load
	loadMiB         float64 // peak RSS of the full load
	releaseMiB      float64 // peak RSS of the release
	reportSecs      float64 // the report (html + xlsx)
	releaseSecs     float64 // the release
}

// scaleGoals are the goals by scale; the city has none.
var scaleGoals = map[string]limits{
	"province": {loadToFloor: 1.3, oneCounty: 0.10, nothingNewSecs: 0.150, loadMiB: 512, releaseMiB: 512, reportSecs: 0.5, releaseSecs: 2},
	"national": {loadToFloor: 1.3, oneCounty: 0.02, nothingNewRatio: 0.01, loadMiB: 1536, releaseMiB: 2048, reportSecs: 5, releaseSecs: 30},
}

// row returns the first row whose step starts with prefix.
func (t *table) row(prefix string) (row, bool) {
	for _, r := range t.Rows {
		if strings.HasPrefix(r.Step, prefix) {
			return r, true
		}
	}
	return row{}, false
}

// goals holds the table's figures against its scale's goals (none for a
// scale without goals, or for steps the run did not measure).
func (t *table) goals() []goal {
	l, ok := scaleGoals[t.Scale]
	if !ok {
		return nil
	}
	var gs []goal
	full, okFull := t.row("full run")
	floor, okFloor := t.row("DuckDB read_csv")
	if okFull && okFloor && floor.Median > 0 {
		x := full.Median / floor.Median
		gs = append(gs, goal{"full load ÷ DuckDB read_csv of the same CSV files", fmt.Sprintf("≤ %.1f×", l.loadToFloor),
			fmt.Sprintf("%.2f× (%s ÷ %s)", x, human(full.Median), human(floor.Median)), x <= l.loadToFloor})
	}
	if r, ok := t.row("rerun, one county"); ok && okFull && full.Median > 0 {
		x := r.Median / full.Median
		gs = append(gs, goal{"rerun after one county's file changed ÷ full load", fmt.Sprintf("≤ %.0f%%", 100*l.oneCounty),
			fmt.Sprintf("%.1f%% (%s)", 100*x, human(r.Median)), x <= l.oneCounty})
	}
	if r, ok := t.row("rerun, nothing changed"); ok {
		switch {
		case l.nothingNewSecs > 0:
			gs = append(gs, goal{"rerun with nothing new", "≤ " + human(l.nothingNewSecs), human(r.Median), r.Median <= l.nothingNewSecs})
		case okFull && full.Median > 0:
			x := r.Median / full.Median
			gs = append(gs, goal{"rerun with nothing new ÷ full load", fmt.Sprintf("≤ %.0f%%", 100*l.nothingNewRatio),
				fmt.Sprintf("%.2f%% (%s)", 100*x, human(r.Median)), x <= l.nothingNewRatio})
		}
	}
	if okFull {
		gs = append(gs, goal{"peak RSS of the full load", "≤ " + mib(l.loadMiB), mib(full.PeakMiB), full.PeakMiB <= l.loadMiB})
	}
	if r, ok := t.row("export"); ok {
		gs = append(gs, goal{"peak RSS of the release", "≤ " + mib(l.releaseMiB), mib(r.PeakMiB), r.PeakMiB <= l.releaseMiB})
		gs = append(gs, goal{"release", "≤ " + human(l.releaseSecs), human(r.Median), r.Median <= l.releaseSecs})
	}
	if r, ok := t.row("report"); ok {
		gs = append(gs, goal{"report (html + xlsx)", "≤ " + human(l.reportSecs), human(r.Median), r.Median <= l.reportSecs})
	}
	return gs
}

func mib(m float64) string {
	if m >= 1024 {
		return fmt.Sprintf("%.2f GiB", m/1024)
	}
	return fmt.Sprintf("%.0f MiB", m)
}

// printGoals prints the goals table with met / not met.
func printGoals(w io.Writer, gs []goal) {
	if len(gs) == 0 {
		return
	}
	fmt.Fprintln(w, "\n| goal | target | measured | |")
	fmt.Fprintln(w, "|---|---:|---:|---|")
	for _, g := range gs {
		met := "not met"
		if g.Met {
			met = "met"
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", g.What, g.Goal, g.Measured, met)
	}
}
