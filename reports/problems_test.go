package reports

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// problemsData is a hand-made report: the city at 80.0% (800 of 1,000
// villages), 甲县 at 70.0% and 乙县 at 90.0%; 甲县 has villages uncovered
// 91 and 400 days and one of 90 days exactly, 乙县 one of 30 days; the
// city's 12-month retention is 75.0% (150 of 200), the remote region's
// 70.0% and the developed's 80.0% exactly; 乙县's feed is stale, 丙县's
// never loaded; 甲县 has 3 rejected rows, 乙县 none (a finding only).
func problemsData() *ReportData {
	f := sampleF64
	return &ReportData{
		Period: "2022-07", AsOf: "2022-07-31",
		Headline: []Figure{{Key: "coverage_rate", Kind: "rate", Value: f(0.8)}},
		Counties: []CoverageRow{
			{Code: "1", Name: "甲县", Villages: 500, Covered: 350, CoverageRate: f(0.7)},
			{Code: "2", Name: "乙县", Villages: 500, Covered: 450, CoverageRate: f(0.9)},
		},
		Uncovered: []UncoveredRow{
			{CountyName: "甲县", UncoveredDays: sampleI64(400)},
			{CountyName: "甲县", UncoveredDays: sampleI64(91)},
			{CountyName: "甲县", UncoveredDays: sampleI64(90)},
			{CountyName: "乙县", UncoveredDays: sampleI64(30)},
			{CountyName: "乙县", UncoveredDays: nil},
		},
		Retention: []RetentionRow{
			{Level: "city", Code: "9", Name: "某市", Cohort12: 200, Retained12: 150, Rate12: f(0.75)},
			{Level: "region", Code: "remote", Cohort12: 100, Retained12: 70, Rate12: f(0.7)},
			{Level: "region", Code: "developed", Cohort12: 100, Retained12: 80, Rate12: f(0.8)},
		},
		Freshness: []FreshnessRow{
			{County: "1", Name: "甲县"},
			{County: "2", Name: "乙县", LastSuccess: "2022-07-20 02:00", Stale: true},
			{County: "3", Name: "丙县", Stale: true},
		},
		Quality: []QualityRow{
			{County: "1", CountyName: "甲县", Kind: "reject", Code: "bad_id_checksum", Count: 1},
			{County: "1", CountyName: "甲县", Kind: "reject", Code: "unknown_village", Count: 2},
			{County: "2", CountyName: "乙县", Kind: "finding", Code: "gender_mismatch", Severity: "warning", Count: 7},
		},
	}
}

func TestProblemsRules(t *testing.T) {
	got := Problems(problemsData(), DefaultProblemRules())
	want := []Problem{
		{"coverage_below_city", "甲县", "甲县覆盖率70.0%，低于全市80.0%，150个村（社区）无研究生在岗。"},
		{"uncovered_days_over", "甲县", "甲县有2个村（社区）无研究生在岗超过90天，最长400天。"},
		{"retention_12m_below", "全市", "全市到岗满12个月的200名研究生中150名仍在岗，12个月留任率75.0%，低于80.0%。"},
		{"retention_12m_below", "偏远地区", "偏远地区到岗满12个月的100名研究生中70名仍在岗，12个月留任率70.0%，低于80.0%。"},
		{"stale", "乙县", "乙县数据源最近一次成功更新为2022-07-20 02:00，已超过时效，请督促报送。"},
		{"stale", "丙县", "丙县截至2022年7月31日数据源尚未成功更新，请督促报送。"},
		{"rejects_at_least", "甲县", "甲县历次报送中有3条记录被拒收，最多的原因是“找不到村（社区）”（2条）。"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
}

func TestProblemsThresholds(t *testing.T) {
	d := problemsData()
	// Every rule off: nothing.
	if got := Problems(d, ProblemRules{}); len(got) != 0 {
		t.Errorf("rules off: %q", got)
	}
	// 89 days takes 甲县's 90-day village too; 70% retention none (the
	// remote region's 70.0% is not below it); 4 rejects no county.
	got := Problems(d, ProblemRules{UncoveredDaysOver: 89, Retention12mBelow: 0.7, RejectsAtLeast: 4})
	want := []Problem{{"uncovered_days_over", "甲县", "甲县有3个村（社区）无研究生在岗超过89天，最长400天。"}}
	if !slices.Equal(got, want) {
		t.Errorf("problems\n got %q\nwant %q", got, want)
	}
	// 29 days names 乙县 as well, in the order of the list.
	got = Problems(d, ProblemRules{UncoveredDaysOver: 29})
	if len(got) != 2 || got[1].County != "乙县" || got[1].Text != "乙县有1个村（社区）无研究生在岗超过29天，最长30天。" {
		t.Errorf("29 days: %q", got)
	}
	// Without the city's coverage no county is compared.
	d.Headline = nil
	if got := Problems(d, ProblemRules{CoverageBelowCity: true}); len(got) != 0 {
		t.Errorf("no city coverage: %q", got)
	}
}

func TestDecorate(t *testing.T) {
	dir := t.TempDir()
	text := "\ufeff督促甲县\n补齐空缺。\n\n\n  开展第三轮选岗。  \r\n"
	if err := os.WriteFile(filepath.Join(dir, "2022-07.txt"), []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	d := problemsData()
	o := DecorateOptions{Issuer: " 中共某市委组织部 编 ", Classification: "内部资料 注意保存", NextStepsDir: dir,
		Problems: ProblemRules{Stale: true}}
	if err := Decorate(d, o); err != nil {
		t.Fatal(err)
	}
	if d.Office != (Office{Issuer: "中共某市委组织部 编", Classification: "内部资料 注意保存"}) {
		t.Errorf("office %+v", d.Office)
	}
	if want := []string{"督促甲县补齐空缺。", "开展第三轮选岗。"}; !slices.Equal(d.NextSteps, want) {
		t.Errorf("next steps %q, want %q", d.NextSteps, want)
	}
	if len(d.Problems) != 2 || d.Problems[0].County != "乙县" {
		t.Errorf("problems %q", d.Problems)
	}

	// The configuration's text for the month wins over the file.
	o.NextSteps = map[string]string{"2022-07": "配置中的一段。", "2022-08": "下月的。"}
	if err := Decorate(d, o); err != nil {
		t.Fatal(err)
	}
	if want := []string{"配置中的一段。"}; !slices.Equal(d.NextSteps, want) {
		t.Errorf("next steps %q, want %q", d.NextSteps, want)
	}

	// No text for the month: no paragraphs, and the HTML leaves the
	// section out.
	d.Period, o.NextSteps = "2022-09", nil
	if err := Decorate(d, o); err != nil {
		t.Fatal(err)
	}
	if d.NextSteps != nil {
		t.Errorf("next steps %q for a month without text", d.NextSteps)
	}
	if page := renderHTML(t, d); strings.Contains(page, `id="next-steps"`) || strings.Contains(page, "下步工作") {
		t.Error("the HTML has 下步工作 for a month without text")
	}

	// A file that is not UTF-8, or too long, is an error naming it.
	if err := os.WriteFile(filepath.Join(dir, "2022-10.txt"), []byte{0xb6, 0xbd, 0xb4, 0xd9}, 0o600); err != nil {
		t.Fatal(err)
	}
	d.Period = "2022-10"
	if err := Decorate(d, o); err == nil || !strings.Contains(err.Error(), "2022-10.txt") || !strings.Contains(err.Error(), "UTF-8") {
		t.Errorf("GB18030 file: %v", err)
	}
	if err := os.WriteFile(filepath.Join(dir, "2022-11.txt"), []byte(strings.Repeat("字", MaxNextStepsBytes/3+1)), 0o600); err != nil {
		t.Fatal(err)
	}
	d.Period = "2022-11"
	if err := Decorate(d, o); err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Errorf("long file: %v", err)
	}
	if err := Decorate(nil, o); err == nil {
		t.Error("nil data decorated")
	}
}
