package transform

import (
	"encoding/json"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/canon"
)

// Excel serial 33444 is 1991-07-25, counted by hand: 33444 - 25569 (the
// serial of 1970-01-01) = 7875 days; 1970..1990 are 21 years with 5 leap
// years, 7670 days; the 205 days left end on 25 July 1991.
var born1991 = []ymdDate{{1991, 7, 25}}

func TestMaskFreeText(t *testing.T) {
	cases := []struct {
		in     string
		births []ymdDate
		want   string
	}{
		// Dates of birth (any year before 2010) in every spelling.
		{"1993-09-16", nil, "**"},
		{"1993-9-16", nil, "**"},
		{"1993/9/16", nil, "**"},
		{"1993/09/16", nil, "**"},
		{"1993.09.16", nil, "**"},
		{"1993.9.16", nil, "**"},
		{"19930916", nil, "**"},
		{"1993年9月16日", nil, "**"},
		{"1993年09月16日", nil, "**"},
		{"生于1993年9月16号", nil, "生于**"},
		{"一九九三年九月十六日", nil, "**"},
		{"一九九三年十二月三十一日生", nil, "**生"},
		{"一九九三年九月", nil, "**"},
		{"1993年9月", nil, "**"},
		{"1993-09", nil, "**"},
		{"1993-09-16T00:00:00", nil, "**T00:00:00"},
		// An odd year in 年月日 form is masked whatever it says.
		{"11993年9月16日", nil, "**"},
		{"93年9月16日", nil, "**"},
		// Excel serials: the row's own date of birth only.
		{"33444", born1991, "**"},
		{"33444.5", born1991, "**"},
		{"33444", nil, "33444"},
		{"44743", born1991, "44743"},
		// The row's own date of birth, even after 2010.
		{"2015-3-4", []ymdDate{{2015, 3, 4}}, "**"},
		{"2015年03月04日", []ymdDate{{2015, 3, 4}}, "**"},
		{"20150304", []ymdDate{{2015, 3, 4}}, "**"},
		{"2015-03-05", []ymdDate{{2015, 3, 4}}, "2015-03-05"},
		// ID numbers: 18 and 15 digits, spaces, dashes, x.
		{"110105194912310021", nil, "**"},
		{"11010519491231002X", nil, "**"},
		{"11010519491231002x", nil, "**"},
		{"110105 19491231 002X", nil, "**"},
		{"110105-1949-1231-0021", nil, "**"},
		{"身份证110105491231002号", nil, "身份证**号"},
		// Phones: mobiles with and without +86 or 86, spaces, dashes; landlines.
		{"13800000000", nil, "**"},
		{"+86 138 0000 0000", nil, "**"},
		{"+8613800000000", nil, "**"},
		{"86-138-0000-0000", nil, "**"},
		{"138-0000-0000", nil, "**"},
		{"138_0000_0000", nil, "**"},
		{"138   0000   0000", nil, "**"},
		{"0351-1234567", nil, "**"},
		{"(0351)12345678", nil, "(0351)**"},
		{"电话0351-1234567转8", nil, "电话**转8"},
		{"联系13912345678，生日1993.9.16", nil, "联系**，生日**"},
		// What the clerk needs stays: posting dates (2010 on), words, small numbers.
		{"2021-02-30", nil, "2021-02-30"},
		{"2022/7/1", nil, "2022/7/1"},
		{"2022年7月1日", nil, "2022年7月1日"},
		{"二〇二二年七月一日", nil, "二〇二二年七月一日"},
		{"20220701", nil, "20220701"},
		{"2022.07", nil, "2022.07"},
		{"待定", nil, "待定"},
		{"山西大学", nil, "山西大学"},
		{"3000", nil, "3000"},
		{"第2轮", nil, "第2轮"},
		{"1993年", nil, "1993年"},
	}
	for _, c := range cases {
		if got := maskValue("end_reason", c.in, c.births); got != c.want {
			t.Errorf("maskValue(end_reason, %q, %v) = %q, want %q", c.in, c.births, got, c.want)
		}
	}
}

func TestMaskColumns(t *testing.T) {
	cases := []struct{ col, in, want string }{
		// Names: one fixed mask whatever the length.
		{"name", "李", "**"},
		{"name", "张三", "**"},
		{"name", "王小明", "**"},
		{"name", "欧阳娜娜", "**"},
		{"name", "", ""},
		// Dates of birth: the whole value, any spelling.
		{"birth", "1993-09-16", "**"},
		{"birth", "19931216", "**"},
		{"birth", "33444", "**"},
		{"birth", "一九九三年九月十六日", "**"},
		{"birth", "1949-13", "**"},
		// ID numbers keep the area code, phones the first 3 digits.
		{"id_number", "110105194912310021", "110105************"},
		{"id_number", "110105491231002", "110105*********"},
		{"id_number", "张110105194912310021", "*******************"},
		{"phone", "13800000000", "138********"},
		{"phone", "+8613800000000", "**************"},
		// Division codes stay; anything else in a code column is scanned.
		{"village_code", "140105001001", "140105001001"},
		{"township", "140105001", "140105001"},
		{"county", "140123", "140123"},
		{"village_code", "13800000000", "**"},
		{"village_code", "140105001001' OR '1'='1", "140105001001' OR '1'='1"},
		{"village_code", "140105001001,13800000000", "140105001001,**"},
		{"village_code", "140105001001 13800000000", "**"}, // one run of 23 digits
		{"village", "140105001001", "**"},
		{"village_code", "035112345678", "**"},
		{"village", "坞城社区", "坞城社区"},
		{"degree", "硕士研究生", "硕士研究生"},
	}
	for _, c := range cases {
		if got := maskValue(c.col, c.in, nil); got != c.want {
			t.Errorf("maskValue(%s, %q) = %q, want %q", c.col, c.in, got, c.want)
		}
	}
}

// TestMaskRawRow masks a whole ledger row as the normaliser does: the row's
// date of birth, read from its birth column as an Excel serial, is masked
// where it appears elsewhere in any spelling, and the date inside its ID
// number too.
func TestMaskRawRow(t *testing.T) {
	row := with(with(with(goodLedger(), "出生年月", "33444"), "离岗原因", "生日33444，又写作1991年7月25日，身份证生日19491231"),
		"所在村(社区)", "坞城社区 1991-7-25")
	h := matchHeader(canon.Ledger, ledgerHeader)
	var got map[string]string
	if err := json.Unmarshal([]byte(maskRaw(&h, row)), &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"姓名": "**", "身份证号码": "110105************", "出生年月": "**",
		"联系电话": "138********", "离岗原因": "生日**,又写作**,身份证生日**" /* NFKC: full-width commas */, "所在村(社区)": "坞城社区 **",
		"学历": "硕士研究生", "到岗时间": "2020/7/1", "所在县(市、区)": "小店区",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q (all: %v)", k, got[k], v, got)
		}
	}
	if _, ok := got["备注"]; ok {
		t.Errorf("备注, a column no record reads, kept: %v", got)
	}
}
