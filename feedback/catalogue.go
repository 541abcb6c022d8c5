package feedback

import (
	"strings"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/transform"
)

// explanation is the clerk's text for one code: what is wrong and what to do.
// In a parameterised code (missing:<列名> …) %s stands for the column's
// Chinese header.
type explanation struct {
	reason, advice string
}

// plain explains the codes that carry no column.
var plain = map[string]explanation{
	// Reject reasons.
	"bad_id_format": {"身份证号格式不对：不是 18 位（17 位数字加数字或 X）或 15 位数字，或其中的出生日期不存在",
		"对照身份证原件改正，号码中间不要有空格或其他字符；在 Excel 中把该列设为“文本”格式，以免长数字变成科学计数法或末三位变 0"},
	"bad_id_checksum": {"身份证号第18位校验码与前17位对不上，通常是录入时错了一位",
		"身份证号第18位校验码不符，请与身份证原件核对，逐位改正"},
	"unknown_village": {"村（社区）找不到：代码不在市里的村社区名录中或不属于本县，或村名在该乡镇找不到、有多个同名",
		"最好填 12 位村级统计用区划代码；或把村名、乡镇名写成名录中的全称；确属新设的村（社区），请市里先更新名录"},
	"wrong_county": {"“所在县”一列填的不是本县，或县名、代码认不出",
		"只报送本县的人员；调往外县的人员由调入县报送。县名写全称或 6 位代码，也可以不填这一列"},
	"end_before_start": {"结束日期早于开始日期（离岗早于到岗、离任早于任职、补齐早于登记等）",
		"核对两个日期，改正录反或录错的那个"},
	"duplicate_in_file": {"同一文件中已有一行的人员、村（社区）和日期等与这一行相同，但其他值不同；前一行已装载，这一行未装载",
		"删去重复的行，只保留正确的一行；若确有两次任职，核对到岗时间"},
	// Findings.
	"gender_mismatch": {"性别与身份证号（第 17 位）不一致；以身份证号为准",
		"核对性别和身份证号，改正错的那个"},
	"birth_mismatch": {"出生年月与身份证号中的出生日期不一致；以身份证号为准",
		"核对出生年月和身份证号，改正错的那个"},
	"over_age_at_entry": {"专项引进的人员到岗时已满 30 周岁（专项引进要求不满 30 周岁）",
		"核对出生日期、到岗时间和招录方式；若实为公开招聘或动态增补，请改正招录方式"},
	"degree_below_requirement": {"本县未获准招录本科生，台账中却有本科学历人员",
		"核对学历；若本县确已获准招录本科生，请市里修改配置"},
	"overlapping_postings": {"同一个人同一天在两个村（社区）在岗",
		"核对此人的到岗、离岗时间：通常是调动后原任职没有填离岗时间，请补上"},
	"vanished_from_ledger": {"上次台账中在岗的人，这次报送的台账里没有了；其任职不会自动关闭，仍算在岗",
		"台账要报完整名单：若此人已离岗，请保留该行并填离岗时间和离岗原因；若是漏报，请补上；只报新增人员时，请在文件名或工作表名中写“补充”或“新增”"},
	"subsidy_over_cap": {"同一人自入职起 5 年内领取的补贴合计超过 310,000 元",
		"核对补贴发放记录：是否重复录入，或金额单位（元）写错"},
	"unused_columns": {"文件（或工作表）里有程序不读的列，这些列不保存",
		"若是应读的列（如身份证号），请把表头改成《报送数据说明》列出的写法；确实不需要的列（序号、备注）可不理会"},
	"unknown_record_type": {"按工作表名或文件名认不出是哪种表，其中的行都没有读",
		"让工作表名或文件名含有 人员台账、任职记录、年度考核、空缺登记、编制、补贴发放 中的一个（只一个），再重新报送"},
	"empty_file": {"文件是空的（0 字节），没有读到任何内容",
		"检查是否保存或上传失败，重新导出并报送该文件"},
	// Files the run refused or could not read (pipeline CountyResult.Skipped).
	"refused:unsupported format": {"文件格式不支持，没有读取",
		"请用 Excel 另存为 .xlsx 格式（或 .csv）后重新报送；Word、PDF、图片等文件不能读取，请把数据填进报送模板"},
	"refused:permission denied":         {"文件没有读取权限，没有读取", "请检查文件权限（或请信息中心协助），重新放入报送文件夹"},
	"refused:symbolic link":             {"文件是快捷方式（符号链接），没有读取", "请放入文件本身，而不是快捷方式"},
	"refused:not a regular file":        {"不是普通文件，没有读取", "请只放入数据文件"},
	"refused:outside the source folder": {"文件实际位于报送文件夹之外，没有读取", "请把文件本身复制到报送文件夹"},
	"refused":                           {"文件没有读取", "请检查文件能否用 Excel 正常打开，另存为 .xlsx 后重新报送"},
	"county_failed": {"本次读取失败，本县这次报送的数据一行都没有装载，原有数据不变",
		"按错误说明找到出问题的文件（工作表、行、列），修好或另存为 .xlsx 后重新报送"},
}

// withColumn explains the parameterised codes, by their prefix.
var withColumn = map[string]explanation{
	"missing":        {"必填的“%s”为空", "补上“%s”；若每一行都报这一列为空，多半是表头写法认不出，请改成《报送数据说明》列出的表头"},
	"bad_date":       {"“%s”的日期写法认不出，或日期不存在（如 2022-02-30）", "把“%s”改成如 2022-07-01 的写法，或在 Excel 中用日期格式的单元格"},
	"unknown_value":  {"“%s”的值不在可填写的范围内（或数字、年份写法不对）", "按《报送数据说明》“取值表”等节，把“%s”改成认得的写法（可用报送模板中的下拉列表）"},
	"missing_column": {"工作表中找不到“%s”这一列（表头认不出或没有这一列），整张表的行都没有装载", "把最接近的那一列的表头改成“%s”（见说明中的表头写法），或补上这一列，然后重新报送"},
}

// special overrides withColumn for a few columns whose code means more than
// "this column" (docs/feeds.md lists them).
var special = map[string]explanation{
	"missing:village":             {"村级代码和村（社区）名称都没有填", "填上 12 位村级代码，或村（社区）名称和乡镇名称"},
	"missing:role_start":          {"填了两委职务，却没有填任职时间", "补上任职时间；没有两委职务的，两委职务一列留空"},
	"missing:assessment":          {"填了考核年度，却没有填考核结果", "考核年度和考核结果要么都填，要么都不填"},
	"missing:assessment_year":     {"填了考核结果，却没有填考核年度", "考核年度和考核结果要么都填，要么都不填"},
	"missing:township_quota":      {"乡镇编制数和县级周转池调剂数都没有填", "至少填其中一个数"},
	"unknown_value:role":          {"职务写法认不出，归不了类", "按《报送数据说明》“职务”一节的写法填写，如 村党组织书记、村委会委员"},
	"unknown_value:township":      {"编制表中的乡镇在本县找不到", "把乡镇名称写成名录中的全称，或填 9 位乡镇代码"},
	"unknown_value:amount_yuan":   {"金额写法不对", "金额填数字，单位为元，如 2500 或 2500.50"},
	"unknown_value:year":          {"年份写法不对", "年份填 4 位数字，如 2022"},
	"unknown_value:village_code":  {"村级代码的位数、前缀或类别段不对", "填 12 位村级统计用区划代码"},
	"unknown_value:township_code": {"乡镇代码的位数或前缀不对", "填 9 位乡镇代码"},
	"unknown_value:county_code":   {"县级代码的位数或前缀不对", "填 6 位县级代码"},
}

// Explain returns the reason in plain Chinese and the advice for a reject
// reason, a finding code, or a refused file ("refused:<reason>"). A
// parameterised code (missing:<column>, bad_date:<column>,
// unknown_value:<column>, missing_column:<column>) names its column by the
// column's Chinese header. A code it does not know gets a general text
// naming the code; Known tells whether it does.
func Explain(code string) (reason, advice string) {
	return ExplainIn("", code)
}

// ExplainIn is Explain for a row of a known record type (a ledger's
// start_date is 到岗时间, a role's 任职时间); rt "" for any.
func ExplainIn(rt canon.RecordType, code string) (reason, advice string) {
	if e, ok := plain[code]; ok {
		return e.reason, e.advice
	}
	if e, ok := special[code]; ok {
		return e.reason, e.advice
	}
	if strings.HasPrefix(code, "refused:") {
		e := plain["refused"]
		return e.reason + "（" + strings.TrimPrefix(code, "refused:") + "）", e.advice
	}
	prefix, col, ok := strings.Cut(code, ":")
	if e, known := withColumn[prefix]; ok && known {
		name := ColumnName(rt, col)
		if col == "" {
			name = "该列"
		}
		return strings.ReplaceAll(e.reason, "%s", name), strings.ReplaceAll(e.advice, "%s", name)
	}
	return "其他问题（" + code + "）", "请对照《报送数据说明》核对这一行，或与市里联系"
}

// Known reports whether Explain has a text of its own for code. For a
// parameterised code it is enough that the prefix is known: "missing:" and
// "missing:id_number" are both known.
func Known(code string) bool {
	if _, ok := plain[code]; ok {
		return true
	}
	if _, ok := special[code]; ok {
		return true
	}
	prefix, _, ok := strings.Cut(code, ":")
	_, known := withColumn[prefix]
	return ok && known
}

// ColumnName is the Chinese header of a canonical column: of record type rt
// when it has the column, else of the first record type that has it (county
// types first, then the village list); the English name when none has.
func ColumnName(rt canon.RecordType, column string) string {
	if rt != "" {
		if h := transform.ColumnHeader(rt, column); h != "" {
			return h
		}
	}
	for _, t := range append(append([]canon.RecordType{}, canon.CountyTypes...), canon.Divisions) {
		if h := transform.ColumnHeader(t, column); h != "" {
			return h
		}
	}
	return column
}

// Severity is the 严重程度 a clerk reads: a reject is an error whose row was
// not loaded; a finding's error, warning or info (a finding's row was
// loaded, except the rows of a sheet of no record type); a refused file or
// a failed county is an error.
func Severity(kind Kind, severity string) string {
	switch {
	case kind == KindReject:
		return "错误（该行未装载）"
	case kind == KindFile:
		return "错误（文件未读取）"
	case severity == "error":
		return "错误（请核对）"
	case severity == "warning":
		return "警告（请核对）"
	case severity == "info":
		return "提示"
	}
	return severity
}
