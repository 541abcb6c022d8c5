package transform

import (
	"context"
	"slices"
	"testing"

	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
)

// TestChoicesAccepted: every value a drop-down offers is accepted by the
// lookup the normaliser uses for that column, each enum label gives its own
// code, and no code of an enum is left without a label.
func TestChoicesAccepted(t *testing.T) {
	for _, rt := range canon.CountyTypes {
		for _, c := range Columns(rt) {
			vals := Choices(rt, c.Name)
			if (c.Kind == KindChoice) != (len(vals) > 0) {
				t.Errorf("%s.%s: kind %s with %d choices", rt, c.Name, c.Kind, len(vals))
			}
			for _, v := range vals {
				got, ok := accepts(c.Name, v)
				if !ok {
					t.Errorf("%s.%s: choice %q is not accepted", rt, c.Name, v)
				}
				for _, ch := range enumChoices[c.Name] {
					if ch.label == v && ch.code != got {
						t.Errorf("%s.%s: %q reads as %q, want %q", rt, c.Name, v, got, ch.code)
					}
				}
			}
		}
	}
	for col, e := range enums {
		codes := map[string]bool{}
		for _, code := range e {
			codes[code] = true
		}
		for code := range codes {
			if _, ok := Label(colType(t, col), col, code); !ok {
				t.Errorf("%s: code %q has no label", col, code)
			}
		}
		if len(enumChoices[col]) != len(codes) {
			t.Errorf("%s: %d labels for %d codes", col, len(enumChoices[col]), len(codes))
		}
	}
}

// colType finds a county record type that has the column.
func colType(t *testing.T, col string) canon.RecordType {
	t.Helper()
	for _, rt := range canon.CountyTypes {
		if colIndex(rt, col) >= 0 {
			return rt
		}
	}
	t.Fatalf("no record type has column %s", col)
	return ""
}

// TestChoicesByHand: values and categories written down from docs/feeds.md
// (取值表, 职务), not from the code.
func TestChoicesByHand(t *testing.T) {
	if got, want := Choices(canon.Ledger, "degree"), []string{"博士", "硕士", "本科"}; !slices.Equal(got, want) {
		t.Errorf("degree choices %v, want %v", got, want)
	}
	if got, want := Choices(canon.Assessments, "grade"), []string{"优秀", "称职", "基本称职", "不称职"}; !slices.Equal(got, want) {
		t.Errorf("grade choices %v, want %v", got, want)
	}
	if got := Choices(canon.Ledger, "grade"); got != nil {
		t.Errorf("the ledger has no grade column, got %v", got)
	}
	if got := Choices(canon.Ledger, "university"); got != nil {
		t.Errorf("university is free text, got %v", got)
	}
	for role, want := range map[string]string{
		"村(社区)党组织书记": "secretary", "党委书记": "secretary", "副书记": "committee", "村委会主任": "committee",
		"“两委”委员": "committee", "副镇长": "township_leadership", "街道办事处副主任": "township_leadership",
		"乡镇(街道)领导班子成员": "township_leadership",
	} {
		if !slices.Contains(Choices(canon.Roles, "role"), role) {
			t.Errorf("role choices lack %q", role)
		}
		if got, _ := accepts("role", role); got != want {
			t.Errorf("role %q is %q, want %q", role, got, want)
		}
	}
	if l, ok := Label(canon.Ledger, "quota_source", "county_pool"); !ok || l != "县级周转池" {
		t.Errorf("Label(quota_source, county_pool) = %q, %v", l, ok)
	}
	// A returned list is a copy.
	Choices(canon.Ledger, "gender")[0] = "x"
	if Choices(canon.Ledger, "gender")[0] != "男" {
		t.Error("Choices returned the package's own slice")
	}
}

// TestColumnsByHand: the ledger's first columns and the subsidies' kinds,
// from docs/feeds.md's tables.
func TestColumnsByHand(t *testing.T) {
	cols := Columns(canon.Ledger)
	want := []ColumnInfo{
		{Name: "name", Header: "姓名", Required: true, Kind: KindText},
		{Name: "id_number", Header: "身份证号", Required: true, Kind: KindID},
		{Name: "gender", Header: "性别", Kind: KindChoice, Strict: true},
		{Name: "phone", Header: "联系电话", Kind: KindText},
		{Name: "birth", Header: "出生年月", Kind: KindDate},
	}
	if len(cols) != 24 || !slices.Equal(cols[:5], want) {
		t.Fatalf("ledger columns (%d) start %+v, want 24 starting %+v", len(cols), cols[:5], want)
	}
	sub := Columns(canon.Subsidies)
	kinds := []Kind{KindText, KindID, KindDate, KindChoice, KindAmount}
	for i, c := range sub {
		if c.Kind != kinds[i] {
			t.Errorf("subsidies %s: kind %s, want %s", c.Name, c.Kind, kinds[i])
		}
	}
	if sub[3].Strict {
		t.Error("an unknown subsidy kind is kept as other, not rejected")
	}
	for _, name := range []string{"填表说明", "下拉选项", " 填表说明 "} {
		if !IsTemplateSheet(name) {
			t.Errorf("IsTemplateSheet(%q) = false", name)
		}
	}
	if IsTemplateSheet("人员台账") {
		t.Error("人员台账 is a record type, not a template sheet")
	}
}

// TestTemplateSheetsSkipped: the template's 填表说明 and 下拉选项 sheets are
// never read, even in a workbook whose file name says a record type (its
// other sheets would be read as that type), and raise no finding; the data
// sheet beside them is read.
func TestTemplateSheetsSkipped(t *testing.T) {
	n, sink := testNormaliser(t)
	ctx := context.Background()
	for _, name := range []string{"人员台账_补充.xlsx", "填报模板_140105.xlsx"} {
		f := n.File(name, name, ingest.FormatXLSX)
		rows := []ingest.Row{
			// An example row under the ledger's headers: it would load if read.
			{Sheet: "填表说明", Number: 1, Cells: []string{"一村(社区)一名研究生 数据填报模板"}, Serial: true},
			{Sheet: "填表说明", Number: 2, Cells: ledgerHeader, Serial: true},
			{Sheet: "填表说明", Number: 3, Cells: goodLedger(), Serial: true},
			{Sheet: "人员台账", Number: 1, Cells: ledgerHeader, Serial: true},
			{Sheet: "人员台账", Number: 2, Cells: with(goodLedger(), "到岗时间", "44743"), Serial: true},
			{Sheet: "下拉选项", Number: 1, Cells: []string{"性别", "学历"}, Serial: true},
			{Sheet: "下拉选项", Number: 2, Cells: []string{"男", "博士"}, Serial: true},
		}
		for _, r := range rows {
			if err := f.Row(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if err := f.Close(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := n.Stats()
	// Two files, one ledger row each; the second is the same row again in
	// another file (not a duplicate: duplicates are counted within a file).
	// The only finding is the info about the data sheets' 备注 column.
	if st.RowsIn != 2 || st.Staged != 2 || st.Rejected != 0 || st.Findings["unknown_record_type"] != 0 || len(st.Findings) != 1 {
		t.Fatalf("stats %+v, want 2 rows in and staged, no reject, no finding but unused_columns", st)
	}
	if l := sink[canon.Ledger]; len(l) != 2 || l[0]["start_date"] != "2022-07-01" {
		t.Fatalf("ledger %v", l)
	}
}
