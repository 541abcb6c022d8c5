package metrics_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/metrics"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// TestHeadlineAgainstTables reads the headline figures of the demo city on
// several days and checks the quota, its fill and the posts by county
// against the fact tables (not the macros), the city's fill against the
// scalar form the report used to compute it with, and Read against On.
func TestHeadlineAgainstTables(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	ctx := context.Background()
	cfg := testcity.Loaded(t)
	r, err := warehouse.OpenReader(ctx, cfg.Published)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	db, err := sql.Open("duckdb", cfg.Published+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	scan := func(q string, args []any, dest ...any) {
		t.Helper()
		if err := db.QueryRowContext(ctx, q, args...).Scan(dest...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, day := range []string{"2022-07-31", "2021-07-31", "2022-12-31", "2019-06-30"} {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		f, err := metrics.On(ctx, r, d)
		if err != nil {
			t.Fatal(err)
		}
		if f.QuotaYear != d.Year() || !f.Day.Equal(d) {
			t.Errorf("%s: year %d, day %v", day, f.QuotaYear, f.Day)
		}
		var quota, township, pool, posts sql.NullInt64
		scan(`SELECT sum(township_quota), sum(county_pool), sum(township_quota) + coalesce(sum(county_pool), 0)
			FROM fact_quota WHERE year = ?`, []any{d.Year()}, &township, &pool, &quota)
		scan(`SELECT count(*) FROM fact_posting WHERE start_date <= ?::DATE AND (end_date IS NULL OR end_date > ?::DATE)`,
			[]any{d, d}, &posts)
		c := f.City
		if c.QuotaTotal == nil || *c.QuotaTotal != quota.Int64 || c.Posts != posts.Int64 {
			t.Errorf("%s: quota %v, posts %d; the tables %d, %d", day, c.QuotaTotal, c.Posts, quota.Int64, posts.Int64)
		}
		if c.QuotaTownship == nil || *c.QuotaTownship != township.Int64 || c.QuotaCountyPool == nil || *c.QuotaCountyPool != pool.Int64 {
			t.Errorf("%s: township quota %v, county pool %v; the tables %d, %d", day, c.QuotaTownship, c.QuotaCountyPool, township.Int64, pool.Int64)
		}
		// The report computed the fill as the count of postings_on over
		// quota_usage's total, in SQL: the same float.
		var scalar sql.NullFloat64
		scan(`SELECT (SELECT count(*) FROM postings_on(?::DATE)) / nullif(q.quota_total, 0) FROM quota_usage(?) q WHERE q.level = 'city'`,
			[]any{d, d.Year()}, &scalar)
		if fill := f.FillRate(); fill == nil != !scalar.Valid || fill != nil && *fill != scalar.Float64 {
			t.Errorf("%s: fill %v, the report's SQL %v", day, fill, scalar)
		}
		if quota.Int64 > 0 && posts.Int64 > 0 && (f.FillRate() == nil || *f.FillRate() != float64(posts.Int64)/float64(quota.Int64)) {
			t.Errorf("%s: fill %v, want %d/%d", day, f.FillRate(), posts.Int64, quota.Int64)
		}
		var sum int64
		for _, a := range f.Counties {
			var n int64
			scan(`SELECT count(*) FROM fact_posting WHERE county_code = ? AND start_date <= ?::DATE AND (end_date IS NULL OR end_date > ?::DATE)`,
				[]any{a.Code, d, d}, &n)
			if a.Posts != n {
				t.Errorf("%s %s: %d posts, the table %d", day, a.Code, a.Posts, n)
			}
			sum += a.Posts
		}
		if len(f.Counties) != 10 || sum != c.Posts {
			t.Errorf("%s: %d counties holding %d posts, the city %d", day, len(f.Counties), sum, c.Posts)
		}

		h, err := metrics.Read(ctx, r, day)
		if err != nil {
			t.Fatal(err)
		}
		if h.AsOf != day || h.QuotaTotal != *c.QuotaTotal || h.PostsTotal != c.Posts || h.Villages != *c.Villages ||
			h.Covered != *c.Covered || h.InPost != *c.InPost || h.Committee != *c.Committee || len(h.Counties) != len(f.Counties) {
			t.Errorf("%s: Read %+v differs from On %+v", day, h, c)
		}
		if h.StaleCounties == nil {
			t.Errorf("%s: stale counties nil, want a list (empty in JSON)", day)
		}
	}
	if _, err := metrics.Read(ctx, r, "2022-7-31"); err == nil {
		t.Error("an as-of day not written YYYY-MM-DD was accepted")
	}
}
