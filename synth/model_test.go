package synth

import (
	"testing"

	"github.com/grassroots-cn/grassroots/internal/idnum"
)

// TestModelRules checks that the model breaks the row rules of docs/feeds.md exactly
// where the feeds announce findings, and nowhere else.
func TestModelRules(t *testing.T) {
	res, m := generated(t, 1)
	announced := map[string]int{}
	for _, f := range res.Counties {
		for code, n := range f.Findings {
			announced[code] += n
		}
	}
	want := map[string]int{
		"gender_mismatch": 3, "birth_mismatch": 2, "over_age_at_entry": 2, "degree_below_requirement": 2,
		"overlapping_postings": 1, "subsidy_over_cap": 2,
	}
	for code, n := range want {
		if announced[code] != n {
			t.Errorf("%s announced %d times, want %d", code, announced[code], n)
		}
	}

	found := map[string]int{}
	persons := map[*person]bool{}
	paid := map[*person]int{}
	for _, cm := range m.counties {
		c := cm.county
		for _, p := range cm.postings {
			persons[p.person] = true
			if p.end != 0 && p.end <= p.start {
				t.Errorf("posting ends %v before it starts %v", p.end.time(), p.start.time())
			}
			if p.start < programmeStart {
				t.Errorf("posting starts %v, before the programme", p.start.time())
			}
			if !p.village.inUniverse(p.start) || (p.end != 0 && !p.village.inUniverse(p.end-1)) {
				t.Errorf("posting in %s outside the village's existence", p.village.code)
			}
			if p.person.channel == chSpecial && ageOn(p.person.birth, p.start) >= 30 {
				found["over_age_at_entry"]++
			}
			if p.person.degree == degBachelor && !c.bachelorAllowed {
				found["degree_below_requirement"]++
			}
			if p.genderFlip {
				found["gender_mismatch"]++
			}
			if p.birthShift {
				found["birth_mismatch"]++
			}
			if p.quota == quotaPool && c.pool == 0 {
				t.Errorf("county_pool posting in %s", c.code)
			}
			if p.round != roundDirect && p.person.channel != chSpecial {
				t.Errorf("two-round %s entrant", p.person.channel)
			}
		}
		type key struct {
			pe   *person
			paid date
			kind string
		}
		seen := map[key]bool{}
		for _, s := range cm.subsidies {
			k := key{s.person, s.paid, s.kind}
			if seen[k] {
				t.Errorf("two %s subsidies to one person on %v", s.kind, s.paid.time())
			}
			seen[k] = true
			if s.paid < s.person.postings[0].start.addYears(5) {
				paid[s.person] += s.yuan
			}
		}
		years := map[*person]map[int]bool{}
		for _, a := range cm.assessments {
			if years[a.person] == nil {
				years[a.person] = map[int]bool{}
			}
			if years[a.person][a.year] {
				t.Errorf("two assessments for %d", a.year)
			}
			years[a.person][a.year] = true
		}
	}
	for _, n := range paid {
		if n > 310000 {
			found["subsidy_over_cap"]++
		}
	}
	for pe := range persons {
		id, err := idnum.Parse(pe.id18)
		if err != nil {
			t.Fatalf("invalid ID number: %v", err)
		}
		if id.Male != pe.male || id.Birth.Format("20060102") != pe.birth.time().Format("20060102") {
			t.Errorf("ID number disagrees with gender %v or birth %v", pe.male, pe.birth.time())
		}
		if y, _, _ := pe.birth.parts(); y < 1988 || y > 1999 {
			t.Errorf("born in %d", y)
		}
		if pe.id15 != "" {
			up, err := idnum.Parse(pe.id15)
			if err != nil || up.Number != pe.id18 {
				t.Errorf("15-digit number does not upgrade to the person's")
			}
		}
		ps := pe.postings
		for i := range ps {
			for j := i + 1; j < len(ps); j++ {
				a, b := ps[i], ps[j]
				if a.start < b.start && (a.end == 0 || a.end > b.start) || b.start <= a.start && (b.end == 0 || b.end > a.start) {
					found["overlapping_postings"]++
				}
			}
			if i > 0 && (ps[i-1].next != ps[i] || ps[i].prev != ps[i-1] || ps[i-1].endReason != endTransferred) {
				t.Error("a person's postings are not a chain of transfers")
			}
		}
	}
	for code, n := range want {
		if found[code] != n {
			t.Errorf("the model breaks %s %d times, the feeds announce %d", code, found[code], n)
		}
	}
}

// TestDates checks the date helpers against hand-computed values.
func TestDates(t *testing.T) {
	cases := []struct {
		d      date
		form   dateForm
		want   string
		serial int
	}{
		{ymd(2022, 7, 1), formISO, "2022-07-01", 44743},
		{ymd(2022, 7, 1), formSlash, "2022/7/1", 44743},
		{ymd(2022, 7, 1), formDot, "2022.7.1", 44743},
		{ymd(2022, 7, 1), formCompact, "20220701", 44743},
		{ymd(2022, 7, 1), formChinese, "2022年7月1日", 44743},
		{ymd(2022, 7, 1), formDateTime, "2022-07-01T09:00:00+08:00", 44743},
		{ymd(2022, 12, 31), formDashShort, "2022-12-31", 44926},
		{ymd(2019, 3, 1), formChineseMon, "2019年3月", 43525},
	}
	for _, c := range cases {
		if got := c.form.formatDate(c.d); got != c.want {
			t.Errorf("form %d: %s, want %s", c.form, got, c.want)
		}
		if c.d.serial() != c.serial {
			t.Errorf("%s: serial %d, want %d", c.want, c.d.serial(), c.serial)
		}
	}
	if got := ageOn(ymd(1992, 7, 2), ymd(2022, 7, 1)); got != 29 {
		t.Errorf("age %d, want 29", got)
	}
	if got := ageOn(ymd(1992, 7, 1), ymd(2022, 7, 1)); got != 30 {
		t.Errorf("age %d, want 30", got)
	}
	if got := ymd(2020, 2, 29).addYears(1); got != ymd(2021, 3, 1) {
		t.Errorf("29 February plus a year is %v", got.time())
	}
	if !inPost(ymd(2022, 1, 1), ymd(2022, 7, 22), day1) || inPost(ymd(2022, 1, 1), day1, day1) || inPost(day1+1, 0, day1) {
		t.Error("inPost disagrees with the definition of in post on day D")
	}
}

func TestIDHelpers(t *testing.T) {
	const id = "11010519491231002X" // the standard's example
	if idnum.CheckChar(id[:17]) != 'X' {
		t.Fatal("the example's check character is X")
	}
	bad := wrongCheck(id)
	if _, err := idnum.Parse(bad); err != idnum.ErrChecksum || bad[:17] != id[:17] {
		t.Errorf("wrongCheck(%s) = %s: %v", id, bad, err)
	}
	for v, want := range []string{"11010519491231002", "11010519491231002X7", "110105194A1231002X"} {
		got := badIDFormat(id, v)
		if got != want {
			t.Errorf("badIDFormat(%d) = %s, want %s", v, got, want)
		}
		if _, err := idnum.Parse(got); err != idnum.ErrFormat {
			t.Errorf("%s: %v, want a format error", got, err)
		}
	}
}
