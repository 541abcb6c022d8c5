package synth

import "strings"

// recordType is a kind of row a county sends (docs/feeds.md).
type recordType int

const (
	rtLedger recordType = iota
	rtRoles
	rtAssessments
	rtVacancies
	rtQuota
	rtSubsidies
)

// recordTypes are the county record types, in the order of docs/feeds.md.
var recordTypes = []recordType{rtLedger, rtRoles, rtAssessments, rtVacancies, rtQuota, rtSubsidies}

// sheet is the record type's Chinese sheet name and file-name prefix.
func (rt recordType) sheet() string {
	return [...]string{"人员台账", "任职记录", "年度考核", "空缺登记", "编制", "补贴发放"}[rt]
}

// english is the record type's English name and file-name prefix.
func (rt recordType) english() string {
	return [...]string{"ledger", "roles", "assessments", "vacancies", "quota", "subsidies"}[rt]
}

// Canonical column keys (docs/feeds.md), plus seq (序号) and notes (备注),
// which no record type has and a loader ignores.
const (
	colSeq           = "seq"
	colNotes         = "notes"
	colName          = "name"
	colID            = "id_number"
	colGender        = "gender"
	colPhone         = "phone"
	colBirth         = "birth"
	colPolitical     = "political_status"
	colDegree        = "degree"
	colUniversity    = "university"
	colMajor         = "major"
	colChannel       = "channel"
	colRound         = "selection_round"
	colQuota         = "quota_source"
	colCounty        = "county"
	colTownship      = "township"
	colVillage       = "village"
	colVillageCode   = "village_code"
	colStart         = "start_date"
	colEnd           = "end_date"
	colEndReason     = "end_reason"
	colRole          = "role"
	colRoleStart     = "role_start"
	colMentor        = "mentor_role"
	colYear          = "year"
	colGrade         = "grade"
	colReported      = "reported_on"
	colReason        = "reason"
	colFilled        = "filled_on"
	colTownshipQuota = "township_quota"
	colCountyPool    = "county_pool"
	colPaid          = "paid_on"
	colKind          = "kind"
	colAmount        = "amount_yuan"
)

// column is one column of a county's file: its canonical key and the header
// the county writes.
type column struct{ key, header string }

// cols builds columns from "key:header" pairs; a bare key is its own header.
func cols(pairs ...string) []column {
	out := make([]column, len(pairs))
	for i, p := range pairs {
		key, header, ok := strings.Cut(p, ":")
		if !ok {
			header = key
		}
		out[i] = column{key, header}
	}
	return out
}

// layout is how a county splits its records into files.
type layout int

const (
	layoutText     layout = iota // one text file per record type
	layoutWorkbook               // workbooks (books), one sheet per record type
)

// textFormat is the format of a text file.
type textFormat int

const (
	fmtCSV textFormat = iota
	fmtJSON
	fmtNDJSON
)

// xlsxDates is how a workbook holds dates.
type xlsxDates int

const (
	xlsxDateCells xlsxDates = iota // date cells: serial numbers with a date format
	xlsxSerials                    // plain numbers, no date format
	xlsxText                       // text in the county's date form
)

// book is one workbook of a county and the record types it holds, a sheet each.
type book struct {
	name  string
	types []recordType
}

// shape is how a county keeps its feed: formats, file names, headers, words
// and date forms.
type shape struct {
	desc       string // in English, for CountyFeed.Shape
	zh         string // in Chinese, for the comments of the configuration file
	layout     layout
	format     textFormat
	comma      rune
	gb18030    bool // CSV in GB18030
	bom        bool // UTF-8 with a byte-order mark
	crlf       bool
	files      map[recordType]string // text files: base name per record type
	books      []book                // workbooks
	title      bool                  // a merged title row above the header
	notesSheet bool                  // an extra sheet 说明 that is no record type
	xlsxDates  xlsxDates
	dates      dateForm
	mixedDates bool // every fifth row writes its dates as 2022-7-1
	monthPaid  bool // paid_on written as a month (2022年3月)
	payday     int  // day of the month subsidies are paid
	vocab      int  // which word of each value list the county uses (0: canonical English)
	nullEmpty  bool // JSON: null for an empty value
	countyCode bool // the county column holds the code, not the name
	twpCode    bool // the township column holds the 9-digit code, not the name
	// rolesInLedger: roles are the ledger's 现任职务/任职时间 columns, no roles file.
	rolesInLedger bool
	encoding      string // the source encoding to put in the config, if not auto
	zeroQuota     bool   // quota rows write 0, not an empty cell, for the number that does not apply
	// noise: some ledger rows carry white space or full-width digits that
	// text normalisation (docs/feeds.md, 文本) removes.
	fullWidthIDs, paddedVillages, spacedNames bool
	cols                                      [6][]column
}

// has reports whether the county sends records of type rt.
func (sh *shape) has(rt recordType) bool { return len(sh.cols[rt]) > 0 }

// textFiles returns per record type the file name "<prefix><suffix>".
func textFiles(chinese bool, suffix string) map[recordType]string {
	m := map[recordType]string{}
	for _, rt := range recordTypes {
		if chinese {
			m[rt] = rt.sheet() + suffix
		} else {
			m[rt] = rt.english() + suffix
		}
	}
	return m
}

// shapes holds every county's shape, by county code.
var shapes = map[string]*shape{
	"140105": {
		zh:     "一个 Excel 工作簿：六张业务表加一张“说明”表，表头上方有合并的标题行，带“序号”列，日期为日期单元格",
		desc:   "one xlsx workbook: 6 record sheets + a 说明 notes sheet, merged title row, 序号 column, date cells",
		layout: layoutWorkbook, books: []book{{"小店区一村一名大学生台账.xlsx", recordTypes}},
		title: true, notesSheet: true, xlsxDates: xlsxDateCells, dates: formISO, payday: 20, vocab: 1,
		cols: [6][]column{
			cols("seq:序号", "name:姓名", "gender:性别", "birth:出生年月", "id_number:身份证号", "political_status:政治面貌",
				"degree:学历", "university:毕业院校", "major:专业", "phone:联系电话", "county:所在县(市、区)",
				"township:所在乡镇(街道)", "village:所在村(社区)", "village_code:村社区代码", "channel:招录方式",
				"selection_round:选岗轮次", "quota_source:编制来源", "start_date:到岗时间", "end_date:离岗时间",
				"end_reason:离岗原因", "mentor_role:导师职务"),
			cols("seq:序号", "name:姓名", "id_number:身份证号", "township:所在乡镇(街道)", "village:所在村(社区)",
				"village_code:村社区代码", "role:两委职务", "start_date:任职时间", "end_date:离任时间"),
			cols("seq:序号", "name:姓名", "id_number:身份证号", "year:考核年度", "grade:考核结果"),
			cols("seq:序号", "township:所在乡镇(街道)", "village:所在村(社区)", "village_code:村社区代码",
				"reported_on:登记时间", "reason", "filled_on:补齐时间"),
			cols("seq:序号", "county:所在县(市、区)", "township:所在乡镇(街道)", "year:年度",
				"township_quota:乡镇编制数", "county_pool:县级周转池调剂数"),
			cols("seq:序号", "name:姓名", "id_number:身份证号", "paid_on:发放时间", "kind", "amount_yuan:金额(元)"),
		},
	},
	"140106": {
		zh:     "GB18030 编码的 CSV（Windows 换行），中文文件名，日期写作 2022/7/1，个别身份证号为全角数字",
		desc:   "GB18030 CSV, CRLF, Chinese file names, dates 2022/7/1, some full-width ID digits and padded village names",
		layout: layoutText, format: fmtCSV, comma: ',', gb18030: true, crlf: true, files: textFiles(true, ".csv"),
		dates: formSlash, payday: 20, vocab: 2, encoding: "gb18030", fullWidthIDs: true, paddedVillages: true,
		cols: [6][]column{
			cols("name:姓名", "gender:性别", "id_number:身份证号码", "birth:出生日期", "phone:手机号",
				"political_status:政治面貌", "degree:学历", "university:毕业学校", "major:所学专业", "county:县区",
				"township:乡镇街道", "village:村社区", "village_code:区划代码", "channel:招聘方式", "quota_source:编制来源",
				"start_date:到岗日期", "end_date:离岗日期", "end_reason:离岗原因", "mentor_role:帮带导师职务"),
			cols("name:姓名", "id_number:身份证号码", "township:乡镇街道", "village:村社区", "village_code:区划代码",
				"role:职务", "start_date:任职时间", "end_date:离任时间"),
			cols("name:姓名", "id_number:身份证号码", "year:考核年度", "grade:年度考核"),
			cols("township:乡镇街道", "village:村社区", "village_code:区划代码", "reported_on:登记时间", "reason",
				"filled_on:补齐时间"),
			cols("county:县区", "township:乡镇街道", "year:年度", "township_quota:乡镇编制数",
				"county_pool:县级周转池调剂数"),
			cols("name:姓名", "id_number:身份证号码", "paid_on:发放时间", "kind", "amount_yuan:金额(元)"),
		},
	},
	"140107": {
		zh:     "带 BOM 的 UTF-8 CSV，英文文件名和英文规范表头（取值为中文），日期写作 2022-07-01",
		desc:   "UTF-8 CSV with BOM, canonical English file names and headers (Chinese values), dates 2022-07-01",
		layout: layoutText, format: fmtCSV, comma: ',', bom: true, files: textFiles(false, ".csv"),
		dates: formISO, payday: 20, vocab: 1, countyCode: true, zeroQuota: true,
		cols: [6][]column{
			cols("name", "id_number", "gender", "phone", "birth", "political_status", "degree", "university", "major",
				"channel", "selection_round", "quota_source", "county", "township", "village", "village_code",
				"start_date", "end_date", "end_reason", "mentor_role"),
			cols("id_number", "role", "village_code", "start_date", "end_date"),
			cols("id_number", "year", "grade"),
			cols("village_code", "reported_on", "reason", "filled_on"),
			cols("county", "township", "year", "township_quota", "county_pool"),
			cols("id_number", "paid_on", "kind", "amount_yuan"),
		},
	},
	"140108": {
		zh:     "UTF-8 制表符分隔文件（.tsv），日期写作 2022.7.1，两委职务写在人员台账里，没有任职记录文件",
		desc:   "UTF-8 TSV (.tsv), dates 2022.7.1, roles as the ledger's 现任职务/任职时间 columns (no roles file)",
		layout: layoutText, format: fmtCSV, comma: '\t', files: textFiles(false, ".tsv"),
		dates: formDot, payday: 20, vocab: 2, rolesInLedger: true,
		cols: [6][]column{
			cols("name:姓名", "id_number:身份证号", "gender:性别", "phone:联系电话", "political_status:政治面貌",
				"degree:学历", "university:毕业院校", "major:专业", "county:所在县(市、区)", "township:所在乡镇(街道)",
				"village:所在村(社区)", "village_code:村社区代码", "channel:招录方式", "quota_source:编制来源",
				"start_date:到岗时间", "end_date:离岗时间", "end_reason:离岗原因", "role:现任职务", "role_start:任职时间"),
			nil,
			cols("name:姓名", "id_number:身份证号", "year:考核年度", "grade:考核结果"),
			cols("township:所在乡镇(街道)", "village:所在村(社区)", "village_code:村社区代码", "reported_on:登记时间",
				"reason", "filled_on:补齐时间"),
			cols("county:所在县(市、区)", "township:所在乡镇(街道)", "year:年度", "township_quota:乡镇编制数",
				"county_pool:县级周转池调剂数"),
			cols("name:姓名", "id_number:身份证号", "paid_on:发放时间", "kind", "amount_yuan:金额(元)"),
		},
	},
	"140109": {
		zh:     "JSON 数组，中文表头（同义词），身份证号为字符串，日期写作 20220701",
		desc:   "JSON arrays keyed by Chinese synonym headers, ID numbers as strings, dates 20220701",
		layout: layoutText, format: fmtJSON, files: textFiles(false, ".json"),
		dates: formCompact, payday: 20, vocab: 3,
		cols: [6][]column{
			cols("name:姓名", "id_number:身份证号码", "gender:性别", "phone:手机号码", "birth:出生年月",
				"political_status:政治面貌", "degree:最高学历", "university:毕业学校", "major:所学专业",
				"county:县(市、区)", "township:乡镇(街道)", "village:村(社区)", "village_code:统计用区划代码",
				"channel:招聘方式", "selection_round:选岗轮次", "quota_source:编制来源", "start_date:入职时间",
				"end_date:离岗日期", "end_reason:离岗原因", "mentor_role:导师职务"),
			cols("id_number:身份证号码", "township:乡镇(街道)", "village:村(社区)", "village_code:统计用区划代码",
				"role:两委职务", "start_date:任职时间", "end_date:离任时间"),
			cols("id_number:身份证号码", "year:考核年度", "grade:考核结果"),
			cols("township:乡镇(街道)", "village:村(社区)", "village_code:统计用区划代码", "reported_on:登记时间",
				"reason", "filled_on:补齐时间"),
			cols("county:县(市、区)", "township:乡镇(街道)", "year:年度", "township_quota:乡镇编制数",
				"county_pool:县级周转池调剂数"),
			cols("id_number:身份证号码", "name:姓名", "paid_on:发放时间", "kind", "amount_yuan:金额(元)"),
		},
	},
	"140110": {
		zh:     "NDJSON（每行一条记录），英文键名和英文取值，县和乡镇写代码，日期为带时区的时间，空值为 null",
		desc:   "NDJSON, canonical English keys and values, codes for county and township, ISO date-times, null for empty",
		layout: layoutText, format: fmtNDJSON, files: textFiles(false, ".ndjson"),
		dates: formDateTime, payday: 20, vocab: 0, nullEmpty: true, countyCode: true, twpCode: true, zeroQuota: true,
		cols: [6][]column{
			cols("name", "id_number", "phone", "political_status", "degree", "university", "major", "channel",
				"selection_round", "quota_source", "county", "township", "village_code", "start_date", "end_date",
				"end_reason", "mentor_role"),
			cols("id_number", "role", "village_code", "start_date", "end_date"),
			cols("id_number", "year", "grade"),
			cols("village_code", "reported_on", "reason", "filled_on"),
			cols("county", "township", "year", "township_quota", "county_pool"),
			cols("id_number", "paid_on", "kind", "amount_yuan"),
		},
	},
	"140121": {
		zh:     "每类记录一个 Excel 文件，日期为文字“2022年7月1日”",
		desc:   "one xlsx workbook per record type, dates as text 2022年7月1日, some names with inner or no-break spaces",
		layout: layoutWorkbook, xlsxDates: xlsxText, dates: formChinese, payday: 20, vocab: 1, spacedNames: true,
		books: []book{
			{"人员台账.xlsx", []recordType{rtLedger}}, {"任职记录.xlsx", []recordType{rtRoles}},
			{"年度考核.xlsx", []recordType{rtAssessments}}, {"空缺登记.xlsx", []recordType{rtVacancies}},
			{"编制.xlsx", []recordType{rtQuota}}, {"补贴发放.xlsx", []recordType{rtSubsidies}},
		},
		cols: [6][]column{
			cols("name:姓名", "gender:性别", "id_number:身份证号", "phone:联系电话", "political_status:政治面貌",
				"degree:学历", "university:毕业院校", "major:专业", "county:县(市、区)", "township:乡镇(街道)",
				"village:村(社区)", "village_code:村社区代码", "channel:招录方式", "selection_round:选岗轮次",
				"quota_source:编制来源", "start_date:到岗时间", "end_date:离岗时间", "end_reason:离岗原因",
				"mentor_role:导师职务"),
			cols("name:姓名", "id_number:身份证号", "township:乡镇(街道)", "village:村(社区)", "village_code:村社区代码",
				"role:两委职务", "start_date:任职时间", "end_date:离任时间"),
			cols("name:姓名", "id_number:身份证号", "year:考核年度", "grade:考核结果"),
			cols("township:乡镇(街道)", "village:村(社区)", "village_code:村社区代码", "reported_on:登记时间", "reason",
				"filled_on:补齐时间"),
			cols("county:县(市、区)", "township:乡镇(街道)", "year:年度", "township_quota:乡镇编制数",
				"county_pool:县级周转池调剂数"),
			cols("name:姓名", "id_number:身份证号", "paid_on:发放时间", "kind", "amount_yuan:金额(元)"),
		},
	},
	"140122": {
		zh: "GB18030 编码的 CSV，另一套表头同义词（全角括号），日期多为 2022-07-01，也有 2022-7-1；补贴发放只写到月",
		desc: "GB18030 CSV, CRLF, other header synonyms with full-width brackets, dates 2022-07-01 and 2022-7-1, " +
			"subsidy months 2022年3月",
		layout: layoutText, format: fmtCSV, comma: ',', gb18030: true, crlf: true, files: textFiles(true, "_阳曲县_2022年12月.csv"),
		dates: formISO, mixedDates: true, monthPaid: true, payday: 1, vocab: 2,
		cols: [6][]column{
			cols("name:姓名", "gender:性别", "birth:出生年月", "id_number:公民身份号码", "phone:手机号码",
				"political_status:政治面貌", "degree:最高学历", "university:毕业学校", "major:所学专业",
				"county:所在县（市、区）", "township:所在乡镇（街道）", "village:所在村（社区）", "village_code:区划代码",
				"channel:引进方式", "selection_round:调剂轮次", "quota_source:编制类型", "start_date:到岗日期",
				"end_date:离岗日期", "end_reason:离岗原因", "mentor_role:帮带导师职务"),
			cols("id_number:公民身份号码", "township:所在乡镇（街道）", "village:所在村（社区）", "village_code:区划代码",
				"role:职务", "start_date:任职时间", "end_date:离任时间"),
			cols("id_number:公民身份号码", "name:姓名", "year:考核年度", "grade:考核结果"),
			cols("township:所在乡镇（街道）", "village:所在村（社区）", "village_code:区划代码", "reported_on:登记时间",
				"reason", "filled_on:补齐时间"),
			cols("county:所在县（市、区）", "township:所在乡镇（街道）", "year:年度", "township_quota:乡镇编制数",
				"county_pool:县级周转池调剂数"),
			cols("id_number:公民身份号码", "name:姓名", "paid_on:发放时间", "kind", "amount_yuan:金额（元）"),
		},
	},
	"140123": {
		zh:     "两个 Excel 工作簿（各三张表），日期为数字序列号（无日期格式），部分身份证号为 15 位旧号码",
		desc:   "two xlsx workbooks of three sheets each, dates as plain serial numbers, some 15-digit legacy ID numbers",
		layout: layoutWorkbook, xlsxDates: xlsxSerials, dates: formISO, payday: 20, vocab: 2,
		books: []book{
			{"娄烦县人员与任职.xlsx", []recordType{rtLedger, rtRoles, rtAssessments}},
			{"娄烦县编制与补贴.xlsx", []recordType{rtQuota, rtSubsidies, rtVacancies}},
		},
		cols: [6][]column{
			cols("name:姓名", "gender:性别", "id_number:身份证号", "phone:联系电话", "political_status:政治面貌",
				"degree:学历", "university:毕业院校", "major:专业", "county:县(市、区)", "township:乡镇(街道)",
				"village:村(社区)", "village_code:村社区代码", "channel:招录方式", "selection_round:选岗轮次",
				"quota_source:编制来源", "start_date:到岗时间", "end_date:离岗时间", "end_reason:离岗原因"),
			cols("name:姓名", "id_number:身份证号", "village_code:村社区代码", "role:两委职务", "start_date:任职时间",
				"end_date:离任时间"),
			cols("name:姓名", "id_number:身份证号", "year:考核年度", "grade:考核结果"),
			cols("village_code:村社区代码", "township:乡镇(街道)", "village:村(社区)", "reported_on:登记时间", "reason",
				"filled_on:补齐时间"),
			cols("county:县(市、区)", "township:乡镇(街道)", "year:年度", "township_quota:乡镇编制数",
				"county_pool:县级周转池调剂数"),
			cols("name:姓名", "id_number:身份证号", "paid_on:发放时间", "kind", "amount_yuan:金额(元)"),
		},
	},
	"140181": {
		zh: "无 BOM 的 UTF-8 CSV，带多行“备注”列，日期写作 20220701，乡镇写 9 位代码，村只写名称（无村社区代码）",
		desc: "UTF-8 CSV without BOM, multi-line quoted 备注 column, dates 20220701, township by 9-digit code, " +
			"village by name only (no village code)",
		layout: layoutText, format: fmtCSV, comma: ',', files: textFiles(false, "-140181.csv"),
		dates: formCompact, payday: 20, vocab: 1, twpCode: true,
		cols: [6][]column{
			cols("name:姓名", "gender:性别", "id_number:身份证号", "phone:手机号", "political_status:政治面貌",
				"degree:学历", "university:毕业院校", "major:专业", "county:所在县(市、区)", "township:所在乡镇(街道)",
				"village:所在村(社区)", "channel:招录方式", "selection_round:选岗轮次", "quota_source:编制来源",
				"start_date:到岗时间", "end_date:离岗时间", "end_reason:离岗原因", "mentor_role:导师职务", "notes:备注"),
			cols("name:姓名", "id_number:身份证号", "township:所在乡镇(街道)", "village:所在村(社区)", "role:两委职务",
				"start_date:任职时间", "end_date:离任时间", "notes:备注"),
			cols("name:姓名", "id_number:身份证号", "year:考核年度", "grade:考核结果"),
			cols("township:所在乡镇(街道)", "village:所在村(社区)", "reported_on:登记时间", "reason",
				"filled_on:补齐时间", "notes:备注"),
			cols("county:所在县(市、区)", "township:所在乡镇(街道)", "year:年度", "township_quota:乡镇编制数",
				"county_pool:县级周转池调剂数"),
			cols("name:姓名", "id_number:身份证号", "paid_on:发放时间", "kind", "amount_yuan:金额(元)"),
		},
	},
}

// vocab lists, per "column:canonical value", the words counties write: the
// canonical English first, then the Chinese synonyms of docs/feeds.md.
var vocab = map[string][]string{
	"degree:doctorate":             {"doctorate", "博士研究生", "博士"},
	"degree:master":                {"master", "硕士研究生", "硕士", "研究生"},
	"degree:bachelor":              {"bachelor", "大学本科", "本科", "学士"},
	"channel:special_intro":        {"special_intro", "专项引进", "引进"},
	"channel:open_recruit":         {"open_recruit", "公开招聘", "招聘"},
	"channel:replenish":            {"replenish", "动态增补", "增补"},
	"selection_round:direct":       {"direct", "直接", "无", ""},
	"selection_round:county_round": {"county_round", "县内第一轮", "第一轮"},
	"selection_round:city_round":   {"city_round", "全市第二轮", "第二轮"},
	"quota_source:township":        {"township", "乡镇事业编制", "乡镇编制"},
	"quota_source:county_pool":     {"county_pool", "县级周转池", "周转池"},
	"end_reason:resigned":          {"resigned", "辞职", "辞去"},
	"end_reason:transferred":       {"transferred", "调动", "调离", "转岗"},
	"end_reason:civil_service":     {"civil_service", "考录公务员", "考取公务员"},
	"end_reason:promoted":          {"promoted", "提拔", "提拔任用"},
	"end_reason:other":             {"other", "其他"},
	"grade:excellent":              {"excellent", "优秀"},
	"grade:competent":              {"competent", "称职"},
	"grade:basically_competent":    {"basically_competent", "基本称职"},
	"grade:incompetent":            {"incompetent", "不称职"},
	"reason:turnover":              {"turnover", "人员流动"},
	"reason:transfer":              {"transfer", "转岗"},
	"reason:new_community":         {"new_community", "新成立社区"},
}

// word returns how the county writes the canonical value of column key.
func (sh *shape) word(key, canonical string) string {
	ws, ok := vocab[key+":"+canonical]
	if !ok {
		panic("synth: no words for " + key + ":" + canonical)
	}
	return ws[min(sh.vocab, len(ws)-1)]
}

// shapeFor returns the shape a county keeps its files in: the shape of the
// city's county tmpl, with tmpl's name and code in file names replaced by the
// county's own, and as plain UTF-8 CSV when csvOnly is set. The city's own
// counties get their shapes from the shapes map unchanged.
func shapeFor(tmpl, c *countyPlan, csvOnly bool) *shape {
	base := shapes[tmpl.code]
	if csvOnly {
		return base.csvOnly()
	}
	if c.code == tmpl.code {
		return base
	}
	sh := *base
	rename := strings.NewReplacer(tmpl.name, c.name, tmpl.code, c.code).Replace
	if base.files != nil {
		sh.files = map[recordType]string{}
		for rt, name := range base.files {
			sh.files[rt] = rename(name)
		}
	}
	sh.books = nil
	for _, b := range base.books {
		sh.books = append(sh.books, book{name: rename(b.name), types: b.types})
	}
	return &sh
}

// csvOnly is the shape as UTF-8 CSV, one file <record type>.csv per record
// type, for benchmarks against plain CSV readers. Headers, words, date
// forms and text noise stay the county's; a workbook's title rows and notes
// sheet go, and dates are written as text in the county's form.
func (sh *shape) csvOnly() *shape {
	c := *sh
	c.desc = "UTF-8 CSV, one file per record type (csv-only; otherwise: " + sh.desc + ")"
	c.zh = "UTF-8 编码的 CSV，每类记录一个文件（仅 CSV 模式；表头、取值和日期写法同：" + sh.zh + "）"
	c.layout, c.format, c.comma = layoutText, fmtCSV, ','
	c.gb18030, c.bom, c.crlf = false, false, false
	c.files, c.books = textFiles(false, ".csv"), nil
	c.title, c.notesSheet, c.nullEmpty = false, false, false
	c.encoding = "utf-8"
	return &c
}
