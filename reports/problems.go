package reports

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"
)

// 存在问题, 下步工作 and the office: what the report says beyond the
// macros' figures, from the configuration (reports.issuer,
// reports.classification, reports.problems, reports.next_steps and
// reports.next_steps_dir; README, Configuration).

// ProblemRules are the rules of 存在问题 and their thresholds. A rule that
// is false or 0 is off.
type ProblemRules struct {
	// CoverageBelowCity names each county whose coverage on the period's
	// last day is below the city's.
	CoverageBelowCity bool
	// UncoveredDaysOver names each county with villages uncovered for more
	// than this many days.
	UncoveredDaysOver int
	// Retention12mBelow names the city and each region whose 12-month
	// retention is below this fraction (0.8 = 80%).
	Retention12mBelow float64
	// Stale names each county whose feed is stale.
	Stale bool
	// RejectsAtLeast names each county with at least this many rejected
	// rows.
	RejectsAtLeast int64
}

// DefaultProblemRules are the rules when the configuration sets none:
// every rule on, 90 days, 80%, one rejected row.
func DefaultProblemRules() ProblemRules {
	return ProblemRules{CoverageBelowCity: true, UncoveredDaysOver: 90, Retention12mBelow: 0.8, Stale: true, RejectsAtLeast: 1}
}

// DecorateOptions are what Decorate adds to a report: the issuing office and the
// classification, the rules of 存在问题 and the month's 下步工作, given in
// the configuration by month (NextSteps, "2022-07" → text) or as a file
// YYYY-MM.txt in NextStepsDir; the configuration's text wins over a file.
type DecorateOptions struct {
	Issuer, Classification string
	Problems               ProblemRules
	NextSteps              map[string]string
	NextStepsDir           string
}

// MaxNextStepsBytes bounds the text of 下步工作 for one month.
const MaxNextStepsBytes = 64 << 10

// Decorate sets d's Office, Problems and NextSteps from o. It fails only
// when the month's file of 下步工作 exists but cannot be read or is not
// UTF-8 text of at most MaxNextStepsBytes.
func Decorate(d *ReportData, o DecorateOptions) error {
	if d == nil {
		return errors.New("reports: decorate: no report data")
	}
	d.Office = Office{Issuer: strings.TrimSpace(o.Issuer), Classification: strings.TrimSpace(o.Classification)}
	d.Problems = Problems(d, o.Problems)
	text, ok := o.NextSteps[d.Period]
	if !ok && o.NextStepsDir != "" {
		var err error
		if text, err = readNextSteps(o.NextStepsDir, d.Period); err != nil {
			return fmt.Errorf("reports: 下步工作: %w", err)
		}
	}
	d.NextSteps = Paragraphs(text)
	return nil
}

// periodRe is a month written YYYY-MM.
var periodRe = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// readNextSteps reads dir/period.txt; a missing file is no text.
func readNextSteps(dir, period string) (string, error) {
	if !periodRe.MatchString(period) {
		return "", fmt.Errorf("period %q is not a month written YYYY-MM", period)
	}
	path := filepath.Join(dir, period+".txt")
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	defer f.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(io.LimitReader(f, MaxNextStepsBytes+1)); err != nil {
		return "", fmt.Errorf("%s: %w", path, err)
	}
	if buf.Len() > MaxNextStepsBytes {
		return "", fmt.Errorf("%s: longer than %d bytes", path, MaxNextStepsBytes)
	}
	b := bytes.TrimPrefix(buf.Bytes(), []byte("\ufeff"))
	if !utf8.Valid(b) {
		return "", fmt.Errorf("%s: not UTF-8 text; save it as UTF-8", path)
	}
	return string(b), nil
}

// Paragraphs splits text into paragraphs at blank lines; the lines of a
// paragraph are joined (Chinese text needs no space between them).
func Paragraphs(text string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			out = append(out, cur.String())
			cur.Reset()
		}
	}
	for _, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			flush()
			continue
		}
		cur.WriteString(line)
	}
	flush()
	return out
}

// Problems applies the rules to d, in the order of ProblemRules' fields,
// each rule's sentences in the order of d's rows.
func Problems(d *ReportData, r ProblemRules) []Problem {
	var out []Problem
	if r.CoverageBelowCity {
		out = append(out, coverageBelowCity(d)...)
	}
	if r.UncoveredDaysOver > 0 {
		out = append(out, uncoveredOver(d, int64(r.UncoveredDaysOver))...)
	}
	if r.Retention12mBelow > 0 {
		out = append(out, retentionBelow(d, r.Retention12mBelow)...)
	}
	if r.Stale {
		out = append(out, stale(d)...)
	}
	if r.RejectsAtLeast > 0 {
		out = append(out, rejects(d, r.RejectsAtLeast)...)
	}
	return out
}

func coverageBelowCity(d *ReportData) []Problem {
	var city *float64
	for _, f := range d.Headline {
		if f.Key == "coverage_rate" {
			city = f.Value
		}
	}
	if !htmlFinite(city) {
		return nil
	}
	var out []Problem
	for _, c := range d.Counties {
		if !htmlFinite(c.CoverageRate) || *c.CoverageRate >= *city {
			continue
		}
		name := htmlOr(c.Name, c.Code)
		out = append(out, Problem{Rule: "coverage_below_city", County: name,
			Text: fmt.Sprintf("%s覆盖率%s，低于全市%s，%s个村（社区）无研究生在岗。",
				name, htmlPct(c.CoverageRate), htmlPct(city), htmlInt(c.Villages-c.Covered))})
	}
	return out
}

func uncoveredOver(d *ReportData, days int64) []Problem {
	type county struct {
		name    string
		n, most int64
	}
	var counties []*county
	by := map[string]*county{}
	for _, u := range d.Uncovered {
		if u.UncoveredDays == nil || *u.UncoveredDays <= days {
			continue
		}
		name := htmlOr(u.CountyName, "—")
		c := by[name]
		if c == nil {
			c = &county{name: name}
			by[name] = c
			counties = append(counties, c)
		}
		c.n++
		c.most = max(c.most, *u.UncoveredDays)
	}
	var out []Problem
	for _, c := range counties {
		out = append(out, Problem{Rule: "uncovered_days_over", County: c.name,
			Text: fmt.Sprintf("%s有%s个村（社区）无研究生在岗超过%s天，最长%s天。",
				c.name, htmlInt(c.n), htmlInt(days), htmlInt(c.most))})
	}
	return out
}

func retentionBelow(d *ReportData, below float64) []Problem {
	var out []Problem
	for _, r := range d.Retention {
		if !htmlFinite(r.Rate12) || *r.Rate12 >= below {
			continue
		}
		name := htmlOr(r.Name, r.Code)
		switch r.Level {
		case "city":
			name = wCity
		case "region":
			name = regionLabel(r.Code)
		}
		out = append(out, Problem{Rule: "retention_12m_below", County: name,
			Text: fmt.Sprintf("%s到岗满12个月的%s名研究生中%s名仍在岗，12个月留任率%s，低于%s。",
				name, htmlInt(r.Cohort12), htmlInt(r.Retained12), htmlPct(r.Rate12), htmlPct(&below))})
	}
	return out
}

func stale(d *ReportData) []Problem {
	var out []Problem
	for _, f := range d.Freshness {
		if !f.Stale {
			continue
		}
		name := htmlOr(f.Name, f.County)
		// As of the period's end: a past month's report says so, not "never".
		text := fmt.Sprintf("%s截至%s数据源尚未成功更新，请督促报送。", name, htmlDate(d.AsOf))
		if f.LastSuccess != "" {
			text = fmt.Sprintf("%s数据源最近一次成功更新为%s，已超过时效，请督促报送。", name, f.LastSuccess)
		}
		out = append(out, Problem{Rule: "stale", County: name, Text: text})
	}
	return out
}

func rejects(d *ReportData, least int64) []Problem {
	type county struct {
		name     string
		n        int64
		top      string
		topCount int64
	}
	var counties []*county
	by := map[string]*county{}
	for _, q := range d.Quality {
		if q.Kind != "reject" {
			continue
		}
		name := htmlOr(q.CountyName, q.County)
		if name == "" {
			name = cityList
		}
		c := by[name]
		if c == nil {
			c = &county{name: name}
			by[name] = c
			counties = append(counties, c)
		}
		c.n += q.Count
		if q.Count > c.topCount {
			c.top, c.topCount = qualityLabel(q.Code), q.Count
			if c.top == q.Code {
				c.top = wOtherIssue
			}
		}
	}
	var out []Problem
	for _, c := range counties {
		if c.n < least {
			continue
		}
		out = append(out, Problem{Rule: "rejects_at_least", County: c.name,
			Text: fmt.Sprintf("%s历次报送中有%s条记录被拒收，最多的原因是“%s”（%s条）。",
				c.name, htmlInt(c.n), c.top, htmlInt(c.topCount))})
	}
	return out
}
