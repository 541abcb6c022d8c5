package reports

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"math"
	"path"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func xlsxF(v float64) *float64 { return &v }
func xlsxI(v int64) *int64     { return &v }

// xlsxSample is a small report by hand: three counties, four townships,
// headline figures with and without values, three survival strata.
func xlsxSample() *ReportData {
	s := sampleReport()
	return &ReportData{
		Period: "2022-07", AsOf: "2022-07-31", PrevAsOf: "2022-06-30", YearAgoAsOf: "2021-07-31",
		CityCode: "140100", CityName: "太原市", QuotaYear: 2022, Vintage: "2022-08-05 02:30:00.123456+00",
		Headline: []Figure{
			{Key: "coverage_rate", Label: "覆盖率", Kind: "rate", Value: xlsxF(0.7419), Prev: xlsxF(0.73), YearAgo: xlsxF(0.6)},
			{Key: "graduates_in_post", Label: "在岗研究生", Kind: "count", Value: xlsxF(360), Prev: xlsxF(352)},
			{Key: "remote_to_developed", Label: "偏远÷发达覆盖率", Kind: "ratio", Value: xlsxF(0.86), YearAgo: xlsxF(0.9)},
			{Key: "retention_24m", Label: "24个月留任率", Kind: "rate", Prev: xlsxF(0.5)},
		},
		Counties: []CoverageRow{
			{Code: "140105", Name: "小店区", Region: "developed", Villages: 120, Covered: 96, CoverageRate: xlsxF(0.8), GraduatesInPost: 130},
			{Code: "140181", Name: "古交市", Region: "remote", Villages: 200, Covered: 150, CoverageRate: xlsxF(0.75), GraduatesInPost: 155},
			{Code: "140122", Name: "阳曲县", Region: "remote", Villages: 142, Covered: 71, CoverageRate: xlsxF(0.5), GraduatesInPost: 75},
		},
		Townships: []CoverageRow{
			{Code: "140105001", Name: "坞城街道", Region: "developed", County: "140105", CountyName: "小店区", Villages: 20, Covered: 18, CoverageRate: xlsxF(0.9), GraduatesInPost: 25},
			{Code: "140181100", Name: "河口镇", Region: "remote", County: "140181", CountyName: "古交市", Villages: 30, Covered: 12, CoverageRate: xlsxF(0.4), GraduatesInPost: 12},
			{Code: "140122100", Name: "黄寨镇", Region: "remote", County: "140122", CountyName: "阳曲县", Villages: 25, Covered: 25, CoverageRate: xlsxF(1), GraduatesInPost: 31},
			{Code: "140122999", Name: "新设乡", Region: "remote", County: "140122", CountyName: "阳曲县"},
		},
		Regions: []RegionRow{
			{Region: "remote", Villages: xlsxF(342), Covered: xlsxF(221), GraduatesInPost: xlsxF(230), CoverageRate: xlsxF(0.6462), PerHundred: xlsxF(67.25), Retention12m: xlsxF(0.81)},
			{Region: "developed", Villages: xlsxF(120), Covered: xlsxF(96), GraduatesInPost: xlsxF(130), CoverageRate: xlsxF(0.8), PerHundred: xlsxF(108.33), Retention12m: xlsxF(0.9)},
			{Region: "remote_to_developed", Villages: xlsxF(2.85), Covered: xlsxF(2.3021), GraduatesInPost: xlsxF(1.7692), CoverageRate: xlsxF(0.8078), PerHundred: xlsxF(0.6208), Retention12m: xlsxF(0.9)},
		},
		Retention: []RetentionRow{
			{Level: "city", Code: "140100", Name: "太原市", Cohort12: 200, Retained12: 170, Rate12: xlsxF(0.85), Cohort24: 90, Retained24: 63, Rate24: xlsxF(0.7)},
			{Level: "region", Code: "remote", Name: "偏远地区", Cohort12: 120, Retained12: 97, Rate12: xlsxF(0.8083)},
			{Level: "region", Code: "developed", Cohort12: 80, Retained12: 73, Rate12: xlsxF(0.9125)}, // unnamed: the label stands in
		},
		Survival: []SurvivalSeries{
			{Stratum: "all", Points: []SurvivalPoint{
				{Day: 30, AtRisk: 300, Exits: 3, Censored: 0, Survival: 0.99, StdErr: xlsxF(0.0057)},
				{Day: 61, AtRisk: 297, Exits: 2, Censored: 5, Survival: 0.9833, StdErr: xlsxF(0.0074)},
				{Day: 92, AtRisk: 290, Exits: 4, Censored: 6, Survival: 0.9698, StdErr: xlsxF(0.0099)},
				{Day: 183, AtRisk: 280, Exits: 6, Censored: 10, Survival: 0.949, StdErr: xlsxF(0.0128)},
				{Day: 274, AtRisk: 264, Exits: 5, Censored: 12, Survival: 0.931, StdErr: xlsxF(0.0148)},
				{Day: 365, AtRisk: 247, Exits: 9, Censored: 20, Survival: 0.8971, StdErr: xlsxF(0.0179)},
				{Day: 456, AtRisk: 218, Exits: 4, Censored: 15, Survival: 0.8806, StdErr: xlsxF(0.0192)},
				{Day: 548, AtRisk: 199, Exits: 6, Censored: 30, Survival: 0.8541, StdErr: xlsxF(0.0211)},
				{Day: 730, AtRisk: 163, Exits: 8, Censored: 40, Survival: 0.8122, StdErr: xlsxF(0.0242)},
				{Day: 912, AtRisk: 115, Exits: 115, Censored: 0, Survival: 0},
			}},
			{Stratum: "developed", Points: []SurvivalPoint{
				{Day: 45, AtRisk: 120, Exits: 1, Survival: 0.9917, StdErr: xlsxF(0.0083)},
				{Day: 200, AtRisk: 110, Exits: 2, Censored: 8, Survival: 0.9736, StdErr: xlsxF(0.0149)},
				{Day: 400, AtRisk: 90, Exits: 3, Censored: 17, Survival: 0.9412, StdErr: xlsxF(0.0228)},
				{Day: 700, AtRisk: 60, Exits: 2, Censored: 28, Survival: 0.9098, StdErr: xlsxF(0.0296)},
			}},
			{Stratum: "remote", Points: []SurvivalPoint{
				{Day: 20, AtRisk: 180, Exits: 2, Survival: 0.9889, StdErr: xlsxF(0.0078)},
				{Day: 150, AtRisk: 170, Exits: 6, Censored: 8, Survival: 0.954, StdErr: xlsxF(0.0157)},
				{Day: 300, AtRisk: 150, Exits: 8, Censored: 12, Survival: 0.9031, StdErr: xlsxF(0.0224)},
				{Day: 600, AtRisk: 110, Exits: 10, Censored: 30, Survival: 0.821, StdErr: xlsxF(0.0308)},
			}},
		},
		Exits: []ExitRow{
			{Code: "140100", Name: "太原市", Reason: "resigned", Exits: 30},
			{Code: "140100", Name: "太原市", Reason: "civil_service", Exits: 10},
		},
		ExitsCounty: []ExitRow{
			{Code: "140105", Name: "小店区", Reason: "resigned", Exits: 12},
			{Code: "140181", Name: "古交市", Reason: "resigned", Exits: 18},
			{Code: "140181", Name: "古交市", Reason: "unspecified", Exits: 6},
		},
		Promotions: []PromotionRow{
			{Level: "city", Code: "140100", Name: "太原市", Graduates: 400, Committee: 120, Secretaries: 30, TownshipLeaders: 8, CommitteeRate: xlsxF(0.3), SecretaryRate: xlsxF(0.075), MedianMonthsToCommittee: xlsxF(14.5)},
			{Level: "county", Code: "140122", Name: "阳曲县", Graduates: 80, Committee: 0, Secretaries: 0, TownshipLeaders: 0, CommitteeRate: xlsxF(0), SecretaryRate: xlsxF(0)},
		},
		Quota: []QuotaRow{
			{Level: "city", Code: "140100", Name: "太原市", TownshipQuota: xlsxI(380), CountyPool: xlsxI(60), QuotaTotal: 440, PostsTownship: 310, PostsCountyPool: 50, PostsTotal: 360, Unfilled: 80},
			{Level: "county", Code: "140122", Name: "阳曲县", QuotaTotal: 0, PostsTownship: 75, PostsTotal: 75},
		},
		Uncovered: []UncoveredRow{
			{VillageCode: "140122100201", VillageName: "东庄村", TownshipName: "黄寨镇", CountyName: "阳曲县", Region: "remote", UncoveredDays: xlsxI(731), VacancyReported: true},
			{VillageCode: "140181100202", VillageName: "西沟村", TownshipName: "河口镇", CountyName: "古交市", Region: "remote", UncoveredDays: xlsxI(400)},
			{VillageCode: "140105001003", VillageName: "坞城社区", TownshipName: "坞城街道", CountyName: "小店区", Region: "developed", UncoveredDays: xlsxI(35), VacancyReported: true},
			{VillageCode: "140181100207", VillageName: "南岭村", TownshipName: "河口镇", CountyName: "古交市", Region: "remote", UncoveredDays: xlsxI(12)},
			{VillageCode: "140122999001", VillageName: "新村", TownshipName: "新设乡", CountyName: "阳曲县", Region: "remote"},
		},
		Freshness: []FreshnessRow{
			{County: "140105", Name: "小店区", LastSuccess: "2022-07-31 09:30", LastNewFile: "2022-07-28 18:00", HoursSinceSuccess: xlsxF(14.5)},
			{County: "140181", Name: "古交市", LastSuccess: "2022-07-28 00:00", LastNewFile: "2022-07-28 00:00", HoursSinceSuccess: xlsxF(96), Stale: true},
			{County: "140122", Name: "阳曲县", Stale: true},
		},
		Quality: []QualityRow{
			{County: "140105", CountyName: "小店区", Kind: "reject", Code: "bad_id_checksum", Count: 3},
			{County: "140105", CountyName: "小店区", Kind: "reject", Code: "bad_date:到岗日期", Count: 2},
			{County: "140181", CountyName: "古交市", Kind: "finding", Code: "overlapping_postings", Severity: "warning", Count: 1},
			{County: "140181", CountyName: "古交市", Kind: "finding", Code: "new_code_from_later", Severity: "info", Count: 4},
			{Kind: "reject", Code: "missing:村（社区）代码", Count: 1},
		},
		// The sections of issue 16 are sampleReport's.
		Flows:      s.Flows,
		MonthExits: s.MonthExits,
		Ranking:    s.Ranking,
		Progress:   s.Progress,
		Selection:  s.Selection,
		Subsidies:  s.Subsidies,
		Problems:   s.Problems,
	}
}

// xlsxRender renders d and opens the result.
func xlsxRender(t *testing.T, d *ReportData) (*excelize.File, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := RenderXLSX(&buf, d); err != nil {
		t.Fatalf("RenderXLSX: %v", err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()), excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("OpenReader: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f, buf.Bytes()
}

// xlsxRows returns the raw cell values of sheet, row by row.
func xlsxRows(t *testing.T, f *excelize.File, sheet string) [][]string {
	t.Helper()
	rows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("GetRows(%s): %v", sheet, err)
	}
	return rows
}

// xlsxNumFmt returns the custom number format of a cell ("" for none).
func xlsxNumFmt(t *testing.T, f *excelize.File, sheet, ref string) string {
	t.Helper()
	id, err := f.GetCellStyle(sheet, ref)
	if err != nil {
		t.Fatalf("GetCellStyle(%s!%s): %v", sheet, ref, err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatalf("GetStyle(%d): %v", id, err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// xlsxCheckNumber checks that the raw cell value got is want (nil: empty).
func xlsxCheckNumber(t *testing.T, where, got string, want *float64) {
	t.Helper()
	if want == nil {
		if got != "" {
			t.Errorf("%s = %q, want empty", where, got)
		}
		return
	}
	v, err := strconv.ParseFloat(got, 64)
	if err != nil {
		t.Errorf("%s = %q, want the number %v", where, got, *want)
		return
	}
	if math.Abs(v-*want) > 1e-9 {
		t.Errorf("%s = %v, want %v", where, v, *want)
	}
}

var xlsxWantSheets = []string{
	"核心指标", "存在问题", "本月新增与离岗", "本月离岗原因", "县区排名", "县区覆盖", "乡镇覆盖", "全覆盖进度",
	"区域对比", "留任", "生存曲线", "离岗原因", "两委与领导班子", "两轮选岗", "编制使用", "人才补贴",
	"待补充名单", "数据源时效", "数据质量",
}

func TestRenderXLSXSheetsTitlesHeaders(t *testing.T) {
	f, _ := xlsxRender(t, xlsxSample())
	if got := f.GetSheetList(); !slices.Equal(got, xlsxWantSheets) {
		t.Fatalf("sheets = %q, want %q", got, xlsxWantSheets)
	}
	tests := []struct {
		sheet, title string
		header       []string
	}{
		{"核心指标", "太原市 2022年7月 核心指标（截至2022-07-31）",
			[]string{"指标", "本月", "上月", "较上月", "去年同期", "较去年同期"}},
		{"县区覆盖", "太原市 2022年7月 各县（市、区）覆盖情况（截至2022-07-31）",
			[]string{"县（市、区）代码", "县（市、区）", "区域", "村（社区）数", "已覆盖", "覆盖率", "在岗研究生"}},
		{"乡镇覆盖", "太原市 2022年7月 各乡镇（街道）覆盖情况（截至2022-07-31）",
			[]string{"县（市、区）代码", "县（市、区）", "乡镇（街道）代码", "乡镇（街道）", "区域", "村（社区）数", "已覆盖", "覆盖率", "在岗研究生"}},
		{"区域对比", "太原市 2022年7月 偏远地区与经济发达地区对比（截至2022-07-31）",
			[]string{"区域", "区域代码", "村（社区）数", "已覆盖", "覆盖率", "在岗研究生", "每百村（社区）在岗研究生", "12个月留任率"}},
		{"留任", "太原市 2022年7月 留任情况（截至2022-07-31）",
			[]string{"层级", "代码", "名称", "到岗满12个月：人数", "到岗满12个月：仍在岗", "到岗满12个月：留任率", "到岗满24个月：人数", "到岗满24个月：仍在岗", "到岗满24个月：留任率"}},
		{"生存曲线", "太原市 2022年7月 在岗生存曲线（Kaplan–Meier）（截至2022-07-31）",
			[]string{"分层", "在岗天数", "在岗月数", "观察人数", "离岗", "删失", "生存率", "标准误"}},
		{"离岗原因", "太原市 2022年7月 累计离岗原因（截至2022-07-31）",
			[]string{"层级", "代码", "名称", "离岗原因", "原因代码", "人数", "占比"}},
		{"两委与领导班子", "太原市 2022年7月 进入“两委”班子和领导班子情况（截至2022-07-31）",
			[]string{"层级", "代码", "名称", "累计到岗研究生", "进入村（社区）“两委”班子", "任村（社区）党组织书记", "进入乡镇领导班子", "进入“两委”班子比例", "任党组织书记比例", "进入“两委”班子用时中位数（月）"}},
		{"编制使用", "太原市 2022年7月 2022年度编制使用情况（截至2022-07-31）",
			[]string{"层级", "代码", "名称", "编制数：乡镇（街道）事业编制", "编制数：县级周转池", "编制数：合计", "在岗人数：乡镇（街道）事业编制", "在岗人数：县级周转池", "在岗人数：合计", "未使用", "使用率"}},
		{"待补充名单", "太原市 2022年7月 待补充村（社区）名单（截至2022-07-31）",
			[]string{"区划代码", "村（社区）", "乡镇（街道）", "县（市、区）", "区域", "空缺天数", "空缺已登记", "空缺登记日期"}},
		{"数据源时效", "太原市 2022年7月 数据源时效（截至2022-07-31）",
			[]string{"县（市、区）代码", "县（市、区）", "最近一次成功更新", "最近一次收到新文件", "记录中最近的日期", "距最近成功更新（小时）", "需跟进"}},
		{"数据质量", "太原市 2022年7月 数据质量（历次运行累计）（截至2022-07-31）",
			[]string{"县（市、区）代码", "县（市、区）", "类别", "原因或问题", "代码", "严重程度", "条数"}},
		{"存在问题", "太原市 2022年7月 存在问题（截至2022-07-31）", []string{"序号", "县（市、区）", "存在的问题"}},
		{"本月新增与离岗", "太原市 2022年7月 本月新增与离岗（截至2022-07-31）",
			[]string{"层级", "代码", "县（市、区）", "月初在岗", "本月新增到岗", "本月离岗", "本月净增", "月末在岗"}},
		{"本月离岗原因", "太原市 2022年7月 本月离岗原因（截至2022-07-31）", []string{"离岗原因", "原因代码", "人数", "占比"}},
		{"县区排名", "太原市 2022年7月 各县（市、区）排名（截至2022-07-31）",
			[]string{"排名", "县（市、区）代码", "县（市、区）", "区域", "覆盖率", "上月覆盖率", "较上月（百分点）", "本月净增"}},
		{"全覆盖进度", "太原市 2022年7月 全覆盖进度（截至2022-07-31）",
			[]string{"层级", "代码", "县（市、区）", "村（社区）数", "未覆盖", "最长空缺天数", "空缺超过90天", "本年登记空缺（计划补充）", "本年已补齐", "本年到岗且在岗"}},
		{"两轮选岗", "太原市 2022年7月 两轮选岗（截至2022-07-31）",
			[]string{"层级", "代码", "县（市、区）", "直接选岗", "县内第一轮", "全市第二轮", "合计"}},
		{"人才补贴", "太原市 2022年7月 人才补贴（截至2022-07-31）",
			[]string{"层级", "代码", "县（市、区）", "本年发放（元）", "累计发放（元）", "领取人数", "人均累计（元）", "达到或超过上限人数", "个人最高占上限比例"}},
	}
	if len(tests) != len(xlsxWantSheets) {
		t.Fatalf("%d cases for %d sheets", len(tests), len(xlsxWantSheets))
	}
	for _, tt := range tests {
		t.Run(tt.sheet, func(t *testing.T) {
			rows := xlsxRows(t, f, tt.sheet)
			if len(rows) < 3 {
				t.Fatalf("%d rows", len(rows))
			}
			if want := []string{tt.title}; !slices.Equal(rows[0], want) {
				t.Errorf("row 1 = %q, want %q", rows[0], want)
			}
			if !slices.Equal(rows[1], tt.header) {
				t.Errorf("row 2 = %q, want %q", rows[1], tt.header)
			}
			id, err := f.GetCellStyle(tt.sheet, "A2")
			if err != nil {
				t.Fatal(err)
			}
			st, err := f.GetStyle(id)
			if err != nil {
				t.Fatal(err)
			}
			if st.Font == nil || !st.Font.Bold || st.Fill.Pattern != 1 || len(st.Fill.Color) != 1 || len(st.Border) != 4 {
				t.Errorf("header style = font %+v fill %+v borders %d, want bold, filled, 4 borders", st.Font, st.Fill, len(st.Border))
			}
			panes, err := f.GetPanes(tt.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 2 || panes.XSplit != 0 || panes.TopLeftCell != "A3" {
				t.Errorf("panes = %+v, want frozen below row 2", panes)
			}
			w, err := f.GetColWidth(tt.sheet, "B")
			if err != nil {
				t.Fatal(err)
			}
			if w < 8 || w > 60 {
				t.Errorf("width of column B = %v, want 8..60", w)
			}
		})
	}
}

func TestRenderXLSXHeadline(t *testing.T) {
	f, _ := xlsxRender(t, xlsxSample())
	rows := xlsxRows(t, f, "核心指标")
	tests := []struct {
		label                           string
		value, prev, dPrev, yago, dYago *float64
		valueFmt, changeFmt             string
	}{
		{"覆盖率", xlsxF(0.7419), xlsxF(0.73), xlsxF(0.0119), xlsxF(0.6), xlsxF(0.1419), "0.0%", "+0.0%;-0.0%;0.0%"},
		{"在岗研究生", xlsxF(360), xlsxF(352), xlsxF(8), nil, nil, "#,##0", "+#,##0;-#,##0;0"},
		{"偏远÷发达覆盖率", xlsxF(0.86), nil, nil, xlsxF(0.9), xlsxF(-0.04), "0.00", "+0.00;-0.00;0.00"},
		{"24个月留任率", nil, xlsxF(0.5), nil, nil, nil, "0.0%", "+0.0%;-0.0%;0.0%"},
	}
	for i, tt := range tests {
		r := i + 3
		row := rows[i+2]
		for len(row) < 6 {
			row = append(row, "")
		}
		if row[0] != tt.label {
			t.Errorf("A%d = %q, want %q", r, row[0], tt.label)
		}
		for c, want := range []*float64{tt.value, tt.prev, tt.dPrev, tt.yago, tt.dYago} {
			ref := xlsxCellName(c+2, r)
			xlsxCheckNumber(t, ref, row[c+1], want)
			wantFmt := tt.valueFmt
			if c == 2 || c == 4 {
				wantFmt = tt.changeFmt
			}
			if got := xlsxNumFmt(t, f, "核心指标", ref); got != wantFmt {
				t.Errorf("%s format = %q, want %q", ref, got, wantFmt)
			}
		}
	}
	notes := rows[len(rows)-2:]
	if want := "本月为2022-07-31，上月为2022-06-30，去年同期为2021-07-31。"; notes[0][0] != want {
		t.Errorf("note = %q, want %q", notes[0][0], want)
	}
	// A rate shows as a percentage: the cell holds 0.7419, Excel shows 74.2%.
	shown, err := f.GetCellValue("核心指标", "B3", excelize.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if shown != "74.2%" {
		t.Errorf("B3 shown as %q, want 74.2%%", shown)
	}
}

func TestRenderXLSXCounties(t *testing.T) {
	f, _ := xlsxRender(t, xlsxSample())
	rows := xlsxRows(t, f, "县区覆盖")
	want := [][]string{
		{"140105", "小店区", "经济发达地区", "120", "96", "0.8", "130"},
		{"140181", "古交市", "偏远地区", "200", "150", "0.75", "155"},
		{"140122", "阳曲县", "偏远地区", "142", "71", "0.5", "75"},
	}
	if len(rows) != 2+len(want) {
		t.Fatalf("%d rows, want %d", len(rows), 2+len(want))
	}
	formats := []string{"", "", "", "#,##0", "#,##0", "0.0%", "#,##0"}
	shownRates := []string{"80.0%", "75.0%", "50.0%"}
	for i, w := range want {
		r := i + 3
		if !slices.Equal(rows[r-1], w) {
			t.Errorf("row %d = %q, want %q", r, rows[r-1], w)
		}
		for c, nf := range formats {
			ref := xlsxCellName(c+1, r)
			if got := xlsxNumFmt(t, f, "县区覆盖", ref); got != nf {
				t.Errorf("%s format = %q, want %q", ref, got, nf)
			}
		}
		ref := xlsxCellName(6, r)
		typ, err := f.GetCellType("县区覆盖", ref)
		if err != nil {
			t.Fatal(err)
		}
		if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s is a string cell, want a number", ref)
		}
		shown, err := f.GetCellValue("县区覆盖", ref, excelize.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if shown != shownRates[i] {
			t.Errorf("%s shown as %q, want %q", ref, shown, shownRates[i])
		}
	}
}

func TestRenderXLSXSections(t *testing.T) {
	f, _ := xlsxRender(t, xlsxSample())
	tests := []struct {
		sheet string
		data  [][]string // rows from 3
		notes int        // note lines after one blank row
	}{
		{"乡镇覆盖", [][]string{
			{"140105", "小店区", "140105001", "坞城街道", "经济发达地区", "20", "18", "0.9", "25"},
			{"140181", "古交市", "140181100", "河口镇", "偏远地区", "30", "12", "0.4", "12"},
			{"140122", "阳曲县", "140122100", "黄寨镇", "偏远地区", "25", "25", "1", "31"},
			{"140122", "阳曲县", "140122999", "新设乡", "偏远地区", "0", "0", "", "0"},
		}, 0},
		{"区域对比", [][]string{
			{"偏远地区", "remote", "342", "221", "0.6462", "230", "67.25", "0.81"},
			{"经济发达地区", "developed", "120", "96", "0.8", "130", "108.33", "0.9"},
			{"偏远地区与经济发达地区之比", "remote_to_developed", "2.85", "2.3021", "0.8078", "1.7692", "0.6208", "0.9"},
		}, 1},
		{"留任", [][]string{
			{"全市", "140100", "太原市", "200", "170", "0.85", "90", "63", "0.7"},
			{"区域", "remote", "偏远地区", "120", "97", "0.8083", "0", "0"},
			{"区域", "developed", "经济发达地区", "80", "73", "0.9125", "0", "0"},
		}, 1},
		{"离岗原因", [][]string{
			{"全市", "140100", "太原市", "辞职", "resigned", "30", "0.75"},
			{"全市", "140100", "太原市", "考录公务员", "civil_service", "10", "0.25"},
			{"县（市、区）", "140105", "小店区", "辞职", "resigned", "12", "1"},
			{"县（市、区）", "140181", "古交市", "辞职", "resigned", "18", "0.75"},
			{"县（市、区）", "140181", "古交市", "未填写", "unspecified", "6", "0.25"},
		}, 1},
		{"两委与领导班子", [][]string{
			{"全市", "140100", "太原市", "400", "120", "30", "8", "0.3", "0.075", "14.5"},
			{"县（市、区）", "140122", "阳曲县", "80", "0", "0", "0", "0", "0"},
		}, 0},
		{"编制使用", [][]string{
			// 使用率 360 / 440; none without a quota.
			{"全市", "140100", "太原市", "380", "60", "440", "310", "50", "360", "80", "0.818181818181818"},
			{"县（市、区）", "140122", "阳曲县", "", "", "0", "75", "0", "75", "0"},
		}, 1},
		{"待补充名单", [][]string{
			{"140122100201", "东庄村", "黄寨镇", "阳曲县", "偏远地区", "731", "是"},
			{"140181100202", "西沟村", "河口镇", "古交市", "偏远地区", "400", "否"},
			{"140105001003", "坞城社区", "坞城街道", "小店区", "经济发达地区", "35", "是"},
			{"140181100207", "南岭村", "河口镇", "古交市", "偏远地区", "12", "否"},
			{"140122999001", "新村", "新设乡", "阳曲县", "偏远地区", "", "否"},
		}, 0},
		{"数据源时效", [][]string{
			// 2022-07-31 is serial 44773; 09:30 is 0.3958333 of a day.
			{"140105", "小店区", "44773.3958333333", "44770.75", "", "14.5", "否"},
			{"140181", "古交市", "44770", "44770", "", "96", "是"},
			{"140122", "阳曲县", "从未", "从未", "", "", "是"},
		}, 0},
		{"数据质量", [][]string{
			{"140105", "小店区", "拒收记录", "身份证号校验位错误", "bad_id_checksum", "", "3"},
			{"140105", "小店区", "拒收记录", "日期无法识别（到岗日期）", "bad_date:到岗日期", "", "2"},
			{"140181", "古交市", "数据问题", "同一时间在两个村在岗", "overlapping_postings", "警告", "1"},
			{"140181", "古交市", "数据问题", "new_code_from_later", "new_code_from_later", "提示", "4"},
			{"", "全市名录", "拒收记录", "缺少必填项（村（社区）代码）", "missing:村（社区）代码", "", "1"},
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.sheet, func(t *testing.T) {
			rows := xlsxRows(t, f, tt.sheet)
			wantLen := 2 + len(tt.data)
			if tt.notes > 0 {
				wantLen += 1 + tt.notes
			}
			if len(rows) != wantLen {
				t.Fatalf("%d rows, want %d", len(rows), wantLen)
			}
			for i, w := range tt.data {
				for len(w) < len(rows[1]) && len(rows[i+2]) > len(w) {
					w = append(w, "")
				}
				if !slices.Equal(rows[i+2], w) {
					t.Errorf("row %d = %q, want %q", i+3, rows[i+2], w)
				}
			}
			for i := 2 + len(tt.data) + 1; i < len(rows); i++ {
				if len(rows[i]) != 1 || rows[i][0] == "" {
					t.Errorf("row %d = %q, want one note", i+1, rows[i])
				}
			}
		})
	}
}

func TestRenderXLSXFormats(t *testing.T) {
	f, _ := xlsxRender(t, xlsxSample())
	tests := []struct {
		sheet, ref, numFmt, shown string
	}{
		{"区域对比", "C3", "#,##0", "342"},
		{"区域对比", "E3", "0.0%", "64.6%"},
		{"区域对比", "G3", "0.0", "67.3"},
		{"区域对比", "C5", "0.00", "2.85"}, // remote ÷ developed is a ratio
		{"区域对比", "E5", "0.00", "0.81"},
		{"生存曲线", "B8", "#,##0", "365"},
		{"生存曲线", "C8", "0.0", "12.0"},
		{"生存曲线", "G8", "0.0%", "89.7%"},
		{"生存曲线", "H8", "0.000", "0.018"},
		{"两委与领导班子", "J3", "0.0", "14.5"},
		{"数据源时效", "C3", "yyyy-mm-dd hh:mm", "2022-07-31 09:30"},
		{"数据源时效", "D3", "yyyy-mm-dd hh:mm", "2022-07-28 18:00"},
		{"待补充名单", "F3", "#,##0", "731"},
		{"离岗原因", "G3", "0.0%", "75.0%"},
	}
	for _, tt := range tests {
		if got := xlsxNumFmt(t, f, tt.sheet, tt.ref); got != tt.numFmt {
			t.Errorf("%s!%s format = %q, want %q", tt.sheet, tt.ref, got, tt.numFmt)
		}
		shown, err := f.GetCellValue(tt.sheet, tt.ref, excelize.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if shown != tt.shown {
			t.Errorf("%s!%s shown as %q, want %q", tt.sheet, tt.ref, shown, tt.shown)
		}
	}
}

func TestRenderXLSXSurvival(t *testing.T) {
	d := xlsxSample()
	f, _ := xlsxRender(t, d)
	rows := xlsxRows(t, f, "生存曲线")
	// stratum label, day, day / 30.4375, at risk, exits, censored, survival, std err
	want := [][]string{
		{"全市", "30", "0.9856262833675564", "300", "3", "0", "0.99", "0.0057"},
		{"全市", "61", "2.004106776180698", "297", "2", "5", "0.9833", "0.0074"},
		{"全市", "92", "3.02258726899384", "290", "4", "6", "0.9698", "0.0099"},
		{"全市", "183", "6.012320328542095", "280", "6", "10", "0.949", "0.0128"},
		{"全市", "274", "9.00205338809035", "264", "5", "12", "0.931", "0.0148"},
		{"全市", "365", "11.991786447638603", "247", "9", "20", "0.8971", "0.0179"},
		{"全市", "456", "14.981519507186858", "218", "4", "15", "0.8806", "0.0192"},
		{"全市", "548", "18.0041067761807", "199", "6", "30", "0.8541", "0.0211"},
		{"全市", "730", "23.983572895277206", "163", "8", "40", "0.8122", "0.0242"},
		{"全市", "912", "29.963039014373717", "115", "115", "0", "0"},
		{"经济发达地区", "45", "1.4784394250513346", "120", "1", "0", "0.9917", "0.0083"},
		{"经济发达地区", "200", "6.570841889117043", "110", "2", "8", "0.9736", "0.0149"},
		{"经济发达地区", "400", "13.141683778234086", "90", "3", "17", "0.9412", "0.0228"},
		{"经济发达地区", "700", "22.99794661190965", "60", "2", "28", "0.9098", "0.0296"},
		{"偏远地区", "20", "0.6570841889117043", "180", "2", "0", "0.9889", "0.0078"},
		{"偏远地区", "150", "4.9281314168377826", "170", "6", "8", "0.954", "0.0157"},
		{"偏远地区", "300", "9.856262833675565", "150", "8", "12", "0.9031", "0.0224"},
		{"偏远地区", "600", "19.71252566735113", "110", "10", "30", "0.821", "0.0308"},
	}
	if len(rows) < 2+len(want) {
		t.Fatalf("%d rows, want at least %d", len(rows), 2+len(want))
	}
	for i, w := range want {
		got := rows[i+2]
		if len(got) != len(w) {
			t.Errorf("row %d = %q, want %q", i+3, got, w)
			continue
		}
		for c := range w {
			if c == 2 { // months: compare as numbers
				g, _ := strconv.ParseFloat(got[c], 64)
				x, _ := strconv.ParseFloat(w[c], 64)
				if math.Abs(g-x) > 1e-12 {
					t.Errorf("row %d months = %s, want %s", i+3, got[c], w[c])
				}
				continue
			}
			if got[c] != w[c] {
				t.Errorf("row %d col %d = %q, want %q", i+3, c+1, got[c], w[c])
			}
		}
	}
}

// xlsxZipFiles reads every part of an .xlsx into memory.
func xlsxZipFiles(t *testing.T, b []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, zf := range zr.File {
		rc, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[zf.Name] = string(data)
	}
	return files
}

// xlsxRels maps the ids of a relationships part to their targets,
// resolved against dir.
func xlsxRels(t *testing.T, files map[string]string, part, dir string) map[string]string {
	t.Helper()
	var rels struct {
		Rel []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal([]byte(files[part]), &rels); err != nil {
		t.Fatalf("%s: %v", part, err)
	}
	m := map[string]string{}
	for _, r := range rels.Rel {
		if strings.HasPrefix(r.Target, "/") {
			m[r.ID] = strings.TrimPrefix(r.Target, "/")
		} else {
			m[r.ID] = path.Clean(path.Join(dir, r.Target))
		}
	}
	return m
}

// xlsxChartsBySheet follows workbook → sheet → drawing → chart and returns
// the chart parts of each sheet.
func xlsxChartsBySheet(t *testing.T, files map[string]string) map[string][]string {
	t.Helper()
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	if err := xml.Unmarshal([]byte(files["xl/workbook.xml"]), &wb); err != nil {
		t.Fatal(err)
	}
	wbRels := xlsxRels(t, files, "xl/_rels/workbook.xml.rels", "xl")
	out := map[string][]string{}
	for _, s := range wb.Sheets {
		sheetPart := wbRels[s.RID]
		relPart := path.Join(path.Dir(sheetPart), "_rels", path.Base(sheetPart)+".rels")
		if _, ok := files[relPart]; !ok {
			continue
		}
		for _, target := range xlsxRels(t, files, relPart, path.Dir(sheetPart)) {
			if !strings.Contains(target, "drawings/drawing") {
				continue
			}
			drawRels := path.Join(path.Dir(target), "_rels", path.Base(target)+".rels")
			if _, ok := files[drawRels]; !ok {
				continue
			}
			for _, chart := range xlsxRels(t, files, drawRels, path.Dir(target)) {
				if strings.Contains(chart, "charts/chart") {
					out[s.Name] = append(out[s.Name], files[chart])
				}
			}
		}
	}
	return out
}

// xlsxChartSeries is what the tests read of a chart series.
type xlsxChartSeries struct {
	Name string  `xml:"tx>strRef>f"`
	Cat  string  `xml:"cat>strRef>f"`
	Val  string  `xml:"val>numRef>f"`
	XNum string  `xml:"xVal>numRef>f"`
	XStr string  `xml:"xVal>strRef>f"`
	YNum string  `xml:"yVal>numRef>f"`
	Line xlsxVal `xml:"spPr>ln>solidFill>srgbClr"`
	// Literal values (c:numLit), as the survival chart's steps are given.
	XLit []float64 `xml:"xVal>numLit>pt>v"`
	YLit []float64 `xml:"yVal>numLit>pt>v"`
}

// xlsxVal is an element's val attribute.
type xlsxVal struct {
	Val string `xml:"val,attr"`
}

// xlsxChartPart is what the tests read of a chart part.
type xlsxChartPart struct {
	Title []string `xml:"chart>title>tx>rich>p>r>t"`
	Bar   []struct {
		Dir struct {
			Val string `xml:"val,attr"`
		} `xml:"barDir"`
		Ser []xlsxChartSeries `xml:"ser"`
	} `xml:"chart>plotArea>barChart"`
	Scatter []struct {
		Ser []xlsxChartSeries `xml:"ser"`
	} `xml:"chart>plotArea>scatterChart"`
	AxisTitles []string `xml:"chart>plotArea>valAx>title>tx>rich>p>r>t"`
}

func TestRenderXLSXCharts(t *testing.T) {
	_, b := xlsxRender(t, xlsxSample())
	files := xlsxZipFiles(t, b)
	n := 0
	for name := range files {
		if strings.HasPrefix(name, "xl/charts/chart") {
			n++
		}
	}
	if n != 2 {
		t.Errorf("%d chart parts, want 2", n)
	}
	charts := xlsxChartsBySheet(t, files)
	if len(charts) != 2 || len(charts["县区覆盖"]) != 1 || len(charts["生存曲线"]) != 1 {
		t.Fatalf("charts by sheet: %d sheets (县区覆盖 %d, 生存曲线 %d), want one chart on each of the two",
			len(charts), len(charts["县区覆盖"]), len(charts["生存曲线"]))
	}
	parse := func(sheet string) xlsxChartPart {
		var c xlsxChartPart
		if err := xml.Unmarshal([]byte(charts[sheet][0]), &c); err != nil {
			t.Fatalf("chart on %s: %v", sheet, err)
		}
		return c
	}

	bar := parse("县区覆盖")
	if !slices.Equal(bar.Title, []string{"各县区村（社区）覆盖率"}) || len(bar.Bar) != 1 || len(bar.Scatter) != 0 {
		t.Fatalf("chart on 县区覆盖: title %q, %d bar and %d scatter plots, want one column chart",
			bar.Title, len(bar.Bar), len(bar.Scatter))
	}
	if bar.Bar[0].Dir.Val != "col" {
		t.Errorf("bar direction = %q, want col", bar.Bar[0].Dir.Val)
	}
	wantBar := []xlsxChartSeries{{
		Name: "'县区覆盖'!$F$2", Cat: "'县区覆盖'!$B$3:$B$5", Val: "'县区覆盖'!$F$3:$F$5",
	}}
	if got := bar.Bar[0].Ser; !reflect.DeepEqual(got, wantBar) {
		t.Errorf("coverage series = %+v, want %+v", got, wantBar)
	}
	if !slices.Equal(bar.AxisTitles, []string{"覆盖率"}) {
		t.Errorf("coverage axis titles = %q", bar.AxisTitles)
	}

	line := parse("生存曲线")
	if !slices.Equal(line.Title, []string{"研究生在岗生存曲线"}) || len(line.Scatter) != 1 || len(line.Bar) != 0 {
		t.Fatalf("chart on 生存曲线: title %q, %d scatter and %d bar plots, want one scatter chart",
			line.Title, len(line.Scatter), len(line.Bar))
	}
	// One series per stratum, named by its block of rows, its values the
	// corners of the Kaplan–Meier steps (Excel has no step line): (0, 1),
	// then at each point's month the level before and the level after.
	wantLine := []xlsxChartSeries{
		{Name: "'生存曲线'!$A$3", Line: xlsxVal{"1F4E79"}},
		{Name: "'生存曲线'!$A$13", Line: xlsxVal{"C55A11"}},
		{Name: "'生存曲线'!$A$17", Line: xlsxVal{"548235"}},
	}
	got := line.Scatter[0].Ser
	for i, n := range []int{10, 4, 4} { // points per stratum in xlsxSample
		if i < len(got) && (len(got[i].XLit) != 2*n+1 || len(got[i].YLit) != 2*n+1) {
			t.Errorf("series %d has %d x and %d y values, want %d corners", i, len(got[i].XLit), len(got[i].YLit), 2*n+1)
		}
	}
	if len(got) == 3 && len(got[0].XLit) == 21 && len(got[0].YLit) == 21 {
		m := func(days float64) float64 { return days / 30.4375 }
		wantX := []float64{0, m(30), m(30), m(61), m(61)}
		wantY := []float64{1, 1, 0.99, 0.99, 0.9833}
		for j := range wantX {
			if math.Abs(got[0].XLit[j]-wantX[j]) > 1e-12 || got[0].YLit[j] != wantY[j] {
				t.Errorf("corner %d of 全市 = (%v, %v), want (%v, %v)", j, got[0].XLit[j], got[0].YLit[j], wantX[j], wantY[j])
			}
		}
		// The last point, day 912, falls from 81.22% to 0.
		if x, y := got[0].XLit[19:], got[0].YLit[19:]; x[0] != x[1] || math.Abs(x[0]-m(912)) > 1e-12 || y[0] != 0.8122 || y[1] != 0 {
			t.Errorf("last corners of 全市 = %v %v, want day 912 from 0.8122 to 0", x, y)
		}
	}
	for i := range got {
		got[i].XLit, got[i].YLit = nil, nil
	}
	if !reflect.DeepEqual(got, wantLine) {
		t.Errorf("survival series =\n%+v\nwant\n%+v", got, wantLine)
	}
	if !slices.Equal(line.AxisTitles, []string{"在岗月数", "生存率"}) {
		t.Errorf("survival axis titles = %q", line.AxisTitles)
	}
}

func TestRenderXLSXProperties(t *testing.T) {
	f, _ := xlsxRender(t, xlsxSample())
	p, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if p.Title != "太原市 2022年7月 “一村（社区）一名研究生”工作月报" {
		t.Errorf("title = %q", p.Title)
	}
	if p.Subject == "" || xlsxTextWidth(p.Subject) == len(p.Subject) {
		t.Errorf("subject = %q, want Chinese", p.Subject)
	}
	if p.Created != "2022-07-31T00:00:00Z" || p.Modified != "2022-07-31T00:00:00Z" {
		t.Errorf("created %q, modified %q, want 2022-07-31T00:00:00Z", p.Created, p.Modified)
	}
}

func TestRenderXLSXDeterministic(t *testing.T) {
	a, ab := xlsxRender(t, xlsxSample())
	b, bb := xlsxRender(t, xlsxSample())
	if !bytes.Equal(ab, bb) {
		t.Errorf("two renderings differ in bytes")
	}
	for _, sheet := range xlsxWantSheets {
		ra, rb := xlsxRows(t, a, sheet), xlsxRows(t, b, sheet)
		if !reflect.DeepEqual(ra, rb) {
			t.Errorf("%s differs between two renderings", sheet)
		}
	}
	pa, _ := a.GetDocProps()
	pb, _ := b.GetDocProps()
	if *pa != *pb {
		t.Errorf("properties differ: %+v and %+v", pa, pb)
	}
}

// xlsxAllowed collects every string and number of d (walking it by
// reflection), so that cells can be checked to come from the data.
func xlsxAllowed(v reflect.Value, strs map[string]bool, nums *[]float64) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			xlsxAllowed(v.Elem(), strs, nums)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			xlsxAllowed(v.Field(i), strs, nums)
		}
	case reflect.Slice:
		for i := range v.Len() {
			xlsxAllowed(v.Index(i), strs, nums)
		}
	case reflect.String:
		strs[v.String()] = true
	case reflect.Int, reflect.Int64:
		*nums = append(*nums, float64(v.Int()))
	case reflect.Float64:
		*nums = append(*nums, v.Float())
	}
}

// TestRenderXLSXOnlyData checks that every data cell of every sheet is a
// value of the report, a label of one of its codes or a figure derived
// from it, and that nothing lies outside the title, header, data and
// note rows.
func TestRenderXLSXOnlyData(t *testing.T) {
	d := xlsxSample()
	f, _ := xlsxRender(t, d)
	strs := map[string]bool{}
	var nums []float64
	xlsxAllowed(reflect.ValueOf(d), strs, &nums)
	for _, labels := range []map[string]string{regionLabels, levelLabels, stratumLabels,
		exitLabels, qualityKindLabels, severityLabels, qualityLabels} {
		for _, l := range labels {
			strs[l] = true
		}
	}
	for _, s := range []string{"是", "否", "从未", "全市名录", "日期无法识别（到岗日期）", "缺少必填项（村（社区）代码）"} {
		strs[s] = true
	}
	// Derived figures: headline changes, months, exit shares, date serials.
	// The month's exits: 9, 2, 5 and 2 of 18, rounded to 50.0%, 11.1%,
	// 27.8% and 11.1%; the problems' numbers 1 and 2.
	nums = append(nums, 0.5, 0.111, 0.278, 2)
	// 使用率 of the quota: 360 / 440.
	nums = append(nums, 360.0/440)
	nums = append(nums, 0.0119, 0.1419, 8, -0.04, 0.75, 0.25, 1,
		44773+9.5/24, 44770+18.0/24, 44770)
	for _, s := range d.Survival {
		for _, p := range s.Points {
			nums = append(nums, float64(p.Day)/30.4375)
		}
	}
	dataRows := map[string]int{
		"核心指标": len(d.Headline), "县区覆盖": len(d.Counties), "乡镇覆盖": len(d.Townships),
		"区域对比": len(d.Regions), "留任": len(d.Retention), "生存曲线": 18,
		"离岗原因": len(d.Exits) + len(d.ExitsCounty), "两委与领导班子": len(d.Promotions), "编制使用": len(d.Quota),
		"待补充名单": len(d.Uncovered), "数据源时效": len(d.Freshness), "数据质量": len(d.Quality),
		"存在问题": len(d.Problems), "本月新增与离岗": len(d.Flows), "本月离岗原因": len(d.MonthExits),
		"县区排名": len(d.Ranking), "全覆盖进度": len(d.Progress), "两轮选岗": len(d.Selection), "人才补贴": len(d.Subsidies),
	}
	for _, sheet := range xlsxWantSheets {
		rows := xlsxRows(t, f, sheet)
		n := dataRows[sheet]
		for i := 2; i < 2+n && i < len(rows); i++ {
			if len(rows[i]) > len(rows[1]) {
				t.Errorf("%s row %d has %d cells, header %d", sheet, i+1, len(rows[i]), len(rows[1]))
			}
			for c, v := range rows[i] {
				if v == "" || strs[v] {
					continue
				}
				x, err := strconv.ParseFloat(v, 64)
				if err == nil && slices.ContainsFunc(nums, func(n float64) bool { return math.Abs(n-x) < 1e-9 }) {
					continue
				}
				t.Errorf("%s!%s = %q is not from the report", sheet, xlsxCellName(c+1, i+1), v)
			}
		}
		rest := rows[min(2+n, len(rows)):]
		if len(rest) > 0 {
			if len(rest[0]) != 0 {
				t.Errorf("%s row %d = %q, want blank before the notes", sheet, 3+n, rest[0])
			}
			for j, r := range rest[1:] {
				if len(r) != 1 || !strings.HasSuffix(r[0], "。") {
					t.Errorf("%s row %d = %q, want one note sentence", sheet, 4+n+j, r)
				}
			}
		}
	}
}

func TestRenderXLSXEmpty(t *testing.T) {
	d := &ReportData{Period: "2022-07", AsOf: "2022-07-31", CityName: "太原市", QuotaYear: 2022}
	f, b := xlsxRender(t, d)
	if got := f.GetSheetList(); !slices.Equal(got, xlsxWantSheets) {
		t.Fatalf("sheets = %q", got)
	}
	for _, sheet := range xlsxWantSheets {
		rows := xlsxRows(t, f, sheet)
		if len(rows) < 3 || !slices.Equal(rows[2], []string{"（无数据）"}) {
			t.Errorf("%s row 3 = %q, want （无数据）", sheet, rows[min(2, len(rows)-1)])
		}
	}
	for name := range xlsxZipFiles(t, b) {
		if strings.HasPrefix(name, "xl/charts/") {
			t.Errorf("empty report has chart part %s", name)
		}
	}
}

func TestRenderXLSXErrors(t *testing.T) {
	tests := []struct {
		name string
		d    *ReportData
	}{
		{"nil report", nil},
		{"no as-of day", &ReportData{Period: "2022-07"}},
		{"bad as-of day", &ReportData{Period: "2022-07", AsOf: "2022-07-32"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := RenderXLSX(&buf, tt.d)
			if err == nil || !strings.HasPrefix(err.Error(), "reports: xlsx: ") {
				t.Errorf("err = %v, want a reports: xlsx: error", err)
			}
			if buf.Len() != 0 {
				t.Errorf("wrote %d bytes on error", buf.Len())
			}
		})
	}
}

func TestXLSXQualityLabel(t *testing.T) {
	tests := []struct{ code, want string }{
		{"bad_id_format", "身份证号格式错误"},
		{"vanished_from_ledger", "台账中消失"},
		{"bad_date:到岗日期", "日期无法识别（到岗日期）"},
		{"missing:身份证号", "缺少必填项（身份证号）"},
		{"unknown_value:学历", "取值不在规定范围（学历）"},
		{"missing_column:id_number", "缺少列（身份证号）"},
		{"refused:unsupported format", "文件未读取"},
		{"empty_file", "空文件"},
		{"unknown_reason:x", "unknown_reason:x"},
		{"bad_id_format:x", "bad_id_format:x"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := qualityLabel(tt.code); got != tt.want {
			t.Errorf("qualityLabel(%q) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

func TestXLSXTextWidth(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"140105", 6}, {"县区", 4}, {"村（社区）数", 12}, {"12个月留任率", 12},
	}
	for _, tt := range tests {
		if got := xlsxTextWidth(tt.s); got != tt.want {
			t.Errorf("xlsxTextWidth(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestXLSXSortDefaultTypes(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"sorted",
			`<Types><Default Extension="png"></Default><Default Extension="bmp"></Default><Default Extension="xml"></Default><Override PartName="/a"></Override></Types>`,
			`<Types><Default Extension="bmp"></Default><Default Extension="png"></Default><Default Extension="xml"></Default><Override PartName="/a"></Override></Types>`},
		{"one default",
			`<Types><Default Extension="png"></Default></Types>`,
			`<Types><Default Extension="png"></Default></Types>`},
		{"not one run",
			`<Types><Default Extension="png"></Default><Override PartName="/a"></Override><Default Extension="bmp"></Default></Types>`,
			`<Types><Default Extension="png"></Default><Override PartName="/a"></Override><Default Extension="bmp"></Default></Types>`},
	}
	for _, tt := range tests {
		if got := string(xlsxSortDefaultTypes([]byte(tt.in))); got != tt.want {
			t.Errorf("%s: got %s, want %s", tt.name, got, tt.want)
		}
	}
}
