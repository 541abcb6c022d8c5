package pipeline

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/testdb"
)

// The fixture city: 小店区 (developed, an .xlsx workbook) and 娄烦县 (remote,
// bachelor allowed, a GB18030 CSV), four villages.
const fixtureConfig = `city: {code: "1401", name: 太原市}
timezone: Asia/Shanghai
warehouse: data/warehouse.duckdb
published: data/published/analytics.duckdb
key_file: grassroots.key
pii_key_file: pii.key
divisions: {path: feeds/divisions.csv}
counties:
  - code: "140105"
    name: 小店区
    region: developed
    source: {kind: dir, path: feeds/140105, settle: 0s}
    schedule: "0 2 * * *"
  - code: "140123"
    name: 娄烦县
    region: remote
    bachelor_allowed: true
    source: {kind: dir, path: feeds/140123, settle: 0s, encoding: auto}
    schedule: "10 2 * * *"
`

const fixtureDivisions = `村社区代码,村社区名称,乡镇代码,乡镇名称,县区代码,县区名称,城乡分类代码,成立日期,撤销日期
140105001001,坞城社区,140105001,坞城街道,140105,小店区,111,,
140105001002,东关社区,140105001,坞城街道,140105,小店区,111,,
140123200201,王家村,140123200,杜交曲乡,140123,娄烦县,220,,
140123200202,李家村,140123200,杜交曲乡,140123,娄烦县,220,2021-01-01,
`

// Persons of the fixture (IDs valid under GB 11643; names and phones are
// what the no-personal-data checks look for).
var (
	// 张三 works in 小店区 then transfers to 娄烦县.
	zhang = person{"张三", "11010519491231002X", "13800000001"}
	li    = person{"李四", "140105199001011238", "13800000002"}
	wang  = person{"王五", "140123198506150020", "13800000003"}
)

type person struct{ name, id, phone string }

var xiaodianHeader = []string{"姓名", "身份证号", "性别", "联系电话", "学历", "招录方式", "编制来源", "所在县(市、区)", "村社区代码", "到岗时间", "离岗时间", "离岗原因"}

// xiaodianLedger is the 小店区 ledger; rows can be changed by the tests.
func xiaodianLedger() [][]any {
	day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
	return [][]any{
		{zhang.name, zhang.id, "女", zhang.phone, "硕士", "专项引进", "乡镇编制", "小店区", "140105001001", day("2019-08-01"), day("2021-03-31"), "调动"},
		{li.name, li.id, "男", li.phone, "博士研究生", "公开招聘", "乡镇编制", "小店区", "140105001002", day("2020-09-01"), nil, nil},
		// a bad ID checksum: rejected
		{"赵六", "110105194912310021", "男", "13800000009", "硕士", "公开招聘", "乡镇编制", "小店区", "140105001002", day("2020-09-01"), nil, nil},
	}
}

// writeXiaodian writes the 小店区 workbook: a title row, date cells with a
// date format, and a roles sheet.
func writeXiaodian(t *testing.T, dir string, ledger [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "人员台账")
	f.SetCellValue("人员台账", "A1", "小店区一村一名研究生人员台账")
	f.MergeCell("人员台账", "A1", "L1")
	for i, h := range xiaodianHeader {
		cell, _ := excelize.CoordinatesToCellName(i+1, 2)
		f.SetCellValue("人员台账", cell, h)
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	for r, row := range ledger {
		for c, v := range row {
			cell, _ := excelize.CoordinatesToCellName(c+1, r+3)
			if v == nil {
				continue
			}
			f.SetCellValue("人员台账", cell, v)
			if _, ok := v.(time.Time); ok {
				f.SetCellStyle("人员台账", cell, cell, style)
			}
		}
	}
	f.NewSheet("任职记录")
	f.SetSheetRow("任职记录", "A1", &[]any{"身份证号", "两委职务", "村社区代码", "任职时间", "离任时间"})
	f.SetSheetRow("任职记录", "A2", &[]any{li.id, "党支部书记", "140105001002", "2021-06-01", ""})
	if err := f.SaveAs(filepath.Join(dir, "feeds", "140105", "台账.xlsx")); err != nil {
		t.Fatal(err)
	}
}

// loufanLedger is the 娄烦县 ledger as CSV text (UTF-8 here, GB18030 on disk).
func loufanLedger(withWang bool) string {
	s := "姓名,公民身份号码,学历,引进方式,编制类型,县(市、区),乡镇(街道),村(社区),到岗日期,离岗日期\n" +
		zhang.name + "," + zhang.id + ",硕士,引进,乡镇编制,娄烦县,杜交曲乡,王家村,2021/4/1,\n"
	if withWang {
		s += wang.name + "," + wang.id + ",本科,招聘,周转池,娄烦县,杜交曲乡,李家村,2021/5/1,\n"
	}
	return s
}

func writeGB18030(t *testing.T, path, text string) {
	t.Helper()
	b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixture writes the fixture city into a temporary folder and returns its config.
func fixture(t *testing.T) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for _, d := range []string{"feeds/140105", "feeds/140123"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must(t, os.WriteFile(filepath.Join(dir, "grassroots.yaml"), []byte(fixtureConfig), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "grassroots.key"), []byte("fixture-secret-0123456789abcdef"), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "pii.key"), []byte(fixturePIISecret), 0o600))
	must(t, os.WriteFile(filepath.Join(dir, "feeds", "divisions.csv"), []byte(fixtureDivisions), 0o644))
	writeXiaodian(t, dir, xiaodianLedger())
	writeGB18030(t, filepath.Join(dir, "feeds", "140123", "人员台账.csv"), loufanLedger(true))
	cfg, err := config.Load(filepath.Join(dir, "grassroots.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func runOnce(t *testing.T, cfg *config.Config, counties ...string) *Result {
	t.Helper()
	res, err := (&Runner{Config: cfg}).Run(context.Background(), counties)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// openRO opens a DuckDB file read-only.
func openRO(t *testing.T, path string) *sql.DB {
	return testdb.OpenReadOnly(t, path)
}

func scalar[T any](t *testing.T, db *sql.DB, q string, args ...any) T {
	t.Helper()
	var v T
	if err := db.QueryRow(q, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return v
}

// withWarehouse runs fn on a read-only connection to the private warehouse
// (the Runner has closed it).
func withWarehouse(t *testing.T, cfg *config.Config, fn func(db *sql.DB)) {
	t.Helper()
	db, err := sql.Open("duckdb", cfg.Warehouse+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	fn(db)
}

func county(res *Result, code string) CountyResult {
	for _, c := range res.Counties {
		if c.Code == code {
			return c
		}
	}
	return CountyResult{}
}

func contains(s string, subs ...string) bool {
	for _, x := range subs {
		if !strings.Contains(s, x) {
			return false
		}
	}
	return true
}
