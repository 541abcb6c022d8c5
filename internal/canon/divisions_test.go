package canon

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTownshipKind(t *testing.T) {
	cases := []struct {
		code, kind string
		ok         bool
	}{
		{"140105001", KindStreet, true},
		{"140105099", KindStreet, true},
		{"140121100", KindTown, true},
		{"140121199", KindTown, true},
		{"140122200", KindTownship, true},
		{"140122399", KindTownship, true},
		{"140108400", KindOther, true},
		{"140108599", KindOther, true},
		{"140108600", "", false},
		{"140108000", "", false},
		{"14010800a", "", false},
		{"1401080010", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		kind, ok := TownshipKind(c.code)
		if kind != c.kind || ok != c.ok {
			t.Errorf("TownshipKind(%q) = %q, %v; want %q, %v", c.code, kind, ok, c.kind, c.ok)
		}
	}
}

func TestVillageKind(t *testing.T) {
	cases := []struct {
		code, kind string
		ok         bool
	}{
		{"140105001001", KindCommunity, true},
		{"140105001199", KindCommunity, true},
		{"140122200200", KindVillage, true},
		{"140122200399", KindVillage, true},
		{"140122200400", "", false},
		{"140122200000", "", false},
		{"14012220020", "", false},
	}
	for _, c := range cases {
		kind, ok := VillageKind(c.code)
		if kind != c.kind || ok != c.ok {
			t.Errorf("VillageKind(%q) = %q, %v; want %q, %v", c.code, kind, ok, c.kind, c.ok)
		}
	}
}

// sharedDir finds ../shared beside the repository root (the folder holding go.mod).
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(filepath.Dir(dir), "shared")
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// TestReferenceTownshipKinds reads the real list of Taiyuan's 102 townships and
// checks that every township's kind follows from its code: a name ending in
// 街道 has a street code, 镇 a town code, 乡 a township code, and codes 400-599
// (development zones and the like) are "other" whatever the name says.
func TestReferenceTownshipKinds(t *testing.T) {
	path := filepath.Join(sharedDir(t), "reference", "taiyuan_townships_2022.csv")
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		t.Skipf("reference data absent: %s not found (it lives in ../shared beside the checkout)", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := len(rows) - 1; got != 102 {
		t.Fatalf("reference has %d townships, want 102", got)
	}
	counts := map[string]int{}
	for _, r := range rows[1:] {
		code, name, county := r[0], r[1], r[2]
		if !strings.HasPrefix(code, county) {
			t.Errorf("%s %s: code does not start with its county %s", code, name, county)
		}
		kind, ok := TownshipKind(code)
		if !ok {
			t.Errorf("%s %s: no kind for this code", code, name)
			continue
		}
		counts[kind]++
		var want string
		switch {
		case kind == KindOther:
			want = KindOther
		case strings.HasSuffix(name, "街道"):
			want = KindStreet
		case strings.HasSuffix(name, "镇"):
			want = KindTown
		case strings.HasSuffix(name, "乡"):
			want = KindTownship
		}
		if kind != want {
			t.Errorf("%s %s: kind %q from the code, %q from the name", code, name, kind, want)
		}
	}
	// Counted by hand from the file: 54 streets, 22 towns, 24 townships, and
	// two units with codes 400 (a development zone and 阳曲县 中心镇).
	want := map[string]int{KindStreet: 54, KindTown: 22, KindTownship: 24, KindOther: 2}
	for k, n := range want {
		if counts[k] != n {
			t.Errorf("%d townships of kind %s, want %d", counts[k], k, n)
		}
	}
}
