package export

// Placing a release: temporary folders, fsync, and the final rename.

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// tempPrefix is the name prefix of a release's temporary folders, hidden
// beside the destination: Out/.<release>.tmp-*.
func tempPrefix(release string) string { return "." + release + ".tmp-" }

// removeStale removes the temporary folders a crashed earlier export of the
// same release left behind. The warehouse lock admits one writing process,
// and a process exports one release at a time.
func removeStale(out, release string) {
	old, _ := filepath.Glob(filepath.Join(out, tempPrefix(release)+"*"))
	for _, p := range old {
		os.RemoveAll(p)
	}
}

// writeSynced writes a file of mode 0644 and syncs it.
func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// syncTree fsyncs every file and folder under root, folders after their
// contents.
func syncTree(root string) error {
	var dirs []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			dirs = append(dirs, p)
			return nil
		}
		return syncPath(p)
	})
	for i := len(dirs) - 1; i >= 0 && err == nil; i-- {
		err = syncDir(dirs[i])
	}
	return err
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

func syncDir(path string) error { return syncPath(path) }

// renameNoReplace moves src to dst unless dst exists (os.ErrExist then),
// atomically where the file system supports RENAME_NOREPLACE.
func renameNoReplace(src, dst string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, unix.EEXIST):
		return os.ErrExist
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS), errors.Is(err, unix.ENOTSUP):
		// No RENAME_NOREPLACE here: check, then rename (os.Rename would
		// replace an empty folder).
		if _, err := os.Lstat(dst); err == nil {
			return os.ErrExist
		}
		return os.Rename(src, dst)
	}
	return err
}

// swapInto puts the folder src at dst: a plain rename when dst does not
// exist, else an atomic exchange (Linux renameat2 RENAME_EXCHANGE), falling
// back to moving the old folder aside first. The old release ends in src's
// place, and the caller removes it with src.
func swapInto(src, dst string) error {
	if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
		return renameNoReplace(src, dst)
	}
	if err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_EXCHANGE); err == nil {
		return nil
	}
	aside := src + ".old-" + strconv.Itoa(os.Getpid())
	if err := os.Rename(dst, aside); err != nil {
		return err
	}
	defer os.RemoveAll(aside)
	return os.Rename(src, dst)
}
