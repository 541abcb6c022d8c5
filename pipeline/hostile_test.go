package pipeline

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/soffice"
)

// Environment variables of the reliability suite: "full" runs the slow
// versions of the cases; a path gets one JSON line per case that ran.
const (
	reliabilityEnv = "GRASSROOTS_RELIABILITY"
	reportEnv      = "GRASSROOTS_RELIABILITY_REPORT"
)

// expect is what a hostile file must do to 小店区's run.
type expect int

const (
	expectFail expect = iota
	expectRefuse
	expectRead
)

// hostileCase is one hostile input.
type hostileCase struct {
	name  string // subtest name
	fault string // what is wrong with the input (the README's words)
	how   string // how the test makes it
	full  bool   // only with GRASSROOTS_RELIABILITY=full
	utf8  bool   // 小店区's source declares encoding: utf-8
	// read are the runner's read options for the hostile run (lowered
	// limits for the quick versions).
	read   ingest.ReadOptions
	plant  func(t *testing.T, drop string) planted
	expect expect
	// errHas: for expectFail, what the error must say besides the file.
	errHas []string
	// check: further checks of 小店区's result and the warehouse.
	check func(t *testing.T, x CountyResult, db *sql.DB)
}

// planted is what a case put into the drop folder.
type planted struct {
	uri      string      // the file the error names (expectFail)
	refused  []string    // expectRefuse: every URI the source must refuse
	files    int         // expectRead: new files read
	unseen   int         // expectRead: of them, files not recorded as seen (empty)
	rows     int64       // expectRead: data rows in them
	secrets  []string    // cell contents no error may hold
	progress func(Event) // called during the hostile run
}

// hostileOutcome is one line of the report.
type hostileOutcome struct {
	Fault    string `json:"fault"`
	How      string `json:"how"`
	Result   string `json:"result"`
	RowsLost int64  `json:"rows_lost"`
}

// TestHostileInputs is the hostile and broken input suite (issue 7,
// "Reliability campaign").
//
// The fixture city is loaded once; every case starts from a copy of it,
// drops a hostile file into 小店区's folder beside its good workbook (and a
// good new ledger into 娄烦县's), runs again and checks what the case
// expects of 小店区:
//
//   - fail: its run fails with an error naming the file (and the sheet, row
//     and column where there is one) and holding no cell content; nothing
//     of the file is loaded (小店区's postings, etl_file and etl_reject rows
//     are as after the clean run);
//   - refuse: the source refuses the file (the run's Skipped), the run does
//     not fail, nothing of it is loaded;
//   - read: the file is read and every row of it is accounted for.
//
// In every case 娄烦县 loads its new ledger in the same run, nothing loaded
// before is lost, and every etl_run adds up (rows_in = loaded + unchanged +
// duplicate + rejected).
//
// The quick versions run with `go test ./pipeline`; the slow ones (a real
// 100 MB line, a workbook of 1,048,576 rows, a 1.5 GiB zip bomb) only with
// GRASSROOTS_RELIABILITY=full. With GRASSROOTS_RELIABILITY_REPORT=<path>, one
// JSON line per case that ran is appended to that file, for the README.
func TestHostileInputs(t *testing.T) {
	// The clean run, once: every case starts from a copy of it.
	clean := fixture(t)
	if res := runOnce(t, clean); res.Failed() != 0 {
		t.Fatalf("clean run: %+v", res)
	}
	var before tally
	withWarehouse(t, clean, func(db *sql.DB) { before = tallyOf(t, db) })

	cases := hostileCases()
	outcomes := make([]*hostileOutcome, len(cases))
	t.Cleanup(func() { writeHostileReport(t, outcomes) })
	full := os.Getenv(reliabilityEnv) == "full"
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.full && !full {
				t.Skipf("slow: runs with %s=full", reliabilityEnv)
			}
			t.Parallel()
			outcomes[i] = c.run(t, copyCity(t, clean), before)
		})
	}
}

// copyCity copies a city's folder (config, key, feeds, warehouse and
// snapshot) into a new temporary folder and loads its config.
func copyCity(t *testing.T, cfg *config.Config) *config.Config {
	t.Helper()
	dir := t.TempDir()
	err := filepath.WalkDir(cfg.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(cfg.Dir, p)
		if err != nil {
			return err
		}
		dst := filepath.Join(dir, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			return os.MkdirAll(dst, info.Mode().Perm())
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, info.Mode().Perm())
	})
	must(t, err)
	c, err := config.Load(filepath.Join(dir, "grassroots.yaml"))
	must(t, err)
	return c
}

// writeHostileReport appends the outcomes, in case order, to the report file.
func writeHostileReport(t *testing.T, outcomes []*hostileOutcome) {
	path := os.Getenv(reportEnv)
	if path == "" {
		return
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for _, o := range outcomes {
		if o != nil {
			must(t, enc.Encode(o))
		}
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	must(t, err)
	_, err = f.Write(b.Bytes())
	must(t, errors.Join(err, f.Close()))
}

// tally is what the warehouse holds of each county.
type tally struct {
	postings, files, rejects map[string]int
	total                    int // all postings
}

func tallyOf(t *testing.T, db *sql.DB) tally {
	t.Helper()
	tl := tally{postings: map[string]int{}, files: map[string]int{}, rejects: map[string]int{}}
	for _, c := range []string{"140105", "140123"} {
		tl.postings[c] = scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE county_code = ?", c)
		tl.files[c] = scalar[int](t, db, "SELECT count(*) FROM etl_file WHERE county_code = ?", c)
		tl.rejects[c] = scalar[int](t, db, "SELECT count(*) FROM etl_reject WHERE county_code = ?", c)
	}
	tl.total = scalar[int](t, db, "SELECT count(*) FROM fact_posting")
	return tl
}

// run plants the hostile file in a copy of the loaded fixture city (whose
// warehouse holds before), runs again and checks.
func (c hostileCase) run(t *testing.T, cfg *config.Config, before tally) *hostileOutcome {
	if c.utf8 {
		cfg.Counties[0].Source.Encoding = config.EncodingUTF8
	}

	drop := filepath.Join(cfg.Dir, "feeds", "140105")
	p := c.plant(t, drop)
	newcomer := recruit(900001)
	writeGB18030(t, filepath.Join(cfg.Dir, "feeds", "140123", "人员台账.csv"), loufanLedger(true)+
		newcomer.name+","+newcomer.id+",硕士,招聘,乡镇编制,娄烦县,杜交曲乡,王家村,2022/9/1,\n")

	runner := &Runner{Config: cfg, ReadOptions: c.read, Progress: p.progress}
	res, err := runner.Run(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	x, l := county(res, "140105"), county(res, "140123")
	if res.Divisions.Status != StatusUnchanged {
		t.Errorf("divisions: %+v", res.Divisions)
	}
	if l.Status != StatusSucceeded || l.Loaded != 1 || l.Unchanged != 2 {
		t.Errorf("娄烦县 was harmed: %+v", l)
	}
	for _, s := range p.secrets {
		if s != "" && strings.Contains(x.Error, s) {
			t.Errorf("the error holds cell content %q: %s", s, x.Error)
		}
	}

	o := &hostileOutcome{Fault: c.fault, How: c.how}
	switch c.expect {
	case expectFail:
		o.Result = "county run failed: " + x.Error
		if x.Status != StatusFailed || !contains(x.Error, append([]string{p.uri}, c.errHas...)...) {
			t.Errorf("小店区: status %s, error %q; want failed naming %q and %q", x.Status, x.Error, p.uri, c.errHas)
		}
	case expectRefuse:
		var why []string
		for _, s := range x.Skipped {
			why = append(why, s.URI+": "+s.Reason)
		}
		o.Result = fmt.Sprintf("refused (%s); county run %s", strings.Join(why, "; "), x.Status)
		if x.Status != StatusNoNewData || x.Error != "" || len(x.Skipped) != len(p.refused) {
			t.Errorf("小店区: %+v; want no_new_data refusing %q", x, p.refused)
		}
		for _, u := range p.refused {
			if !refused(x.Skipped, u) {
				t.Errorf("%s was not refused: %+v", u, x.Skipped)
			}
		}
	case expectRead:
		o.Result = fmt.Sprintf("read: %d rows in, %d loaded, %d rejected; county run %s",
			x.RowsIn, x.Loaded, x.Rejected, x.Status)
		if x.Status != StatusSucceeded || x.Files != p.files || x.RowsIn != p.rows {
			t.Errorf("小店区: %+v; want succeeded, %d files, %d rows", x, p.files, p.rows)
		}
		if p.rows > x.RowsIn {
			o.RowsLost += p.rows - x.RowsIn
		}
	}

	withWarehouse(t, cfg, func(db *sql.DB) {
		assertAccounting(t, db)
		o.RowsLost += scalar[int64](t, db, `SELECT coalesce(sum(abs(rows_in - rows_loaded - rows_unchanged - rows_duplicate - rows_rejected)), 0) FROM etl_run`)
		// Postings only come: 娄烦县's newcomer and what 小店区 loaded.
		after := tallyOf(t, db)
		if want := before.total + 1 + int(x.Loaded); after.total != want {
			t.Errorf("%d postings, want %d", after.total, want)
			o.RowsLost += int64(max(0, want-after.total))
		}
		if after.postings["140123"] != before.postings["140123"]+1 || after.files["140123"] != before.files["140123"]+1 {
			t.Errorf("娄烦县: %d postings, %d files; want %d and %d", after.postings["140123"], after.files["140123"],
				before.postings["140123"]+1, before.files["140123"]+1)
		}
		if c.expect != expectRead {
			if after.postings["140105"] != before.postings["140105"] || after.files["140105"] != before.files["140105"] ||
				after.rejects["140105"] != before.rejects["140105"] {
				t.Errorf("小店区 changed: %d postings, %d files, %d rejects; want %d, %d, %d",
					after.postings["140105"], after.files["140105"], after.rejects["140105"],
					before.postings["140105"], before.files["140105"], before.rejects["140105"])
			}
		} else if after.files["140105"] != before.files["140105"]+p.files-p.unseen {
			t.Errorf("小店区 has %d etl_file rows, want %d", after.files["140105"], before.files["140105"]+p.files-p.unseen)
		}
		t.Logf("小店区's run took %.2fs: %s", x.Seconds, o.Result)
		// What etl_run records of 小店区's run: its status and error.
		var status, msg string
		must(t, db.QueryRow(`SELECT status, coalesce(error, '') FROM etl_run WHERE county_code = '140105'
			ORDER BY run_id DESC LIMIT 1`).Scan(&status, &msg))
		if status != x.Status || msg != x.Error {
			t.Errorf("etl_run says %s %q; the result %s %q", status, msg, x.Status, x.Error)
		}
		if c.check != nil {
			c.check(t, x, db)
		}
	})
	return o
}

func refused(skipped []ingest.Skipped, uri string) bool {
	for _, s := range skipped {
		if s.URI == uri && s.Reason == ingest.ReasonSymlink {
			return true
		}
	}
	return false
}

// A hostile sheet name, header and values: values are data, never SQL.
const (
	sqlSheet  = `台账';DROP TABLE fact_posting;--` // 30 characters: Excel allows 31
	sqlHeader = `姓名"); DELETE FROM pii_person; --`
	sqlName   = `Robert'); DROP TABLE etl_run;--`
	sqlValue  = `'; DELETE FROM etl_reject; --`
	sqlCode   = `140105001001' OR '1'='1`
	sqlCSV    = `人员台账"; DELETE FROM pii_person WHERE '1'='1.csv`
	sqlXLSX   = `人员台账'; DROP TABLE etl_file; --.xlsx`
	sqlName2  = `O'Brien"; DELETE FROM dim_person; --`
	longSheet = `人员台账'; DROP TABLE fact_posting; --`
)

func hostileCases() []hostileCase {
	return []hostileCase{
		{
			name:  "truncated_xlsx",
			fault: "truncated .xlsx (a real workbook cut in half)",
			how:   "a 300-row ledger workbook written by excelize, its first half kept",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(1000, 300)
				path := filepath.Join(drop, "人员台账-截断.xlsx")
				writeLedgerXLSX(t, path, "人员台账", ledgerHeader, len(ps), func(i int) []string { return ledgerRow(ps[i]) })
				b, err := os.ReadFile(path)
				must(t, err)
				must(t, os.WriteFile(path, b[:len(b)/2], 0o644))
				return planted{uri: "人员台账-截断.xlsx", secrets: secrets}
			},
			errHas: []string{ingest.ErrSyntax.Error(), "not a valid .xlsx file"},
		},
		{
			name:  "truncated_xls",
			fault: "truncated .xls (a real Excel 97–2003 workbook cut in half)",
			how:   "a 300-row ledger workbook written by excelize, saved as .xls by LibreOffice, its first half kept",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(1500, 300)
				dir := t.TempDir()
				src := filepath.Join(dir, "人员台账-截断.xlsx")
				writeLedgerXLSX(t, src, "人员台账", ledgerHeader, len(ps), func(i int) []string { return ledgerRow(ps[i]) })
				b, err := os.ReadFile(soffice.ToXLS(t, src, dir))
				must(t, err)
				must(t, os.WriteFile(filepath.Join(drop, "人员台账-截断.xls"), b[:len(b)/2], 0o644))
				return planted{uri: "人员台账-截断.xls", secrets: secrets}
			},
			errHas: []string{ingest.ErrSyntax.Error(), "not a valid .xls workbook"},
		},
		{
			name:  "damaged_xlsx",
			fault: "damaged .xlsx (the sheet's compressed data overwritten, the zip directory intact)",
			how:   "a 300-row ledger workbook with 64 bytes in the middle of its sheet's deflate stream flipped",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(2000, 300)
				path := filepath.Join(drop, "人员台账-损坏.xlsx")
				writeLedgerXLSX(t, path, "人员台账", ledgerHeader, len(ps), func(i int) []string { return ledgerRow(ps[i]) })
				zr, err := zip.OpenReader(path)
				must(t, err)
				var off, n int64
				for _, zf := range zr.File {
					if zf.Name == "xl/worksheets/sheet1.xml" {
						off, err = zf.DataOffset()
						must(t, err)
						n = int64(zf.CompressedSize64)
					}
				}
				zr.Close()
				fh, err := os.OpenFile(path, os.O_RDWR, 0)
				must(t, err)
				b := make([]byte, 64)
				_, err = fh.ReadAt(b, off+n/2)
				must(t, err)
				for i := range b {
					b[i] ^= 0xA5
				}
				_, err = fh.WriteAt(b, off+n/2)
				must(t, errors.Join(err, fh.Close()))
				return planted{uri: "人员台账-损坏.xlsx", secrets: secrets}
			},
			errHas: []string{ingest.ErrSyntax.Error(), "damaged .xlsx file"},
		},
		{
			name:  "zip_bomb",
			fault: "zip bomb: a workbook whose sheet unzips past the reader's limit",
			how:   "sheet1.xml of 48 MiB of <row/> deflated to 72 KiB; the unzip limit lowered to 8 MiB",
			read:  ingest.ReadOptions{MaxUnzipBytes: 8 << 20},
			plant: func(t *testing.T, drop string) planted {
				writeZipBomb(t, filepath.Join(drop, "人员台账-炸弹.xlsx"), 48<<20/6, 0)
				return planted{uri: "人员台账-炸弹.xlsx"}
			},
			errHas: []string{ingest.ErrTooLarge.Error(), "unzips to more than 8388608 bytes"},
		},
		{
			name:  "zip_bomb_forged_size",
			fault: "zip bomb that lies: the zip declares its sheet 4 KiB unzipped",
			how:   "sheet1.xml of 48 MiB of <row/> deflated, its declared size forged to 4 KiB; the unzip limit lowered to 8 MiB",
			read:  ingest.ReadOptions{MaxUnzipBytes: 8 << 20},
			plant: func(t *testing.T, drop string) planted {
				writeZipBomb(t, filepath.Join(drop, "人员台账-炸弹.xlsx"), 48<<20/6, 4<<10)
				return planted{uri: "人员台账-炸弹.xlsx"}
			},
			errHas: []string{ingest.ErrSyntax.Error(), "damaged .xlsx file"},
		},
		{
			name:  "zip_bomb_full",
			full:  true,
			fault: "zip bomb: a workbook whose sheet unzips past the reader's limit",
			how:   "sheet1.xml of 1.5 GiB of <row/> deflated to 2.3 MB; the default 1 GiB unzip limit",
			plant: func(t *testing.T, drop string) planted {
				writeZipBomb(t, filepath.Join(drop, "人员台账-炸弹.xlsx"), 3<<29/6, 0)
				return planted{uri: "人员台账-炸弹.xlsx"}
			},
			errHas: []string{ingest.ErrTooLarge.Error(), fmt.Sprintf("unzips to more than %d bytes", ingest.DefaultMaxUnzipBytes)},
		},
		{
			name:  "zip_bomb_forged_size_full",
			full:  true,
			fault: "zip bomb that lies: the zip declares its sheet just under the unzip limit",
			how:   "sheet1.xml of 1.5 GiB of <row/> deflated, its declared size forged to 1 GiB - 1 MiB; the default 1 GiB unzip limit",
			plant: func(t *testing.T, drop string) planted {
				writeZipBomb(t, filepath.Join(drop, "人员台账-炸弹.xlsx"), 3<<29/6, 1<<30-1<<20)
				return planted{uri: "人员台账-炸弹.xlsx"}
			},
			errHas: []string{ingest.ErrSyntax.Error(), "damaged .xlsx file"},
		},
		maxRowsCase(10_000, false),
		maxRowsCase(1_048_576, true),
		longLineCase(1<<20, 64<<10, false),
		longLineCase(100<<20, 0, true),
		{
			name:  "invalid_utf8_csv",
			utf8:  true,
			fault: "invalid UTF-8 in a CSV declared UTF-8",
			how:   "encoding: utf-8; a name on line 5 of 8 holds the byte 0xFF",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(3000, 7)
				text := ledgerCSV(ps)
				text = strings.Replace(text, ps[3].name, "新\xff人", 1)
				must(t, os.WriteFile(filepath.Join(drop, "人员台账-坏字节.csv"), []byte(text), 0o644))
				return planted{uri: "人员台账-坏字节.csv", secrets: append(secrets, "新\xff人")}
			},
			errHas: []string{"row 5, column 1", ingest.ErrEncoding.Error(), "invalid UTF-8"},
		},
		{
			name:  "invalid_utf8_csv_auto",
			fault: "invalid UTF-8 in a CSV that reads as UTF-8 (encoding: auto), past the 64 KiB sniffed",
			how:   "encoding: auto; 1,200 rows of UTF-8, then a name on line 1,202 holding the byte 0xFF",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(4000, 1201)
				text := ledgerCSV(ps)
				text = strings.Replace(text, ps[1200].name, "新\xff人", 1)
				if strings.Index(text, "\xff") < 64<<10 {
					t.Fatal("the bad byte is inside the sniffed 64 KiB")
				}
				must(t, os.WriteFile(filepath.Join(drop, "人员台账-坏字节.csv"), []byte(text), 0o644))
				return planted{uri: "人员台账-坏字节.csv", secrets: append(secrets, "新\xff人")}
			},
			errHas: []string{"row 1202, column 1", ingest.ErrEncoding.Error(), "invalid UTF-8"},
		},
		{
			name:  "invalid_utf8_ndjson",
			fault: "invalid UTF-8 in an NDJSON file (always UTF-8)",
			how:   "a name on line 3 of 4 holds the byte 0xFF",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(5000, 4)
				var b strings.Builder
				for i, p := range ps {
					name := p.name
					if i == 2 {
						name = "新\xff人"
					}
					fmt.Fprintf(&b, `{"姓名":"%s","身份证号":"%s","学历":"硕士","招录方式":"公开招聘","编制来源":"乡镇编制","所在县(市、区)":"小店区","村社区代码":"140105001001","到岗时间":"2022-09-01"}`+"\n", name, p.id)
				}
				must(t, os.WriteFile(filepath.Join(drop, "人员台账-坏字节.ndjson"), []byte(b.String()), 0o644))
				return planted{uri: "人员台账-坏字节.ndjson", secrets: append(secrets, "新\xff人")}
			},
			errHas: []string{"row 3", ingest.ErrEncoding.Error(), "invalid UTF-8"},
		},
		{
			name:  "gb18030_declared_utf8",
			utf8:  true,
			fault: "a GB18030 CSV declared UTF-8",
			how:   "encoding: utf-8; a 5-row ledger saved as GB18030",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(6000, 5)
				b, err := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(ledgerCSV(ps)))
				must(t, err)
				must(t, os.WriteFile(filepath.Join(drop, "人员台账-国标.csv"), b, 0o644))
				return planted{uri: "人员台账-国标.csv", secrets: secrets}
			},
			errHas: []string{"row 1, column 1", ingest.ErrEncoding.Error(), "invalid UTF-8"},
		},
		changedCase(false),
		changedCase(true),
		{
			name:  "symlink_and_dotdot",
			fault: "symbolic links and a `..` path leading outside the drop folder",
			how:   "a link to a ledger outside the feeds, a link `../140123/人员台账.csv` to the other county's file, and a folder link `上级` to `..`",
			plant: func(t *testing.T, drop string) planted {
				ps, _ := recruits(7000, 3)
				outside := filepath.Join(t.TempDir(), "人员台账.csv")
				must(t, os.WriteFile(outside, []byte(ledgerCSV(ps)), 0o644))
				must(t, os.Symlink(outside, filepath.Join(drop, "人员台账-外部.csv")))
				must(t, os.Symlink("../140123/人员台账.csv", filepath.Join(drop, "人员台账-娄烦.csv")))
				must(t, os.Symlink("..", filepath.Join(drop, "上级")))
				return planted{refused: []string{"上级", "人员台账-外部.csv", "人员台账-娄烦.csv"}}
			},
			expect: expectRefuse,
		},
		{
			name:  "sql_in_names_and_values",
			fault: "quotes, semicolons and SQL in file names, sheet names, headers and values",
			how: "a workbook `" + sqlXLSX + "` with sheet `" + sqlSheet + "`, an extra header `" + sqlHeader +
				"` and values `" + sqlName + "` (name), `" + sqlValue + "` (major and the extra column), `" + sqlCode +
				"` (village code); a CSV `" + sqlCSV + "` with the name `" + sqlName2 + "`",
			plant: func(t *testing.T, drop string) planted {
				ps, _ := recruits(8000, 3)
				header := append(append([]string(nil), ledgerHeader...), "专业", sqlHeader)
				writeLedgerXLSX(t, filepath.Join(drop, sqlXLSX), sqlSheet, header, 2, func(i int) []string {
					r := append(ledgerRow(ps[i]), sqlValue, sqlValue)
					if i == 0 {
						r[0] = sqlName
					} else {
						r[8] = sqlCode
					}
					return r
				})
				row := ledgerRow(ps[2])
				row[0] = `"O'Brien""; DELETE FROM dim_person; --"` // CSV quoting of sqlName2
				must(t, os.WriteFile(filepath.Join(drop, sqlCSV),
					[]byte(strings.Join(ledgerHeader, ",")+"\n"+strings.Join(row, ",")+"\n"), 0o644))
				return planted{files: 2, rows: 3}
			},
			expect: expectRead,
			check: func(t *testing.T, x CountyResult, db *sql.DB) {
				if x.Loaded != 2 || x.Rejected != 1 || x.Rejects["unknown_village"] != 1 {
					t.Errorf("小店区: %+v; want 2 loaded, 1 rejected unknown_village", x)
				}
				for _, q := range []struct {
					sql  string
					args []any
					want int
				}{
					// Names lose their inner white space (a value rule of docs/feeds.md).
					{"SELECT count(*) FROM pii_person WHERE name IN (?, ?)",
						[]any{fixtureSeal(`Robert');DROPTABLEetl_run;--`), fixtureSeal(`O'Brien";DELETEFROMdim_person;--`)}, 2},
					{"SELECT count(*) FROM dim_person WHERE major = ?", []any{sqlValue}, 1},
					{"SELECT count(*) FROM etl_file WHERE source_uri IN (?, ?)", []any{sqlXLSX, sqlCSV}, 2},
					{`SELECT count(*) FROM etl_reject WHERE source_uri = ? AND sheet = ? AND row_number = 3
						AND reason = 'unknown_village' AND raw_masked LIKE '%' || ? || '%'`, []any{sqlXLSX, sqlSheet, sqlCode}, 1},
					{"SELECT count(*) FROM etl_finding WHERE code = 'unused_columns' AND detail LIKE '%' || ? || '%'", []any{sqlHeader}, 1},
					// Every table is still there, with the fixture's rows.
					{"SELECT count(*) FROM etl_run WHERE status = ?", []any{StatusSucceeded}, 5},
					{"SELECT count(*) FROM fact_posting WHERE county_code = ?", []any{"140105"}, 4},
				} {
					if n := scalar[int](t, db, q.sql, q.args...); n != q.want {
						t.Errorf("%s %q: %d, want %d", q.sql, q.args, n, q.want)
					}
				}
			},
		},
		{
			name:  "sheet_name_over_31",
			fault: "a sheet name longer than Excel's 31 characters, with SQL in it",
			how:   "a 3-row ledger workbook whose sheet is renamed `" + longSheet + "` (34 characters) in xl/workbook.xml",
			plant: func(t *testing.T, drop string) planted {
				ps, secrets := recruits(8100, 3)
				path := filepath.Join(drop, "人员台账-长表名.xlsx")
				writeLedgerXLSX(t, path, "人员台账", ledgerHeader, len(ps), func(i int) []string { return ledgerRow(ps[i]) })
				rewriteZip(t, path, func(name string, b []byte) []byte {
					if name == "xl/workbook.xml" {
						return bytes.Replace(b, []byte(`name="人员台账"`), []byte(`name="`+strings.ReplaceAll(longSheet, "'", "&apos;")+`"`), 1)
					}
					return b
				})
				return planted{uri: "人员台账-长表名.xlsx", secrets: secrets}
			},
			errHas: []string{`sheet "` + longSheet + `"`, ingest.ErrSyntax.Error(), "31 characters"},
		},
		jsonDeepCase("array", "[[[[… 10,000 arrays deep", nested("[", "", "]", 10_000), "row 1", "not an object"),
		jsonDeepCase("object_in_record", `[{"姓名": {"a": {"a": … 10,000 objects deep`,
			`[{"姓名":`+nested(`{"a":`, "1", "}", 10_000)+`}]`, "row 1, column 1", "nested arrays and objects are not allowed"),
		jsonDeepCase("object_without_records", `{"a": {"a": … 10,000 objects deep, no array of records`,
			nested(`{"a":`, "1", "}", 10_000), "", "holds no array"),
		jsonDeepCase("ndjson", `an NDJSON line {"姓名": [[[[… 10,000 deep`,
			`{"姓名":`+nested("[", "", "]", 10_000)+"}\n", "row 1, column 1", "nested arrays and objects are not allowed"),
		{
			name:  "json_deep_outside_records",
			fault: "a JSON file nested 10,000 levels deep outside its records",
			how:   `{"meta": {"a": {"a": … 10,000 objects deep}, "records": [one valid ledger row]}`,
			plant: func(t *testing.T, drop string) planted {
				p := recruit(9000)
				rec := fmt.Sprintf(`{"姓名":"%s","身份证号":"%s","学历":"硕士","招录方式":"公开招聘","编制来源":"乡镇编制","所在县(市、区)":"小店区","村社区代码":"140105001001","到岗时间":"2022-09-01"}`, p.name, p.id)
				text := `{"meta":` + nested(`{"a":`, "1", "}", 10_000) + `,"records":[` + rec + `]}`
				must(t, os.WriteFile(filepath.Join(drop, "人员台账-深.json"), []byte(text), 0o644))
				return planted{files: 1, rows: 1}
			},
			expect: expectRead,
			check: func(t *testing.T, x CountyResult, db *sql.DB) {
				if x.Loaded != 1 || x.Seconds > 5 {
					t.Errorf("小店区: %+v; want the record loaded, fast", x)
				}
			},
		},
		emptyCase("csv"),
		emptyCase("ndjson"),
		emptyCase("xlsx"),
		emptyCase("json"),
		headersOnlyCase("csv", func(t *testing.T, path string) {
			must(t, os.WriteFile(path, []byte(strings.Join(ledgerHeader, ",")+"\n"), 0o644))
		}),
		headersOnlyCase("xlsx", func(t *testing.T, path string) {
			writeLedgerXLSX(t, path, "人员台账", ledgerHeader, 0, nil)
		}),
		headersOnlyCase("json", func(t *testing.T, path string) {
			must(t, os.WriteFile(path, []byte(`{"record_type": "ledger", "records": []}`), 0o644))
		}),
	}
}

// maxRowsCase is a workbook of rows sheet rows: the header, rows-2 rows
// each with a wrong ID check character, and a valid row last.
func maxRowsCase(rows int, full bool) hostileCase {
	name := "many_rows_xlsx"
	if full {
		name = "max_rows_xlsx_full"
	}
	return hostileCase{
		name:  name,
		full:  full,
		fault: "an .xlsx with as many rows as Excel allows",
		how:   fmt.Sprintf("a sheet of %d rows: the header, %d rows with a wrong ID check character, one valid row last", rows, rows-2),
		plant: func(t *testing.T, drop string) planted {
			last := recruit(2_000_000)
			writeLedgerXLSX(t, filepath.Join(drop, "人员台账-满.xlsx"), "人员台账", ledgerHeader, rows-1, func(i int) []string {
				if i == rows-2 {
					return ledgerRow(last)
				}
				r := ledgerRow(recruit(100_000 + i))
				r[1] = badID(recruit(100_000 + i))
				return r
			})
			return planted{files: 1, rows: int64(rows - 1)}
		},
		expect: expectRead,
		check: func(t *testing.T, x CountyResult, db *sql.DB) {
			if x.Loaded != 1 || x.Rejected != int64(rows-2) || x.Rejects["bad_id_checksum"] != int64(rows-2) {
				t.Errorf("小店区: %+v; want 1 loaded, %d rejected bad_id_checksum", x, rows-2)
			}
			if n := scalar[int](t, db, "SELECT max(row_number) FROM etl_reject WHERE source_uri = '人员台账-满.xlsx'"); n != rows-1 {
				t.Errorf("the last rejected row is %d, want %d", n, rows-1)
			}
		},
	}
}

// longLineCase is a CSV whose fifth line holds an extra cell of size bytes;
// rowLimit lowers the reader's row limit (0: the default).
func longLineCase(size, rowLimit int, full bool) hostileCase {
	name, limit := "csv_long_line", rowLimit
	if full {
		name = "csv_100MB_line_full"
	}
	if limit == 0 {
		limit = ingest.DefaultMaxRowBytes
	}
	return hostileCase{
		name:  name,
		full:  full,
		fault: "a CSV line longer than the reader's row limit",
		how:   fmt.Sprintf("line 5 of 7 holds an extra cell of %d bytes; the row limit %d bytes", size, limit),
		read:  ingest.ReadOptions{MaxRowBytes: rowLimit},
		plant: func(t *testing.T, drop string) planted {
			ps, secrets := recruits(11_000, 6)
			text := ledgerCSV(ps)
			long := strings.Repeat("机密", size/6)
			text = strings.Replace(text, ps[3].phone, ps[3].phone+","+long, 1)
			must(t, os.WriteFile(filepath.Join(drop, "人员台账-长行.csv"), []byte(text), 0o644))
			return planted{uri: "人员台账-长行.csv", secrets: append(secrets, "机密")}
		},
		errHas: []string{"row 5", ingest.ErrTooLarge.Error(), fmt.Sprintf("over %d bytes", limit)},
	}
}

// changedCase is a 10,000-row CSV that changes while the run reads it: a
// row is appended, or (inPlace) a name near its end is overwritten with
// one of the same length and the modification time put back.
func changedCase(inPlace bool) hostileCase {
	name, how := "changed_while_read_append", "10,000-row CSV; a valid row appended when the reader reports the file's first row"
	if inPlace {
		name, how = "changed_while_read_in_place", "10,000-row CSV; when the reader reports the file's first row, a name near its end is overwritten with one of the same length and the modification time restored"
	}
	return hostileCase{
		name:  name,
		fault: "a file that changes while it is read",
		how:   how,
		plant: func(t *testing.T, drop string) planted {
			ps, secrets := recruits(20_000, 10_000)
			const uri = "人员台账-变化.csv"
			path := filepath.Join(drop, uri)
			text := ledgerCSV(ps)
			must(t, os.WriteFile(path, []byte(text), 0o644))
			listed, err := os.Stat(path)
			must(t, err)
			// The runner lists (and hashes) the file, then reads it; the
			// first progress event of the file comes after it is listed.
			// A failure here panics, which the run reports as an internal
			// error, failing the case.
			changed := false
			progress := func(e Event) {
				if e.File != uri || changed {
					return
				}
				changed = true
				flag := os.O_WRONLY | os.O_APPEND
				if inPlace {
					flag = os.O_WRONLY
				}
				fh, err := os.OpenFile(path, flag, 0)
				if err != nil {
					panic(err)
				}
				defer fh.Close()
				if inPlace {
					off := int64(strings.LastIndex(text, ps[9_998].name))
					if _, err := fh.WriteAt([]byte(recruit(0).name), off); err != nil {
						panic(err)
					}
					if err := os.Chtimes(path, listed.ModTime(), listed.ModTime()); err != nil {
						panic(err)
					}
					return
				}
				if _, err := fh.WriteString(strings.Join(ledgerRow(recruit(30_000)), ",") + "\n"); err != nil {
					panic(err)
				}
			}
			return planted{uri: uri, secrets: secrets, progress: progress}
		},
		errHas: []string{ingest.ErrChanged.Error(), "changed while being read"},
	}
}

// jsonDeepCase is a JSON (or NDJSON) file nested 10,000 levels deep.
func jsonDeepCase(name, how, text, where, msg string) hostileCase {
	ext := ".json"
	if name == "ndjson" {
		ext = ".ndjson"
	}
	uri := "人员台账-深" + ext
	return hostileCase{
		name:  "json_deep_" + name,
		fault: "a JSON file nested 10,000 levels deep",
		how:   how,
		plant: func(t *testing.T, drop string) planted {
			must(t, os.WriteFile(filepath.Join(drop, uri), []byte(text), 0o644))
			return planted{uri: uri}
		},
		errHas: []string{where, ingest.ErrSyntax.Error(), msg},
		check: func(t *testing.T, x CountyResult, _ *sql.DB) {
			if x.Seconds > 5 {
				t.Errorf("failing took %.1fs", x.Seconds)
			}
		},
	}
}

// emptyCase is an empty (0-byte) ledger of a format: whatever the format,
// one warning finding empty_file naming it, the county's run succeeds, and
// the file is not recorded as read (every empty file has the same hash).
func emptyCase(ext string) hostileCase {
	uri := "人员台账-空." + ext
	return hostileCase{
		name:  "empty_" + ext,
		fault: "an empty (0-byte) ." + ext + " file",
		how:   "a 0-byte file named " + uri,
		plant: func(t *testing.T, drop string) planted {
			must(t, os.WriteFile(filepath.Join(drop, uri), nil, 0o644))
			return planted{uri: uri, files: 1, unseen: 1}
		},
		expect: expectRead,
		check: func(t *testing.T, x CountyResult, db *sql.DB) {
			if x.FindingsBy["empty_file"] != 1 {
				t.Errorf("findings %v; want one empty_file", x.FindingsBy)
			}
			if n := scalar[int](t, db, "SELECT count(*) FROM etl_finding WHERE code = 'empty_file' AND severity = 'warning' AND contains(detail, ?)", uri); n != 1 {
				t.Errorf("%d empty_file warnings naming %s, want 1", n, uri)
			}
			if n := scalar[int](t, db, "SELECT count(*) FROM etl_file WHERE source_uri = ?", uri); n != 0 {
				t.Errorf("%s is recorded as read %d times, want never", uri, n)
			}
		},
	}
}

// headersOnlyCase is a ledger with its header and no data rows: it reads
// with 0 rows. A ledger without rows is not taken as a new ledger from
// which everyone vanished: no vanished_from_ledger finding, and the one
// posting open in 小店区 (李四's) stays open.
func headersOnlyCase(ext string, write func(t *testing.T, path string)) hostileCase {
	uri := "人员台账-表头." + ext
	how := "the ledger's header row and no data rows"
	if ext == "json" {
		how = `{"record_type": "ledger", "records": []}`
	}
	return hostileCase{
		name:  "headers_only_" + ext,
		fault: "a ." + ext + " file with headers only (no data rows)",
		how:   how,
		plant: func(t *testing.T, drop string) planted {
			write(t, filepath.Join(drop, uri))
			return planted{files: 1}
		},
		expect: expectRead,
		check: func(t *testing.T, x CountyResult, db *sql.DB) {
			if n := scalar[int](t, db, "SELECT count(*) FROM fact_posting WHERE county_code = '140105' AND end_date IS NULL"); n != 1 || x.Findings != 0 {
				t.Errorf("%d open postings in 小店区, findings %v; want 1 and none", n, x.FindingsBy)
			}
		},
	}
}
