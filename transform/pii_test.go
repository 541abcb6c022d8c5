package transform

import (
	"errors"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
)

// testPII encrypts personal data in the tests, under a key other than testKey.
var testPII = func() *piicrypt.Cipher {
	c, err := piicrypt.New([]byte("fedcba9876543210fedcba9876543210"))
	if err != nil {
		panic(err)
	}
	return c
}()

// openPII returns a copy of a ledger row with name, id_number and phone
// decrypted, failing the test if any of them is not sealed.
func openPII(t *testing.T, row map[string]any) map[string]any {
	t.Helper()
	out := map[string]any{}
	for k, v := range row {
		out[k] = v
	}
	for _, k := range []string{"name", "id_number", "phone"} {
		s, ok := row[k].(string)
		if !ok {
			continue // NULL stays NULL
		}
		if !piicrypt.IsSealed(s) {
			t.Fatalf("%s reached the batch unencrypted", k)
		}
		plain, err := testPII.Open(s)
		if err != nil {
			t.Fatalf("%s: %v", k, err)
		}
		out[k] = plain
	}
	return out
}

func TestLedgerPersonalDataSealed(t *testing.T) {
	row := goodLedger()
	out, st := normalise(t, "人员台账.csv", [][]string{ledgerHeader, row, row}, Options{})
	if st.Staged != 1 || st.Duplicates != 1 {
		t.Fatalf("stats %+v: the same row twice must stay a duplicate once encrypted", st)
	}
	got := out[canon.Ledger][0]
	for _, plain := range []string{"张三", "11010519491231002X", "13800000000"} {
		for k, v := range got {
			if s, ok := v.(string); ok && strings.Contains(s, plain) {
				t.Errorf("%s holds the plaintext %q", k, plain)
			}
		}
	}
	// Deterministic: the same person read again gives the same ciphertexts,
	// so the warehouse's merge sees no change.
	again, _ := normalise(t, "人员台账.csv", [][]string{ledgerHeader, row}, Options{})
	for _, k := range []string{"name", "id_number", "phone"} {
		if got[k] != again[canon.Ledger][0][k] {
			t.Errorf("%s: two loads of one value gave two ciphertexts", k)
		}
	}
	// A missing phone stays NULL, not the ciphertext of "".
	noPhone, _ := normalise(t, "人员台账.csv", [][]string{ledgerHeader, with(row, "联系电话", "")}, Options{})
	if v := noPhone[canon.Ledger][0]["phone"]; v != nil {
		t.Errorf("empty phone = %v, want NULL", v)
	}
}

func TestNewRefusesWithoutPIICipher(t *testing.T) {
	if _, err := New(Options{County: "140105", Key: testKey, Directory: testDirectory()}, collect{}); !errors.Is(err, ErrNoPIICipher) {
		t.Fatalf("New without PII = %v, want ErrNoPIICipher", err)
	}
	if _, err := New(Options{Divisions: true, Directory: testDirectory()}, collect{}); err != nil {
		t.Fatalf("the village list needs no cipher: %v", err)
	}
}

// A ledger sent without its header row: the first data row is taken as the
// header, and no finding repeats its cells (a name, an ID number, a phone),
// which would otherwise reach etl_finding and the published snapshot.
func TestHeaderlessFileRepeatsNoCell(t *testing.T) {
	row := goodLedger()
	out, st := normalise(t, "人员台账.csv", [][]string{row, with(row, "联系电话", "13900000000")}, Options{})
	if st.Staged != 0 {
		t.Fatalf("stats %+v: a file without a header stages nothing", st)
	}
	fs := out[canon.Findings]
	if len(fs) == 0 {
		t.Fatal("no finding for a file without a header")
	}
	unused := false
	for _, f := range fs {
		d, _ := f["detail"].(string)
		for _, plain := range []string{"张三", "11010519491231002X", "13800000000", "13900000000"} {
			if strings.Contains(d, plain) {
				t.Errorf("finding %v repeats %q: %q", f["code"], plain, d)
			}
		}
		if f["code"] == "unused_columns" {
			unused = true
			if !strings.Contains(d, "no header row was recognised") {
				t.Errorf("unused_columns of a headerless file: %q", d)
			}
		}
	}
	if !unused {
		t.Error("no unused_columns finding counting the columns not read")
	}
}

// Findings about a birth date or an age say what is wrong without the date
// or the age: etl_finding is copied into the published snapshot.
func TestFindingsWriteNoBirthDateOrAge(t *testing.T) {
	// Born 1949-12-31 by the ID number; 出生年月 written 1950.01; a special
	// entrant on 2020-07-01, aged 70.
	row := with(with(goodLedger(), "出生年月", "1950.01"), "招录方式", "专项引进")
	out, st := normalise(t, "人员台账.csv", [][]string{ledgerHeader, row}, Options{})
	if st.Staged != 1 {
		t.Fatalf("stats %+v", st)
	}
	codes := map[string]bool{}
	for _, f := range out[canon.Findings] {
		d, _ := f["detail"].(string)
		code, _ := f["code"].(string)
		codes[code] = true
		for _, x := range []string{"1949", "1950", "70", "12-31"} {
			if strings.Contains(d, x) {
				t.Errorf("%s detail %q holds %q", code, d, x)
			}
		}
	}
	if !codes["birth_mismatch"] || !codes["over_age_at_entry"] {
		t.Errorf("findings %v, want birth_mismatch and over_age_at_entry", codes)
	}
}
