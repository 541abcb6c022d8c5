package reports

import (
	"bytes"
	"encoding/json"
	"html"
	"html/template"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func renderHTML(t *testing.T, d *ReportData) string {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderHTML(&buf, d); err != nil {
		t.Fatalf("RenderHTML: %v", err)
	}
	return buf.String()
}

// htmlRow is one table row: its class and the text of its cells (tags
// replaced by a space, white space collapsed, entities decoded).
type htmlRow struct {
	Class string
	Cells []string
}

var (
	rowRe   = regexp.MustCompile(`(?s)<tr( class="([^"]*)")?>(.*?)</tr>`)
	cellRe  = regexp.MustCompile(`(?s)<t[dh][^>]*>(.*?)</t[dh]>`)
	tagRe   = regexp.MustCompile(`<[^>]+>`)
	cardRe  = regexp.MustCompile(`(?s)<div class="card">\s*<div class="label">(.*?)</div>\s*<div class="value">(.*?)</div>\s*<dl>\s*<dt>较上月</dt><dd>(.*?)</dd>\s*<dt>较去年同期</dt><dd>(.*?)</dd>`)
	chartRe = regexp.MustCompile(`<div class="chart" id="chart-([a-z]+)" data-chart="([a-z]+)"[^>]* style="height: (\d+)px"></div>`)
	dataRe  = regexp.MustCompile(`(?s)<script type="application/json" id="chart-data-([a-z]+)">(.*?)</script>`)
)

func cellText(s string) string {
	return html.UnescapeString(strings.Join(strings.Fields(tagRe.ReplaceAllString(s, " ")), " "))
}

// tableRows returns the rows of the table with the given id.
func tableRows(t *testing.T, page, id string) []htmlRow {
	t.Helper()
	start := strings.Index(page, `<table id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %s", id)
	}
	end := strings.Index(page[start:], "</table>")
	var rows []htmlRow
	for _, m := range rowRe.FindAllStringSubmatch(page[start:start+end], -1) {
		r := htmlRow{Class: m[2]}
		for _, c := range cellRe.FindAllStringSubmatch(m[3], -1) {
			r.Cells = append(r.Cells, cellText(c[1]))
		}
		rows = append(rows, r)
	}
	return rows
}

// findRow is the first row of a table whose first cell is first.
func findRow(t *testing.T, rows []htmlRow, first string) htmlRow {
	t.Helper()
	for _, r := range rows {
		if len(r.Cells) > 0 && r.Cells[0] == first {
			return r
		}
	}
	t.Fatalf("no row %q", first)
	return htmlRow{}
}

func TestRenderHTMLHeadline(t *testing.T) {
	page := renderHTML(t, sampleReport())
	cards := map[string][3]string{}
	for _, m := range cardRe.FindAllStringSubmatch(page, -1) {
		cards[html.UnescapeString(m[1])] = [3]string{cellText(m[2]), cellText(m[3]), cellText(m[4])}
	}
	if len(cards) != 12 {
		t.Fatalf("found %d headline cards, want 12", len(cards))
	}
	// value, change since the previous month end, change since a year earlier
	for label, want := range map[string][3]string{
		"村（社区）总数":  {"1,395", "0", "+15"},
		"已覆盖村（社区）": {"1,130", "+32", "+118"},
		"覆盖率":      {"81.0%", "+2.3个百分点", "+7.7个百分点"}, // 1130/1395; 1098/1395 = 78.71%; 1012/1380 = 73.33%
		"在岗研究生":    {"1,145", "+25", "-65"},
		"待补充村（社区）": {"265", "-32", "-103"},
		"12个月留任率":  {"86.2%", "-0.6个百分点", "—"}, // no value a year earlier
		"偏远地区与经济发达地区覆盖率之比": {"0.79", "+0.02", "-0.01"}, // 0.7862 - 0.77 = 0.0162; 0.7862 - 0.80 = -0.0138
		"进入村（社区）“两委”班子":    {"72", "+2", "+21"},
		"任村（社区）党组织书记":      {"43", "0", "+13"},
		"进入乡镇领导班子":         {"6", "0", "+2"},
		"编制总数（当年）":         {"1,460", "0", "—"},
		"编制使用率":            {"78.4%", "+1.7个百分点", "—"}, // 1145/1460 = 78.42%; 1120/1460 = 76.71%
	} {
		if got := cards[label]; got != want {
			t.Errorf("card %s = %q, want %q", label, got, want)
		}
	}
	for _, want := range []string{
		"<title>太原市“一村（社区）一名研究生”工作月报 2022年7月</title>",
		"<h1>太原市“一村（社区）一名研究生”工作月报 2022年7月</h1>",
		"数据截至 2022年7月31日",
		"截至2022年7月31日，全市1,395个村（社区）中已有1,130个有研究生在岗，覆盖率81.0%；在岗研究生1,145人。",
		"上月 78.7%　去年同期 73.3%",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

func TestRenderHTMLTables(t *testing.T) {
	page := renderHTML(t, sampleReport())
	tests := []struct {
		table string
		want  []string // the row whose first cell is want[0]
	}{
		{"table-counties", []string{"古交市", "偏远地区", "520", "385", "135", "74.0%", "398"}},
		{"table-counties", []string{"小店区", "经济发达地区", "420", "400", "20", "95.2%", "430"}},
		{"table-townships", []string{"娄烦县", "455", "345", "110", "75.8%", "317"}},
		{"table-townships", []string{"原相乡", "230", "165", "65", "71.7%", "168"}},
		{"table-townships", []string{"新建乡", "0", "0", "0", "—", "0"}},
		{"table-regions", []string{"偏远地区", "975", "730", "74.9%", "715", "73.3", "84.0%"}},
		{"table-regions", []string{"经济发达地区", "420", "400", "95.2%", "430", "102.4", "90.0%"}},
		// Ratios with two decimals (730/400 is the float64 just below 1.825).
		{"table-regions", []string{"偏远地区与经济发达地区之比", "2.32", "1.82", "0.79", "1.66", "0.72", "0.93"}},
		{"table-retention", []string{"全市", "500", "431", "86.2%", "320", "240", "75.0%"}},
		{"table-retention", []string{"经济发达地区", "200", "180", "90.0%", "120", "100", "83.3%"}},
		{"table-retention", []string{"偏远地区", "300", "252", "84.0%", "200", "140", "70.0%"}},
		{"table-exits", []string{"辞职", "40", "40.0%"}},
		{"table-exits", []string{"考录公务员", "25", "25.0%"}},
		{"table-exits", []string{"未填写", "3", "3.0%"}},
		{"table-exits", []string{"合计", "100", "100.0%"}},
		{"table-exits-county", []string{"县（市、区）", "辞职", "调动", "考录公务员", "提拔", "其他", "未填写", "合计"}},
		{"table-exits-county", []string{"小店区", "10", "8", "12", "5", "1", "0", "36"}},
		{"table-exits-county", []string{"古交市", "18", "6", "8", "2", "3", "2", "39"}},
		{"table-promotions", []string{"全市", "1,320", "72", "43", "6", "5.5%", "3.3%", "14.5"}},
		{"table-promotions", []string{"娄烦县", "380", "18", "10", "1", "4.7%", "2.6%", "—"}},
		{"table-quota", []string{"全市", "1,180", "280", "1,460", "930", "215", "1,145", "315", "78.4%"}},
		{"table-quota", []string{"娄烦县", "480", "—", "480", "317", "0", "317", "163", "66.0%"}},
		// Grouped by county (古交市, 娄烦县, 小店区: the order the list,
		// longest first, names them), numbered through the list, the
		// vacancy's registration date or 未登记.
		{"table-uncovered", []string{"古交市", "小计 2个", "已登记1个"}},
		{"table-uncovered", []string{"1", "石家河村", "140181200203", "原相乡", "偏远地区", "1,461", "2022-03-15"}},
		{"table-uncovered", []string{"2", "下庄村", "140181100210", "河口镇", "偏远地区", "180", "未登记"}},
		{"table-uncovered", []string{"娄烦县", "小计 2个", "已登记1个"}},
		{"table-uncovered", []string{"3", "白家峪村", "140123200205", "庙湾乡", "偏远地区", "412", "2022-05-20"}},
		{"table-uncovered", []string{"4", "新城社区", "140123100020", "娄烦镇", "偏远地区", "—", "未登记"}},
		{"table-uncovered", []string{"小店区", "小计 1个", "已登记0个"}},
		{"table-uncovered", []string{"5", "贾家寨村", "140105100215", "北格镇", "经济发达地区", "45", "未登记"}},
		{"table-freshness", []string{"小店区", "2022-07-31 02:00", "2022-07-30 18:20", "2022-07-29", "22.5", "正常"}},
		{"table-freshness", []string{"娄烦县", "从未成功", "—", "—", "—", "已超时"}},
		{"table-freshness", []string{"古交市", "2022-07-25 02:00", "2022-07-20 09:15", "—", "166.0", "已超时"}},
		// The appendix: a county's rejects and findings and its three main
		// reasons in Chinese (the workbook lists them all).
		{"table-quality-counties", []string{"全市名录", "1", "0", "文件内重复 1条"}},
		{"table-quality-counties", []string{"娄烦县", "1", "5", "台账中消失 5条；非本县数据 1条"}},
		{"table-quality-counties", []string{"合计", "13", "9", ""}},
	}
	for _, tt := range tests {
		if got := findRow(t, tableRows(t, page, tt.table), tt.want[0]); !slices.Equal(got.Cells, tt.want) {
			t.Errorf("%s: row %q\n got %q\nwant %q", tt.table, tt.want[0], got.Cells, tt.want)
		}
	}

	// Townships under their county, counties in the county table's order.
	var firsts []string
	for _, r := range tableRows(t, page, "table-townships")[1:] {
		firsts = append(firsts, r.Cells[0])
	}
	if want := []string{"小店区", "坞城街道", "北格镇", "西温庄乡", "古交市", "东曲街道", "河口镇", "原相乡",
		"娄烦县", "娄烦镇", "庙湾乡", "新建乡"}; !slices.Equal(firsts, want) {
		t.Errorf("township table rows %q, want %q", firsts, want)
	}

	// Every county's reasons translated, most rows first, at most three
	// named and the rest counted; no reason code in English.
	var quality []string
	for _, r := range tableRows(t, page, "table-quality-counties")[1:] {
		quality = append(quality, strings.Join(r.Cells, " | "))
	}
	if want := []string{
		"全市名录 | 1 | 0 | 文件内重复 1条",
		"小店区 | 5 | 1 | 身份证号校验位错误 3条；日期无法识别（到岗/任职时间） 2条；性别与身份证号不符 1条",
		"娄烦县 | 1 | 5 | 台账中消失 5条；非本县数据 1条",
		"古交市 | 6 | 3 | 缺少必填项（学历） 4条；同一时间在两个村在岗 2条；找不到村（社区） 2条；另1种",
		"合计 | 13 | 9 | ",
	}; !slices.Equal(quality, want) {
		t.Errorf("quality\n got %q\nwant %q", quality, want)
	}

	// Stale counties are highlighted and named.
	for _, r := range tableRows(t, page, "table-freshness")[1:] {
		if stale := r.Class == "stale"; stale != (r.Cells[0] != "小店区") {
			t.Errorf("freshness row %s: class %q", r.Cells[0], r.Class)
		}
	}
	if want := "2个县（市、区）数据源已超过时效，请督促报送：娄烦县、古交市。"; !strings.Contains(page, want) {
		t.Errorf("page lacks %q", want)
	}
	if want := "截至2022年7月31日，共有5个村（社区）无研究生在岗，其中2个已登记空缺。"; !strings.Contains(page, want) {
		t.Errorf("page lacks %q", want)
	}
}

func TestRenderHTMLNoStaleCounty(t *testing.T) {
	d := sampleReport()
	for i := range d.Freshness {
		d.Freshness[i].Stale = false
	}
	page := renderHTML(t, d)
	if !strings.Contains(page, `<p class="notice ok">所有县（市、区）数据源均在时效内。</p>`) {
		t.Error("no stale county, but the page does not say all sources are in time")
	}
	if strings.Contains(page, `class="stale"`) || strings.Contains(page, "已超时") {
		t.Error("a county is marked stale")
	}
}

func TestRenderHTMLSectionsInOrder(t *testing.T) {
	page := renderHTML(t, sampleReport())
	at := -1
	for _, id := range []string{"headline", "flows", "ranking", "coverage", "counties", "townships", "progress",
		"regions", "retention", "exits", "promotions", "selection", "quota", "subsidies", "replenishment",
		"freshness", "problems", "next-steps", "quality"} {
		i := strings.Index(page, `id="`+id+`"`)
		if i < 0 {
			t.Fatalf("no element with id %s", id)
		}
		if i < at {
			t.Errorf("section %s is out of order", id)
		}
		at = i
		if id != "counties" && id != "townships" && !strings.Contains(page, `<a href="#`+id+`">`) {
			t.Errorf("the navigation has no link to %s", id)
		}
	}
}

func TestRenderHTMLChartData(t *testing.T) {
	d := sampleReport()
	page := renderHTML(t, d)

	// Each chart element has a fixed height and its data element.
	data := map[string]string{}
	for _, m := range dataRe.FindAllStringSubmatch(page, -1) {
		data[m[1]] = m[2]
	}
	var names []string
	for _, m := range chartRe.FindAllStringSubmatch(page, -1) {
		if m[1] != m[2] || m[3] == "" {
			t.Errorf("chart element %q", m[0])
		}
		if _, ok := data[m[2]]; !ok {
			t.Errorf("chart %s has no data", m[2])
		}
		names = append(names, m[2])
	}
	if want := []string{"coverage", "regions", "survival", "exits", "quota"}; !slices.Equal(names, want) || len(data) != len(want) {
		t.Fatalf("charts %q with data %d, want %q", names, len(data), want)
	}
	decode := func(name string, v any) {
		t.Helper()
		if err := json.Unmarshal([]byte(data[name]), v); err != nil {
			t.Fatalf("chart %s: data is not JSON: %v", name, err)
		}
	}

	type coverage struct {
		Code, Name, Region string
		RegionLabel        string   `json:"region_label"`
		CoverageRate       *float64 `json:"coverage_rate"`
	}
	var cov []coverage
	decode("coverage", &cov)
	var wantCov []coverage
	for _, c := range d.Counties {
		wantCov = append(wantCov, coverage{c.Code, c.Name, c.Region, regionLabels[c.Region], c.CoverageRate})
	}
	if !reflect.DeepEqual(cov, wantCov) {
		t.Errorf("coverage chart data %+v, want %+v", cov, wantCov)
	}
	if *cov[1].CoverageRate != 385.0/520 {
		t.Errorf("古交市 coverage rate in the chart data = %v, want 385/520", *cov[1].CoverageRate)
	}

	var regions []struct {
		Region       string
		CoverageRate float64 `json:"coverage_rate"`
		PerHundred   float64 `json:"per_100_villages"`
		Retention12m float64 `json:"retention_12m"`
	}
	decode("regions", &regions)
	if len(regions) != 2 || regions[0].Region != "remote" || regions[1].Region != "developed" ||
		regions[0].CoverageRate != *d.Regions[0].CoverageRate || regions[1].PerHundred != *d.Regions[1].PerHundred ||
		regions[1].Retention12m != 0.9 {
		t.Errorf("regions chart data %+v", regions)
	}

	var survival []struct {
		Stratum, Label string
		Points         [][3]float64
	}
	decode("survival", &survival)
	if len(survival) != len(d.Survival) {
		t.Fatalf("survival chart has %d series, want %d", len(survival), len(d.Survival))
	}
	labels := map[string]string{"all": "全市", "developed": "经济发达地区", "remote": "偏远地区"}
	for i, s := range d.Survival {
		got := survival[i]
		if got.Stratum != s.Stratum || got.Label != labels[s.Stratum] || len(got.Points) != len(s.Points) {
			t.Fatalf("survival series %d: %s %s with %d points, want %s with %d", i, got.Stratum, got.Label, len(got.Points), s.Stratum, len(s.Points))
		}
		for j, p := range s.Points {
			if want := [3]float64{float64(p.Day), p.Survival, float64(p.AtRisk)}; got.Points[j] != want {
				t.Errorf("survival %s point %d = %v, want %v", s.Stratum, j, got.Points[j], want)
			}
		}
	}
	// The last point of the developed stratum: 900 days, S = Π(1 - d/n).
	if got, want := survival[1].Points[9], [3]float64{900, d.Survival[1].Points[9].Survival, 62}; got != want {
		t.Errorf("developed survival at 900 days = %v, want %v", got, want)
	}

	var exits []struct {
		Reason, Label string
		Exits         int64
	}
	decode("exits", &exits)
	var gotExits []string
	for _, e := range exits {
		gotExits = append(gotExits, e.Reason+" "+e.Label+" "+strings.Repeat("|", int(e.Exits)))
	}
	var wantExits []string
	for _, e := range d.Exits {
		wantExits = append(wantExits, e.Reason+" "+exitLabels[e.Reason]+" "+strings.Repeat("|", int(e.Exits)))
	}
	if !slices.Equal(gotExits, wantExits) {
		t.Errorf("exits chart data %q, want %q", gotExits, wantExits)
	}

	type quota struct {
		Code, Name      string
		TownshipQuota   *int64 `json:"township_quota"`
		CountyPool      *int64 `json:"county_pool"`
		QuotaTotal      int64  `json:"quota_total"`
		PostsTownship   int64  `json:"posts_township"`
		PostsCountyPool int64  `json:"posts_county_pool"`
		PostsTotal      int64  `json:"posts_total"`
	}
	var q []quota
	decode("quota", &q)
	var wantQ []quota
	for _, r := range d.Quota[1:] { // the counties, not the city
		wantQ = append(wantQ, quota{r.Code, r.Name, r.TownshipQuota, r.CountyPool, r.QuotaTotal, r.PostsTownship, r.PostsCountyPool, r.PostsTotal})
	}
	if !reflect.DeepEqual(q, wantQ) {
		t.Errorf("quota chart data %+v, want %+v", q, wantQ)
	}
}

func TestRenderHTMLDeterministic(t *testing.T) {
	first := renderHTML(t, sampleReport())
	for range 5 {
		if again := renderHTML(t, sampleReport()); again != first {
			t.Fatal("two renders of the same data differ")
		}
	}
}

func TestRenderHTMLSelfContained(t *testing.T) {
	page := renderHTML(t, sampleReport())
	// Nothing that a browser would fetch: no external src/href/action, no
	// url(...) or @import in styles. (The ECharts source names the SVG
	// namespace http://www.w3.org/2000/svg, which is not fetched.)
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(?i)\b(src|href|action|poster|srcset|formaction|data|background)\s*=\s*["']?\s*(https?:)?//`),
		regexp.MustCompile(`(?i)url\(\s*["']?\s*(https?:)?//`),
		regexp.MustCompile(`(?i)@import`),
		regexp.MustCompile(`(?i)<script[^>]*\ssrc\s*=`),
	} {
		if m := re.FindString(page); m != "" {
			t.Errorf("page would fetch something: %q", m)
		}
	}
	for _, m := range regexp.MustCompile(`(?i)\bhref="([^"]*)"`).FindAllStringSubmatch(page, -1) {
		if !strings.HasPrefix(m[1], "#") && m[1] != "data:," {
			t.Errorf("link to %q", m[1])
		}
	}
	if !strings.Contains(page, "<script>"+htmlEChartsJS+"</script>") {
		t.Error("the ECharts library is not inlined as is")
	}
	if !strings.Contains(htmlEChartsJS, `t.version="5.6.0"`) {
		t.Error("the embedded ECharts is not version 5.6.0")
	}
	if !strings.Contains(page, `echarts.init(elements[i], null, {renderer: 'svg'})`) {
		t.Error("charts are not drawn with the SVG renderer")
	}
	if !strings.Contains(page, `<meta http-equiv="Content-Security-Policy" content="default-src 'none';`) {
		t.Error("no Content-Security-Policy forbidding requests")
	}
	for _, want := range []string{
		`font-family: "Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", sans-serif;`,
		"@page { size: A4; margin: 15mm; }",
		"nav.toc { display: none; }",
		"thead { display: table-header-group; }",
		"addEventListener('beforeprint'",
		"document.body.dataset.chartsReady = String(charts.length);",
		"option.animation = false;",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("page lacks %q", want)
		}
	}
}

// A name that tries to break out of the JSON and the markup stays a name.
func TestRenderHTMLEscapes(t *testing.T) {
	d := sampleReport()
	evil := `</script><script>alert("x")</script><!--&`
	d.Counties[0].Name = evil
	d.Townships[0].CountyName = evil
	d.Uncovered[0].VillageName = `<img src=x onerror=alert(1)>`
	page := renderHTML(t, d)
	if strings.Contains(page, `<script>alert`) || strings.Contains(page, `<img src=x`) {
		t.Fatal("a name was written into the page as markup")
	}
	if n := strings.Count(page, "<script"); n != 2+5 {
		t.Errorf("%d script elements, want 2 and 5 chart data elements", n)
	}
	var cov []struct{ Name string }
	if err := json.Unmarshal([]byte(dataRe.FindStringSubmatch(page)[2]), &cov); err != nil {
		t.Fatal(err)
	}
	if cov[0].Name != evil {
		t.Errorf("name in the chart data = %q, want %q", cov[0].Name, evil)
	}
	if got := findRow(t, tableRows(t, page, "table-counties"), evil); got.Cells[2] != "420" {
		t.Errorf("county row %q", got.Cells)
	}
}

func TestRenderHTMLEmpty(t *testing.T) {
	if err := RenderHTML(&bytes.Buffer{}, nil); err == nil {
		t.Error("nil data rendered without an error")
	}
	page := renderHTML(t, &ReportData{Period: "2022-07", AsOf: "2022-07-31", CityName: "太原市"})
	if strings.Contains(page, `class="chart"`) {
		t.Error("an empty report has a chart")
	}
	for _, want := range []string{"太原市“一村（社区）一名研究生”工作月报 2022年7月", "暂无数据。", "无拒收记录。",
		"截至2022年7月31日，所有村（社区）均有研究生在岗。", "截至报告期末无人离岗。"} {
		if !strings.Contains(page, want) {
			t.Errorf("empty report lacks %q", want)
		}
	}
}

func TestHTMLFormatting(t *testing.T) {
	f := sampleF64
	tests := []struct {
		name, got, want string
	}{
		{"group", htmlGroup("1234567"), "1,234,567"},
		{"group negative with decimals", htmlGroup("-1234567.89"), "-1,234,567.89"},
		{"group short", htmlGroup("999"), "999"},
		{"int", htmlInt(-1000), "-1,000"},
		{"count rounds", htmlCount(1144.6), "1,145"},
		{"pct", htmlPct(f(0.81)), "81.0%"},
		{"pct nil", htmlPct(nil), "—"},
		{"pct NaN", htmlPct(f(zero / zero)), "—"},
		{"pct over 100", htmlPct(f(12.345)), "1,234.5%"},
		{"ratio", htmlRatio(f(2.0 / 3)), "0.67"},
		{"dec1 nil", htmlDec1(nil), "—"},
		{"count up", htmlChange("count", f(2145), f(1145)), "+1,000"},
		{"count down", htmlChange("count", f(3), f(10)), "-7"},
		{"count same", htmlChange("count", f(3), f(3)), "0"},
		{"rate up", htmlChange("rate", f(0.81), f(0.787)), "+2.3个百分点"},
		{"rate down", htmlChange("rate", f(0.5), f(0.52)), "-2.0个百分点"},
		{"rate tiny fall rounds to zero", htmlChange("rate", f(0.5), f(0.5004)), "0.0个百分点"},
		{"ratio up", htmlChange("ratio", f(0.93), f(0.91)), "+0.02"},
		{"ratio tiny fall", htmlChange("ratio", f(1), f(1.004)), "0.00"},
		{"no base", htmlChange("rate", f(0.5), nil), "—"},
		{"no value", htmlChange("count", nil, f(3)), "—"},
		{"date", htmlDate("2022-07-31"), "2022年7月31日"},
		{"date not a date", htmlDate("soon"), "soon"},
		{"period", htmlPeriod("2022-12"), "2022年12月"},
		{"title", htmlTitle("太原市", "2022-07"), "太原市“一村（社区）一名研究生”工作月报 2022年7月"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

var zero float64

func TestHTMLLabels(t *testing.T) {
	tests := []struct{ code, want string }{
		{"bad_id_format", "身份证号格式错误"},
		{"bad_id_checksum", "身份证号校验位错误"},
		{"bad_date:end_date", "日期无法识别（离岗/离任时间）"},
		{"bad_date:paid_on", "日期无法识别（发放时间）"},
		{"missing:degree", "缺少必填项（学历）"},
		{"unknown_value:channel", "取值不在规定范围（招录方式）"},
		{"unknown_value:some_new_column", "取值不在规定范围（some_new_column）"},
		{"unknown_village", "找不到村（社区）"},
		{"wrong_county", "非本县数据"},
		{"end_before_start", "离岗早于到岗"},
		{"duplicate_in_file", "文件内重复"},
		{"gender_mismatch", "性别与身份证号不符"},
		{"birth_mismatch", "出生年月与身份证号不符"},
		{"overlapping_postings", "同一时间在两个村在岗"},
		{"vanished_from_ledger", "台账中消失"},
		{"over_age_at_entry", "专项引进入职时超龄"},
		{"degree_below_requirement", "学历低于要求"},
		{"subsidy_over_cap", "补贴超过上限"},
		{"unused_columns", "未使用的列"},
		{"unknown_record_type", "无法识别的工作表"},
		{"a_new_code", "a_new_code"},
		{"other:thing", "other:thing"},
	}
	for _, tt := range tests {
		if got := qualityLabel(tt.code); got != tt.want {
			t.Errorf("qualityLabel(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
	for code, want := range map[string]string{"resigned": "辞职", "transferred": "调动", "civil_service": "考录公务员",
		"promoted": "提拔", "other": "其他", "unspecified": "未填写"} {
		if got := exitLabel(code); got != want {
			t.Errorf("exitLabel(%q) = %q, want %q", code, got, want)
		}
	}
	for code, want := range map[string]string{"remote": "偏远地区", "developed": "经济发达地区", "remote_to_developed": "偏远地区与经济发达地区之比"} {
		if got := regionLabel(code); got != want {
			t.Errorf("regionLabel(%q) = %q, want %q", code, got, want)
		}
	}
}

// FuzzRenderHTMLNames renders names of any text: each stays text in the
// markup and comes back unchanged from the chart data.
func FuzzRenderHTMLNames(f *testing.F) {
	for _, s := range []string{"小店区", `</script><script>alert(1)</script>`, `<!--<script>`, "]]>\u2028\u2029", `"}];alert(1);//`, "&lt;"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if !utf8.ValidString(name) || name == "" {
			t.Skip()
		}
		d := sampleReport()
		d.Counties[0].Name = name
		d.Townships[0].CountyName = name
		d.Uncovered[0].VillageName = name
		var buf bytes.Buffer
		if err := RenderHTML(&buf, d); err != nil {
			t.Fatal(err)
		}
		// The library is inlined as is (TestRenderHTMLSelfContained); leave it out.
		page := strings.Replace(buf.String(), htmlEChartsJS, "", 1)
		if n := strings.Count(strings.ToLower(page), "<script"); n != 7 {
			t.Fatalf("%d script elements, want 7", n)
		}
		if n := strings.Count(strings.ToLower(page), "</script"); n != 7 {
			t.Fatalf("%d script end tags, want 7", n)
		}
		m := dataRe.FindStringSubmatch(page)
		var cov []struct{ Name string }
		if err := json.Unmarshal([]byte(m[2]), &cov); err != nil {
			t.Fatalf("chart data is not JSON: %v", err)
		}
		if cov[0].Name != name {
			t.Fatalf("name in the chart data = %q, want %q", cov[0].Name, name)
		}
		// The cell as a browser shows it: html/template writes NUL as U+FFFD.
		if got := findRow(t, tableRows(t, page, "table-counties"), cellText(template.HTMLEscapeString(name))); got.Cells[2] != "420" {
			t.Fatalf("county row %q", got.Cells)
		}
	})
}
