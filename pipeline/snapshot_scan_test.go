package pipeline

import (
	"context"
	"database/sql"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/idnum"
	"github.com/grassroots-cn/grassroots/synth"
)

// extraBirth is one hand-made ledger row added to 小店区's workbook: a
// made-up graduate whose date of birth is written in a spelling the
// synthetic city's own files lack, and whose degree (大专) rejects the row.
type extraBirth struct {
	born    time.Time
	written any // the birth cell: text, or a number for an Excel serial
}

// Dates of birth in each spelling; 33444 is 1991-07-25 (33444 - 25569, the
// serial of 1970-01-01, is 7875 days: 21 years with 5 leap days, 7670, and
// 205 days into 1991).
var extraBirths = []extraBirth{
	{day(1991, 7, 25), 33444},
	{day(1992, 3, 5), "1992.03.05"},
	{day(1992, 4, 6), "1992.4.6"},
	{day(1993, 9, 16), "1993/09/16"},
	{day(1994, 10, 7), "1994年10月7日"},
	{day(1995, 1, 2), "1995年01月02号"},
	{day(1996, 11, 21), "一九九六年十一月二十一日"},
	{day(1990, 12, 30), "19901230"},
	{day(1989, 8, 18), "1989-8-18"},
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// TestSnapshotHoldsNoBirthDates is the attacker with the published snapshot
// and the list of whom to look for (every ID number the city's files hold,
// its graduates' phones and everyone's date of birth): every text column of
// every table is searched for each date of birth in every spelling, each ID
// number and phone, and anything shaped like an ID number or a phone.
func TestSnapshotHoldsNoBirthDates(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole synthetic city; skipped with -short")
	}
	ctx := context.Background()
	gen, people, err := synth.GeneratePeople(ctx, t.TempDir(), synth.Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	book, first := addExtraRows(t, gen)
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Config: cfg}).Run(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed() != 0 {
		t.Fatalf("failed loads: %+v", res)
	}
	checkRejected(t, cfg, book, first)

	births := people.Births
	for _, e := range extraBirths {
		births = append(births, e.born)
	}
	needles := map[string]string{} // needle -> what it is, for the message
	for _, b := range births {
		for _, s := range spellings(b) {
			needles[s] = "a date of birth"
		}
	}
	for _, id := range people.IDs {
		needles[id] = "an ID number"
		if len(id) == 18 {
			needles[id[:17]] = "an ID number's first 17 digits"
		}
	}
	for _, p := range people.Phones {
		needles[p] = "a phone"
	}
	if len(people.IDs) < 1000 || len(people.Phones) < 1000 || len(births) < 1000 {
		t.Fatalf("only %d IDs, %d phones, %d dates of birth to look for", len(people.IDs), len(people.Phones), len(births))
	}
	scanSnapshot(t, openRO(t, cfg.Published), needles)
}

// addExtraRows appends the extraBirths rows to the ledger sheet of 小店区's
// workbook and returns the workbook's name and the first row's number.
func addExtraRows(t *testing.T, gen *synth.Result) (string, int) {
	t.Helper()
	var path string
	for _, c := range gen.Counties {
		if c.Code == "140105" {
			path = filepath.Join(gen.Dir, filepath.FromSlash(c.Files[0]))
		}
	}
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	const sheet = "人员台账"
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	head := -1
	for i, r := range rows {
		if len(r) > 1 && strings.Contains(strings.Join(r, "|"), "身份证号") {
			head = i
			break
		}
	}
	if head < 0 {
		t.Fatal("no header row in the ledger sheet")
	}
	first := len(rows) + 1
	for k, e := range extraBirths {
		first17 := fmt.Sprintf("140105%s%03d", e.born.Format("20060102"), 100+2*k)
		id := first17 + string(idnum.CheckChar(first17))
		phone := fmt.Sprintf("1390000%04d", k)
		free := fmt.Sprintf("生于%s，电话+86 %s-%s-%s，座机0351-76543%02d，身份证%s %s %s，序列号%d",
			e.born.Format("2006年1月2日"), phone[:3], phone[3:7], phone[7:], k, id[:6], id[6:14], id[14:], serialOf(e.born))
		vals := map[string]any{
			"姓名": "欧阳测试", "性别": "女", "出生年月": e.written, "身份证号": id, "政治面貌": "群众",
			"学历": "大专", "毕业院校": free, "专业": "社会学", "联系电话": phone, "所在县(市、区)": "小店区",
			"招录方式": "公开招聘", "编制来源": "乡镇事业编制", "到岗时间": "2021-07-01", "离岗原因": free,
		}
		var cells []any
		for _, h := range rows[head] {
			cells = append(cells, vals[h])
		}
		cell, err := excelize.CoordinatesToCellName(1, first+k)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sheet, cell, &cells); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return filepath.Base(path), first
}

// checkRejected asserts that the warehouse rejected every extra row, so that
// the scan below is not vacuous, and that the city's own ledgers with a
// birth column (ISO, 2022/7/1, 2022-7-1, 20220701 and date cells) had rows
// rejected too.
func checkRejected(t *testing.T, cfg *config.Config, book string, first int) {
	t.Helper()
	withWarehouse(t, cfg, func(db *sql.DB) {
		n := scalar[int](t, db, `SELECT count(*) FROM etl_reject WHERE source_uri LIKE '%' || ? AND sheet = '人员台账'
			AND row_number BETWEEN ? AND ?`, book, first, first+len(extraBirths)-1)
		if n != len(extraBirths) {
			t.Fatalf("%d of the %d hand-made rows rejected", n, len(extraBirths))
		}
		// Their birth cells were read (and masked), not left out.
		n = scalar[int](t, db, `SELECT count(*) FROM etl_reject WHERE source_uri LIKE '%' || ? AND sheet = '人员台账'
			AND row_number BETWEEN ? AND ? AND raw_masked LIKE '%"出生年月":"**"%'`, book, first, first+len(extraBirths)-1)
		if n != len(extraBirths) {
			t.Fatalf("%d of the %d hand-made rows keep their birth cell as **", n, len(extraBirths))
		}
		for _, code := range []string{"140105", "140106", "140107", "140109", "140122"} {
			q := `SELECT count(*) FROM etl_reject WHERE county_code = ? AND (raw_masked LIKE '%"出生%' OR raw_masked LIKE '%"birth"%')`
			if k := scalar[int](t, db, q, code); k == 0 {
				t.Errorf("county %s: no rejected row with a birth column", code)
			}
		}
	})
}

// serialOf is t's Excel serial number (1900 date system, from 1900-03-01).
func serialOf(t time.Time) int { return int(t.Sub(day(1899, 12, 30)).Hours() / 24) }

// spellings writes a date of birth every way a county might.
func spellings(b time.Time) []string {
	y, m, d := b.Year(), int(b.Month()), b.Day()
	var out []string
	for _, sep := range []string{"-", "/", "."} {
		for _, f := range []string{"%d" + sep + "%d" + sep + "%d", "%d" + sep + "%02d" + sep + "%02d",
			"%d" + sep + "%02d" + sep + "%d", "%d" + sep + "%d" + sep + "%02d"} {
			out = append(out, fmt.Sprintf(f, y, m, d))
		}
	}
	out = append(out, fmt.Sprintf("%d%02d%02d", y, m, d), fmt.Sprintf("%d年%d月%d日", y, m, d),
		fmt.Sprintf("%d年%02d月%02d日", y, m, d), fmt.Sprintf("%d年%d月%d号", y, m, d), fmt.Sprint(serialOf(b)))
	digit := []rune("〇一二三四五六七八九")
	cn := func(n int) string {
		switch {
		case n < 10:
			return string(digit[n])
		case n < 20:
			return "十" + strings.TrimPrefix(string(digit[n-10]), "〇")
		}
		return string(digit[n/10]) + "十" + strings.TrimPrefix(string(digit[n%10]), "〇")
	}
	var yb strings.Builder
	for _, c := range fmt.Sprint(y) {
		yb.WriteRune(digit[c-'0'])
	}
	return append(out, yb.String()+"年"+cn(m)+"月"+cn(d)+"日")
}

// Anything written like an ID number or a phone: digits joined by up to
// three separators, an x at the end, with no letter or digit either side.
var (
	numberRun = regexp.MustCompile(`[0-9](?:[ \t./_\-]{0,3}[0-9])*[xX]?`)
	// person_key and other keys: 16 hex characters or more, skipped.
	hexKey   = regexp.MustCompile(`[0-9a-f]{16,}`)
	phoneRun = regexp.MustCompile(`^(?:(?:00)?86)?1[3-9][0-9]{9}$|^0[1-9][0-9]{8,10}$`)
)

// scanSnapshot reads every text column of every table and view of db and
// fails on any needle found with no digit right before or after it, and on
// anything shaped like an ID number or a phone.
func scanSnapshot(t *testing.T, db *sql.DB, needles map[string]string) {
	t.Helper()
	lengths := map[int]bool{}
	for n := range needles {
		lengths[len(n)] = true
	}
	cols := textColumns(t, db)
	if len(cols) < 20 {
		t.Fatalf("only %d text columns found", len(cols))
	}
	values, found := 0, 0
	for _, c := range cols {
		rows, err := db.Query(fmt.Sprintf(`SELECT CAST(%q AS VARCHAR) FROM %q WHERE %q IS NOT NULL`, c[1], c[0], c[1]))
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			values++
			for _, what := range findPersonal(s, needles, lengths) {
				if found++; found <= 20 {
					t.Errorf("%s.%s holds %s", c[0], c[1], what)
				}
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	if found > 20 {
		t.Errorf("%d finds in all", found)
	}
	t.Logf("%d text columns, %d values scanned", len(cols), values)
}

// textColumns lists the (table, column) pairs of db's text columns.
func textColumns(t *testing.T, db *sql.DB) [][2]string {
	t.Helper()
	rows, err := db.Query(`SELECT table_name, column_name FROM information_schema.columns
		WHERE data_type IN ('VARCHAR', 'VARCHAR[]', 'JSON') AND table_schema = 'main' ORDER BY ALL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var c [2]string
		if err := rows.Scan(&c[0], &c[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// findPersonal returns what s holds of the needles (matched where no ASCII
// digit touches them) and of anything shaped like an ID number or a phone,
// hex keys (person_key) aside.
func findPersonal(s string, needles map[string]string, lengths map[int]bool) []string {
	var out []string
	s = hexKey.ReplaceAllStringFunc(s, func(k string) string {
		if strings.IndexFunc(k, func(r rune) bool { return r >= 'a' }) < 0 {
			return k // digits only: no key
		}
		return strings.Repeat("_", len(k))
	})
	isDigit := func(i int) bool { return i >= 0 && i < len(s) && s[i] >= '0' && s[i] <= '9' }
	for i := range len(s) {
		if isDigit(i - 1) {
			continue
		}
		for l := range lengths {
			if i+l <= len(s) && !isDigit(i+l) {
				if what, ok := needles[s[i:i+l]]; ok {
					out = append(out, what+" (a value of "+fmt.Sprint(len(s))+" bytes)")
				}
			}
		}
	}
	isAlnum := func(i int) bool {
		return i >= 0 && i < len(s) && (isDigit(i) || s[i]|0x20 >= 'a' && s[i]|0x20 <= 'z')
	}
	for _, m := range numberRun.FindAllStringIndex(s, -1) {
		if isAlnum(m[0]-1) || isAlnum(m[1]) {
			continue
		}
		bare := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' || r == 'x' || r == 'X' {
				return r
			}
			return -1
		}, s[m[0]:m[1]])
		if _, err := idnum.Parse(bare); err == nil || err == idnum.ErrChecksum {
			out = append(out, "an ID-shaped number")
		}
		if phoneRun.MatchString(bare) {
			out = append(out, "a phone-shaped number")
		}
	}
	return out
}
