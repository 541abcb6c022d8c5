package transform

import (
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// This file is a read-only view of the columns and accepted values for those
// who write files the normaliser reads: the clerks' fill-in template
// (package clerkform) takes its headers, required marks and drop-down lists
// from here and keeps no copy of its own.

// Kind says what a column holds, so that a form can format and validate it.
type Kind string

// The kinds of column (docs/feeds.md, 值怎么填).
const (
	KindText     Kind = "text"     // anything; kept as written
	KindID       Kind = "id"       // an ID number: 18 characters (or a legacy 15)
	KindDate     Kind = "date"     // a date
	KindYear     Kind = "year"     // a year, 1900–2200
	KindCount    Kind = "count"    // a whole number >= 0
	KindAmount   Kind = "amount"   // an amount in yuan >= 0, at most two decimals kept
	KindChoice   Kind = "choice"   // one of Choices
	KindCounty   Kind = "county"   // the county's name or 6-digit code
	KindTownship Kind = "township" // a township's name or 9-digit code
	KindVillage  Kind = "village"  // a village's name
	KindDivCode  Kind = "division" // a 12-digit village code
)

// ColumnInfo describes one canonical input column of a record type.
type ColumnInfo struct {
	Name     string // the canonical English name, e.g. "id_number"
	Header   string // the canonical Chinese header, e.g. "身份证号"
	Required bool   // an empty value rejects the row as missing:<Name>
	Kind     Kind
	// Strict is true when a value outside Choices rejects the row as
	// unknown_value:<Name>; false for the lists whose other values are
	// kept as "other" or as written.
	Strict bool
}

// Template sheets: the fill-in template's instruction and list sheets. They
// never hold rows, and a workbook sent back with them is read without a word
// about them (they are not record types).
const (
	InstructionSheet = "填表说明"
	ListSheet        = "下拉选项"
)

// IsTemplateSheet reports whether a sheet name is one of the template's own
// sheets that hold no rows.
func IsTemplateSheet(name string) bool {
	n := textnorm.Clean(name)
	return n == InstructionSheet || n == ListSheet
}

// Columns lists the columns of a record type in the normaliser's order. The
// result is a copy.
func Columns(rt canon.RecordType) []ColumnInfo {
	cols := columns[rt]
	out := make([]ColumnInfo, 0, len(cols))
	for _, c := range cols {
		k := kindOf(c.name)
		_, strict := strictChoices[c.name]
		out = append(out, ColumnInfo{Name: c.name, Header: c.headers[0], Required: c.required, Kind: k,
			Strict: k == KindChoice && strict})
	}
	return out
}

// choice is one accepted value: its canonical code and its Chinese spelling.
type choice struct{ code, label string }

// enumChoices are the Chinese spellings of every code of the enums, in the
// order a drop-down shows them (docs/feeds.md, 取值表). choices_test.go
// checks that each label maps to its code and that no code is left out.
var enumChoices = map[string][]choice{
	"gender": {{"male", "男"}, {"female", "女"}},
	"political_status": {{"party_member", "中共党员"}, {"probationary_member", "中共预备党员"},
		{"youth_league", "共青团员"}, {"masses", "群众"}, {"democratic_party", "民主党派"}, {"non_party", "无党派人士"}},
	"degree":          {{"doctorate", "博士"}, {"master", "硕士"}, {"bachelor", "本科"}},
	"channel":         {{"special_intro", "专项引进"}, {"open_recruit", "公开招聘"}, {"replenish", "动态增补"}},
	"selection_round": {{"direct", "直接"}, {"county_round", "县内第一轮"}, {"city_round", "全市第二轮"}},
	"quota_source":    {{"township", "乡镇事业编制"}, {"county_pool", "县级周转池"}},
	"end_reason": {{"resigned", "辞职"}, {"transferred", "调动"}, {"civil_service", "考录公务员"},
		{"promoted", "提拔任用"}, {"other", "其他"}},
	"assessment": gradeChoices,
	"grade":      gradeChoices,
	"reason":     {{"turnover", "人员流动"}, {"transfer", "转岗"}, {"new_community", "新成立社区"}, {"other", "其他"}},
	"kind":       {{"living", "生活补助"}, {"housing", "住房补贴"}, {"other", "其他"}},
}

var gradeChoices = []choice{{"excellent", "优秀"}, {"competent", "称职"}, {"basically_competent", "基本称职"}, {"incompetent", "不称职"}}

// enums maps a column to the enum that reads it.
var enums = map[string]enum{
	"gender": genders, "political_status": politicalStatuses, "degree": degrees, "channel": channels,
	"selection_round": selectionRounds, "quota_source": quotaSources, "end_reason": endReasons,
	"assessment": grades, "grade": grades, "reason": vacancyReasons, "kind": subsidyKinds,
}

// strictChoices are the choice columns whose other values reject the row.
var strictChoices = map[string]struct{}{
	"gender": {}, "political_status": {}, "degree": {}, "channel": {}, "selection_round": {},
	"quota_source": {}, "assessment": {}, "grade": {}, "role": {},
}

// roleChoices are the usual spellings of the two committees' and the
// townships' leadership roles; each is classified by roleCategory (docs/feeds.md, 职务).
var roleChoices = []string{
	"村(社区)党组织书记", "党支部书记", "党总支书记", "党委书记", "副书记",
	"村委会主任", "村委会副主任", "居委会主任", "居委会副主任", "委员", "“两委”委员",
	"村务监督委员会主任", "村务监督委员会委员",
	"乡镇(街道)领导班子成员", "副乡长", "副镇长", "街道办事处副主任",
}

// mentorChoices are the usual roles of a graduate's mentor; the column is
// kept as written, so other roles are accepted too.
var mentorChoices = []string{
	"村党支部书记", "村(社区)党组织书记", "社区党委书记", "驻村第一书记", "村委会主任",
	"乡镇党委副书记", "乡镇组织委员", "街道党工委委员",
}

func kindOf(name string) Kind {
	switch name {
	case "id_number":
		return KindID
	case "birth", "start_date", "end_date", "role_start", "reported_on", "filled_on", "paid_on",
		"established_on", "dissolved_on":
		return KindDate
	case "assessment_year", "year":
		return KindYear
	case "township_quota", "county_pool":
		return KindCount
	case "amount_yuan":
		return KindAmount
	case "county":
		return KindCounty
	case "township":
		return KindTownship
	case "village":
		return KindVillage
	case "village_code":
		return KindDivCode
	case "role", "mentor_role":
		return KindChoice
	}
	if _, ok := enumChoices[name]; ok {
		return KindChoice
	}
	return KindText
}

// Choices are the canonical Chinese spellings of the values a choice column
// of a record type accepts, in drop-down order; nil for other columns. The
// result is a copy.
func Choices(rt canon.RecordType, column string) []string {
	if colIndex(rt, column) < 0 {
		return nil
	}
	switch column {
	case "role":
		return slices.Clone(roleChoices)
	case "mentor_role":
		return slices.Clone(mentorChoices)
	}
	cs := enumChoices[column]
	if cs == nil {
		return nil
	}
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.label
	}
	return out
}

// Label is the canonical Chinese spelling of a code of a choice column
// (e.g. "master" -> "硕士"), as Choices lists it.
func Label(rt canon.RecordType, column, code string) (string, bool) {
	if colIndex(rt, column) < 0 {
		return "", false
	}
	for _, c := range enumChoices[column] {
		if c.code == strings.ToLower(code) {
			return c.label, true
		}
	}
	return "", false
}

// accepts reports the code the normaliser gives a value of a choice column,
// and whether it accepts it (for role: its category).
func accepts(column, value string) (string, bool) {
	v := textnorm.Clean(value)
	switch column {
	case "role":
		return roleCategory(v)
	case "mentor_role":
		return v, v != ""
	}
	e, ok := enums[column]
	if !ok {
		return "", false
	}
	return e.lookup(v)
}
