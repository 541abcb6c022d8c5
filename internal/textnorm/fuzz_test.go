package textnorm

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzClean(f *testing.F) {
	for _, s := range []string{
		"", "张三", " 张 三 ", "\u3000所在县（市、区）\u00a0", "ＡＢＣ１２３", "Cafe\u0301",
		"\ufeff\u200b", "“两委”委员", "\xff\xfe", "\u4e00\u9fff\u4dff\ua000", " \u0301x",
		"身份证号码（18位）", "*姓名※", "学历（必填）(", "*\u0301", "【（）】",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c := Clean(s)
		if slow := cleanSlow(s); c != slow {
			t.Fatalf("Clean(%q) = %q, cleanSlow = %q", s, c, slow)
		}
		if !utf8.ValidString(s) {
			return
		}
		if c2 := Clean(c); c2 != c {
			t.Fatalf("Clean not idempotent on %q: %q then %q", s, c, c2)
		}
		if c != strings.TrimFunc(c, isSpace) {
			t.Fatalf("Clean(%q) = %q keeps white space at an end", s, c)
		}
		n := Name(s)
		if strings.IndexFunc(n, isSpace) >= 0 {
			t.Fatalf("Name(%q) = %q holds white space", s, n)
		}
		if n2 := Name(n); n2 != n {
			t.Fatalf("Name not idempotent on %q: %q then %q", s, n, n2)
		}
		k := HeaderKey(s)
		if strings.IndexFunc(k, func(r rune) bool {
			return isSpace(r) || isHeaderJunk(r) || ('A' <= r && r <= 'Z')
		}) >= 0 {
			t.Fatalf("HeaderKey(%q) = %q keeps a character it drops", s, k)
		}
		if k2 := HeaderKey(k); k2 != k {
			t.Fatalf("HeaderKey not idempotent on %q: %q then %q", s, k, k2)
		}
		if k != "" {
			first, _ := utf8.DecodeRuneInString(k)
			last, _ := utf8.DecodeLastRuneInString(k)
			if isMarker(first) || isMarker(last) {
				t.Fatalf("HeaderKey(%q) = %q keeps a marker at an end", s, k)
			}
		}
		b := BareHeaderKey(s)
		if strings.ContainsAny(b, "()[]{}【】〔〕") {
			t.Fatalf("BareHeaderKey(%q) = %q keeps a bracket", s, b)
		}
		if b2 := BareHeaderKey(b); b2 != b {
			t.Fatalf("BareHeaderKey not idempotent on %q: %q then %q", s, b, b2)
		}
		if tn, ok := TrimNote(s); ok && len(tn) >= len(Clean(s)) {
			t.Fatalf("TrimNote(%q) = %q does not shorten it", s, tn)
		}
		if !strings.ContainsAny(Clean(s), "([{【〔") && b != k {
			t.Fatalf("BareHeaderKey(%q) = %q but HeaderKey = %q with no note", s, b, k)
		}
	})
}
