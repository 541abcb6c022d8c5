package ingest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Sub-folders of a FolderSource that List never looks into.
const (
	ArchiveFolder = "archive"
	FailedFolder  = "failed"
	// FeedbackFolder holds the feedback workbooks (问题清单) the pipeline
	// writes for the county: never read back as input.
	FeedbackFolder = "feedback"
)

// FolderSource lists a county's drop folder (`kind: dir` in the
// configuration), or the folder of the city's divisions list.
type FolderSource struct {
	Path    string        // folder
	Pattern string        // glob on the base name; "" = every supported format
	Settle  time.Duration // a file modified more recently than now-Settle is left for the next run
	Archive bool          // Done moves the file to <Path>/archive/, Failed to <Path>/failed/
	// Hashes, if set, keeps files' hashes between listings: a file whose
	// device, inode, size and times are unchanged is not read again.
	Hashes *HashCache
}

// List returns the settled, supported files in the folder and its
// sub-folders (except archive/ and failed/), sorted by URI, each hashed with
// SHA-256, and how many files were left because they were modified too
// recently (or changed while being hashed).
//
// Symbolic links (to files or folders, inside or outside), anything else
// that is not a regular file, anything whose real path lies outside the
// folder, files that may not be read, and files matching Pattern whose format
// is not supported are not listed but returned in skipped, with one of the
// Reason constants. Hidden files and folders (starting with ".") and Office
// lock files ("~$x.xlsx") are ignored silently, as are files that vanish
// while the folder is listed.
func (s *FolderSource) List(ctx context.Context, now time.Time) (files []File, skipped []Skipped, unsettled int, err error) {
	root, realRoot, err := s.root()
	if err != nil {
		return nil, nil, 0, err
	}
	if s.Pattern != "" {
		if _, err := filepath.Match(s.Pattern, ""); err != nil {
			return nil, nil, 0, fmt.Errorf("ingest: source %s: pattern %q: %w", s.Path, s.Pattern, err)
		}
	}
	fw := &folderWalk{ctx: ctx, s: s, root: root, realRoot: realRoot, cutoff: now.Add(-s.Settle), listed: map[string]bool{}}
	// Walk the real folder (the configured one may be a link, which WalkDir
	// would not enter) but name files by the configured one.
	if err := filepath.WalkDir(realRoot, fw.visit); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil && errors.Is(err, ctxErr) {
			return nil, nil, 0, err
		}
		return nil, nil, 0, fmt.Errorf("ingest: list %s: %w", s.Path, err)
	}
	s.Hashes.retain(realRoot, fw.listed)
	slices.SortFunc(fw.files, func(a, b File) int { return strings.Compare(a.URI, b.URI) })
	slices.SortFunc(fw.skipped, func(a, b Skipped) int { return strings.Compare(a.URI, b.URI) })
	return fw.files, fw.skipped, fw.unsettled, nil
}

// folderWalk is one listing of a folder in progress.
type folderWalk struct {
	ctx            context.Context
	s              *FolderSource
	root, realRoot string          // the configured folder (absolute) and its real path
	cutoff         time.Time       // files modified after it are unsettled
	listed         map[string]bool // real paths of the files offered, for the hash cache
	files          []File
	skipped        []Skipped
	unsettled      int
}

// visit is the WalkDir function of a listing: it decides what an entry is
// (ignored, refused, or a file to offer).
func (fw *folderWalk) visit(p string, d fs.DirEntry, werr error) error {
	if err := fw.ctx.Err(); err != nil {
		return err
	}
	if p == fw.realRoot {
		return werr
	}
	rel, err := filepath.Rel(fw.realRoot, p)
	if err != nil {
		return err
	}
	uri := filepath.ToSlash(rel)
	if werr != nil {
		return walkError(uri, d, werr, &fw.skipped)
	}
	base := d.Name()
	switch {
	case strings.HasPrefix(base, "."):
		if d.IsDir() {
			return filepath.SkipDir
		}
		return nil
	case d.IsDir():
		if uri == ArchiveFolder || uri == FailedFolder || uri == FeedbackFolder {
			return filepath.SkipDir
		}
		return nil
	case strings.HasPrefix(base, "~$"):
		return nil
	case d.Type()&fs.ModeSymlink != 0:
		fw.skipped = append(fw.skipped, Skipped{URI: uri, Reason: ReasonSymlink})
		return nil
	case !d.Type().IsRegular():
		fw.skipped = append(fw.skipped, Skipped{URI: uri, Reason: ReasonNotRegular})
		return nil
	}
	if fw.s.Pattern != "" {
		if ok, _ := filepath.Match(fw.s.Pattern, base); !ok {
			return nil
		}
	}
	format := FormatOf(base)
	if format == FormatUnknown {
		fw.skipped = append(fw.skipped, Skipped{URI: uri, Reason: ReasonUnsupported})
		return nil
	}
	inside, err := isInside(fw.realRoot, p)
	if err != nil {
		return walkError(uri, d, err, &fw.skipped)
	}
	if !inside {
		fw.skipped = append(fw.skipped, Skipped{URI: uri, Reason: ReasonOutside})
		return nil
	}
	return fw.offer(p, rel, uri, d, format)
}

// offer lists a regular file inside the folder, of a supported format,
// when it is settled: hashed (or its hash taken from the cache) and
// unchanged while it was hashed.
func (fw *folderWalk) offer(p, rel, uri string, d fs.DirEntry, format Format) error {
	info, err := d.Info()
	if err != nil {
		return walkError(uri, d, err, &fw.skipped)
	}
	if info.ModTime().After(fw.cutoff) {
		fw.unsettled++
		return nil
	}
	f := File{Path: filepath.Join(fw.root, rel), URI: uri, Name: d.Name(), Format: format}
	fw.listed[p] = true
	if sha, ok := fw.s.Hashes.lookup(fw.realRoot, p, info); ok {
		f.Size, f.ModTime, f.SHA256 = info.Size(), info.ModTime(), sha
		fw.files = append(fw.files, f)
		return nil
	}
	hashedAt := time.Now()
	ok, err := hashFile(fw.ctx, &f, info)
	if err != nil {
		return walkError(uri, d, err, &fw.skipped)
	}
	if ok {
		fw.s.Hashes.put(fw.realRoot, p, info, f.SHA256, hashedAt)
	}
	if !ok || f.ModTime.After(fw.cutoff) {
		fw.unsettled++
		return nil
	}
	fw.files = append(fw.files, f)
	return nil
}

// walkError decides what an error about one entry means for the listing: a
// file that vanished meanwhile is ignored, one that may not be read is
// skipped with ReasonUnreadable, anything else fails the listing.
func walkError(uri string, d fs.DirEntry, err error, skipped *[]Skipped) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case errors.Is(err, fs.ErrPermission):
		*skipped = append(*skipped, Skipped{URI: uri, Reason: ReasonUnreadable})
	default:
		return err
	}
	if d != nil && d.IsDir() {
		return filepath.SkipDir
	}
	return nil
}

// Done archives a loaded file when Archive is set, and does nothing
// otherwise. A file that changed since it was listed is left in place and
// ErrChanged returned: its new content is for the next run.
func (s *FolderSource) Done(ctx context.Context, f File) error {
	if !s.Archive {
		return nil
	}
	_, err := s.move(ctx, f, ArchiveFolder)
	return err
}

// Failed moves a file whose load failed to <Path>/failed/, with
// <name>.reason.txt beside it holding reason, when Archive is set; it does
// nothing otherwise. reason must hold no personal data. A file that changed
// since it was listed is left in place and ErrChanged returned.
func (s *FolderSource) Failed(ctx context.Context, f File, reason string) error {
	if !s.Archive {
		return nil
	}
	dst, err := s.move(ctx, f, FailedFolder)
	if err != nil {
		return err
	}
	if err := os.WriteFile(dst+reasonSuffix, []byte(strings.TrimRight(reason, "\n")+"\n"), 0o640); err != nil {
		return fmt.Errorf("ingest: write reason for %s: %w", f.URI, err)
	}
	return nil
}

// reasonSuffix ends the name of the file beside a failed file that says why.
const reasonSuffix = ".reason.txt"

// root returns the absolute folder and its real path (symbolic links
// resolved: the folder itself may be a link).
func (s *FolderSource) root() (root, real string, err error) {
	if root, err = filepath.Abs(s.Path); err == nil {
		real, err = filepath.EvalSymlinks(root)
	}
	if err != nil {
		return "", "", fmt.Errorf("ingest: source %s: %w", s.Path, err)
	}
	return root, real, nil
}

// move moves f, unchanged since it was listed, into the sub-folder sub,
// keeping its relative path; a name already taken gets a numeric suffix
// ("ledger.1.csv"). It returns the new path.
func (s *FolderSource) move(ctx context.Context, f File, sub string) (string, error) {
	root, _, err := s.root()
	if err != nil {
		return "", err
	}
	rel := filepath.FromSlash(f.URI)
	if !filepath.IsLocal(rel) {
		return "", fmt.Errorf("ingest: %s: %q is not a path inside the folder", s.Path, f.URI)
	}
	src := filepath.Join(root, rel)
	sum, err := hashPath(ctx, src)
	if err != nil {
		return "", err
	}
	if sum != f.SHA256 {
		return "", fmt.Errorf("%w: %s", ErrChanged, f.URI)
	}
	dstDir := filepath.Join(root, sub, filepath.Dir(rel))
	if err := os.MkdirAll(dstDir, 0o750); err != nil {
		return "", fmt.Errorf("ingest: move %s to %s/: %w", f.URI, sub, err)
	}
	dst, err := freeName(dstDir, filepath.Base(rel))
	if err == nil {
		err = os.Rename(src, dst)
	}
	if err != nil {
		return "", fmt.Errorf("ingest: move %s to %s/: %w", f.URI, sub, err)
	}
	return dst, nil
}

// freeName returns a path in dir for name that is not taken (nor is its
// reason file): name itself, else stem.1.ext, stem.2.ext, ...
func freeName(dir, name string) (string, error) {
	ext := filepath.Ext(name)
	stem := strings.TrimSuffix(name, ext)
	for i := 0; i < 100000; i++ {
		cand := name
		if i > 0 {
			cand = stem + "." + strconv.Itoa(i) + ext
		}
		p := filepath.Join(dir, cand)
		taken, err := exists(p)
		if err == nil && !taken {
			taken, err = exists(p + reasonSuffix)
		}
		if err != nil {
			return "", err
		}
		if !taken {
			return p, nil
		}
	}
	return "", fmt.Errorf("ingest: no free name for %s in %s", name, dir)
}

func exists(p string) (bool, error) {
	_, err := os.Lstat(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// isInside reports whether the real path of p lies inside realRoot.
func isInside(realRoot, p string) (bool, error) {
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return false, err
	}
	rel, err := filepath.Rel(realRoot, real)
	return err == nil && filepath.IsLocal(rel), nil
}

// hashBuffers are hashReader's read buffers, reused: a listing hashes
// thousands of files.
var hashBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// hashFile opens f.Path, makes sure it is still the file described by info
// (not replaced since it was listed), and fills f's Size, ModTime and
// SHA256. ok is false when the file was replaced or written to meanwhile.
func hashFile(ctx context.Context, f *File, info fs.FileInfo) (ok bool, err error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return false, err
	}
	defer func() { err = errors.Join(err, fh.Close()) }()
	st, err := fh.Stat()
	if err != nil {
		return false, err
	}
	if !os.SameFile(info, st) || !st.Mode().IsRegular() {
		return false, nil
	}
	sum, err := hashReader(ctx, fh)
	if err != nil {
		return false, err
	}
	after, err := fh.Stat()
	if err != nil {
		return false, err
	}
	if after.Size() != st.Size() || !after.ModTime().Equal(st.ModTime()) {
		return false, nil // written to while being hashed
	}
	f.Size, f.ModTime, f.SHA256 = st.Size(), st.ModTime(), sum
	return true, nil
}

// hashPath returns the SHA-256 of the file at p.
func hashPath(ctx context.Context, p string) (sum string, err error) {
	fh, err := os.Open(p)
	if err != nil {
		return "", fmt.Errorf("ingest: %w", err)
	}
	defer func() { err = errors.Join(err, fh.Close()) }()
	if sum, err = hashReader(ctx, fh); err != nil {
		return "", fmt.Errorf("ingest: hash %s: %w", filepath.Base(p), err)
	}
	return sum, nil
}

// hashReader streams r through SHA-256, checking ctx between reads.
func hashReader(ctx context.Context, r io.Reader) (string, error) {
	h := sha256.New()
	bp := hashBuffers.Get().(*[]byte)
	defer hashBuffers.Put(bp)
	buf := *bp
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := r.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}
