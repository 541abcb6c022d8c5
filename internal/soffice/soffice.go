// Package soffice converts workbooks with LibreOffice for tests: an .xlsx
// written with excelize becomes the .xls (Excel 97–2003) a county office
// would send. LibreOffice (Debian's libreoffice-calc-nogui) must be
// installed; without it a test is skipped, except in CI (the CI variable
// set), where it fails.
package soffice

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Binary returns the path of soffice, skipping the test (failing it in CI)
// when LibreOffice is not installed.
func Binary(t testing.TB) string {
	t.Helper()
	for _, name := range []string{"soffice", "libreoffice"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("soffice not found: CI must install libreoffice-calc-nogui (.ci/run)")
	}
	t.Skip("soffice not found: install libreoffice-calc-nogui to run the .xls tests")
	return ""
}

// ToXLS converts the workbook at src to Excel 97–2003 (.xls) in dir and
// returns the new file's path. Each call uses a private LibreOffice profile,
// so that parallel tests do not share one.
func ToXLS(t testing.TB, src, dir string) string {
	t.Helper()
	bin := Binary(t)
	profile := t.TempDir()
	cmd := exec.Command(bin, "--headless", "--norestore", "-env:UserInstallation=file://"+filepath.ToSlash(profile),
		"--convert-to", "xls", "--outdir", dir, src)
	cmd.Env = append(os.Environ(), "HOME="+profile)
	out, err := cmd.CombinedOutput()
	dst := filepath.Join(dir, strings.TrimSuffix(filepath.Base(src), filepath.Ext(src))+".xls")
	if err != nil {
		t.Fatalf("soffice --convert-to xls %s: %v\n%s", filepath.Base(src), err, out)
	}
	if st, err := os.Stat(dst); err != nil || st.Size() == 0 {
		t.Fatalf("soffice made no %s: %v\n%s", filepath.Base(dst), err, out)
	}
	return dst
}
