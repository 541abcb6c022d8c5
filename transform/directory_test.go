package transform

import (
	"sync"
	"testing"
)

func TestDirectoryVillage(t *testing.T) {
	// Listed out of code order, with a code listed twice (the last wins).
	d := NewDirectory(
		[]County{{Code: "140105", Name: "小店区"}, {Code: "140123", Name: "娄烦县"}},
		[]Township{{Code: "140105001", Name: "坞城街道", CountyCode: "140105"}, {Code: "140123200", Name: "杜交曲乡", CountyCode: "140123"}, {Code: "140123100", Name: "静游镇", CountyCode: "140123"}},
		[]Village{
			{Code: "140123200202", Name: "东关村", TownshipCode: "140123200", CountyCode: "140123"},
			{Code: "140105001002", Name: "东关村", TownshipCode: "140105001", CountyCode: "140105"},
			{Code: "140123100201", Name: "静游村", TownshipCode: "140123100", CountyCode: "140123"},
			{Code: "140105001001", Name: "坞城社区", TownshipCode: "140105001", CountyCode: "140105"},
			{Code: "140123200201", Name: "旧名村", TownshipCode: "140123200", CountyCode: "140123"},
			{Code: "140123200201", Name: "王家村", TownshipCode: "140123200", CountyCode: "140123"},
			{Code: "140123100202", Name: "王家村", TownshipCode: "140123100", CountyCode: "140123"},
		})
	if d.Villages() != 6 {
		t.Fatalf("Villages() = %d, want 6", d.Villages())
	}
	for _, tt := range []struct {
		county, township, village, code string
		want                            string // "" = not resolved
	}{
		{"140105", "", "", "140105001001", "140105001001"},
		{"", "", "", "140123200202", "140123200202"},
		{"140105", "", "", "140123200202", ""}, // a code of another county
		{"140105", "", "", "140105001009", ""}, // unknown code
		{"140123", "", "", "140123200201", "140123200201"},
		{"140105", "坞城街道", "坞城社区居委会", "", "140105001001"},
		{"140105", "坞城", "东关", "", "140105001002"},
		{"140105", "", "东关村", "", "140105001002"}, // unique in its county
		{"140123", "", "东关村", "", "140123200202"},
		{"140123", "", "王家村", "", ""}, // two in the county: ambiguous
		{"140123", "杜交曲乡", "王家村", "", "140123200201"},
		{"140123", "静游镇", "王家", "", "140123100202"},
		{"140123", "杜交曲乡", "旧名村", "", ""},  // the name the later listing replaced
		{"140123", "杜交曲乡", "静游村", "", ""},  // in another township
		{"140123", "坞城街道", "坞城社区", "", ""}, // a township of another county
		{"140123", "", "", "", ""},
	} {
		v, ok := d.Village(tt.county, tt.township, tt.village, tt.code)
		if got := v.Code; ok != (tt.want != "") || got != tt.want {
			t.Errorf("Village(%q, %q, %q, %q) = %q, %v; want %q", tt.county, tt.township, tt.village, tt.code, got, ok, tt.want)
		}
	}
	// Concurrent first lookups build each index once (run with -race).
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if v, ok := d.Village("140123", "静游镇", "静游村", ""); !ok || v.Code != "140123100201" {
				t.Errorf("concurrent lookup = %v, %v", v, ok)
			}
		})
	}
	wg.Wait()
}
