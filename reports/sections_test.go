package reports

import (
	"bytes"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

var (
	theadRe = regexp.MustCompile(`(?s)<thead>(.*?)</thead>`)
	thRe    = regexp.MustCompile(`(?s)<th([^>]*)>(.*?)</th>`)
	spanRe  = regexp.MustCompile(`(colspan|rowspan)="(\d+)"`)
)

// htmlHeadings reads the column headings of the HTML table id as one line
// each: a heading under a group spanning several columns (a head of two
// rows) reads "group：heading", as the workbook writes it.
func htmlHeadings(t *testing.T, page, id string) []string {
	t.Helper()
	start := strings.Index(page, `<table id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %s", id)
	}
	m := theadRe.FindStringSubmatch(page[start:])
	if m == nil {
		t.Fatalf("table %s has no <thead>", id)
	}
	rows := rowRe.FindAllStringSubmatch(m[1], -1)
	if len(rows) == 0 || len(rows) > 2 {
		t.Fatalf("table %s: %d header rows", id, len(rows))
	}
	type cell struct {
		text            string
		colspan, second int // second: how many cells of the second row it heads
	}
	var first []cell
	for _, th := range thRe.FindAllStringSubmatch(rows[0][3], -1) {
		c := cell{text: cellText(th[2]), colspan: 1}
		spans := map[string]int{}
		for _, s := range spanRe.FindAllStringSubmatch(th[1], -1) {
			n, err := strconv.Atoi(s[2])
			if err != nil {
				t.Fatal(err)
			}
			spans[s[1]] = n
		}
		if len(rows) == 2 && spans["rowspan"] != 2 {
			c.second = max(1, spans["colspan"])
		}
		first = append(first, c)
	}
	var second []string
	if len(rows) == 2 {
		for _, th := range thRe.FindAllStringSubmatch(rows[1][3], -1) {
			second = append(second, cellText(th[2]))
		}
	}
	var out []string
	for _, c := range first {
		if c.second == 0 {
			out = append(out, c.text)
			continue
		}
		if len(second) < c.second {
			t.Fatalf("table %s: group %s spans %d columns, %d left in the second row", id, c.text, c.second, len(second))
		}
		for _, s := range second[:c.second] {
			out = append(out, c.text+"："+s)
		}
		second = second[c.second:]
	}
	if len(second) > 0 {
		t.Fatalf("table %s: headings %q under no group", id, second)
	}
	return out
}

// TestHeadingsSameInHTMLAndWorkbook renders the sample report in both
// formats and checks, section by section, that the HTML table and the
// workbook's sheet show the columns the section lists and that a column
// both show has the same heading in both, and that the section's title is
// the HTML's heading and is in the sheet's title.
func TestHeadingsSameInHTMLAndWorkbook(t *testing.T) {
	d := sampleReport()
	page := renderHTML(t, d)
	var buf bytes.Buffer
	if err := RenderXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	var pairs [][2]*section
	for _, s := range sections {
		if s.html != nil && s.xlsx != nil {
			pairs = append(pairs, [2]*section{s, s})
		}
	}
	// Every section with a table in both formats: the nine of before and
	// the six of issue 16 (flows, the month's exits, ranking, progress,
	// selection rounds, subsidies).
	if len(pairs) < 15 {
		t.Fatalf("%d sections in both formats", len(pairs))
	}
	for _, p := range pairs {
		h, x := p[0], p[1]
		t.Run(h.key, func(t *testing.T) {
			html := htmlHeadings(t, page, "table-"+h.key)
			rows, err := f.GetRows(x.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) < 2 {
				t.Fatalf("sheet %s has %d rows", x.sheet, len(rows))
			}
			xlsx := rows[1]
			if len(html) != len(h.html) || len(xlsx) != len(x.xlsx) {
				t.Fatalf("HTML %q (%d columns listed), workbook %q (%d listed)", html, len(h.html), xlsx, len(x.xlsx))
			}
			shared := 0
			for i, k := range h.html {
				j := slices.Index(x.xlsx, k)
				if j < 0 {
					continue
				}
				shared++
				if html[i] != xlsx[j] {
					t.Errorf("column %s: HTML %q, workbook %q", k, html[i], xlsx[j])
				}
				if want := h.column(k).heading(); html[i] != want {
					t.Errorf("column %s: HTML %q, vocabulary %q", k, html[i], want)
				}
			}
			if shared < 2 {
				t.Errorf("only %d columns in both formats", shared)
			}
			// The HTML shows the retention table right under its chapter
			// (留任与在岗生存), without a heading of its own.
			if h != secRetention && !strings.Contains(page, h.title+"</h") {
				t.Errorf("no HTML heading %q", h.title)
			}
			if len(rows[0]) != 1 || !strings.Contains(rows[0][0], x.title) {
				t.Errorf("sheet title %q lacks %q", rows[0], x.title)
			}
		})
	}
}

// TestHeadingsOfTheProgramme: the names the two formats used to give the
// same things differently are now the HTML's in both.
func TestHeadingsOfTheProgramme(t *testing.T) {
	d := sampleReport()
	page := renderHTML(t, d)
	var buf bytes.Buffer
	if err := RenderXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	header := func(sheet string) string {
		rows, err := f.GetRows(sheet)
		if err != nil || len(rows) < 2 {
			t.Fatalf("sheet %s: %v", sheet, err)
		}
		return strings.Join(rows[1], "|")
	}
	for _, c := range []struct {
		sheet, table string
		want, gone   []string
	}{
		{"编制使用", "table-quota", []string{"县级周转池", "乡镇（街道）事业编制", "未使用"}, []string{"县级统筹编制", "乡镇编制", "空余编制"}},
		{"待补充名单", "table-uncovered", []string{"空缺天数"}, []string{"未覆盖天数"}},
		{"两委与领导班子", "table-promotions", []string{"进入村（社区）“两委”班子", "任村（社区）党组织书记", "进入乡镇领导班子"},
			[]string{"两委成员", "担任书记", "晋升"}},
		{"县区覆盖", "table-counties", []string{"覆盖率", "在岗研究生"}, []string{"覆盖比例", "在岗人数"}},
		{"两轮选岗", "table-selection", []string{"直接选岗", "县内第一轮", "全市第二轮"}, []string{"direct", "round"}},
	} {
		x := header(c.sheet)
		h := strings.Join(htmlHeadings(t, page, c.table), "|")
		for _, w := range c.want {
			if !strings.Contains(x, w) || !strings.Contains(h, w) {
				t.Errorf("%s: %q missing (workbook %s; HTML %s)", c.sheet, w, x, h)
			}
		}
		for _, g := range c.gone {
			if strings.Contains(x, g) || strings.Contains(h, g) {
				t.Errorf("%s: %q still named (workbook %s; HTML %s)", c.sheet, g, x, h)
			}
		}
	}
}

// TestWordsOfTheProgramme: the regions and the headline figures are named
// in the programme's words in both formats, the technical names gone.
func TestWordsOfTheProgramme(t *testing.T) {
	d := sampleReport()
	for i := range d.Headline {
		for _, f := range headlineFigures {
			if f.key == d.Headline[i].Key {
				d.Headline[i].Label = f.label // the labels read.go gives
			}
		}
	}
	page := renderHTML(t, d)
	var buf bytes.Buffer
	if err := RenderXLSX(&buf, d); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var book strings.Builder
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			book.WriteString(strings.Join(r, "|") + "\n")
		}
	}
	for _, want := range []string{"偏远地区与经济发达地区对比", "偏远地区与经济发达地区之比", "经济发达地区",
		"偏远地区与经济发达地区覆盖率之比", "进入村（社区）“两委”班子", "任村（社区）党组织书记", "进入乡镇领导班子",
		"县级周转池", "乡镇（街道）事业编制", "覆盖率", "在岗研究生", "累计离岗原因"} {
		if !strings.Contains(page, want) {
			t.Errorf("HTML lacks %q", want)
		}
		if !strings.Contains(book.String(), want) {
			t.Errorf("workbook lacks %q", want)
		}
	}
	for _, gone := range []string{"晋升", "偏远÷发达", "两委成员", "县级统筹", "担任书记比例"} {
		if strings.Contains(page, gone) || strings.Contains(book.String(), gone) {
			t.Errorf("%q still written", gone)
		}
	}
}

// TestSectionsOneNamePerKey: a column key names the same heading in every
// section, and every key a renderer lists is a column of its section.
func TestSectionsOneNamePerKey(t *testing.T) {
	names := map[string]string{}
	for _, s := range sections {
		for _, k := range slices.Concat(s.html, s.xlsx) {
			if !slices.ContainsFunc(s.columns, func(c column) bool { return c.key == k }) {
				t.Errorf("section %s lists %s, not one of its columns", s.key, k)
			}
		}
		for _, c := range s.columns {
			if n, ok := names[c.key]; ok && n != c.heading() {
				t.Errorf("column %s is %q in section %s, %q elsewhere", c.key, c.heading(), s.key, n)
			}
			names[c.key] = c.heading()
		}
	}
}
