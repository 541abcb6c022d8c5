package canon

import (
	"slices"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

func TestMatchName(t *testing.T) {
	cases := []struct {
		name string
		want RecordType
		seen []string
	}{
		// Names that held the type at their start, as before.
		{"人员台账.csv", Ledger, []string{"人员台账"}},
		{"ledger_140181_2024.csv", Ledger, []string{"ledger"}},
		{"Roles.json", Roles, []string{"roles"}},
		{"年度考核", Assessments, []string{"年度考核"}},
		{"村社区名录.csv", Divisions, []string{"村社区名录"}},
		// The type inside the name, among years, counties and markers.
		{"古交市 2022 年度考核.csv", Assessments, []string{"年度考核"}},
		{"年度考核 古交市 2022.csv", Assessments, []string{"年度考核"}},
		{"2022年人员台账", Ledger, []string{"人员台账"}},
		{"人员台账（补充）", Ledger, []string{"人员台账"}},
		{"新增人员台账.xlsx", Ledger, []string{"人员台账"}},
		{"娄烦县-任职记录-2024.12.ndjson", Roles, []string{"任职记录"}},
		{"１４０１８１空缺登记.CSV", Vacancies, []string{"空缺登记"}},
		{"140181_Subsidies_2024.csv", Subsidies, []string{"subsidies"}},
		{"county-QUOTA.json", Quota, []string{"quota"}},
		{"supplement ledger.csv", Ledger, []string{"ledger"}},
		// 编制 is short: alone it names the quota.
		{"乡镇编制2022.xlsx", Quota, []string{"编制"}},
		{"编制.csv", Quota, []string{"编制"}},
		// A note in brackets is set aside when the rest names a type.
		{"人员台账（含编制）.xlsx", Ledger, []string{"人员台账"}},
		{"人员台账[编制内].csv", Ledger, []string{"人员台账"}},
		{"古交市（年度考核）.csv", Assessments, []string{"年度考核"}},
		// Two types' names: unknown, with both named.
		{"人员台账和编制.xlsx", "", []string{"人员台账", "编制"}},
		{"任职记录 年度考核.csv", "", []string{"任职记录", "年度考核"}},
		{"ledger-roles.csv", "", []string{"ledger", "roles"}},
		{"古交市（人员台账、编制）.csv", "", []string{"人员台账", "编制"}},
		// Both names of one type are one type.
		{"人员台账 ledger.csv", Ledger, []string{"人员台账", "ledger"}},
		// No type.
		{"", "", nil},
		{"Sheet1", "", nil},
		{"古交市 2022.csv", "", nil},
		{"pledger.csv", "", nil},
		{"ledgerbook.csv", "", nil},
		{"人员台", "", nil},
		{"编制来源", Quota, []string{"编制"}}, // a header, never a file name; shown for what it would give
	}
	for _, c := range cases {
		rt, seen := MatchName(c.name)
		if rt != c.want || !slices.Equal(seen, c.seen) {
			t.Errorf("MatchName(%q) = %q, %q; want %q, %q", c.name, rt, seen, c.want, c.seen)
		}
		if got, ok := TypeOfFileName(c.name); got != c.want || ok != (c.want != "") {
			t.Errorf("TypeOfFileName(%q) = %q, %v; want %q", c.name, got, ok, c.want)
		}
		if got, ok := TypeOfSheet(c.name); got != c.want || ok != (c.want != "") {
			t.Errorf("TypeOfSheet(%q) = %q, %v; want %q", c.name, got, ok, c.want)
		}
	}
}

func TestIsSupplement(t *testing.T) {
	cases := []struct {
		name string
		want bool
	}{
		{"新增人员台账.xlsx", true},
		{"人员台账（补充）", true},
		{"人员台账(增补).csv", true},
		{"ledger_Supplement_2024.csv", true},
		{"SUPPLEMENTARY ledger.csv", true},
		{"人员台账.xlsx", false},
		{"2022年人员台账", false},
		{"补贴发放.csv", false}, // 补贴 is not 补充
		{"新人员台账", false},
		{"", false},
	}
	for _, c := range cases {
		if got := IsSupplement(c.name); got != c.want {
			t.Errorf("IsSupplement(%q) = %v, want %v", c.name, got, c.want)
		}
	}
}

// FuzzMatchName checks that MatchName never panics, that a type it finds is
// named in the name, that it finds a type exactly when the names it saw
// belong to one type, and that a year before and a supplement marker after a
// name change nothing.
func FuzzMatchName(f *testing.F) {
	for _, s := range []string{"", "人员台账", "古交市 2022 年度考核.csv", "人员台账（含编制）", "ledger-roles",
		"(((", ")编制(", "ｌｅｄｇｅｒ", "pledgers", "任职记录【年度考核】", "\xff编制"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rt, seen := MatchName(s)
		n := strings.ToLower(textnorm.Clean(s))
		types := map[RecordType]bool{}
		for _, name := range seen {
			switch {
			case strings.Contains(n, name):
			default:
				t.Fatalf("MatchName(%q) saw %q, which the name does not hold", s, name)
			}
			for _, t2 := range nameTypes {
				if sheetNames[t2] == name || string(t2) == name {
					types[t2] = true
				}
			}
		}
		if (rt != "") != (len(types) == 1) {
			t.Fatalf("MatchName(%q) = %q but saw %q", s, rt, seen)
		}
		if rt != "" && !types[rt] {
			t.Fatalf("MatchName(%q) = %q but saw %q", s, rt, seen)
		}
		wrapped := "2022 " + s + " 补充"
		if !strings.Contains(textnorm.Clean(wrapped), textnorm.Clean(s)) {
			return // normalising joined the added text to s
		}
		if rt2, seen2 := MatchName(wrapped); rt2 != rt || !slices.Equal(seen2, seen) {
			t.Fatalf("MatchName(%q) = %q, %q but MatchName(%q) = %q, %q", s, rt, seen, wrapped, rt2, seen2)
		}
		if !IsSupplement(wrapped) {
			t.Fatalf("IsSupplement(%q) = false", wrapped)
		}
	})
}
