// Package backup makes, verifies, prunes and restores backups of the private
// warehouse. A backup is a folder <dir>/<UTC time>/ (mode 0700) holding a
// consistent copy of the warehouse's DuckDB file, taken through the open
// warehouse while loads go on (warehouse.BackupTo), the drop folders' hash
// cache beside it, and manifest.json: every table's row count and content
// checksum and every file's SHA-256 (files mode 0600). The sources' state
// (etl_source_state, etl_file) lives in the warehouse and is copied with it.
// The personal data stay as the warehouse stores them: encrypted column by
// column (pii_person), so a backup opens only with the personal-data key.
package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// ManifestFile names the manifest in a backup's folder; a folder without
// one is not a backup (or an unfinished one).
const ManifestFile = "manifest.json"

// nameLayout names a backup's folder after its UTC time; names sort in time
// order.
const nameLayout = "20060102T150405Z"

// HashesSuffix is the hash cache's suffix beside the warehouse (as
// pipeline.HashCacheSuffix).
const HashesSuffix = ".hashes"

// Method is how a backup was taken, as the manifest records it.
const Method = "ATTACH + COPY FROM DATABASE"

// ErrDamaged is returned (wrapped) by Verify when a backup's files do not
// match its manifest.
var ErrDamaged = errors.New("backup damaged")

// File is one file of a backup.
type File struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"`
}

// Manifest describes a backup.
type Manifest struct {
	Created   time.Time `json:"created_at"`
	Warehouse string    `json:"warehouse"` // the warehouse it copies
	Database  string    `json:"database"`  // the DuckDB file's name in the folder
	Hashes    string    `json:"hashes,omitempty"`
	Method    string    `json:"method"`
	// DuckDB is the version of DuckDB that took the checksums: DuckDB's
	// hash may change between versions, so Verify compares the checksums
	// only under the same version (the counts and the files' SHA-256
	// always).
	DuckDB  string               `json:"duckdb_version"`
	Files   []File               `json:"files"`
	Tables  []warehouse.TableSum `json:"tables"`
	Rows    int64                `json:"rows"`
	Seconds float64              `json:"seconds"`
	// Dir is the backup's folder (not written: the folder is where it is).
	Dir string `json:"-"`
}

// Create writes a backup of the open warehouse w into a new folder of dir
// (created 0700 if needed), named after the UTC time, then verifies it
// (Verify). A failed backup leaves no folder behind.
func Create(ctx context.Context, w *warehouse.Warehouse, dir string, now time.Time) (m *Manifest, err error) {
	start := time.Now()
	folder, err := newFolder(dir, now.UTC())
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			os.RemoveAll(folder)
		}
	}()
	base := filepath.Base(w.Path())
	m = &Manifest{Created: now.UTC(), Warehouse: w.Path(), Database: base, Method: Method, Dir: folder}
	if err := w.Reader().Scan(ctx, "SELECT version()", nil, &m.DuckDB); err != nil {
		return nil, fmt.Errorf("backup %s: %w", folder, err)
	}
	m.Tables, err = w.BackupTo(ctx, filepath.Join(folder, base))
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", folder, err)
	}
	names := []string{base}
	// The hash cache is replaced by a rename as a whole, so the copy is one
	// version of it; without one (deleted, or never saved) there is none.
	switch err := copyFile(w.Path()+HashesSuffix, filepath.Join(folder, base+HashesSuffix)); {
	case err == nil:
		m.Hashes = base + HashesSuffix
		names = append(names, m.Hashes)
	case !errors.Is(err, os.ErrNotExist):
		return nil, fmt.Errorf("backup %s: hash cache: %w", folder, err)
	}
	for _, n := range names {
		f, err := describe(filepath.Join(folder, n))
		if err != nil {
			return nil, fmt.Errorf("backup %s: %w", folder, err)
		}
		m.Files = append(m.Files, f)
	}
	for _, t := range m.Tables {
		m.Rows += t.Rows
	}
	m.Seconds = time.Since(start).Seconds()
	if err := writeManifest(folder, m); err != nil {
		return nil, fmt.Errorf("backup %s: %w", folder, err)
	}
	if _, err := Verify(ctx, folder); err != nil {
		return nil, err
	}
	m.Seconds = time.Since(start).Seconds()
	return m, nil
}

// newFolder creates dir (0700) and a new folder in it named after t (a
// suffix -2, -3 … when a backup of the same second exists).
func newFolder(dir string, t time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("backup: %w", err)
	}
	name := t.Format(nameLayout)
	for i := 1; ; i++ {
		folder := filepath.Join(dir, name)
		if i > 1 {
			folder += "-" + strconv.Itoa(i)
		}
		err := os.Mkdir(folder, 0o700)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("backup: %w", err)
		}
		// Mkdir applies the umask, which can only narrow 0700; the mode is
		// set anyway, should the umask be odd.
		return folder, os.Chmod(folder, 0o700)
	}
}

// writeManifest writes m into folder (0600), through a temporary file
// renamed into place: a folder with a manifest is a finished backup.
func writeManifest(folder string, m *Manifest) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(folder, ManifestFile+".tmp")
	if err := os.WriteFile(tmp, append(b, '\n'), 0o600); err != nil {
		return err
	}
	if err := atomicfs.Sync(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(folder, ManifestFile)); err != nil {
		return err
	}
	return atomicfs.Sync(folder)
}

// ReadManifest reads the manifest of the backup in folder.
func ReadManifest(folder string) (*Manifest, error) {
	b, err := os.ReadFile(filepath.Join(folder, ManifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("backup %s: no %s: not a backup, or an unfinished one", folder, ManifestFile)
	}
	if err != nil {
		return nil, fmt.Errorf("backup %s: %w", folder, err)
	}
	m := &Manifest{Dir: folder}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("backup %s: %s: %w", folder, ManifestFile, err)
	}
	if m.Database == "" || filepath.Base(m.Database) != m.Database || len(m.Tables) == 0 {
		return nil, fmt.Errorf("backup %s: %s names no database file or no table", folder, ManifestFile)
	}
	return m, nil
}

// describe measures and hashes one file.
func describe(path string) (File, error) {
	f, err := os.Open(path)
	if err != nil {
		return File{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("%s: %w", path, err)
	}
	return File{Name: filepath.Base(path), Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// copyFile copies src into the new file dst (mode 0600) and syncs it.
func copyFile(src, dst string) (err error) {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			os.Remove(dst)
		}
	}()
	if _, err := io.Copy(out, in); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	if err := out.Chmod(0o600); err != nil {
		return err
	}
	return out.Sync()
}
