// Package canon holds what the transform and warehouse stages share: the record
// types of a county feed and the canonical Arrow schemas of their staged rows.
//
// The warehouse imports this package but never the normaliser, and the
// normaliser never imports DuckDB: canon is the hand-over contract between them.
package canon

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/grassroots-cn/grassroots/internal/textnorm"
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

// sheetNames are the Chinese names of the record types, which name their
// sheets and files (docs/feeds.md).
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

// TypeOfSheet finds the record type of a workbook sheet by its name
// (see MatchName).
func TypeOfSheet(name string) (RecordType, bool) {
	rt, _ := MatchName(name)
	return rt, rt != ""
}

// TypeOfFileName finds the record type of a file by its base name (see
// MatchName): `古交市 2022 年度考核.csv` and `ledger_140181.csv` both name one.
func TypeOfFileName(base string) (RecordType, bool) {
	rt, _ := MatchName(base)
	return rt, rt != ""
}

// nameTypes are the record types a file or sheet name may name, in the order
// MatchName reports the names it saw.
var nameTypes = append(append([]RecordType{}, CountyTypes...), Divisions)

// MatchName finds the record type a file or sheet name names: the one record
// type whose Chinese name (人员台账, 编制 …) the name contains, or whose
// English name (ledger, quota …, optionally with a plural s) it holds as a
// word, that is with no ASCII letter on either side. Everything else in the
// name, such as years, county names, supplement markers (补充, 新增 …),
// punctuation and the extension, is set aside. Notes in brackets are set
// aside first: `人员台账（含编制）` is a ledger; only when the name outside
// its brackets names no record type is the note read too.
//
// rt is "" when the name names no record type or more than one; seen lists
// the names found (Chinese names as in SheetName, English names lower-case),
// so that an ambiguous name can be reported with what it held.
func MatchName(name string) (rt RecordType, seen []string) {
	n := strings.ToLower(textnorm.Clean(name))
	if outside := dropBracketed(n); outside != n {
		if rt, seen = matchTypes(outside); len(seen) > 0 {
			return rt, seen
		}
	}
	return matchTypes(n)
}

// matchTypes is MatchName on one form of the name.
func matchTypes(n string) (RecordType, []string) {
	var found []RecordType
	var seen []string
	for _, rt := range nameTypes {
		hit := false
		if zh := sheetNames[rt]; strings.Contains(n, zh) {
			seen = append(seen, zh)
			hit = true
		}
		if hasWord(n, string(rt)) {
			seen = append(seen, string(rt))
			hit = true
		}
		if hit {
			found = append(found, rt)
		}
	}
	if len(found) != 1 {
		return "", seen
	}
	return found[0], seen
}

// hasWord reports whether s holds w (lower-case ASCII) with no ASCII letter
// on either side, allowing a plural s after it: "ledger_2022" and "ledgers"
// hold "ledger"; "pledger" does not.
func hasWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if end < len(s) && s[end] == 's' {
			end++
		}
		if (start == 0 || !isLetter(s[start-1])) && (end == len(s) || !isLetter(s[end])) {
			return true
		}
		i = start + 1
	}
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// dropBracketed returns s without its bracketed notes: the text inside
// ( ) [ ] 【 】 〔 〕 (after NFKC, full-width brackets are half-width), with
// the brackets. An unclosed bracket runs to the end of s.
func dropBracketed(s string) string {
	if !strings.ContainsAny(s, "([【〔") {
		return s
	}
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch r {
		case '(', '[', '【', '〔':
			depth++
			continue
		case ')', ']', '】', '〕':
			if depth > 0 {
				depth--
				continue
			}
		}
		if depth == 0 {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// supplementMarkers mark a partial delivery in a file or sheet name.
var supplementMarkers = []string{"补充", "新增", "增补", "supplement"}

// IsSupplement reports whether a file or sheet name marks a supplement: a
// partial delivery holding some records only, such as 新增人员台账.xlsx or a
// sheet 人员台账（补充）. It holds 补充, 新增, 增补 or "supplement" in any case.
func IsSupplement(name string) bool {
	n := strings.ToLower(textnorm.Clean(name))
	for _, m := range supplementMarkers {
		if strings.Contains(n, m) {
			return true
		}
	}
	return false
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
