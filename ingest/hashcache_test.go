package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// listShas lists src and returns each file's hash by URI.
func listShas(t *testing.T, src *FolderSource) map[string]string {
	t.Helper()
	files, _, unsettled, err := src.List(context.Background(), time.Now().Add(time.Hour))
	if err != nil || unsettled != 0 {
		t.Fatalf("List: %v, %d unsettled", err, unsettled)
	}
	out := map[string]string{}
	for _, f := range files {
		out[f.URI] = f.SHA256
	}
	return out
}

func TestHashCache(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the hash cache works on Linux only (it needs the change time)")
	}
	dir := t.TempDir()
	feeds := filepath.Join(dir, "feeds")
	os.MkdirAll(filepath.Join(feeds, "sub"), 0o755)
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(feeds, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.csv", "a,b\n1,2\n")
	write("sub/b.csv", "x\n")
	cachePath := filepath.Join(dir, "warehouse.duckdb.hashes")

	// Files written a moment ago are too fresh to trust: nothing is cached.
	c := LoadHashCache(cachePath)
	src := &FolderSource{Path: feeds, Hashes: c}
	got := listShas(t, src)
	if got["a.csv"] != sha("a,b\n1,2\n") || got["sub/b.csv"] != sha("x\n") {
		t.Fatalf("first listing: %v", got)
	}
	if c.Len() != 0 {
		t.Fatalf("%d fresh files cached, want 0", c.Len())
	}

	// Once they are older than the margin they are cached, and the cache
	// survives a save and a load.
	defer func(m time.Duration) { racyMargin = m }(racyMargin)
	racyMargin = -time.Hour
	listShas(t, src)
	if c.Len() != 2 {
		t.Fatalf("%d files cached, want 2", c.Len())
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(cachePath); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file: %v %v", fi, err)
	}
	c = LoadHashCache(cachePath)
	if c.Len() != 2 {
		t.Fatalf("loaded %d entries, want 2", c.Len())
	}

	// A cached file is not read again: a planted hash is what List returns.
	realFeeds, _ := filepath.EvalSymlinks(feeds)
	realA := filepath.Join(realFeeds, "a.csv")
	c.mu.Lock()
	e, ok := c.byRoot[realFeeds][realA]
	e.sha = sha("planted")
	c.byRoot[realFeeds][realA] = e
	c.mu.Unlock()
	if !ok {
		t.Fatal("a.csv is not in the cache")
	}
	src = &FolderSource{Path: feeds, Hashes: c}
	if got := listShas(t, src); got["a.csv"] != sha("planted") {
		t.Fatalf("a.csv = %s, want the cached hash", got["a.csv"])
	}

	// Rewriting the file (same size, and even its old modification time
	// put back) moves its change time: it is hashed again.
	fi, _ := os.Stat(filepath.Join(feeds, "a.csv"))
	write("a.csv", "a,b\n3,4\n")
	os.Chtimes(filepath.Join(feeds, "a.csv"), fi.ModTime(), fi.ModTime())
	if got := listShas(t, src); got["a.csv"] != sha("a,b\n3,4\n") {
		t.Fatalf("rewritten a.csv = %s, want the new content's hash", got["a.csv"])
	}

	// A removed file is forgotten; a file of another folder is kept.
	other := filepath.Join(dir, "other")
	os.MkdirAll(other, 0o755)
	os.WriteFile(filepath.Join(other, "c.csv"), []byte("c\n"), 0o644)
	listShas(t, &FolderSource{Path: other, Hashes: c})
	os.Remove(filepath.Join(feeds, "sub", "b.csv"))
	listShas(t, src)
	if c.Len() != 2 {
		t.Fatalf("%d entries after a removal, want 2 (a.csv and other/c.csv)", c.Len())
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}

	// A damaged cache file is ignored: everything is hashed again.
	for _, body := range []string{"", "not a cache\n", hashCacheHeader + "\n1 2 3\n", hashCacheHeader + "\n1 2 3 4 5 " + sha("x") + " unquoted\n", hashCacheHeader + "\n1 2 3 4 5 " + sha("x") + " \"/root-only\"\n"} {
		os.WriteFile(cachePath, []byte(body), 0o600)
		if c := LoadHashCache(cachePath); c.Len() != 0 {
			t.Errorf("cache file %q: %d entries, want 0", body, c.Len())
		}
	}
	if c := LoadHashCache(filepath.Join(dir, "missing")); c.Len() != 0 {
		t.Errorf("missing cache file: %d entries", c.Len())
	}
}
