package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// ErrExists is returned by Restore for a warehouse that exists when the
// caller did not allow replacing it.
var ErrExists = errors.New("the warehouse exists")

// Restored is what Restore did.
type Restored struct {
	From      string `json:"from"`
	Warehouse string `json:"warehouse"`
	// Replaced is where the warehouse that was there is kept ("" when there
	// was none).
	Replaced string `json:"replaced,omitempty"`
	Tables   int    `json:"tables"`
	Rows     int64  `json:"rows"`
}

// RestoreOptions tune Restore.
type RestoreOptions struct {
	// Force allows replacing an existing warehouse (kept beside it as
	// <warehouse>.replaced-<UTC time>).
	Force bool
	// Check opens the restored copy before it replaces anything (the
	// command opens it as a warehouse with the configured personal-data
	// key, which also applies pending migrations); nil checks nothing more
	// than Verify.
	Check func(ctx context.Context, path string) error
	// Now is the clock naming the replaced file (nil: time.Now).
	Now func() time.Time
}

// Restore verifies the backup in folder, then puts its copy of the
// warehouse at target (with its hash cache), under the warehouse's writer
// lock: it refuses while another process holds the warehouse
// (warehouse.ErrLocked) and, without opts.Force, when target exists
// (ErrExists). The replaced warehouse (and its write-ahead log) is kept
// beside it, mode 0600. The caller republishes the snapshot afterwards.
func Restore(ctx context.Context, folder, target string, opts RestoreOptions) (*Restored, error) {
	m, err := Verify(ctx, folder)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o750); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	release, err := warehouse.Lock(target)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer release()
	// A write-ahead log without its file counts as a warehouse too: it would
	// be replayed onto the restored file.
	exists := false
	for _, p := range []string{target, target + ".wal"} {
		if _, err := os.Lstat(p); err == nil {
			exists = true
		}
	}
	if exists && !opts.Force {
		return nil, fmt.Errorf("restore: %w: %s; give --force to replace it (it is kept beside it as %s.replaced-<time>)", ErrExists, target, filepath.Base(target))
	}
	tmp := target + ".restoring"
	removeDB(tmp)
	if err := copyFile(filepath.Join(folder, m.Database), tmp); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	defer removeDB(tmp) // gone once renamed
	if opts.Check != nil {
		err := opts.Check(ctx, tmp)
		os.Remove(tmp + ".lock")
		if err != nil {
			return nil, fmt.Errorf("restore: the backup %s does not open as this configuration's warehouse: %w", folder, err)
		}
	}
	res := &Restored{From: folder, Warehouse: target, Tables: len(m.Tables), Rows: m.Rows}
	if exists {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		res.Replaced, err = keepReplaced(target, now().UTC())
		if err != nil {
			return nil, err
		}
	}
	// A write-ahead log would be replayed onto the restored file: the
	// replaced one's moved with it; the check's own is checkpointed away.
	os.Remove(tmp + ".wal")
	if err := os.Rename(tmp, target); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	if err := restoreHashes(folder, m, target); err != nil {
		return nil, err
	}
	if err := atomicfs.Sync(filepath.Dir(target)); err != nil {
		return nil, fmt.Errorf("restore: %w", err)
	}
	return res, nil
}

// keepReplaced moves the warehouse at target and its write-ahead log,
// whichever exist, aside to target.replaced-<time>(.wal), mode 0600, and
// returns where.
func keepReplaced(target string, t time.Time) (string, error) {
	kept := target + ".replaced-" + t.Format(nameLayout)
	for i := 2; ; i++ {
		if _, err := os.Lstat(kept); errors.Is(err, os.ErrNotExist) {
			break
		}
		kept = fmt.Sprintf("%s.replaced-%s-%d", target, t.Format(nameLayout), i)
	}
	for _, ext := range []string{"", ".wal"} {
		if _, err := os.Lstat(target + ext); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.Rename(target+ext, kept+ext); err != nil {
			return "", fmt.Errorf("restore: keep the replaced warehouse: %w", err)
		}
		if err := os.Chmod(kept+ext, 0o600); err != nil {
			return "", fmt.Errorf("restore: %w", err)
		}
	}
	return kept, nil
}

// restoreHashes puts the backup's hash cache beside the restored warehouse,
// or removes the one there when the backup has none (it is only a cache:
// without it the next run hashes the drop folders again).
func restoreHashes(folder string, m *Manifest, target string) error {
	dst := target + HashesSuffix
	if m.Hashes == "" {
		if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("restore: hash cache: %w", err)
		}
		return nil
	}
	tmp := dst + ".restoring"
	os.Remove(tmp)
	if err := copyFile(filepath.Join(folder, m.Hashes), tmp); err != nil {
		return fmt.Errorf("restore: hash cache: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("restore: hash cache: %w", err)
	}
	return nil
}

// removeDB removes a DuckDB file and its write-ahead log.
func removeDB(path string) {
	os.Remove(path)
	os.Remove(path + ".wal")
}
