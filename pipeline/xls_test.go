package pipeline

import (
	"database/sql"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/soffice"
	"github.com/grassroots-cn/grassroots/internal/whcompare"
)

// TestXLSLedgerLoadsAsXLSX: 小店区's workbook saved as .xls by LibreOffice
// (a title row over merged cells, date cells, a roles sheet) loads the same
// rows, rejects and findings as the .xlsx: the two warehouses differ only
// in the file's name and hash, and the rejected row's dates appear as
// dates, not serial numbers.
func TestXLSLedgerLoadsAsXLSX(t *testing.T) {
	soffice.Binary(t)
	xlsx := fixture(t)
	xlsDir := filepath.Join(t.TempDir(), "xls")
	if out, err := exec.Command("cp", "-a", xlsx.Dir, xlsDir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	drop := filepath.Join(xlsDir, "feeds", "140105")
	soffice.ToXLS(t, filepath.Join(drop, "台账.xlsx"), drop)
	must(t, os.Remove(filepath.Join(drop, "台账.xlsx")))
	xls, err := config.Load(filepath.Join(xlsDir, "grassroots.yaml"))
	if err != nil {
		t.Fatal(err)
	}

	a, b := county(runOnce(t, xlsx), "140105"), county(runOnce(t, xls), "140105")
	if b.Status != StatusSucceeded || b.Files != 1 || a.RowsIn != b.RowsIn || a.Loaded != b.Loaded || a.Rejected != b.Rejected ||
		!reflect.DeepEqual(a.Rejects, b.Rejects) || !reflect.DeepEqual(a.FindingsBy, b.FindingsBy) || b.Loaded == 0 || b.Rejected != 1 {
		t.Fatalf("xlsx %+v\nxls  %+v", a, b)
	}
	diffs, _ := whcompare.Compare(t, xlsx.Warehouse, xls.Warehouse)
	for _, d := range diffs {
		// etl_finding names the file (source_uri, and the detail of a
		// file-level finding): compared below without it.
		if !strings.HasPrefix(d, "etl_file:") && !strings.HasPrefix(d, "etl_reject:") && !strings.HasPrefix(d, "etl_finding:") {
			t.Errorf("the warehouses differ: %s", d)
		}
	}
	findings := func(cfg *config.Config) []string {
		return lines(t, cfg, `SELECT code || ' ' || severity || ' ' || coalesce(sheet, '') || ' ' || coalesce(CAST(row_number AS VARCHAR), '') || ' ' ||
			coalesce(person_key, '') || ' ' || coalesce(village_code, '') || ' ' || replace(coalesce(detail, ''), coalesce(source_uri, '?'), '<file>') ||
			' ' || (source_uri IS NULL)
			FROM etl_finding WHERE county_code = '140105' ORDER BY ALL`)
	}
	if fa, fb := findings(xlsx), findings(xls); !reflect.DeepEqual(fa, fb) || len(fb) == 0 {
		t.Errorf("findings of the .xlsx %q\nof the .xls %q", fa, fb)
	}
	rejects := func(cfg *config.Config) []string {
		return lines(t, cfg, "SELECT sheet || ' ' || row_number || ' ' || reason || ' ' || raw_masked FROM etl_reject WHERE county_code = '140105' ORDER BY ALL")
	}
	ra, rb := rejects(xlsx), rejects(xls)
	if !reflect.DeepEqual(ra, rb) || len(rb) != 1 {
		t.Fatalf("rejects of the .xlsx %q\nof the .xls %q", ra, rb)
	}
	// 赵六's row: 到岗时间 2020-09-01 is a date cell.
	if !strings.Contains(rb[0], "2020-09-01") || strings.Contains(rb[0], "44075") {
		t.Errorf("the reject shows its date cell as %q; want 2020-09-01, not the serial 44075", rb[0])
	}
}

// lines runs a query of one text column on cfg's warehouse.
func lines(t *testing.T, cfg *config.Config, q string) (out []string) {
	t.Helper()
	withWarehouse(t, cfg, func(db *sql.DB) {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
	})
	return out
}
