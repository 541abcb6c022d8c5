package backup

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/testdb"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
	"github.com/grassroots-cn/grassroots/pipeline"
	"github.com/grassroots-cn/grassroots/synth"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// city generates the synthetic Taiyuan (ten counties) into a temporary
// folder, copies it whole (feeds, keys, configuration) into a second one,
// and returns both configurations: two cities with the same files and keys.
func city(t *testing.T) (a, b *config.Config) {
	t.Helper()
	dirA, dirB := t.TempDir(), t.TempDir()
	gen, err := synth.Generate(context.Background(), dirA, synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	copyTree(t, dirA, dirB)
	a, err = config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	b, err = config.Load(filepath.Join(dirB, filepath.Base(gen.ConfigPath)))
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

// copyTree copies the regular files of src into dst, with their modes and
// modification times.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(target, info.Mode().Perm()|0o700)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		out, err := os.OpenFile(target, os.O_CREATE|os.O_EXCL|os.O_WRONLY, info.Mode().Perm())
		if err != nil {
			return err
		}
		if _, err := io.Copy(out, in); err != nil {
			out.Close()
			return err
		}
		if err := out.Close(); err != nil {
			return err
		}
		return os.Chtimes(target, info.ModTime(), info.ModTime())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// The hash cache is the one the pipeline keeps beside the warehouse.
func TestHashesSuffix(t *testing.T) {
	if HashesSuffix != pipeline.HashCacheSuffix {
		t.Errorf("HashesSuffix %q, the pipeline's %q", HashesSuffix, pipeline.HashCacheSuffix)
	}
}

func codes(cfg *config.Config) []string {
	var out []string
	for _, c := range cfg.Counties {
		out = append(out, c.Code)
	}
	return out
}

// runOn loads counties on an open warehouse and fails the test on any failure.
func runOn(t *testing.T, r *pipeline.Runner, w *warehouse.Warehouse, counties []string) {
	t.Helper()
	res, err := r.RunOn(context.Background(), w, counties)
	if err != nil {
		t.Error(err)
		return
	}
	if res.Failed() > 0 {
		t.Errorf("%d loads of %v failed: %+v", res.Failed(), counties, res.Counties)
	}
}

// run loads counties (nil: all) with a runner of its own and returns the
// counties that loaded something.
func run(t *testing.T, cfg *config.Config, counties []string, full bool) []string {
	t.Helper()
	res, err := (&pipeline.Runner{Config: cfg, FullPublish: full}).Run(context.Background(), counties)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() > 0 {
		t.Fatalf("%d loads failed: %+v", res.Failed(), res.Counties)
	}
	var loaded []string
	for _, c := range res.Counties {
		if c.Status == pipeline.StatusSucceeded {
			loaded = append(loaded, c.Code)
		}
	}
	return loaded
}

// checkOpen is what `grassroots restore` checks a backup with: it opens as
// the configuration's warehouse, with its personal-data key.
func checkOpen(cfg *config.Config) func(context.Context, string) error {
	return func(ctx context.Context, path string) error {
		c := *cfg
		c.Warehouse = path
		w, err := (&pipeline.Runner{Config: &c}).Open(ctx)
		if err != nil {
			return err
		}
		return w.Close()
	}
}

// The restore drill: load, back up while another load runs on the same
// open warehouse, load more, restore, rerun: the warehouse ends equal,
// table by table, to one that went through the same loads without it.
func TestRestoreDrill(t *testing.T) {
	ctx := context.Background()
	cfg, ref := city(t)
	all := codes(cfg)
	if len(all) < 6 {
		t.Fatalf("the city has %d counties", len(all))
	}
	first, second, third := all[:3], all[3:6], all[6:]

	// The reference: the same loads, no backup, no restore.
	run(t, ref, first, false)
	run(t, ref, second, false)
	run(t, ref, third, false)
	run(t, ref, nil, false)

	// The drill, on one open warehouse as serve holds it.
	r := &pipeline.Runner{Config: cfg}
	w, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	runOn(t, r, w, first)
	dir := filepath.Join(cfg.Dir, "backups")
	var m *Manifest
	var backupErr error
	var once sync.Once
	var wg sync.WaitGroup
	loading := make(chan struct{})
	done := make(chan struct{})
	// The backup starts once the second load has begun reading.
	r.Progress = func(pipeline.Event) { once.Do(func() { close(loading) }) }
	wg.Add(1)
	go func() {
		defer wg.Done()
		<-loading
		m, backupErr = Create(ctx, w, dir, time.Now())
		close(done)
	}()
	runOn(t, r, w, second)
	once.Do(func() { close(loading) })
	select {
	case <-done:
		t.Log("the backup finished before the second load")
	default:
		t.Log("the backup finished after the second load")
	}
	wg.Wait()
	r.Progress = nil
	if backupErr != nil {
		t.Fatal(backupErr)
	}
	runOn(t, r, w, third)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	consistent(t, filepath.Join(m.Dir, m.Database))

	res, err := Restore(ctx, m.Dir, cfg.Warehouse, RestoreOptions{Force: true, Check: checkOpen(cfg)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Replaced == "" {
		t.Fatal("no replaced warehouse kept")
	}
	// The restored warehouse holds what the backup holds: the third load is
	// gone, and the rerun loads it again (and the second, unless the backup
	// caught it whole).
	again := run(t, cfg, nil, true)
	for _, c := range third {
		if !contains(again, c) {
			t.Errorf("the rerun after the restore did not load %s again (loaded %v)", c, again)
		}
	}
	if diffs, lost := whcompare.Compare(t, ref.Warehouse, cfg.Warehouse); len(diffs) > 0 {
		t.Errorf("the restored and rerun warehouse differs from the reference (%d rows lost): %v", lost, diffs)
	}
	if diffs, _ := whcompare.Compare(t, ref.Published, cfg.Published); len(diffs) > 0 {
		t.Errorf("the republished snapshot differs from the reference's: %v", diffs)
	}
}

// consistent checks that a backup holds each county's load whole or not at
// all: postings exactly of the counties whose ingest run succeeded.
func consistent(t *testing.T, path string) {
	t.Helper()
	db := testdb.OpenReadOnly(t, path)
	var bad int64
	q := `SELECT count(*) FROM (
		(SELECT DISTINCT county_code FROM fact_posting EXCEPT SELECT county_code FROM etl_run WHERE job = 'ingest' AND status = 'succeeded')
		UNION ALL
		(SELECT county_code FROM etl_run WHERE job = 'ingest' AND status = 'succeeded' AND rows_loaded > 0
		 EXCEPT SELECT DISTINCT county_code FROM fact_posting))`
	if err := db.QueryRow(q).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if bad != 0 {
		t.Errorf("the backup holds %d counties half loaded", bad)
	}
	var counties int64
	if err := db.QueryRow("SELECT count(DISTINCT county_code) FROM fact_posting").Scan(&counties); err != nil {
		t.Fatal(err)
	}
	if counties < 3 || counties > 6 {
		t.Errorf("the backup holds postings of %d counties, want the first load's 3 to the second's 6", counties)
	}
	t.Logf("the backup holds postings of %d counties", counties)
	var arrowViews int64
	if err := db.QueryRow("SELECT count(*) FROM duckdb_views() WHERE NOT internal AND view_name = 'arrow_in'").Scan(&arrowViews); err != nil {
		t.Fatal(err)
	}
	if arrowViews != 0 {
		t.Errorf("the backup holds %d views over released Arrow streams", arrowViews)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
