package feedback

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/ingest"
)

// Of a finding the workbook shows only what names no person.
func TestFindingNote(t *testing.T) {
	for _, c := range []struct {
		code, detail, village, village2 string
		want                            string
		never                           []string
	}{
		{"birth_mismatch", "出生年月 1993-09 contradicts the ID number (1993-08); the ID number wins", "王家村", "",
			"村（社区）：王家村", []string{"1993", "09", "08"}},
		{"over_age_at_entry", "special_intro entrant aged 31 on start_date 2021-04-01 (must be under 30)", "", "",
			"", []string{"31", "2021"}},
		{"gender_mismatch", "性别 male contradicts the ID number (female); the ID number wins", "李家村", "",
			"性别填的是“男”；村（社区）：李家村", nil},
		{"vanished_from_ledger", "in post since 2021-05-01 but missing from the new ledger; the posting stays open", "李家村", "",
			"村（社区）：李家村；到岗时间 2021-05-01", nil},
		{"overlapping_postings", "in post in 140123200201 from 2021-04-01 and in 140105001001 from 2019-08-01 on the same days", "王家村", "坞城社区",
			"村（社区）：王家村；到岗时间 2021-04-01；另在 坞城社区；到岗时间 2019-08-01", nil},
		{"subsidy_over_cap", "paid 320000.00 yuan within 5 years of entry (cap 310000)", "", "",
			"5 年内补贴合计 320000.00 元", nil},
		{"unused_columns", "台账.xlsx sheet 人员台账: columns not read: 序号, 备注", "", "",
			"不读的列：序号, 备注", nil},
		{"missing_column:id_number", `台账.csv: no column 身份证号 (id_number) in the header: the closest header is "身份号"; every data row is rejected as missing_column:id_number`, "", "",
			"表头行中最接近的表头：“身份号”", []string{"no column"}},
		{"missing_column:degree", `台账.csv: no column 学历 (degree) in the header: no header row was recognised (docs/feeds.md lists the headers); every data row is rejected as missing_column:degree`, "", "",
			"没有认出表头行（前 10 行中没有一行认得出两列以上）", nil},
		{"missing_column:degree", `台账.csv: no column 学历 (degree) in the header: no header resembles it; every data row is rejected as missing_column:degree`, "", "",
			"表头行中没有与它相近的表头", nil},
	} {
		got := findingNote(c.code, c.detail, c.village, c.village2)
		if got != c.want {
			t.Errorf("%s: note %q, want %q", c.code, got, c.want)
		}
		for _, x := range c.never {
			if strings.Contains(got, x) {
				t.Errorf("%s: note %q shows %q", c.code, got, x)
			}
		}
	}
}

func TestLocate(t *testing.T) {
	raw := `{"姓名":"**","公民身份号码":"140105************","学历":"大专","到岗时间":"2022-02-30"}`
	for _, c := range []struct {
		code, file, sheet string
		want              Cell
	}{
		{"bad_id_checksum", "台账.xlsx", "人员台账", Cell{"公民身份号码", "身份证号", "140105************"}},
		{"unknown_value:degree", "台账.xlsx", "人员台账", Cell{"学历", "学历", "大专"}},
		{"bad_date:start_date", "人员台账.csv", "", Cell{"到岗时间", "到岗时间", "2022-02-30"}},
		{"missing:phone", "台账.xlsx", "人员台账", Cell{"", "联系电话", "姓名：**；公民身份号码：140105************；学历：大专；到岗时间：2022-02-30"}},
		{"duplicate_in_file", "台账.xlsx", "人员台账", Cell{"", "", "姓名：**；公民身份号码：140105************；学历：大专；到岗时间：2022-02-30"}},
	} {
		if got := Locate(Item{Kind: KindReject, File: c.file, Sheet: c.sheet, Code: c.code, Raw: raw}); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.code, got, c.want)
		}
	}
}

func TestColumnLetter(t *testing.T) {
	for i, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA"} {
		if got := columnLetter(i); got != want {
			t.Errorf("columnLetter(%d) = %s, want %s", i, got, want)
		}
	}
}

// Letters finds a column's letter in the file's header row, below a title
// row and right of a column no rule reads; a JSON file has none.
func TestLetters(t *testing.T) {
	dir := t.TempDir()
	csv := "人员台账 2022年\n序号,姓名,身份证号码,学历,到岗时间\n1,**,x,大专,2022-07-01\n"
	if err := os.WriteFile(filepath.Join(dir, "人员台账.csv"), []byte(csv), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "人员台账.json"), []byte(`[{"学历":"大专"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	items := []Item{
		{Kind: KindReject, File: "人员台账.csv", Row: 3, Code: "unknown_value:degree", Raw: `{"姓名":"**","身份证号码":"x","学历":"大专"}`},
		{Kind: KindReject, File: "人员台账.csv", Row: 3, Code: "bad_id_format", Raw: `{"姓名":"**","身份证号码":"x","学历":"大专"}`},
		{Kind: KindFinding, File: "人员台账.csv", Row: 3, Code: "gender_mismatch", Severity: "warning"}, // no 性别 column
		{Kind: KindReject, File: "人员台账.json", Row: 1, Code: "unknown_value:degree", Raw: `{"学历":"大专"}`},
		{Kind: KindReject, File: "gone.csv", Row: 2, Code: "unknown_value:degree", Raw: `{"学历":"大专"}`},
	}
	Letters(context.Background(), dir, items, ingest.ReadOptions{})
	for i, want := range []string{"D", "C", "", "", ""} {
		if items[i].Letter != want {
			t.Errorf("item %d (%s %s): letter %q, want %q", i, items[i].File, items[i].Code, items[i].Letter, want)
		}
	}
}

// A workbook of more than MaxItemRows items lists MaxItemRows, says how
// many more, and counts them all in 汇总; a second one the same day is _2.
func TestWriteCapsRows(t *testing.T) {
	dir := t.TempDir()
	items := make([]Item, MaxItemRows+5)
	for i := range items {
		items[i] = Item{Kind: KindReject, File: "人员台账.csv", Row: int64(i + 2), Code: "bad_id_checksum", Raw: `{"身份证号":"140105************"}`}
	}
	day := time.Date(2022, 8, 1, 0, 0, 0, 0, time.UTC)
	p, err := Write(dir, "140123", "娄烦县", 7, day, items)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(p) != "问题清单_140123_20220801.xlsx" {
		t.Errorf("path %s", p)
	}
	f, err := excelize.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(SheetItems)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != MaxItemRows+2 || !strings.Contains(rows[len(rows)-1][0], "另有 5 条问题未列出") {
		t.Errorf("%d rows, last %q", len(rows), rows[len(rows)-1])
	}
	sum, err := f.GetRows(SheetSummary)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum) < 2 || len(sum[1]) < 3 || sum[1][2] != strconv.Itoa(MaxItemRows+5) {
		t.Errorf("summary %q", sum)
	}
	p2, err := Write(dir, "140123", "娄烦县", 8, day, items[:1])
	if err != nil || filepath.Base(p2) != "问题清单_140123_20220801_2.xlsx" {
		t.Errorf("second workbook %s, %v", p2, err)
	}
}
