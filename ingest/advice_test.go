package ingest

import (
	"strings"
	"testing"
)

// TestResendAdvice: every refused format gets advice in Chinese that says
// what to send instead; the advice never repeats the file's name.
func TestResendAdvice(t *testing.T) {
	for name, want := range map[string]string{
		"人员台账.et":      "另存为 .xlsx",
		"人员台账.XLSM":    "另存为 .xlsx",
		"人员台账.ods":     "另存为 .xlsx",
		"人员台账.numbers": "导出为 Excel",
		"人员台账.docx":    "不是表格",
		"人员台账.wps":     "不是表格",
		"人员台账.pdf":     "不是表格",
		"台账.zip":       "解压",
		"台账照片.jpg":     "不要报送照片",
		"人员台账":         "没有扩展名",
		"人员台账.dat":     "支持 .xlsx、.xls",
	} {
		got := ResendAdvice(name)
		if !strings.Contains(got, want) || strings.Contains(got, "人员台账") {
			t.Errorf("ResendAdvice(%q) = %q; want it to say %q and not the name", name, got, want)
		}
		if FormatOf(name) != FormatUnknown {
			t.Errorf("%s is not refused", name)
		}
	}
}
