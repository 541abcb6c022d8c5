package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrivacyAudit: a hand-made release (two persons, one village each, the
// only village of its county) prints its figures with exit 0; a folder that
// is not a release, a missing folder argument and k = 1 exit 2.
func TestPrivacyAudit(t *testing.T) {
	dir := t.TempDir()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, q := range map[string]string{
		"persons": `SELECT * FROM (VALUES ('r1', 'male', false, '100001'), ('r2', 'female', false, '100002'))
			t(research_id, gender, qi_suppressed, county_code)`,
		"postings": `SELECT * FROM (VALUES ('r1', 'village', '2020-01', NULL, '100001'), ('r2', 'village', '2020-02', NULL, '100002'))
			t(research_id, village_kind, start_month, end_month, county_code)`,
		"villages": `SELECT * FROM (VALUES ('V1', 'village', '100001'), ('V2', 'village', '100002')) t(village_code, village_kind, county_code)`,
	} {
		if _, err := db.Exec("COPY (" + q + ") TO '" + filepath.Join(dir, name+".parquet") + "' (FORMAT parquet)"); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"release": "tiny", "k": 5, "quasi_identifiers": ["county_code", "gender"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs := grassroots(t, "privacy-audit", dir)
	if code != exitOK || !strings.Contains(out, "pinned to exactly one village") || !strings.Contains(out, "2 (100.0%)") {
		t.Errorf("text: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs = grassroots(t, "privacy-audit", "--json", "--k", "2", dir)
	var rep struct {
		K       int `json:"k"`
		Linkage struct {
			Pinned int `json:"pinned"`
		} `json:"linkage"`
	}
	if code != exitOK || json.Unmarshal([]byte(out), &rep) != nil || rep.K != 2 || rep.Linkage.Pinned != 2 {
		t.Errorf("json: exit %d, %+v\n%s%s", code, rep, out, errs)
	}
	if strings.Contains(out, "r1") || strings.Contains(out, "V1") {
		t.Errorf("the JSON names a research_id or a village:\n%s", out)
	}
	for _, args := range [][]string{{"privacy-audit", t.TempDir()}, {"privacy-audit"}, {"privacy-audit", "--k", "1", dir}} {
		if code, _, errs := grassroots(t, args...); code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, errs)
		}
	}
}
