package synth

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// Role categories (docs/feeds.md, 职务).
const (
	catSecretary = "secretary"
	catCommittee = "committee"
	catLeader    = "township_leadership"
)

// role is one leadership role held by a graduate.
type role struct {
	posting    *posting // the posting (and so the village) the role belongs to
	word       string   // the role as the county writes it
	category   string
	start, end date
}

// assessment is one graduate's annual assessment.
type assessment struct {
	person *person
	year   int
	grade  string // canonical: excellent, competent, basically_competent, incompetent
}

// vacancy is one vacancy reported in the annual census.
type vacancy struct {
	village  *village
	reported date
	reason   string // canonical: turnover, transfer, new_community
	filled   date
}

// quota is one township's staffing quota for a year, or the county pool
// (township nil).
type quota struct {
	township *township
	year     int
	quota    int
}

// subsidy is one subsidy payment.
type subsidy struct {
	person *person
	paid   date
	kind   string // canonical: living, housing
	word   string // 生活补助, 租房补贴 or 购房补贴
	yuan   int
}

// Role words (docs/feeds.md, 职务), by village kind.
var (
	secretaryWords = map[bool][]string{
		false: {"党支部书记", "村(社区)党组织书记"},
		true:  {"党总支书记", "村(社区)党组织书记", "党委书记"},
	}
	committeeWords = map[bool][]string{
		false: {"副书记", "村委会主任", "委员", "“两委”委员"},
		true:  {"副书记", "居委会主任", "委员", "“两委”委员"},
	}
	chairWord = map[bool]string{false: "村委会主任", true: "居委会主任"}
)

// addRole records a role held at posting p.
func (cm *countyModel) addRole(p *posting, word, category string, start, end date) *role {
	ro := &role{posting: p, word: word, category: category, start: start, end: end}
	p.roles = append(p.roles, ro)
	cm.roles = append(cm.roles, ro)
	return ro
}

// makeRoles draws the roles: the planned committee members and secretaries
// elected in 2021 and still in office on day1, township posts for promoted
// graduates, and (where the county keeps a roles file) a member co-opted after
// day1. promotions() counts every graduate whose committee role started by its
// date, so on day1 exactly the planned members count: nobody else holds or
// held a committee role starting by then.
func (cm *countyModel) makeRoles() error {
	c, r := cm.county, cm.r
	inLedger := c.shape.rolesInLedger
	var fits []*posting
	for _, p := range cm.postings {
		if p.end == 0 && p.start < ymd(2021, 4, 1) && p.person.home == c {
			fits = append(fits, p)
		}
	}
	if len(fits) < c.committee {
		return fmt.Errorf("synth: county %s has %d graduates to elect, want %d", c.code, len(fits), c.committee)
	}
	fits = shuffled(r, fits)
	elected := fits[:c.committee]
	for i, p := range elected {
		start := between(r, election2021, election2021To)
		comm := p.village.community
		if i < c.secretaries {
			cm.addRole(p, pick(r, secretaryWords[comm]), catSecretary, start, 0)
			p.person.political = "中共党员"
			if i == 0 && c.oneShoulder && !inLedger {
				cm.addRole(p, chairWord[comm], catCommittee, start, 0)
			}
			if i < 2 && !inLedger && p.start+30 < ymd(2020, 12, 31) {
				// A member since a by-election, elected secretary in 2021.
				cm.addRole(p, "委员", catCommittee, between(r, max(p.start+30, ymd(2019, 9, 1)), ymd(2020, 12, 31)), start)
			}
			continue
		}
		word := pick(r, committeeWords[comm])
		if word == "副书记" {
			p.person.political = "中共党员"
		}
		cm.addRole(p, word, catCommittee, start, 0)
	}
	// Co-opted after day1: counts from its start date on, not on day1.
	if len(fits) > c.committee {
		p := fits[c.committee]
		cm.addRole(p, pick(r, []string{"委员", "副书记"}), catCommittee, between(r, ymd(2022, 8, 1), ymd(2022, 12, 15)), 0)
	}
	for _, p := range cm.postings {
		if p.endReason == endPromoted {
			cm.addRole(p, p.village.township.kind.leaderRole(), catLeader, p.end+1, 0)
		}
	}
	return nil
}

// makeAssessments grades, for 2019-2021, every graduate in post here at the year end.
func (cm *countyModel) makeAssessments() {
	grades := []weighted[string]{{"excellent", 20}, {"competent", 74}, {"basically_competent", 5}, {"incompetent", 1}}
	for year := 2019; year <= 2021; year++ {
		end := ymd(year, 12, 31)
		seen := map[*person]bool{}
		for _, p := range cm.postings {
			if inPost(p.start, p.end, end) && !seen[p.person] {
				seen[p.person] = true
				cm.assessments = append(cm.assessments, assessment{person: p.person, year: year, grade: pickWeighted(cm.r, grades)})
			}
		}
	}
}

// makeVacancies reports the villages uncovered at the 2022 census.
func (cm *countyModel) makeVacancies() error {
	byVillage := map[*village][]*posting{}
	for _, p := range cm.postings {
		byVillage[p.village] = append(byVillage[p.village], p)
	}
	for _, v := range cm.county.universe(census) {
		var last *posting
		var filled date
		covered := false
		for _, p := range byVillage[v] {
			switch {
			case inPost(p.start, p.end, census):
				covered = true
			case p.end != 0 && p.end <= census && (last == nil || p.end > last.end):
				last = p
			case p.start > census && (filled == 0 || p.start < filled):
				filled = p.start
			}
		}
		if covered {
			continue
		}
		va := vacancy{village: v, reported: census, filled: filled}
		switch {
		case last != nil && last.endReason == endTransferred:
			va.reason = "transfer"
		case last != nil:
			va.reason = "turnover"
		case v.established != 0:
			va.reason = "new_community"
		default:
			return fmt.Errorf("synth: village %s uncovered at the census and never covered", v.code)
		}
		cm.vacancies = append(cm.vacancies, va)
	}
	return nil
}

// makeQuotas sets the 2022 quotas to the posts in post on 2022-12-31 (the
// township quota to those on township quota, the county pool to the pool
// posts) and the 2021 quotas near them.
func (cm *countyModel) makeQuotas() {
	c, r := cm.county, cm.r
	posts := map[*township]int{}
	for _, p := range cm.postings {
		if inPost(p.start, p.end, day2) && p.quota == quotaTownship {
			posts[p.village.township]++
		}
	}
	for _, year := range []int{2021, 2022} {
		for _, t := range c.townships {
			q := posts[t]
			if year == 2021 {
				q = max(0, q+r.IntN(3)-1)
			}
			cm.quotas = append(cm.quotas, quota{township: t, year: year, quota: q})
		}
		if c.pool > 0 {
			q := c.pool
			if year == 2021 {
				q = max(0, q-2-r.IntN(5))
			}
			cm.quotas = append(cm.quotas, quota{year: year, quota: q})
		}
	}
}

// Subsidy amounts in yuan.
var livingYuan = map[string]int{degDoctorate: 7500, degMaster: 6000, degBachelor: 4500}

const rentYuan = 1800

// makeSubsidies pays, for every graduate in post here on a payday, the
// quarter's living subsidy and, for renters, the rent subsidy; buyers get
// their purchase subsidy 13 months after entry, in a month without a payday.
func (cm *countyModel) makeSubsidies() {
	sh := cm.county.shape
	var people []*person
	seen := map[*person]bool{}
	for _, p := range cm.postings {
		if !seen[p.person] {
			seen[p.person] = true
			people = append(people, p.person)
		}
	}
	here := func(pe *person, d date) bool {
		for _, p := range pe.postings {
			if p.county == cm.county && inPost(p.start, p.end, d) {
				return true
			}
		}
		return false
	}
	for y := 2019; y <= 2022; y++ {
		for m := time.March; m <= time.December; m += 3 {
			d := ymd(y, m, sh.payday)
			for _, pe := range people {
				if !here(pe, d) {
					continue
				}
				cm.subsidies = append(cm.subsidies, subsidy{person: pe, paid: d, kind: "living", word: "生活补助", yuan: livingYuan[pe.degree]})
				if pe.renter {
					cm.subsidies = append(cm.subsidies, subsidy{person: pe, paid: d, kind: "housing", word: "租房补贴", yuan: rentYuan})
				}
			}
		}
	}
	for _, pe := range people {
		if pe.buyYuan == 0 {
			continue
		}
		y, m, _ := pe.postings[0].start.addMonths(13).parts()
		if m%3 == 0 {
			m++
		}
		day := 10
		if sh.payday == 1 { // the county writes months only: pay on the first
			day = 1
		}
		d := ymd(y, m, day)
		if d <= day2 && here(pe, d) {
			cm.subsidies = append(cm.subsidies, subsidy{person: pe, paid: d, kind: "housing", word: "购房补贴", yuan: pe.buyYuan})
		}
	}
	slices.SortStableFunc(cm.subsidies, func(a, b subsidy) int { return cmp.Compare(a.paid, b.paid) })
}
