package clerkform_test

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/clerkform"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/transform"
)

// smallCity: two counties; 娄烦县 has two townships and a village name
// (王家村) in both.
func smallCity() clerkform.Options {
	return clerkform.Options{
		City:     "太原市",
		County:   &canon.County{Code: "140123", Name: "娄烦县"},
		Counties: []canon.County{{Code: "140105", Name: "小店区"}, {Code: "140123", Name: "娄烦县"}},
		Townships: []canon.Township{
			{Code: "140105001", Name: "坞城街道", CountyCode: "140105"},
			{Code: "140123100", Name: "静游镇", CountyCode: "140123"},
			{Code: "140123200", Name: "杜交曲乡", CountyCode: "140123"},
		},
		Villages: []canon.Village{
			{Code: "140105001002", Name: "东关村", TownshipCode: "140105001", CountyCode: "140105"},
			{Code: "140123100201", Name: "静游村", TownshipCode: "140123100", CountyCode: "140123"},
			{Code: "140123100202", Name: "王家村", TownshipCode: "140123100", CountyCode: "140123"},
			{Code: "140123200201", Name: "王家村", TownshipCode: "140123200", CountyCode: "140123"},
			{Code: "140123200202", Name: "东关村", TownshipCode: "140123200", CountyCode: "140123"},
		},
		Rows: 50,
	}
}

func writeTemplate(t *testing.T, opts clerkform.Options) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "填报模板.xlsx")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := clerkform.Write(out, opts); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// validations maps a data sheet's column letter to its validation.
func validations(t *testing.T, f *excelize.File, sheet string) map[string]*excelize.DataValidation {
	t.Helper()
	dvs, err := f.GetDataValidations(sheet)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*excelize.DataValidation{}
	for _, dv := range dvs {
		col := strings.TrimRight(strings.SplitN(dv.Sqref, ":", 2)[0], "0123456789")
		if out[col] != nil {
			t.Errorf("%s: two validations on column %s", sheet, col)
		}
		out[col] = dv
	}
	return out
}

// listValues resolves a list validation: an inline list or a range of the
// list sheet.
func listValues(t *testing.T, f *excelize.File, dv *excelize.DataValidation) []string {
	t.Helper()
	if dv.Type != "list" {
		t.Fatalf("validation %s is %s, not a list", dv.Sqref, dv.Type)
	}
	if strings.HasPrefix(dv.Formula1, `"`) {
		return strings.Split(strings.Trim(dv.Formula1, `"`), ",")
	}
	ref := dv.Formula1
	prefix := "'" + transform.ListSheet + "'!"
	if !strings.HasPrefix(ref, prefix) {
		t.Fatalf("list %s refers to %q, not to the list sheet", dv.Sqref, ref)
	}
	from, to, _ := strings.Cut(strings.ReplaceAll(strings.TrimPrefix(ref, prefix), "$", ""), ":")
	c1, r1, err := excelize.CellNameToCoordinates(from)
	if err != nil {
		t.Fatal(err)
	}
	c2, r2, err := excelize.CellNameToCoordinates(to)
	if err != nil {
		t.Fatal(err)
	}
	if c1 != c2 {
		t.Fatalf("list range %s spans columns", ref)
	}
	var out []string
	for r := r1; r <= r2; r++ {
		cell, err := excelize.CoordinatesToCellName(c1, r)
		if err != nil {
			t.Fatal(err)
		}
		v, err := f.GetCellValue(transform.ListSheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}

func TestTemplateReadBack(t *testing.T) {
	path := writeTemplate(t, smallCity())
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	want := []string{"填表说明", "人员台账", "任职记录", "年度考核", "空缺登记", "编制", "补贴发放", "下拉选项"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Fatalf("sheets %v, want %v", got, want)
	}
	names := map[string]string{}
	for _, dn := range f.GetDefinedName() {
		if dn.Name == "_xlnm.Print_Titles" {
			names[dn.Scope] = dn.RefersTo
		}
	}
	for _, rt := range canon.CountyTypes {
		sheet := rt.SheetName()
		t.Run(sheet, func(t *testing.T) {
			rows, err := f.GetRows(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 1 {
				t.Fatalf("%d rows, want the header row alone", len(rows))
			}
			cols := transform.Columns(rt)
			var heads []string
			for _, c := range cols {
				heads = append(heads, c.Header)
			}
			if !slices.Equal(rows[0], heads) {
				t.Errorf("headers %v, want %v", rows[0], heads)
			}
			dvs := validations(t, f, sheet)
			for i, c := range cols {
				col, err := excelize.ColumnNumberToName(i + 1)
				if err != nil {
					t.Fatal(err)
				}
				checkColumn(t, f, sheet, col, c, transform.Choices(rt, c.Name), dvs[col])
			}
			panes, err := f.GetPanes(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
				t.Errorf("panes %+v, want the header row frozen", panes)
			}
			if got, want := names[sheet], "'"+sheet+"'!$1:$1"; got != want {
				t.Errorf("print titles %q, want %q", got, want)
			}
			pl, err := f.GetPageLayout(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if pl.Size == nil || *pl.Size != 9 || pl.Orientation == nil || *pl.Orientation != "landscape" || pl.FitToWidth == nil || *pl.FitToWidth != 1 {
				t.Errorf("page layout %+v, want A4 (9) landscape fit to 1 page wide", pl)
			}
			hf, err := f.GetHeaderFooter(sheet)
			if err != nil {
				t.Fatal(err)
			}
			if hf == nil || !strings.Contains(hf.OddHeader, "&A") || !strings.Contains(hf.OddFooter, "&P") {
				t.Errorf("header/footer %+v, want the sheet name and page number", hf)
			}
		})
	}

	// Values written down from docs/feeds.md and the city above.
	led := validations(t, f, "人员台账")
	for col, want := range map[string][]string{
		"C": {"男", "女"},                  // 性别
		"G": {"博士", "硕士", "本科"},          // 学历
		"J": {"专项引进", "公开招聘", "动态增补"},    // 招录方式
		"K": {"直接", "县内第一轮", "全市第二轮"},    // 选岗轮次
		"L": {"乡镇事业编制", "县级周转池"},         // 编制来源
		"M": {"娄烦县"},                     // 所在县(市、区)
		"N": {"静游镇", "杜交曲乡"},             // 所在乡镇(街道)
		"O": {"静游村", "王家村", "东关村"},       // 所在村(社区): 王家村 once, 小店区's 东关村 not at all
		"X": {"优秀", "称职", "基本称职", "不称职"}, // 年度考核
	} {
		if dv := led[col]; dv == nil {
			t.Errorf("人员台账 column %s: no validation", col)
		} else if got := listValues(t, f, dv); !slices.Equal(got, want) {
			t.Errorf("人员台账 column %s: %v, want %v", col, got, want)
		}
	}
	// 1900-01-01 is serial 1; 2200-12-31 is 2022-07-01 (44743, docs/feeds.md) plus 65,196 days.
	if dv := led["Q"]; dv == nil || dv.Type != "date" || dv.Formula1 != "1" || dv.Formula2 != "109939" {
		t.Errorf("到岗时间 validation %+v, want a date between serials 1 (1900-01-01) and 109939 (2200-12-31)", dv)
	}
	if dv := led["B"]; dv == nil || dv.Type != "textLength" || dv.Operator != "equal" || dv.Formula1 != "18" {
		t.Errorf("身份证号 validation %+v, want text length 18", dv)
	}
	// A short list is inline.
	if dv := led["C"]; dv == nil || dv.Formula1 != `"男,女"` {
		t.Errorf("性别 validation %+v, want the inline list \"男,女\"", dv)
	}
	sub := validations(t, f, "补贴发放")
	if dv := sub["E"]; dv == nil || dv.Type != "decimal" || dv.Operator != "greaterThanOrEqual" || dv.Formula1 != "0" {
		t.Errorf("金额 validation %+v, want a decimal >= 0", dv)
	}
	if dv := validations(t, f, "年度考核")["C"]; dv == nil || dv.Type != "whole" || dv.Formula1 != "1900" || dv.Formula2 != "2200" {
		t.Errorf("考核年度 validation %+v, want a whole number 1900–2200", dv)
	}

	checkListSheet(t, f, path)
	checkGuide(t, f)
}

// checkColumn checks one column's validation against its kind and choices.
func checkColumn(t *testing.T, f *excelize.File, sheet, col string, c transform.ColumnInfo, choices []string, dv *excelize.DataValidation) {
	t.Helper()
	switch c.Kind {
	case transform.KindChoice:
		if dv == nil {
			t.Errorf("%s: no drop-down", c.Header)
			return
		}
		if got := listValues(t, f, dv); !slices.Equal(got, choices) {
			t.Errorf("%s: drop-down %v, want %v", c.Header, got, choices)
		}
		if want := map[bool]string{true: "stop", false: "warning"}[c.Strict]; dv.ErrorStyle == nil || *dv.ErrorStyle != want {
			t.Errorf("%s: error style %v, want %s", c.Header, dv.ErrorStyle, want)
		}
	case transform.KindDate:
		if dv == nil || dv.Type != "date" || dv.Operator != "between" {
			t.Errorf("%s: validation %+v, want a date", c.Header, dv)
		}
		checkNumFmt(t, f, sheet, col, c.Header, "yyyy-mm-dd", 0)
	case transform.KindID:
		checkNumFmt(t, f, sheet, col, c.Header, "", 49)
	case transform.KindText:
		if dv != nil {
			t.Errorf("%s: free text has validation %+v", c.Header, dv)
		}
	}
	style, err := f.GetCellStyle(sheet, col+"1")
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(style)
	if err != nil {
		t.Fatal(err)
	}
	if red := s.Font != nil && s.Font.Color == "C00000"; red != c.Required {
		t.Errorf("%s: red header %v, required %v", c.Header, red, c.Required)
	}
}

// checkNumFmt checks the number format of a data cell of a column.
func checkNumFmt(t *testing.T, f *excelize.File, sheet, col, header, custom string, numFmt int) {
	t.Helper()
	id, err := f.GetColStyle(sheet, col)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f.GetStyle(id)
	if err != nil {
		t.Fatal(err)
	}
	if custom != "" && (s.CustomNumFmt == nil || *s.CustomNumFmt != custom) {
		t.Errorf("%s: number format %v, want %s", header, s.CustomNumFmt, custom)
	}
	if custom == "" && s.NumFmt != numFmt {
		t.Errorf("%s: number format %d, want %d", header, s.NumFmt, numFmt)
	}
}

// checkListSheet: the list sheet is protected (and the only protected
// sheet), and its village directory marks 王家村 as a name that recurs.
func checkListSheet(t *testing.T, f *excelize.File, path string) {
	t.Helper()
	p, err := f.GetSheetProtection(transform.ListSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !p.SelectLockedCells {
		t.Errorf("list sheet protection %+v, want protected", p)
	}
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	protected := 0
	for _, zf := range z.File {
		if !strings.HasPrefix(zf.Name, "xl/worksheets/sheet") {
			continue
		}
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "<sheetProtection") {
			protected++
		}
	}
	if protected != 1 {
		t.Errorf("%d protected sheets, want 1 (the list sheet)", protected)
	}
	rows, err := f.GetRows(transform.ListSheet)
	if err != nil {
		t.Fatal(err)
	}
	var dir [][]string
	for _, r := range rows {
		for i, c := range r {
			if c == "140123100202" || c == "140123200201" || c == "140123100201" {
				dir = append(dir, r[i-2:])
			}
		}
	}
	want := [][]string{
		{"静游镇", "静游村", "140123100201"},
		{"静游镇", "王家村", "140123100202", "县内重名：须同时选乡镇(街道)"},
		{"杜交曲乡", "王家村", "140123200201", "县内重名：须同时选乡镇(街道)"},
	}
	if len(dir) != len(want) {
		t.Fatalf("directory rows %v, want %v", dir, want)
	}
	for i := range want {
		if !slices.Equal(dir[i], want[i]) {
			t.Errorf("directory row %v, want %v", dir[i], want[i])
		}
	}
}

// checkGuide: the instruction sheet names the supplement rule and holds one
// example row per sheet under that sheet's headers.
func checkGuide(t *testing.T, f *excelize.File) {
	t.Helper()
	rows, err := f.GetRows(transform.InstructionSheet)
	if err != nil {
		t.Fatal(err)
	}
	text := ""
	for _, r := range rows {
		text += strings.Join(r, "|") + "\n"
	}
	// Printed at full size, not shrunk to the width of its example rows.
	props, err := f.GetSheetProps(transform.InstructionSheet)
	if err != nil {
		t.Fatal(err)
	}
	if props.FitToPage != nil && *props.FitToPage {
		t.Error("the instruction sheet is shrunk to fit the page's width")
	}
	for _, s := range []string{"补充", "新增", "增补", "18 位", "2022-07-01", "下拉选项"} {
		if !strings.Contains(text, s) {
			t.Errorf("instruction sheet lacks %q", s)
		}
	}
	for _, rt := range canon.CountyTypes {
		var heads []string
		for _, c := range transform.Columns(rt) {
			heads = append(heads, c.Header)
		}
		found := false
		for i, r := range rows {
			if slices.Equal(r, heads) && i+1 < len(rows) && len(rows[i+1]) > 0 {
				found = true
			}
		}
		if !found {
			t.Errorf("instruction sheet: no example row under %s's headers", rt.SheetName())
		}
	}
}

// TestTemplateCity: without a county, no township or village drop-down; the
// county column offers the city's counties.
func TestTemplateCity(t *testing.T) {
	opts := smallCity()
	opts.County = nil
	f, err := excelize.OpenFile(writeTemplate(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	led := validations(t, f, "人员台账")
	if led["N"] != nil || led["O"] != nil {
		t.Errorf("township/village drop-downs without a county: %+v %+v", led["N"], led["O"])
	}
	if got := listValues(t, f, led["M"]); !slices.Equal(got, []string{"小店区", "娄烦县"}) {
		t.Errorf("county drop-down %v", got)
	}
}

// TestTemplateUnknownCounty: a county without villages is refused.
func TestTemplateUnknownCounty(t *testing.T) {
	opts := smallCity()
	opts.County = &canon.County{Code: "140181", Name: "古交市"}
	if err := clerkform.Write(io.Discard, opts); err == nil || !strings.Contains(err.Error(), "140181") {
		t.Fatalf("Write for a county without villages: %v", err)
	}
}

// countSink counts the staged rows of each record type.
type countSink map[canon.RecordType]int64

func (s countSink) Write(_ context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	s[rt] += rec.NumRows()
	return nil
}

// TestGuideExamplesLoad: the example row of each sheet, copied from the
// instruction sheet into the data sheet below the header, is read by the
// real reader and normaliser with no reject and no finding; the
// instruction and list sheets themselves are not read.
func TestGuideExamplesLoad(t *testing.T) {
	opts := smallCity()
	f, err := clerkform.Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	guide, err := f.GetRows(transform.InstructionSheet)
	if err != nil {
		t.Fatal(err)
	}
	for _, rt := range canon.CountyTypes {
		var heads []string
		for _, c := range transform.Columns(rt) {
			heads = append(heads, c.Header)
		}
		i := slices.IndexFunc(guide, func(r []string) bool { return slices.Equal(r, heads) })
		if i < 0 || i+1 >= len(guide) {
			t.Fatalf("no example under %s's headers", rt.SheetName())
		}
		ex := make([]any, len(guide[i+1]))
		for j, v := range guide[i+1] {
			ex[j] = v
		}
		if err := f.SetSheetRow(rt.SheetName(), "A2", &ex); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(t.TempDir(), "填报模板_140123.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}

	pii, err := piicrypt.New([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	sink := countSink{}
	n, err := transform.New(transform.Options{County: "140123", BachelorAllowed: true, Key: []byte("fedcba9876543210fedcba9876543210"),
		PII: pii, Directory: transform.NewDirectory(opts.Counties, opts.Townships, opts.Villages)}, sink)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Release()
	ctx := context.Background()
	tf := n.File(filepath.Base(path), filepath.Base(path), ingest.FormatXLSX)
	file := ingest.File{Path: path, URI: filepath.Base(path), Name: filepath.Base(path), Format: ingest.FormatXLSX}
	if err := ingest.Read(ctx, file, ingest.ReadOptions{}, func(r ingest.Row) error { return tf.Row(ctx, r) }); err != nil {
		t.Fatal(err)
	}
	if err := tf.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := n.Stats()
	if st.RowsIn != 6 || st.Staged != 6 || st.Rejected != 0 || len(st.Findings) != 0 {
		t.Errorf("stats %+v, want the 6 example rows staged, no reject, no finding", st)
	}
	for _, rt := range canon.CountyTypes {
		if sink[rt] != 1 {
			t.Errorf("%s: %d rows staged, want the example", rt, sink[rt])
		}
	}
}

// TestLongListUsesRange: a drop-down list longer than Excel's 255-character
// inline limit (100 villages) refers to a range of the list sheet that holds
// every value in order.
func TestLongListUsesRange(t *testing.T) {
	opts := smallCity()
	var want []string
	for i := 1; i <= 100; i++ {
		v := canon.Village{Code: fmt.Sprintf("140123100%03d", i), Name: fmt.Sprintf("第%d村", i), TownshipCode: "140123100", CountyCode: "140123"}
		opts.Villages = append(opts.Villages, v)
		want = append(want, v.Name)
	}
	opts.Villages = append(opts.Villages[:1], opts.Villages[5:]...) // 小店区's village and the 100
	f, err := excelize.OpenFile(writeTemplate(t, opts))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dv := validations(t, f, "人员台账")["O"]
	if dv == nil || !strings.HasPrefix(dv.Formula1, "'下拉选项'!$") {
		t.Fatalf("village validation %+v, want a range of the list sheet", dv)
	}
	if got := listValues(t, f, dv); !slices.Equal(got, want) {
		t.Errorf("village drop-down %v, want %v", got, want)
	}
}
