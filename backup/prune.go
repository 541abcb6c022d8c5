package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// List returns the finished backups of dir (folders named after their UTC
// time, holding a manifest), oldest first. A missing dir has none.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	var out []string
	for _, e := range entries {
		if !e.IsDir() || !isBackupName(e.Name()) {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, e.Name(), ManifestFile)); err == nil {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	slices.SortFunc(out, func(a, b string) int { return compareNames(filepath.Base(a), filepath.Base(b)) })
	return out, nil
}

// isBackupName reports whether name is a backup folder's: a UTC time, with
// an optional -N suffix.
func isBackupName(name string) bool {
	stamp, _, _ := cutSuffix(name)
	_, err := time.Parse(nameLayout, stamp)
	return err == nil
}

// cutSuffix splits a folder name into its time and its -N suffix (1 without).
func cutSuffix(name string) (string, int, bool) {
	if len(name) <= len(nameLayout) || name[len(nameLayout)] != '-' {
		return name, 1, true
	}
	n := 0
	for _, c := range name[len(nameLayout)+1:] {
		if c < '0' || c > '9' {
			return name, 0, false
		}
		n = n*10 + int(c-'0')
	}
	return name[:len(nameLayout)], n, true
}

// compareNames orders backup folder names by time, then suffix.
func compareNames(a, b string) int {
	sa, na, _ := cutSuffix(a)
	sb, nb, _ := cutSuffix(b)
	if sa != sb {
		if sa < sb {
			return -1
		}
		return 1
	}
	return na - nb
}

// Prune removes the oldest finished backups of dir beyond the newest keep
// (at least one is always kept) and returns the folders it removed. It
// touches nothing else in dir: only folders named as backups and holding a
// manifest count.
func Prune(dir string, keep int) ([]string, error) {
	keep = max(keep, 1)
	all, err := List(dir)
	if err != nil || len(all) <= keep {
		return nil, err
	}
	old := all[:len(all)-keep]
	for i, f := range old {
		if err := os.RemoveAll(f); err != nil {
			return old[:i], fmt.Errorf("backup: prune %s: %w", f, err)
		}
	}
	return old, nil
}
