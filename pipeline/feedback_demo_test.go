package pipeline_test

import (
	"context"
	"database/sql"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/feedback"
	"github.com/grassroots-cn/grassroots/internal/testcity"
)

// TestDemoCityFeedback: the demo run writes a feedback workbook for every
// county whose run rejected rows, found something or refused a file, and
// none for the others; each workbook holds every reject of its county's run,
// at its file, sheet and row, with a Chinese reason, and no ID number, phone
// or name of the city.
func TestDemoCityFeedback(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole synthetic city; skipped with -short")
	}
	_, cfg, err := testcity.Load(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	people := testcity.People(t, cfg)
	db, err := sql.Open("duckdb", cfg.Warehouse+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	// A whole number of 18 (an ID number), 15 (an old one) or 11 digits (a
	// mobile phone); 12-digit village codes are not personal.
	idLike := regexp.MustCompile(`(?:^|\D)(\d{17}[\dXx]|\d{15}|1\d{10})(?:\D|$)`)
	written := 0
	for _, c := range cfg.Counties {
		var runID, rejects, findings int64
		err := db.QueryRow(`SELECT r.run_id, (SELECT count(*) FROM etl_reject WHERE run_id = r.run_id),
				(SELECT count(*) FROM etl_finding WHERE run_id = r.run_id)
			FROM etl_run r WHERE r.job = 'ingest' AND r.county_code = ? AND r.status = 'succeeded'
			ORDER BY r.run_id DESC LIMIT 1`, c.Code).Scan(&runID, &rejects, &findings)
		if err != nil {
			t.Fatalf("%s: its run: %v", c.Code, err)
		}
		path, ok, err := feedback.Latest(feedback.Dir(cfg, c), c.Code)
		if err != nil {
			t.Fatal(err)
		}
		if rejects+findings == 0 {
			if ok {
				t.Errorf("%s: clean run %d, but a workbook %s", c.Code, runID, path)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: run %d has %d rejects and %d findings but no feedback workbook", c.Code, runID, rejects, findings)
			continue
		}
		written++

		// The rejects of the run, as etl_reject has them.
		var want []string
		rows, err := db.Query(`SELECT source_uri, coalesce(sheet, ''), coalesce(CAST(row_number AS VARCHAR), '')
			FROM etl_reject WHERE run_id = ?`, runID)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var f, s, r string
			if err := rows.Scan(&f, &s, &r); err != nil {
				t.Fatal(err)
			}
			want = append(want, f+"|"+s+"|"+r)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()

		// The workbook's reject rows.
		f, err := excelize.OpenFile(path)
		if err != nil {
			t.Fatal(err)
		}
		sheet, err := f.GetRows(feedback.SheetItems)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %s, %d rows", c.Code, path, len(sheet)-1)
		if testing.Verbose() && c.Code == "140105" {
			for _, r := range sheet {
				t.Logf("  %q", r)
			}
		}
		var got []string
		findingRows := 0
		for i, r := range sheet[1:] {
			r = append(r, make([]string, 8)...)
			switch r[7] {
			case "错误（该行未装载）":
				got = append(got, r[0]+"|"+r[1]+"|"+r[2])
				if r[2] == "" {
					t.Errorf("%s row %d: a reject without its row number: %q", c.Code, i+2, r[:8])
				}
			case "错误（文件未读取）":
			default:
				findingRows++
			}
			if !hasHan(r[5]) || !hasHan(r[6]) || strings.HasPrefix(r[5], "其他问题") {
				t.Errorf("%s row %d: reason %q, advice %q: not a Chinese explanation", c.Code, i+2, r[5], r[6])
			}
			for _, cell := range r {
				if m := idLike.FindString(cell); m != "" {
					t.Errorf("%s row %d: a cell holds an ID-like or phone-like number %s", c.Code, i+2, m)
				}
			}
		}
		sort.Strings(want)
		sort.Strings(got)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: the workbook's rejects differ from etl_reject of run %d:\n got %d %q\nwant %d %q", c.Code, runID, len(got), got, len(want), want)
		}
		if int64(findingRows) != findings {
			t.Errorf("%s: %d finding rows in the workbook, %d in etl_finding of run %d", c.Code, findingRows, findings, runID)
		}
		for _, sh := range f.GetSheetList() {
			all, err := f.GetRows(sh)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range all {
				for _, cell := range r {
					for _, p := range people {
						for _, x := range []string{p.Name, p.IDNumber, p.Phone} {
							if len([]rune(x)) >= 2 && strings.Contains(cell, x) {
								t.Errorf("%s: sheet %s holds personal data of %s", c.Code, sh, p.PersonKey)
							}
						}
					}
				}
			}
		}
		f.Close()
	}
	if written < 3 {
		t.Errorf("only %d counties got a feedback workbook: the demo's dirty rows should give more", written)
	}
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4e00 && r <= 0x9fff {
			return true
		}
	}
	return false
}
