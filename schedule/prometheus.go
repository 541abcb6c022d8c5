package schedule

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrBadMetric is returned (and served as a 500) when a series cannot be
// written in the Prometheus text format.
var ErrBadMetric = errors.New("schedule: bad metric")

// Metric is one series to expose on /metrics.
type Metric struct {
	Name   string            // metric name, [a-zA-Z_:][a-zA-Z0-9_:]*
	Help   string            // the # HELP text; a name's first non-empty one, in output order, is used
	Type   string            // counter or gauge; every series of a name has the same
	Labels map[string]string // label names [a-zA-Z_][a-zA-Z0-9_]*, not starting "__"
	Value  float64
}

// ExpositionContentType is the Content-Type of the Prometheus text format 0.0.4.
const ExpositionContentType = "text/plain; version=0.0.4; charset=utf-8"

// series is a Metric with its label set rendered, for sorting.
type series struct {
	m      Metric
	labels string // {a="x",b="y"} with names sorted, or ""
}

// writeExposition renders metrics in the Prometheus text exposition format
// 0.0.4: series grouped by name, names sorted, series sorted by their label
// sets, # HELP and # TYPE once per name. It validates everything first and
// writes nothing on error.
func writeExposition(buf *bytes.Buffer, metrics []Metric) error {
	all := make([]series, 0, len(metrics))
	for _, m := range metrics {
		if !validName(m.Name, true) {
			return fmt.Errorf("%w: name %q", ErrBadMetric, m.Name)
		}
		if m.Type != "counter" && m.Type != "gauge" {
			return fmt.Errorf("%w: %s: type %q is not counter or gauge", ErrBadMetric, m.Name, m.Type)
		}
		labels, err := renderLabels(m.Name, m.Labels)
		if err != nil {
			return err
		}
		all = append(all, series{m: m, labels: labels})
	}
	slices.SortStableFunc(all, func(a, b series) int {
		return cmp.Or(strings.Compare(a.m.Name, b.m.Name), strings.Compare(a.labels, b.labels))
	})
	for i := 0; i < len(all); {
		name, typ, help := all[i].m.Name, all[i].m.Type, ""
		j := i
		for ; j < len(all) && all[j].m.Name == name; j++ {
			if all[j].m.Type != typ {
				return fmt.Errorf("%w: %s is both %s and %s", ErrBadMetric, name, typ, all[j].m.Type)
			}
			if j > i && all[j].labels == all[j-1].labels {
				return fmt.Errorf("%w: %s%s appears twice", ErrBadMetric, name, all[j].labels)
			}
			if help == "" {
				help = all[j].m.Help
			}
		}
		if help != "" {
			fmt.Fprintf(buf, "# HELP %s %s\n", name, escapeHelp(help))
		}
		fmt.Fprintf(buf, "# TYPE %s %s\n", name, typ)
		for _, s := range all[i:j] {
			buf.WriteString(name)
			buf.WriteString(s.labels)
			buf.WriteByte(' ')
			buf.WriteString(formatValue(s.m.Value))
			buf.WriteByte('\n')
		}
		i = j
	}
	return nil
}

// renderLabels returns {name="value",...} with names sorted and values escaped.
func renderLabels(metric string, labels map[string]string) (string, error) {
	if len(labels) == 0 {
		return "", nil
	}
	names := make([]string, 0, len(labels))
	for n := range labels {
		if !validName(n, false) || strings.HasPrefix(n, "__") {
			return "", fmt.Errorf("%w: %s: label name %q", ErrBadMetric, metric, n)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(n)
		b.WriteString(`="`)
		b.WriteString(escapeLabelValue(labels[n]))
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// validName reports whether s is a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or,
// with metric false, a label name ([a-zA-Z_][a-zA-Z0-9_]*).
func validName(s string, metric bool) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' ||
			i > 0 && '0' <= c && c <= '9' || metric && c == ':'
		if !ok {
			return false
		}
	}
	return true
}

var (
	labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
)

// escapeLabelValue escapes backslash, double quote and line feed, and
// replaces invalid UTF-8 (the format is UTF-8) with U+FFFD.
func escapeLabelValue(v string) string {
	if !utf8.ValidString(v) {
		v = strings.ToValidUTF8(v, "\uFFFD")
	}
	return labelEscaper.Replace(v)
}

// escapeHelp escapes backslash and line feed in a # HELP text.
func escapeHelp(h string) string {
	if !utf8.ValidString(h) {
		h = strings.ToValidUTF8(h, "\uFFFD")
	}
	return helpEscaper.Replace(h)
}

// formatValue writes a sample value as Prometheus's Go client does.
func formatValue(v float64) string {
	switch {
	case math.IsNaN(v):
		return "NaN"
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
