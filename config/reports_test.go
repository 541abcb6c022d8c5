package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestReportsWords(t *testing.T) {
	c, err := Parse([]byte(base+`reports:
  issuer: 中共太原市委组织部 编
  classification: 内部资料 注意保存
  next_steps_dir: notes
  next_steps:
    "2022-07": |
      督促古交市补齐空缺。

      组织第三轮选岗。
  problems: {coverage_below_city: false, uncovered_days_over: 180, retention_12m_below: 0.75, stale: false, rejects_at_least: 0}
`), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Reports{Schedule: "0 8 1 * *", Out: "/srv/grassroots/reports", Formats: []string{"html", "xlsx", "pdf"}, DefaultFormats: true,
		Issuer: "中共太原市委组织部 编", Classification: "内部资料 注意保存",
		NextSteps:    map[string]string{"2022-07": "督促古交市补齐空缺。\n\n组织第三轮选岗。\n"},
		NextStepsDir: "/srv/grassroots/notes",
		Problems:     ReportProblems{CoverageBelowCity: false, UncoveredDaysOver: 180, Retention12mBelow: 0.75, Stale: false, RejectsAtLeast: 0},
	}
	if !reflect.DeepEqual(c.Reports, want) {
		t.Errorf("Reports\n got %+v\nwant %+v", c.Reports, want)
	}

	// A rule left out keeps its default; 1 is a fraction too.
	c, err = Parse([]byte(base+"reports: {problems: {retention_12m_below: 1}}\n"), "/srv/grassroots/grassroots.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := DefaultReportProblems()
	p.Retention12mBelow = 1
	if c.Reports.Problems != p {
		t.Errorf("problems %+v, want %+v", c.Reports.Problems, p)
	}
}

func TestReportsWordsErrors(t *testing.T) {
	for _, tt := range []struct{ block, want string }{
		{"reports: {problems: {retention_12m_below: 80}}", `reports.problems.retention_12m_below: "80" is not from 0 to 1`},
		{"reports: {problems: {retention_12m_below: eighty}}", `reports.problems.retention_12m_below: want a number from 0 to 1`},
		{"reports: {problems: {uncovered_days_over: -1}}", `reports.problems.uncovered_days_over: -1 is too small`},
		{"reports: {problems: {stale: yes please}}", `reports.problems.stale: want true or false`},
		{"reports: {problems: {rejects: 1}}", `unknown key "rejects" in reports.problems`},
		{"reports: {issuer: \"一\\n二\"}", `reports.issuer: must be one line`},
		{"reports: {classification: " + strings.Repeat("密", 41) + "}", `is longer than 40 characters`},
		{"reports: {next_steps: some text}", `reports.next_steps: want a mapping of months (YYYY-MM) to texts`},
		{"reports: {next_steps: {2022-13: text}}", `not a month written YYYY-MM`},
		{"reports: {next_steps: {\"2022-07\": }}", `reports.next_steps.2022-07: want the month's text, got nothing`},
		{"reports: {next_steps: {\"2022-07\": a, \"2022-07\": b}}", `the month is given twice`},
	} {
		_, err := Parse([]byte(base+tt.block+"\n"), "/srv/grassroots/grassroots.yaml")
		var errs Errors
		if !errors.As(err, &errs) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.block, err, tt.want)
		}
	}
}
