package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// The report's words from the configuration: the office line, 下步工作
// and the rules of 存在问题 (README, Configuration).

// maxOfficeRunes bounds reports.issuer and reports.classification: one line
// of the first page.
const maxOfficeRunes = 40

// MaxNextStepsBytes bounds one month's text of reports.next_steps.
const MaxNextStepsBytes = 64 << 10

// periodRE is a month written YYYY-MM.
var periodRE = regexp.MustCompile(`^[0-9]{4}-(0[1-9]|1[0-2])$`)

// reportsWords decodes issuer, classification, next_steps, next_steps_dir,
// problems and mail of the reports block m.
func (d *decoder) reportsWords(m *mapping, c *Config) {
	c.Reports.Issuer = m.officeLine("issuer")
	c.Reports.Classification = m.officeLine("classification")
	c.Reports.NextStepsDir = m.filePath("next_steps_dir", false, "")
	c.Reports.NextSteps = m.nextSteps("next_steps")
	d.mail(m, c)
	if pm := m.child("problems", false, problemsKeys); pm != nil {
		p := &c.Reports.Problems
		p.CoverageBelowCity = pm.boolean("coverage_below_city", p.CoverageBelowCity)
		p.UncoveredDaysOver = pm.integer("uncovered_days_over", p.UncoveredDaysOver, 0)
		p.Retention12mBelow = pm.fraction("retention_12m_below", p.Retention12mBelow)
		p.Stale = pm.boolean("stale", p.Stale)
		p.RejectsAtLeast = pm.integer("rejects_at_least", p.RejectsAtLeast, 0)
	}
}

// officeLine is key's text: one line of at most maxOfficeRunes characters.
func (m *mapping) officeLine(key string) string {
	s, line := m.str(key, false, "")
	switch {
	case strings.ContainsAny(s, "\r\n"):
		m.d.bad(line, m.key(key), "must be one line")
	case utf8.RuneCountInString(s) > maxOfficeRunes:
		m.d.bad(line, m.key(key), "%s is longer than %d characters", quote(s), maxOfficeRunes)
	default:
		return s
	}
	return ""
}

// fraction is key's value, a number from 0 to 1 (0 turns its rule off), or
// def when absent.
func (m *mapping) fraction(key string, def float64) float64 {
	s, line, ok := m.scalar(key, false)
	if !ok {
		return def
	}
	tag := m.vals[key].ShortTag()
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case (tag != "!!float" && tag != "!!int") || err != nil:
		m.d.bad(line, m.key(key), "want a number from 0 to 1 such as 0.8, got %s", quote(s))
	case v < 0 || v > 1:
		m.d.bad(line, m.key(key), "%s is not from 0 to 1 (a fraction: 0.8 is 80%%)", quote(s))
	default:
		return v
	}
	return def
}

// nextSteps is key's mapping of months (YYYY-MM) to texts, nil when absent.
func (m *mapping) nextSteps(key string) map[string]string {
	v := m.value(key, false)
	if v == nil {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		m.d.bad(v.Line, m.key(key), "want a mapping of months (YYYY-MM) to texts, got %s", describe(v))
		return nil
	}
	out := map[string]string{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := resolve(v.Content[i]), resolve(v.Content[i+1])
		name := fmt.Sprintf("%s.%s", m.key(key), k.Value)
		switch {
		case k.Kind != yaml.ScalarNode || !periodRE.MatchString(k.Value):
			m.d.bad(k.Line, m.key(key), "%s is not a month written YYYY-MM (quote it: \"2022-07\")", describe(k))
		case out[k.Value] != "":
			m.d.bad(k.Line, name, "the month is given twice")
		case val.Kind != yaml.ScalarNode || isNull(val) || strings.TrimSpace(val.Value) == "":
			m.d.bad(val.Line, name, "want the month's text, got %s", describe(val))
		case len(val.Value) > MaxNextStepsBytes:
			m.d.bad(val.Line, name, "is longer than %d bytes", MaxNextStepsBytes)
		default:
			out[k.Value] = val.Value
		}
	}
	return out
}
