package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPIIKeySettings(t *testing.T) {
	tests := []struct {
		name, edit, want string // want: "" = valid
	}{
		{"file", "key_env: GRASSROOTS_KEY\n", ""},
		{"pii file", "key_env: GRASSROOTS_KEY\npii_key_file: pii.key\n", ""},
		{"pii env", "key_env: GRASSROOTS_KEY\npii_key_env: GRASSROOTS_PII_KEY\n", ""},
		{"both", "key_env: GRASSROOTS_KEY\npii_key_env: GRASSROOTS_PII_KEY\npii_key_file: pii.key\n",
			`7: pii_key_file: give pii_key_env or pii_key_file, not both`},
		{"same env as person_key", "key_env: GRASSROOTS_KEY\npii_key_env: GRASSROOTS_KEY\n",
			`6: pii_key_env: key_env and pii_key_env both name GRASSROOTS_KEY`},
		{"same file as person_key", "key_file: k.key\npii_key_file: k.key\n",
			`6: pii_key_file: key_file and pii_key_file are the same file`},
		{"bad env name", "key_env: GRASSROOTS_KEY\npii_key_env: not a name\n", `6: pii_key_env`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(edit(t, "key_env: GRASSROOTS_KEY\n", tt.edit)), "grassroots.yaml")
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("rejected: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), "grassroots.yaml:"+tt.want)):
				t.Fatalf("error %v, want one containing %q", err, tt.want)
			case tt.want != "" && !errors.Is(err, ErrConfig):
				t.Fatalf("error %v does not wrap ErrConfig", err)
			}
		})
	}
}

func TestPIIKey(t *testing.T) {
	dir := t.TempDir()
	pii := filepath.Join(dir, "pii.key")
	if err := os.WriteFile(pii, []byte(" pii-secret-0123456789abcdef\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	setenv(t, "GR_TEST_KEY", ptr(goodSecret))
	c := &Config{KeyEnv: "GR_TEST_KEY", PIIKeyFile: pii}
	got, err := c.PIIKey()
	assertSecret(t, got, err, "pii-secret-0123456789abcdef", "", nil)

	// Group-readable: refused, naming the setting.
	if err := os.Chmod(pii, 0o640); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PIIKey(); err == nil || !strings.Contains(err.Error(), "pii_key_file "+pii+" has mode 0640") || !errors.Is(err, ErrSecret) {
		t.Errorf("mode 0640: %v", err)
	}

	// The person_key secret is not a personal-data key.
	setenv(t, "GR_TEST_PII", ptr(goodSecret))
	c = &Config{KeyEnv: "GR_TEST_KEY", PIIKeyEnv: "GR_TEST_PII"}
	if _, err := c.PIIKey(); err == nil || !strings.Contains(err.Error(), "pii_key_env holds the same secret as the person_key secret") {
		t.Errorf("same secret: %v", err)
	}
	setenv(t, "GR_TEST_PII", nil)
	if _, err := c.PIIKey(); err == nil || !strings.Contains(err.Error(), "GR_TEST_PII (pii_key_env) is not set") {
		t.Errorf("unset variable: %v", err)
	}

	// Neither setting: a clear refusal naming both.
	c = &Config{KeyEnv: "GR_TEST_KEY"}
	_, err = c.PIIKey()
	if !errors.Is(err, ErrNoPIIKey) || !errors.Is(err, ErrConfig) || !strings.Contains(err.Error(), "neither pii_key_file nor pii_key_env is set") {
		t.Errorf("no key: %v", err)
	}
}

func TestNewPIIKey(t *testing.T) {
	dir := t.TempDir()
	cur, next := filepath.Join(dir, "pii.key"), filepath.Join(dir, "new.key")
	if err := os.WriteFile(cur, []byte("pii-secret-0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(next, []byte("pii-secret-0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	setenv(t, "GR_TEST_KEY", ptr(goodSecret))
	c := &Config{KeyEnv: "GR_TEST_KEY", PIIKeyFile: cur}
	if _, err := c.NewPIIKey(next, "", "--new-key"); err == nil || !strings.Contains(err.Error(), "is the current one") {
		t.Errorf("the same key again: %v", err)
	}
	if _, err := c.NewPIIKey("", "", "--new-key"); err == nil || !strings.Contains(err.Error(), "--new-key-file or --new-key-env") {
		t.Errorf("no flag: %v", err)
	}
	if err := os.WriteFile(next, []byte("another-secret-0123456789abcdef"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := c.NewPIIKey(next, "", "--new-key")
	assertSecret(t, got, err, "another-secret-0123456789abcdef", "", nil)
}
