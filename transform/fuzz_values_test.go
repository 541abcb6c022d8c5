package transform

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// recordTypes lists every record type with a header, in a fixed order for
// the fuzz targets.
var recordTypes = []canon.RecordType{canon.Ledger, canon.Roles, canon.Assessments, canon.Vacancies, canon.Quota, canon.Subsidies, canon.Divisions}

// FuzzMatchHeader feeds arbitrary header rows (cells separated by |) to the
// header matcher of every record type and checks what must hold for any row:
// one position per cell, each column matched at most once and by the first
// cell that names it, every non-blank cell either matched or listed as
// unused, and the set of matched columns independent of the cells' order.
func FuzzMatchHeader(f *testing.F) {
	for _, rt := range recordTypes {
		var cells []string
		for _, c := range columns[rt] {
			cells = append(cells, c.headers...)
		}
		f.Add(uint8(slices.Index(recordTypes, rt)), strings.Join(cells, "|"))
	}
	f.Add(uint8(0), strings.Join(ledgerHeader, "|"))
	f.Add(uint8(0), " 姓 名 |身份证号（码）|【性别】|“学历”|ID_Number|id_number|||备注")
	f.Add(uint8(5), "金额（元）|金额(元)|金额元|\u3000类型\u3000|补贴\t项目")
	f.Add(uint8(6), "所在县（市、区）|县(市、区)代码|乡镇(街道)名称|\xff\xfe|\u00a0")
	f.Add(uint8(0), "姓名*|身份证号码（18位）|※学历|*性别|学历（必填）|到村任职时间(年月日)|（备注）|★")
	f.Fuzz(func(t *testing.T, which uint8, text string) {
		rt := recordTypes[int(which)%len(recordTypes)]
		cells := strings.Split(text, "|")
		h := matchHeader(rt, cells)
		if h.rt != rt || len(h.pos) != len(cells) || len(h.names) != len(cells) {
			t.Fatalf("header for %d cells has %d positions and %d names", len(cells), len(h.pos), len(h.names))
		}
		seen := map[int]int{}
		nonBlank := 0
		for i, c := range cells {
			if h.names[i] != textnorm.Clean(c) {
				t.Fatalf("cell %d name %q, want Clean(%q)", i, h.names[i], c)
			}
			if h.names[i] != "" {
				nonBlank++
			}
			j := h.pos[i]
			if j < 0 {
				continue
			}
			if j >= len(columns[rt]) {
				t.Fatalf("cell %d matched column %d of %d", i, j, len(columns[rt]))
			}
			if first, dup := seen[j]; dup {
				t.Fatalf("column %s matched by cells %d and %d", columns[rt][j].name, first, i)
			}
			seen[j] = i
			if k, ok := lookupHeader(headerIndex[rt], c); !ok || k != j {
				t.Fatalf("cell %q matched column %d, its key gives %d (%v)", c, j, k, ok)
			}
		}
		if h.matched != len(seen) {
			t.Fatalf("matched = %d, positions name %d columns", h.matched, len(seen))
		}
		if h.matched+len(h.unused) != nonBlank {
			t.Fatalf("%d matched + %d unused != %d non-blank cells", h.matched, len(h.unused), nonBlank)
		}
		// An unmatched cell whose key names a column lost to an earlier cell.
		for i, c := range cells {
			if h.pos[i] >= 0 || h.names[i] == "" {
				continue
			}
			if k, ok := lookupHeader(headerIndex[rt], c); ok {
				if first, dup := seen[k]; !dup || first > i {
					t.Fatalf("cell %d %q names column %s but is unused", i, c, columns[rt][k].name)
				}
			}
		}
		rev := slices.Clone(cells)
		slices.Reverse(rev)
		hr := matchHeader(rt, rev)
		if got, want := matchedSet(hr), matchedSet(h); !slices.Equal(got, want) {
			t.Fatalf("reversed cells match %v, in order %v", got, want)
		}
		// Adding the canonical name of a column not yet matched matches it.
		for j, c := range columns[rt] {
			if _, ok := seen[j]; ok {
				continue
			}
			more := matchHeader(rt, append(slices.Clone(cells), c.name))
			if more.matched != h.matched+1 || more.pos[len(cells)] != j {
				t.Fatalf("adding %q: matched %d (was %d), position %d", c.name, more.matched, h.matched, more.pos[len(cells)])
			}
			break
		}
	})
}

func matchedSet(h header) []int {
	var s []int
	for _, j := range h.pos {
		if j >= 0 {
			s = append(s, j)
		}
	}
	slices.Sort(s)
	return s
}

// amountSyntax is everything parseYuan may accept: an optional yuan sign,
// digits with thousands commas, an optional fraction and an optional 元.
var amountSyntax = regexp.MustCompile(`^[¥￥]?[0-9][0-9,]*(\.[0-9]+)?元?$`)

// FuzzValues feeds one cleaned cell to every value parser and checks that
// what each accepts is in its range, reads back the same when written in
// canonical form, and that nothing outside each parser's syntax is taken.
func FuzzValues(f *testing.F) {
	for _, s := range []string{
		"2021", "2021年", "2021年度", "2021.0", "1899", "2201", "",
		"12", "1,234", "12.0", "-1", "1e3",
		"1234.5", "1,234.50", "¥1234", "￥1234元", "1234.5000000001", "0.005", "1.+5", "1.-5",
		"100000000000000000000.001", "NaN", "Inf.000",
		"男", "女性", "M", "中共预备党员", "硕士研究生", "专项引进", "县级周转池", "辞职", "优秀", "新成立社区", "生活补贴",
		"村党支部书记", "党支部副书记", "副镇长", "街道办事处副主任", "居委会委员", "secretary", "会计",
	} {
		f.Add(s)
	}
	enums := map[string]enum{
		"gender": genders, "political": politicalStatuses, "degree": degrees, "channel": channels,
		"round": selectionRounds, "quota": quotaSources, "end": endReasons, "grade": grades,
		"vacancy": vacancyReasons, "subsidy": subsidyKinds,
	}
	f.Fuzz(func(t *testing.T, raw string) {
		s := textnorm.Clean(raw)
		if y, ok := parseYear(s); ok {
			if y < 1900 || y > 2200 {
				t.Fatalf("parseYear(%q) = %d out of range", s, y)
			}
			if y2, ok2 := parseYear(strconv.Itoa(int(y))); !ok2 || y2 != y {
				t.Fatalf("parseYear(%q) = %d, but %d reads as %d, %v", s, y, y, y2, ok2)
			}
		}
		if n, ok := parseCount(s); ok {
			if n < 0 {
				t.Fatalf("parseCount(%q) = %d", s, n)
			}
			if n2, ok2 := parseCount(strconv.Itoa(int(n))); !ok2 || n2 != n {
				t.Fatalf("parseCount(%q) = %d, but %d reads as %d, %v", s, n, n, n2, ok2)
			}
		}
		if fen, ok := parseYuan(s); ok {
			if fen < 0 || fen > maxYuan*100 {
				t.Fatalf("parseYuan(%q) = %d fen out of range", s, fen)
			}
			if !amountSyntax.MatchString(s) {
				t.Fatalf("parseYuan(%q) = %d fen, but that is not an amount", s, fen)
			}
			canonical := fmt.Sprintf("%d.%02d", fen/100, fen%100)
			if fen2, ok2 := parseYuan(canonical); !ok2 || fen2 != fen {
				t.Fatalf("parseYuan(%q) = %d, but %s reads as %d, %v", s, fen, canonical, fen2, ok2)
			}
		}
		for name, e := range enums {
			if v, ok := e.lookup(s); ok && e[v] != v {
				t.Fatalf("%s lookup(%q) = %q, not a canonical code", name, s, v)
			}
		}
		if s != "" {
			if v := mapEndReason(s); endReasons[v] != v {
				t.Fatalf("mapEndReason(%q) = %q, not a canonical code", s, v)
			}
		}
		if c, ok := roleCategory(s); ok {
			switch c {
			case roleSecretary, roleCommittee, roleTownshipLeadership:
			default:
				t.Fatalf("roleCategory(%q) = %q", s, c)
			}
			if c2, ok2 := roleCategory(c); !ok2 || c2 != c {
				t.Fatalf("roleCategory(%q) = %q, but that reads as %q, %v", s, c, c2, ok2)
			}
		} else if c != "" {
			t.Fatalf("roleCategory(%q) = %q without ok", s, c)
		}
	})
}

func TestParseNumbers(t *testing.T) {
	yuan := []struct {
		in  string
		fen int64
		ok  bool
	}{
		{"1234", 123400, true}, {"1,234.5", 123450, true}, {"1234.50", 123450, true},
		{"¥1234", 123400, true}, {"￥1,234元", 123400, true}, {"0.005", 1, true}, {"0.004", 0, true},
		{"1234.5699999999999", 123457, true}, {"0.995", 100, true}, {"1000000000000", 100000000000000, true},
		{"1000000000000.01", 0, false}, {"1.+5", 0, false}, {"1.-5", 0, false}, {"-1", 0, false}, {"+1", 0, false},
		{"1e3", 0, false}, {"1.", 0, false}, {".5", 0, false}, {",1", 0, false}, {"", 0, false}, {"元", 0, false},
		{"100000000000000000000.001", 0, false},
	}
	for _, c := range yuan {
		if fen, ok := parseYuan(c.in); fen != c.fen || ok != c.ok {
			t.Errorf("parseYuan(%q) = %d, %v; want %d, %v", c.in, fen, ok, c.fen, c.ok)
		}
	}
	years := map[string]int32{"2021": 2021, "2021年": 2021, "2021年度": 2021, "2021.0": 2021, "1899": 0, "2201": 0, "二〇二一": 0, "": 0}
	for in, want := range years {
		if y, ok := parseYear(in); y != want || ok != (want != 0) {
			t.Errorf("parseYear(%q) = %d, %v; want %d", in, y, ok, want)
		}
	}
	counts := map[string]int32{"12": 12, "1,234": 1234, "12.0": 12, "0": 0, "-1": -1, "1.5": -1, "": -1}
	for in, want := range counts {
		if n, ok := parseCount(in); ok != (want >= 0) || (ok && n != want) {
			t.Errorf("parseCount(%q) = %d, %v; want %d", in, n, ok, want)
		}
	}
}
