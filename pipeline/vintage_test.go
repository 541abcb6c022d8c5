package pipeline

import (
	"context"
	"html"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/metrics"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// sun is a graduate the 小店区 ledger posts to 坞城社区 in July 2022, on a
// day the county later corrects.
var sun = person{"孙七", "140105199503100011", "13800000007"}

// ledgerWithSun is the 小店区 ledger with 孙七 arriving on 10 July 2022 at
// 坞城社区 and, when left is not "", leaving on that day, resigned.
func ledgerWithSun(left string) [][]any {
	day := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	row := []any{sun.name, sun.id, "男", sun.phone, "硕士", "公开招聘", "乡镇编制", "小店区", "140105001001", day("2022-07-10"), nil, nil}
	if left != "" {
		row[10], row[11] = day(left), "辞职"
	}
	return append(xiaodianLedger(), row)
}

// readReport reads the July 2022 report from the published snapshot, at
// vintage at (the zero time: the latest).
func readReport(t *testing.T, published string, at time.Time) *reports.ReportData {
	t.Helper()
	r, err := warehouse.OpenReader(context.Background(), published)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var q metrics.Querier = r
	if !at.IsZero() {
		q = metrics.AtVintage(r, at)
	}
	d, err := reports.Read(context.Background(), q, "2022-07")
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestVintageReproducesReport: the July report is read; 小店区 then corrects
// 孙七's row of July (he left on 20 July, resigned; the ledger had him still
// in post) and the county is loaded again. Read at the first report's
// vintage, July's report is the first report, figure for figure; read at the
// new one, it changes by exactly that row: 坞城社区 is no longer covered on
// 31 July, and one posting ended in July, by resignation.
func TestVintageReproducesReport(t *testing.T) {
	cfg := fixture(t)
	writeXiaodian(t, cfg.Dir, ledgerWithSun(""))
	if res := runOnce(t, cfg); res.Failed() != 0 {
		t.Fatalf("first load: %d failed", res.Failed())
	}
	first := readReport(t, cfg.Published, time.Time{})
	if first.Vintage == "" || first.VintageGiven {
		t.Fatalf("the first report records vintage %q (given %v), want the last run's", first.Vintage, first.VintageGiven)
	}
	v1, err := metrics.ParseVintage(first.Vintage)
	if err != nil {
		t.Fatal(err)
	}

	// The county's clerk corrects the July row; the workbook is sent again.
	time.Sleep(10 * time.Millisecond)
	writeXiaodian(t, cfg.Dir, ledgerWithSun("2022-07-20"))
	res := runOnce(t, cfg, "140105")
	if c := county(res, "140105"); c.Error != "" || c.Loaded == 0 {
		t.Fatalf("the correction was not loaded: %+v", c)
	}

	again := readReport(t, cfg.Published, v1)
	if !again.VintageGiven || again.Vintage != first.Vintage {
		t.Errorf("read at %s: vintage %q (given %v)", first.Vintage, again.Vintage, again.VintageGiven)
	}
	again.VintageGiven = false
	if !reflect.DeepEqual(first, again) {
		t.Errorf("the July report at the first vintage differs from the first report:\nfirst %+v\nagain %+v", first, again)
	}

	now := readReport(t, cfg.Published, time.Time{})
	if now.Vintage <= first.Vintage {
		t.Errorf("the new vintage %s is not after the first %s", now.Vintage, first.Vintage)
	}
	// By hand: on 31 July 小店区 had 坞城社区 (孙七) and 东关社区 (李四)
	// covered, two graduates; after the correction only 东关社区.
	xd := func(d *reports.ReportData) reports.CoverageRow {
		for _, c := range d.Counties {
			if c.Code == "140105" {
				return c
			}
		}
		t.Fatalf("no 小店区 row in %+v", d.Counties)
		return reports.CoverageRow{}
	}
	if b, a := xd(first), xd(now); b.Villages != 2 || b.Covered != 2 || b.GraduatesInPost != 2 ||
		a.Villages != 2 || a.Covered != 1 || a.GraduatesInPost != 1 {
		t.Errorf("小店区 on 31 July: first %d/%d villages, %d graduates; corrected %d/%d, %d (want 2/2, 2 then 1/2, 1)",
			b.Covered, b.Villages, b.GraduatesInPost, a.Covered, a.Villages, a.GraduatesInPost)
	}
	flow := func(d *reports.ReportData, code string) reports.FlowRow {
		for _, f := range d.Flows {
			if f.Code == code {
				return f
			}
		}
		t.Fatalf("no flows row %s", code)
		return reports.FlowRow{}
	}
	for _, code := range []string{"140105", "1401"} {
		b, a := flow(first, code), flow(now, code)
		if b.Started != 1 || b.Ended != 0 || a.Started != 1 || a.Ended != 1 || a.EndedBy["resigned"] != 1 ||
			a.InPostEnd != b.InPostEnd-1 || a.InPostStart != b.InPostStart {
			t.Errorf("%s in July: first %+v, corrected %+v (want started 1 ended 0, then started 1, ended 1 by resignation, one fewer at the end)", code, b, a)
		}
	}
	// Every other county's figures are untouched.
	for i := range first.Counties {
		if c := first.Counties[i]; c.Code != "140105" && !reflect.DeepEqual(c, now.Counties[i]) {
			t.Errorf("%s changed: %+v → %+v", c.Code, c, now.Counties[i])
		}
	}

	// The HTML prints the vintage, which reproduces it.
	out := t.TempDir()
	files, err := reports.WriteWith(context.Background(), out, first, []string{reports.FormatHTML}, reports.Options{})
	if err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	// html/template writes the offset's + as &#43;.
	text := html.UnescapeString(string(page))
	if !strings.Contains(text, "数据版本 <span class=\"vintage-id\">"+first.Vintage+"</span>") ||
		!strings.Contains(text, "grassroots report --period 2022-07 --vintage '"+first.Vintage+"'") {
		t.Errorf("%s does not print the vintage %s and the command that reproduces it", filepath.Base(files[0]), first.Vintage)
	}
}
