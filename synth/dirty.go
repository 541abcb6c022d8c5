package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/internal/idnum"
)

// Reject reason codes (docs/feeds.md, 拒绝原因).
const (
	rejBadIDFormat   = "bad_id_format"
	rejBadIDChecksum = "bad_id_checksum"
	rejBadDate       = "bad_date:"
	rejMissing       = "missing:"
	rejUnknownValue  = "unknown_value:"
	rejUnknownVill   = "unknown_village"
	rejWrongCounty   = "wrong_county"
	rejEndBefore     = "end_before_start"
	rejDuplicate     = "duplicate_in_file"
)

// dirtyShare is the share of a county's clean rows added as rows to reject.
const dirtyShare = 0.015

// addDirty adds to the county's tables the rows a loader must reject and the
// exact duplicates it must skip, and counts them in feed. Every such row is
// an extra row: the clean rows stay as they are, so the expected figures hold
// when all of them are rejected.
func (cm *countyModel) addDirty(sh *shape, ts []*table, others []*county, feed *CountyFeed) error {
	r := cm.r
	byType := map[recordType]*table{}
	clean := 0
	for _, t := range ts {
		byType[t.rt] = t
		clean += len(t.rows)
	}
	target := int(math.Round(dirtyShare * float64(clean)))
	ledger, assess, subs := byType[rtLedger], byType[rtAssessments], byType[rtSubsidies]
	if ledger == nil || assess == nil || subs == nil {
		return fmt.Errorf("synth: county %s lacks a ledger, assessments or subsidies table", cm.county.code)
	}
	reject := func(code string) { feed.Rejects[code]++ }

	// The bases of duplicates: rows of graduates designated for nothing else.
	ledgerRows := cm.plainRows(ledger)
	dupBase, exactBase := ledgerRows[0], ledgerRows[1]
	subsBase := cm.plainRows(subs)[0]

	// Ledger rows: one for each reason code, each a made-up graduate's posting
	// with one defect, except the conflicting copy of a real row.
	codes := []string{
		rejBadIDChecksum, rejBadIDFormat, rejBadDate + colStart, rejBadDate + colEnd,
		rejMissing + cm.county.missingCol, rejUnknownValue + cm.county.unknownCol,
		rejUnknownVill, rejWrongCounty, rejEndBefore,
	}
	universe := cm.county.universe(day1)
	variant := 0 // which mangling of the ID format this county shows
	for _, d := range cm.county.code {
		variant += int(d - '0')
	}
	for _, code := range codes {
		v := pick(r, universe)
		if code == rejWrongCounty {
			v = pick(r, pick(r, others).universe(day1))
		}
		p := cm.fakePosting(v)
		switch code {
		case rejBadDate + colEnd:
			p.end, p.endReason = p.start+200, endResigned
		case rejEndBefore:
			p.end, p.endReason = p.start-40, endResigned
		}
		row := cm.ledgerRow(sh, ledger, p, -1)
		set := func(key string, c cell) error {
			i := ledger.index(key)
			if i < 0 {
				return fmt.Errorf("synth: county %s: ledger has no %s column for a %s row", cm.county.code, key, code)
			}
			row[i] = c
			return nil
		}
		var err error
		switch {
		case code == rejBadIDChecksum:
			err = set(colID, textCell(wrongCheck(p.person.id18)))
		case code == rejBadIDFormat:
			err = set(colID, textCell(badIDFormat(p.person.id18, variant)))
		case strings.HasPrefix(code, rejBadDate):
			err = set(strings.TrimPrefix(code, rejBadDate), textCell(sh.badDate(r.IntN(3), false)))
		case strings.HasPrefix(code, rejMissing):
			err = set(strings.TrimPrefix(code, rejMissing), cell{})
		case strings.HasPrefix(code, rejUnknownValue):
			err = set(strings.TrimPrefix(code, rejUnknownValue), textCell(cm.county.unknownText))
		case code == rejUnknownVill:
			t := v.township
			if ledger.index(colVillage) >= 0 {
				err = set(colVillage, textCell(cm.county.unusedVillageName(r)))
			}
			if ledger.index(colVillageCode) >= 0 && err == nil {
				err = set(colVillageCode, textCell(fmt.Sprintf("%s%03d", t.code, t.nextVill)))
			}
		}
		if err != nil {
			return err
		}
		ledger.insert(r, row)
		reject(code)
	}

	// Annual assessments: an unknown grade and a mistyped ID number.
	plainAssess := cm.plainAssessments()
	for _, code := range []string{rejUnknownValue + colGrade, rejBadIDChecksum} {
		a := plainAssess[r.IntN(len(plainAssess))]
		row := cm.assessmentRow(sh, assess, a)
		if code == rejBadIDChecksum {
			row[assess.index(colID)] = textCell(wrongCheck(a.person.id18))
		} else {
			row[assess.index(colGrade)] = textCell([]string{"good", "良好"}[min(sh.vocab, 1)])
		}
		assess.insert(r, row)
		reject(code)
	}

	// Subsidies: the rest of the county's share, no two rows alike (a row
	// twice would be an exact duplicate, not two rejects).
	plainSubs := cm.plainSubsidies()
	subCodes := []string{rejBadDate + colPaid, rejBadIDChecksum, rejBadIDFormat}
	made := map[string]bool{}
	for k := range max(2, target-len(codes)-2) {
		code := subCodes[k%len(subCodes)]
		var row []cell
		for {
			s := plainSubs[r.IntN(len(plainSubs))]
			row = cm.subsidyRow(sh, subs, s)
			switch code {
			case rejBadDate + colPaid:
				row[subs.index(colPaid)] = textCell(sh.badDate(r.IntN(3), sh.monthPaid))
			case rejBadIDChecksum:
				row[subs.index(colID)] = textCell(wrongCheck(s.person.id18))
			case rejBadIDFormat:
				row[subs.index(colID)] = textCell(badIDFormat(s.person.id18, k))
			}
			if key := fmt.Sprint(row); !made[key] {
				made[key] = true
				break
			}
		}
		subs.insert(r, row)
		reject(code)
	}

	// The same graduate, village and start date as a real row, another phone:
	// the first loads and this one is rejected.
	dup := slices.Clone(dupBase)
	dup[ledger.index(colPhone)] = textCell(phoneNumber(r))
	ledger.insertAfter(dupBase, dup)
	reject(rejDuplicate)

	// Exact duplicates: the same row twice.
	ledger.insertAfter(exactBase, exactBase)
	subs.insertAfter(subsBase, subsBase)
	feed.Duplicates += 2
	return nil
}

// plainRows returns, shuffled, the rows of t whose graduate is designated
// for no finding. The ID column tells whose row it is.
func (cm *countyModel) plainRows(t *table) [][]cell {
	special := map[string]bool{}
	for _, pe := range cm.allPersons() {
		if pe.special {
			special[pe.id18] = true
			special[pe.id15] = true
		}
	}
	id := t.index(colID)
	var out [][]cell
	for _, row := range t.rows {
		s := row[id].s
		if row[id].kind == cText && !special[s] && !strings.ContainsFunc(s, func(r rune) bool { return r > 0x7f }) {
			out = append(out, row)
		}
	}
	return shuffled(cm.r, out)
}

// allPersons returns everyone with a posting in this county.
func (cm *countyModel) allPersons() []*person {
	var out []*person
	seen := map[*person]bool{}
	for _, p := range cm.postings {
		if !seen[p.person] {
			seen[p.person] = true
			out = append(out, p.person)
		}
	}
	return out
}

func (cm *countyModel) plainAssessments() []assessment {
	var out []assessment
	for _, a := range cm.assessments {
		if !a.person.special {
			out = append(out, a)
		}
	}
	return out
}

func (cm *countyModel) plainSubsidies() []subsidy {
	var out []subsidy
	for _, s := range cm.subsidies {
		if !s.person.special {
			out = append(out, s)
		}
	}
	return out
}

// insert puts row at a random place after the first row.
func (t *table) insert(r *rand.Rand, row []cell) {
	i := 1 + r.IntN(len(t.rows))
	t.rows = slices.Insert(t.rows, i, row)
}

// insertAfter puts row right after base (found by identity).
func (t *table) insertAfter(base, row []cell) {
	for i := range t.rows {
		if &t.rows[i][0] == &base[0] {
			t.rows = slices.Insert(t.rows, i+1, row)
			return
		}
	}
	panic("synth: base row not in table")
}

// fakePosting makes up a graduate and a posting in v for a dirty row; they
// belong to no model and are never loaded.
func (cm *countyModel) fakePosting(v *village) *posting {
	r := cm.r
	start := between(r, ymd(2019, 9, 1), lastPreDay1)
	pe := &person{home: cm.county, channel: chOpen, degree: degMaster, male: chance(r, 0.5)}
	pe.birth = between(r, ymd(1990, 1, 1), min(ymd(1996, 12, 31), start.addYears(-24)))
	pe.id18 = cm.newID(pe.birth, pe.male)
	pe.name = personName(r, pe.male)
	pe.phone = phoneNumber(r)
	pe.political = pickWeighted(r, politicalStatuses)
	pe.university = pick(r, universities)
	pe.major = pick(r, majors)
	p := &posting{person: pe, village: v, start: start, county: v.township.county, round: roundDirect, quota: quotaTownship}
	pe.postings = []*posting{p}
	return p
}

// wrongCheck returns id with another valid check character.
func wrongCheck(id string) string {
	right := idnum.CheckChar(id[:17])
	for _, c := range []byte("0123456789X") {
		if c != right && c != id[17] {
			return id[:17] + string(c)
		}
	}
	return id
}

// badIDFormat returns a mangled id: too short, too long, or with a letter inside.
func badIDFormat(id string, variant int) string {
	switch variant % 3 {
	case 0:
		return id[:17]
	case 1:
		return id + "7"
	}
	return id[:9] + "A" + id[10:]
}

// badDate returns a date the county could have mistyped: a 30 February, a
// 13th month or the word 待定 (to be decided).
func (sh *shape) badDate(variant int, month bool) string {
	form := sh.dates
	switch {
	case month:
		form = formChineseMon
	case sh.layout == layoutWorkbook && sh.xlsxDates == xlsxDateCells:
		form = formSlash
	}
	switch variant {
	case 0:
		if month {
			return form.format(2021, 0, 1)
		}
		return form.format(2021, 2, 30)
	case 1:
		return form.format(2021, 13, 5)
	}
	return "待定"
}
