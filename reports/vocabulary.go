package reports

// The report's vocabulary: every name the report shows, in Chinese, in one
// place, so that the same thing has the same name in the HTML and in the
// workbook.

// headlineFigures are the report's headline figures, in order: key (the
// figure's stable name), label and kind (count, rate or ratio).
var headlineFigures = []struct{ key, label, kind string }{
	{"villages", "村（社区）总数", "count"},
	{"covered", "已覆盖村（社区）", "count"},
	{"coverage_rate", "覆盖率", "rate"},
	{"graduates_in_post", "在岗研究生", "count"},
	{"uncovered", "待补充村（社区）", "count"},
	{"retention_12m", "12个月留任率", "rate"},
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
