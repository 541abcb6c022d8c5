package pipeline

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"testing"
)

// Supplements (补充, 新增, 增补 or supplement in a file or sheet name) are
// partial deliveries: after 小店区's full ledger, a 2-row 新增人员台账 file
// and a workbook whose sheet is 人员台账（补充） raise no vanished_from_ledger;
// the same kind of 2-row file not named as a supplement raises it for every
// other person in post; a full ledger beside a supplement in one load is
// checked against both. Run alone and in a group of counties.
func TestSupplementsDoNotVanish(t *testing.T) {
	for _, mode := range []struct {
		name  string
		group int
	}{{"alone", 0}, {"grouped", 2}} {
		t.Run(mode.name, func(t *testing.T) {
			cfg := fixture(t)
			drop := filepath.Join(filepath.Dir(cfg.Warehouse), "..", "feeds", "140105")
			run := func(step string) {
				t.Helper()
				res, err := (&Runner{Config: cfg, GroupCounties: mode.group}).Run(context.Background(), nil)
				if err != nil {
					t.Fatalf("%s: %v", step, err)
				}
				if x := county(res, "140105"); x.Status != StatusSucceeded {
					t.Fatalf("%s: 小店区 %s: %s", step, x.Status, x.Error)
				}
			}
			vanished := func() (n int) {
				withWarehouse(t, cfg, func(db *sql.DB) {
					n = scalar[int](t, db, "SELECT count(*) FROM etl_finding WHERE code = 'vanished_from_ledger' AND county_code = '140105'")
				})
				return n
			}
			inPost := func() (n int) {
				withWarehouse(t, cfg, func(db *sql.DB) {
					n = scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE county_code = '140105' AND end_date IS NULL")
				})
				return n
			}
			write := func(name, text string) {
				t.Helper()
				must(t, os.WriteFile(filepath.Join(drop, name), []byte(text), 0o644))
			}

			// Run 1: the fixture's workbook (李四 in post, 张三 left) and a
			// full ledger of recruits 0–9, all in post: 11 in post.
			full, _ := recruits(0, 10)
			write("人员台账.csv", ledgerCSV(full))
			run("full ledger")
			if n, v := inPost(), vanished(); n != 11 || v != 0 {
				t.Fatalf("after the full ledger: %d in post, %d vanished; want 11 and 0", n, v)
			}

			// Run 2: a 2-row new hires file (recruits 10, 11).
			hires, _ := recruits(10, 2)
			write("新增人员台账.csv", ledgerCSV(hires))
			run("新增人员台账.csv")
			if n, v := inPost(), vanished(); n != 13 || v != 0 {
				t.Fatalf("after 新增人员台账.csv: %d in post, %d vanished; want 13 and 0", n, v)
			}

			// Run 3: a workbook whose one sheet is 人员台账（补充） (recruits 12, 13).
			sup, _ := recruits(12, 2)
			writeLedgerXLSX(t, filepath.Join(drop, "三月报送.xlsx"), "人员台账（补充）", ledgerHeader, 2, func(i int) []string { return ledgerRow(sup[i]) })
			run("人员台账（补充）")
			if n, v := inPost(), vanished(); n != 15 || v != 0 {
				t.Fatalf("after the sheet 人员台账（补充）: %d in post, %d vanished; want 15 and 0", n, v)
			}

			// Run 4: two rows (recruits 14, 15) in a file not named as a
			// supplement: a full ledger, from which the 15 others in post
			// (李四 and recruits 0–13) vanished.
			more, _ := recruits(14, 2)
			write("人员台账-0315.csv", ledgerCSV(more))
			run("人员台账-0315.csv")
			if n, v := inPost(), vanished(); n != 17 || v != 15 {
				t.Fatalf("after 人员台账-0315.csv: %d in post, %d vanished; want 17 and 15", n, v)
			}

			// Run 5: a full ledger of recruits 0–13 beside a supplement of
			// recruits 14, 15: checked against both, only 李四 vanished (one
			// more finding).
			all, _ := recruits(0, 14)
			write("人员台账-0401.csv", ledgerCSV(all)+"\n")
			write("人员台账-0401-supplement.csv", ledgerCSV(more)+"\n")
			run("full and supplement")
			if v := vanished(); v != 16 {
				t.Fatalf("after a full ledger and a supplement: %d vanished, want 16", v)
			}
			withWarehouse(t, cfg, func(db *sql.DB) {
				var pk string
				if err := db.QueryRow(`SELECT person_key FROM etl_finding WHERE code = 'vanished_from_ledger' AND county_code = '140105'
					ORDER BY run_id DESC LIMIT 1`).Scan(&pk); err != nil {
					t.Fatal(err)
				}
				if n := scalar[int](t, db, `SELECT count(*) FROM fact_posting WHERE person_key = ? AND village_code = '140105001002'`, pk); n != 1 {
					t.Errorf("the last vanished person is not 李四 (in 140105001002)")
				}
			})
		})
	}
}
