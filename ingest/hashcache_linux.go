package ingest

import (
	"io/fs"
	"syscall"
)

// identify returns the identity of the file info describes.
func identify(info fs.FileInfo) (fileID, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, false
	}
	return fileID{
		dev: uint64(st.Dev), ino: uint64(st.Ino), size: st.Size,
		mtimeNs: st.Mtim.Nano(), ctime: st.Ctim.Nano(),
	}, true
}
