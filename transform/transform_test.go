package transform

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"

	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/dates"
)

// collect is a Sink that keeps every row as a map of column to Go value.
type collect map[canon.RecordType][]map[string]any

func (c collect) Write(_ context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	for i := 0; i < int(rec.NumRows()); i++ {
		m := map[string]any{}
		for j, f := range rec.Schema().Fields() {
			col := rec.Column(j)
			if col.IsNull(i) {
				m[f.Name] = nil
				continue
			}
			switch a := col.(type) {
			case *array.String:
				m[f.Name] = a.Value(i)
			case *array.Int32:
				m[f.Name] = a.Value(i)
			case *array.Int64:
				m[f.Name] = a.Value(i)
			case *array.Date32:
				m[f.Name] = dates.FromDays(int32(a.Value(i))).Format("2006-01-02")
			default:
				return fmt.Errorf("unexpected column type %T", col)
			}
		}
		c[rt] = append(c[rt], m)
	}
	return nil
}

// testDirectory: 小店区 with a street and a community; 娄烦县 with a 乡 and
// two villages, one of them named like a village in 小店区.
func testDirectory() *Directory {
	return NewDirectory(
		[]County{{Code: "140105", Name: "小店区"}, {Code: "140123", Name: "娄烦县"}},
		[]Township{{Code: "140105001", Name: "坞城街道", CountyCode: "140105"}, {Code: "140123200", Name: "杜交曲乡", CountyCode: "140123"}},
		[]Village{
			{Code: "140105001001", Name: "坞城社区", TownshipCode: "140105001", CountyCode: "140105"},
			{Code: "140105001002", Name: "东关村", TownshipCode: "140105001", CountyCode: "140105"},
			{Code: "140123200201", Name: "王家村", TownshipCode: "140123200", CountyCode: "140123"},
			{Code: "140123200202", Name: "东关村", TownshipCode: "140123200", CountyCode: "140123"},
		})
}

var testKey = []byte("0123456789abcdef0123456789abcdef")

// normalise runs rows (the first is the header) through a Normaliser for
// county 140105 as one CSV file named name.
func normalise(t *testing.T, name string, rows [][]string, opts Options) (collect, Stats) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sink := collect{}
	if opts.County == "" && !opts.Divisions {
		opts.County = "140105"
	}
	if opts.Key == nil {
		opts.Key = testKey
	}
	if opts.PII == nil {
		opts.PII = testPII
	}
	opts.Directory = testDirectory()
	opts.Alloc = mem
	opts.BatchRows = 2 // several batches even for small tests
	n, err := New(opts, sink)
	if err != nil {
		t.Fatal(err)
	}
	defer n.Release()
	ctx := context.Background()
	f := n.File(name, name, ingest.FormatOf(name))
	for i, r := range rows {
		if err := f.Row(ctx, ingest.Row{Number: i + 1, Cells: r}); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	return sink, n.Stats()
}

var ledgerHeader = []string{"姓名", "身份证号码", "性别", "联系电话", "出生年月", "政治面貌", "学历", "招录方式", "选岗轮次",
	"编制来源", "所在县（市、区）", "所在乡镇(街道)", "所在村(社区)", "村社区代码", "到岗时间", "离岗时间", "离岗原因", "两委职务", "任职时间", "备注"}

// A valid row: 11010519491231002X is the textbook GB 11643 example (female,
// born 1949-12-31); 140105199001011238 is built with the MOD 11-2 check.
func goodLedger() []string {
	return []string{"张三", "11010519491231002X", "女", "13800000000", "1949.12", "中共党员", "硕士研究生", "公开招聘", "",
		"乡镇事业编制", "小店区", "坞城街道", "坞城社区", "", "2020/7/1", "", "", "", "", "备注 free text"}
}

func with(row []string, col string, v string) []string {
	out := append([]string(nil), row...)
	for i, h := range ledgerHeader {
		if h == col {
			out[i] = v
			return out
		}
	}
	panic("no column " + col)
}

func TestLedgerValidRow(t *testing.T) {
	out, st := normalise(t, "人员台账.csv", [][]string{ledgerHeader, goodLedger()}, Options{})
	if st.RowsIn != 1 || st.Staged != 1 || st.Rejected != 0 {
		t.Fatalf("stats %+v", st)
	}
	got := out[canon.Ledger][0]
	// person_key = first 16 bytes of HMAC-SHA256(testKey, id), in hex, the
	// ID number as normalised (18 characters, upper-case X). Computed outside
	// the code, its first 32 hex characters:
	//   printf '%s' 11010519491231002X | openssl dgst -sha256 -hmac 0123456789abcdef0123456789abcdef
	//   SHA2-256(stdin)= 7b2b7323b75750d6b3bf13c96f9841b6f9b099fed3f4ac35fa61cfa57ff8b97b
	const wantKey = "7b2b7323b75750d6b3bf13c96f9841b6"
	n, err := New(Options{Key: testKey, PII: testPII}, collect{})
	if err != nil {
		t.Fatal(err)
	}
	if k := n.PersonKey("11010519491231002X"); k != wantKey {
		t.Errorf("PersonKey = %q, want %q", k, wantKey)
	}
	want := map[string]any{
		"person_key": wantKey, "name": "张三", "id_number": "11010519491231002X",
		"phone": "13800000000", "gender": "female", "birth_year": int32(1949), "political_status": "party_member",
		"degree": "master", "channel": "open_recruit", "selection_round": "direct", "quota_source": "township",
		"county_code": "140105", "township_code": "140105001", "village_code": "140105001001",
		"start_date": "2020-07-01", "end_date": nil, "end_reason": nil, "role": nil,
	}
	got = openPII(t, got)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if len(got["person_key"].(string)) != 32 {
		t.Errorf("person_key %q is not 32 hex characters", got["person_key"])
	}
	// 备注 is reported as a column not read.
	if st.Findings["unused_columns"] != 1 {
		t.Errorf("findings %v, want unused_columns 1", st.Findings)
	}
}

func TestLedgerRejects(t *testing.T) {
	g := goodLedger()
	cases := []struct {
		name   string
		row    []string
		reason string
	}{
		{"id format", with(g, "身份证号码", "1101051949123100"), "bad_id_format"},
		{"id impossible date", with(g, "身份证号码", "110105194902300028"), "bad_id_format"},
		{"id checksum", with(g, "身份证号码", "110105194912310021"), "bad_id_checksum"},
		{"bad start", with(g, "到岗时间", "2020-13-01"), "bad_date:start_date"},
		{"bad end", with(g, "离岗时间", "last year"), "bad_date:end_date"},
		{"bad birth", with(g, "出生年月", "1949-13"), "bad_date:birth"},
		{"missing degree", with(g, "学历", ""), "missing:degree"},
		{"missing id", with(g, "身份证号码", " "), "missing:id_number"},
		{"missing start", with(g, "到岗时间", ""), "missing:start_date"},
		{"unknown degree", with(g, "学历", "大专"), "unknown_value:degree"},
		{"unknown channel", with(g, "招录方式", "借调"), "unknown_value:channel"},
		{"unknown quota", with(g, "编制来源", "临时"), "unknown_value:quota_source"},
		{"unknown round", with(g, "选岗轮次", "第三轮"), "unknown_value:selection_round"},
		{"unknown role", with(with(g, "两委职务", "会计"), "任职时间", "2021-06-01"), "unknown_value:role"},
		{"role without start", with(g, "两委职务", "村委会委员"), "missing:role_start"},
		{"unknown village", with(g, "所在村(社区)", "不存在村"), "unknown_village"},
		{"village of another county", with(with(g, "所在村(社区)", ""), "村社区代码", "140123200201"), "unknown_village"},
		{"no village", with(g, "所在村(社区)", ""), "missing:village"},
		{"wrong county", with(g, "所在县（市、区）", "娄烦县"), "wrong_county"},
		{"wrong county code", with(g, "所在县（市、区）", "140123"), "wrong_county"},
		{"end before start", with(g, "离岗时间", "2020-06-30"), "end_before_start"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, st := normalise(t, "ledger.csv", [][]string{ledgerHeader, c.row}, Options{})
			if st.Rejected != 1 || st.Rejects[c.reason] != 1 || st.Staged != 0 {
				t.Fatalf("stats %+v, want one reject %s", st, c.reason)
			}
			rj := out[canon.Rejects][0]
			if rj["reason"] != c.reason || rj["row_number"] != int64(2) || rj["source_uri"] != "ledger.csv" {
				t.Fatalf("reject %v", rj)
			}
			raw := rj["raw_masked"].(string)
			for _, secret := range []string{"张三", "13800000000", "11010519491231", "free text"} {
				if strings.Contains(raw, secret) {
					t.Errorf("raw_masked %s leaks %q", raw, secret)
				}
			}
			if !strings.Contains(raw, `"姓名":"**"`) || !strings.Contains(raw, `"联系电话":"138********"`) {
				t.Errorf("raw_masked %s: name or phone not masked as expected", raw)
			}
		})
	}
}

func TestLedgerFindings(t *testing.T) {
	g := goodLedger()
	cases := []struct {
		name, code string
		row        []string
		opts       Options
	}{
		{"gender", "gender_mismatch", with(g, "性别", "男"), Options{}},
		{"birth", "birth_mismatch", with(g, "出生年月", "1950-01"), Options{}},
		// Born 1949-12-31: aged 30 on 2020-07-01, 29 on 1979-12-30.
		{"over age", "over_age_at_entry", with(g, "招录方式", "专项引进"), Options{}},
		{"bachelor", "degree_below_requirement", with(g, "学历", "本科"), Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out, st := normalise(t, "ledger.csv", [][]string{ledgerHeader, c.row}, c.opts)
			if st.Staged != 1 || st.Findings[c.code] != 1 {
				t.Fatalf("stats %+v, want the row staged and one %s", st, c.code)
			}
			var found bool
			for _, f := range out[canon.Findings] {
				if f["code"] == c.code {
					found = true
					if f["person_key"] == nil || f["village_code"] != "140105001001" || f["severity"] != "warning" {
						t.Errorf("finding %v", f)
					}
				}
			}
			if !found {
				t.Fatalf("no %s finding in %v", c.code, out[canon.Findings])
			}
		})
	}
	// Under 30 on the start date: no over_age_at_entry.
	_, st := normalise(t, "ledger.csv", [][]string{ledgerHeader, with(with(g, "招录方式", "专项引进"), "到岗时间", "1979-12-30")}, Options{})
	if st.Findings["over_age_at_entry"] != 0 {
		t.Errorf("over_age_at_entry raised for an entrant aged 29")
	}
	// Bachelor allowed in the county: no finding.
	_, st = normalise(t, "ledger.csv", [][]string{ledgerHeader, with(g, "学历", "本科")}, Options{BachelorAllowed: true})
	if st.Findings["degree_below_requirement"] != 0 {
		t.Errorf("degree_below_requirement raised in a bachelor_allowed county")
	}
}

func TestDuplicates(t *testing.T) {
	g := goodLedger()
	other := with(with(g, "身份证号码", "140105199001011238"), "性别", "男")
	rows := [][]string{ledgerHeader, g, other, g, with(g, "联系电话", "13900000000")}
	out, st := normalise(t, "ledger.csv", rows, Options{})
	// g twice is a duplicate; g with another phone has the same key
	// (person, village, start) but other values: duplicate_in_file.
	if st.RowsIn != 4 || st.Staged != 2 || st.Duplicates != 1 || st.Rejects["duplicate_in_file"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	if got := out[canon.Rejects][0]["row_number"]; got != int64(5) {
		t.Errorf("duplicate_in_file on row %v, want 5", got)
	}
}

func TestTitleRowsAndNameResolution(t *testing.T) {
	g := goodLedger()
	rows := [][]string{
		{"太原市小店区“一村一名研究生”人员台账"},
		{"", "填报日期：2022年7月"},
		ledgerHeader,
		// Loose names: 坞城 for 坞城街道, 东关 for 东关村; 东关村 exists in
		// two counties but only once in 小店区.
		with(with(g, "所在乡镇(街道)", "坞城街道办事处"), "所在村(社区)", "东关村委会"),
		with(with(with(with(g, "所在乡镇(街道)", ""), "所在村(社区)", "东关"), "身份证号码", "140105199001011238"), "性别", "男"),
	}
	out, st := normalise(t, "人员台账2022.csv", rows, Options{})
	if st.RowsIn != 2 || st.Rejected != 0 {
		t.Fatalf("stats %+v (title rows must not count as data)", st)
	}
	for i, l := range out[canon.Ledger] {
		if l["village_code"] != "140105001002" {
			t.Errorf("row %d: village resolved to %v, want 140105001002", i, l["village_code"])
		}
	}
}

func TestRolesCategories(t *testing.T) {
	cases := map[string]string{
		"村(社区)党组织书记": roleSecretary, "党支部书记": roleSecretary, "党总支书记": roleSecretary, "党委书记": roleSecretary,
		"副书记": roleCommittee, "村委会主任": roleCommittee, "居委会主任": roleCommittee, "委员": roleCommittee, "“两委”委员": roleCommittee,
		"乡镇(街道)领导班子成员": roleTownshipLeadership, "副乡长": roleTownshipLeadership, "副镇长": roleTownshipLeadership,
		"街道办事处副主任": roleTownshipLeadership,
	}
	for role, want := range cases {
		if got, ok := roleCategory(role); !ok || got != want {
			t.Errorf("roleCategory(%q) = %q, %v; want %q", role, got, ok, want)
		}
	}
	if _, ok := roleCategory("会计"); ok {
		t.Errorf("会计 is not a committee role")
	}
}

func TestOtherRecordTypes(t *testing.T) {
	id := "11010519491231002X"
	t.Run("roles", func(t *testing.T) {
		out, st := normalise(t, "roles.csv", [][]string{
			{"身份证号", "职务", "村社区代码", "任职时间", "离任时间"},
			{id, "党支部书记", "140105001001", "2021-06-01", ""},
			{id, "副镇长", "", "2022.3.1", ""},
			{id, "委员", "", "2021-06-01", ""},
		}, Options{})
		if st.Staged != 2 || st.Rejects["missing:village"] != 1 {
			t.Fatalf("stats %+v", st)
		}
		r := out[canon.Roles]
		if r[0]["role_category"] != "secretary" || r[0]["village_code"] != "140105001001" || r[1]["role_category"] != "township_leadership" || r[1]["village_code"] != nil || r[1]["start_date"] != "2022-03-01" {
			t.Fatalf("roles %v", r)
		}
	})
	t.Run("assessments", func(t *testing.T) {
		out, st := normalise(t, "年度考核.csv", [][]string{{"身份证号", "考核年度", "考核结果"}, {id, "2021年", "优秀"}, {id, "2020", "良好"}}, Options{})
		if st.Staged != 1 || st.Rejects["unknown_value:grade"] != 1 || out[canon.Assessments][0]["year"] != int32(2021) || out[canon.Assessments][0]["grade"] != "excellent" {
			t.Fatalf("stats %+v out %v", st, out)
		}
	})
	t.Run("vacancies", func(t *testing.T) {
		out, st := normalise(t, "vacancies.csv", [][]string{{"所在乡镇(街道)", "所在村(社区)", "登记时间", "空缺原因", "补齐时间"},
			{"坞城街道", "坞城社区", "2022-06-30", "人员流动", "2022-09-01"},
			{"坞城街道", "东关村", "2022-06-30", "退休", ""},
			{"坞城街道", "坞城社区", "2022-06-30", "人员流动", "2022-05-01"}}, Options{})
		v := out[canon.Vacancies]
		if st.Staged != 2 || st.Rejects["end_before_start"] != 1 || v[0]["reason"] != "turnover" || v[0]["filled_on"] != "2022-09-01" || v[1]["reason"] != "other" {
			t.Fatalf("stats %+v out %v", st, v)
		}
	})
	t.Run("quota", func(t *testing.T) {
		out, st := normalise(t, "编制.csv", [][]string{{"县区", "乡镇(街道)", "年度", "乡镇编制数", "县级周转池调剂数"},
			{"小店区", "坞城街道", "2022", "12", ""}, {"小店区", "", "2022", "", "30"}, {"小店区", "无名镇", "2022", "3", ""}, {"小店区", "坞城街道", "2021", "x", ""}}, Options{})
		q := out[canon.Quota]
		if st.Staged != 2 || st.Rejects["unknown_value:township"] != 1 || st.Rejects["unknown_value:township_quota"] != 1 ||
			q[0]["township_code"] != "140105001" || q[0]["township_quota"] != int32(12) || q[0]["county_pool"] != nil ||
			q[1]["township_code"] != nil || q[1]["county_pool"] != int32(30) || q[1]["county_code"] != "140105" {
			t.Fatalf("stats %+v out %v", st, q)
		}
	})
	t.Run("subsidies", func(t *testing.T) {
		out, st := normalise(t, "subsidies.csv", [][]string{{"身份证号", "发放时间", "补贴类型", "金额(元)"},
			{id, "2022-03-31", "生活补助", "1,500.5"}, {id, "2022-06-30", "购房补贴", "abc"}}, Options{})
		s := out[canon.Subsidies]
		if st.Staged != 1 || st.Rejects["unknown_value:amount_yuan"] != 1 || s[0]["amount_fen"] != int64(150050) || s[0]["kind"] != "living" {
			t.Fatalf("stats %+v out %v", st, s)
		}
	})
	t.Run("divisions", func(t *testing.T) {
		out, st := normalise(t, "divisions.csv", [][]string{{"村社区代码", "村社区名称", "乡镇代码", "乡镇名称", "县区代码", "县区名称", "城乡分类代码", "成立日期", "撤销日期"},
			{"140105001001", "坞城社区", "140105001", "坞城街道", "140105", "小店区", "111", "", ""},
			{"140123200201", "王家村", "140123200", "杜交曲乡", "140123", "娄烦县", "220", "", "2020-06-30"},
			{"140123200401", "某单位", "140123200", "杜交曲乡", "140123", "娄烦县", "220", "", ""},
			{"140123200202", "东关村", "140123201", "杜交曲乡", "140123", "娄烦县", "220", "", ""},
			{"140123200203", "李家村", "140123200", "杜交曲乡", "140123", "娄烦县", "999", "", ""},
		}, Options{Divisions: true})
		d := out[canon.Divisions]
		if st.Staged != 2 || st.Rejects["unknown_value:village_code"] != 1 || st.Rejects["unknown_value:township_code"] != 1 || st.Rejects["unknown_value:urban_rural_code"] != 1 {
			t.Fatalf("stats %+v", st)
		}
		if d[0]["village_kind"] != "community" || d[0]["township_kind"] != "street" || d[1]["village_kind"] != "village" || d[1]["township_kind"] != "township" || d[1]["dissolved_on"] != "2020-06-30" {
			t.Fatalf("divisions %v", d)
		}
	})
}

func TestKeyedRowsAndSheets(t *testing.T) {
	n, sink := testNormaliser(t)
	ctx := context.Background()
	// An xlsx workbook: a notes sheet, a ledger sheet whose start date is a
	// serial number, and an assessments sheet.
	f := n.File("台账.xlsx", "台账.xlsx", ingest.FormatXLSX)
	rows := []ingest.Row{
		{Sheet: "说明", Number: 1, Cells: []string{"本表由乡镇填报"}, Serial: true},
		{Sheet: "人员台账", Number: 1, Cells: ledgerHeader, Serial: true},
		{Sheet: "人员台账", Number: 2, Cells: with(goodLedger(), "到岗时间", "44743"), Serial: true},
		{Sheet: "年度考核", Number: 1, Cells: []string{"身份证号", "考核年度", "年度考核"}, Serial: true},
		{Sheet: "年度考核", Number: 2, Cells: []string{"11010519491231002X", "2021", "称职"}, Serial: true},
	}
	for _, r := range rows {
		if err := f.Row(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	f.Close(ctx)
	// A JSON file keyed by headers, in another order.
	j := n.File("ledger.json", "ledger.json", ingest.FormatJSON)
	j.Row(ctx, ingest.Row{Number: 1, Keys: []string{"id_number", "name", "degree", "channel", "quota_source", "county", "village_code", "start_date"},
		Cells: []string{"140105199001011238", "李四", "博士", "增补", "周转池", "140105", "140105001002", "20220701"}})
	j.Close(ctx)
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := n.Stats()
	if st.RowsIn != 3 || st.Staged != 3 || st.Findings["unknown_record_type"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	if got := f.RecordTypes(); strings.Join(got, ",") != "assessments,ledger" {
		t.Errorf("record types %v", got)
	}
	l := sink[canon.Ledger]
	if l[0]["start_date"] != "2022-07-01" || l[1]["channel"] != "replenish" || l[1]["quota_source"] != "county_pool" || l[1]["gender"] != "male" {
		t.Fatalf("ledger %v", l)
	}
	if a := sink[canon.Assessments][0]; a["grade"] != "competent" || a["year"] != int32(2021) {
		t.Fatalf("assessment %v", a)
	}
}

// testNormaliser is a normaliser of 小店区 on a checked allocator: the test
// fails if a batch is left unreleased. Its files are read by the caller.
func testNormaliser(t *testing.T) (*Normaliser, collect) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sink := collect{}
	n, err := New(Options{County: "140105", Key: testKey, PII: testPII, Directory: testDirectory(), Alloc: mem}, sink)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Release) // before AssertSize: cleanups run last first
	return n, sink
}
