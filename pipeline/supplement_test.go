package pipeline

import (
	"context"
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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

// The files of the issue, as a clerk writes them, through a whole run: an
// assessments file whose name holds the type after the county and year, a
// GB18030 ledger whose headers carry notes and markers, and a ledger whose
// 身份证号 header is misspelt (one missing_column finding, its rows
// rejected once each and stored so).
func TestClerkFilesRun(t *testing.T) {
	cfg := fixture(t)
	drop := filepath.Join(filepath.Dir(cfg.Warehouse), "..", "feeds", "140105")
	must(t, os.WriteFile(filepath.Join(drop, "小店区 2022 年度考核.csv"),
		[]byte("身份证号码（18位）,考核年度*,※年度考核\n"+li.id+",2022,优秀\n"), 0o644))
	ps, _ := recruits(0, 3)
	noted := "序号,姓名*,身份证号码（18位）,*性别,联系电话,※学历,招录方式（必填）,编制来源★,所在县（市、区）,村社区代码,到村任职时间(年月日)\n"
	for i, p := range ps {
		noted += strings.Join([]string{strconv.Itoa(i + 1), p.name, p.id, "", p.phone, "硕士", "公开招聘", "乡镇编制", "小店区", "140105001001", "2022-09-01"}, ",") + "\n"
	}
	writeGB18030(t, filepath.Join(drop, "小店区人员台账（2022年9月）.csv"), noted)
	bad, _ := recruits(3, 2)
	misspelt := "姓名,身份号,学历,招录方式,编制来源,村社区代码,到岗时间\n"
	for _, p := range bad {
		misspelt += strings.Join([]string{p.name, p.id, "硕士", "公开招聘", "乡镇编制", "140105001001", "2022-09-01"}, ",") + "\n"
	}
	writeGB18030(t, filepath.Join(drop, "人员台账-身份号.csv"), misspelt)

	res := runOnce(t, cfg)
	x := county(res, "140105")
	if x.Status != StatusSucceeded || x.FindingsBy["unknown_record_type"] != 0 {
		t.Fatalf("小店区: %+v", x)
	}
	if x.Rejects["missing_column:id_number"] != 2 || x.FindingsBy["missing_column:id_number"] != 1 {
		t.Errorf("rejects %v, findings %v; want 2 rejects and 1 finding missing_column:id_number", x.Rejects, x.FindingsBy)
	}
	withWarehouse(t, cfg, func(db *sql.DB) {
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_assessment WHERE year = 2022"); n != 1 {
			t.Errorf("%d assessments of 2022, want 1", n)
		}
		// 李四 from the workbook and the 3 recruits of the noted file.
		if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE county_code = '140105' AND end_date IS NULL"); n != 4 {
			t.Errorf("%d in post in 小店区, want 4", n)
		}
		if n := scalar[int](t, db, "SELECT count(*) FROM etl_reject WHERE reason = 'missing_column:id_number' AND source_uri = '人员台账-身份号.csv'"); n != 2 {
			t.Errorf("%d rejects missing_column:id_number stored, want 2", n)
		}
		var sev, detail string
		if err := db.QueryRow("SELECT severity, detail FROM etl_finding WHERE code = 'missing_column:id_number'").Scan(&sev, &detail); err != nil {
			t.Fatal(err)
		}
		if sev != "error" || !contains(detail, "人员台账-身份号.csv", "身份证号", `"身份号"`) {
			t.Errorf("finding %s %q", sev, detail)
		}
		for _, p := range bad {
			if strings.Contains(detail, p.id) || strings.Contains(detail, p.name) {
				t.Errorf("the finding names a person")
			}
		}
	})
}
