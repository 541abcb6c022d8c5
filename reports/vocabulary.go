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
	{"remote_to_developed_coverage", "偏远÷发达地区覆盖率", "ratio"},
	{"committee_members", "进入村（社区）“两委”", "count"},
	{"party_secretaries", "任村（社区）党组织书记", "count"},
	{"township_leaders", "进入乡镇（街道）领导班子", "count"},
	{"quota_total", "编制总数（当年）", "count"},
	{"quota_fill_rate", "编制使用率", "rate"},
}

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
		"remote":              "偏远地区",
		"developed":           "发达地区",
		"remote_to_developed": "偏远÷发达",
	}
	stratumLabels = map[string]string{
		"all":       wCity,
		"developed": "发达地区",
		"remote":    "偏远地区",
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
	}
	// qualityPrefixes are the reason codes that name a column.
	qualityPrefixes = map[string]string{
		"bad_date":      "日期无法识别",
		"missing":       "缺少必填项",
		"unknown_value": "取值不在规定范围",
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
	wRetention12m = "12个月留任率"

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
	wGraduates         = "研究生人数"
	wCommittee         = "两委成员"
	wSecretaries       = "党组织书记"
	wTownshipLeaders   = "乡镇领导班子"
	wCommitteeRate     = "进入两委比例"
	wSecretaryRate     = "担任书记比例"
	wMonthsToCommittee = "进入两委用时中位数（月）"

	// The quota.
	wQuota         = "编制数"
	wPosts         = "在岗人数"
	wTownshipQuota = "乡镇事业编制"
	wCountyPool    = "县级周转池"
	wUnfilled      = "未使用"
	wUsage         = "使用率"

	// The replenishment list.
	wNo              = "序号"
	wVacantDays      = "空缺天数"
	wVacancyReported = "空缺已登记"

	// Freshness and quality.
	wLastSuccess       = "最近一次成功更新"
	wLastNewFile       = "最近一次收到新文件"
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
