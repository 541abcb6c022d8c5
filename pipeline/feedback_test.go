package pipeline

import (
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/feedback"
)

// checkedID completes 17 digits with the GB 11643 MOD 11-2 check character,
// computed here on its own (weights 2^(17-i) mod 11).
func checkedID(base17 string) string {
	sum := 0
	for i, r := range base17 {
		w := 1
		for k := 0; k < 17-i; k++ {
			w = w * 2 % 11
		}
		sum += int(r-'0') * w
	}
	return base17 + string("10X98765432"[sum%11])
}

func TestCheckedID(t *testing.T) {
	// The examples of GB 11643-1999 and the fixture's valid numbers.
	for _, id := range []string{"11010519491231002X", "440524188001010014", zhang.id, li.id, wang.id} {
		if got := checkedID(id[:17]); got != id {
			t.Errorf("checkedID(%s) = %s, want %s", id[:17], got, id)
		}
	}
}

// The hand-made 小店区 folder: one workbook with a title row (row 1) and the
// header (row 2), so that data rows start at row 3, and one .docx.
var (
	fbClean    = checkedID("14010519900101123") // 李四-like, clean
	fbBadSum1  = "110105194912310021"           // zhang's number with a wrong check character (X)
	fbBadSum2  = "140105199001011230"           // li's number with a wrong check character (8)
	fbNoDegree = checkedID("14010519920202234")
	fbDazhuan  = checkedID("14010519930303345")
	fbBadDate  = checkedID("14010519940404456")
	fbMale     = checkedID("14010519950505157") // 17th digit 5: male
)

var fbHeader = []string{"姓名", "公民身份号码", "性别", "联系电话", "学历", "招录方式", "编制来源", "所在县(市、区)", "村社区代码", "到岗时间"}

func fbRows(genderOfMale string, dirty bool) [][]any {
	rows := [][]any{
		{"甲一", fbClean, "男", "13900000001", "硕士", "公开招聘", "乡镇编制", "小店区", "140105001002", "2021-09-01"},
		{"乙二", fbMale, genderOfMale, "13900000007", "硕士", "公开招聘", "乡镇编制", "小店区", "140105001001", "2021-10-01"},
	}
	if dirty {
		rows = [][]any{
			rows[0], // row 3
			{"丙三", fbBadSum1, "女", "13900000002", "硕士", "公开招聘", "乡镇编制", "小店区", "140105001002", "2021-09-01"}, // row 4
			{"丁四", fbNoDegree, "男", "13900000003", "", "公开招聘", "乡镇编制", "小店区", "140105001002", "2021-09-01"},  // row 5
			{"戊五", fbDazhuan, "男", "13900000004", "大专", "公开招聘", "乡镇编制", "小店区", "140105001002", "2021-09-01"}, // row 6
			{"己六", fbBadDate, "男", "13900000005", "博士", "公开招聘", "乡镇编制", "小店区", "140105001002", "2022-02-30"}, // row 7
			rows[1], // row 8
			{"庚七", fbBadSum2, "男", "13900000006", "硕士", "公开招聘", "乡镇编制", "小店区", "140105001001", "2021-09-01"}, // row 9
		}
	}
	return rows
}

func writeFBWorkbook(t *testing.T, path string, rows [][]any) {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	must(t, f.SetSheetName("Sheet1", "人员台账"))
	must(t, f.SetCellValue("人员台账", "A1", "小店区研究生台账（2021年）"))
	hdr := make([]any, len(fbHeader))
	for i, h := range fbHeader {
		hdr[i] = h
	}
	must(t, f.SetSheetRow("人员台账", "A2", &hdr))
	for i, r := range rows {
		must(t, f.SetSheetRow("人员台账", "A"+strconv.Itoa(i+3), &r))
	}
	must(t, f.SaveAs(path))
}

// readSheet reads every row of a sheet of a workbook.
func readSheet(t *testing.T, path, sheet string) [][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func fbFiles(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func fbConfig(t *testing.T) (*config.Config, string) {
	cfg := fixture(t)
	c, _ := cfg.County("140105")
	must(t, os.Remove(filepath.Join(c.Source.Path, "台账.xlsx")))
	writeFBWorkbook(t, filepath.Join(c.Source.Path, "台账.xlsx"), fbRows("女", true))
	must(t, os.WriteFile(filepath.Join(c.Source.Path, "说明.docx"), []byte("PK\x03\x04 not really a document"), 0o644))
	return cfg, filepath.Join(c.Source.Path, "feedback")
}

// TestFeedbackWorkbookOfHandMadeFolder: a county folder with known dirty
// rows and a .docx gives a workbook with exactly those rows.
func TestFeedbackWorkbookOfHandMadeFolder(t *testing.T) {
	cfg, dir := fbConfig(t)
	res := runOnce(t, cfg, "140105")
	cr := county(res, "140105")
	if cr.Status != StatusSucceeded {
		t.Fatalf("status %s (%s)", cr.Status, cr.Error)
	}
	wantName := "问题清单_140105_" + "YYYYMMDD" + ".xlsx"
	files := fbFiles(t, dir)
	if len(files) != 1 || cr.Feedback != filepath.Join(dir, files[0]) {
		t.Fatalf("feedback folder holds %q, the result names %q; want one %s", files, cr.Feedback, wantName)
	}
	if name := files[0]; len(name) != len(wantName) || !strings.HasPrefix(name, "问题清单_140105_20") {
		t.Errorf("workbook name %q, want %s", name, wantName)
	}
	info, err := os.Stat(cr.Feedback)
	must(t, err)
	if info.Mode().Perm() != 0o640 {
		t.Errorf("workbook mode %v, want 0640", info.Mode().Perm())
	}

	rows := readSheet(t, cr.Feedback, "问题清单")
	if want := []string{"文件", "工作表", "行号", "列", "填报的值", "问题", "怎么改", "严重程度"}; !reflect.DeepEqual(rows[0], want) {
		t.Fatalf("header %q, want %q", rows[0], want)
	}
	type want struct {
		file, sheet, row, col, value string
		reason, advice, severity     string
	}
	// Letters from fbHeader: A 姓名, B 公民身份号码, C 性别, … E 学历, … J 到岗时间.
	wants := []want{
		{"说明.docx", "", "", "", "", "文件格式不支持", "这是文档（.docx），不是表格，程序读不了；请把台账填在 Excel 或 WPS 表格里，另存为 .xlsx 后重新报送", "错误（文件未读取）"},
		{"台账.xlsx", "人员台账", "4", "公民身份号码（身份证号），B 列", "110105************", "第18位校验码", "身份证号第18位校验码不符，请与身份证原件核对", "错误（该行未装载）"},
		{"台账.xlsx", "人员台账", "5", "学历，E 列", "", "必填的“学历”为空", "补上“学历”", "错误（该行未装载）"},
		{"台账.xlsx", "人员台账", "6", "学历，E 列", "大专", "“学历”的值不在可填写的范围内", "学历", "错误（该行未装载）"},
		{"台账.xlsx", "人员台账", "7", "到岗时间，J 列", "2022-02-30", "“到岗时间”的日期写法认不出", "2022-07-01", "错误（该行未装载）"},
		{"台账.xlsx", "人员台账", "8", "性别，C 列", "性别填的是“女”；村（社区）：坞城社区", "性别与身份证号", "核对性别和身份证号", "警告（请核对）"},
		{"台账.xlsx", "人员台账", "9", "公民身份号码（身份证号），B 列", "140105************", "第18位校验码", "身份证号第18位校验码不符", "错误（该行未装载）"},
	}
	got := rows[1:]
	if len(got) != len(wants) {
		t.Fatalf("%d rows, want %d:\n%q", len(got), len(wants), got)
	}
	for i, w := range wants {
		g := append(got[i], make([]string, 8)...)[:8]
		if g[0] != w.file || g[1] != w.sheet || g[2] != w.row || g[3] != w.col || g[4] != w.value || g[7] != w.severity ||
			!strings.Contains(g[5], w.reason) || !strings.Contains(g[6], w.advice) {
			t.Errorf("row %d:\n got %q\nwant %+v", i+2, g, w)
		}
	}

	// 汇总: by reason, the two bad checksums on one line.
	sum := readSheet(t, cr.Feedback, "汇总")
	if want := []string{"问题", "严重程度", "条数", "怎么改"}; !reflect.DeepEqual(sum[0], want) {
		t.Fatalf("summary header %q, want %q", sum[0], want)
	}
	counts := map[string]string{}
	for _, r := range sum[1:] {
		if len(r) >= 3 && r[2] != "" {
			counts[r[0]] = r[2]
		}
	}
	if len(counts) != 6 {
		t.Errorf("summary has %d reasons, want 6: %q", len(counts), sum)
	}
	for reason, n := range map[string]string{"第18位校验码": "2", "必填的“学历”为空": "1", "“学历”的值不在": "1",
		"“到岗时间”的日期": "1", "性别与身份证号": "1", "文件格式不支持": "1"} {
		found := false
		for r, c := range counts {
			if strings.Contains(r, reason) {
				found = true
				if c != n {
					t.Errorf("summary: %s counted %s, want %s", r, c, n)
				}
			}
		}
		if !found {
			t.Errorf("summary has no line for %s: %q", reason, sum)
		}
	}

	// Nothing personal: no name, no full ID number, no phone of the feed.
	scanWorkbook(t, cr.Feedback, []string{"甲一", "乙二", "丙三", "丁四", "戊五", "己六", "庚七",
		fbClean, fbBadSum1, fbBadSum2, fbNoDegree, fbDazhuan, fbBadDate, fbMale,
		"13900000001", "13900000002", "13900000003", "13900000004", "13900000005", "13900000006", "13900000007"})

	// The rejects of the workbook are those of etl_reject for the run.
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_reject WHERE run_id = ?", cr.RunID); n != 5 {
			t.Errorf("etl_reject holds %d rows of run %d, want 5", n, cr.RunID)
		}
		if n := scalar[int](t, db, `SELECT count(*) FROM etl_finding WHERE run_id = ? AND code = 'gender_mismatch'
			AND source_uri = '台账.xlsx' AND sheet = '人员台账' AND row_number = 8`, cr.RunID); n != 1 {
			t.Errorf("the gender_mismatch finding is not located at 台账.xlsx 人员台账 row 8 (%d found)", n)
		}
	})

	// Nothing new: no workbook, though the .docx is still refused.
	res = runOnce(t, cfg, "140105")
	if c := county(res, "140105"); c.Status != StatusNoNewData || c.Feedback != "" || len(fbFiles(t, dir)) != 1 {
		t.Errorf("a run with nothing new: status %s, feedback %q, folder %q", c.Status, c.Feedback, fbFiles(t, dir))
	}

	// A clean delivery (the .docx gone, the rows fixed): no workbook.
	c, _ := cfg.County("140105")
	must(t, os.Remove(filepath.Join(c.Source.Path, "说明.docx")))
	writeFBWorkbook(t, filepath.Join(c.Source.Path, "台账.xlsx"), fbRows("男", false))
	res = runOnce(t, cfg, "140105")
	if c := county(res, "140105"); c.Status != StatusSucceeded || c.Rejected != 0 || c.Findings != 0 || c.Feedback != "" || len(fbFiles(t, dir)) != 1 {
		t.Errorf("a clean run: status %s, rejected %d, findings %d (%v), feedback %q, folder %q",
			c.Status, c.Rejected, c.Findings, c.FindingsBy, c.Feedback, fbFiles(t, dir))
	}

	// A second dirty delivery on the same day: _2, the first kept.
	again := fbRows("女", true)
	again[4][9] = "2022-02-31"
	writeFBWorkbook(t, filepath.Join(c.Source.Path, "台账.xlsx"), again)
	res = runOnce(t, cfg, "140105")
	second := county(res, "140105").Feedback
	if !strings.HasSuffix(second, "_2.xlsx") || len(fbFiles(t, dir)) != 2 {
		t.Errorf("second workbook of the day %q; folder %q", second, fbFiles(t, dir))
	}
	if latest, ok, err := feedback.Latest(dir, "140105"); err != nil || !ok || latest != second {
		t.Errorf("Latest = %q, %v, %v; want %q", latest, ok, err, second)
	}
}

// scanWorkbook fails when any cell of any sheet of a workbook contains one
// of the forbidden strings.
func scanWorkbook(t *testing.T, path string, forbidden []string) {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cells := 0
	for _, sheet := range f.GetSheetList() {
		rows, err := f.GetRows(sheet)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			for j, v := range r {
				cells++
				for _, x := range forbidden {
					if x != "" && strings.Contains(v, x) {
						t.Errorf("%s: sheet %s cell (%d,%d) holds personal data %q", filepath.Base(path), sheet, i+1, j+1, x)
					}
				}
			}
		}
	}
	if cells == 0 {
		t.Errorf("%s: no cell read", path)
	}
}

// TestFeedbackOfFailedCounty: a county whose load fails (a broken JSON file
// beside a good workbook) gets a workbook with its error and the file it
// refused, and none of the rejects of the load that was rolled back.
func TestFeedbackOfFailedCounty(t *testing.T) {
	cfg, dir := fbConfig(t)
	c, _ := cfg.County("140105")
	must(t, os.WriteFile(filepath.Join(c.Source.Path, "任职记录.json"), []byte(`[{"身份证号": "x"`), 0o644))
	res := runOnce(t, cfg, "140105")
	cr := county(res, "140105")
	if cr.Status != StatusFailed || cr.Feedback == "" {
		t.Fatalf("status %s, feedback %q; want a failed county with a workbook", cr.Status, cr.Feedback)
	}
	rows := readSheet(t, cr.Feedback, feedback.SheetItems)
	if len(rows) != 3 {
		t.Fatalf("%d rows, want the header, the failure and the .docx:\n%q", len(rows), rows)
	}
	failure, docx := append(rows[1], make([]string, 8)...), append(rows[2], make([]string, 8)...)
	if failure[0] != "" || !strings.Contains(failure[4], "任职记录.json") || !strings.Contains(failure[5], "本次读取失败") || failure[7] != "错误（文件未读取）" {
		t.Errorf("the failure's row: %q", failure[:8])
	}
	if docx[0] != "说明.docx" || !strings.Contains(docx[5], "格式不支持") {
		t.Errorf("the .docx's row: %q", docx[:8])
	}
	if files := fbFiles(t, dir); len(files) != 1 {
		t.Errorf("feedback folder %q", files)
	}
}

// TestFeedbackOfHTTPCounty: an HTTP county's workbook is written into
// feedback/<county code>/ beside the warehouse, and names the record's URL.
func TestFeedbackOfHTTPCounty(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("record_type") != "ledger" {
			http.NotFound(w, r)
			return
		}
		rec := func(id string) map[string]any {
			return map[string]any{"姓名": "某某", "身份证号": id, "学历": "硕士", "招录方式": "引进", "编制来源": "乡镇编制",
				"县区": "娄烦县", "乡镇(街道)": "杜交曲乡", "村(社区)": "王家村", "到岗时间": "2021-04-01"}
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"record_type": "ledger", "records": []any{rec(wang.id), rec(fbBadSum1)}})
	}))
	t.Cleanup(srv.Close)
	base := fixture(t)
	must(t, os.Remove(filepath.Join(base.Dir, "feeds", "140123", "人员台账.csv")))
	text := strings.Replace(fixtureConfig, "source: {kind: dir, path: feeds/140123, settle: 0s, encoding: auto}",
		"source: {kind: http, mode: api, url: \""+srv.URL+"/api\", retries: 1, timeout: 5s}", 1)
	path := filepath.Join(base.Dir, "grassroots.yaml")
	must(t, os.WriteFile(path, []byte(text), 0o644))
	cfg, err := config.Load(path)
	must(t, err)

	cr := county(runOnce(t, cfg, "140123"), "140123")
	want := filepath.Join(filepath.Dir(cfg.Warehouse), "feedback", "140123")
	if cr.Status != StatusSucceeded || cr.Rejected != 1 || filepath.Dir(cr.Feedback) != want {
		t.Fatalf("status %s, rejected %d, feedback %q; want a workbook in %s", cr.Status, cr.Rejected, cr.Feedback, want)
	}
	info, err := os.Stat(want)
	must(t, err)
	if info.Mode().Perm() != 0o750 {
		t.Errorf("feedback folder mode %v, want 0750", info.Mode().Perm())
	}
	// Record 1: 王五 (born 1985-06-15), 引进 (special_intro) on 2021-04-01
	// aged 35: over_age_at_entry. Record 2: the bad checksum.
	rows := readSheet(t, cr.Feedback, feedback.SheetItems)
	if len(rows) != 3 {
		t.Fatalf("rows %q, want the header, a finding and a reject", rows)
	}
	if f := append(rows[1], make([]string, 8)...); f[2] != "1" || !strings.Contains(f[5], "满 30 周岁") || f[4] != "村（社区）：王家村" || f[7] != "警告（请核对）" {
		t.Errorf("the finding's row %q", f[:8])
	}
	r := append(rows[2], make([]string, 8)...)
	if !strings.HasPrefix(r[0], srv.URL) || r[2] != "2" || r[3] != "身份证号" || r[4] != "110105************" || !strings.Contains(r[6], "身份证号第18位校验码不符") {
		t.Errorf("the reject's row %q", r[:8])
	}
	scanWorkbook(t, cr.Feedback, []string{fbBadSum1, wang.id, "某某"})
}
