package transform

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/idnum"
)

// birthSpellings writes the date y-m-d in every spelling a county might use
// for a date of birth: ISO with -, / and . and with or without leading
// zeros, compact, 年月日 (日 or 号, with or without leading zeros), in Chinese
// numerals, and as an Excel serial number (1900 date system: serial n is n
// days after 1899-12-30 from 1900-03-01 on).
func birthSpellings(y, m, d int) []string {
	var out []string
	for _, sep := range []string{"-", "/", "."} {
		for _, mf := range []string{"%d", "%02d"} {
			for _, df := range []string{"%d", "%02d"} {
				out = append(out, fmt.Sprintf("%d"+sep+mf+sep+df, y, m, d))
			}
		}
	}
	out = append(out, fmt.Sprintf("%d%02d%02d", y, m, d))
	for _, f := range []string{"%d年%d月%d", "%d年%02d月%02d"} {
		for _, mark := range []string{"日", "号"} {
			out = append(out, fmt.Sprintf(f, y, m, d)+mark)
		}
	}
	out = append(out, chineseNumerals(y, m, d))
	days := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC).Sub(time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)).Hours() / 24
	return append(out, fmt.Sprint(int(days)))
}

// chineseNumerals writes 一九九三年九月十六日 for 1993-09-16.
func chineseNumerals(y, m, d int) string {
	digit := []rune("〇一二三四五六七八九")
	var b strings.Builder
	for _, c := range fmt.Sprint(y) {
		b.WriteRune(digit[c-'0'])
	}
	small := func(n int) string {
		switch {
		case n < 10:
			return string(digit[n])
		case n == 10:
			return "十"
		case n < 20:
			return "十" + string(digit[n-10])
		case n%10 == 0:
			return string(digit[n/10]) + "十"
		}
		return string(digit[n/10]) + "十" + string(digit[n%10])
	}
	return b.String() + "年" + small(m) + "月" + small(d) + "日"
}

// containsBounded reports whether s holds w with no ASCII digit right
// before or right after it.
func containsBounded(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		j += i
		before := j == 0 || s[j-1] < '0' || s[j-1] > '9'
		after := j+len(w) == len(s) || s[j+len(w)] < '0' || s[j+len(w)] > '9'
		if before && after {
			return true
		}
		i = j + 1
	}
}

// A digit run as one writes a number: digits joined by up to three spaces,
// tabs, dashes, slashes, dots or underscores, an x at the end.
var digitRun = regexp.MustCompile(`[0-9](?:[ \t./_\-–—]{0,3}[0-9])*[xX]?`)

// A mobile number (with 86 or 0086 before it) or a landline with its area
// code, once separators are taken out.
var phoneLike = regexp.MustCompile(`^(?:(?:00)?86)?1[3-9][0-9]{9}$|^0[1-9][0-9]{8,10}$`)

// leaks returns what in s looks like an ID number, a phone or a spelling of
// the date of birth y-m-d.
func leaks(s string, y, m, d int) []string {
	var out []string
	for _, run := range digitRun.FindAllString(s, -1) {
		bare := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == 'x' || r == 'X' {
				return r
			}
			return -1
		}, run)
		if _, err := idnum.Parse(bare); err == nil || errors.Is(err, idnum.ErrChecksum) {
			out = append(out, "ID number "+run)
		}
		if phoneLike.MatchString(bare) {
			out = append(out, "phone "+run)
		}
	}
	for _, w := range birthSpellings(y, m, d) {
		if containsBounded(s, w) {
			out = append(out, "birth date "+w)
		}
	}
	return out
}

// FuzzMaskRaw masks a ledger row whose free-text cells, code cells, name and
// phone are arbitrary text and whose date of birth, written in one of its
// spellings in the birth column, is also written in another spelling in the
// middle of the text. No value of the result may hold an ID number (one
// idnum.Parse reads, whether its check character is right or not), a phone, or the date of birth in any spelling.
func FuzzMaskRaw(f *testing.F) {
	f.Add("13800000000", 65, 9, 16, uint8(0), uint8(3))
	f.Add("身份证 110105 19491231 002X，电话 +86 138-0000-0000", 65, 12, 31, uint8(8), uint8(14))
	f.Add("(0351)1234567 一九九三年九月十六日 33444", 63, 7, 25, uint8(17), uint8(16))
	f.Add("20210230 2022年7月1日 待定", 121, 2, 28, uint8(13), uint8(12))
	f.Add("140105001001", 88, 1, 1, uint8(5), uint8(9))
	h := matchHeader(canon.Ledger, ledgerHeader)
	f.Fuzz(func(t *testing.T, text string, yy, mm, dd int, form, form2 uint8) {
		y, m, d := 1928+int(uint(yy)%172), 1+int(uint(mm)%12), 1+int(uint(dd)%28) // serials of 5 digits
		sp := birthSpellings(y, m, d)
		area, seq := "140105", "123"
		first17 := area + fmt.Sprintf("%04d%02d%02d", y, m, d) + seq
		row := goodLedger()
		set := func(col, v string) { row = with(row, col, v) }
		set("姓名", text)
		set("身份证号码", first17+string(idnum.CheckChar(first17)))
		set("联系电话", text)
		set("出生年月", sp[int(form)%len(sp)])
		set("离岗原因", text+sp[int(form2)%len(sp)]+text)
		set("所在村(社区)", text)
		set("村社区代码", text)
		set("所在乡镇(街道)", text)
		set("到岗时间", text)
		raw := maskRaw(&h, row)
		var got map[string]string
		if err := json.Unmarshal([]byte(raw), &got); err != nil {
			t.Fatalf("raw_masked is not a JSON object of strings: %v", err)
		}
		for k, v := range got {
			if l := leaks(v, y, m, d); len(l) > 0 {
				t.Errorf("%s = %q holds %v", k, v, l)
			}
		}
	})
}

// TestLeaksFinds checks the fuzz target's detector on unmasked values: it
// must see each ID number, phone and spelling of the date of birth.
func TestLeaksFinds(t *testing.T) {
	for _, s := range append([]string{"110105194912310021", "11010519491231002x", "110105 491231 002",
		"13800000000", "+86 138 0000 0000", "0351-1234567"}, birthSpellings(1991, 7, 25)...) {
		if len(leaks("见"+s+"。", 1991, 7, 25)) == 0 {
			t.Errorf("leaks misses %q", s)
		}
	}
	if got := birthSpellings(1991, 7, 25); got[len(got)-1] != "33444" || got[len(got)-2] != "一九九一年七月二十五日" {
		t.Errorf("spellings %v", got)
	}
	if l := leaks("2022-07-01 140105001001 3000", 1991, 7, 25); len(l) > 0 {
		t.Errorf("leaks sees %v in harmless text", l)
	}
}
