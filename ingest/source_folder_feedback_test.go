package ingest

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// The feedback workbooks the pipeline writes into feedback/ of a county's
// drop folder are never read back as input, nor refused; a file in a
// sub-folder of another name, and one named feedback that is not a folder,
// still are.
func TestFolderSourceSkipsFeedback(t *testing.T) {
	now := time.Now()
	old := now.Add(-time.Hour).Truncate(time.Second)
	dir := t.TempDir()
	tree(t, dir, old, map[string]string{
		"人员台账.csv":                             "a",
		"feedback/问题清单_140123_20260101.xlsx":   "x",
		"feedback/问题清单_140123_20260101_2.xlsx": "y",
		"feedback/notes.docx":                  "d",
		"sub/feedback/人员台账.csv":                "b",
	})
	files, skipped, _, err := (&FolderSource{Path: dir}).List(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"sub/feedback/人员台账.csv", "人员台账.csv"}; !reflect.DeepEqual(uris(files), want) {
		t.Errorf("files %q, want %q", uris(files), want)
	}
	if len(skipped) != 0 {
		t.Errorf("refused %v, want nothing (feedback/ is not looked into)", skipped)
	}
}
