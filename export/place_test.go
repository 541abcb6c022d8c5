package export

import (
	"errors"
	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"os"
	"path/filepath"
	"testing"
)

// mkRelease makes a folder holding one file with the given content.
func mkRelease(t *testing.T, dir, content string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestFile), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func content(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ManifestFile))
	if err != nil {
		return "(none: " + err.Error() + ")"
	}
	return string(b)
}

// TestRenameNoReplace: a release that appeared while another was being
// built is not replaced, not even an empty folder (which os.Rename would).
func TestRenameNoReplace(t *testing.T) {
	for _, tc := range []struct {
		name     string
		existing string // "" = no folder, "empty" = an empty folder, else a release
		wantErr  error
		want     string
	}{
		{"free", "", nil, "new"},
		{"empty folder", "empty", os.ErrExist, "(none"},
		{"release", "old", os.ErrExist, "old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := t.TempDir()
			src, dst := filepath.Join(out, ".r.tmp-1"), filepath.Join(out, "r")
			mkRelease(t, src, "new")
			switch tc.existing {
			case "":
			case "empty":
				os.Mkdir(dst, 0o755)
			default:
				mkRelease(t, dst, tc.existing)
			}
			err := atomicfs.RenameNoReplace(src, dst)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if got := content(t, dst); got[:min(len(got), len(tc.want))] != tc.want {
				t.Errorf("destination holds %q, want %q", got, tc.want)
			}
			if tc.wantErr != nil && content(t, src) != "new" {
				t.Error("the new release was lost")
			}
		})
	}
}

// TestSwapInto: the new release takes the old one's place and the old one
// ends where the new one was built (to be removed with it).
func TestSwapInto(t *testing.T) {
	out := t.TempDir()
	src, dst := filepath.Join(out, ".r.tmp-1"), filepath.Join(out, "r")
	mkRelease(t, src, "new")
	mkRelease(t, dst, "old")
	if err := atomicfs.SwapInto(src, dst); err != nil {
		t.Fatal(err)
	}
	if got := content(t, dst); got != "new" {
		t.Errorf("destination holds %q", got)
	}
	if got := content(t, src); got != "old" {
		t.Errorf("the old release is not at the temporary path: %q", got)
	}
	// Nothing there yet: a plain rename.
	src2 := filepath.Join(out, ".s.tmp-1")
	mkRelease(t, src2, "first")
	if err := atomicfs.SwapInto(src2, filepath.Join(out, "s")); err != nil {
		t.Fatal(err)
	}
	if got := content(t, filepath.Join(out, "s")); got != "first" {
		t.Errorf("s holds %q", got)
	}
}
