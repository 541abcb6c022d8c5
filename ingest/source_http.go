package ingest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode"
)

// Modes of an HTTP source.
const (
	ModeFile = "file" // each URL returns one file
	ModeAPI  = "api"  // one base URL returns pages of records per record type
)

// Defaults of HTTPOptions.
const (
	DefaultHTTPTimeout    = 60 * time.Second
	DefaultHTTPRetries    = 5 // what the configuration defaults to; a zero Retries means none
	DefaultHTTPMaxBytes   = 512 << 20
	DefaultHTTPBackoff    = time.Second
	DefaultHTTPMaxBackoff = 30 * time.Second
	DefaultUserAgent      = "grassroots"
)

// defaultRecordTypes are the record types an api source asks for unless told otherwise.
var defaultRecordTypes = []string{"ledger", "roles", "assessments", "vacancies", "quota", "subsidies"}

// HTTPOptions configure an HTTP source (mapped by the caller from the
// configuration's source block). Zero values take the defaults, except
// Retries: zero means no retries.
type HTTPOptions struct {
	URLs        []string      // mode file: one or more URLs; mode api: exactly one base URL
	Mode        string        // ModeFile (default) or ModeAPI
	RecordTypes []string      // mode api: default ledger, roles, assessments, vacancies, quota, subsidies
	Token       string        // bearer token ("" = no Authorization header); the caller reads it from the environment
	CAFile      string        // PEM file of a private CA, trusted in addition to the system roots
	Timeout     time.Duration // per request, body included; default 60s
	Retries     int           // tries after the first one; 0 = none
	MaxBytes    int64         // limit of one response body; default 512 MiB
	Backoff     time.Duration // first backoff, default 1s; doubled each retry with full jitter, capped at MaxBackoff
	MaxBackoff  time.Duration // default 30s; a Retry-After is honoured up to 5 minutes
	TempDir     string        // where downloads are written ("" = os.TempDir()); Done, Failed and Close remove them
	Client      *http.Client  // optional (tests); otherwise built from CAFile; Timeout applies either way
	UserAgent   string        // default "grassroots"
}

// HTTPState is what an HTTP source remembers between pulls: the validators
// of each URL ("etag <url>", "last_modified <url>") in mode file, the cursor
// ("cursor", an RFC 3339 time) in mode api. The caller stores it in the
// warehouse, and persists the state of a pull only after its load committed.
type HTTPState map[string]string

// State keys.
const (
	stateETag         = "etag "
	stateLastModified = "last_modified "
	stateCursor       = "cursor"
)

// HTTPSource offers the files of a county reached over HTTP (docs/feeds.md
// describes the two modes); it is a StatefulSource.
// List downloads to temporary files, which Done, Failed or Close remove.
// Its methods may be called from several goroutines, List excepted.
type HTTPSource struct {
	opts   HTTPOptions
	urls   []*url.URL
	shown  []string // each URL as errors, URIs and state keys show it (password redacted)
	prev   HTTPState
	cursor string // from prev, normalised; "" = none
	http   *retrier

	mu    sync.Mutex
	next  HTTPState         // set by a successful List
	temps map[string]string // a listed file's Path -> its pull folder
	dirs  map[string]int    // a pull folder -> its files not yet removed
}

// NewHTTPSource checks opts, fills in the defaults and builds the client
// (system roots plus CAFile). prev is the state stored after the last
// committed pull, nil for none.
func NewHTTPSource(opts HTTPOptions, prev HTTPState) (*HTTPSource, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &HTTPSource{opts: opts, prev: prev, temps: map[string]string{}, dirs: map[string]int{}}
	for _, raw := range opts.URLs {
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("ingest: http source: %q is not an http or https URL", redact(raw))
		}
		s.urls = append(s.urls, u)
		s.shown = append(s.shown, u.Redacted())
	}
	if c := prev[stateCursor]; c != "" && opts.Mode == ModeAPI {
		t, err := time.Parse(time.RFC3339, c)
		if err != nil {
			return nil, fmt.Errorf("ingest: http source: stored cursor %q is not an RFC 3339 time", c)
		}
		s.cursor = t.UTC().Format(time.RFC3339)
	}
	client := opts.Client
	if client == nil {
		if client, err = newHTTPClient(opts.CAFile); err != nil {
			return nil, err
		}
	}
	s.http = &retrier{
		client: client, token: opts.Token, userAgent: opts.UserAgent, timeout: opts.Timeout,
		retries: opts.Retries, backoff: opts.Backoff, maxBackoff: opts.MaxBackoff, maxBytes: opts.MaxBytes,
	}
	return s, nil
}

// withDefaults validates o and fills in its defaults.
func (o HTTPOptions) withDefaults() (HTTPOptions, error) {
	fail := func(format string, a ...any) (HTTPOptions, error) {
		return o, fmt.Errorf("ingest: http source: "+format, a...)
	}
	if o.Mode == "" {
		o.Mode = ModeFile
	}
	switch {
	case o.Mode != ModeFile && o.Mode != ModeAPI:
		return fail("mode %q is not %q or %q", o.Mode, ModeFile, ModeAPI)
	case len(o.URLs) == 0:
		return fail("no URL")
	case o.Mode == ModeAPI && len(o.URLs) != 1:
		return fail("mode api takes exactly one URL, not %d", len(o.URLs))
	case o.Retries < 0, o.Timeout < 0, o.MaxBytes < 0, o.Backoff < 0, o.MaxBackoff < 0:
		return fail("retries, timeout, max_bytes and backoffs must not be negative")
	case strings.IndexFunc(o.Token, unicode.IsControl) >= 0 || strings.TrimSpace(o.Token) != o.Token:
		return fail("the token holds a control character or surrounding white space")
	}
	if o.Mode == ModeAPI {
		if len(o.RecordTypes) == 0 {
			o.RecordTypes = defaultRecordTypes
		}
		for i, rt := range o.RecordTypes {
			if rt == "" || strings.ContainsAny(rt, `/\`) || strings.HasPrefix(rt, ".") || strings.IndexFunc(rt, unicode.IsControl) >= 0 {
				return fail("record type %q is not a plain name", rt)
			}
			if slices.Contains(o.RecordTypes[:i], rt) {
				return fail("record type %q is given twice", rt)
			}
		}
		o.RecordTypes = slices.Clone(o.RecordTypes)
	}
	o.URLs = slices.Clone(o.URLs)
	o.Timeout = cmp.Or(o.Timeout, DefaultHTTPTimeout)
	o.MaxBytes = cmp.Or(o.MaxBytes, DefaultHTTPMaxBytes)
	o.Backoff = cmp.Or(o.Backoff, DefaultHTTPBackoff)
	o.MaxBackoff = cmp.Or(o.MaxBackoff, DefaultHTTPMaxBackoff)
	o.UserAgent = cmp.Or(o.UserAgent, DefaultUserAgent)
	if o.TempDir == "" {
		o.TempDir = os.TempDir()
	}
	return o, nil
}

// redact removes a password from a URL that may not parse.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		return "…" + raw[at:]
	}
	return raw
}

// List fetches what is new: in mode file each URL that did not answer 304
// Not Modified, in mode api every record type with at least one record
// (changed since the cursor, when one is stored; see Partial). The files
// are in the order of the URLs or record types; unsettled is always 0.
// A URL whose file is of no supported format is returned in skipped with
// ReasonUnsupported.
//
// When anything fails, nothing is returned but the error, and every
// temporary file of the pull is removed.
func (s *HTTPSource) List(ctx context.Context, now time.Time) (files []File, skipped []Skipped, unsettled int, err error) {
	dir, err := os.MkdirTemp(s.opts.TempDir, "grassroots-http-")
	if err != nil {
		return nil, nil, 0, fmt.Errorf("ingest: http source: %w", err)
	}
	var next HTTPState
	if s.opts.Mode == ModeAPI {
		files, next, err = s.listAPI(ctx, dir, now)
	} else {
		files, skipped, next, err = s.listFiles(ctx, dir, now)
	}
	if err != nil || len(files) == 0 {
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			err = errors.Join(err, fmt.Errorf("ingest: http source: %w", rmErr))
		}
	}
	if err != nil {
		return nil, nil, 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, f := range files {
		s.temps[f.Path] = dir
		s.dirs[dir]++
	}
	s.next = next
	return files, skipped, 0, nil
}

// NewState returns the state to persist once the load of the last List
// has committed: the cursor of this pull (mode api) or the validators of
// each URL (mode file). Before a successful List it is the previous state.
func (s *HTTPSource) NewState() HTTPState {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.next
	if st == nil {
		st = s.prev
	}
	out := make(HTTPState, len(st))
	for k, v := range st {
		out[k] = v
	}
	return out
}

// Partial reports whether the pulls of this source are incremental: mode
// api with a stored cursor, so updated_since is sent and a ledger holds the
// changed records only, not the county's whole ledger.
func (s *HTTPSource) Partial() bool { return s.opts.Mode == ModeAPI && s.cursor != "" }

// Done removes a listed file once it is loaded.
func (s *HTTPSource) Done(ctx context.Context, f File) error { return s.remove(f) }

// Failed removes a listed file whose load failed; reason is not kept.
func (s *HTTPSource) Failed(ctx context.Context, f File, reason string) error { return s.remove(f) }

// remove deletes a listed file, and its pull folder with the last one.
func (s *HTTPSource) remove(f File) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	dir, ok := s.temps[f.Path]
	if !ok {
		return fmt.Errorf("ingest: %s: not a file of this source, or already removed", f.URI)
	}
	delete(s.temps, f.Path)
	err := os.Remove(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		err = nil
	}
	if s.dirs[dir]--; s.dirs[dir] == 0 {
		delete(s.dirs, dir)
		err = errors.Join(err, os.RemoveAll(dir))
	}
	if err != nil {
		return fmt.Errorf("ingest: remove download of %s: %w", f.URI, err)
	}
	return nil
}

// Close removes every downloaded file not yet removed by Done or Failed.
func (s *HTTPSource) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var errs []error
	for dir := range s.dirs {
		if err := os.RemoveAll(dir); err != nil {
			errs = append(errs, fmt.Errorf("ingest: http source: %w", err))
		}
	}
	clear(s.dirs)
	clear(s.temps)
	return errors.Join(errs...)
}
