package reports

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The sections of issue 16 against sampleReport's hand-made figures.

func TestRenderHTMLNewSections(t *testing.T) {
	page := renderHTML(t, sampleReport())
	tests := []struct {
		table string
		want  []string
	}{
		{"table-flows", []string{"全市", "1,120", "43", "18", "+25", "1,145"}},
		{"table-flows", []string{"娄烦县", "305", "16", "4", "+12", "317"}},
		// 9, 2, 5 and 2 of 18: 50.0%, 11.1%, 27.8% (the largest
		// remainder, 0.777…), 11.1%, adding up to 100.0%.
		{"table-month-exits", []string{"辞职", "9", "50.0%"}},
		{"table-month-exits", []string{"调动", "2", "11.1%"}},
		{"table-month-exits", []string{"考录公务员", "5", "27.8%"}},
		{"table-month-exits", []string{"其他", "2", "11.1%"}},
		{"table-month-exits", []string{"合计", "18", "100.0%"}},
		// 400/420 = 95.2% against 395/420 = 94.0%: 5/420 = +1.2 points.
		{"table-ranking", []string{"1", "小店区", "经济发达地区", "95.2%", "94.0%", "+1.2", "+5"}},
		// 345/455 = 75.8% against 330/455 = 72.5%: 15/455 = +3.3 points.
		{"table-ranking", []string{"2", "娄烦县", "偏远地区", "75.8%", "72.5%", "+3.3", "+12"}},
		// 385/520 = 74.0% against 373/520 = 71.7%: 12/520 = +2.3 points.
		{"table-ranking", []string{"3", "古交市", "偏远地区", "74.0%", "71.7%", "+2.3", "+8"}},
		{"table-progress", []string{"全市", "1,395", "265", "1,461", "120", "60", "38", "210"}},
		// The latest date of 小店区's records by the month's end.
		{"table-freshness", []string{"小店区", "2022-07-31 02:00", "2022-07-30 18:20", "2022-07-29", "22.5", "正常"}},
		{"table-progress", []string{"娄烦县", "455", "110", "—", "50", "20", "12", "60"}},
		{"table-selection", []string{"全市", "817", "200", "128", "1,145"}},
		{"table-selection", []string{"古交市", "230", "80", "88", "398"}},
		// 8,600,000 / 1,200 = 7,166.67 yuan; one person at the ceiling.
		{"table-subsidies", []string{"全市", "1,250,000", "8,600,000", "1,200", "7,167", "1", "100.0%"}},
		// 3,000,000 / 420 = 7,142.86; 186,000 / 310,000 = 60.0%.
		{"table-subsidies", []string{"古交市", "450,000", "3,000,000", "420", "7,143", "1", "100.0%"}},
		{"table-subsidies", []string{"小店区", "500,000", "3,600,000", "480", "7,500", "0", "60.0%"}},
		// Exits by county with a total row adding up to the city's 100.
		{"table-exits-county", []string{"娄烦县", "12", "4", "5", "2", "1", "1", "25"}},
		{"table-exits-county", []string{"合计", "40", "18", "25", "9", "5", "3", "100"}},
	}
	for _, tt := range tests {
		if got := findRow(t, tableRows(t, page, tt.table), tt.want[0]); !slices.Equal(got.Cells, tt.want) {
			t.Errorf("%s: row %q\n got %q\nwant %q", tt.table, tt.want[0], got.Cells, tt.want)
		}
	}
	// Ranked: the rows in the order of their rank.
	var ranks []string
	for _, r := range tableRows(t, page, "table-ranking")[1:] {
		ranks = append(ranks, r.Cells[0])
	}
	if want := []string{"1", "2", "3"}; !slices.Equal(ranks, want) {
		t.Errorf("ranks %q", ranks)
	}

	for _, want := range []string{
		// The office on the first page, the date line the period's last day.
		`<p class="classification">内部资料 注意保存</p>`,
		`<span class="issuer">中共太原市委组织部 编</span>　<span class="dateline">2022年7月31日</span>`,
		// 存在问题 as numbered sentences, 下步工作 as paragraphs.
		"<li>古交市覆盖率74.0%，低于全市81.0%。</li>",
		"<li>娄烦县数据源从未成功更新。</li>",
		`<p class="para">督促古交市、娄烦县在9月底前补齐空缺村（社区）。</p>`,
		`<p class="para">组织第三轮全市选岗。</p>`,
		`<h2>十五、存在问题</h2>`, `<h2>十六、下步工作</h2>`,
		"<h2>八、累计离岗原因</h2>",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %s", want)
		}
	}
	// The first page's office comes before the first section.
	if i, j := strings.Index(page, "中共太原市委组织部 编"), strings.Index(page, `<section id="headline">`); i < 0 || i > j {
		t.Error("the issuer is not on the first page")
	}
	// No software credit, no footer.
	for _, gone := range []string{"<footer", "由 grassroots", "图表由 Apache ECharts"} {
		if strings.Contains(page, gone) {
			t.Errorf("page still has %q", gone)
		}
	}
}

// TestRenderHTMLNoOffice: without an office in the configuration, no
// office line; without problems, the section says none was found.
func TestRenderHTMLNoOffice(t *testing.T) {
	d := sampleReport()
	d.Office, d.Problems, d.NextSteps = Office{}, nil, nil
	page := renderHTML(t, d)
	for _, gone := range []string{`class="classification"`, `class="office"`, `id="next-steps"`} {
		if strings.Contains(page, gone) {
			t.Errorf("page has %s", gone)
		}
	}
	if !strings.Contains(page, "按现行规则未发现需要提示的问题。") {
		t.Error("no problem, but the page does not say so")
	}
}

func TestRenderXLSXNewSections(t *testing.T) {
	f, _ := xlsxRender(t, sampleReport())
	tests := []struct {
		sheet string
		rows  [][]string
	}{
		{"存在问题", [][]string{
			{"1", "古交市", "古交市覆盖率74.0%，低于全市81.0%。"},
			{"2", "娄烦县", "娄烦县数据源从未成功更新。"},
		}},
		{"本月新增与离岗", [][]string{
			{"全市", "140100", "全市", "1120", "43", "18", "25", "1145"},
			{"县（市、区）", "140105", "小店区", "425", "12", "7", "5", "430"},
		}},
		{"本月离岗原因", [][]string{
			{"辞职", "resigned", "9", "0.5"},
			{"调动", "transferred", "2", "0.111"},
			{"考录公务员", "civil_service", "5", "0.278"},
			{"其他", "other", "2", "0.111"},
		}},
		{"县区排名", [][]string{
			{"1", "140105", "小店区", "经济发达地区", "0.952380952380952", "0.94047619047619", "1.19047619047619", "5"},
		}},
		{"数据源时效", [][]string{
			// Date-time cells: 2022-07-31 is day 44773 of Excel's calendar,
			// 02:00 is 1/12 of a day; 2022-07-30 18:20 is 44772 + 55/72.
			{"140105", "小店区", "44773.0833333333", "44772.7638888888", "2022-07-29", "22.5", "否"},
		}},
		{"全覆盖进度", [][]string{
			{"全市", "140100", "全市", "1395", "265", "1461", "120", "60", "38", "210"},
			{"县（市、区）", "140105", "小店区", "420", "20", "45", "0", "10", "8", "70"},
			{"县（市、区）", "140181", "古交市", "520", "135", "1461", "70", "30", "18", "80"},
			{"县（市、区）", "140123", "娄烦县", "455", "110", "", "50", "20", "12", "60"},
		}},
		{"两轮选岗", [][]string{
			{"全市", "140100", "全市", "817", "200", "128", "1145"},
			{"县（市、区）", "140105", "小店区", "380", "50", "0", "430"},
		}},
		{"人才补贴", [][]string{
			{"全市", "140100", "全市", "1250000", "8600000", "1200", "7166.666666666667", "1", "1"},
			{"县（市、区）", "140105", "小店区", "500000", "3600000", "480", "7500", "0", "0.6"},
		}},
		{"下步工作", [][]string{
			{"1", "督促古交市、娄烦县在9月底前补齐空缺村（社区）。"},
			{"2", "组织第三轮全市选岗。"},
		}},
	}
	for _, tt := range tests {
		rows := xlsxRows(t, f, tt.sheet)
		for i, want := range tt.rows {
			if 2+i >= len(rows) {
				t.Fatalf("%s: %d rows", tt.sheet, len(rows))
			}
			got := rows[2+i]
			if len(got) != len(want) {
				t.Errorf("%s row %d = %q, want %q", tt.sheet, 3+i, got, want)
				continue
			}
			for c := range want {
				if got[c] == want[c] {
					continue
				}
				// Floats as written may differ in the last digit.
				var g, w float64
				if _, err := fmt.Sscan(got[c], &g); err == nil {
					if _, err := fmt.Sscan(want[c], &w); err == nil && g-w < 1e-9 && w-g < 1e-9 {
						continue
					}
				}
				t.Errorf("%s row %d = %q, want %q", tt.sheet, 3+i, got, want)
				break
			}
		}
	}
	// The office on the first sheet, in one sentence.
	rows := xlsxRows(t, f, "核心指标")
	want := "编印单位：中共太原市委组织部 编；密级：内部资料 注意保存；日期：2022-07-31。"
	if !slices.ContainsFunc(rows, func(r []string) bool { return len(r) == 1 && r[0] == want }) {
		t.Errorf("核心指标 lacks %q", want)
	}
	// The replenishment list: the vacancy's registration date.
	rows = xlsxRows(t, f, "待补充名单")
	if got := rows[2]; got[len(got)-1] != "2022-03-15" || got[len(got)-2] != "是" {
		t.Errorf("待补充名单 row 3 = %q", got)
	}
	// Without 下步工作, no sheet of it.
	d := sampleReport()
	d.NextSteps = nil
	f2, _ := xlsxRender(t, d)
	if slices.Contains(f2.GetSheetList(), "下步工作") {
		t.Error("a sheet 下步工作 without text")
	}
}

// TestTitlesSameInHTMLAndWorkbook: 存在问题 and 下步工作, shown as
// sentences in the HTML and as rows in the workbook, have the same title
// in both.
func TestTitlesSameInHTMLAndWorkbook(t *testing.T) {
	d := sampleReport()
	page := renderHTML(t, d)
	f, _ := xlsxRender(t, d)
	for _, s := range sections {
		if s.sheet == "" || s.html != nil {
			continue
		}
		rows := xlsxRows(t, f, s.sheet)
		if s != secHeadline && s != secSurvival && s != secQuality && !strings.Contains(page, s.title+"</h") {
			t.Errorf("no HTML heading %q", s.title)
		}
		if !strings.Contains(rows[0][0], s.title) {
			t.Errorf("sheet %s title %q lacks %q", s.sheet, rows[0][0], s.title)
		}
	}
}

// TestRenderHTMLQualityAppendixBounded: however many counties and reasons,
// the appendix has one row per county and its total, names at most three
// reasons per county, in Chinese; no reason code in English anywhere on
// the page outside the scripts.
func TestRenderHTMLQualityAppendixBounded(t *testing.T) {
	d := sampleReport()
	codes := []string{"bad_id_format", "bad_id_checksum", "unknown_village", "wrong_county", "end_before_start",
		"duplicate_in_file", "missing:degree", "bad_date:end_date", "unknown_value:channel", "gender_mismatch",
		"overlapping_postings", "a_code_never_seen"}
	d.Quality = nil
	for c := range 20 {
		for i, code := range codes {
			kind := "reject"
			if i >= 9 {
				kind = "finding"
			}
			d.Quality = append(d.Quality, QualityRow{County: fmt.Sprint(140100 + c), CountyName: fmt.Sprintf("第%d县", c+1),
				Kind: kind, Code: code, Severity: "warning", Count: int64(1 + (i*7+c)%13)})
		}
	}
	page := renderHTML(t, d)
	rows := tableRows(t, page, "table-quality-counties")
	if len(rows) != 1+20+1 {
		t.Errorf("%d rows, want a header, 20 counties and a total", len(rows))
	}
	for _, r := range rows[1 : len(rows)-1] {
		if n := strings.Count(r.Cells[3], "；"); n != 3 || !strings.HasSuffix(r.Cells[3], "另9种") {
			t.Errorf("%s: %q, want three reasons and the rest counted", r.Cells[0], r.Cells[3])
		}
	}
	// Visible text: the page without its scripts and its markup.
	visible := regexp.MustCompile(`(?s)<script.*?</script>`).ReplaceAllString(page, "")
	visible = tagRe.ReplaceAllString(visible, " ")
	for _, code := range append(codes, "missing", "bad_date", "unknown_value", "degree", "civil_service", "resigned") {
		if strings.Contains(visible, code) {
			t.Errorf("the page shows the code %q", code)
		}
	}
	if !strings.Contains(visible, "其他问题") {
		t.Error("an unknown code is not called 其他问题")
	}

	// A province's 30 counties: the 20 with the most rows (county c has
	// c+1 rows), the other 10 (1+2+…+10 = 55 rows, all rejects) in one
	// row, and the total of all (1+…+30 = 465).
	d.Quality = nil
	for c := range 30 {
		d.Quality = append(d.Quality, QualityRow{County: fmt.Sprint(140100 + c), CountyName: fmt.Sprintf("第%d县", c+1),
			Kind: "reject", Code: "bad_id_checksum", Count: int64(c + 1)})
	}
	rows = tableRows(t, renderHTML(t, d), "table-quality-counties")
	if len(rows) != 1+20+1+1 {
		t.Fatalf("%d rows, want a header, 20 counties, the others and a total", len(rows))
	}
	if got := rows[1].Cells[0]; got != "第11县" {
		t.Errorf("first county %q, want 第11县", got)
	}
	if got, want := rows[21].Cells, []string{"其余10个", "55", "0", "见工作簿“数据质量”表"}; !slices.Equal(got, want) {
		t.Errorf("others %q, want %q", got, want)
	}
	if got, want := rows[22].Cells, []string{"合计", "465", "0", ""}; !slices.Equal(got, want) {
		t.Errorf("total %q, want %q", got, want)
	}
}

func TestRoundedShares(t *testing.T) {
	show := func(counts ...int64) string {
		var out []string
		for _, p := range roundedShares(counts) {
			out = append(out, htmlPct(p))
		}
		return strings.Join(out, " ")
	}
	for _, tt := range []struct {
		counts []int64
		want   string
	}{
		{[]int64{1, 1, 1}, "33.4% 33.3% 33.3%"},
		{[]int64{9, 2, 5, 2}, "50.0% 11.1% 27.8% 11.1%"},
		// 166/507 = 32.7416…%, 170/507 = 33.5306…%, 171/507 = 33.7278…%:
		// the floors 327, 335 and 337 thousandths leave one, to the
		// largest remainder (0.416 of 166/507): 32.8%, not 32.7%.
		{[]int64{166, 170, 171}, "32.8% 33.5% 33.7%"},
		{[]int64{0, 3}, "0.0% 100.0%"},
		{[]int64{0, 0}, "— —"},
	} {
		if got := show(tt.counts...); got != tt.want {
			t.Errorf("%v: %s, want %s", tt.counts, got, tt.want)
		}
	}
}

// TestRenderHTMLPieSharesAreTheTable's: the pie's labels are the table's
// shares, rounded by the largest remainder (166, 170 and 171 of 507:
// 32.8%, 33.5%, 33.7%).
func TestRenderHTMLPieSharesAreTheTables(t *testing.T) {
	d := sampleReport()
	d.Exits = []ExitRow{
		{Code: "140100", Reason: "resigned", Exits: 166},
		{Code: "140100", Reason: "transferred", Exits: 170},
		{Code: "140100", Reason: "civil_service", Exits: 171},
	}
	page := renderHTML(t, d)
	var table []string
	for _, r := range tableRows(t, page, "table-exits")[1:] {
		table = append(table, r.Cells[2])
	}
	if want := []string{"32.8%", "33.5%", "33.7%", "100.0%"}; !slices.Equal(table, want) {
		t.Errorf("table shares %q, want %q", table, want)
	}
	var pie []string
	for _, m := range dataRe.FindAllStringSubmatch(page, -1) {
		if m[1] != "exits" {
			continue
		}
		var points []struct {
			Share string `json:"share"`
		}
		if err := json.Unmarshal([]byte(m[2]), &points); err != nil {
			t.Fatal(err)
		}
		for _, p := range points {
			pie = append(pie, p.Share)
		}
	}
	if !slices.Equal(pie, table[:3]) {
		t.Errorf("pie shares %q, table %q", pie, table[:3])
	}
	if !strings.Contains(page, "p.data.share") {
		t.Error("the pie's labels do not show the table's shares")
	}
}
