package ingest

// Listing a drop folder hashes every file in it, and at national scale
// (16,775 files, 0.8 GB) the hashing is most of a rerun in which nothing
// changed. A HashCache remembers each file's SHA-256 under its identity
// (device, inode, size, modification and change times, to the nanosecond), so
// that a file whose identity has not changed since it was hashed is not read
// again. The change time (ctime) cannot be set by a user: any write, rename
// or chmod moves it, so a file whose content changed never keeps it.
//
// Timestamps come from a coarse clock (a few milliseconds), so a file written
// twice within one tick could keep its times across the second write. Like
// git's "racy" index entries, a file changed less than racyMargin before it
// was hashed is therefore hashed again next time instead of being cached.

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// racyMargin: a file whose modification or change time is this close to
// the moment it was hashed (or later) is not cached.
var racyMargin = 2 * time.Second

// hashCacheHeader is the first line of a cache file; a file without it is
// ignored (everything is hashed again).
const hashCacheHeader = "grassroots hash cache v1"

// fileID is what must be unchanged for a cached hash to be used.
type fileID struct {
	dev, ino       uint64
	size           int64
	mtimeNs, ctime int64
}

type cacheEntry struct {
	id  fileID
	sha string
}

// HashCache maps files' identities to their SHA-256. It is safe for
// concurrent use. The zero value is not usable; see LoadHashCache.
type HashCache struct {
	path   string
	mu     sync.Mutex
	byRoot map[string]map[string]cacheEntry // by the listed folder's real path, then by the file's
	dirty  bool
}

// LoadHashCache reads the cache kept in the file at path. A missing,
// unreadable or malformed file gives an empty cache (everything is hashed
// again), never an error: the cache only saves work.
func LoadHashCache(path string) *HashCache {
	c := &HashCache{path: path, byRoot: map[string]map[string]cacheEntry{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return c
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	if !sc.Scan() || sc.Text() != hashCacheHeader {
		return c
	}
	for sc.Scan() {
		root, p, e, ok := parseCacheLine(sc.Text())
		if !ok {
			return &HashCache{path: path, byRoot: map[string]map[string]cacheEntry{}, dirty: true}
		}
		if c.byRoot[root] == nil {
			c.byRoot[root] = map[string]cacheEntry{}
		}
		c.byRoot[root][p] = e
	}
	return c
}

// parseCacheLine parses `dev ino size mtime ctime sha "root" "path"`.
func parseCacheLine(line string) (root, path string, e cacheEntry, ok bool) {
	f := strings.SplitN(line, " ", 7)
	if len(f) != 7 || len(f[5]) != 64 {
		return "", "", cacheEntry{}, false
	}
	var n [5]int64
	for i := range n {
		v, err := strconv.ParseInt(f[i], 10, 64)
		if err != nil {
			return "", "", cacheEntry{}, false
		}
		n[i] = v
	}
	q, err := strconv.QuotedPrefix(f[6])
	if err != nil || len(q) >= len(f[6]) || f[6][len(q)] != ' ' {
		return "", "", cacheEntry{}, false
	}
	root, _ = strconv.Unquote(q)
	if path, err = strconv.Unquote(f[6][len(q)+1:]); err != nil {
		return "", "", cacheEntry{}, false
	}
	e = cacheEntry{id: fileID{dev: uint64(n[0]), ino: uint64(n[1]), size: n[2], mtimeNs: n[3], ctime: n[4]}, sha: f[5]}
	return root, path, e, true
}

// lookup returns the cached hash of the file at p, listed in the folder
// root, described by info.
func (c *HashCache) lookup(root, p string, info fs.FileInfo) (string, bool) {
	if c == nil {
		return "", false
	}
	id, ok := identify(info)
	if !ok {
		return "", false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byRoot[root][p]
	if !ok || e.id != id {
		return "", false
	}
	return e.sha, true
}

// put remembers the hash of the file at p, listed in the folder root,
// described by info and hashed at hashedAt, unless its times are too close
// to hashedAt to be trusted.
func (c *HashCache) put(root, p string, info fs.FileInfo, sha string, hashedAt time.Time) {
	if c == nil {
		return
	}
	id, ok := identify(info)
	c.mu.Lock()
	defer c.mu.Unlock()
	limit := hashedAt.Add(-racyMargin).UnixNano()
	m := c.byRoot[root]
	if !ok || id.mtimeNs > limit || id.ctime > limit {
		if _, had := m[p]; had {
			delete(m, p)
			c.dirty = true
		}
		return
	}
	if m == nil {
		m = map[string]cacheEntry{}
		c.byRoot[root] = m
	}
	if e, had := m[p]; !had || e.id != id || e.sha != sha {
		m[p] = cacheEntry{id: id, sha: sha}
		c.dirty = true
	}
}

// retain forgets the entries of the folder root (a real path) other than
// keep: files that were removed, renamed or not listed any more.
func (c *HashCache) retain(root string, keep map[string]bool) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for p := range c.byRoot[root] {
		if !keep[p] {
			delete(c.byRoot[root], p)
			c.dirty = true
		}
	}
	if m, ok := c.byRoot[root]; ok && len(m) == 0 {
		delete(c.byRoot, root)
	}
}

// Len returns how many files the cache knows.
func (c *HashCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, m := range c.byRoot {
		n += len(m)
	}
	return n
}

// Save writes the cache back to its file (mode 0600, replaced atomically)
// if it changed since it was loaded or saved.
func (c *HashCache) Save() error {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.dirty {
		return nil
	}
	var b bytes.Buffer
	b.WriteString(hashCacheHeader + "\n")
	for root, m := range c.byRoot {
		qr := strconv.Quote(root)
		for p, e := range m {
			fmt.Fprintf(&b, "%d %d %d %d %d %s %s %s\n", e.id.dev, e.id.ino, e.id.size, e.id.mtimeNs, e.id.ctime, e.sha, qr, strconv.Quote(p))
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), filepath.Base(c.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("ingest: hash cache: %w", err)
	}
	_, err = tmp.Write(b.Bytes())
	err = errors.Join(err, tmp.Close())
	if err == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("ingest: hash cache: %w", err)
	}
	c.dirty = false
	return nil
}
