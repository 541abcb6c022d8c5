package export

// Placing a release: temporary folders, fsync, and the final rename.

import (
	"os"
	"path/filepath"

	"github.com/grassroots-cn/grassroots/internal/atomicfs"
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
		return atomicfs.Sync(p)
	})
	for i := len(dirs) - 1; i >= 0 && err == nil; i-- {
		err = syncDir(dirs[i])
	}
	return err
}

func syncDir(path string) error { return atomicfs.Sync(path) }
