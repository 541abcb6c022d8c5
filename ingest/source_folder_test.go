package ingest

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// tree writes files (relative path -> content) under dir, all modified at mod.
func tree(t *testing.T, dir string, mod time.Time, files map[string]string) {
	t.Helper()
	for rel, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mod, mod); err != nil {
			t.Fatal(err)
		}
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
}

func uris(files []File) []string {
	var out []string
	for _, f := range files {
		out = append(out, f.URI)
	}
	return out
}

const (
	sha256ABC   = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" // FIPS 180-2 example
	sha256Empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)

func TestFolderSourceList(t *testing.T) {
	now := time.Now()
	old := now.Add(-time.Hour).Truncate(time.Second)
	dir, outside := t.TempDir(), t.TempDir()
	tree(t, dir, old, map[string]string{
		"人员台账.csv":          "abc",
		"sub/ledger.xlsx":   "x",
		"sub/archive/a.csv": "",
		"roles.json":        "[]",
		".hidden.csv":       "h",
		".git/x.csv":        "h",
		"~$台账.xlsx":         "lock",
		"archive/old.csv":   "a",
		"failed/bad.csv":    "b",
		"notes.docx":        "d",
	})
	tree(t, dir, now.Add(-time.Second), map[string]string{"fresh.csv": "f"})
	tree(t, outside, old, map[string]string{"secret.csv": "s", "d/x.csv": "x"})
	symlink(t, filepath.Join(dir, "人员台账.csv"), filepath.Join(dir, "link.csv"))
	symlink(t, filepath.Join(outside, "secret.csv"), filepath.Join(dir, "outside.csv"))
	symlink(t, filepath.Join(outside, "d"), filepath.Join(dir, "linkdir"))

	src := &FolderSource{Path: dir, Settle: 10 * time.Second}
	files, skipped, unsettled, err := src.List(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"roles.json", "sub/archive/a.csv", "sub/ledger.xlsx", "人员台账.csv"}; !reflect.DeepEqual(uris(files), want) {
		t.Errorf("files %q, want %q", uris(files), want)
	}
	wantSkipped := []Skipped{
		{"link.csv", ReasonSymlink},
		{"linkdir", ReasonSymlink},
		{"notes.docx", ReasonUnsupported},
		{"outside.csv", ReasonSymlink},
	}
	if !reflect.DeepEqual(skipped, wantSkipped) {
		t.Errorf("skipped %q, want %q", skipped, wantSkipped)
	}
	if unsettled != 1 {
		t.Errorf("unsettled %d, want 1", unsettled)
	}
	wantFile := File{
		Path: filepath.Join(dir, "人员台账.csv"), URI: "人员台账.csv", Name: "人员台账.csv",
		Size: 3, ModTime: old, SHA256: sha256ABC, Format: FormatCSV,
	}
	if len(files) == 4 {
		got := files[3]
		if !got.ModTime.Equal(wantFile.ModTime) {
			t.Errorf("ModTime %v, want %v", got.ModTime, wantFile.ModTime)
		}
		got.ModTime = wantFile.ModTime
		if got != wantFile {
			t.Errorf("got  %+v\nwant %+v", got, wantFile)
		}
		if files[1].SHA256 != sha256Empty || files[2].Format != FormatXLSX || files[2].Name != "ledger.xlsx" {
			t.Errorf("sub files: %+v", files[1:3])
		}
	}
}

func TestFolderSourcePatternAndSettle(t *testing.T) {
	now := time.Now().Truncate(time.Second)
	dir := t.TempDir()
	tree(t, dir, now.Add(-10*time.Second), map[string]string{"人员台账.csv": "a", "任职记录.xlsx": "b", "notes.docx": "c"})
	tree(t, dir, now.Add(-9*time.Second), map[string]string{"年度考核.xlsx": "d"})
	tests := []struct {
		pattern   string
		settle    time.Duration
		want      []string
		skipped   int
		unsettled int
	}{
		{"", 0, []string{"人员台账.csv", "任职记录.xlsx", "年度考核.xlsx"}, 1, 0},
		{"*.xlsx", 0, []string{"任职记录.xlsx", "年度考核.xlsx"}, 0, 0},
		{"人员台账*", 0, []string{"人员台账.csv"}, 0, 0},
		{"*.docx", 0, nil, 1, 0},
		// A file modified exactly Settle ago has settled; a second later not.
		{"*.xlsx", 10 * time.Second, []string{"任职记录.xlsx"}, 0, 1},
	}
	for _, tt := range tests {
		src := &FolderSource{Path: dir, Pattern: tt.pattern, Settle: tt.settle}
		files, skipped, unsettled, err := src.List(context.Background(), now)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(uris(files), tt.want) || len(skipped) != tt.skipped || unsettled != tt.unsettled {
			t.Errorf("pattern %q settle %v: got %q, %d skipped, %d unsettled; want %q, %d, %d",
				tt.pattern, tt.settle, uris(files), len(skipped), unsettled, tt.want, tt.skipped, tt.unsettled)
		}
	}
	if _, _, _, err := (&FolderSource{Path: dir, Pattern: "[x"}).List(context.Background(), now); err == nil {
		t.Error("a malformed pattern was accepted")
	}
}

func TestFolderSourceListErrors(t *testing.T) {
	if _, _, _, err := (&FolderSource{Path: filepath.Join(t.TempDir(), "none")}).List(context.Background(), time.Now()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing folder: got %v, want ErrNotExist", err)
	}
	dir := t.TempDir()
	tree(t, dir, time.Now().Add(-time.Hour), map[string]string{"a.csv": "a"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := (&FolderSource{Path: dir}).List(ctx, time.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: got %v, want context.Canceled", err)
	}
}

// TestFolderSourceLinkedFolder: the folder itself may be a symbolic link.
func TestFolderSourceLinkedFolder(t *testing.T) {
	real := t.TempDir()
	tree(t, real, time.Now().Add(-time.Hour), map[string]string{"a.csv": "abc"})
	link := filepath.Join(t.TempDir(), "feeds")
	symlink(t, real, link)
	files, skipped, _, err := (&FolderSource{Path: link}).List(context.Background(), time.Now())
	if err != nil || len(files) != 1 || len(skipped) != 0 || files[0].SHA256 != sha256ABC || files[0].Path != filepath.Join(link, "a.csv") {
		t.Errorf("got %+v, %v, %v", files, skipped, err)
	}
}

func TestIsInside(t *testing.T) {
	root, other := t.TempDir(), t.TempDir()
	tree(t, root, time.Now(), map[string]string{"a.csv": ""})
	tree(t, other, time.Now(), map[string]string{"b.csv": ""})
	symlink(t, other, filepath.Join(root, "out"))
	realRoot, _ := filepath.EvalSymlinks(root)
	for _, tt := range []struct {
		p    string
		want bool
	}{
		{filepath.Join(root, "a.csv"), true},
		{filepath.Join(root, "out", "b.csv"), false},
	} {
		if got, err := isInside(realRoot, tt.p); err != nil || got != tt.want {
			t.Errorf("isInside(%s) = %v, %v; want %v", tt.p, got, err, tt.want)
		}
	}
}

func TestFolderSourceUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	tree(t, dir, time.Now().Add(-time.Hour), map[string]string{"a.csv": "a", "b.csv": "b"})
	if err := os.Chmod(filepath.Join(dir, "a.csv"), 0); err != nil {
		t.Fatal(err)
	}
	files, skipped, _, err := (&FolderSource{Path: dir}).List(context.Background(), time.Now())
	if err != nil || !reflect.DeepEqual(uris(files), []string{"b.csv"}) || !reflect.DeepEqual(skipped, []Skipped{{"a.csv", ReasonUnreadable}}) {
		t.Errorf("got %q, %q, %v", uris(files), skipped, err)
	}
}

// listOne lists dir and returns the file with the given URI.
func listOne(t *testing.T, src *FolderSource, uri string) File {
	t.Helper()
	files, _, _, err := src.List(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.URI == uri {
			return f
		}
	}
	t.Fatalf("%s not listed in %q", uri, uris(files))
	return File{}
}

func readString(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestFolderSourceArchive(t *testing.T) {
	ctx := context.Background()
	old := time.Now().Add(-time.Hour)
	dir := t.TempDir()
	src := &FolderSource{Path: dir, Archive: true}

	// Done moves to archive/, keeping sub-folders; a clash gets a suffix.
	for i, content := range []string{"first", "second"} {
		tree(t, dir, old, map[string]string{"人员台账.csv": content, "sub/roles.json": content})
		for _, uri := range []string{"人员台账.csv", "sub/roles.json"} {
			if err := src.Done(ctx, listOne(t, src, uri)); err != nil {
				t.Fatalf("round %d, %s: %v", i, uri, err)
			}
		}
	}
	for p, want := range map[string]string{
		"archive/人员台账.csv":         "first",
		"archive/人员台账.1.csv":       "second",
		"archive/sub/roles.json":   "first",
		"archive/sub/roles.1.json": "second",
	} {
		if got := readString(t, filepath.Join(dir, p)); got != want {
			t.Errorf("%s holds %q, want %q", p, got, want)
		}
	}
	if files, _, _, _ := src.List(ctx, time.Now()); len(files) != 0 {
		t.Errorf("archived files listed again: %q", uris(files))
	}

	// Failed moves to failed/ with the reason beside it.
	for _, content := range []string{"one", "two"} {
		tree(t, dir, old, map[string]string{"bad.json": content})
		if err := src.Failed(ctx, listOne(t, src, "bad.json"), "bad.json: row 2: ingest: syntax error"); err != nil {
			t.Fatal(err)
		}
	}
	for p, want := range map[string]string{
		"failed/bad.json":              "one",
		"failed/bad.json.reason.txt":   "bad.json: row 2: ingest: syntax error\n",
		"failed/bad.1.json":            "two",
		"failed/bad.1.json.reason.txt": "bad.json: row 2: ingest: syntax error\n",
	} {
		if got := readString(t, filepath.Join(dir, p)); got != want {
			t.Errorf("%s holds %q, want %q", p, got, want)
		}
	}

	// A file changed since it was listed stays where it is.
	tree(t, dir, old, map[string]string{"ledger.csv": "listed"})
	f := listOne(t, src, "ledger.csv")
	tree(t, dir, old, map[string]string{"ledger.csv": "rewritten"})
	if err := src.Done(ctx, f); !errors.Is(err, ErrChanged) {
		t.Errorf("Done on a changed file: got %v, want ErrChanged", err)
	}
	if err := src.Failed(ctx, f, "x"); !errors.Is(err, ErrChanged) {
		t.Errorf("Failed on a changed file: got %v, want ErrChanged", err)
	}
	if got := readString(t, filepath.Join(dir, "ledger.csv")); got != "rewritten" {
		t.Errorf("changed file holds %q", got)
	}

	// A URI that leaves the folder is refused.
	if err := src.Done(ctx, File{URI: "../x.csv"}); err == nil {
		t.Error("Done accepted ../x.csv")
	}
}

func TestFolderSourceNoArchive(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	tree(t, dir, time.Now().Add(-time.Hour), map[string]string{"a.csv": "a", "b.csv": "b"})
	src := &FolderSource{Path: dir}
	if err := src.Done(ctx, listOne(t, src, "a.csv")); err != nil {
		t.Fatal(err)
	}
	if err := src.Failed(ctx, listOne(t, src, "b.csv"), "why"); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 2 {
		t.Errorf("without Archive the folder changed: %v", entries)
	}
}
