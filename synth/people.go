package synth

import (
	"fmt"
	"hash/fnv"
	"math/rand/v2"

	"github.com/grassroots-cn/grassroots/internal/idnum"
)

// Canonical values (docs/feeds.md, 取值表); each county writes them in its own words.
const (
	chSpecial = "special_intro"
	chOpen    = "open_recruit"
	chReplen  = "replenish"

	roundDirect = "direct"
	roundCounty = "county_round"
	roundCity   = "city_round"

	quotaTownship = "township"
	quotaPool     = "county_pool"

	degDoctorate = "doctorate"
	degMaster    = "master"
	degBachelor  = "bachelor"

	endResigned    = "resigned"
	endTransferred = "transferred"
	endCivil       = "civil_service"
	endPromoted    = "promoted"
	endOther       = "other"
)

// person is a graduate. Their ID number's area code is the county of their
// first posting, where they are generated.
type person struct {
	home       *county
	id18       string
	id15       string // the legacy 15-digit number the home county writes, if any
	name       string
	male       bool
	birth      date
	phone      string
	political  string
	degree     string
	university string
	major      string
	channel    string
	renter     bool // paid a quarterly rent subsidy
	buyYuan    int  // a one-off house purchase subsidy, 0 for none
	special    bool // designated for a finding: never used as the base of a dirty row
	postings   []*posting
}

// posting is one graduate's posting to one village.
type posting struct {
	person     *person
	village    *village
	start, end date // end 0: still in post
	endReason  string
	round      string
	quota      string
	mentor     string
	batch      bool      // started with a yearly intake
	leaver     bool      // leaves a doubly covered village between day1 and day2
	prev, next *posting  // the person's previous and next posting
	out        *handover // set when the posting ends with a move to another county
	genderFlip bool      // the ledger row states the other gender (gender_mismatch)
	birthShift bool      // the ledger row states a wrong birth date (birth_mismatch)
	roles      []*role   // roles held at this posting
	county     *county   // the county whose ledger holds it
	uncovered  bool      // the open recruit of a village uncovered on day1
	wantMove   bool      // a posting of a dissolved village: its graduate moved on
	overlapTo  *posting  // the posting it overlaps (overlapping_postings)
}

// handover is a graduate moving from one county to another: the posting
// that ends in the first and, once the second county is built, the one that
// starts there.
type handover struct {
	from    *posting
	to      string
	claimed *posting
}

// countyModel is everything generated for one county.
type countyModel struct {
	county      *county
	r           *rand.Rand
	postings    []*posting // postings in this county's ledger, in start order
	persons     []*person  // persons whose first posting is here
	roles       []*role
	assessments []assessment
	vacancies   []vacancy
	quotas      []quota
	subsidies   []subsidy
	out         []*handover
	findings    map[string]int
	ids         map[string]bool // ID numbers in use in this county (dirty rows included)
	spare       int             // remote: postings in post on day1 that may be other than two-round entries
}

// cityModel is the whole generated city.
type cityModel struct {
	city     *city
	counties []*countyModel
}

// countyRand returns the county's own random source, so that one county's
// model does not depend on how much randomness another county drew.
func countyRand(seed int64, code string) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(seed), countyStream(code)))
}

// countyStream is the random stream of a division code (FNV-1a of the code).
func countyStream(code string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(code))
	return h.Sum64()
}

// buildCounty generates a county's graduates and records. incoming are the
// graduates moving here from counties built before.
func buildCounty(seed int64, c *county, incoming []*handover) (*countyModel, error) {
	cm := &countyModel{county: c, r: countyRand(seed, c.code), findings: map[string]int{}, ids: map[string]bool{}}
	if err := cm.histories(); err != nil {
		return nil, err
	}
	cm.claimIncoming(incoming)
	if err := cm.pickOutgoing(); err != nil {
		return nil, err
	}
	cm.linkTransfers()
	cm.endReasons()
	cm.makePersons()
	if err := cm.attributes(); err != nil {
		return nil, err
	}
	cm.assignQuotas()
	if err := cm.makeRoles(); err != nil {
		return nil, err
	}
	cm.makeAssessments()
	if err := cm.makeVacancies(); err != nil {
		return nil, err
	}
	cm.makeQuotas()
	cm.makeSubsidies()
	return cm, nil
}

// makePersons makes a person of every chain of postings that starts here.
func (cm *countyModel) makePersons() {
	for _, p := range cm.postings {
		if p.prev != nil {
			continue
		}
		pe := &person{home: cm.county}
		for q := p; q != nil && q.county == cm.county; q = q.next {
			q.person = pe
			pe.postings = append(pe.postings, q)
		}
		cm.persons = append(cm.persons, pe)
	}
}

// lastStart is the latest start of any posting the person will hold,
// counting a move to another county as starting within three months.
func (pe *person) lastStart() date {
	last := pe.postings[len(pe.postings)-1]
	if last.out != nil {
		return last.end + 90
	}
	return last.start
}

// single reports whether the person has one posting and it stays in the county.
func (pe *person) single() bool { return len(pe.postings) == 1 && pe.postings[0].out == nil }

// attributes gives every person generated here their channel, selection
// round, degree, birth date, ID number and the rest, and designates the
// persons whose rows load with a finding.
func (cm *countyModel) attributes() error {
	c, r := cm.county, cm.r
	for _, pe := range cm.persons {
		entry := pe.postings[0]
		switch {
		case entry.start > day1:
			pe.channel = chOpen
		case entry.batch:
			pe.channel = pickWeighted(r, []weighted[string]{{chSpecial, 85}, {chOpen, 10}, {chReplen, 5}})
		default:
			pe.channel = pickWeighted(r, []weighted[string]{{chReplen, 60}, {chOpen, 40}})
		}
	}
	if c.region == regionRemote {
		if err := cm.twoRounds(); err != nil {
			return err
		}
	}
	// Designations for findings, drawn from graduates with one posting here.
	var singles []*person
	for _, pe := range cm.persons {
		if pe.single() && pe.postings[0].start <= day1 {
			singles = append(singles, pe)
		}
	}
	singles = shuffled(r, singles)
	take := func(n int, ok func(*person) bool) []*person {
		var out []*person
		for _, pe := range singles {
			if len(out) == n {
				break
			}
			if !pe.special && ok(pe) {
				pe.special = true
				out = append(out, pe)
			}
		}
		return out
	}
	any := func(*person) bool { return true }
	overAge := take(c.overAge, func(pe *person) bool {
		return pe.channel == chSpecial && pe.postings[0].start <= ymd(2020, 12, 31)
	})
	overCap := take(c.overCap, func(pe *person) bool {
		return pe.postings[0].start <= ymd(2020, 6, 30) && pe.postings[0].end == 0
	})
	bachelors := take(c.bachelorOutside, any)
	genders := take(c.genderMismatch, any)
	births := take(c.birthMismatch, any)
	if len(overAge) != c.overAge || len(overCap) != c.overCap || len(bachelors) != c.bachelorOutside ||
		len(genders) != c.genderMismatch || len(births) != c.birthMismatch {
		return fmt.Errorf("synth: county %s: too few graduates to designate findings", c.code)
	}
	for _, pe := range cm.persons {
		cm.personDetails(pe)
	}
	for _, pe := range overAge {
		start := pe.postings[0].start
		pe.birth = max(ymd(1988, 1, 1), start.addYears(-31)-date(r.IntN(150)))
		cm.setID(pe)
		cm.findings["over_age_at_entry"]++
	}
	for _, pe := range overCap {
		pe.buyYuan = 280000
		cm.findings["subsidy_over_cap"]++
	}
	for _, pe := range bachelors {
		pe.degree = degBachelor
		cm.findings["degree_below_requirement"]++
	}
	for _, pe := range genders {
		pe.postings[0].genderFlip = true
		cm.findings["gender_mismatch"]++
	}
	for _, pe := range births {
		pe.postings[0].birthShift = true
		cm.findings["birth_mismatch"]++
	}
	for _, p := range cm.postings {
		if p.overlapTo != nil {
			p.person.special = true
			cm.findings["overlapping_postings"]++
		}
		// A graduate moving here from a county that admits bachelors keeps
		// their degree, which this county may not admit.
		if p.prev != nil && p.prev.county != c && p.person.degree == degBachelor && !c.bachelorAllowed {
			p.person.special = true
			cm.findings["degree_below_requirement"]++
		}
	}
	return nil
}

// twoRounds places exactly the planned number of graduates in post on day1
// by the two-round selection; they are special_intro entrants.
func (cm *countyModel) twoRounds() error {
	c, r := cm.county, cm.r
	var fits []*person
	for _, pe := range cm.persons {
		if inPost1(pe.postings[0]) {
			fits = append(fits, pe)
		}
	}
	if len(fits) < c.twoRound {
		return fmt.Errorf("synth: county %s has %d entrants in post on 2022-07-21, want %d two-round ones",
			c.code, len(fits), c.twoRound)
	}
	for _, pe := range shuffled(r, fits)[:c.twoRound] {
		pe.channel = chSpecial
		pe.postings[0].round = pickWeighted(r, []weighted[string]{{roundCounty, 70}, {roundCity, 30}})
	}
	for _, pe := range cm.persons {
		if e := pe.postings[0]; !inPost1(e) && pe.channel == chSpecial && chance(r, 0.5) {
			e.round = pickWeighted(r, []weighted[string]{{roundCounty, 70}, {roundCity, 30}})
		}
	}
	return nil
}

// personDetails draws a person's degree, birth date, ID number, name and the rest.
func (cm *countyModel) personDetails(pe *person) {
	c, r := cm.county, cm.r
	if c.bachelorAllowed {
		pe.degree = pickWeighted(r, []weighted[string]{{degBachelor, 45}, {degMaster, 50}, {degDoctorate, 5}})
	} else {
		pe.degree = pickWeighted(r, []weighted[string]{{degMaster, 92}, {degDoctorate, 8}})
	}
	first := pe.postings[0].start
	lo, hi := ymd(1988, 1, 1), min(ymd(1999, 12, 31), first.addYears(-23))
	if pe.channel == chSpecial {
		// Under 30 on every start, with a margin.
		lo = max(lo, pe.lastStart().addYears(-30)+60)
	}
	pe.birth = between(r, lo, max(lo, hi))
	pe.male = chance(r, 0.48)
	cm.setID(pe)
	pe.name = personName(r, pe.male)
	pe.phone = phoneNumber(r)
	pe.political = pickWeighted(r, politicalStatuses)
	pe.university = pick(r, universities)
	pe.major = pick(r, majors)
	pe.renter = chance(r, map[string]float64{regionDeveloped: 0.2, regionRemote: 0.08}[c.region])
	if chance(r, 0.04) {
		pe.buyYuan = 60000 + 1000*r.IntN(41)
	}
}

// setID draws a unique ID number for the person's birth date and gender;
// in a county that keeps legacy numbers some get a 15-digit one too.
func (cm *countyModel) setID(pe *person) {
	if pe.id18 != "" {
		delete(cm.ids, pe.id18)
	}
	pe.id18 = cm.newID(pe.birth, pe.male)
	pe.id15 = ""
	if cm.county.legacyIDs && chance(cm.r, 0.15) {
		pe.id15 = pe.id18[:6] + pe.id18[8:17]
	}
}

// newID returns an unused 18-character ID number of this county's area code.
func (cm *countyModel) newID(birth date, male bool) string {
	y, m, d := birth.parts()
	for {
		seq := cm.r.IntN(500) * 2
		if male {
			seq++
		}
		first17 := fmt.Sprintf("%s%04d%02d%02d%03d", cm.county.code, y, int(m), d, seq)
		id := first17 + string(idnum.CheckChar(first17))
		if !cm.ids[id] {
			cm.ids[id] = true
			return id
		}
	}
}

// assignQuotas decides each posting's quota source and mentor. In a pool
// county exactly the planned number of posts in post on day2 are pool posts.
func (cm *countyModel) assignQuotas() {
	c, r := cm.county, cm.r
	var atDay2 []*posting
	for _, p := range cm.postings {
		p.quota = quotaTownship
		if inPost(p.start, p.end, day2) {
			atDay2 = append(atDay2, p)
		} else if c.pool > 0 && chance(r, 0.25) {
			p.quota = quotaPool
		}
		if chance(r, 0.6) {
			p.mentor = pick(r, mentorRoles)
		}
	}
	if c.pool > 0 {
		for _, p := range shuffled(r, atDay2)[:c.pool] {
			p.quota = quotaPool
		}
	}
}
