package feedback

import (
	"bufio"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/canon"
)

const feedsDoc = "../docs/feeds.md"

// docCodes reads the codes in the first column of the tables under the
// headings 拒绝原因 and 发现代码 of docs/feeds.md (as
// transform/feeds_doc_test.go reads them): `missing:<列名>` is "missing:".
func docCodes(t *testing.T) (rejects, findings []string) {
	t.Helper()
	f, err := os.Open(feedsDoc)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	heading := regexp.MustCompile(`^#{2,6}\s+(.*?)\s*$`)
	var into *[]string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if m := heading.FindStringSubmatch(line); m != nil {
			switch m[1] {
			case "拒绝原因":
				into = &rejects
			case "发现代码":
				into = &findings
			default:
				into = nil
			}
			continue
		}
		if into == nil || !strings.HasPrefix(line, "| `") {
			continue
		}
		first := strings.TrimSpace(strings.Split(strings.Trim(line, "|"), " | ")[0])
		*into = append(*into, strings.TrimSuffix(strings.Trim(first, "`"), "<列名>"))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rejects, findings
}

// TestCatalogueCoversFeedsDoc fails when docs/feeds.md lists a reject reason
// or finding code that has no Chinese explanation here.
func TestCatalogueCoversFeedsDoc(t *testing.T) {
	rejects, findings := docCodes(t)
	// Sanity: the parse must see codes known to be there.
	for _, want := range []struct {
		list []string
		code string
	}{{rejects, "bad_id_checksum"}, {rejects, "missing:"}, {findings, "gender_mismatch"}, {findings, "unused_columns"}} {
		if !strings.Contains(strings.Join(want.list, " "), want.code) {
			t.Fatalf("%s: the parse found no %s: it is broken (rejects %v, findings %v)", feedsDoc, want.code, rejects, findings)
		}
	}
	for _, code := range append(rejects, findings...) {
		if !Known(code) {
			t.Errorf("%s lists %s, which has no Chinese explanation in the feedback catalogue", feedsDoc, code)
			continue
		}
		reason, advice := Explain(code)
		if !hasHan(reason) || !hasHan(advice) {
			t.Errorf("%s: reason %q or advice %q is not Chinese", code, reason, advice)
		}
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}

func TestExplain(t *testing.T) {
	for _, c := range []struct {
		rt                 canon.RecordType
		code               string
		inReason, inAdvice string
	}{
		{"", "bad_id_checksum", "第18位校验码", "身份证号第18位校验码不符，请与身份证原件核对"},
		{"", "missing:id_number", "“身份证号”为空", "补上“身份证号”"},
		{canon.Ledger, "bad_date:start_date", "“到岗时间”", "到岗时间"},
		{canon.Roles, "bad_date:start_date", "“任职时间”", "任职时间"},
		{canon.Ledger, "unknown_value:degree", "“学历”", "学历"},
		{canon.Ledger, "missing_column:id_number", "找不到“身份证号”这一列", "身份证号"},
		{"", "empty_file", "0 字节", "重新"},
		{"", "refused:unsupported format", "格式不支持", ".xlsx"},
		{"", "missing:village", "都没有填", "12 位村级代码"},
	} {
		if !Known(c.code) {
			t.Errorf("%s: not known", c.code)
		}
		reason, advice := ExplainIn(c.rt, c.code)
		if !strings.Contains(reason, c.inReason) || !strings.Contains(advice, c.inAdvice) {
			t.Errorf("ExplainIn(%q, %s) = %q, %q; want %q in the reason and %q in the advice", c.rt, c.code, reason, advice, c.inReason, c.inAdvice)
		}
	}
	if Known("no_such_code") || Known("no_such:x") {
		t.Error("an unknown code is known")
	}
	if reason, _ := Explain("no_such_code"); !strings.Contains(reason, "no_such_code") {
		t.Errorf("an unknown code's reason %q does not name it", reason)
	}
}
