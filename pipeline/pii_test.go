package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
	"github.com/grassroots-cn/grassroots/internal/piitest"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// fixturePIISecret is the fixture's pii_key_file content.
const fixturePIISecret = "fixture-pii-secret-fedcba9876543210"

// piiCipher is the cipher of cfg's personal-data key.
func piiCipher(t *testing.T, cfg *config.Config) *piicrypt.Cipher {
	t.Helper()
	secret, err := cfg.PIIKey()
	if err != nil {
		t.Fatal(err)
	}
	c, err := piicrypt.New(secret)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// sealed is s as the warehouse stores it under cfg's key.
func sealed(t *testing.T, cfg *config.Config, s string) string {
	t.Helper()
	return piiCipher(t, cfg).Seal(s)
}

// opened decrypts a stored value with cfg's key.
func opened(t *testing.T, cfg *config.Config, s string) string {
	t.Helper()
	p, err := piiCipher(t, cfg).Open(s)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// needles are the fixture's names, ID numbers and phones in UTF-8 and GB18030.
func needles(t *testing.T) [][]byte {
	t.Helper()
	var out [][]byte
	for _, p := range []person{zhang, li, wang} {
		for _, s := range []string{p.name, p.id, p.phone} {
			gb, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, []byte(s), gb)
		}
	}
	return out
}

// scanFiles fails the test if any file under dir holds a needle.
func scanFiles(t *testing.T, dir string, needles [][]byte) (scanned []string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		scanned = append(scanned, filepath.Base(path))
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s holds a fixture's personal value (%d bytes)", path, len(n))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return scanned
}

func TestWarehouseFilesHoldNoPlaintextPII(t *testing.T) {
	cfg := fixture(t)
	ctx := context.Background()
	r := &Runner{Config: cfg}
	w, err := r.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.RunOn(ctx, w, nil); err != nil {
		t.Fatal(err)
	}
	// A change after the run's checkpoint stays in the WAL while open.
	ledger := xiaodianLedger()
	ledger[1][3] = "13900000000" // 李四's new phone
	writeXiaodian(t, cfg.Dir, ledger)
	if _, err := r.RunOn(ctx, w, []string{"140105"}); err != nil {
		t.Fatal(err)
	}
	ns := append(needles(t), []byte("13900000000"))
	open := scanFiles(t, filepath.Dir(cfg.Warehouse), ns)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	closed := scanFiles(t, filepath.Dir(cfg.Warehouse), ns)
	if !strings.Contains(strings.Join(append(open, closed...), " "), "warehouse.duckdb") {
		t.Fatalf("the warehouse file was not scanned: %v %v", open, closed)
	}
	// The stored values decrypt to the fixture's.
	withWarehouse(t, cfg, func(db *sql.DB) {
		got := map[string]person{}
		rows, err := db.Query("SELECT name, id_number, coalesce(phone, '') FROM pii_person")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var n, id, p string
			if err := rows.Scan(&n, &id, &p); err != nil {
				t.Fatal(err)
			}
			pp := person{opened(t, cfg, n), opened(t, cfg, id), ""}
			if p != "" {
				pp.phone = opened(t, cfg, p)
			}
			got[pp.id] = pp
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if got[li.id].name != li.name || got[wang.id].name != wang.name || got[li.id].phone != "13900000000" || got[zhang.id].phone != zhang.phone {
			t.Errorf("decrypted persons %v", got)
		}
	})
	// The snapshot has no private table, the key check included.
	pub := openRO(t, cfg.Published)
	if n := scalar[int](t, pub, "SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'pii%'"); n != 0 {
		t.Errorf("the published snapshot has %d pii tables", n)
	}
}

func fileSum(t *testing.T, path string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func TestWrongPIIKeyRefused(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	before := fileSum(t, cfg.Warehouse)
	must(t, os.WriteFile(cfg.PIIKeyFile, []byte("another-pii-secret-0123456789abcdef"), 0o600))
	_, err := (&Runner{Config: cfg}).Run(context.Background(), nil)
	if !errors.Is(err, warehouse.ErrPIIKey) || !strings.Contains(err.Error(), "pii_key_file") {
		t.Fatalf("run with another key: %v, want ErrPIIKey naming pii_key_file", err)
	}
	if fileSum(t, cfg.Warehouse) != before {
		t.Error("the warehouse file changed under a wrong key")
	}
	if _, err := os.Stat(cfg.Warehouse + ".wal"); err == nil {
		t.Error("a WAL was written under a wrong key")
	}
	// Without any personal-data key the run is refused, naming the settings.
	cfg.PIIKeyFile = ""
	_, err = (&Runner{Config: cfg}).Run(context.Background(), nil)
	if !errors.Is(err, config.ErrNoPIIKey) || !strings.Contains(err.Error(), "pii_key_env") {
		t.Fatalf("run without a key: %v, want ErrNoPIIKey", err)
	}
}

// piiRows reads every personal value of both tables, decrypted with c, by
// table, row and column.
func piiRows(t *testing.T, path string, c *piicrypt.Cipher) map[string]string {
	t.Helper()
	out, err := piitest.Stored(t, path, c)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPlaintextWarehouseEncryptedOnOpen: a warehouse written before
// encryption (plaintext values, no key check) is encrypted on its first
// open with a key; nothing else changes and a reload stays unchanged.
func TestPlaintextWarehouseEncryptedOnOpen(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	c := piiCipher(t, cfg)
	want := piiRows(t, cfg.Warehouse, c)
	ref := filepath.Join(t.TempDir(), "ref.duckdb")
	b, err := os.ReadFile(cfg.Warehouse)
	must(t, err)
	must(t, os.WriteFile(ref, b, 0o600))
	// Turn it back into a pre-encryption warehouse.
	db, err := sql.Open("duckdb", cfg.Warehouse)
	must(t, err)
	for _, p := range []person{zhang, li, wang} {
		for col, v := range map[string]string{"name": p.name, "id_number": p.id, "phone": p.phone} {
			for _, table := range []string{"pii_person", "pii_person_history"} {
				if _, err := db.Exec("UPDATE "+table+" SET "+col+" = ? WHERE "+col+" = ?", v, c.Seal(v)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if _, err := db.Exec("DELETE FROM pii_key_check"); err != nil {
		t.Fatal(err)
	}
	if n := scalar[int](t, db, "SELECT count(*) FROM pii_person WHERE id_number = ?", zhang.id); n != 1 {
		t.Fatalf("%d plaintext rows of 张三, want 1", n)
	}
	historyBefore := scalar[int](t, db, "SELECT count(*) FROM pii_person_history")
	must(t, db.Close())

	res := runOnce(t, cfg)
	for _, x := range res.Counties {
		if x.Loaded != 0 {
			t.Errorf("%s: %d rows loaded again after encryption, want 0 (unchanged)", x.Code, x.Loaded)
		}
	}
	got := piiRows(t, cfg.Warehouse, c)
	if len(got) != len(want) {
		t.Fatalf("%d values after encryption, want %d", len(got), len(want))
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q after encryption, want %q", k, got[k], v)
		}
	}
	// The rewritten file holds what the encrypted warehouse held, table by table.
	if diffs, _ := whcompare.Compare(t, ref, cfg.Warehouse); len(diffs) > 0 {
		t.Errorf("the encrypted and rewritten warehouse differs: %v", diffs)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM pii_person_history"); n != historyBefore {
			t.Errorf("history has %d rows, want %d", n, historyBefore)
		}
	})
	// Neither the tables nor the file: it was rewritten without the blocks
	// the encryption freed.
	scanFiles(t, filepath.Dir(cfg.Warehouse), needles(t))
	if _, err := os.Stat(cfg.Warehouse + ".rewrite-tmp"); err == nil {
		t.Error("the rewrite's copy was left behind")
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM pii_person_history WHERE id_number IN (?, ?, ?)", zhang.id, li.id, wang.id); n != 0 {
			t.Errorf("%d history rows still hold a plaintext ID number", n)
		}
	})
}

func TestRekey(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	ledger := xiaodianLedger()
	ledger[1][3] = "13900000000" // a second version of 李四 in the history
	writeXiaodian(t, cfg.Dir, ledger)
	runOnce(t, cfg)
	old := piiCipher(t, cfg)
	before := piiRows(t, cfg.Warehouse, old)
	newC, err := piicrypt.New([]byte("the-new-pii-secret-0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	w, err := (&Runner{Config: cfg}).Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Rekey(ctx, newC, newC); !errors.Is(err, warehouse.ErrPIIKey) {
		t.Errorf("rekey from a key the warehouse does not hold: %v, want ErrPIIKey", err)
	}
	if _, err := w.Rekey(ctx, old, newC); err != nil {
		t.Fatal(err)
	}
	must(t, w.Close())
	after := piiRows(t, cfg.Warehouse, newC)
	if len(after) != len(before) || len(before) < 18 {
		t.Fatalf("%d values after rekey, %d before", len(after), len(before))
	}
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %q after rekey, want %q", k, after[k], v)
		}
	}
	// The old key is refused now.
	_, err = (&Runner{Config: cfg}).Run(ctx, nil)
	if !errors.Is(err, warehouse.ErrPIIKey) {
		t.Fatalf("run with the old key after rekey: %v, want ErrPIIKey", err)
	}
}

// fixtureSeal is s as stored under the fixture's personal-data key.
func fixtureSeal(s string) string {
	c, err := piicrypt.New([]byte(fixturePIISecret))
	if err != nil {
		panic(err)
	}
	return c.Seal(s)
}
