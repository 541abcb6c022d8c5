package transform

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/grassroots-cn/grassroots/internal/dates"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// maxRawValue caps each value kept in raw_masked (in runes).
const maxRawValue = 200

// nameMask replaces a whole name, a whole date of birth and every personal
// number found in free text: the same two characters whatever was there, so
// that the mask tells nothing of the value's length.
const nameMask = "**"

// divisionCodeColumns may hold a division code (6, 9 or 12 digits), which is
// kept as it is: the clerk needs it to find the village, and it is no ID
// number, phone or date.
var divisionCodeColumns = map[string]bool{
	"county": true, "township": true, "village_code": true, "township_code": true, "county_code": true,
}

// maskRaw renders a rejected row's raw values as a JSON object keyed by the
// header as written, for the columns the record type reads. The rules
// (docs/feeds.md, 五、每一行的去向, 拒绝记录):
//
//   - a name and a date of birth (the birth column, whatever its spelling,
//     Excel serial numbers included) become "**";
//   - an ID number keeps its 6-digit area code and a phone its first 3
//     digits, the rest one * per character;
//   - a division code (6, 9 or 12 digits) in a county, township or village
//     code column is kept, alone or amid other text;
//   - every other value is kept, but with each personal-looking number in it
//     replaced by "**" (see scrub): ID-like and phone-like digit runs, dates
//     of birth in any spelling, and the row's own date of birth (from its
//     birth column or an ID number in the row) in any spelling, Excel serial
//     numbers included.
//
// Columns the record type does not read (notes, a mentor's name) are left
// out: they may hold personal data that no rule masks.
func maskRaw(h *header, cells []string) string {
	births := rowBirths(h, cells)
	var b strings.Builder
	b.WriteByte('{')
	n := 0
	for i, c := range cells {
		if i >= len(h.pos) || h.pos[i] < 0 {
			continue
		}
		col := columns[h.rt][h.pos[i]]
		v := maskValue(col.name, textnorm.Clean(c), births)
		if n > 0 {
			b.WriteByte(',')
		}
		n++
		k, _ := json.Marshal(h.names[i])
		val, _ := json.Marshal(v)
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.String()
}

// maskValue masks one cleaned value of the canonical column given; births
// are the row's dates of birth.
func maskValue(column, v string, births []ymdDate) string {
	switch {
	case v == "":
		return ""
	case column == "name" || column == "birth":
		return nameMask
	case personal[column]:
		return mask(column, v)
	}
	v = scrub(v, births, divisionCodeColumns[column])
	if utf8.RuneCountInString(v) > maxRawValue {
		v = string([]rune(v)[:maxRawValue]) + "…"
	}
	return v
}

// mask hides an ID number or a phone, keeping only what helps find the row:
// an ID number's 6-digit area code, a phone's first 3 digits, when they are
// digits and no more than half the value. Any other personal column is
// replaced whole.
func mask(column, v string) string {
	if v == "" {
		return ""
	}
	keep := 0
	switch column {
	case "id_number":
		keep = 6
	case "phone":
		keep = 3
	default:
		return nameMask
	}
	r := []rune(v)
	if len(r) > 40 {
		r = r[:40]
	}
	if keep > len(r)/2 {
		keep = 0
	}
	for _, c := range r[:keep] {
		if c < '0' || c > '9' {
			keep = 0
			break
		}
	}
	return string(r[:keep]) + strings.Repeat("*", len(r)-keep)
}

// isDivisionCode reports whether v is a county (6 digits), township (9) or
// village (12) code: digits only, the first 1 to 6 as province codes are.
// None of these lengths is a phone's (11), an ID number's (15, 18) or a
// compact date's (8).
func isDivisionCode(v string) bool {
	if len(v) != 6 && len(v) != 9 && len(v) != 12 {
		return false
	}
	if v[0] < '1' || v[0] > '6' {
		return false
	}
	for i := range len(v) {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return true
}

// rowBirths returns the dates of birth a row gives: the dates read from its
// birth column in any spelling, and the birth dates inside any ID-like
// number in any of its read cells.
func rowBirths(h *header, cells []string) []ymdDate {
	var out []ymdDate
	for i, c := range cells {
		if i >= len(h.pos) || h.pos[i] < 0 {
			continue
		}
		v := textnorm.Clean(c)
		isBirth := columns[h.rt][h.pos[i]].name == "birth"
		if isBirth {
			if d, ok := serialDate(v); ok {
				out = append(out, d)
			}
		}
		for _, t := range tokens([]rune(v)) {
			switch {
			case isBirth && t.dateShaped:
				out = append(out, t.ymd)
			case t.digits == 18 || t.digits == 17 || t.digits == 15:
				if d, ok := idBirth(t.text); ok {
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// birthYearsBefore: a date written in a value outside the birth column is
// taken for a date of birth, and masked, when its year is before this one.
// Postings, roles, assessments and subsidies all date from the programme's
// start (2019) on, so nothing a clerk needs is lost; a division's
// establishment date before 2010 is masked too.
const birthYearsBefore = 2010

// ymdDate is a civil date as written; d is 0 for a year and month only.
type ymdDate struct{ y, m, d int }

// serial returns the Excel serial number (1900 date system) of d, 0 if d is
// not a valid day from 1900-03-01 on.
func (d ymdDate) serial() int {
	if d.m < 1 || d.m > 12 || d.d < 1 || d.d > 31 || d.y < 1900 {
		return 0
	}
	t := time.Date(d.y, time.Month(d.m), d.d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d.d || t.Before(time.Date(1900, 3, 1, 0, 0, 0, 0, time.UTC)) {
		return 0
	}
	return int(dates.Days(t)) + 25569
}

// numToken is a run of a value that may hold a personal number: digits joined
// by separators (a '+' before, an x after), possibly a date in 年月日 form,
// or a date written in Chinese numerals.
type numToken struct {
	start, end int      // rune range in the value
	text       string   // its digits (and a final X) without separators
	groups     []string // its runs of digits
	digits     int      // how many digits
	dateShaped bool     // written as a date (ymd holds the parts as written)
	ymd        ymdDate
	odd        bool // a 年月日 form with an odd year: masked whatever it says
}

// isSep reports whether c may join two runs of digits in one number.
func isSep(c rune) bool {
	switch c {
	case ' ', '\t', '-', '/', '.', '_', '–', '—':
		return true
	}
	return false
}

func isDigit(c rune) bool { return c >= '0' && c <= '9' }

// cnDigits are the Chinese numerals a date may be written in.
var cnDigits = map[rune]int{'〇': 0, '零': 0, '一': 1, '二': 2, '三': 3, '四': 4, '五': 5, '六': 6, '七': 7, '八': 8, '九': 9}

func isCN(c rune) bool { _, ok := cnDigits[c]; return ok || c == '十' }

// tokens finds the tokens of r in order.
func tokens(r []rune) []numToken {
	var out []numToken
	for i := 0; i < len(r); {
		var t numToken
		var ok bool
		switch {
		case isDigit(r[i]):
			t, ok = digitToken(r, i), true
		case isCN(r[i]):
			t, ok = cnToken(r, i)
		}
		if !ok {
			i++
			continue
		}
		out = append(out, t)
		i = t.end
	}
	return out
}

// digitToken reads the digit token that starts at r[i].
func digitToken(r []rune, i int) numToken {
	t := numToken{start: i}
	if i > 0 && r[i-1] == '+' {
		t.start = i - 1
	}
	var seps []string
	j := i
	for {
		k := j
		for k < len(r) && isDigit(r[k]) {
			k++
		}
		t.groups = append(t.groups, string(r[j:k]))
		t.text += string(r[j:k])
		t.digits += k - j
		j = k
		if j < len(r) && (r[j] == 'x' || r[j] == 'X') {
			t.text += "X"
			j++
			break
		}
		s := j
		for s < len(r) && s-j < 3 && isSep(r[s]) {
			s++
		}
		if s == j || s >= len(r) || !isDigit(r[s]) {
			break
		}
		seps = append(seps, string(r[j:s]))
		j = s
	}
	t.end = j
	if j < len(r) && r[j] == '年' {
		chineseTail(&t, r)
		return t
	}
	g := t.groups
	switch {
	case len(g) == 1 && len(g[0]) == 8 && atoiS(g[0][:4]) >= 1900 && atoiS(g[0][:4]) <= 2099:
		t.dateShaped = true
		t.ymd = ymdDate{atoiS(g[0][:4]), atoiS(g[0][4:6]), atoiS(g[0][6:])}
	case (len(g) == 2 || len(g) == 3) && len(g[0]) == 4 && sameDateSep(seps) && shortGroups(g[1:]):
		t.dateShaped = true
		t.ymd = ymdDate{y: atoiS(g[0]), m: atoiS(g[1])}
		if len(g) == 3 {
			t.ymd.d = atoiS(g[2])
		}
	}
	return t
}

// chineseTail extends t, whose digits are followed by 年, over a month (月)
// and a day (日 or 号) written in digits or Chinese numerals. A year alone
// (no month) leaves the token as it is; a year of other than four digits
// makes it odd.
func chineseTail(t *numToken, r []rune) {
	j := t.end + 1
	m, j, ok := numberBefore(r, j, "月")
	if !ok {
		return
	}
	t.end = j
	t.dateShaped = true
	t.ymd = ymdDate{y: atoiS(t.text), m: m}
	if len(t.groups) != 1 || len(t.groups[0]) != 4 {
		t.odd = true
	}
	if d, k, ok := numberBefore(r, j, "日号"); ok {
		t.ymd.d = d
		t.end = k
	}
}

// numberBefore reads, from r[i], one or two digits or a Chinese number of up
// to 31 followed by one of the runes in marks; it returns the number and the
// index past the mark.
func numberBefore(r []rune, i int, marks string) (int, int, bool) {
	j := i
	for j < len(r) && j-i < 3 && (isDigit(r[j]) || isCN(r[j])) {
		j++
	}
	if j == i || j >= len(r) || !strings.ContainsRune(marks, r[j]) {
		return 0, i, false
	}
	n, ok := number(r[i:j])
	if !ok {
		return 0, i, false
	}
	return n, j + 1, true
}

// number reads up to two digits, or a Chinese number such as 九, 〇九, 十六,
// 二十 or 三十一.
func number(r []rune) (int, bool) {
	if len(r) > 3 {
		return 0, false
	}
	n, tens, seenTen := 0, 0, false
	for _, c := range r {
		switch {
		case isDigit(c):
			n = n*10 + int(c-'0')
		case c == '十':
			if seenTen {
				return 0, false
			}
			seenTen, tens, n = true, max(n, 1), 0
		default:
			n = n*10 + cnDigits[c]
		}
	}
	return tens*10 + n, true
}

// cnToken reads a date written in Chinese numerals from r[i]: a year of four
// numerals, 年, and a month (and day) as chineseTail reads them. Numerals not
// followed by 年 and a month are no token.
func cnToken(r []rune, i int) (numToken, bool) {
	j := i
	y, ten := 0, false
	for j < len(r) && isCN(r[j]) {
		ten = ten || r[j] == '十'
		y = y*10 + cnDigits[r[j]]
		j++
	}
	if j >= len(r) || r[j] != '年' {
		return numToken{}, false
	}
	t := numToken{start: i, end: j, text: string(r[i:j])}
	m, k, ok := numberBefore(r, j+1, "月")
	if !ok {
		return numToken{}, false
	}
	t.end, t.dateShaped = k, true
	t.ymd = ymdDate{y: y, m: m}
	t.odd = j-i != 4 || ten
	if d, k2, ok := numberBefore(r, k, "日号"); ok {
		t.ymd.d, t.end = d, k2
	}
	return t, true
}

func sameDateSep(seps []string) bool {
	for _, s := range seps {
		if s != seps[0] || (s != "-" && s != "/" && s != ".") {
			return false
		}
	}
	return true
}

func shortGroups(g []string) bool {
	for _, s := range g {
		if len(s) > 2 {
			return false
		}
	}
	return true
}

// atoiS reads a run of ASCII digits (0 if empty; it stops at anything else).
func atoiS(s string) int {
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			break
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

// personal reports whether t must be masked in a value whose row was born
// on births: any 年月日 form with an odd year; a date before
// birthYearsBefore or one of the row's dates of birth (a year and month
// matching one too); a run of five digits that is the Excel serial of one of
// them; and any run of 7 digits or more that is not a date (phones with or
// without area code or country prefix, ID numbers, other long numbers).
func (t numToken) personal(births []ymdDate) bool {
	if t.odd {
		return true
	}
	if t.dateShaped {
		for _, b := range births {
			if t.ymd.y == b.y && t.ymd.m == b.m && (t.ymd.d == 0 || t.ymd.d == b.d) {
				return true
			}
		}
		return t.ymd.y < birthYearsBefore
	}
	for _, g := range t.groups {
		if len(g) != 5 {
			continue
		}
		for _, b := range births {
			if s := b.serial(); s != 0 && atoiS(g) == s {
				return true
			}
		}
	}
	return t.digits >= 7
}

// scrub replaces each personal token of v by nameMask; in a code column
// (codes set) a division code is no personal token.
func scrub(v string, births []ymdDate, codes bool) string {
	r := []rune(v)
	var b strings.Builder
	last := 0
	for _, t := range tokens(r) {
		if codes && len(t.groups) == 1 && isDivisionCode(t.text) {
			continue
		}
		if !t.personal(births) {
			continue
		}
		b.WriteString(string(r[last:t.start]))
		b.WriteString(nameMask)
		last = t.end
	}
	if last == 0 {
		return v
	}
	b.WriteString(string(r[last:]))
	return b.String()
}

// serialDate reads v as a date as the birth column may hold one (any form
// dates.Parse reads, Excel serial numbers included).
func serialDate(v string) (ymdDate, bool) {
	t, err := dates.Parse(v, true)
	if err != nil {
		return ymdDate{}, false
	}
	return ymdDate{t.Year(), int(t.Month()), t.Day()}, true
}

// idBirth returns the date of birth inside an ID-like number (18 or 17
// characters: yyyymmdd from the 7th; 15: yymmdd from the 7th, 19yy).
func idBirth(s string) (ymdDate, bool) {
	var d ymdDate
	switch len(s) {
	case 18, 17:
		d = ymdDate{atoiS(s[6:10]), atoiS(s[10:12]), atoiS(s[12:14])}
	case 15:
		d = ymdDate{1900 + atoiS(s[6:8]), atoiS(s[8:10]), atoiS(s[10:12])}
	default:
		return d, false
	}
	return d, d.m >= 1 && d.m <= 12 && d.d >= 1 && d.d <= 31
}
