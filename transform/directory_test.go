package transform

import (
	"sync"
	"testing"
)

func TestDirectoryVillage(t *testing.T) {
	// Listed out of code order, with a code listed twice (the last wins).
	d := NewDirectory(
		[]County{{"140105", "小店区"}, {"140123", "娄烦县"}},
		[]Township{{"140105001", "坞城街道", "140105"}, {"140123200", "杜交曲乡", "140123"}, {"140123100", "静游镇", "140123"}},
		[]Village{
			{"140123200202", "东关村", "140123200", "140123"},
			{"140105001002", "东关村", "140105001", "140105"},
			{"140123100201", "静游村", "140123100", "140123"},
			{"140105001001", "坞城社区", "140105001", "140105"},
			{"140123200201", "旧名村", "140123200", "140123"},
			{"140123200201", "王家村", "140123200", "140123"},
			{"140123100202", "王家村", "140123100", "140123"},
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
