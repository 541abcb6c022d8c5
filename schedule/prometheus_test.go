package schedule

import (
	"bytes"
	"math"
	"strings"
	"testing"
)

func TestFormatValue(t *testing.T) {
	tests := []struct {
		v    float64
		want string
	}{
		{0, "0"},
		{1, "1"},
		{-2, "-2"},
		{0.25, "0.25"},
		{1.5, "1.5"},
		{0.1, "0.1"},
		{123456, "123456"},
		{1234567, "1.234567e+06"},
		{1719792000, "1.719792e+09"},
		{1e-7, "1e-07"},
		{math.NaN(), "NaN"},
		{math.Inf(1), "+Inf"},
		{math.Inf(-1), "-Inf"},
	}
	for _, tt := range tests {
		if got := formatValue(tt.v); got != tt.want {
			t.Errorf("formatValue(%v) = %q, want %q", tt.v, got, tt.want)
		}
	}
}

func TestEscapes(t *testing.T) {
	tests := []struct {
		in, label, help string
	}{
		{"小店区", "小店区", "小店区"},
		{`城关"镇"`, `城关\"镇\"`, `城关"镇"`},
		{`C:\feeds`, `C:\\feeds`, `C:\\feeds`},
		{"two\nlines", `two\nlines`, `two\nlines`},
		{`\"` + "\n", `\\\"\n`, `\\"\n`},
		{"bad \xff byte", "bad \uFFFD byte", "bad \uFFFD byte"},
	}
	for _, tt := range tests {
		if got := escapeLabelValue(tt.in); got != tt.label {
			t.Errorf("escapeLabelValue(%q) = %q, want %q", tt.in, got, tt.label)
		}
		if got := escapeHelp(tt.in); got != tt.help {
			t.Errorf("escapeHelp(%q) = %q, want %q", tt.in, got, tt.help)
		}
	}
}

func TestValidName(t *testing.T) {
	tests := []struct {
		s             string
		metric, label bool
	}{
		{"grassroots_job_runs_total", true, true},
		{"job:rate5m", true, false},
		{"_x", true, true},
		{"x9", true, true},
		{"9x", false, false},
		{"", false, false},
		{"runs-total", false, false},
		{"县", false, false},
		{"a b", false, false},
	}
	for _, tt := range tests {
		if got := validName(tt.s, true); got != tt.metric {
			t.Errorf("validName(%q, metric) = %v", tt.s, got)
		}
		if got := validName(tt.s, false); got != tt.label {
			t.Errorf("validName(%q, label) = %v", tt.s, got)
		}
	}
}

// Series without labels, a name without help, and a name whose help comes
// from a later series.
func TestWriteExposition(t *testing.T) {
	var buf bytes.Buffer
	err := writeExposition(&buf, []Metric{
		{Name: "b_total", Type: "counter", Value: 3},
		{Name: "a", Type: "gauge", Labels: map[string]string{"k": "2"}, Value: 2},
		{Name: "a", Help: "second", Type: "gauge", Labels: map[string]string{"k": "1"}, Value: 1},
		{Name: "a", Help: "third", Type: "gauge", Labels: map[string]string{"k": "10"}, Value: 10},
	})
	if err != nil {
		t.Fatal(err)
	}
	// The help of the first series (by sorted labels) that has one; k="10" sorts before k="2".
	want := `# HELP a second
# TYPE a gauge
a{k="1"} 1
a{k="10"} 10
a{k="2"} 2
# TYPE b_total counter
b_total 3
`
	if got := buf.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}

	buf.Reset()
	if err := writeExposition(&buf, []Metric{{Name: "ok", Type: "gauge"}, {Name: "bad name", Type: "gauge"}}); err == nil || buf.Len() != 0 {
		t.Errorf("err %v, wrote %q", err, buf.String())
	}
}

// An escaped label value or help text reads back as the (valid UTF-8) original.
func FuzzEscape(f *testing.F) {
	for _, s := range []string{"小店区", `城关"镇"`, `C:\feeds`, "two\nlines", `\"` + "\n", "bad \xff byte", `\n`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.ToValidUTF8(s, "\uFFFD")
		label := escapeLabelValue(s)
		if strings.ContainsRune(label, '\n') || strings.Count(label, `"`) != strings.Count(label, `\"`) {
			t.Fatalf("escapeLabelValue(%q) = %q leaves a raw line feed or quote", s, label)
		}
		if got := unescape(t, label, true); got != want {
			t.Fatalf("label %q -> %q -> %q", s, label, got)
		}
		help := escapeHelp(s)
		if strings.ContainsRune(help, '\n') {
			t.Fatalf("escapeHelp(%q) = %q leaves a raw line feed", s, help)
		}
		if got := unescape(t, help, false); got != want {
			t.Fatalf("help %q -> %q -> %q", s, help, got)
		}
	})
}
