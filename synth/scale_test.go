package synth

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/grassroots-cn/grassroots/config"
)

// TestApportion checks the sharing out of a total by hand.
func TestApportion(t *testing.T) {
	for _, c := range []struct {
		total   int
		weights []float64
		mins    []int
		want    []int
	}{
		{10, []float64{1, 1}, []int{0, 0}, []int{5, 5}},
		{10, []float64{1, 3}, []int{2, 2}, []int{4, 6}},         // 6 left: 1.5 and 4.5, floored to 1 and 4, the one left to the first
		{7, []float64{1, 1, 1}, []int{0, 0, 0}, []int{3, 2, 2}}, // 2 each, the one left to the first
		{5, []float64{1, 1}, []int{3, 3}, []int{3, 3}},          // the minimums exceed the total
	} {
		if got := apportion(c.total, c.weights, c.mins); !slices.Equal(got, c.want) {
			t.Errorf("apportion(%d, %v, %v) = %v, want %v", c.total, c.weights, c.mins, got, c.want)
		}
	}
}

// TestNationalPlan checks the plan of the national scale (the plan alone:
// generating the country is left to BenchmarkGenerateNational).
func TestNationalPlan(t *testing.T) {
	a, err := planArea(Options{Seed: 1, Scale: ScaleNational})
	if err != nil {
		t.Fatal(err)
	}
	if a.code != "00" || a.name != "全国" {
		t.Errorf("area %s %s", a.code, a.name)
	}
	codes, names := map[string]bool{}, map[string]bool{}
	byProvince := map[string][3]int{}
	shapeUse := map[string]int{}
	counties := 0
	for _, u := range a.units {
		if len(u.counties) < 2 || len(u.code) != 4 {
			t.Errorf("unit %s has %d counties", u.code, len(u.counties))
		}
		for i, c := range u.counties {
			counties++
			if len(c.code) != 6 || !strings.HasPrefix(c.code, u.code) || strings.HasSuffix(c.code, "00") || codes[c.code] {
				t.Errorf("county code %s in unit %s", c.code, u.code)
			}
			if names[c.name] || !strings.ContainsAny(c.name[len(c.name)-3:], "区县市") {
				t.Errorf("county name %s", c.name)
			}
			codes[c.code], names[c.name] = true, true
			p := byProvince[c.code[:2]]
			byProvince[c.code[:2]] = [3]int{p[0] + 1, p[1] + c.streets + c.towns + c.xiangs, p[2] + c.villages}
			shapeUse[c.shape.desc]++
			if len(c.transfersTo) > 0 && (i == len(u.counties)-1 || !slices.Equal(c.transfersTo, []string{u.counties[i+1].code})) {
				t.Errorf("county %s moves graduates to %v", c.code, c.transfersTo)
			}
			if c.streets > 80 || c.towns > 80 || c.xiangs > 150 || c.villages < 4*(c.streets+c.towns+c.xiangs) {
				t.Errorf("county %s: %d/%d/%d townships, %d villages", c.code, c.streets, c.towns, c.xiangs, c.villages)
			}
		}
	}
	// 2,843 counties take the ten shapes in turn: 285 for the first three, 284 for the others.
	if counties != 2843 || len(byProvince) != 31 || len(shapeUse) != 10 {
		t.Fatalf("%d counties, %d provinces, %d shapes", counties, len(byProvince), len(shapeUse))
	}
	for i, p := range taiyuan {
		if want := 284 + min(1, max(0, 3-i)); shapeUse[shapes[p.code].desc] != want {
			t.Errorf("shape of %s used %d times, want %d", p.code, shapeUse[shapes[p.code].desc], want)
		}
	}
	for _, p := range provinces {
		if got := byProvince[p.code]; got != [3]int{p.counties, p.townships, p.villages} {
			t.Errorf("province %s: %v counties, townships, villages; want %d, %d, %d", p.code, got, p.counties, p.townships, p.villages)
		}
	}
}

// TestCSVOnly writes the city as CSV only: the same rows, dirty rows and
// truth as in its shapes, in plain UTF-8 CSV files named by record type.
func TestCSVOnly(t *testing.T) {
	shaped, _ := generated(t, 1)
	res, _, err := generate(context.Background(), t.TempDir(), Options{Seed: 1, CSVOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(res.Expect, shaped.Expect) {
		t.Errorf("Expect %+v, with shapes %+v", res.Expect, shaped.Expect)
	}
	codes := map[string]bool{}
	for i, feed := range res.Counties {
		want := shaped.Counties[i]
		if feed.RowsIn != want.RowsIn || !maps.Equal(feed.Rows, want.Rows) || feed.Duplicates != want.Duplicates ||
			!maps.Equal(feed.Rejects, want.Rejects) || !maps.Equal(feed.Findings, want.Findings) {
			t.Errorf("county %s: %+v, with shapes %+v", feed.Code, feed, want)
		}
		var files []string
		for rt := range want.Rows {
			files = append(files, "feeds/"+feed.Code+"/"+rt+".csv")
		}
		if got := slices.Sorted(slices.Values(feed.Files)); !slices.Equal(got, slices.Sorted(slices.Values(files))) {
			t.Errorf("county %s files %v, want %v", feed.Code, got, files)
		}
		for _, f := range feed.Files {
			b := readFile(t, filepath.Join(res.Dir, f))
			if !utf8.Valid(b) || bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || bytes.Contains(b, []byte("\r\n")) {
				t.Errorf("%s is not UTF-8 CSV without BOM and with LF line ends", f)
			}
		}
		checkFeed(t, res, feed, codes)
	}
	// Headers stay the county's: 阳曲县's ledger starts as its GB18030 file does.
	b := readFile(t, filepath.Join(res.Dir, "feeds", "140122", "ledger.csv"))
	if !bytes.HasPrefix(b, []byte("姓名,性别,出生年月,公民身份号码,")) {
		t.Errorf("140122 ledger starts %q", b[:40])
	}
	cfg, err := config.Load(res.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cfg.Counties {
		if c.Source.Encoding != config.EncodingUTF8 {
			t.Errorf("county %s encoding %s", c.Code, c.Source.Encoding)
		}
	}
}

// TestProvince generates the province twice with one seed and checks its
// size, its determinism, its shapes and dirty rows, its divisions file and
// its configuration.
func TestProvince(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: generating the province takes a few seconds; make test runs it")
	}
	opts := Options{Seed: 3, Scale: ScaleProvince}
	a, m, err := generate(context.Background(), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if m != nil {
		t.Error("the province kept its model")
	}
	b, err := Generate(context.Background(), t.TempDir(), opts)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("size", func(t *testing.T) {
		e := a.Expect
		if len(a.Counties) != 117 || e.Townships != 1400 || e.Villages != 30000 || len(e.ByCounty) != 117 {
			t.Errorf("%d counties, %d townships, %d villages", len(a.Counties), e.Townships, e.Villages)
		}
		// About 1.75 postings per village; every village covered at the end of 2022.
		if e.Postings < 48000 || e.Postings > 58000 || e.Persons > e.Postings || e.Persons < 44000 ||
			e.Covered20221231 != 30000 || e.TransferredAcrossCounties < 40 {
			t.Errorf("%d postings, %d persons, %d covered on 2022-12-31, %d transfers",
				e.Postings, e.Persons, e.Covered20221231, e.TransferredAcrossCounties)
		}
		villages := 0
		for _, c := range a.Counties {
			if !strings.HasPrefix(c.Code, "14") || len(c.Code) != 6 {
				t.Errorf("county %s", c.Code)
			}
			villages += e.ByCounty[c.Code].Villages
		}
		if villages != 30000 {
			t.Errorf("counties have %d villages", villages)
		}
	})

	t.Run("deterministic", func(t *testing.T) {
		if !reflect.DeepEqual(a.Counties, b.Counties) || !reflect.DeepEqual(a.Expect, b.Expect) {
			t.Error("the two runs' feeds or truths differ")
		}
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
			case filepath.Ext(rel) == ".xlsx":
				if !reflect.DeepEqual(zipParts(t, path), zipParts(t, other)) {
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
		want := 5 // config, three keys, divisions
		for _, c := range a.Counties {
			want += len(c.Files)
		}
		if files != want {
			t.Errorf("%d files, want %d", files, want)
		}
	})

	t.Run("shapes and dirt", func(t *testing.T) {
		city, _ := generated(t, 1)
		cityRejects, cityFindings := map[string]int{}, map[string]bool{}
		for _, c := range city.Counties {
			for code, n := range c.Rejects {
				cityRejects[code] += n
			}
			for code := range c.Findings {
				cityFindings[code] = true
			}
		}
		rejects, findings, shapeUse := map[string]int{}, map[string]bool{}, map[string]int{}
		for _, c := range a.Counties {
			for code, n := range c.Rejects {
				rejects[code] += n
			}
			for code := range c.Findings {
				findings[code] = true
			}
			shapeUse[c.Shape]++
		}
		// 117 counties take the ten shapes in turn: 12 each for the first
		// seven, 11 for the last three.
		for i, p := range taiyuan {
			if want := 11 + min(1, max(0, 7-i)); shapeUse[shapes[p.code].desc] != want {
				t.Errorf("shape of %s used %d times, want %d", p.code, shapeUse[shapes[p.code].desc], want)
			}
		}
		for code, n := range cityRejects {
			switch code {
			case rejBadIDChecksum, rejBadIDFormat, rejBadDate + colPaid: // a share of the rows
				if rejects[code] < 15*n {
					t.Errorf("%d %s rejects, the city has %d", rejects[code], code, n)
				}
			default: // n of the city's ten counties have one: 11 or 12 times as many
				if rejects[code] < 11*n || rejects[code] > 12*n {
					t.Errorf("%d %s rejects, the city has %d", rejects[code], code, n)
				}
			}
		}
		if !maps.Equal(findings, cityFindings) || len(rejects) != len(cityRejects) {
			t.Errorf("findings %v, reject codes %v; the city has %v, %v", findings, slices.Collect(maps.Keys(rejects)),
				cityFindings, slices.Collect(maps.Keys(cityRejects)))
		}
		codes := map[string]bool{}
		for _, c := range a.Counties[:10] { // one of each shape
			checkFeed(t, a, c, codes)
		}
	})

	t.Run("divisions", func(t *testing.T) {
		plan, err := planArea(opts)
		if err != nil {
			t.Fatal(err)
		}
		dissolved, newIn2023 := 0, 0
		for _, u := range plan.units {
			for _, c := range u.counties {
				dissolved += c.dissolved
				newIn2023 += c.newIn2023
			}
		}
		recs := csvRecords(t, a.DivisionsPath, &shape{})
		if len(recs)-1 != 30000+dissolved+newIn2023 {
			t.Errorf("%d divisions, want 30000 + %d dissolved + %d established in 2023", len(recs)-1, dissolved, newIn2023)
		}
		villages, townships, counties := map[string]bool{}, map[string]bool{}, map[string]bool{}
		gone, established := 0, 0
		for _, r := range recs[1:] {
			if villages[r[0]] || !strings.HasPrefix(r[0], r[2]) || !strings.HasPrefix(r[2], r[4]) || len(r[0]) != 12 {
				t.Errorf("division %v", r)
			}
			villages[r[0]], townships[r[2]], counties[r[4]] = true, true, true
			if r[8] == "2020-06-30" {
				gone++
			}
			if r[7] == "2023-03-01" {
				established++
			}
		}
		if len(townships) != 1400 || len(counties) != 117 || gone != dissolved || established != newIn2023 {
			t.Errorf("%d townships, %d counties, %d dissolved, %d established in 2023", len(townships), len(counties), gone, established)
		}
	})

	t.Run("config", func(t *testing.T) {
		cfg, err := config.Load(a.ConfigPath)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.City != (config.City{Code: "14", Name: "山西省"}) || len(cfg.Counties) != len(a.Counties) {
			t.Fatalf("city %+v, %d counties", cfg.City, len(cfg.Counties))
		}
		for i, c := range cfg.Counties {
			want := a.Counties[i]
			if c.Code != want.Code || c.Name != want.Name || c.Region != want.Region || c.Source.Kind != "dir" ||
				c.Source.Path != mustAbs(t, filepath.Join(a.Dir, "feeds", c.Code)) {
				t.Errorf("county %d = %+v, want %s %s", i, c, want.Code, want.Name)
			}
		}
	})
}

// zipParts returns every part of a zip file (an .xlsx) by name.
func zipParts(t *testing.T, path string) map[string][]byte {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	out := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(r)
		r.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

// BenchmarkGenerateProvince measures the province: 117 counties, 30,000 villages.
func BenchmarkGenerateProvince(b *testing.B) {
	benchmarkScale(b, ScaleProvince)
}

// BenchmarkGenerateNational measures the whole country: 2,843 counties,
// 618,200 villages, about 1.07 million postings and 11 million feed rows
// (about 0.9 GB). It is the only place the national scale is generated.
func BenchmarkGenerateNational(b *testing.B) {
	benchmarkScale(b, ScaleNational)
}

func benchmarkScale(b *testing.B, scale string) {
	dir := b.TempDir()
	var res *Result
	for b.Loop() {
		var err error
		if res, err = Generate(context.Background(), dir, Options{Scale: scale}); err != nil {
			b.Fatal(err)
		}
	}
	rows := 0
	for _, c := range res.Counties {
		rows += c.RowsIn
	}
	size := int64(0)
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				size += fi.Size()
			}
		}
		return nil
	})
	b.ReportMetric(float64(res.Expect.Villages), "villages")
	b.ReportMetric(float64(res.Expect.Postings), "postings")
	b.ReportMetric(float64(rows), "rows")
	b.ReportMetric(float64(size)/1e6, "MB")
}
