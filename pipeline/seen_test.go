package pipeline

import (
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// TestUnreadFileReadAfterRename: a file whose record type is not known from
// its name is not read (a warning unknown_record_type) and not remembered
// as seen; renamed so that its name says 年度考核, the next run reads it
// (not no_new_data) and loads its rows.
func TestUnreadFileReadAfterRename(t *testing.T) {
	cfg := fixture(t)
	runOnce(t, cfg)
	drop := filepath.Join(cfg.Dir, "feeds", "140123")
	text := "身份证号,考核年度,考核结果\n" + zhang.id + ",2022,优秀\n" + wang.id + ",2022,称职\n"
	unknown := filepath.Join(drop, "考核结果 古交市.csv")
	writeGB18030(t, unknown, text)

	res := runOnce(t, cfg, "140123")
	x := county(res, "140123")
	if x.Status != StatusSucceeded || x.FindingsBy["unknown_record_type"] != 1 || x.Loaded != 0 {
		t.Fatalf("first run: %+v; want succeeded, one unknown_record_type, nothing loaded", x)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_file WHERE source_uri = '考核结果 古交市.csv'"); n != 0 {
			t.Errorf("the unread file is recorded as seen (%d rows in etl_file)", n)
		}
	})

	must(t, os.Rename(unknown, filepath.Join(drop, "年度考核 古交市 2022.csv")))
	res = runOnce(t, cfg, "140123")
	x = county(res, "140123")
	if x.Status != StatusSucceeded || x.Files != 1 || x.Loaded != 2 || x.Rejected != 0 {
		t.Fatalf("after the rename: %+v; want succeeded, 1 file, 2 rows loaded", x)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_assessment WHERE year = 2022"); n != 2 {
			t.Errorf("%d assessments of 2022, want 2", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_file WHERE source_uri = '年度考核 古交市 2022.csv' AND record_types = ['assessments']"); n != 1 {
			t.Errorf("the renamed file is recorded %d times with its record type, want once", n)
		}
	})

	// Read and recorded, it is not read again.
	if x := county(runOnce(t, cfg, "140123"), "140123"); x.Status != StatusNoNewData {
		t.Errorf("third run: %+v; want no_new_data", x)
	}
}

// TestEmptyFileBesideOthers: a 0-byte .json, .xlsx and .xls beside a new
// ledger: three empty_file warnings, the ledger loads, and the empty files
// are not recorded as seen.
func TestEmptyFileBesideOthers(t *testing.T) {
	cfg := fixture(t)
	drop := filepath.Join(cfg.Dir, "feeds", "140123")
	must(t, os.WriteFile(filepath.Join(drop, "人员台账-空.json"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(drop, "人员台账-空.xlsx"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(drop, "人员台账-空.xls"), nil, 0o644))
	x := county(runOnce(t, cfg), "140123")
	if x.Status != StatusSucceeded || x.FindingsBy["empty_file"] != 3 || x.Loaded != 2 {
		t.Fatalf("娄烦县: %+v; want succeeded, three empty_file warnings, its 2 ledger rows loaded", x)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_file WHERE source_uri LIKE '%空%'"); n != 0 {
			t.Errorf("%d empty files recorded as seen, want none", n)
		}
	})
}

// TestArchiveLeavesUnreadFiles: with archive on, a file of no record type
// and an empty file stay in the drop folder (they were not loaded), while
// the ledger read beside them moves to archive/; renamed, the unread file
// is read and archived on the next run.
func TestArchiveLeavesUnreadFiles(t *testing.T) {
	cfg := fixture(t)
	for i := range cfg.Counties {
		cfg.Counties[i].Source.Archive = true
	}
	drop := filepath.Join(cfg.Dir, "feeds", "140123")
	writeGB18030(t, filepath.Join(drop, "考核结果 古交市.csv"), "身份证号,考核年度,考核结果\n"+wang.id+",2022,称职\n")
	must(t, os.WriteFile(filepath.Join(drop, "空.csv"), nil, 0o644))
	x := county(runOnce(t, cfg), "140123")
	if x.Status != StatusSucceeded || x.FindingsBy["unknown_record_type"] != 1 || x.FindingsBy["empty_file"] != 1 {
		t.Fatalf("娄烦县: %+v", x)
	}
	for _, p := range []string{"考核结果 古交市.csv", "空.csv", "archive/人员台账.csv"} {
		if _, err := os.Stat(filepath.Join(drop, p)); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	for _, p := range []string{"archive/考核结果 古交市.csv", "archive/空.csv", "人员台账.csv"} {
		if _, err := os.Stat(filepath.Join(drop, p)); err == nil {
			t.Errorf("%s exists", p)
		}
	}
	must(t, os.Rename(filepath.Join(drop, "考核结果 古交市.csv"), filepath.Join(drop, "年度考核 古交市 2022.csv")))
	if x := county(runOnce(t, cfg), "140123"); x.Status != StatusSucceeded || x.Loaded != 1 {
		t.Fatalf("after the rename: %+v; want the assessment loaded", x)
	}
	if _, err := os.Stat(filepath.Join(drop, "archive", "年度考核 古交市 2022.csv")); err != nil {
		t.Error(err)
	}
}
