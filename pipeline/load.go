package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/crashpoint"
	"github.com/grassroots-cn/grassroots/transform"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// source is what a county's files come from.
type source interface {
	List(ctx context.Context, now time.Time) ([]ingest.File, []ingest.Skipped, int, error)
	Done(ctx context.Context, f ingest.File) error
	Failed(ctx context.Context, f ingest.File, reason string) error
}

// stateful is a source that remembers something between pulls (an HTTP
// source's cursor and validators), to be stored only when the load commits.
type stateful interface {
	NewState() ingest.HTTPState
	Partial() bool
	Close() error
}

// loadCounty runs one county: new files only, one transaction.
func (r *Runner) loadCounty(ctx context.Context, w *warehouse.Warehouse, c *config.County, dir *lazyDir, key []byte) CountyResult {
	d, err := dir.get()
	opts := transform.Options{County: c.Code, BachelorAllowed: c.BachelorAllowed, Key: key, Directory: d}
	var src source
	if err == nil {
		src, err = r.countySource(ctx, w, c)
	}
	var res CountyResult
	if err != nil {
		res = CountyResult{Code: c.Code, Status: StatusFailed, Error: err.Error()}
		if id, rerr := w.RecordRun(ctx, warehouse.JobIngest, c.Code, StatusFailed, err.Error()); rerr == nil {
			res.RunID = id
		}
	} else {
		res = r.load(ctx, w, warehouse.JobIngest, c.Code, src, c.Source.Encoding, opts, nil)
	}
	res.Name = c.Name
	return res
}

// countySource builds a county's source: its drop folder, or its HTTP
// source with what it remembered from its last committed pull.
func (r *Runner) countySource(ctx context.Context, w *warehouse.Warehouse, c *config.County) (source, error) {
	if c.Source.Kind != config.KindHTTP {
		return r.dirSource(w, c), nil
	}
	prev, err := w.SourceState(ctx, c.Code)
	if err != nil {
		return nil, err
	}
	opts, err := HTTPOptions(c)
	if err != nil {
		return nil, err
	}
	return ingest.NewHTTPSource(opts, ingest.HTTPState(prev))
}

// HTTPOptions maps a county's http source block to the ingest options,
// reading the bearer token from its environment variable.
func HTTPOptions(c *config.County) (ingest.HTTPOptions, error) {
	s := c.Source
	urls := s.URLs
	if s.URL != "" {
		urls = []string{s.URL}
	}
	opts := ingest.HTTPOptions{URLs: urls, Mode: s.Mode, RecordTypes: s.RecordTypes, CAFile: s.CAFile,
		Timeout: s.Timeout, Retries: s.Retries, MaxBytes: s.MaxBytes}
	if s.TokenEnv != "" {
		opts.Token = os.Getenv(s.TokenEnv)
		if opts.Token == "" {
			return opts, fmt.Errorf("county %s: the environment variable %s (token_env) is not set", c.Code, s.TokenEnv)
		}
	}
	return opts, nil
}

// loadDivisions loads the city's village list when it is new, or when the
// configured counties differ from dim_county.
func (r *Runner) loadDivisions(ctx context.Context, w *warehouse.Warehouse) CountyResult {
	cfg := r.Config
	counties := make([]warehouse.County, len(cfg.Counties))
	for i, c := range cfg.Counties {
		counties[i] = warehouse.County{Code: c.Code, Name: c.Name, Region: c.Region}
	}
	if _, err := os.Stat(cfg.Divisions.Path); err != nil {
		// Without the village list no row can be resolved: nothing loads.
		return CountyResult{Name: "村社区名录 divisions", Status: StatusFailed,
			Error: fmt.Sprintf("the divisions file (the city's list of villages) cannot be read: %v", err)}
	}
	src := DivisionsSource(cfg)
	res := r.load(ctx, w, warehouse.JobDivisions, "", src, cfg.Divisions.Encoding,
		transform.Options{Divisions: true}, counties)
	res.Code, res.Name = "", "村社区名录 divisions"
	return res
}

// listing is what a source holds that the warehouse has not loaded.
type listing struct {
	todo      []ingest.File
	skipped   []ingest.Skipped
	unsettled int
	seen      int
	err       error // listing failed (recorded as a failed run)
	fatal     error // the warehouse could not be read
}

// list lists a source and leaves out the files loaded before: those in
// seen, or when seen is nil those the warehouse lists for the county.
func (r *Runner) list(ctx context.Context, w *warehouse.Warehouse, county string, src source, seen map[string]bool) (lst listing) {
	files, skipped, unsettled, err := src.List(ctx, r.now())
	lst.skipped, lst.unsettled = skipped, unsettled
	if err != nil {
		lst.err = err
		return lst
	}
	if seen == nil {
		if seen, err = w.SeenFiles(ctx, county); err != nil {
			lst.fatal = err
			return lst
		}
	} else {
		seen = maps.Clone(seen)
	}
	for _, f := range files {
		if seen[f.SHA256] {
			lst.seen++
			continue
		}
		seen[f.SHA256] = true // the same content twice in one listing loads once
		lst.todo = append(lst.todo, f)
	}
	return lst
}

// A stager reads and normalises a load's files into it (adding each file
// read), and returns the file that failed, if one did.
type stager func(ctx context.Context, l *warehouse.Load) (failing *ingest.File, st transform.Stats, err error)

// load runs one job over a source's new files.
func (r *Runner) load(ctx context.Context, w *warehouse.Warehouse, job, county string, src source, encoding string,
	opts transform.Options, counties []warehouse.County) CountyResult {
	lst := r.list(ctx, w, county, src, nil)
	label := county
	if label == "" {
		label = "divisions"
	}
	return r.loadListed(ctx, w, job, county, src, lst, counties, func(ctx context.Context, l *warehouse.Load) (*ingest.File, transform.Stats, error) {
		return r.normalise(ctx, l, l.AddFile, src, lst.todo, encoding, opts, label)
	})
}

// loadListed loads the files of a listing in one transaction.
func (r *Runner) loadListed(ctx context.Context, w *warehouse.Warehouse, job, county string, src source, lst listing,
	counties []warehouse.County, stage stager) (res CountyResult) {
	start := time.Now()
	res = CountyResult{Code: county}
	label := county
	if label == "" {
		label = "divisions"
	}
	log := r.log().With("county", label)
	defer func() {
		res.Seconds = time.Since(start).Seconds()
		r.progress(Event{County: label, Rows: res.RowsIn, Done: true})
		// The outcome, failures included, is in the result for the caller to
		// report; the log line is for -v.
		log.Info("load finished", "status", res.Status, "rows", res.RowsIn, "loaded", res.Loaded,
			"rejected", res.Rejected, "duration", time.Since(start), "error", res.Error)
	}()
	fail := func(err error) CountyResult {
		res.Status, res.Error = StatusFailed, err.Error()
		return res
	}

	st, isStateful := src.(stateful)
	if isStateful {
		defer st.Close()
	}
	res.Skipped, res.Unsettled, res.Seen = lst.skipped, lst.unsettled, lst.seen
	if lst.err != nil {
		if id, rerr := w.RecordRun(ctx, job, county, StatusFailed, lst.err.Error()); rerr == nil {
			res.RunID = id
		}
		return fail(lst.err)
	}
	if lst.fatal != nil {
		return fail(lst.fatal)
	}
	todo := lst.todo
	res.Files = len(todo)
	// A stateful source goes through a load even with nothing new, so that
	// its state (cursor, validators) is stored with the run's commit.
	if len(todo) == 0 && !isStateful && (job != warehouse.JobDivisions || !r.countiesChanged(ctx, w, counties)) {
		if job == warehouse.JobDivisions {
			res.Status = StatusUnchanged
			return res
		}
		id, err := w.RecordRun(ctx, job, county, StatusNoNewData, "")
		if err != nil {
			return fail(err)
		}
		res.Status, res.RunID = StatusNoNewData, id
		return res
	}

	l, err := w.Begin(ctx, job, county)
	if err != nil {
		return fail(err)
	}
	res.RunID = l.RunID()
	if isStateful {
		l.SetSourceState(st.NewState())
		l.SetPartial(st.Partial())
	}
	failing, lerr := r.stageAndCommit(ctx, l, stage, counties, &res)
	if lerr != nil {
		if rerr := l.Rollback(context.WithoutCancel(ctx), lerr); rerr != nil {
			lerr = errors.Join(lerr, rerr)
		}
		if failing != nil {
			if err := src.Failed(ctx, *failing, lerr.Error()); err != nil {
				log.Warn("could not move the failed file aside", "file", failing.URI, "error", err)
			}
		}
		return fail(lerr)
	}
	for _, f := range todo {
		if err := src.Done(ctx, f); err != nil {
			log.Warn("could not archive a loaded file", "file", f.URI, "error", err)
		}
	}
	res.Status = StatusSucceeded
	if len(todo) == 0 && job == warehouse.JobIngest {
		res.Status = StatusNoNewData
	}
	return res
}

// stageAndCommit stages the load's files and commits it. It returns the
// file that failed, if one did.
func (r *Runner) stageAndCommit(ctx context.Context, l *warehouse.Load, stage stager, counties []warehouse.County,
	res *CountyResult) (failing *ingest.File, err error) {
	defer r.recovered(res.Code, &err)
	if counties != nil {
		if err := l.StageCounties(ctx, counties); err != nil {
			return nil, err
		}
	}
	failing, st, err := stage(ctx, l)
	if err != nil {
		return failing, err
	}
	cres, err := l.Commit(ctx, warehouse.Counts{RowsIn: st.RowsIn, Duplicates: st.Duplicates, Rejected: st.Rejected})
	if err != nil {
		return nil, err
	}
	res.RowsIn, res.Loaded, res.Unchanged = cres.RowsIn, cres.Loaded, cres.Unchanged
	res.Duplicates, res.Rejected, res.Findings = cres.Duplicates, cres.Rejected, cres.Findings
	res.Rejects, res.FindingsBy, res.Changed = st.Rejects, cres.FindingsBy, cres.Changed
	return nil, nil
}

// normalise reads and normalises files into sink, calling addFile for each
// file read whole. It returns the file that failed, if one did, and the
// normaliser's counts.
func (r *Runner) normalise(ctx context.Context, sink transform.Sink, addFile func(sha, uri string, types []string),
	src source, files []ingest.File, encoding string, opts transform.Options, label string) (failing *ingest.File, _ transform.Stats, err error) {
	n, err := transform.New(opts, sink)
	if err != nil {
		return nil, transform.Stats{}, err
	}
	defer n.Release()
	ro := r.ReadOptions
	ro.Encoding = encoding
	for i := range files {
		f := files[i]
		tf := n.File(f.URI, f.Name, f.Format)
		err := ingest.Read(ctx, f, ro, func(row ingest.Row) error {
			if err := tf.Row(ctx, row); err != nil {
				return err
			}
			if st := n.Stats(); st.RowsIn%4096 == 0 {
				r.progress(Event{County: label, File: f.URI, Rows: st.RowsIn})
			}
			return nil
		})
		if err == nil {
			err = tf.Close(ctx)
		}
		if err != nil {
			var pe *ingest.ParseError
			if !errors.As(err, &pe) { // a ParseError names the file already
				err = fmt.Errorf("%s: %w", f.URI, err)
			}
			return &files[i], transform.Stats{}, err
		}
		addFile(f.SHA256, f.URI, tf.RecordTypes())
		crashpoint.Hit(crashpoint.Read)
	}
	if err := n.Close(ctx); err != nil {
		return nil, transform.Stats{}, err
	}
	return nil, n.Stats(), nil
}

// countiesChanged reports whether the configured counties differ from dim_county.
func (r *Runner) countiesChanged(ctx context.Context, w *warehouse.Warehouse, counties []warehouse.County) bool {
	have, err := w.Counties(ctx)
	if err != nil || len(have) != len(counties) {
		return true
	}
	for _, c := range counties {
		if have[c.Code] != c {
			return true
		}
	}
	return false
}

// DivisionsSource is the source of the city's village list: the one
// configured file.
func DivisionsSource(cfg *config.Config) *ingest.DirSource {
	return &ingest.DirSource{Path: filepath.Dir(cfg.Divisions.Path), Pattern: globEscape(filepath.Base(cfg.Divisions.Path))}
}

// CountySource is the source of a county's files.
func CountySource(c *config.County) *ingest.DirSource {
	return &ingest.DirSource{Path: c.Source.Path, Pattern: c.Source.Pattern, Settle: c.Source.Settle, Archive: c.Source.Archive}
}

// globEscape escapes the glob metacharacters of a file name.
func globEscape(name string) string {
	out := make([]rune, 0, len(name))
	for _, c := range name {
		switch c {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return string(out)
}
