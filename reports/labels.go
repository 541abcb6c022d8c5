package reports

import "strings"

// Labels in Chinese for the codes both renderers show.
var (
	levelLabels = map[string]string{
		"city":     "全市",
		"region":   "区域",
		"county":   "县区",
		"township": "乡镇（街道）",
	}
	qualityKindLabels = map[string]string{
		"reject":  "拒绝的行",
		"finding": "发现的问题",
	}
	regionLabels = map[string]string{
		"remote":              "偏远地区",
		"developed":           "发达地区",
		"remote_to_developed": "偏远÷发达",
	}
	stratumLabels = map[string]string{
		"all":       "全市",
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
	// columnLabels are the Chinese headers of the canonical columns (CONTRACT §1.1-§1.2).
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
