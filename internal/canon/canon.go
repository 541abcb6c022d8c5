// Package canon holds what the transform and warehouse stages share: the record
// types of a county feed and the canonical Arrow schemas of their staged rows.
//
// The warehouse imports this package but never the normaliser, and the
// normaliser never imports DuckDB: canon is the hand-over contract between them.
package canon

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// RecordType names one kind of row a county sends (docs/feeds.md).
type RecordType string

// The record types a county sends (docs/feeds.md), plus the city-level divisions list and the
// two bookkeeping streams produced while normalising (rejects, findings).
const (
	Ledger      RecordType = "ledger"
	Roles       RecordType = "roles"
	Assessments RecordType = "assessments"
	Vacancies   RecordType = "vacancies"
	Quota       RecordType = "quota"
	Subsidies   RecordType = "subsidies"
	Divisions   RecordType = "divisions"
	Rejects     RecordType = "rejects"
	Findings    RecordType = "findings"
)

// CountyTypes are the record types a county feed may hold, in load order.
var CountyTypes = []RecordType{Ledger, Roles, Assessments, Vacancies, Quota, Subsidies}

// sheetNames are the Chinese sheet names (and file-name prefixes) of the record types (docs/feeds.md).
var sheetNames = map[RecordType]string{
	Ledger:      "人员台账",
	Roles:       "任职记录",
	Assessments: "年度考核",
	Vacancies:   "空缺登记",
	Quota:       "编制",
	Subsidies:   "补贴发放",
	Divisions:   "村社区名录",
}

// SheetName is the Chinese name of the record type's sheet.
func (rt RecordType) SheetName() string { return sheetNames[rt] }

// TypeOfSheet finds the record type of an .xlsx sheet by its (normalised) name.
// A sheet name equal to the Chinese name or the English type name matches.
func TypeOfSheet(name string) (RecordType, bool) {
	n := strings.ToLower(strings.TrimSpace(name))
	for rt, zh := range sheetNames {
		if n == zh || n == string(rt) {
			return rt, true
		}
	}
	return "", false
}

// TypeOfFileName finds the record type of a .csv/.json/.ndjson file by the start
// of its base name. Longer names are tried first so that no prefix shadows another.
func TypeOfFileName(base string) (RecordType, bool) {
	n := strings.ToLower(base)
	for _, rt := range append(append([]RecordType{}, CountyTypes...), Divisions) {
		if strings.HasPrefix(n, string(rt)) || strings.HasPrefix(n, sheetNames[rt]) {
			return rt, true
		}
	}
	return "", false
}

// RowField is the first column of every staged schema: the run-wide ordinal of
// the input row, used to account for every row (loaded or unchanged).
const RowField = "_row"

func str(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.BinaryTypes.String, Nullable: true}
}
func date(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.FixedWidthTypes.Date32, Nullable: true}
}
func i32(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int32, Nullable: true}
}
func i64(name string) arrow.Field {
	return arrow.Field{Name: name, Type: arrow.PrimitiveTypes.Int64, Nullable: true}
}

var rowField = arrow.Field{Name: RowField, Type: arrow.PrimitiveTypes.Int64}

var schemas = map[RecordType]*arrow.Schema{
	Ledger: arrow.NewSchema([]arrow.Field{rowField,
		str("person_key"), str("name"), str("id_number"), str("phone"), str("gender"), i32("birth_year"),
		str("political_status"), str("degree"), str("university"), str("major"),
		str("channel"), str("selection_round"), str("quota_source"),
		str("county_code"), str("township_code"), str("village_code"),
		date("start_date"), date("end_date"), str("end_reason"),
		str("role"), str("role_category"), date("role_start"), str("mentor_role"),
		i32("assessment_year"), str("assessment_grade"),
	}, nil),
	Roles: arrow.NewSchema([]arrow.Field{rowField,
		str("person_key"), str("role"), str("role_category"), str("village_code"), date("start_date"), date("end_date"),
	}, nil),
	Assessments: arrow.NewSchema([]arrow.Field{rowField,
		str("person_key"), i32("year"), str("grade"),
	}, nil),
	Vacancies: arrow.NewSchema([]arrow.Field{rowField,
		str("village_code"), date("reported_on"), str("reason"), date("filled_on"),
	}, nil),
	Quota: arrow.NewSchema([]arrow.Field{rowField,
		str("county_code"), str("township_code"), i32("year"), i32("township_quota"), i32("county_pool"),
	}, nil),
	Subsidies: arrow.NewSchema([]arrow.Field{rowField,
		str("person_key"), date("paid_on"), str("kind"), i64("amount_fen"),
	}, nil),
	Divisions: arrow.NewSchema([]arrow.Field{rowField,
		str("village_code"), str("village_name"), str("village_kind"), str("urban_rural_code"),
		str("township_code"), str("township_name"), str("township_kind"),
		str("county_code"), str("county_name"), date("established_on"), date("dissolved_on"),
	}, nil),
	Rejects: arrow.NewSchema([]arrow.Field{rowField,
		str("source_uri"), str("sheet"), i64("row_number"), str("reason"), str("raw_masked"),
	}, nil),
	Findings: arrow.NewSchema([]arrow.Field{rowField,
		str("code"), str("severity"), str("person_key"), str("village_code"), str("detail"),
		str("source_uri"), str("sheet"), i64("row_number"),
	}, nil),
}

// Schema is the staged Arrow schema of a record type. Its first field is _row.
func Schema(rt RecordType) *arrow.Schema { return schemas[rt] }

// StagingTable is the name of the temporary table that holds a record type's
// staged rows during one load.
func StagingTable(rt RecordType) string { return "stg_" + string(rt) }
