// Package atomicfs places files and folders so that readers see the old
// content or the new, never a mix: synced writes, a rename that never
// replaces, and an atomic exchange of folders.
package atomicfs

import (
	"errors"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// WriteSynced writes a file of mode 0644 and syncs it.
func WriteSynced(path string, b []byte) error {
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

// Sync syncs a file or a folder (after a rename, its folder, so that the
// new name survives a crash).
func Sync(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	return errors.Join(f.Sync(), f.Close())
}

// RenameNoReplace moves src to dst unless dst exists (os.ErrExist then),
// atomically where the file system supports RENAME_NOREPLACE.
func RenameNoReplace(src, dst string) error {
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

// SwapInto puts the folder src at dst: a plain rename when dst does not
// exist, else an atomic exchange (Linux renameat2 RENAME_EXCHANGE), falling
// back to moving the old folder aside first. The old folder ends in src's
// place, and the caller removes it with src.
func SwapInto(src, dst string) error {
	if _, err := os.Lstat(dst); errors.Is(err, os.ErrNotExist) {
		return RenameNoReplace(src, dst)
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
