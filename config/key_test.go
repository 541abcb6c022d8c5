package config

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

const (
	goodSecret  = "0123456789abcdef0123456789abcdef" // 32 bytes
	shortSecret = "tooShort-15byte"                  // 15 bytes
)

func TestKeyFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		value   *string // nil: unset
		want    string
		wantErr string
	}{
		{name: "set", value: ptr(goodSecret), want: goodSecret},
		{name: "trimmed", value: ptr("  " + goodSecret + "\n"), want: goodSecret},
		{name: "exactly 16 bytes", value: ptr("0123456789abcdef"), want: "0123456789abcdef"},
		{name: "16 bytes of UTF-8", value: ptr("太原市娄烦县x"), want: "太原市娄烦县x"}, // 5×3+1
		{name: "unset", wantErr: "config: secret unavailable: environment variable GR_TEST_KEY (key_env) is not set"},
		{name: "empty", value: ptr(""), wantErr: "config: secret unavailable: environment variable GR_TEST_KEY (key_env) is empty"},
		{name: "blank", value: ptr(" \t "), wantErr: "config: secret unavailable: environment variable GR_TEST_KEY (key_env) is empty"},
		{name: "short", value: ptr(shortSecret), wantErr: "config: secret unavailable: environment variable GR_TEST_KEY (key_env) is shorter than 16 bytes; use a random secret such as the output of openssl rand -hex 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			setenv(t, "GR_TEST_KEY", tt.value)
			c := &Config{KeyEnv: "GR_TEST_KEY"}
			got, err := c.Key()
			assertSecret(t, got, err, tt.want, tt.wantErr, tt.value)
		})
	}
}

func TestExportKey(t *testing.T) {
	c := &Config{KeyEnv: "GR_TEST_KEY", Export: Export{KeyEnv: "GR_TEST_EXPORT_KEY"}}
	setenv(t, "GR_TEST_KEY", ptr(goodSecret))
	setenv(t, "GR_TEST_EXPORT_KEY", ptr("export-secret-0123456789"))
	got, err := c.ExportKey()
	assertSecret(t, got, err, "export-secret-0123456789", "", nil)

	setenv(t, "GR_TEST_EXPORT_KEY", ptr(shortSecret))
	got, err = c.ExportKey()
	assertSecret(t, got, err, "", "config: secret unavailable: environment variable GR_TEST_EXPORT_KEY (export.key_env) is shorter than 16 bytes; use a random secret such as the output of openssl rand -hex 32", ptr(shortSecret))
}

func TestKeyFromFile(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix mode bits on Windows")
	}
	dir := t.TempDir()
	tests := []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
		wantErr string // %s is the file's path
	}{
		{name: "0600", content: goodSecret + "\n", mode: 0o600, want: goodSecret},
		{name: "0400", content: "\r\n  " + goodSecret + "  \r\n", mode: 0o400, want: goodSecret},
		{name: "0644", content: goodSecret, mode: 0o644,
			wantErr: "config: secret unavailable: key_file %s has mode 0644: group and others must have no access; run chmod 600 %s"},
		{name: "0640", content: goodSecret, mode: 0o640,
			wantErr: "config: secret unavailable: key_file %s has mode 0640: group and others must have no access; run chmod 600 %s"},
		{name: "0602", content: goodSecret, mode: 0o602,
			wantErr: "config: secret unavailable: key_file %s has mode 0602: group and others must have no access; run chmod 600 %s"},
		{name: "short", content: shortSecret + "\n", mode: 0o600,
			wantErr: "config: secret unavailable: key_file %s is shorter than 16 bytes; use a random secret such as the output of openssl rand -hex 32"},
		{name: "empty", content: "\n", mode: 0o600,
			wantErr: "config: secret unavailable: key_file %s is empty"},
		{name: "too large", content: strings.Repeat("k", 4097), mode: 0o600,
			wantErr: "config: secret unavailable: key_file %s is larger than 4096 bytes; it must hold one secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name+".key")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tt.mode); err != nil { // WriteFile's mode is subject to umask
				t.Fatal(err)
			}
			c := &Config{KeyFile: path}
			got, err := c.Key()
			wantErr := strings.ReplaceAll(tt.wantErr, "%s", path)
			assertSecret(t, got, err, tt.want, wantErr, ptr(strings.TrimSpace(tt.content)))
		})
	}

	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "missing.key")
		_, err := (&Config{KeyFile: path}).Key()
		want := "config: secret unavailable: key_file: open " + path + ": no such file or directory"
		if err == nil || err.Error() != want || !errors.Is(err, fs.ErrNotExist) || !errors.Is(err, ErrSecret) {
			t.Errorf("error = %v, want %s wrapping fs.ErrNotExist and ErrSecret", err, want)
		}
	})
	t.Run("folder", func(t *testing.T) {
		sub := filepath.Join(dir, "sub")
		if err := os.Mkdir(sub, 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := (&Config{KeyFile: sub}).Key()
		if want := "config: secret unavailable: key_file " + sub + " is not a regular file"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
	t.Run("neither", func(t *testing.T) {
		_, err := (&Config{}).Key()
		if want := "config: secret unavailable: neither key_env nor key_file is set"; err == nil || err.Error() != want {
			t.Errorf("error = %v, want %s", err, want)
		}
	})
}

// TestKeyFromLoadedConfig goes from a file on disk to the secret, with key_file
// relative to the configuration's folder.
func TestKeyFromLoadedConfig(t *testing.T) {
	dir := t.TempDir()
	data := edit(t, "key_env: GRASSROOTS_KEY", "key_file: person.key")
	if err := os.WriteFile(filepath.Join(dir, "grassroots.yaml"), []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "person.key"), []byte(goodSecret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(filepath.Join(dir, "grassroots.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.Key()
	assertSecret(t, got, err, goodSecret, "", nil)
}

// assertSecret checks Key's result: the secret, or an error with the exact message that
// wraps ErrSecret and ErrConfig and never contains the secret.
func assertSecret(t *testing.T, got []byte, err error, want, wantErr string, secret *string) {
	t.Helper()
	if wantErr == "" {
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Fatalf("Key() = %q, %v; want %q", got, err, want)
		}
		return
	}
	if err == nil || err.Error() != wantErr {
		t.Fatalf("Key() error = %v\nwant %s", err, wantErr)
	}
	if got != nil {
		t.Errorf("Key() returned %q with an error", got)
	}
	if !errors.Is(err, ErrSecret) || !errors.Is(err, ErrConfig) {
		t.Errorf("error does not wrap ErrSecret and ErrConfig")
	}
	if secret != nil && strings.TrimSpace(*secret) != "" && strings.Contains(err.Error(), strings.TrimSpace(*secret)) {
		t.Errorf("error contains the secret")
	}
}

func ptr(s string) *string { return &s }

// setenv sets (or, for nil, unsets) an environment variable for the test.
func setenv(t *testing.T, name string, value *string) {
	t.Helper()
	t.Setenv(name, "") // restores the old value after the test
	if value == nil {
		os.Unsetenv(name)
		return
	}
	os.Setenv(name, *value)
}

// TestExportKeyFile: export.key_file names the export secret instead of an
// environment variable; not together with export.key_env, and not the
// person_key file.
func TestExportKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "grassroots.yaml")
	write := func(export string) (*Config, error) {
		t.Helper()
		if err := os.WriteFile(path, []byte(base+"export: "+export+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		return Load(path)
	}
	c, err := write("{key_file: export.key, k: 3}")
	if err != nil {
		t.Fatal(err)
	}
	if c.Export.KeyFile != filepath.Join(dir, "export.key") || c.Export.KeyEnv != "" || c.Export.K != 3 {
		t.Fatalf("export %+v", c.Export)
	}
	if err := os.WriteFile(filepath.Join(dir, "export.key"), []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if k, err := c.ExportKey(); err != nil || string(k) != "0123456789abcdef0123" {
		t.Fatalf("ExportKey = %q, %v", k, err)
	}
	if _, err := write("{key_file: export.key, key_env: X_KEY}"); err == nil || !strings.Contains(err.Error(), "not both") {
		t.Errorf("key_file with key_env: %v", err)
	}
}
