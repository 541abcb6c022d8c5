package ingest

import (
	"context"
	"time"
)

// A Source offers the files of one county (or the city's divisions list) to
// a load. Two implement it: FolderSource, a drop folder (`kind: dir` in the
// configuration), and HTTPSource, a county reached over HTTP (`kind: http`).
//
// The contract both honour, held by the conformance suite
// (source_conformance_test.go):
//
//   - List offers what the source holds now, each file with its SHA-256 and
//     a URI that names it within the source (recorded as source_uri), in a
//     stable order; files it refuses are returned in skipped with a Reason
//     constant, and files not yet ready (still being written) are only
//     counted in unsettled. A source that holds nothing offers nothing
//     without an error. Which files were loaded before is not the source's
//     concern: the caller leaves out the SHA-256 it has seen.
//   - After a load committed, the caller calls Done for each file it loaded;
//     after it failed, Failed for the file that failed, with a reason that
//     holds no personal data. Their errors are for logging only: the load
//     stands or fails as it did.
//   - When List fails, it offers nothing but the error.
type Source interface {
	List(ctx context.Context, now time.Time) (files []File, skipped []Skipped, unsettled int, err error)
	Done(ctx context.Context, f File) error
	Failed(ctx context.Context, f File, reason string) error
}

// A StatefulSource is a Source that remembers something between pulls (an
// HTTPSource's cursor and validators). The state of a pull is stored with
// its load and only if the load commits, so a stateful source goes through a
// load even when it offers nothing new; a load that fails keeps the previous
// state, and the next pull asks again for what it held.
type StatefulSource interface {
	Source
	// NewState is the state to store once the load of the last List
	// commits; before a successful List it is the previous state.
	NewState() HTTPState
	// Partial reports whether a pull holds changed records only (an
	// incremental API pull): a person missing from its ledger has not left.
	Partial() bool
	// Close releases what the source still holds (downloaded files); the
	// caller calls it once the load is over, committed or not.
	Close() error
}

var (
	_ Source         = (*FolderSource)(nil)
	_ StatefulSource = (*HTTPSource)(nil)
)

// File is one file offered by a source.
type File struct {
	Path    string    // absolute local path (the reader opens it)
	URI     string    // recorded as source_uri: for a FolderSource the slash-separated path relative to its folder, e.g. "人员台账.csv" or "sub/ledger.csv"; for an HTTPSource its URL, password redacted (in mode api with its record_type)
	Name    string    // base name
	Size    int64     // bytes
	ModTime time.Time // last modification
	SHA256  string    // lower-case hex of the content
	Format  Format    // from the extension
}

// Skipped is a file a source refused to offer, with the reason, so that the
// caller can report it.
type Skipped struct {
	URI    string
	Reason string
}

// Reasons in Skipped.
const (
	ReasonSymlink     = "symbolic link"
	ReasonOutside     = "outside the source folder"
	ReasonNotRegular  = "not a regular file"
	ReasonUnsupported = "unsupported format"
	ReasonUnreadable  = "permission denied"
)
