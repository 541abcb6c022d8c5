package main

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/internal/piitest"
)

// storedPII reads every personal value of pii_person and pii_person_history,
// decrypted with the secret, keyed by table, row and column.
func storedPII(t *testing.T, path string, secret []byte) (map[string]string, error) {
	t.Helper()
	c, err := piicrypt.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return piitest.Stored(t, path, c)
}

func readSecret(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.TrimSpace(string(b)))
}

func TestRekeyCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	dir := t.TempDir()
	if code, out, errs := grassroots(t, "generate", "--out", dir); code != exitOK {
		t.Fatalf("generate exit %d\n%s\n%s", code, out, errs)
	}
	cfg := filepath.Join(dir, "grassroots.yaml")
	if code, out, errs := grassroots(t, "run", "--config", cfg); code != exitOK {
		t.Fatalf("run exit %d\n%s\n%s", code, out, errs)
	}
	wh := filepath.Join(dir, "data", "warehouse.duckdb")
	oldSecret := readSecret(t, filepath.Join(dir, "pii.key"))
	before, err := storedPII(t, wh, oldSecret)
	if err != nil {
		t.Fatal(err)
	}
	if len(before) < 3000 {
		t.Fatalf("only %d personal values loaded", len(before))
	}

	newKey := filepath.Join(dir, "new-pii.key")
	newSecret := []byte("a-new-personal-data-key-0123456789abcdef")
	// A key file others may read is refused, naming the flag; nothing changes.
	if err := os.WriteFile(newKey, newSecret, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(newKey, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errs := grassroots(t, "rekey", "--config", cfg, "--new-key-file", newKey); code != exitUsage || !strings.Contains(errs, "--new-key-file") {
		t.Fatalf("rekey with a mode 0644 key: exit %d %s", code, errs)
	}
	if err := os.Chmod(newKey, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errs := grassroots(t, "rekey", "--config", cfg, "--new-key-file", newKey)
	if code != exitOK || !strings.Contains(out, "pii_key_file: "+newKey) {
		t.Fatalf("rekey exit %d\n%s\n%s", code, out, errs)
	}

	after, err := storedPII(t, wh, newSecret)
	if err != nil {
		t.Fatalf("decrypting with the new key: %v", err)
	}
	if len(after) != len(before) {
		t.Fatalf("%d values after rekey, %d before", len(after), len(before))
	}
	for k, v := range before {
		if after[k] != v {
			t.Fatalf("%s changed in the rekey", k)
		}
	}
	if _, err := storedPII(t, wh, oldSecret); !errors.Is(err, piicrypt.ErrOpen) {
		t.Errorf("the old key still decrypts: %v", err)
	}
	// The configuration still names the old key: the run is refused, naming it.
	code, _, errs = grassroots(t, "run", "--config", cfg)
	if code != exitFailed || !strings.Contains(errs, "pii_key_file") {
		t.Errorf("run with the old key: exit %d %s", code, errs)
	}
	// With the new key named, the city reloads unchanged.
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "pii_key_file: pii.key", "pii_key_file: new-pii.key", 1)
	if edited == string(b) {
		t.Fatal("the generated configuration has no pii_key_file: pii.key line")
	}
	if err := os.WriteFile(cfg, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := grassroots(t, "run", "--config", cfg); code != exitOK {
		t.Errorf("run with the new key: exit %d\n%s\n%s", code, out, errs)
	}
}
