package reports

import (
	"fmt"
	"strings"
)

// The report's vocabulary: the Chinese names of the things the report
// shows (its figures, the labels of the codes in its data, the words of its
// titles and column headings), each in one place, so that the same thing
// has the same name in the HTML and in the workbook. The renderers keep
// only their sentences (notes, summaries) and the labels of their charts.

// headlineFigures are the report's headline figures, in order: key (the
// figure's stable name), label and kind (count, rate or ratio).
var headlineFigures = []struct{ key, label, kind string }{
	{"villages", "村（社区）总数", "count"},
	{"covered", "已覆盖村（社区）", "count"},
	{"coverage_rate", wCoverageRate, "rate"},
	{"graduates_in_post", wInPost, "count"},
	{"uncovered", "待补充村（社区）", "count"},
	{"retention_12m", wRetention12m, "rate"},
	{"remote_to_developed_coverage", wRemoteToDevelopedCoverage, "ratio"},
	{"committee_members", wCommittee, "count"},
	{"party_secretaries", wSecretaries, "count"},
	{"township_leaders", wTownshipLeaders, "count"},
	{"quota_total", "编制总数（当年）", "count"},
	{"quota_fill_rate", "编制" + wUsage, "rate"},
}

// refusedLabel names a file the run refused ("refused:<reason>").
const refusedLabel = "文件未读取"

// cityList names the rows of data_quality() of no county: the city's
// village list.
const cityList = "全市名录"

// Labels in Chinese for the codes both renderers show.
var (
	levelLabels = map[string]string{
		"city":     wCity,
		"region":   wRegion,
		"county":   wCounty,
		"township": wTownship,
	}
	qualityKindLabels = map[string]string{
		"reject":  wRejects,
		"finding": wFindings,
	}
	regionLabels = map[string]string{
		"remote":              wRemote,
		"developed":           wDeveloped,
		"remote_to_developed": wRemoteToDeveloped,
	}
	stratumLabels = map[string]string{
		"all":       wCity,
		"developed": wDeveloped,
		"remote":    wRemote,
	}
	exitLabels = map[string]string{
		"resigned":      "辞职",
		"transferred":   "调动",
		"civil_service": "考录公务员",
		"promoted":      "提拔",
		"other":         "其他",
		"unspecified":   "未填写",
	}
	qualityLabels = map[string]string{
		"bad_id_format":            "身份证号格式错误",
		"bad_id_checksum":          "身份证号校验位错误",
		"unknown_village":          "找不到村（社区）",
		"wrong_county":             "非本县数据",
		"end_before_start":         "离岗早于到岗",
		"duplicate_in_file":        "文件内重复",
		"gender_mismatch":          "性别与身份证号不符",
		"birth_mismatch":           "出生年月与身份证号不符",
		"overlapping_postings":     "同一时间在两个村在岗",
		"vanished_from_ledger":     "台账中消失",
		"over_age_at_entry":        "专项引进入职时超龄",
		"degree_below_requirement": "学历低于要求",
		"subsidy_over_cap":         "补贴超过上限",
		"unused_columns":           "未使用的列",
		"unknown_record_type":      "无法识别的工作表",
		"empty_file":               "空文件",
		"county_failed":            "本次读取失败",
	}
	// qualityPrefixes are the reason codes that name a column.
	qualityPrefixes = map[string]string{
		"bad_date":       "日期无法识别",
		"missing":        "缺少必填项",
		"unknown_value":  "取值不在规定范围",
		"missing_column": "缺少列",
	}
	// columnLabels are the Chinese headers of the canonical columns of the
	// feeds (docs/feeds.md lists them with their synonyms).
	columnLabels = map[string]string{
		"name": "姓名", "id_number": "身份证号", "gender": "性别", "phone": "联系电话", "birth": "出生年月",
		"political_status": "政治面貌", "degree": "学历", "university": "毕业院校", "major": "专业",
		"channel": "招录方式", "selection_round": "选岗轮次", "quota_source": "编制来源",
		"county": "所在县（市、区）", "township": "所在乡镇（街道）", "village": "所在村（社区）",
		"village_code": "村社区代码", "start_date": "到岗/任职时间", "end_date": "离岗/离任时间",
		"end_reason": "离岗原因", "role": "两委职务", "role_start": "任职时间", "mentor_role": "导师职务",
		"assessment_year": "考核年度", "assessment": "年度考核", "year": "年度", "grade": "考核结果",
		"reported_on": "登记时间", "reason": "空缺原因", "filled_on": "补齐时间",
		"township_quota": "乡镇编制数", "county_pool": "县级周转池调剂数",
		"paid_on": "发放时间", "kind": "补贴类型", "amount_yuan": "金额（元）",
		"village_name": "村（社区）名称", "township_code": "乡镇（街道）代码", "township_name": "乡镇（街道）名称",
		"county_code": "县（市、区）代码", "county_name": "县（市、区）名称", "urban_rural_code": "城乡分类代码",
		"established_on": "成立日期", "dissolved_on": "撤销日期",
	}
	severityLabels = map[string]string{
		"error":   "错误",
		"warning": "警告",
		"info":    "提示",
	}
)

func label(labels map[string]string, code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return code
}

func regionLabel(code string) string   { return label(regionLabels, code) }
func stratumLabel(code string) string  { return label(stratumLabels, code) }
func exitLabel(code string) string     { return label(exitLabels, code) }
func severityLabel(code string) string { return label(severityLabels, code) }

// qualityLabel translates a reject reason or finding code; a code naming
// a column ("bad_date:start_date") names it by its Chinese header.
func qualityLabel(code string) string {
	if l, ok := qualityLabels[code]; ok {
		return l
	}
	if prefix, col, ok := strings.Cut(code, ":"); ok {
		if prefix == "refused" {
			return refusedLabel // the reason after it is the file system's, in English
		}
		if l, ok := qualityPrefixes[prefix]; ok {
			return l + "（" + label(columnLabels, col) + "）"
		}
	}
	return code
}

// The words of the report's titles and column headings. Each thing has
// one name, which both renderers show: the sections (sections.go) draw
// their headings from here.
const (
	wCity         = "全市"
	wCounty       = "县（市、区）"
	wCountyCode   = "县（市、区）代码"
	wTownship     = "乡镇（街道）"
	wTownshipCode = "乡镇（街道）代码"
	wVillage      = "村（社区）"
	wVillageCode  = "区划代码"
	wRegion       = "区域"
	wRegionCode   = "区域代码"
	wLevel        = "层级"
	wCode         = "代码"
	wName         = "名称"
	wScope        = "范围"
	wTotal        = "合计"
	wYes          = "是"
	wNotSo        = "否"
	wPersons      = "人数"

	// The headline figures.
	wFigure        = "指标"
	wThisMonth     = "本月"
	wPrevMonth     = "上月"
	wChangePrev    = "较上月"
	wYearAgo       = "去年同期"
	wChangeYearAgo = "较去年同期"

	// Coverage and the regions.
	wVillages     = "村（社区）数"
	wCovered      = "已覆盖"
	wUncovered    = "未覆盖"
	wCoverageRate = "覆盖率"
	wInPost       = "在岗研究生"
	wPerHundred   = "每百村（社区）在岗研究生"
	wRemote       = "偏远地区"
	wDeveloped    = "经济发达地区"
	// wRemoteToDeveloped is the row of the regions' table that divides
	// each figure of the remote by the developed.
	wRemoteToDeveloped         = "偏远地区与经济发达地区之比"
	wRemoteToDevelopedCoverage = "偏远地区与经济发达地区覆盖率之比"
	wRetention12m              = "12个月留任率"

	// Retention and survival.
	wAfter12       = "到岗满12个月"
	wAfter24       = "到岗满24个月"
	wRetained      = "仍在岗"
	wRetentionRate = "留任率"
	wStratum       = "分层"
	wDaysInPost    = "在岗天数"
	wMonthsInPost  = "在岗月数"
	wAtRisk        = "观察人数"
	wExited        = "离岗"
	wCensored      = "删失"
	wSurvivalRate  = "生存率"
	wStdErr        = "标准误"

	// Exits and promotions.
	wExitReason        = "离岗原因"
	wReasonCode        = "原因代码"
	wShare             = "占比"
	wCumulative        = "累计"
	wGraduates         = "累计到岗研究生"
	wCommittee         = "进入村（社区）“两委”班子"
	wSecretaries       = "任村（社区）党组织书记"
	wTownshipLeaders   = "进入乡镇领导班子"
	wCommitteeRate     = "进入“两委”班子比例"
	wSecretaryRate     = "任党组织书记比例"
	wMonthsToCommittee = "进入“两委”班子用时中位数（月）"

	// The quota.
	wQuota         = "编制数"
	wPosts         = "在岗人数"
	wTownshipQuota = "乡镇（街道）事业编制"
	wCountyPool    = "县级周转池"
	wUnfilled      = "未使用"
	wUsage         = "使用率"

	// The replenishment list.
	wNo              = "序号"
	wVacantDays      = "空缺天数"
	wVacancyReported = "空缺已登记"
	wReportedOn      = "空缺登记日期"
	wSubtotal        = "小计"

	// The month's postings, the ranking and the road to full coverage.
	wInPostStart           = "月初在岗"
	wStarted               = "本月新增到岗"
	wEnded                 = "本月离岗"
	wNetChange             = "本月净增"
	wInPostEnd             = "月末在岗"
	wRank                  = "排名"
	wPrevCoverageRate      = "上月覆盖率"
	wChangePoints          = "较上月（百分点）"
	wMaxUncoveredDays      = "最长空缺天数"
	wUncoveredOver90       = "空缺超过90天"
	wVacanciesRegistered   = "本年登记空缺（计划补充）"
	wVacanciesFilled       = "本年已补齐"
	wStartedThisYearInPost = "本年到岗且在岗"

	// The selection rounds and the talent subsidy.
	wDirect            = "直接选岗"
	wCountyRound       = "县内第一轮"
	wCityRound         = "全市第二轮"
	wPaidThisYear      = "本年发放（元）"
	wPaidToDate        = "累计发放（元）"
	wPaidPersons       = "领取人数"
	wPerPerson         = "人均累计（元）"
	wAtOrOverCeiling   = "达到或超过上限人数"
	wMaxShareOfCeiling = "个人最高占上限比例"

	// 存在问题 and 下步工作.
	wProblem   = "存在的问题"
	wParagraph = "内容"

	// The office.
	wIssuer         = "编印单位"
	wClassification = "密级"
	wDateLine       = "日期"

	// Freshness and quality.
	wLastSuccess       = "最近一次成功更新"
	wLastNewFile       = "最近一次收到新文件"
	wLastRecord        = "记录中最近的日期"
	wHoursSinceSuccess = "距最近成功更新（小时）"
	wState             = "状态"
	wFollowUp          = "需跟进"
	wKind              = "类别"
	wRejects           = "拒收记录"
	wFindings          = "数据问题"
	wReasonOrFinding   = "原因或问题"
	wRejectReason      = "拒收原因"
	wFinding           = "问题"
	wSeverity          = "严重程度"
	wRows              = "条数"
	wMainReasons       = "主要原因（按条数）"
	wOtherIssue        = "其他问题"
)

// dataEndNote is the report's warning when its whole period lies after the
// loaded data (ReportData.PastData), with the day they end written by date;
// "" otherwise.
func dataEndNote(d *ReportData, date func(string) string) string {
	if !d.PastData() {
		return ""
	}
	return fmt.Sprintf("注意：已装载的数据截至%s，本月没有报送数据；表中各数为%s的状态延续至%s，不反映此后的变动。",
		date(d.DataEnd), date(d.DataEnd), date(d.AsOf))
}

// The notes both renderers put under the sections of issue 16.
const (
	problemsNote  = "按设定的规则逐条生成：覆盖率低于全市、村（社区）空缺超过规定天数、12个月留任率低于规定比例、数据源超过时效、有拒收记录；每条指明县（市、区）和数字。"
	flowsNote     = "月初在岗为上月末在岗人数；本月新增到岗、本月离岗按到岗、离岗日期落在本月统计；月末在岗 = 月初在岗 + 本月新增到岗 − 本月离岗。"
	rankingNote   = "按本月末覆盖率由高到低排名，覆盖率相同的并列；较上月为本月末与上月末覆盖率之差（百分点）；本月净增为在岗研究生本月末与上月末之差。"
	progressNote  = "未覆盖、空缺天数为本月末状态；本年登记空缺为本年1月1日至本月末登记的空缺（即本年计划补充数），已补齐为其中已有研究生到岗的，本年到岗且在岗为本年到岗、本月末仍在岗的研究生。"
	selectionNote = "本月末在岗研究生按选岗方式统计：直接选岗，县内第一轮选岗，全市第二轮跨县调剂选岗。"
	subsidiesNote = "硕士研究生人才补贴自入职起5年内累计上限为310,000元；金额单位为元。"
)

// ceilingYuan is the talent subsidy's ceiling for a master's graduate
// within five years of entry, in yuan.
const ceilingYuan = 310000

// officeLines is the line of the issuing office, the classification and
// the date (the period's last day, written by date), each "" left out; nil
// when the configuration names neither office nor classification.
func officeLines(d *ReportData, date func(string) string) []string {
	var parts []string
	if d.Office.Issuer != "" {
		parts = append(parts, wIssuer+"："+d.Office.Issuer)
	}
	if d.Office.Classification != "" {
		parts = append(parts, wClassification+"："+d.Office.Classification)
	}
	if parts == nil {
		return nil
	}
	return []string{strings.Join(append(parts, wDateLine+"："+date(d.AsOf)), "；") + "。"}
}

// roundedShares are the shares of counts in their total, in thousandths
// rounded by the largest remainder so that they add up to exactly 1 (the
// rounding ECharts gives a pie's percentages, so that pie and table agree);
// nil each when the total is 0.
func roundedShares(counts []int64) []*float64 {
	out := make([]*float64, len(counts))
	var total int64
	for _, c := range counts {
		total += c
	}
	if total <= 0 {
		return out
	}
	const units = 1000
	whole := make([]int64, len(counts))
	rem := make([]int64, len(counts))
	left := int64(units)
	for i, c := range counts {
		whole[i] = c * units / total
		rem[i] = c * units % total
		left -= whole[i]
	}
	for ; left > 0; left-- {
		best := -1
		for i := range rem {
			if rem[i] >= 0 && (best < 0 || rem[i] > rem[best]) {
				best = i
			}
		}
		whole[best]++
		rem[best] = -1
	}
	for i := range counts {
		v := float64(whole[i]) / units
		out[i] = &v
	}
	return out
}
