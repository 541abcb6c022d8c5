package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The conformance suite: the contract of Source (source.go), run against
// every source a county may have: its drop folder (archiving or not) and
// HTTP in both modes. Each source holds files of the record types ledger
// and roles, NDJSON lines put there by the test; a file's content is its
// lines, each followed by a newline, whichever way it travels.

// conformer drives one kind of source in the suite.
type conformer interface {
	// put makes the source hold the file of a record type with these
	// lines, from now on (replacing what it held).
	put(rt string, lines ...string)
	// open builds the source as a run does, with the state stored after
	// the last committed load (nil: none; ignored by stateless sources).
	open(prev HTTPState) Source
	// breakDown makes every List fail from now on.
	breakDown()
	// forgets reports whether the source offers again what a committed load
	// took (a folder that does not archive): the caller leaves it out by
	// its SHA-256. The others skip it themselves (moved to archive/, or
	// not sent again since the stored state).
	forgets() bool
}

// conformTypes are the record types the suite's sources hold.
var conformTypes = []string{"ledger", "roles"}

var conformKinds = []struct {
	name string
	new  func(t *testing.T) conformer
}{
	{"folder", func(t *testing.T) conformer { return newFolderConformer(t, false) }},
	{"folder archiving", func(t *testing.T) conformer { return newFolderConformer(t, true) }},
	{"http file", func(t *testing.T) conformer { return newHTTPConformer(t, ModeFile) }},
	{"http api", func(t *testing.T) conformer { return newHTTPConformer(t, ModeAPI) }},
}

// content is what a file of these lines holds.
func content(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func shaOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

const (
	conformLedger  = `{"姓名":"张三","身份证号":"11010519491231002X"}`
	conformRoles   = `{"身份证号":"11010519491231002X","两委职务":"委员"}`
	conformLedger2 = `{"姓名":"李四","身份证号":"110105194912310037"}`
)

func TestSourceConformance(t *testing.T) {
	for _, kind := range conformKinds {
		t.Run(kind.name, func(t *testing.T) {
			t.Run("empty", func(t *testing.T) { conformEmpty(t, kind.new(t)) })
			t.Run("lists new files", func(t *testing.T) { conformLists(t, kind.new(t)) })
			t.Run("nothing new after a committed load", func(t *testing.T) { conformCommitted(t, kind.new(t)) })
			t.Run("failed load", func(t *testing.T) { conformFailed(t, kind.new(t)) })
			t.Run("failing list", func(t *testing.T) { conformBroken(t, kind.new(t)) })
		})
	}
}

// list lists src, failing the test on an error, and checks what every
// listing must hold: files with distinct URIs, none refused or unsettled.
func conformList(t *testing.T, src Source) []File {
	t.Helper()
	files, skipped, unsettled, err := src.List(context.Background(), time.Now())
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if len(skipped) != 0 || unsettled != 0 {
		t.Errorf("List refused %v and left %d unsettled, want none", skipped, unsettled)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if f.URI == "" || seen[f.URI] {
			t.Errorf("URI %q empty or listed twice in %v", f.URI, uris(files))
		}
		seen[f.URI] = true
	}
	return files
}

// bySHA indexes files by their SHA-256.
func bySHA(files []File) map[string]File {
	m := map[string]File{}
	for _, f := range files {
		m[f.SHA256] = f
	}
	return m
}

// conformEmpty: a source holding nothing offers nothing, without an error.
func conformEmpty(t *testing.T, c conformer) {
	src := c.open(nil)
	if files := conformList(t, src); len(files) != 0 {
		t.Errorf("an empty source offered %v", uris(files))
	}
}

// conformLists: every file held is offered once, with its SHA-256, its
// format, and a Path the reader can open holding its content; a second
// listing offers the same files in the same order.
func conformLists(t *testing.T, c conformer) {
	want := map[string]string{shaOf(content(conformLedger)): "ledger", shaOf(content(conformRoles)): "roles"}
	c.put("ledger", conformLedger)
	c.put("roles", conformRoles)
	src := c.open(nil)
	files := conformList(t, src)
	got := map[string]string{}
	for _, f := range files {
		rt, ok := want[f.SHA256]
		if !ok {
			t.Errorf("file %s: SHA-256 %s is none of the files held", f.URI, f.SHA256)
			continue
		}
		got[f.SHA256] = rt
		if f.Format != FormatNDJSON || f.Name != rt+".ndjson" {
			t.Errorf("file %s: name %q, format %v; want %s.ndjson, NDJSON", f.URI, f.Name, f.Format, rt)
		}
		text, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		if shaOf(string(text)) != f.SHA256 || int64(len(text)) != f.Size {
			t.Errorf("file %s: Path holds %d bytes of SHA-256 %s, want %d bytes of %s", f.URI, len(text), shaOf(string(text)), f.Size, f.SHA256)
		}
		rows, err := collect(t, f, ReadOptions{})
		if err != nil || len(rows) != 1 {
			t.Errorf("file %s read back as %d rows, %v; want 1", f.URI, len(rows), err)
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("offered %v, want %v", got, want)
	}
	// Listed again (nothing loaded): the same files, in the same order.
	again := conformList(t, c.open(nil))
	if !slices.Equal(uris(again), uris(files)) || !maps.Equal(shaSet(again), shaSet(files)) {
		t.Errorf("a second listing offered %v, want %v", uris(again), uris(files))
	}
	for _, f := range files {
		if err := src.Done(context.Background(), f); err != nil {
			t.Errorf("Done %s: %v", f.URI, err)
		}
	}
}

func shaSet(files []File) map[string]bool {
	m := map[string]bool{}
	for _, f := range files {
		m[f.SHA256] = true
	}
	return m
}

// committed ends a load that committed: Done for every file, and the state
// stored, as the pipeline does. It returns the state to open the next with.
func committed(t *testing.T, src Source, files []File) HTTPState {
	t.Helper()
	var state HTTPState
	if st, ok := src.(StatefulSource); ok {
		state = st.NewState()
	}
	for _, f := range files {
		if err := src.Done(context.Background(), f); err != nil {
			t.Errorf("Done %s: %v", f.URI, err)
		}
	}
	if st, ok := src.(StatefulSource); ok {
		if err := st.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	return state
}

// conformCommitted: after a load committed, the next listing offers nothing
// new (a file offered again has a SHA-256 already loaded, which the caller
// leaves out); a file that changed is offered with its new content, and the
// unchanged one is not offered as new.
func conformCommitted(t *testing.T, c conformer) {
	c.put("ledger", conformLedger)
	c.put("roles", conformRoles)
	src := c.open(nil)
	first := conformList(t, src)
	if len(first) != 2 {
		t.Fatalf("offered %v, want two files", uris(first))
	}
	loaded := shaSet(first)
	state := committed(t, src, first)

	src = c.open(state)
	again := conformList(t, src)
	for _, f := range again {
		if !loaded[f.SHA256] {
			t.Errorf("after the load committed, %s is offered as new (SHA-256 %s)", f.URI, f.SHA256)
		}
	}
	if !c.forgets() && len(again) != 0 {
		t.Errorf("after the load committed, the source offered %v again", uris(again))
	}
	state = committed(t, src, nil)

	c.put("ledger", conformLedger2)
	src = c.open(state)
	var changed []File
	after := conformList(t, src)
	for _, f := range after {
		if !loaded[f.SHA256] {
			changed = append(changed, f)
		}
	}
	if len(changed) != 1 || changed[0].SHA256 != shaOf(content(conformLedger2)) {
		t.Errorf("after the ledger changed, new files %v, want the new ledger alone (SHA-256 %s)", changed, shaOf(content(conformLedger2)))
	}
	if !c.forgets() && len(changed) != len(after) {
		t.Errorf("after the ledger changed, the source offered %v, want the new ledger alone", uris(after))
	}
	committed(t, src, nil)
}

// conformFailed: Failed, with a reason, succeeds for the file that failed,
// and Done for the others of the listing; a stateful source keeps the
// previous state, so its next pull asks again.
func conformFailed(t *testing.T, c conformer) {
	c.put("ledger", conformLedger)
	c.put("roles", conformRoles)
	src := c.open(nil)
	files := conformList(t, src)
	if len(files) != 2 {
		t.Fatalf("offered %v, want two files", uris(files))
	}
	if err := src.Failed(context.Background(), files[0], "bad_id_checksum"); err != nil {
		t.Errorf("Failed %s: %v", files[0].URI, err)
	}
	if err := src.Done(context.Background(), files[1]); err != nil {
		t.Errorf("Done %s: %v", files[1].URI, err)
	}
	st, ok := src.(StatefulSource)
	if !ok {
		return
	}
	if err := st.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	// The load failed: the state is not stored; the next pull, from the
	// previous (none), offers both files again.
	again := conformList(t, c.open(nil))
	if !maps.Equal(shaSet(again), shaSet(files)) {
		t.Errorf("after a failed load the next pull offered %v, want %v again", uris(again), uris(files))
	}
}

// conformBroken: a List that fails returns its error and nothing else; a
// stateful source keeps the state it was opened with.
func conformBroken(t *testing.T, c conformer) {
	c.put("ledger", conformLedger)
	src := c.open(nil)
	state := committed(t, src, conformList(t, src))
	c.breakDown()
	src = c.open(state)
	files, skipped, unsettled, err := src.List(context.Background(), time.Now())
	if err == nil {
		t.Fatalf("List of a broken source succeeded with %v", uris(files))
	}
	if files != nil || skipped != nil || unsettled != 0 {
		t.Errorf("a failed List returned files %v, skipped %v, unsettled %d", uris(files), skipped, unsettled)
	}
	if st, ok := src.(StatefulSource); ok {
		if len(state) == 0 {
			t.Errorf("the committed pull left no state to keep")
		}
		if got := st.NewState(); !reflect.DeepEqual(got, state) {
			t.Errorf("state after a failed List %v, want the one opened with %v", got, state)
		}
	}
}

// folderConformer is a drop folder.
type folderConformer struct {
	t       *testing.T
	dir     string
	archive bool
}

func newFolderConformer(t *testing.T, archive bool) *folderConformer {
	c := &folderConformer{t: t, dir: filepath.Join(t.TempDir(), "140105"), archive: archive}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *folderConformer) put(rt string, lines ...string) {
	old := time.Now().Add(-time.Hour)
	tree(c.t, c.dir, old, map[string]string{rt + ".ndjson": content(lines...)})
}

func (c *folderConformer) forgets() bool { return !c.archive }

func (c *folderConformer) open(HTTPState) Source {
	return &FolderSource{Path: c.dir, Archive: c.archive, Settle: time.Minute}
}

func (c *folderConformer) breakDown() {
	// The folder is gone (an unmounted share): it cannot be listed.
	if err := os.RemoveAll(c.dir); err != nil {
		c.t.Fatal(err)
	}
}

// httpConformer is a county's HTTP server, in mode file (one URL per record
// type, with ETag validators) or api (pages per record type, records
// stamped with the server's clock and offered since updated_since).
type httpConformer struct {
	t    *testing.T
	mode string
	url  string
	temp string

	mu     sync.Mutex
	clock  time.Time
	files  map[string]string    // record type -> content
	stamps map[string]time.Time // record type -> when it was put
	broken bool
}

func newHTTPConformer(t *testing.T, mode string) *httpConformer {
	c := &httpConformer{t: t, mode: mode, temp: t.TempDir(), clock: time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC),
		files: map[string]string{}, stamps: map[string]time.Time{}}
	srv, _ := serve(t, c.serveHTTP)
	c.url = srv.URL
	return c
}

func (c *httpConformer) put(rt string, lines ...string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clock = c.clock.Add(time.Minute)
	c.files[rt], c.stamps[rt] = content(lines...), c.clock
}

func (c *httpConformer) breakDown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.broken = true
}

func (c *httpConformer) forgets() bool { return false }

func (c *httpConformer) open(prev HTTPState) Source {
	opts := HTTPOptions{Mode: c.mode, TempDir: c.temp, Retries: 1, Backoff: time.Millisecond}
	if c.mode == ModeAPI {
		opts.URLs, opts.RecordTypes = []string{c.url + "/api"}, conformTypes
	} else {
		for _, rt := range conformTypes {
			opts.URLs = append(opts.URLs, c.url+"/"+rt+".ndjson")
		}
	}
	s, err := NewHTTPSource(opts, prev)
	if err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() {
		if err := s.Close(); err != nil {
			c.t.Error(err)
		}
	})
	return s
}

func (c *httpConformer) serveHTTP(w http.ResponseWriter, r *http.Request, _ int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.broken {
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Date", c.clock.Format(http.TimeFormat))
	if c.mode == ModeAPI {
		rt := r.URL.Query().Get("record_type")
		var records []string
		since, err := time.Parse(time.RFC3339, r.URL.Query().Get("updated_since"))
		if text, ok := c.files[rt]; ok && (err != nil || c.stamps[rt].After(since)) {
			records = strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, page(rt, "", records...))
		return
	}
	// Mode file: a record type not held yet, or unchanged since the
	// validator sent, is not modified.
	rt := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/"), ".ndjson")
	text, ok := c.files[rt]
	etag := `"` + shaOf(text) + `"`
	if !ok || r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Content-Type", "application/x-ndjson")
	io.WriteString(w, text)
}
