package transform

import (
	"context"
	"fmt"
)

// Empty reports that the file has no bytes at all: one warning finding
// empty_file naming it. Nothing of it is read; the caller goes on with the
// county's other files.
func (f *File) Empty(ctx context.Context) error {
	return f.n.finding(ctx, 0, finding{code: "empty_file", severity: "warning",
		detail: fmt.Sprintf("%s: the file is empty (0 bytes); nothing was read", f.uri)})
}

// HasRecordType reports whether the file was read as some record type: its
// name gives one, or one of its sheets had one. A file of which every sheet
// was skipped (unknown_record_type) is not: the caller does not remember it
// as seen, so that renamed, it is read again.
func (f *File) HasRecordType() bool { return f.fileType != "" || len(f.types) > 0 }
