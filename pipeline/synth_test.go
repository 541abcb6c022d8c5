package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/synth"
)

// TestDemoCity loads the synthetic Taiyuan and checks the figures the city
// published for 21 July 2022, and every county's row accounting, against
// what the generator says it wrote.
func TestDemoCity(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole synthetic city; skipped with -short")
	}
	ctx := context.Background()
	gen, err := synth.Generate(ctx, t.TempDir(), synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Config: cfg}).Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 0 {
		t.Fatalf("failed loads: %+v", res)
	}
	for _, feed := range gen.Counties {
		c := county(res, feed.Code)
		var rejected int64
		for _, n := range feed.Rejects {
			rejected += int64(n)
		}
		if c.RowsIn != int64(feed.RowsIn) || c.Duplicates != int64(feed.Duplicates) || c.Rejected != rejected {
			t.Errorf("%s %s (%s): rows in %d dup %d rejected %d; generator wrote %d, %d, %d",
				feed.Code, feed.Name, feed.Shape, c.RowsIn, c.Duplicates, c.Rejected, feed.RowsIn, feed.Duplicates, rejected)
		}
		for code, n := range feed.Rejects {
			if c.Rejects[code] != int64(n) {
				t.Errorf("%s: %d rejects %s, want %d (all: %v)", feed.Code, c.Rejects[code], code, n, c.Rejects)
			}
		}
		for code, n := range c.Rejects {
			if _, ok := feed.Rejects[code]; !ok {
				t.Errorf("%s: %d unexpected rejects %s", feed.Code, n, code)
			}
		}
		if c.Unchanged != 0 || c.Loaded != c.RowsIn-c.Duplicates-c.Rejected {
			t.Errorf("%s: loaded %d unchanged %d", feed.Code, c.Loaded, c.Unchanged)
		}
	}
	e := gen.Expect
	withWarehouse(t, cfg, func(db *sql.DB) {
		inPost := func(day string) string {
			return fmt.Sprintf("start_date <= DATE '%s' AND (end_date IS NULL OR end_date > DATE '%s')", day, day)
		}
		universe := func(day string) string {
			return fmt.Sprintf("(established_on IS NULL OR established_on <= DATE '%s') AND (dissolved_on IS NULL OR dissolved_on > DATE '%s')", day, day)
		}
		checks := []struct {
			what string
			q    string
			want int
		}{
			{"villages on 2022-07-21", "SELECT count(*) FROM dim_village WHERE " + universe("2022-07-21"), e.Villages},
			{"townships", "SELECT count(*) FROM dim_township", e.Townships},
			{"graduates in post on 2022-07-21", "SELECT count(DISTINCT person_key) FROM fact_posting WHERE " + inPost("2022-07-21"), e.InPost20220721},
			{"villages covered on 2022-07-21", "SELECT count(DISTINCT village_code) FROM fact_posting WHERE " + inPost("2022-07-21"), e.Covered20220721},
			{"two-round placements in post on 2022-07-21", "SELECT count(*) FROM fact_posting WHERE selection_round IN ('county_round', 'city_round') AND county_code IN ('140181', '140122', '140123') AND " + inPost("2022-07-21"), e.TwoRound20220721},
			{"open recruits after 2022-07-21", "SELECT count(*) FROM fact_posting WHERE channel = 'open_recruit' AND start_date > DATE '2022-07-21' AND start_date <= DATE '2022-12-31'", e.OpenRecruitsAfter},
			{"villages covered on 2022-12-31", "SELECT count(DISTINCT village_code) FROM fact_posting WHERE " + inPost("2022-12-31"), e.Covered20221231},
			{"township quota 2022", "SELECT sum(township_quota) FROM fact_quota WHERE year = 2022", e.TownshipQuota2022},
			{"county pool 2022", "SELECT sum(county_pool) FROM fact_quota WHERE year = 2022", e.CountyPool2022},
			{"counties using the pool", "SELECT count(DISTINCT county_code) FROM fact_quota WHERE year = 2022 AND county_pool > 0", e.PoolCounties},
			{"committee members from the 2021 election", "SELECT count(DISTINCT person_key) FROM fact_role WHERE role_category IN ('committee', 'secretary') AND start_date BETWEEN DATE '2021-01-01' AND DATE '2021-12-31' AND (end_date IS NULL OR end_date > DATE '2022-07-21')", e.Committee2021},
			{"party secretaries from the 2021 election", "SELECT count(DISTINCT person_key) FROM fact_role WHERE role_category = 'secretary' AND start_date BETWEEN DATE '2021-01-01' AND DATE '2021-12-31' AND (end_date IS NULL OR end_date > DATE '2022-07-21')", e.Secretaries2021},
			{"persons", "SELECT count(*) FROM dim_person", e.Persons},
			{"postings", "SELECT count(*) FROM fact_posting", e.Postings},
			{"persons posted in two counties", "SELECT count(*) FROM (SELECT person_key FROM fact_posting GROUP BY 1 HAVING count(DISTINCT county_code) > 1)", e.TransferredAcrossCounties},
		}
		for _, c := range checks {
			if got := scalar[int](t, db, c.q); got != c.want {
				t.Errorf("%s: %d, want %d", c.what, got, c.want)
			}
		}
		// The figures the city published for 21 July 2022.
		if e.InPost20220721 != 1145 || e.Covered20220721 != 1130 || e.Villages != 1395 || e.TwoRound20220721 != 328 || e.OpenRecruitsAfter != 265 {
			t.Errorf("the generator's truth drifted from the published figures: %+v", e)
		}
		for code, ce := range e.ByCounty {
			got := scalar[int](t, db, "SELECT count(DISTINCT village_code) FROM fact_posting WHERE county_code = ? AND "+inPost("2022-07-21"), code)
			if got != ce.Covered20220721 {
				t.Errorf("%s covered on 2022-07-21: %d, want %d", code, got, ce.Covered20220721)
			}
		}
		// Every finding the generator planted was raised.
		for _, feed := range gen.Counties {
			for code, n := range feed.Findings {
				if got := scalar[int](t, db, "SELECT count(*) FROM etl_finding WHERE county_code = ? AND code = ?", feed.Code, code); got != n {
					t.Errorf("%s: %d findings %s, want %d", feed.Code, got, code, n)
				}
			}
		}
		assertAccounting(t, db)
	})
	// The published snapshot holds no personal data of the synthetic city.
	db := openRO(t, cfg.Published)
	var needles []string
	withWarehouse(t, cfg, func(wh *sql.DB) {
		rows, err := wh.Query("SELECT name, id_number, coalesce(phone, id_number) FROM pii_person USING SAMPLE 20 ROWS")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var n, id, p string
			if err := rows.Scan(&n, &id, &p); err != nil {
				t.Fatal(err)
			}
			n, id, p = opened(t, cfg, n), opened(t, cfg, id), opened(t, cfg, p)
			needles = append(needles, id, p)
			// Two-character names can occur inside place names by chance
			// (王庄 in 王庄村); three-character ones are checked.
			if utf8.RuneCountInString(n) >= 3 {
				needles = append(needles, n)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	})
	if len(needles) < 40 {
		t.Fatalf("only %d personal values sampled", len(needles))
	}
	scanText(t, db, needles)
	readmeQueriesRun(t, db)
}

// readmeQueriesRun runs every statement of the README's example queries on
// the published snapshot: the README stays true.
func readmeQueriesRun(t *testing.T, db *sql.DB) {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, "### Example queries")
	if i < 0 {
		t.Fatal("README has no example queries")
	}
	block := text[i:]
	block = block[strings.Index(block, "```sql")+len("```sql"):]
	block = block[:strings.Index(block, "```")]
	n := 0
	for _, stmt := range strings.Split(block, ";") {
		if strings.TrimSpace(stmt) == "" {
			continue
		}
		n++
		rows, err := db.Query(stmt)
		if err != nil {
			t.Errorf("README query %d fails: %v\n%s", n, err, stmt)
			continue
		}
		rows.Close()
	}
	if n < 10 {
		t.Errorf("README has %d example queries, want at least 10", n)
	}
}

// BenchmarkDemoCityLoad measures the full load of the synthetic Taiyuan into a
// fresh warehouse, publish included (the generator runs outside the timer).
func BenchmarkDemoCityLoad(b *testing.B) {
	ctx := context.Background()
	var rows int64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		gen, err := synth.Generate(ctx, b.TempDir(), synth.Options{Seed: 1})
		if err != nil {
			b.Fatal(err)
		}
		cfg, err := config.Load(gen.ConfigPath)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		res, err := (&Runner{Config: cfg}).Run(ctx, nil)
		if err != nil || res.Failed() != 0 {
			b.Fatalf("%v %+v", err, res)
		}
		rows = 0
		for _, c := range res.Counties {
			rows += c.RowsIn
		}
		rows += res.Divisions.RowsIn
	}
	b.ReportMetric(float64(rows), "rows/op")
	b.ReportMetric(float64(rows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
}

// loadedDemo generates the synthetic Taiyuan and loads it once.
func loadedDemo(b *testing.B) *config.Config {
	b.Helper()
	ctx := context.Background()
	gen, err := synth.Generate(ctx, b.TempDir(), synth.Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := (&Runner{Config: cfg}).Run(ctx, nil); err != nil {
		b.Fatal(err)
	}
	return cfg
}

// BenchmarkRerunUnchanged measures a run that finds nothing new.
func BenchmarkRerunUnchanged(b *testing.B) {
	ctx := context.Background()
	cfg := loadedDemo(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := (&Runner{Config: cfg}).Run(ctx, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMacros times every metric macro on the published snapshot of the
// synthetic Taiyuan.
func BenchmarkMacros(b *testing.B) {
	cfg := loadedDemo(b)
	db, err := sql.Open("duckdb", cfg.Published+"?access_mode=read_only")
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{
		"coverage('2022-07-21')", "uncovered_villages('2022-07-21')", "retention('2022-07-21', 12)", "survival('2022-07-21')",
		"exits('2022-07-21')", "region_balance('2022-07-21')", "promotions('2022-07-21')", "quota_usage(2022)", "source_freshness()",
	} {
		b.Run(q[:strings.IndexByte(q, '(')], func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				rows, err := db.Query("SELECT * FROM " + q)
				if err != nil {
					b.Fatal(err)
				}
				n := 0
				for rows.Next() {
					n++
				}
				rows.Close()
				if n == 0 {
					b.Fatalf("%s returned no rows", q)
				}
			}
		})
	}
}
