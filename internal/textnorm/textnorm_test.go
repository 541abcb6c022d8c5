package textnorm

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestClean(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"already clean", "张三", "张三"},
		{"ascii spaces", "  张三  ", "张三"},
		{"ideographic space", "\u3000张三\u3000", "张三"},
		{"no-break space", "\u00a0张三\u00a0", "张三"},
		{"byte order mark", "\ufeff张三", "张三"},
		{"zero-width space", "\u200b张三\u200b", "张三"},
		{"tab and new line", "\t张三\r\n", "张三"},
		{"only white space", "\u3000 \u00a0\t", ""},
		{"inner space kept", "张 三", "张 三"},
		{"inner ideographic space folds", "张\u3000三", "张 三"},
		{"full-width letters and digits", "ＡＢＣ１２３", "ABC123"},
		{"full-width lower x", "11010519491231002ｘ", "11010519491231002x"},
		{"full-width brackets", "所在县（市、区）", "所在县(市、区)"},
		{"full-width date", "１９９０年３月７日", "1990年3月7日"},
		{"lenticular brackets stay", "【两委】", "【两委】"},
		{"curly quotes stay", "“两委”委员", "“两委”委员"},
		{"middle dot stays", "阿卜杜·热合曼", "阿卜杜·热合曼"},
		{"circled digit", "①", "1"},
		{"kangxi radical", "\u2f00", "一"},
		{"compatibility ideograph", "\uf900", "\u8c48"},
		{"decomposed accent composes", "Cafe\u0301", "Café"},
		{"ligature", "ﬁle", "file"},
		{"ascii with punctuation", " ID_Number ", "ID_Number"},
		{"ideograph at the range's end", "\u9fff", "\u9fff"},
		{"ideograph past the range", "\u3400", "\u3400"},
		{"fold inside", "第（１）村", "第(1)村"},
		{"fold with wide spaces", "\u3000ＩＤ\u00a0Ｎｏ\u3000 ", "ID No"},
		{"wide spaces only at the ends", "\u3000 所在县、区\u00a0", "所在县、区"},
		{"full-width space inside", "张\u3000三", "张 三"},
		{"fold next to other", "（１）…", "(1)..."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Clean(tt.in); got != tt.want {
				t.Errorf("Clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := cleanSlow(tt.in); got != tt.want {
				t.Errorf("cleanSlow(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestScan(t *testing.T) {
	tests := []struct {
		in   string
		want int
	}{
		{"", plain},
		{"abc 123 ~", plain},
		{"张三", plain},
		{"\u4e00\u9fff", plain},
		{"所在县、区。“两委”《》【】〔〕·—", plain},
		{"\u4dff", other}, // just below the ideographs
		{"\ua000", other}, // just above
		{"\t", other},
		{"\x7f", other},
		{"\xe4\xb8", other}, // truncated
		{"\xff", other},
		{"…", other},
		{"（１）", foldable},
		{"\u3000张三", foldable},
		{"\u00a0", foldable},
		{"\uff01\uff5e", foldable},
		{"\uff00", other},
		{"\uff5f", other},
		{"（１）…", other},
	}
	for _, tt := range tests {
		if got := scan(tt.in); got != tt.want {
			t.Errorf("scan(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// TestScanEveryRune checks Clean's fast paths against NFKC for every single
// character of the Basic Multilingual Plane.
func TestScanEveryRune(t *testing.T) {
	for r := rune(0); r <= 0xffff; r++ {
		s := string(r)
		var got string
		switch scan(s) {
		case plain:
			got = s
		case foldable:
			got = foldWidth(s)
		default:
			continue
		}
		if want := norm.NFKC.String(s); got != want {
			t.Errorf("%U: fast path gives %q, NFKC %q", r, got, want)
		}
	}
}

func TestName(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"张三", "张三"},
		{"张 三", "张三"},
		{" 张\u3000\u3000三 ", "张三"},
		{"欧阳\u00a0 修", "欧阳修"},
		{"阿卜杜 · 热合曼", "阿卜杜·热合曼"},
		{"ＬＩ Ｍｉｎｇ", "LIMing"},
		{"张\t三\n丰", "张三丰"},
		{"\u3000", ""},
		{"C¸", "Ç"}, // NFKC gives "C \u0327"; without the space it composes
	}
	for _, tt := range tests {
		if got := Name(tt.in); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestHeaderKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"所在县（市、区）", "所在县市、区"},
		{"所在县(市、区)", "所在县市、区"},
		{" 所在县 市、区 ", "所在县市、区"},
		{"所在县【市、区】", "所在县市、区"},
		{"所在乡镇〔街道〕", "所在乡镇街道"},
		{"《村社区》", "村社区"},
		{"ID_Number", "id_number"},
		{" id number ", "idnumber"},
		{"ｉｄ＿ｎｕｍｂｅｒ", "id_number"},
		{"“两委”委员", "两委委员"},
		{"\"两委\"委员", "两委委员"},
		{"'两委'委员", "两委委员"},
		{"金额(元)", "金额元"},
		{"金额［元］", "金额元"},
		{"金额｛元｝", "金额元"},
		{"姓名", "姓名"},
		{"", ""},
		{"C¸", "ç"},
		{"C(\u0327)", "ç"},
		// Markers at either end are trimmed, inner ones kept.
		{"姓名*", "姓名"},
		{"*性别", "性别"},
		{"＊性别", "性别"},
		{"※学历", "学历"},
		{"★ 联系电话 ★", "联系电话"},
		{"▲△●到岗时间", "到岗时间"},
		{"姓名：", "姓名"},
		{"*所在县（市、区）", "所在县市、区"},
		{"金额*元", "金额*元"},
		{"*", ""},
		{"* (  ) *", ""},
		// HeaderKey keeps the text of a note; BareHeaderKey drops it.
		{"身份证号码（18位）", "身份证号码18位"},
	}
	for _, tt := range tests {
		if got := HeaderKey(tt.in); got != tt.want {
			t.Errorf("HeaderKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTrimNote(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"所在村（社区）（必填）", "所在村(社区)", true},
		{"所在村(社区)", "所在村", true},
		{"学历【必填】*", "学历", true},
		{"身份证号码（18位） ※ ", "身份证号码", true},
		{"政治面貌（党员(含预备)）", "政治面貌", true},
		{"（备注）", "", true},
		{"姓名", "姓名", false},
		{"姓名*", "姓名", false},
		{"姓名）", "姓名)", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got, ok := TrimNote(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("TrimNote(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestBareHeaderKey(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"身份证号码（18位）", "身份证号码"},
		{"身份证号码(18位)", "身份证号码"},
		{"到村任职时间(年月日)", "到村任职时间"},
		{"学历（必填）", "学历"},
		{"学历【必填】*", "学历"},
		{"*出生年月〔如1990.01〕", "出生年月"},
		{"联系电话（手机）（必填）", "联系电话"},
		{"政治面貌（党员(含预备)）", "政治面貌"},
		{"金额(元)", "金额"},
		{"所在县（市、区）", "所在县"},
		{"（备注）", ""},
		{"姓名（", "姓名"},
		{"姓名）", "姓名"},
		{"《村社区》", "村社区"},
		{"姓名", "姓名"},
		{" ID_Number (18) ", "id_number"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := BareHeaderKey(tt.in); got != tt.want {
			t.Errorf("BareHeaderKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestInvalidUTF8 checks that bytes that are not UTF-8 pass through Name and
// HeaderKey unchanged rather than turning into U+FFFD.
func TestInvalidUTF8(t *testing.T) {
	if got, want := Name("a \xff b"), "a\xffb"; got != want {
		t.Errorf("Name = %q, want %q", got, want)
	}
	if got, want := HeaderKey("A (\xff)"), "a\xff"; got != want {
		t.Errorf("HeaderKey = %q, want %q", got, want)
	}
}

func TestNoAllocWhenClean(t *testing.T) {
	long := strings.Repeat("南十方村", 20)
	tests := []struct {
		name string
		f    func(string) string
		in   string
	}{
		{"Clean plain", Clean, "张三"},
		{"Clean plain trimmed", Clean, "  张三 "},
		{"Clean long", Clean, long},
		{"Clean NFKC-stable", Clean, "所在县、区"},
		{"Clean NFKC-stable trimmed", Clean, "\ufeff 所在县、区\u200b\n"},
		{"Clean wide spaces trimmed", Clean, "\u3000“两委”委员\u00a0"},
		{"Name", Name, "欧阳修"},
		{"HeaderKey", HeaderKey, "所在县市、区"},
		{"HeaderKey trimmed", HeaderKey, " id_number "},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, func() { _ = tt.f(tt.in) }); n != 0 {
			t.Errorf("%s(%q): %v allocations, want 0", tt.name, tt.in, n)
		}
	}
}

// ledgerRow is a typical ledger row (23 columns, synthetic values).
var ledgerRow = []string{
	"张三", "140105199003070018", "男", "13800138000", "1990-03-07", "中共党员",
	"硕士研究生", "山西大学", "汉语言文学", "专项引进", "县内第一轮", "乡镇事业编制",
	"小店区", "北营街道", "南十方村", "140105001001", "2022年7月1日", "", "",
	"村委会委员", "2023-01-15", "村党支部书记", "2023",
}

func BenchmarkClean(b *testing.B) {
	n := 0
	for _, s := range ledgerRow {
		n += len(s)
	}
	b.SetBytes(int64(n))
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range ledgerRow {
			_ = Clean(s)
		}
	}
}

// BenchmarkCleanSlow is the same row without the fast path, for comparison.
func BenchmarkCleanSlow(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range ledgerRow {
			_ = cleanSlow(s)
		}
	}
}

// BenchmarkCleanFullWidth is a row as a careless spreadsheet holds it:
// full-width digits and brackets and ideographic spaces, so every field
// takes the slow path and most allocate.
func BenchmarkCleanFullWidth(b *testing.B) {
	row := make([]string, len(ledgerRow))
	for i, s := range ledgerRow {
		row[i] = "\u3000" + strings.Map(func(r rune) rune {
			if '0' <= r && r <= '9' {
				return r - '0' + '０'
			}
			return r
		}, s) + "\u3000"
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range row {
			_ = Clean(s)
		}
	}
}
