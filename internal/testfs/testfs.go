// Package testfs mounts small file systems for the resource-fault tests: a
// size-limited tmpfs to fill, remounted larger or read-only. Mounting needs
// root (as on CI); elsewhere the tests skip with the reason.
package testfs

import (
	"os"
	"os/exec"
	"testing"
)

// MountTmpfs mounts a tmpfs of the given size (such as "4m") at dir, and
// unmounts it when the test ends; it skips the test where mounting is not
// allowed.
func MountTmpfs(t testing.TB, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("resource faults need a tmpfs mount: run as root")
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("resource faults need a tmpfs mount, which this machine refuses: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", "-l", dir).Run() })
}

// Remount changes the options of a tmpfs mounted by MountTmpfs, such as
// "size=64m" or "ro".
func Remount(t testing.TB, dir, opts string) {
	t.Helper()
	if out, err := exec.Command("mount", "-o", "remount,"+opts, dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s: %v %s", opts, err, out)
	}
}
