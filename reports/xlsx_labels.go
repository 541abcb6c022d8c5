package reports

import (
	"fmt"
	"strings"
)

// Chinese labels for the codes the workbook shows. The HTML renderer keeps
// its own copy for now; the two are to be merged into one table.

// xlsxRegionLabels names the regions of region_balance and coverage.
var xlsxRegionLabels = map[string]string{
	"remote":              "偏远地区",
	"developed":           "发达地区",
	"remote_to_developed": "偏远÷发达",
}

// xlsxLevelLabels names the levels of the metric macros.
var xlsxLevelLabels = map[string]string{
	"city":     "全市",
	"region":   "区域",
	"county":   "县区",
	"township": "乡镇（街道）",
}

// xlsxStratumLabels names the strata of survival.
var xlsxStratumLabels = map[string]string{
	"all":       "全体",
	"developed": "发达地区",
	"remote":    "偏远地区",
}

// xlsxExitReasonLabels names the end reasons of exits.
var xlsxExitReasonLabels = map[string]string{
	"resigned":      "辞职",
	"transferred":   "调动",
	"civil_service": "考录公务员",
	"promoted":      "提拔",
	"other":         "其他",
	"unspecified":   "未填写",
}

// xlsxQualityKindLabels names the kinds of data_quality rows.
var xlsxQualityKindLabels = map[string]string{
	"reject":  "拒绝的行",
	"finding": "发现的问题",
}

// xlsxSeverityLabels names the severities of findings.
var xlsxSeverityLabels = map[string]string{
	"error":   "错误",
	"warning": "警告",
	"info":    "提示",
}

// xlsxQualityLabels names reject reasons and finding codes (the two sets
// do not overlap).
var xlsxQualityLabels = map[string]string{
	// reject reasons
	"bad_id_format":     "身份证号格式错误",
	"bad_id_checksum":   "身份证号校验位错误",
	"unknown_village":   "找不到村（社区）",
	"wrong_county":      "非本县数据",
	"end_before_start":  "离岗早于到岗",
	"duplicate_in_file": "文件内重复",
	// finding codes
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

// xlsxQualityColumnLabels names the reject reasons that carry a column,
// written "<reason>:<column>"; %s is the column.
var xlsxQualityColumnLabels = map[string]string{
	"bad_date":      "日期无法识别（%s）",
	"missing":       "缺少必填项（%s）",
	"unknown_value": "取值不在规定范围（%s）",
}

// xlsxLabel returns the label of code in labels, or code itself when
// there is none.
func xlsxLabel(labels map[string]string, code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return code
}

// xlsxQualityLabel returns the label of a reject reason or finding code,
// "bad_date:到岗日期" giving "日期无法识别（到岗日期）"; an unknown code is
// returned as it is.
func xlsxQualityLabel(code string) string {
	if l, ok := xlsxQualityLabels[code]; ok {
		return l
	}
	if reason, col, ok := strings.Cut(code, ":"); ok {
		if format, ok := xlsxQualityColumnLabels[reason]; ok {
			return fmt.Sprintf(format, col)
		}
	}
	return code
}
