package ingest

import "testing"

func TestFormatOf(t *testing.T) {
	tests := []struct {
		name string
		want Format
		str  string
	}{
		{"人员台账.xlsx", FormatXLSX, "xlsx"},
		{"LEDGER.XLSX", FormatXLSX, "xlsx"},
		{"a.csv", FormatCSV, "csv"},
		{"a.Tsv", FormatCSV, "csv"},
		{"a.txt", FormatCSV, "csv"},
		{"sub/a.json", FormatJSON, "json"},
		{"a.ndjson", FormatNDJSON, "ndjson"},
		{"a.JSONL", FormatNDJSON, "ndjson"},
		{"a.xls", FormatXLS, "xls"},
		{"A.XLS", FormatXLS, "xls"},
		{"a.xlsm", FormatUnknown, "unknown"},
		{"a.et", FormatUnknown, "unknown"},
		{"a.xlsx.bak", FormatUnknown, "unknown"},
		{"csv", FormatUnknown, "unknown"},
		{"", FormatUnknown, "unknown"},
	}
	for _, tt := range tests {
		got := FormatOf(tt.name)
		if got != tt.want || got.String() != tt.str {
			t.Errorf("FormatOf(%q) = %v (%d), want %v (%d)", tt.name, got, got, tt.str, tt.want)
		}
	}
}
