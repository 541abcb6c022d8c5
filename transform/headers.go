package transform

import (
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// A column is one canonical input column of a record type: the canonical
// English name and the Chinese headers (with synonyms) that docs/feeds.md lists
// (transform/feeds_doc_test.go keeps the two equal).
type column struct {
	name     string
	headers  []string
	required bool // an empty value rejects the row as missing:<name>
}

// Column indexes shared by the record types' conversion code. Each record type
// lists the subset it reads; the position in that list is the index in a row's
// values.
var (
	colName            = column{"name", []string{"姓名"}, false}
	colIDNumber        = column{"id_number", []string{"身份证号", "身份证号码", "公民身份号码", "身份证"}, true}
	colGender          = column{"gender", []string{"性别"}, false}
	colPhone           = column{"phone", []string{"联系电话", "手机号", "手机号码", "电话"}, false}
	colBirth           = column{"birth", []string{"出生年月", "出生日期"}, false}
	colPolitical       = column{"political_status", []string{"政治面貌"}, false}
	colDegree          = column{"degree", []string{"学历", "最高学历"}, true}
	colUniversity      = column{"university", []string{"毕业院校", "毕业学校"}, false}
	colMajor           = column{"major", []string{"专业", "所学专业"}, false}
	colChannel         = column{"channel", []string{"招录方式", "引进方式", "招聘方式"}, true}
	colSelectionRound  = column{"selection_round", []string{"选岗轮次", "调剂轮次"}, false}
	colQuotaSource     = column{"quota_source", []string{"编制来源", "编制类型"}, true}
	colCounty          = column{"county", []string{"所在县(市、区)", "县区", "县(市、区)", "所在县区", "县区名称"}, false}
	colTownship        = column{"township", []string{"所在乡镇(街道)", "乡镇街道", "乡镇(街道)", "所在乡镇", "乡镇", "乡镇代码", "township_code"}, false}
	colVillage         = column{"village", []string{"所在村(社区)", "村社区", "村(社区)", "所在村社区", "村社区名称"}, false}
	colVillageCode     = column{"village_code", []string{"村社区代码", "统计用区划代码", "区划代码"}, false}
	colStartDate       = column{"start_date", []string{"到岗时间", "到岗日期", "入职时间", "到村任职时间"}, true}
	colEndDate         = column{"end_date", []string{"离岗时间", "离岗日期"}, false}
	colEndReason       = column{"end_reason", []string{"离岗原因"}, false}
	colRole            = column{"role", []string{"两委职务", "现任职务"}, false}
	colRoleStart       = column{"role_start", []string{"任职时间"}, false}
	colMentorRole      = column{"mentor_role", []string{"导师职务", "帮带导师职务"}, false}
	colAssessmentYear  = column{"assessment_year", []string{"考核年度"}, false}
	colAssessmentGrade = column{"assessment", []string{"年度考核", "考核结果"}, false}
)

// Column sets per record type, in value-index order.
var columns = map[canon.RecordType][]column{
	canon.Ledger: {
		{"name", colName.headers, true}, colIDNumber, colGender, colPhone, colBirth, colPolitical, colDegree, colUniversity, colMajor,
		colChannel, colSelectionRound, colQuotaSource, colCounty, colTownship, colVillage, colVillageCode,
		colStartDate, colEndDate, colEndReason, colRole, colRoleStart, colMentorRole, colAssessmentYear, colAssessmentGrade,
	},
	canon.Roles: {
		colName, colIDNumber,
		{"role", []string{"两委职务", "职务", "现任职务", "任职职务"}, true},
		colCounty, colTownship, colVillage, colVillageCode,
		{"start_date", []string{"任职时间", "任职日期", "开始时间"}, true},
		{"end_date", []string{"离任时间", "离任日期", "结束时间"}, false},
	},
	canon.Assessments: {
		colName, colIDNumber,
		{"year", []string{"考核年度", "年度"}, true},
		{"grade", []string{"年度考核", "考核结果", "考核等次", "考核等级"}, true},
	},
	canon.Vacancies: {
		colCounty, colTownship, colVillage, colVillageCode,
		{"reported_on", []string{"登记时间", "登记日期", "报告时间"}, true},
		{"reason", []string{"空缺原因", "原因"}, true},
		{"filled_on", []string{"补齐时间", "补齐日期"}, false},
	},
	canon.Quota: {
		colCounty, colTownship,
		{"year", []string{"年度", "年份"}, true},
		{"township_quota", []string{"乡镇编制数", "乡镇编制"}, false},
		{"county_pool", []string{"县级周转池调剂数", "县级周转池", "周转池调剂数"}, false},
	},
	canon.Subsidies: {
		colName, colIDNumber,
		{"paid_on", []string{"发放时间", "发放日期"}, true},
		{"kind", []string{"补贴类型", "补贴种类", "补贴类别", "发放类型", "补贴项目", "类型", "类别"}, true},
		{"amount_yuan", []string{"金额(元)", "金额", "发放金额", "金额元"}, true},
	},
	canon.Divisions: {
		{"village_code", []string{"村社区代码", "统计用区划代码", "区划代码"}, true},
		{"village_name", []string{"村社区名称", "村(社区)", "村社区", "名称"}, true},
		{"township_code", []string{"乡镇代码", "乡镇(街道)代码"}, true},
		{"township_name", []string{"乡镇名称", "乡镇(街道)", "乡镇街道", "乡镇(街道)名称"}, true},
		{"county_code", []string{"县区代码", "县(市、区)代码"}, true},
		{"county_name", []string{"县区名称", "县(市、区)", "县区", "县(市、区)名称"}, false},
		{"urban_rural_code", []string{"城乡分类代码", "城乡分类"}, false},
		{"established_on", []string{"成立日期", "设立日期", "成立时间"}, false},
		{"dissolved_on", []string{"撤销日期", "撤销时间"}, false},
	},
}

// personal columns are masked in etl_reject.raw_masked.
var personal = map[string]bool{"name": true, "id_number": true, "phone": true}

// headerIndex maps a normalised header key to the column index of each record type.
var headerIndex = buildHeaderIndex()

func buildHeaderIndex() map[canon.RecordType]map[string]int {
	idx := make(map[canon.RecordType]map[string]int, len(columns))
	for rt, cols := range columns {
		m := make(map[string]int)
		for i, c := range cols {
			m[textnorm.HeaderKey(c.name)] = i
			for _, h := range c.headers {
				m[textnorm.HeaderKey(h)] = i
			}
		}
		idx[rt] = m
	}
	return idx
}

// colIndex is the index of a canonical column in a record type's column list, or -1.
func colIndex(rt canon.RecordType, name string) int {
	for i, c := range columns[rt] {
		if c.name == name {
			return i
		}
	}
	return -1
}

// lookupHeader finds the column a header cell names: by its whole key
// (所在县（市、区）); else without the notes in brackets at its end, one at a
// time (所在村（社区）（必填） is tried as 所在村（社区）); else with every
// note set aside (身份证号码（18位））. Markers such as * and ※ are trimmed
// from the ends each time.
func lookupHeader(idx map[string]int, cell string) (int, bool) {
	if j, ok := idx[textnorm.HeaderKey(cell)]; ok {
		return j, true
	}
	for s, ok := textnorm.TrimNote(cell); ok; s, ok = textnorm.TrimNote(s) {
		if j, ok := idx[textnorm.HeaderKey(s)]; ok {
			return j, true
		}
	}
	j, ok := idx[textnorm.BareHeaderKey(cell)]
	return j, ok
}

// header maps the cells of one header row to column indexes (-1: not used).
type header struct {
	rt      canon.RecordType
	pos     []int    // cell position -> column index or -1
	names   []string // cell position -> header text as written
	matched int      // how many distinct columns matched
	unused  []string // header texts that matched no column
	// absent lists the required columns (by index) that no cell of a
	// header row matched; set for header rows, not for keyed rows (JSON),
	// whose objects may leave out an empty value's key.
	absent []int
	reason string // missing_column:<the first absent column>, or ""
}

// findAbsent sets h.absent: the required columns of h's record type that no
// cell matched, in column order. For the record types whose every row needs
// a village (ledger, vacancies), the village column counts as absent when
// neither it nor the village code column matched.
func (h *header) findAbsent() {
	have := make([]bool, len(columns[h.rt]))
	for _, j := range h.pos {
		if j >= 0 {
			have[j] = true
		}
	}
	village, code := colIndex(h.rt, "village"), colIndex(h.rt, "village_code")
	needsVillage := h.rt == canon.Ledger || h.rt == canon.Vacancies
	h.absent = h.absent[:0]
	for j, c := range columns[h.rt] {
		if c.required && !have[j] || needsVillage && j == village && !have[village] && !have[code] {
			h.absent = append(h.absent, j)
		}
	}
	h.reason = ""
	if len(h.absent) > 0 {
		h.reason = missingColumn(columns[h.rt][h.absent[0]].name)
	}
}

// absentHeaders names an absent column in a finding: its first Chinese
// header, and for the village the village code's too.
func absentHeaders(rt canon.RecordType, j int) string {
	c := columns[rt][j]
	if c.name == "village" {
		return c.headers[0] + " / " + columns[rt][colIndex(rt, "village_code")].headers[0]
	}
	return c.headers[0]
}

// absentReason is the reject reason of every data row under a header that
// lacks a required column: missing_column:<the first such column>; "" when
// none is absent.
func (h *header) absentReason() string { return h.reason }

// missingColumn is the reject reason and finding code of a required column
// absent from a sheet's header row.
func missingColumn(name string) string { return "missing_column:" + name }

// closestHeader returns the header text among seen (header cells that
// matched no column) that most resembles one of c's headers (or more's), or "" when none
// does. Headers are compared by their keys with the notes set aside: the
// fewest rune edits wins, then the leftmost; a text must share at least two
// characters with the header, and at least half of the shorter one's, so
// that a data row taken for a header (a name, a number) is never put
// forward.
func closestHeader(c column, seen []string, more ...column) string {
	names := append([]string{c.name}, c.headers...)
	for _, m := range more {
		names = append(append(names, m.name), m.headers...)
	}
	best, bestDist := "", -1
	for _, s := range seen {
		k := []rune(textnorm.BareHeaderKey(s))
		if len(k) == 0 {
			continue
		}
		for _, h := range names {
			hk := []rune(textnorm.HeaderKey(h))
			shared := sharedRunes(k, hk)
			if shared < 2 || 2*shared < min(len(k), len(hk)) {
				continue
			}
			if d := editDistance(k, hk); bestDist < 0 || d < bestDist {
				best, bestDist = s, d
			}
		}
	}
	return best
}

// sharedRunes counts the runes of a also in b, each rune of b used once.
func sharedRunes(a, b []rune) int {
	left := map[rune]int{}
	for _, r := range b {
		left[r]++
	}
	n := 0
	for _, r := range a {
		if left[r] > 0 {
			left[r]--
			n++
		}
	}
	return n
}

// editDistance is the Levenshtein distance between a and b, in runes.
func editDistance(a, b []rune) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// matchHeader maps a row of header cells for a record type.
func matchHeader(rt canon.RecordType, cells []string) header {
	idx := headerIndex[rt]
	h := header{rt: rt, pos: make([]int, len(cells)), names: make([]string, len(cells))}
	seen := make(map[int]bool)
	for i, c := range cells {
		h.names[i] = textnorm.Clean(c)
		h.pos[i] = -1
		if h.names[i] == "" {
			continue
		}
		j, ok := lookupHeader(idx, c)
		if !ok || seen[j] {
			h.unused = append(h.unused, h.names[i])
			continue
		}
		seen[j] = true
		h.pos[i] = j
		h.matched++
	}
	return h
}
