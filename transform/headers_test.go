package transform

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
)

// Headers as clerks write them: notes in brackets, markers at either end.
func TestClerkHeaders(t *testing.T) {
	cases := []struct {
		rt     canon.RecordType
		header string
		column string // "" when it must match no column
	}{
		{canon.Ledger, "身份证号码（18位）", "id_number"},
		{canon.Ledger, "身份证号码(18位)", "id_number"},
		{canon.Ledger, "公民身份号码【必填】", "id_number"},
		{canon.Ledger, "到村任职时间(年月日)", "start_date"},
		{canon.Ledger, "到村任职时间", "start_date"},
		{canon.Ledger, "到岗时间（如2022.07.01）", "start_date"},
		{canon.Ledger, "姓名*", "name"},
		{canon.Ledger, "＊姓名", "name"},
		{canon.Ledger, "※学历", "degree"},
		{canon.Ledger, "*性别", "gender"},
		{canon.Ledger, "学历（必填）", "degree"},
		{canon.Ledger, "★招录方式（必填）★", "channel"},
		{canon.Ledger, "编制来源▲", "quota_source"},
		{canon.Ledger, "联系电话：", "phone"},
		{canon.Ledger, "●出生年月（如1990.01）", "birth"},
		// A bracket that belongs to the header still counts as a whole.
		{canon.Ledger, "所在县（市、区）", "county"},
		{canon.Ledger, "*所在乡镇（街道）", "township"},
		{canon.Ledger, "所在村（社区）（必填）", "village"},
		{canon.Subsidies, "金额（元）", "amount_yuan"},
		{canon.Subsidies, "金额（元）*", "amount_yuan"},
		{canon.Subsidies, "金额（单位：元）", "amount_yuan"},
		// In the roles sheet, 任职时间 is the role's start; 到村任职时间 is not a roles header.
		{canon.Roles, "任职时间（年月）", "start_date"},
		{canon.Roles, "到村任职时间", ""},
		// Not headers of any column.
		{canon.Ledger, "（备注）", ""},
		{canon.Ledger, "序号*", ""},
		{canon.Ledger, "身份号", ""},
		{canon.Ledger, "*", ""},
	}
	for _, c := range cases {
		h := matchHeader(c.rt, []string{c.header})
		got := ""
		if h.pos[0] >= 0 {
			got = columns[c.rt][h.pos[0]].name
		}
		if got != c.column {
			t.Errorf("%s header %q matches %q, want %q", c.rt, c.header, got, c.column)
		}
	}
}

func TestClosestHeader(t *testing.T) {
	id := columns[canon.Ledger][colIndex(canon.Ledger, "id_number")]
	channel := columns[canon.Ledger][colIndex(canon.Ledger, "channel")]
	degree := columns[canon.Ledger][colIndex(canon.Ledger, "degree")]
	cases := []struct {
		col  column
		seen []string
		want string
	}{
		{id, []string{"序号", "身份号", "备注"}, "身份号"},
		{id, []string{"身份号码（18位）", "证件号"}, "身份号码（18位）"},
		{id, []string{"证件号码", "身份证件"}, "身份证件"}, // 身份证件 is one edit from 身份证号, 证件号码 three from 身份证号码
		{channel, []string{"序号", "录用方式", "备注"}, "录用方式"},
		{channel, []string{"招录"}, "招录"},
		// A name or a number taken for a header is never put forward.
		{degree, []string{"李学", "140105199001011238", "13800000000"}, ""},
		{id, []string{"11010519491231002X"}, ""},
		{id, nil, ""},
	}
	for _, c := range cases {
		if got := closestHeader(c.col, c.seen); got != c.want {
			t.Errorf("closest to %s among %q = %q, want %q", c.col.name, c.seen, got, c.want)
		}
	}
	// Distances worked out by hand.
	for _, c := range []struct {
		a, b string
		d    int
	}{{"身份号", "身份证号", 1}, {"录用方式", "招录方式", 2}, {"", "学历", 2}, {"学历", "学历", 0}, {"kitten", "sitting", 3}} {
		if got := editDistance([]rune(c.a), []rune(c.b)); got != c.d {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.d)
		}
	}
}

// readFiles normalises files on disk, read by the ingest readers, for county
// 140105; it returns the batches, the findings' details and the counts.
func readFiles(t *testing.T, paths ...string) (collect, Stats) {
	t.Helper()
	n, sink := testNormaliser(t)
	ctx := context.Background()
	for _, p := range paths {
		name := filepath.Base(p)
		f := ingest.File{Path: p, URI: name, Name: name, Format: ingest.FormatOf(name)}
		tf := n.File(f.URI, f.Name, f.Format)
		if err := ingest.Read(ctx, f, ingest.ReadOptions{}, func(r ingest.Row) error { return tf.Row(ctx, r) }); err != nil {
			t.Fatalf("read %s: %v", name, err)
		}
		if err := tf.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return sink, n.Stats()
}

func writeGB18030File(t *testing.T, dir, name string, rows ...string) string {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(strings.Join(rows, "\r\n") + "\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// findingsOf returns the details of the findings with code.
func findingsOf(out collect, code string) []string {
	var ds []string
	for _, f := range out[canon.Findings] {
		if f["code"] == code {
			ds = append(ds, f["detail"].(string))
		}
	}
	return ds
}

// A GB18030 CSV whose headers carry notes and markers loads every row.
func TestNotedHeadersGB18030(t *testing.T) {
	dir := t.TempDir()
	p := writeGB18030File(t, dir, "小店区 2022 人员台账.csv",
		"小店区人员台账（2022年）",
		"序号,姓名*,身份证号码（18位）,*性别,※学历,招录方式（必填）,编制来源★,所在县（市、区）,所在村（社区）,到村任职时间(年月日),备注",
		"1,张三,11010519491231002X,女,硕士,公开招聘,乡镇编制,小店区,坞城社区,2020-07-01,",
		"2,李四,140105199001011238,男,博士,公开招聘,乡镇编制,小店区,东关村,2021-03-15,")
	out, st := readFiles(t, p)
	if st.RowsIn != 2 || st.Staged != 2 || st.Rejected != 0 {
		t.Fatalf("stats %+v, want 2 rows staged", st)
	}
	l := out[canon.Ledger]
	if l[0]["start_date"] != "2020-07-01" || l[1]["start_date"] != "2021-03-15" || l[1]["degree"] != "doctorate" || l[0]["gender"] != "female" {
		t.Fatalf("ledger %v", l)
	}
	if ds := findingsOf(out, "unused_columns"); len(ds) != 1 || !strings.Contains(ds[0], "序号, 备注") {
		t.Errorf("unused_columns %q, want one naming 序号, 备注", ds)
	}
}

// A header lacking a required column: one finding naming the closest
// header, and every row rejected once as missing_column.
func TestMissingColumnGB18030(t *testing.T) {
	dir := t.TempDir()
	one := writeGB18030File(t, dir, "人员台账.csv",
		"姓名,身份号,学历,招录方式,编制来源,所在村(社区),到岗时间",
		"张三,11010519491231002X,硕士,公开招聘,乡镇编制,坞城社区,2020-07-01",
		"李四,,博士,公开招聘,乡镇编制,东关村,2021-03-15", // also empty: still missing_column, once
		"王五,140105199001011238,大专,借调,乡镇编制,不存在村,not a date")
	out, st := readFiles(t, one)
	if st.RowsIn != 3 || st.Rejected != 3 || st.Staged != 0 || st.Duplicates != 0 {
		t.Fatalf("stats %+v, want 3 rows in, 3 rejected", st)
	}
	if len(st.Rejects) != 1 || st.Rejects["missing_column:id_number"] != 3 {
		t.Fatalf("rejects %v, want missing_column:id_number 3", st.Rejects)
	}
	for i, r := range out[canon.Rejects] {
		if r["reason"] != "missing_column:id_number" || r["row_number"] != int64(i+2) || r["source_uri"] != "人员台账.csv" {
			t.Errorf("reject %d: %v", i, r)
		}
	}
	ds := findingsOf(out, "missing_column:id_number")
	if len(ds) != 1 || st.Findings["missing_column:id_number"] != 1 {
		t.Fatalf("missing_column findings %q (%v)", ds, st.Findings)
	}
	for _, want := range []string{"人员台账.csv", "身份证号", `"身份号"`, "missing_column:id_number"} {
		if !strings.Contains(ds[0], want) {
			t.Errorf("finding %q does not name %q", ds[0], want)
		}
	}
	for _, f := range out[canon.Findings] {
		if f["code"] == "missing_column:id_number" && f["severity"] != "error" {
			t.Errorf("finding severity %v, want error", f["severity"])
		}
	}

	// Two required columns absent (身份证号 misspelt, 学历 left out): two
	// findings; each row rejected once, as the first in column order.
	two := writeGB18030File(t, dir, "ledger_2.csv",
		"姓名,身份号,招录方式,编制来源,所在村(社区),到岗时间",
		"张三,11010519491231002X,公开招聘,乡镇编制,坞城社区,2020-07-01",
		"李四,140105199001011238,公开招聘,乡镇编制,东关村,2021-03-15")
	out, st = readFiles(t, two)
	if st.RowsIn != 2 || st.Rejected != 2 || st.Rejects["missing_column:id_number"] != 2 || len(st.Rejects) != 1 {
		t.Fatalf("stats %+v", st)
	}
	if len(findingsOf(out, "missing_column:id_number")) != 1 || len(findingsOf(out, "missing_column:degree")) != 1 ||
		st.Findings["missing_column:id_number"] != 1 || st.Findings["missing_column:degree"] != 1 {
		t.Fatalf("findings %v", out[canon.Findings])
	}
	deg := findingsOf(out, "missing_column:degree")
	if len(deg) != 1 || !strings.Contains(deg[0], "学历") || !strings.Contains(deg[0], "no header resembles it") {
		t.Errorf("degree finding %q", deg)
	}
}

// A ledger with neither village column, nor 到岗时间: missing_column:village
// (before start_date in column order) names the closest header, 村名.
func TestMissingVillageColumn(t *testing.T) {
	dir := t.TempDir()
	p := writeGB18030File(t, dir, "人员台账.csv",
		"姓名,身份证号,学历,招录方式,编制来源,乡镇,村名,到任",
		"张三,11010519491231002X,硕士,公开招聘,乡镇编制,坞城街道,坞城社区,2020-07-01")
	out, st := readFiles(t, p)
	if st.RowsIn != 1 || st.Rejected != 1 || st.Rejects["missing_column:village"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	v := findingsOf(out, "missing_column:village")
	if len(v) != 1 || !contains(v[0], "所在村(社区) / 村社区代码", `"村名"`) {
		t.Errorf("village finding %q", v)
	}
	if d := findingsOf(out, "missing_column:start_date"); len(d) != 1 || !strings.Contains(d[0], "rejected as missing_column:village") {
		t.Errorf("start_date finding %q", d)
	}
	// The roles sheet needs no village column: a township role has none.
	roles := writeGB18030File(t, dir, "任职记录.csv",
		"身份证号,两委职务,任职时间",
		"11010519491231002X,副镇长,2022-01-01")
	if out, st := readFiles(t, roles); st.Staged != 1 || len(out[canon.Findings]) != 0 {
		t.Errorf("roles without a village column: stats %+v, findings %v", st, out[canon.Findings])
	}
}

// A workbook: a supplement sheet with noted headers loads; a sheet without
// 招录方式 gets one finding naming 录用方式 and rejects its rows; a sheet
// with no header row at all names none of its cells.
func TestMissingColumnWorkbook(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "小店区.xlsx")
	x := excelize.NewFile()
	defer x.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(x.SetSheetName("Sheet1", "人员台账（补充）"))
	must(x.SetSheetRow("人员台账（补充）", "A1", &[]any{"姓名*", "身份证号码（18位）", "※学历", "招录方式（必填）", "编制来源", "村社区代码", "到村任职时间(年月日)"}))
	must(x.SetSheetRow("人员台账（补充）", "A2", &[]any{"张三", "11010519491231002X", "硕士", "公开招聘", "乡镇编制", "140105001001", "2020-07-01"}))
	_, err := x.NewSheet("2022年人员台账")
	must(err)
	must(x.SetSheetRow("2022年人员台账", "A1", &[]any{"序号", "姓名", "身份证号", "学历", "录用方式", "编制来源", "村社区代码", "到岗时间", "备注"}))
	must(x.SetSheetRow("2022年人员台账", "A2", &[]any{"1", "李四", "140105199001011238", "博士", "公开招聘", "乡镇编制", "140105001002", "2021-03-15", ""}))
	must(x.SetSheetRow("2022年人员台账", "A3", &[]any{"2", "张三", "11010519491231002X", "硕士", "公开招聘", "乡镇编制", "140105001001", "2020-07-01", ""}))
	_, err = x.NewSheet("年度考核")
	must(err)
	must(x.SetSheetRow("年度考核", "A1", &[]any{"王五", "140105199001011238", "称职"}))
	must(x.SetSheetRow("年度考核", "A2", &[]any{"赵六", "11010519491231002X", "优秀"}))
	must(x.SaveAs(p))

	out, st := readFiles(t, p)
	// 1 row staged from the supplement sheet; 2 rejected for 招录方式; the
	// assessments sheet's first row is taken for its header, 1 rejected.
	if st.RowsIn != 4 || st.Staged != 1 || st.Rejected != 3 {
		t.Fatalf("stats %+v", st)
	}
	if st.Rejects["missing_column:channel"] != 2 || st.Rejects["missing_column:id_number"] != 1 || len(st.Rejects) != 2 {
		t.Fatalf("rejects %v", st.Rejects)
	}
	ch := findingsOf(out, "missing_column:channel")
	if len(ch) != 1 || !contains(ch[0], "小店区.xlsx", "2022年人员台账", "招录方式", `"录用方式"`) {
		t.Errorf("channel finding %q", ch)
	}
	// The assessments sheet: its required columns 身份证号, 考核年度 and
	// 年度考核 absent, three findings naming no cell; its row rejected as
	// the first of them.
	id, year, grade := findingsOf(out, "missing_column:id_number"), findingsOf(out, "missing_column:year"), findingsOf(out, "missing_column:grade")
	if len(id) != 1 || len(year) != 1 || len(grade) != 1 {
		t.Fatalf("findings id %q year %q grade %q", id, year, grade)
	}
	for _, d := range append(append(id, year...), grade...) {
		if !strings.Contains(d, "no header row was recognised") {
			t.Errorf("finding %q does not say no header row was recognised", d)
		}
		for _, secret := range []string{"王五", "140105199001011238", "称职"} {
			if strings.Contains(d, secret) {
				t.Errorf("finding %q repeats the cell %q", d, secret)
			}
		}
	}
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
