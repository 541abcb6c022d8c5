package pipeline

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// countySource builds a county's source: its drop folder, or its HTTP
// source with what it remembered from its last committed pull.
func (r *Runner) countySource(ctx context.Context, w *warehouse.Warehouse, c *config.County) (ingest.Source, error) {
	if c.Source.Kind != config.KindHTTP {
		return r.folderSource(w, c), nil
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

// DivisionsSource is the source of the city's village list: the one
// configured file, in its folder.
func DivisionsSource(cfg *config.Config) *ingest.FolderSource {
	return &ingest.FolderSource{Path: filepath.Dir(cfg.Divisions.Path), Pattern: globEscape(filepath.Base(cfg.Divisions.Path))}
}

// CountySource is the source of a county's files: its drop folder.
func CountySource(c *config.County) *ingest.FolderSource {
	return &ingest.FolderSource{Path: c.Source.Path, Pattern: c.Source.Pattern, Settle: c.Source.Settle, Archive: c.Source.Archive}
}

// folderSource is a county's drop folder, with the hash cache.
func (r *Runner) folderSource(w *warehouse.Warehouse, c *config.County) *ingest.FolderSource {
	s := CountySource(c)
	s.Hashes = r.hashCache(w)
	return s
}

// HashCacheSuffix names the file beside the warehouse that keeps the drop
// folders' file hashes between runs (ingest.HashCache).
const HashCacheSuffix = ".hashes"

// hashCache returns the hash cache of w's drop folders, loaded on first use.
func (r *Runner) hashCache(w *warehouse.Warehouse) *ingest.HashCache {
	r.hashesMu.Lock()
	defer r.hashesMu.Unlock()
	if r.hashes == nil {
		r.hashes = ingest.LoadHashCache(w.Path() + HashCacheSuffix)
	}
	return r.hashes
}

// saveHashes writes the hash cache back; failing costs only hashing next
// time, so it is logged, not returned.
func (r *Runner) saveHashes() {
	r.hashesMu.Lock()
	c := r.hashes
	r.hashesMu.Unlock()
	if err := c.Save(); err != nil {
		r.log().Warn("the file hash cache was not saved", "err", err)
	}
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
