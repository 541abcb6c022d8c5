package transform

import (
	"context"
	"testing"

	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
)

// A record type named inside a file name, among a county, a year and spaces.
func TestTypeInsideFileName(t *testing.T) {
	rows := [][]string{{"身份证号", "考核年度", "年度考核"}, {"11010519491231002X", "2022", "优秀"}}
	for _, name := range []string{"古交市 2022 年度考核.csv", "年度考核 古交市 2022.csv", "2022年度考核（古交市）.csv"} {
		out, st := normalise(t, name, rows, Options{})
		if st.Staged != 1 || len(out[canon.Assessments]) != 1 || st.Findings["unknown_record_type"] != 0 {
			t.Errorf("%s: stats %+v, assessments %v", name, st, out[canon.Assessments])
		}
	}
}

// A file name holding two record types' names is not read, and the finding
// says which names it saw.
func TestAmbiguousFileName(t *testing.T) {
	out, st := normalise(t, "人员台账和编制.csv", [][]string{ledgerHeader, goodLedger()}, Options{})
	if st.RowsIn != 0 || st.Staged != 0 || st.Findings["unknown_record_type"] != 1 {
		t.Fatalf("stats %+v", st)
	}
	ds := findingsOf(out, "unknown_record_type")
	if len(ds) != 1 || !contains(ds[0], "人员台账和编制.csv", "the file name", "人员台账, 编制", "2 rows") {
		t.Errorf("finding %q", ds)
	}
}

// Sheets: their names say the record type and mark supplements; a sheet
// naming two types is not read even in a file whose name names one.
func TestSheetNamesAndSupplements(t *testing.T) {
	n, sink := testNormaliser(t)
	ctx := context.Background()
	li := with(with(goodLedger(), "身份证号码", "140105199001011238"), "性别", "男")
	f := n.File("人员台账.xlsx", "人员台账.xlsx", ingest.FormatXLSX)
	if f.Supplement() {
		t.Error("人员台账.xlsx is a supplement")
	}
	rows := []ingest.Row{
		{Sheet: "人员台账（补充）", Number: 1, Cells: ledgerHeader},
		{Sheet: "人员台账（补充）", Number: 2, Cells: goodLedger()},
		{Sheet: "任职记录与年度考核", Number: 1, Cells: []string{"身份证号", "考核年度", "年度考核"}},
		{Sheet: "任职记录与年度考核", Number: 2, Cells: []string{"11010519491231002X", "2022", "优秀"}},
		{Sheet: "Sheet3", Number: 1, Cells: ledgerHeader}, // the file's type
		{Sheet: "Sheet3", Number: 2, Cells: li},
	}
	for _, r := range rows {
		if err := f.Row(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st := n.Stats()
	if st.Staged != 2 || len(sink[canon.Ledger]) != 2 || len(sink[canon.Assessments]) != 0 {
		t.Fatalf("stats %+v", st)
	}
	if st.SupplementLedgers != 1 || st.FullLedgers != 1 || st.SupplementsOnly() {
		t.Errorf("supplement ledgers %d, full %d: want 1 and 1, not supplements only", st.SupplementLedgers, st.FullLedgers)
	}
	ds := findingsOf(sink, "unknown_record_type")
	// Its 2 rows: the header and the data row, as skipped rows are counted.
	if len(ds) != 1 || !contains(ds[0], "the sheet name", "任职记录, 年度考核", "2 rows") {
		t.Errorf("finding %q", ds)
	}
}

func TestSupplementStats(t *testing.T) {
	g := goodLedger()
	li := with(with(g, "身份证号码", "140105199001011238"), "性别", "男")
	cases := []struct {
		file        string
		rows        [][]string
		full, suppl int
		only        bool
	}{
		{"新增人员台账.csv", [][]string{ledgerHeader, g, li}, 0, 1, true},
		{"人员台账_supplement.csv", [][]string{ledgerHeader, g}, 0, 1, true},
		{"2022年增补人员台账.csv", [][]string{ledgerHeader, g}, 0, 1, true},
		{"人员台账.csv", [][]string{ledgerHeader, g, li}, 1, 0, false},
		// A supplement whose every row is rejected staged nothing.
		{"新增人员台账.csv", [][]string{ledgerHeader, with(g, "学历", "")}, 0, 0, false},
		// Not a ledger.
		{"补充年度考核.csv", [][]string{{"身份证号", "考核年度", "年度考核"}, {"11010519491231002X", "2022", "优秀"}}, 0, 0, false},
	}
	for _, c := range cases {
		_, st := normalise(t, c.file, c.rows, Options{})
		if st.FullLedgers != c.full || st.SupplementLedgers != c.suppl || st.SupplementsOnly() != c.only {
			t.Errorf("%s: full %d, supplement %d, only %v; want %d, %d, %v", c.file,
				st.FullLedgers, st.SupplementLedgers, st.SupplementsOnly(), c.full, c.suppl, c.only)
		}
	}
}
