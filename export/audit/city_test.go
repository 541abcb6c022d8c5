package audit_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/export"
	"github.com/grassroots-cn/grassroots/export/audit"
	"github.com/grassroots-cn/grassroots/internal/testcity"
	"github.com/grassroots-cn/grassroots/warehouse"
)

var secret = []byte("audit-test-secret-0123456789abcdef")

// TestDemoRelease runs the audit on the demo city's release and holds its
// figures against independent checks: every posting it pins to one village
// is truly in that village (the private warehouse, joined back through the
// research_id's HMAC), its counts agree with plain SQL over the release's
// files, and every entry year or period it reads back holds the person's
// true entry year. It
// describes today's release in kind only (no hard-coded counts): when the
// release is redesigned the figures change, the agreement must not.
func TestDemoRelease(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole synthetic city; skipped with -short")
	}
	ctx := context.Background()
	dir := t.TempDir()
	_, cfg, err := testcity.Load(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	asOf := time.Date(2022, 12, 31, 0, 0, 0, 0, time.UTC)
	w, err := warehouse.Open(ctx, cfg.Warehouse, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := export.Write(ctx, w, export.Options{Release: "2022Q4", AsOf: asOf, Out: filepath.Join(dir, "export"),
		Secret: secret, K: 5, Version: "test", ConfigHash: strings.Repeat("ab", 32)})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Run(ctx, res.Dir, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.K != 5 || int64(rep.Persons) != res.Persons {
		t.Errorf("k %d, persons %d; the release has k 5, %d persons", rep.K, rep.Persons, res.Persons)
	}
	truth := postingsTruth(t, cfg.Warehouse, asOf)
	checkPins(t, rep.Linkage, truth)
	checkAgainstFiles(t, rep, res.Dir)
	checkEntryYears(t, rep, truth)
}

// truth is the private warehouse's postings begun by the release day, by
// research_id: "village start-month" and the true entry year.
type truth struct {
	postings  int
	placed    map[string]map[string]bool
	entryYear map[string]string
}

func postingsTruth(t *testing.T, path string, asOf time.Time) truth {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT person_key, village_code, strftime(start_date, '%Y-%m'),
			strftime(min(start_date) OVER (PARTITION BY person_key), '%Y')
		FROM fact_posting WHERE start_date <= ?`, asOf.Format(time.DateOnly))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	tr := truth{placed: map[string]map[string]bool{}, entryYear: map[string]string{}}
	for rows.Next() {
		var key, village, start, entry string
		if err := rows.Scan(&key, &village, &start, &entry); err != nil {
			t.Fatal(err)
		}
		m := hmac.New(sha256.New, secret)
		m.Write([]byte(key))
		rid := hex.EncodeToString(m.Sum(nil))
		if tr.placed[rid] == nil {
			tr.placed[rid] = map[string]bool{}
		}
		tr.placed[rid][village+" "+start] = true
		tr.entryYear[rid] = entry
		tr.postings++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return tr
}

// truePin says whether the person was posted to the pinned village in the
// pinned period (a month, or the year or quarter it begins with; the village
// alone when the release gives no start).
func (tr truth) truePin(p audit.Pin) bool {
	for key := range tr.placed[p.ResearchID] {
		village, month, _ := strings.Cut(key, " ")
		if village != p.Village {
			continue
		}
		switch {
		case len(p.Start) == len("2006-01"):
			if month == p.Start {
				return true
			}
		case len(p.Start) >= 4:
			if strings.HasPrefix(month, p.Start[:4]) {
				return true
			}
		default: // no period: the village alone
			return true
		}
	}
	return false
}

// checkPins: the attack pins postings today, and every pin is true.
func checkPins(t *testing.T, l audit.Linkage, tr truth) {
	t.Helper()
	if l.CountTable == "" {
		t.Logf("no count table used: %s", l.Note)
	}
	if l.Postings != tr.postings {
		t.Errorf("%d postings attacked, the warehouse has %d begun by the release day", l.Postings, tr.postings)
	}
	if l.Pinned != len(l.Pins) || l.NarrowedBelowK < l.Pinned {
		t.Errorf("%d pinned, %d pins, %d below k", l.Pinned, len(l.Pins), l.NarrowedBelowK)
	}
	persons := map[string]bool{}
	wrong := 0
	for _, p := range l.Pins {
		persons[p.ResearchID] = true
		if !tr.truePin(p) {
			wrong++
		}
	}
	if wrong > 0 {
		t.Errorf("%d of %d pinned postings are not in the village the attack names", wrong, len(l.Pins))
	}
	if len(persons) != l.PersonsPinned {
		t.Errorf("%d persons pinned, the pins name %d", l.PersonsPinned, len(persons))
	}
	t.Logf("linkage: %d postings, %d below k, %d pinned (%d persons), all true", l.Postings, l.NarrowedBelowK, l.Pinned, l.PersonsPinned)
}

// checkAgainstFiles recomputes figures with plain SQL over the release.
func checkAgainstFiles(t *testing.T, rep *audit.Report, dir string) {
	t.Helper()
	db, err := sql.Open("duckdb", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	persons := "read_parquet(" + lit(filepath.Join(dir, "persons", "*", "*.parquet")) + ", hive_partitioning = true, hive_types = {'county_code': VARCHAR})"
	// The attributes that persons itself carries, grouped within county by
	// GROUP BY, which puts nulls together: a null is a value of its own, as
	// the audit counts it.
	cols := map[string]bool{}
	crow, err := db.Query("SELECT column_name FROM (DESCRIBE SELECT * FROM " + persons + ")")
	if err != nil {
		t.Fatal(err)
	}
	for crow.Next() {
		var c string
		if err := crow.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols[c] = true
	}
	if err := crow.Err(); err != nil {
		t.Fatal(err)
	}
	crow.Close()
	var own []string
	for _, a := range rep.Uniqueness.Attributes {
		if cols[a] {
			own = append(own, a)
		}
	}
	if len(own) == 0 {
		t.Fatalf("no attribute of %v in persons", rep.Uniqueness.Attributes)
	}
	var unique, suppressed int
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE n = 1) FROM (SELECT count(*) OVER (PARTITION BY county_code, ` +
		strings.Join(own, ", ") + `) AS n FROM ` + persons + `)`).Scan(&unique); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE qi_suppressed) FROM ` + persons).Scan(&suppressed); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range rep.Uniqueness.Subsets {
		if join(s.Attributes) == join(own) {
			found = true
			if s.Unique != unique {
				t.Errorf("unique over %s: audit %d, SQL %d", join(own), s.Unique, unique)
			}
		}
	}
	if !found {
		t.Errorf("no subset %s in %v", join(own), rep.Uniqueness.Attributes)
	}
	total := 0
	for _, c := range rep.Suppression {
		total += c.Suppressed
		if c.Name == "" {
			t.Errorf("county %s has no name", c.County)
		}
	}
	if total != suppressed || rep.Persons-rep.Unsuppressed != suppressed {
		t.Errorf("suppressed persons: per county %d, report %d, SQL %d", total, rep.Persons-rep.Unsuppressed, suppressed)
	}
}

// checkEntryYears: every suppressed entry value the attack reads back (an
// entry year, or an entry period "YYYY-YYYY") holds the person's true
// entry year: the year of the first posting in the private warehouse.
func checkEntryYears(t *testing.T, rep *audit.Report, tr truth) {
	t.Helper()
	for _, d := range rep.Derivation {
		if !strings.HasPrefix(d.Column, "entry_") {
			continue
		}
		wrong := 0
		for rid, v := range d.Values {
			lo, hi, ok := strings.Cut(v, "-")
			if !ok {
				hi = lo
			}
			if y := tr.entryYear[rid]; y == "" || y < lo || y > hi {
				wrong++
			}
		}
		if wrong > 0 || d.Derivable != len(d.Values) || d.Derivable > d.Suppressed {
			t.Errorf("%s: %d suppressed, %d derivable, %d values read back, %d of them wrong", d.Column, d.Suppressed, d.Derivable, len(d.Values), wrong)
		}
		t.Logf("%s: %d suppressed, %d derivable (%v), all true", d.Column, d.Suppressed, d.Derivable, d.Sources)
		return
	}
	t.Error("no derivation of the entry year or period")
}
