package reports_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"
	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// readReport reads a period's report from a warehouse or snapshot, as
// `grassroots report` does.
func readReport(ctx context.Context, path, period string) (*reports.ReportData, error) {
	r, err := warehouse.OpenReader(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return reports.Read(ctx, r, period)
}

// TestReportAgainstMacros renders the report of 2022-07 for the demo city and
// checks its figures against the macros, cell by cell in the workbook and by
// value in the HTML; the same data gives the same figures; nothing personal
// is in either file.
func TestReportAgainstMacros(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	ctx := context.Background()
	cfg := testcity.Loaded(t)
	d, err := readReport(ctx, cfg.Published, "2022-07")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "reports")
	files, err := reports.Write(ctx, out, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2 || files[0] != filepath.Join(out, "2022-07", "report.html") || files[1] != filepath.Join(out, "2022-07", "report.xlsx") {
		t.Fatalf("files %v", files)
	}

	db, err := sql.Open("duckdb", cfg.Published+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	// The headline's uncovered villages are those uncovered_villages lists,
	// on each of its three days.
	for _, h := range d.Headline {
		if h.Key != "uncovered" {
			continue
		}
		for _, c := range []struct {
			day string
			v   *float64
		}{{"2022-07-31", h.Value}, {"2022-06-30", h.Prev}, {"2021-07-31", h.YearAgo}} {
			var n float64
			if err := db.QueryRow("SELECT count(*) FROM uncovered_villages(DATE '" + c.day + "')").Scan(&n); err != nil {
				t.Fatal(err)
			}
			if c.v == nil || *c.v != n {
				t.Errorf("headline uncovered on %s = %v, uncovered_villages has %v", c.day, c.v, n)
			}
		}
	}
	type county struct {
		code, name        string
		villages, covered int64
		rate              float64
		inPost            int64
	}
	var counties []county
	rows, err := db.Query("SELECT code, name, villages, covered, coverage_rate, graduates_in_post FROM coverage('2022-07-31') WHERE level = 'county' ORDER BY code")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c county
		if err := rows.Scan(&c.code, &c.name, &c.villages, &c.covered, &c.rate, &c.inPost); err != nil {
			t.Fatal(err)
		}
		counties = append(counties, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	rows.Close()
	if len(counties) != 10 {
		t.Fatalf("%d counties from the macro", len(counties))
	}

	// The workbook, cell by cell.
	x, err := excelize.OpenFile(files[1])
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := "县区覆盖"
	header, err := x.GetRows(sheet)
	if err != nil || len(header) < 2+len(counties) {
		t.Fatalf("sheet %s: %v, %d rows", sheet, err, len(header))
	}
	col := map[string]int{}
	for i, h := range header[1] {
		col[h] = i + 1
	}
	cell := func(row int, name string) string {
		t.Helper()
		i, ok := col[name]
		if !ok {
			t.Fatalf("sheet %s has no column %s (%v)", sheet, name, header[1])
		}
		ref, _ := excelize.CoordinatesToCellName(i, row)
		v, err := x.GetCellValue(sheet, ref, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for i, c := range counties {
		r := 3 + i
		got := []string{cell(r, "县（市、区）代码"), cell(r, "县（市、区）"), cell(r, "村（社区）数"), cell(r, "已覆盖"), cell(r, "在岗研究生")}
		want := []string{c.code, c.name, fmt.Sprint(c.villages), fmt.Sprint(c.covered), fmt.Sprint(c.inPost)}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("workbook row %d: %v, macro %v", r, got, want)
		}
		var rate float64
		fmt.Sscan(cell(r, "覆盖率"), &rate)
		if diff := rate - c.rate; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("workbook %s coverage rate %v, macro %v", c.code, rate, c.rate)
		}
	}
	// Headline: this month's coverage rate and committee members.
	head, _ := x.GetRows("核心指标", excelize.Options{RawCellValue: true})
	found := map[string]string{}
	for _, r := range head {
		if len(r) > 1 {
			found[r[0]] = r[1]
		}
	}
	if found["覆盖率"] == "" || !strings.HasPrefix(found["覆盖率"], "0.81") || found["进入村（社区）“两委”班子"] != "72" || found["村（社区）总数"] != "1395" {
		t.Errorf("headline sheet: %v", found)
	}

	// The HTML, by value: each county's coverage rate in the chart data and
	// its numbers in the table.
	page, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?s)<script type="application/json" id="chart-data-coverage">(.*?)</script>`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no coverage chart data in the HTML")
	}
	var points []struct {
		Code string   `json:"code"`
		Rate *float64 `json:"coverage_rate"`
	}
	if err := json.Unmarshal([]byte(html.UnescapeString(string(m[1]))), &points); err != nil {
		t.Fatalf("coverage chart data: %v", err)
	}
	rates := map[string]float64{}
	for _, p := range points {
		if p.Rate != nil {
			rates[p.Code] = *p.Rate
		}
	}
	text := string(page)
	for _, c := range counties {
		if rates[c.code] != c.rate {
			t.Errorf("HTML chart: %s coverage %v, macro %v", c.code, rates[c.code], c.rate)
		}
		pct := fmt.Sprintf("%.1f%%", c.rate*100)
		if !regexp.MustCompile(c.name + `(?s).{0,400}` + regexp.QuoteMeta(pct)).MatchString(text) {
			t.Errorf("HTML table: %s without %s nearby", c.name, pct)
		}
	}
	for _, want := range []string{"81.0%", "1,395", "1,145"} {
		if !strings.Contains(text, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}

	// The same period on the same data: byte-identical files.
	again := filepath.Join(t.TempDir(), "again")
	files2, err := reports.Write(ctx, again, d, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range files {
		a, err := os.ReadFile(files[i])
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(files2[i])
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs between two renders of the same data", filepath.Base(files[i]))
		}
	}
	d2, err := readReport(ctx, cfg.Published, "2022-07")
	if err != nil {
		t.Fatal(err)
	}
	var h1, h2 bytes.Buffer
	if err := reports.RenderHTML(&h1, d); err != nil {
		t.Fatal(err)
	}
	if err := reports.RenderHTML(&h2, d2); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(h1.Bytes(), h2.Bytes()) {
		t.Errorf("reading the same period twice gives another HTML")
	}

	// Nothing personal in either file.
	var needles []string
	for _, p := range testcity.People(t, cfg) {
		needles = append(needles, p.IDNumber, p.PersonKey)
		if p.Phone != "" {
			needles = append(needles, p.Phone)
		}
		if len([]rune(p.Name)) >= 3 {
			needles = append(needles, p.Name)
		}
	}
	var cells strings.Builder
	for _, s := range x.GetSheetList() {
		rs, err := x.GetRows(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			cells.WriteString(strings.Join(r, "\t"))
			cells.WriteByte('\n')
		}
	}
	for _, n := range needles {
		if strings.Contains(text, n) || strings.Contains(cells.String(), n) {
			t.Fatalf("the report holds personal data (%d characters)", len([]rune(n)))
		}
	}

	// Writing the period again replaces its files, leaving no temporary folder.
	if _, err := reports.Write(ctx, out, d, []string{reports.FormatHTML}); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(out)
	if len(entries) != 1 || entries[0].Name() != "2022-07" {
		t.Errorf("reports folder holds %v", entries)
	}
	inside, _ := os.ReadDir(filepath.Join(out, "2022-07"))
	if len(inside) != 1 || inside[0].Name() != "report.html" {
		t.Errorf("2022-07 holds %v after a rewrite with html only", inside)
	}
}

func TestLastMonth(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	cases := map[string]string{
		"2022-08-01T08:00:00+08:00": "2022-07",
		"2022-01-15T00:00:00+08:00": "2021-12",
		"2022-03-01T00:30:00+08:00": "2022-02",
		// 16:30 UTC on the last day of July is already 1 August in Shanghai.
		"2022-07-31T16:30:00Z": "2022-07",
	}
	for in, want := range cases {
		now, _ := time.Parse(time.RFC3339, in)
		if got := reports.LastMonth(now, loc); got != want {
			t.Errorf("LastMonth(%s) = %s, want %s", in, got, want)
		}
	}
}
