package synth

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/config"
)

// TestExpect checks the city's figures twice: as Generate reports them and
// as an independent count over the model finds them, against the numbers the
// programme's brief fixes.
func TestExpect(t *testing.T) {
	res, m := generated(t, 1)
	day := func(s string) date {
		var y, mo, d int
		if _, err := fmt.Sscanf(s, "%d-%d-%d", &y, &mo, &d); err != nil {
			t.Fatal(err)
		}
		return ymd(y, time.Month(mo), d)
	}
	d1, d2 := day("2022-07-21"), day("2022-12-31")
	universe := func(v *village, d date) bool {
		return !(v.established != 0 && v.established > d) && !(v.dissolved != 0 && v.dissolved <= d)
	}
	in := func(p *posting, d date) bool { return p.start <= d && !(p.end != 0 && p.end <= d) }

	var villages, townships, inPost1, inPost2, twoRound, openAfter, pool, townshipQuota, poolCounties int
	covered1, covered2 := map[string]bool{}, map[string]bool{}
	ids := map[string]map[string]bool{} // ID number -> counties
	postingKeys := map[string]bool{}
	byCounty := map[string]CountyExpect{}
	for _, cm := range m.counties {
		townships += len(cm.county.townships)
		ce := CountyExpect{}
		for _, v := range cm.county.divs {
			if universe(v, d1) {
				ce.Villages++
			}
		}
		cov := map[string]bool{}
		for _, p := range cm.postings {
			if ids[p.person.id18] == nil {
				ids[p.person.id18] = map[string]bool{}
			}
			ids[p.person.id18][cm.county.code] = true
			postingKeys[p.person.id18+p.village.code+p.start.time().Format("20060102")] = true
			if in(p, d1) {
				ce.InPost20220721++
				cov[p.village.code] = true
				covered1[p.village.code] = true
				if p.round != roundDirect {
					twoRound++
					if cm.county.region != regionRemote {
						t.Errorf("two-round posting in developed county %s", cm.county.code)
					}
				}
			}
			if in(p, d2) {
				inPost2++
				covered2[p.village.code] = true
			}
			if p.start > d1 && p.start <= d2 && p.person.channel == chOpen {
				openAfter++
			}
		}
		ce.Covered20220721 = len(cov)
		byCounty[cm.county.code] = ce
		villages += ce.Villages
		inPost1 += ce.InPost20220721
		hasPool := false
		for _, q := range cm.quotas {
			if q.year == 2022 && q.township == nil {
				pool += q.quota
				hasPool = true
			} else if q.year == 2022 {
				townshipQuota += q.quota
			}
		}
		if hasPool {
			poolCounties++
		}
	}
	committee, secretaries := map[string]bool{}, map[string]bool{}
	for _, cm := range m.counties {
		for _, ro := range cm.roles {
			held := ro.start <= d1 && (ro.end == 0 || ro.end > d1)
			if ro.category != catLeader && ro.start >= day("2021-05-01") && ro.start <= day("2021-10-31") && held {
				committee[ro.posting.person.id18] = true
				if ro.category == catSecretary {
					secretaries[ro.posting.person.id18] = true
				}
			}
		}
	}
	across := 0
	for _, cs := range ids {
		if len(cs) > 1 {
			across++
		}
	}
	counted := Expect{
		Villages: villages, Townships: townships, InPost20220721: inPost1, Covered20220721: len(covered1),
		TwoRound20220721: twoRound, OpenRecruitsAfter: openAfter, Covered20221231: len(covered2),
		InPost20221231: inPost2, TownshipQuota2022: townshipQuota, CountyPool2022: pool, PoolCounties: poolCounties,
		Committee2021: len(committee), Secretaries2021: len(secretaries), Persons: len(ids),
		Postings: len(postingKeys), TransferredAcrossCounties: across, ByCounty: byCounty,
	}
	if !reflect.DeepEqual(counted, res.Expect) {
		t.Errorf("Expect = %+v\ncounted  %+v", res.Expect, counted)
	}
	for _, c := range []struct {
		name      string
		got, want int
	}{
		{"Villages", counted.Villages, 1395},
		{"Townships", counted.Townships, 101},
		{"InPost20220721", counted.InPost20220721, 1145},
		{"Covered20220721", counted.Covered20220721, 1130},
		{"TwoRound20220721", counted.TwoRound20220721, 328},
		{"OpenRecruitsAfter", counted.OpenRecruitsAfter, 265},
		{"Covered20221231", counted.Covered20221231, 1395},
		{"InPost20221231", counted.InPost20221231, 1395},
		{"TownshipQuota2022", counted.TownshipQuota2022, 1117},
		{"CountyPool2022", counted.CountyPool2022, 278},
		{"PoolCounties", counted.PoolCounties, 6},
		{"Committee2021", counted.Committee2021, 72},
		{"Secretaries2021", counted.Secretaries2021, 43},
		{"TransferredAcrossCounties", counted.TransferredAcrossCounties, 6},
	} {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	// Two graduates in 15 villages on 2022-07-21, and distinct postings and persons.
	if got := counted.InPost20220721 - counted.Covered20220721; got != 15 {
		t.Errorf("doubly covered villages = %d, want 15", got)
	}
	persons := map[*person]bool{}
	for _, cm := range m.counties {
		for _, p := range cm.postings {
			persons[p.person] = true
		}
	}
	if len(persons) != counted.Persons {
		t.Errorf("%d persons have %d distinct ID numbers", len(persons), counted.Persons)
	}
}

// TestDeterministic generates twice with the same seed and compares every
// file: text byte for byte, workbooks cell by cell. Another seed differs.
func TestDeterministic(t *testing.T) {
	a, _ := generated(t, 7)
	b, _ := generated(t, 7)
	c, _ := generated(t, 8)
	files := 0
	err := filepath.WalkDir(a.Dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(a.Dir, path)
		other := filepath.Join(b.Dir, rel)
		files++
		switch {
		case rel == keyName || rel == exportKeyName || rel == piiKeyName:
			ka, kb := readFile(t, path), readFile(t, other)
			if bytes.Equal(ka, kb) {
				t.Error("two keys are equal")
			}
		case filepath.Ext(rel) == ".xlsx":
			if !reflect.DeepEqual(workbookCells(t, path), workbookCells(t, other)) {
				t.Errorf("%s differs", rel)
			}
		default:
			if !bytes.Equal(readFile(t, path), readFile(t, other)) {
				t.Errorf("%s differs", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := 5 + 50; files != want { // config, three keys, divisions and 50 feed files
		t.Errorf("%d files, want %d", files, want)
	}
	if bytes.Equal(readFile(t, a.DivisionsPath), readFile(t, c.DivisionsPath)) {
		t.Error("seeds 7 and 8 wrote the same divisions")
	}
	if !reflect.DeepEqual(a.Counties, b.Counties) {
		t.Error("the county feeds differ")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// workbookCells returns every sheet's rows.
func workbookCells(t *testing.T, path string) map[string][][]string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][][]string{}
	for _, s := range f.GetSheetList() {
		rows, err := f.GetRows(s, excelize.Options{RawCellValue: true})
		if err != nil {
			t.Fatal(err)
		}
		out[s] = rows
	}
	return out
}

// TestScales checks the scales Generate accepts; the province is tested on
// its own (TestProvince) and the country only by BenchmarkGenerateNational.
func TestScales(t *testing.T) {
	for _, c := range []struct {
		scale string
		want  error
	}{
		{"", nil},
		{"city", nil},
		{"town", ErrUnknownScale},
	} {
		t.Run(c.scale, func(t *testing.T) {
			_, err := Generate(context.Background(), t.TempDir(), Options{Scale: c.scale})
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if err != nil && !strings.Contains(err.Error(), c.scale) {
				t.Errorf("%q does not name the scale", err)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Generate(ctx, t.TempDir(), Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

// TestConfig loads the written configuration with the config package and
// reads the key through it.
func TestConfig(t *testing.T) {
	res, m := generated(t, 1)
	cfg, err := config.Load(res.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.City.Code != "1401" || cfg.City.Name != "太原市" || cfg.Timezone != "Asia/Shanghai" {
		t.Errorf("city %+v, timezone %s", cfg.City, cfg.Timezone)
	}
	if cfg.Divisions.Path != res.DivisionsPath && cfg.Divisions.Path != mustAbs(t, res.DivisionsPath) {
		t.Errorf("divisions at %s, want %s", cfg.Divisions.Path, res.DivisionsPath)
	}
	if len(cfg.Counties) != len(m.counties) {
		t.Fatalf("%d counties, want %d", len(cfg.Counties), len(m.counties))
	}
	schedules := map[string]bool{}
	for i, c := range cfg.Counties {
		want := m.counties[i].county
		if c.Code != want.code || c.Name != want.name || c.Region != want.region || c.BachelorAllowed != want.bachelorAllowed {
			t.Errorf("county %d = %+v", i, c)
		}
		if c.Source.Kind != "dir" || c.Source.Settle != 0 || c.Source.Archive ||
			c.Source.Path != mustAbs(t, filepath.Join(res.Dir, "feeds", c.Code)) {
			t.Errorf("county %s source %+v", c.Code, c.Source)
		}
		schedules[c.Schedule] = true
	}
	if len(schedules) != 10 || !schedules["0 2 * * *"] || !schedules["30 3 * * *"] {
		t.Errorf("schedules %v are not staggered from 2:00 to 3:30", schedules)
	}
	if cfg.Export.K != 5 || cfg.Reports.Schedule != "0 8 1 * *" || cfg.StaleAfter.Hours() != 72 {
		t.Errorf("reports %+v export %+v stale_after %v", cfg.Reports, cfg.Export, cfg.StaleAfter)
	}
	key, err := cfg.Key()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hex.DecodeString(string(key)); err != nil || len(key) != 64 {
		t.Errorf("key is %d characters, not 64 hex", len(key))
	}
	st, err := os.Stat(res.KeyPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %v, want 0600", st.Mode().Perm())
	}
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// BenchmarkGenerate measures a whole city: the brief wants it under 2 s.
func BenchmarkGenerate(b *testing.B) {
	dir := b.TempDir()
	for b.Loop() {
		if _, err := Generate(context.Background(), dir, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
