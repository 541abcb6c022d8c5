package pipeline

import (
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestJSONObjectArrays: the two JSON objects. One holding two
// arrays fails its county's run with an error naming both keys (nothing
// of either is loaded, nothing dropped silently); one holding its rows
// under "rows" beside "meta" and an empty "warnings" array loads them.
func TestJSONObjectArrays(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	drop := filepath.Join(cfg.Dir, "feeds", "140123")
	r1 := `{"身份证号":"` + zhang.id + `","考核年度":"2022","考核结果":"优秀"}`
	r2 := `{"身份证号":"` + wang.id + `","考核年度":"2022","考核结果":"称职"}`
	paged := filepath.Join(drop, "年度考核-分页.json")
	must(t, os.WriteFile(paged, []byte(`{"page1":[`+r1+`],"page2":[`+r2+`]}`), 0o644))
	x := county(runOnce(t, cfg, "140123"), "140123")
	if x.Status != StatusFailed || !strings.Contains(x.Error, "年度考核-分页.json") || !strings.Contains(x.Error, "several arrays (page1, page2)") {
		t.Fatalf("two arrays: %+v; want the run failed naming the file and page1, page2", x)
	}
	assessments := func() (n int) {
		withWarehouse(t, cfg, func(db *sql.DB) { n = scalar[int](t, db, "SELECT count(*) FROM fact_assessment") })
		return n
	}
	if n := assessments(); n != 0 {
		t.Fatalf("%d assessments loaded from the failed run", n)
	}

	must(t, os.Remove(paged))
	must(t, os.WriteFile(filepath.Join(drop, "年度考核.json"),
		[]byte(`{"meta":{"county":"140123","pages":[1]},"warnings":[],"rows":[`+r1+`,`+r2+`]}`), 0o644))
	x = county(runOnce(t, cfg, "140123"), "140123")
	if x.Status != StatusSucceeded || x.Loaded != 2 || x.Rejected != 0 {
		t.Fatalf("rows beside meta and warnings: %+v; want 2 loaded", x)
	}
	if n := assessments(); n != 2 {
		t.Errorf("%d assessments, want 2", n)
	}
}
