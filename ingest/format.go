package ingest

import (
	"path/filepath"
	"strings"
)

// Format is the format of a file, known from its extension.
type Format int

// The supported formats.
const (
	FormatUnknown Format = iota
	FormatCSV            // .csv, .tsv, .txt: comma or tab separated text
	FormatXLSX           // .xlsx: an Office Open XML workbook
	FormatJSON           // .json: an array of objects
	FormatNDJSON         // .ndjson, .jsonl: one object per line
	FormatXLS            // .xls: an Excel 97–2003 (BIFF8) workbook
)

// FormatOf returns the format of a file name from its extension,
// case-insensitively; FormatUnknown when it is not supported.
func FormatOf(name string) Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".tsv", ".txt":
		return FormatCSV
	case ".xlsx":
		return FormatXLSX
	case ".xls":
		return FormatXLS
	case ".json":
		return FormatJSON
	case ".ndjson", ".jsonl":
		return FormatNDJSON
	}
	return FormatUnknown
}

// Workbook reports whether the format is a workbook of sheets (.xlsx,
// .xls): sheet names may give the record type, and a numeric cell that is
// not formatted as a date may still be an Excel serial date.
func (f Format) Workbook() bool { return f == FormatXLSX || f == FormatXLS }

// String returns the format's lower-case name ("csv", "xlsx", ...).
func (f Format) String() string {
	switch f {
	case FormatCSV:
		return "csv"
	case FormatXLSX:
		return "xlsx"
	case FormatJSON:
		return "json"
	case FormatNDJSON:
		return "ndjson"
	case FormatXLS:
		return "xls"
	}
	return "unknown"
}
