package transform

import (
	"strconv"
	"strings"
)

// An enum maps the words a county may write to a canonical code (docs/feeds.md, 取值表).
// Keys are normalised text; the canonical English codes themselves match too.
type enum map[string]string

func newEnum(pairs map[string][]string) enum {
	e := enum{}
	for code, words := range pairs {
		e[code] = code
		for _, w := range words {
			e[w] = code
		}
	}
	return e
}

func (e enum) lookup(s string) (string, bool) {
	v, ok := e[strings.ToLower(s)]
	if !ok {
		v, ok = e[s]
	}
	return v, ok
}

var (
	genders = newEnum(map[string][]string{
		"male":   {"男", "男性", "m"},
		"female": {"女", "女性", "f"},
	})
	politicalStatuses = newEnum(map[string][]string{
		"party_member":        {"中共党员", "党员"},
		"probationary_member": {"中共预备党员", "预备党员"},
		"youth_league":        {"共青团员", "团员"},
		"masses":              {"群众"},
		"democratic_party":    {"民主党派", "民主党派成员"},
		"non_party":           {"无党派人士", "无党派"},
	})
	degrees = newEnum(map[string][]string{
		"doctorate": {"博士", "博士研究生"},
		"master":    {"硕士", "硕士研究生", "研究生"},
		"bachelor":  {"本科", "大学本科", "学士"},
	})
	channels = newEnum(map[string][]string{
		"special_intro": {"专项引进", "引进"},
		"open_recruit":  {"公开招聘", "招聘"},
		"replenish":     {"动态增补", "增补"},
	})
	selectionRounds = newEnum(map[string][]string{
		"direct":       {"直接", "无"},
		"county_round": {"县内第一轮", "第一轮"},
		"city_round":   {"全市第二轮", "第二轮"},
	})
	quotaSources = newEnum(map[string][]string{
		"township":    {"乡镇事业编制", "乡镇编制"},
		"county_pool": {"县级周转池", "周转池"},
	})
	endReasons = newEnum(map[string][]string{
		"resigned":      {"辞职", "辞去"},
		"transferred":   {"调动", "调离", "转岗"},
		"civil_service": {"考录公务员", "考取公务员"},
		"promoted":      {"提拔", "提拔任用"},
		"other":         {"其他"},
	})
	grades = newEnum(map[string][]string{
		"excellent":           {"优秀"},
		"competent":           {"称职"},
		"basically_competent": {"基本称职"},
		"incompetent":         {"不称职"},
	})
	vacancyReasons = newEnum(map[string][]string{
		"turnover":      {"人员流动"},
		"transfer":      {"转岗"},
		"new_community": {"新成立社区"},
		"other":         {"其他"},
	})
	subsidyKinds = newEnum(map[string][]string{
		"living":  {"生活补助", "生活补贴"},
		"housing": {"购房补贴", "租房补贴", "住房补贴"},
		"other":   {"其他"},
	})
)

// mapEndReason maps a non-empty reason; anything unlisted is "other", not a reject.
func mapEndReason(s string) string {
	if v, ok := endReasons.lookup(s); ok {
		return v
	}
	return "other"
}

// Role categories (docs/feeds.md, 职务); a secretary also counts as a committee member.
const (
	roleSecretary          = "secretary"
	roleCommittee          = "committee"
	roleTownshipLeadership = "township_leadership"
)

// roleCategory classifies a role as written. Township leadership is checked
// first (街道办事处副主任 is not a residents' committee director), then party
// secretaries (书记 but not 副书记), then any other member of the two village
// committees. ok is false for a word that names none of them.
func roleCategory(role string) (string, bool) {
	switch role {
	case roleSecretary, roleCommittee, roleTownshipLeadership:
		return role, true
	}
	for _, w := range []string{"乡镇(街道)领导班子", "领导班子成员", "副乡长", "副镇长", "乡长", "镇长", "街道办事处", "街道办"} {
		if strings.Contains(role, w) {
			return roleTownshipLeadership, true
		}
	}
	if strings.Contains(role, "书记") && !strings.Contains(role, "副书记") {
		return roleSecretary, true
	}
	for _, w := range []string{"副书记", "主任", "委员", "两委", "村委会", "居委会", "监委会", "支委"} {
		if strings.Contains(role, w) {
			return roleCommittee, true
		}
	}
	return "", false
}

// parseYear reads a year such as 2021, 2021年 or 2021.0 (a number cell).
func parseYear(s string) (int32, bool) {
	s = strings.TrimSuffix(strings.TrimSuffix(s, "年度"), "年")
	s = strings.TrimSuffix(s, ".0")
	n, err := strconv.Atoi(s)
	if err != nil || n < 1900 || n > 2200 {
		return 0, false
	}
	return int32(n), true
}

// parseCount reads a non-negative whole number such as 12 or 12.0.
func parseCount(s string) (int32, bool) {
	s = strings.TrimSuffix(strings.ReplaceAll(s, ",", ""), ".0")
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1<<30 {
		return 0, false
	}
	return int32(n), true
}

// maxYuan is the largest amount parseYuan accepts, in yuan.
const maxYuan = 1_000_000_000_000

// parseYuan reads an amount in yuan (1,234.5 or 1234.50 or ¥1234 or 1234元)
// and returns it in fen. More than two decimals are rounded half up to the
// fen, digit by digit: a spreadsheet's number cell often holds 1234.57 as
// 1234.5699999999999. Signs, exponents and anything else are refused.
func parseYuan(s string) (int64, bool) {
	s = strings.TrimSuffix(strings.TrimPrefix(strings.TrimPrefix(s, "¥"), "￥"), "元")
	whole, frac, hasDot := strings.Cut(s, ".")
	if whole == "" || whole[0] < '0' || whole[0] > '9' || (hasDot && frac == "") {
		return 0, false
	}
	var w int64
	for i := 0; i < len(whole); i++ {
		c := whole[i]
		switch {
		case c == ',':
			continue
		case c < '0' || c > '9':
			return 0, false
		}
		if w = w*10 + int64(c-'0'); w > maxYuan {
			return 0, false
		}
	}
	var fen int64
	for i := 0; i < len(frac); i++ {
		c := frac[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		switch i {
		case 0:
			fen += 10 * int64(c-'0')
		case 1:
			fen += int64(c - '0')
		case 2:
			if c >= '5' {
				fen++
			}
		}
	}
	if total := w*100 + fen; total <= maxYuan*100 {
		return total, true
	}
	return 0, false
}
