package synth

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"github.com/grassroots-cn/grassroots/internal/dates"
	"github.com/grassroots-cn/grassroots/internal/idnum"
)

// normalise is the text normalisation of docs/feeds.md (文本), enough for the tests:
// NFKC, then trimmed of white space including U+3000 and U+00A0.
func normalise(s string) string {
	return strings.TrimSpace(strings.Trim(norm.NFKC.String(s), "\u3000\u00a0"))
}

// TestFeedsReadBack reads every county's files back and checks that the rows
// are those counted in the feed: every data row counted in RowsIn, every bad
// ID number and bad date accounted for by a reject, and nothing else wrong.
func TestFeedsReadBack(t *testing.T) {
	res, _ := generated(t, 1)
	codes := map[string]bool{}
	for _, feed := range res.Counties {
		t.Run(feed.Code, func(t *testing.T) { checkFeed(t, res, feed, codes) })
	}
	for _, code := range []string{
		rejBadIDFormat, rejBadIDChecksum, rejBadDate + colStart, rejBadDate + colEnd, rejBadDate + colPaid, rejMissing,
		rejUnknownValue, rejUnknownVill, rejWrongCounty, rejEndBefore, rejDuplicate,
	} {
		if !codes[code] {
			t.Errorf("no county has a %s reject", code)
		}
	}
}

// checkFeed reads a county's files back and checks that the rows are those
// counted in its feed: every data row counted in RowsIn and Rows, every bad
// ID number and bad date accounted for by a reject, and nothing else wrong.
// It adds the county's reject codes (and their prefixes up to ":") to codes.
func checkFeed(t *testing.T, res *Result, feed CountyFeed, codes map[string]bool) {
	t.Helper()
	sh := feedShape(t, feed)
	rows, badIDs, badDates, emptyIDs := 0, 0, 0, 0
	byType := map[string]int{}
	for _, sd := range readBack(t, res, feed) {
		rows += len(sd.rows)
		byType[sd.rt.english()] += len(sd.rows)
		id := sd.column(sh, colID)
		if sd.rt != rtQuota && sd.rt != rtVacancies && id < 0 {
			t.Errorf("%s %s: no ID column in %v", sd.file, sd.sheet, sd.header)
		}
		for _, r := range sd.rows {
			if id >= 0 {
				switch s := normalise(r[id]); {
				case s == "":
					emptyIDs++
				default:
					if _, err := idnum.Parse(s); err != nil {
						badIDs++
					}
				}
			}
			for _, key := range []string{colBirth, colStart, colEnd, colRoleStart, colReported, colFilled, colPaid} {
				i := sd.column(sh, key)
				if i < 0 || normalise(r[i]) == "" {
					continue
				}
				if _, err := dates.Parse(normalise(r[i]), filepath.Ext(sd.file) == ".xlsx"); err != nil {
					badDates++
				}
			}
		}
	}
	if rows != feed.RowsIn || !maps.Equal(byType, feed.Rows) {
		t.Errorf("%d data rows in the files (%v), RowsIn %d (%v)", rows, byType, feed.RowsIn, feed.Rows)
	}
	if want := feed.Rejects[rejBadIDFormat] + feed.Rejects[rejBadIDChecksum]; badIDs != want {
		t.Errorf("%d invalid ID numbers, %d rejected for them", badIDs, want)
	}
	if want := feed.Rejects[rejMissing+colID]; emptyIDs != want {
		t.Errorf("%d empty ID numbers, %d rejected as missing", emptyIDs, want)
	}
	wantDates := 0
	rejects := 0
	for code, n := range feed.Rejects {
		codes[strings.SplitAfter(code, ":")[0]] = true
		if strings.HasPrefix(code, rejBadDate) {
			codes[code] = true
			wantDates += n
		}
		rejects += n
	}
	if badDates != wantDates {
		t.Errorf("%d unparseable dates, %d rejected for them", badDates, wantDates)
	}
	if share := float64(rejects+feed.Duplicates) / float64(feed.RowsIn); share < 0.01 || share > 0.02 {
		t.Errorf("dirty rows are %.2f%% of %d", 100*share, feed.RowsIn)
	}
	if feed.Duplicates < 1 {
		t.Error("no exact duplicate")
	}
}

// TestCountyShapes checks what makes each county's files its own.
func TestCountyShapes(t *testing.T) {
	res, _ := generated(t, 1)
	feeds := map[string]CountyFeed{}
	for _, f := range res.Counties {
		feeds[f.Code] = f
	}
	path := func(code string, i int) string {
		return filepath.Join(res.Dir, filepath.FromSlash(feeds[code].Files[i]))
	}
	sheets := func(code string) map[string]sheetData {
		out := map[string]sheetData{}
		for _, sd := range readBack(t, res, feeds[code]) {
			out[sd.rt.english()] = sd
		}
		return out
	}

	t.Run("140105 workbook with title rows and date cells", func(t *testing.T) {
		f, err := excelize.OpenFile(path("140105", 0))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		want := []string{"说明", "人员台账", "任职记录", "年度考核", "空缺登记", "编制", "补贴发放"}
		if got := f.GetSheetList(); !slices.Equal(got, want) {
			t.Fatalf("sheets %v, want %v", got, want)
		}
		merged, err := f.GetMergeCells("人员台账")
		if err != nil || len(merged) != 1 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "U1" {
			t.Fatalf("merged cells %v (%v), want A1:U1", merged, err)
		}
		if h, _ := f.GetCellValue("人员台账", "A2"); h != "序号" {
			t.Errorf("A2 = %q, want the header 序号", h)
		}
		// R3 is the first posting's 到岗时间: a date cell holding a serial number.
		if h, _ := f.GetCellValue("人员台账", "R2"); h != "到岗时间" {
			t.Fatalf("R2 = %q", h)
		}
		raw, _ := f.GetCellValue("人员台账", "R3", excelize.Options{RawCellValue: true})
		shown, _ := f.GetCellValue("人员台账", "R3")
		style, _ := f.GetCellStyle("人员台账", "R3")
		st, _ := f.GetStyle(style)
		if !regexp.MustCompile(`^4[3-4]\d{3}$`).MatchString(raw) || st.CustomNumFmt == nil ||
			*st.CustomNumFmt != "yyyy-mm-dd" || !regexp.MustCompile(`^20(19|20|21|22)-\d\d-\d\d$`).MatchString(shown) {
			t.Errorf("R3 raw %q shown %q format %v: not a date cell", raw, shown, st.CustomNumFmt)
		}
		d, _ := dates.Parse(raw, true)
		if d.Format("2006-01-02") != shown {
			t.Errorf("serial %s is %s, shown as %s", raw, d.Format("2006-01-02"), shown)
		}
	})

	t.Run("140106 GB18030 with CRLF", func(t *testing.T) {
		b := readFile(t, path("140106", 0))
		if utf8.Valid(b) || !bytes.Contains(b, []byte("\r\n")) {
			t.Error("not GB18030 with CRLF")
		}
		sd := sheets("140106")["ledger"]
		if !slices.Equal(sd.header[:4], []string{"姓名", "性别", "身份证号码", "出生日期"}) {
			t.Errorf("header %v", sd.header)
		}
		fullWidth, padded := 0, 0
		for _, r := range sd.rows {
			if strings.ContainsRune(r[2], '１') {
				fullWidth++
			}
			if strings.HasSuffix(r[11], "\u3000") {
				padded++
			}
		}
		if fullWidth == 0 || padded == 0 {
			t.Errorf("%d full-width IDs, %d padded village names", fullWidth, padded)
		}
	})

	t.Run("140107 canonical headers with BOM", func(t *testing.T) {
		b := readFile(t, path("140107", 0))
		if !bytes.HasPrefix(b, []byte("\xef\xbb\xbfname,id_number,gender,phone,birth,")) {
			t.Errorf("starts %q", b[:40])
		}
		if sd := sheets("140107")["roles"]; !slices.Equal(sd.header, []string{"id_number", "role", "village_code", "start_date", "end_date"}) {
			t.Errorf("roles header %v", sd.header)
		}
	})

	t.Run("140108 TSV with roles in the ledger", func(t *testing.T) {
		for _, f := range feeds["140108"].Files {
			if strings.Contains(f, "roles") || filepath.Ext(f) != ".tsv" {
				t.Errorf("file %s", f)
			}
		}
		b := readFile(t, path("140108", 0))
		first, _, _ := bytes.Cut(b, []byte("\n"))
		if bytes.Count(first, []byte("\t")) != 18 || !bytes.HasSuffix(first, []byte("现任职务\t任职时间")) {
			t.Errorf("header %q", first)
		}
		sd := sheets("140108")["ledger"]
		i, start := sd.column(shapes["140108"], colRole), sd.column(shapes["140108"], colStart)
		roles := 0
		for _, r := range sd.rows {
			if r[i] != "" {
				roles++
			}
			if r[start] != "" && !regexp.MustCompile(`^\d{4}\.\d{1,2}\.\d{1,2}$`).MatchString(r[start]) && r[start] != "待定" {
				t.Errorf("start %q", r[start])
			}
		}
		if roles < 9 {
			t.Errorf("%d ledger rows with a role", roles)
		}
	})

	t.Run("140109 JSON with string IDs", func(t *testing.T) {
		b := readFile(t, path("140109", 0))
		if !regexp.MustCompile(`"身份证号码":"\d{17}[\dX]"`).Match(b) || regexp.MustCompile(`"身份证号码":\d`).Match(b) {
			t.Error("ID numbers are not JSON strings")
		}
		if !regexp.MustCompile(`"入职时间":"20\d{6}"`).Match(b) {
			t.Error("no yyyymmdd start date")
		}
	})

	t.Run("140110 NDJSON with date-times and nulls", func(t *testing.T) {
		b := readFile(t, path("140110", 0))
		lines := bytes.Split(bytes.TrimSpace(b), []byte("\n"))
		if len(lines) < 100 || !bytes.Contains(b, []byte(`"end_date":null`)) ||
			!regexp.MustCompile(`"start_date":"20\d\d-\d\d-\d\dT09:00:00\+08:00"`).Match(lines[0]) {
			t.Errorf("first line %s", lines[0])
		}
		if !bytes.Contains(b, []byte(`"channel":"special_intro"`)) || !bytes.Contains(b, []byte(`"township":"140110`)) {
			t.Error("no canonical values or township codes")
		}
	})

	t.Run("140121 one workbook per record type, text dates", func(t *testing.T) {
		if n := len(feeds["140121"].Files); n != 6 {
			t.Fatalf("%d files", n)
		}
		for i, rt := range recordTypes {
			f, err := excelize.OpenFile(path("140121", i))
			if err != nil {
				t.Fatal(err)
			}
			if got := f.GetSheetList(); !slices.Equal(got, []string{rt.sheet()}) || filepath.Base(path("140121", i)) != rt.sheet()+".xlsx" {
				t.Errorf("%s has sheets %v", path("140121", i), got)
			}
			f.Close()
		}
		sd := sheets("140121")["ledger"]
		if s := sd.rows[0][sd.column(shapes["140121"], colStart)]; !regexp.MustCompile(`^\d{4}年\d{1,2}月\d{1,2}日$`).MatchString(s) {
			t.Errorf("start %q", s)
		}
	})

	t.Run("140122 GB18030, mixed dates, months", func(t *testing.T) {
		sd := sheets("140122")["ledger"]
		if sd.header[9] != "所在县（市、区）" || sd.header[3] != "公民身份号码" {
			t.Errorf("header %v", sd.header)
		}
		short := 0
		for _, r := range sd.rows {
			if regexp.MustCompile(`^\d{4}-\d{1,2}-\d{1,2}$`).MatchString(r[16]) && !regexp.MustCompile(`^\d{4}-\d\d-\d\d$`).MatchString(r[16]) {
				short++
			}
		}
		if short == 0 {
			t.Error("no start date like 2022-7-1")
		}
		subs := sheets("140122")["subsidies"]
		if s := subs.rows[0][2]; !regexp.MustCompile(`^\d{4}年\d{1,2}月$`).MatchString(s) {
			t.Errorf("paid_on %q", s)
		}
	})

	t.Run("140123 serial numbers and 15-digit IDs", func(t *testing.T) {
		f, err := excelize.OpenFile(path("140123", 0))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if got := f.GetSheetList(); !slices.Equal(got, []string{"人员台账", "任职记录", "年度考核"}) {
			t.Errorf("sheets %v", got)
		}
		v, _ := f.GetCellValue("人员台账", "P2")
		style, _ := f.GetCellStyle("人员台账", "P2")
		if h, _ := f.GetCellValue("人员台账", "P1"); h != "到岗时间" || !regexp.MustCompile(`^4[3-4]\d{3}$`).MatchString(v) || style != 0 {
			t.Errorf("P1 %q P2 %q style %d: want a plain serial number", h, v, style)
		}
		sd := sheets("140123")["ledger"]
		legacy := 0
		for _, r := range sd.rows {
			if len(r[2]) == 15 {
				legacy++
			}
		}
		if legacy < 10 {
			t.Errorf("%d 15-digit ID numbers", legacy)
		}
	})

	t.Run("140181 multi-line notes, township codes, village names", func(t *testing.T) {
		b := readFile(t, path("140181", 0))
		if bytes.HasPrefix(b, []byte("\xef\xbb\xbf")) || !utf8.Valid(b) {
			t.Error("not UTF-8 without BOM")
		}
		sd := sheets("140181")["ledger"]
		if slices.Contains(sd.header, "村社区代码") || sd.header[len(sd.header)-1] != "备注" {
			t.Errorf("header %v", sd.header)
		}
		multi := 0
		for _, r := range sd.rows {
			if strings.Contains(r[len(r)-1], "\n") {
				multi++
			}
			if !regexp.MustCompile(`^1401\d{5}$`).MatchString(r[9]) {
				t.Errorf("township %q is not a 9-digit code", r[9])
			}
		}
		if multi == 0 {
			t.Error("no multi-line note")
		}
	})
}

// TestDivisions checks the city's village list: headers, codes whose kind
// digits match the names, the divisions outside the 2022 universe.
func TestDivisions(t *testing.T) {
	res, _ := generated(t, 1)
	recs := csvRecords(t, res.DivisionsPath, &shape{})
	if !slices.Equal(recs[0], divisionsHeader) {
		t.Fatalf("header %v", recs[0])
	}
	if len(recs) != 1+1395+3+2 {
		t.Errorf("%d divisions, want 1400", len(recs)-1)
	}
	townships := map[string]string{}
	names := map[string]bool{}
	dissolved, established2023 := 0, 0
	for _, r := range recs[1:] {
		code, name, tcode, tname, ccode, ur := r[0], r[1], r[2], r[3], r[4], r[6]
		if !strings.HasPrefix(code, tcode) || !strings.HasPrefix(tcode, ccode) || len(code) != 12 || len(tcode) != 9 {
			t.Errorf("codes %s %s %s", code, tcode, ccode)
		}
		if prev, ok := townships[tcode]; ok && prev != tname {
			t.Errorf("township %s named %s and %s", tcode, prev, tname)
		}
		townships[tcode] = tname
		tk := tcode[6:]
		switch {
		case tk >= "001" && tk <= "099" && strings.HasSuffix(tname, "街道"):
		case tk >= "100" && tk <= "199" && strings.HasSuffix(tname, "镇"):
		case tk >= "200" && tk <= "399" && strings.HasSuffix(tname, "乡"):
		default:
			t.Errorf("township %s %s: kind digits and name disagree", tcode, tname)
		}
		vk := code[9:]
		switch {
		case vk >= "001" && vk <= "199" && strings.HasSuffix(name, "社区") && (ur == "111" || ur == "112"):
		case vk >= "200" && vk <= "399" && strings.HasSuffix(name, "村") && slices.Contains([]string{"121", "122", "123", "210", "220"}, ur):
		default:
			t.Errorf("village %s %s (%s): kind digits, name and class disagree", code, name, ur)
		}
		if names[tcode+name] {
			t.Errorf("two villages named %s in %s", name, tcode)
		}
		names[tcode+name] = true
		if r[8] == "2020-06-30" {
			dissolved++
		}
		if r[7] == "2023-03-01" {
			established2023++
		}
	}
	if len(townships) != 101 || dissolved != 3 || established2023 != 2 {
		t.Errorf("%d townships, %d dissolved, %d established in 2023", len(townships), dissolved, established2023)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, "feeds")); err != nil {
		t.Fatal(err)
	}
}
