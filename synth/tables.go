package synth

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// cellKind is the kind of value a cell holds; writers render each kind in
// the county's way (a date as text, a date cell or a serial number).
type cellKind uint8

const (
	cEmpty cellKind = iota
	cText
	cDate
	cInt
)

// cell is one value of a row.
type cell struct {
	kind  cellKind
	month bool // a date the county writes as a month only
	s     string
	d     date
	n     int64
}

func textCell(s string) cell {
	if s == "" {
		return cell{}
	}
	return cell{kind: cText, s: s}
}

func dateCell(d date) cell {
	if d == 0 {
		return cell{}
	}
	return cell{kind: cDate, d: d}
}

func intCell(n int) cell { return cell{kind: cInt, n: int64(n)} }

// table is one record type's rows as a county writes them.
type table struct {
	rt   recordType
	cols []column
	rows [][]cell
}

// index returns the position of the column with key, or -1.
func (t *table) index(key string) int {
	return slices.IndexFunc(t.cols, func(c column) bool { return c.key == key })
}

// text renders a cell as text in the county's forms; row picks the date form
// where a county mixes them.
func (sh *shape) text(c cell, row int) string {
	switch c.kind {
	case cText:
		return c.s
	case cInt:
		return strconv.FormatInt(c.n, 10)
	case cDate:
		switch {
		case c.month:
			return formChineseMon.formatDate(c.d)
		case sh.mixedDates && row%5 == 3:
			return formDashShort.formatDate(c.d)
		}
		return sh.dates.formatDate(c.d)
	}
	return ""
}

// tables renders the county's clean records as its shape has them.
func (cm *countyModel) tables(sh *shape) []*table {
	var out []*table
	for _, rt := range recordTypes {
		if !sh.has(rt) {
			continue
		}
		t := &table{rt: rt, cols: sh.cols[rt]}
		switch rt {
		case rtLedger:
			ps := slices.Clone(cm.postings)
			slices.SortStableFunc(ps, func(a, b *posting) int {
				return cmp.Or(cmp.Compare(a.village.code, b.village.code), cmp.Compare(a.start, b.start))
			})
			for i, p := range ps {
				t.rows = append(t.rows, cm.ledgerRow(sh, t, p, i))
			}
		case rtRoles:
			rs := slices.Clone(cm.roles)
			slices.SortStableFunc(rs, func(a, b *role) int {
				return cmp.Or(cmp.Compare(a.posting.village.code, b.posting.village.code), cmp.Compare(a.start, b.start))
			})
			for i, ro := range rs {
				t.rows = append(t.rows, cm.roleRow(sh, t, ro, i))
			}
		case rtAssessments:
			for _, a := range cm.assessments {
				t.rows = append(t.rows, cm.assessmentRow(sh, t, a))
			}
		case rtVacancies:
			for i, v := range cm.vacancies {
				t.rows = append(t.rows, cm.vacancyRow(sh, t, v, i))
			}
		case rtQuota:
			for _, q := range cm.quotas {
				t.rows = append(t.rows, cm.quotaRow(sh, t, q))
			}
		case rtSubsidies:
			for _, s := range cm.subsidies {
				t.rows = append(t.rows, cm.subsidyRow(sh, t, s))
			}
		}
		out = append(out, t)
	}
	return out
}

// idText is the ID number as the county writes this person's.
func idText(sh *shape, pe *person, noisy bool) string {
	id := pe.id18
	if pe.id15 != "" {
		id = pe.id15
	}
	if noisy {
		id = strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r - '0' + '０'
			}
			return r
		}, id)
	}
	return id
}

// placeCells fills the county, township, village and village code columns.
func placeCells(sh *shape, key string, v *village, t *township, row []cell, i int) bool {
	switch key {
	case colCounty:
		if sh.countyCode {
			row[i] = textCell(t.county.code)
		} else {
			row[i] = textCell(t.county.name)
		}
	case colTownship:
		if sh.twpCode {
			row[i] = textCell(t.code)
		} else {
			row[i] = textCell(t.name)
		}
	case colVillage:
		if v != nil {
			row[i] = textCell(v.name)
		}
	case colVillageCode:
		if v != nil {
			row[i] = textCell(v.code)
		}
	default:
		return false
	}
	return true
}

// ledgerRow renders posting p. n is its place in the file, which decides the
// white-space noise of the counties that have some; n < 0 means none.
func (cm *countyModel) ledgerRow(sh *shape, t *table, p *posting, n int) []cell {
	pe := p.person
	row := make([]cell, len(t.cols))
	for i, c := range t.cols {
		if placeCells(sh, c.key, p.village, p.village.township, row, i) {
			continue
		}
		switch c.key {
		case colSeq:
			row[i] = intCell(0) // numbered once the file is complete
		case colName:
			name := pe.name
			if sh.spacedNames && n >= 0 {
				switch n % 43 {
				case 5:
					rs := []rune(name)
					name = string(rs[:1]) + " " + string(rs[1:])
				case 21:
					name += "\u00a0"
				}
			}
			row[i] = textCell(name)
		case colID:
			row[i] = textCell(idText(sh, pe, sh.fullWidthIDs && n >= 0 && n%41 == 7))
		case colGender:
			row[i] = textCell(genderWord(pe.male != p.genderFlip))
		case colPhone:
			row[i] = textCell(pe.phone)
		case colBirth:
			b := pe.birth
			if p.birthShift {
				b = b.addYears(-2) + 45
			}
			row[i] = dateCell(b)
		case colPolitical:
			row[i] = textCell(pe.political)
		case colDegree:
			row[i] = textCell(sh.word(colDegree, pe.degree))
		case colUniversity:
			row[i] = textCell(pe.university)
		case colMajor:
			row[i] = textCell(pe.major)
		case colChannel:
			row[i] = textCell(sh.word(colChannel, pe.channel))
		case colRound:
			row[i] = textCell(sh.word(colRound, p.round))
		case colQuota:
			row[i] = textCell(sh.word(colQuota, p.quota))
		case colStart:
			row[i] = dateCell(p.start)
		case colEnd:
			row[i] = dateCell(p.end)
		case colEndReason:
			if p.end != 0 {
				row[i] = textCell(sh.word(colEndReason, p.endReason))
			}
		case colRole:
			if len(p.roles) > 0 {
				row[i] = textCell(p.roles[0].word)
			}
		case colRoleStart:
			if len(p.roles) > 0 {
				row[i] = dateCell(p.roles[0].start)
			}
		case colMentor:
			row[i] = textCell(p.mentor)
		case colNotes:
			row[i] = textCell(ledgerNote(p, n))
		}
	}
	if sh.paddedVillages && n >= 0 && n%37 == 3 {
		if i := t.index(colVillage); i >= 0 {
			row[i].s += "\u3000"
		}
	}
	return row
}

// ledgerNote is the 备注 of a ledger row: free text, sometimes on several lines.
func ledgerNote(p *posting, n int) string {
	switch {
	case len(p.roles) > 0 && p.roles[0].category != catLeader:
		return "2021年村“两委”换届当选，\n任" + p.roles[0].word
	case p.endReason == endPromoted:
		return "提拔任用，\n已办理离岗手续"
	case p.end != 0:
		return "已办理离岗手续，\n档案已转出"
	case n%7 == 0:
		return "驻村帮扶，兼任网格员"
	case n%11 == 0:
		return "定向选调，\n服务期三年"
	}
	return ""
}

func genderWord(male bool) string {
	if male {
		return "男"
	}
	return "女"
}

// roleRow renders a role.
func (cm *countyModel) roleRow(sh *shape, t *table, ro *role, n int) []cell {
	p := ro.posting
	row := make([]cell, len(t.cols))
	for i, c := range t.cols {
		if placeCells(sh, c.key, p.village, p.village.township, row, i) {
			continue
		}
		switch c.key {
		case colSeq:
			row[i] = intCell(0)
		case colName:
			row[i] = textCell(p.person.name)
		case colID:
			row[i] = textCell(idText(sh, p.person, false))
		case colRole:
			row[i] = textCell(ro.word)
		case colStart:
			row[i] = dateCell(ro.start)
		case colEnd:
			row[i] = dateCell(ro.end)
		case colNotes:
			if ro.category == catLeader {
				row[i] = textCell("由" + p.village.name + "提拔，\n任乡镇（街道）领导班子成员")
			} else if n%5 == 0 {
				row[i] = textCell("经村民（居民）会议选举产生")
			}
		}
	}
	return row
}

// assessmentRow renders an annual assessment.
func (cm *countyModel) assessmentRow(sh *shape, t *table, a assessment) []cell {
	row := make([]cell, len(t.cols))
	for i, c := range t.cols {
		switch c.key {
		case colSeq:
			row[i] = intCell(0)
		case colName:
			row[i] = textCell(a.person.name)
		case colID:
			row[i] = textCell(idText(sh, a.person, false))
		case colYear:
			row[i] = intCell(a.year)
		case colGrade:
			row[i] = textCell(sh.word(colGrade, a.grade))
		}
	}
	return row
}

// vacancyRow renders a vacancy.
func (cm *countyModel) vacancyRow(sh *shape, t *table, v vacancy, n int) []cell {
	row := make([]cell, len(t.cols))
	for i, c := range t.cols {
		if placeCells(sh, c.key, v.village, v.village.township, row, i) {
			continue
		}
		switch c.key {
		case colSeq:
			row[i] = intCell(0)
		case colReported:
			row[i] = dateCell(v.reported)
		case colReason:
			row[i] = textCell(sh.word(colReason, v.reason))
		case colFilled:
			row[i] = dateCell(v.filled)
		case colNotes:
			if n%3 == 0 {
				row[i] = textCell("2022年度空缺普查，\n已列入补充计划")
			}
		}
	}
	return row
}

// quotaRow renders a quota; the county pool row has no township.
func (cm *countyModel) quotaRow(sh *shape, t *table, q quota) []cell {
	row := make([]cell, len(t.cols))
	zero := cell{}
	if sh.zeroQuota {
		zero = intCell(0)
	}
	for i, c := range t.cols {
		switch c.key {
		case colSeq:
			row[i] = intCell(0)
		case colCounty:
			placeCells(sh, c.key, nil, &township{county: cm.county}, row, i)
		case colTownship:
			if q.township != nil {
				placeCells(sh, c.key, nil, q.township, row, i)
			}
		case colYear:
			row[i] = intCell(q.year)
		case colTownshipQuota:
			row[i] = zero
			if q.township != nil {
				row[i] = intCell(q.quota)
			}
		case colCountyPool:
			row[i] = zero
			if q.township == nil {
				row[i] = intCell(q.quota)
			}
		}
	}
	return row
}

// subsidyRow renders a subsidy payment.
func (cm *countyModel) subsidyRow(sh *shape, t *table, s subsidy) []cell {
	row := make([]cell, len(t.cols))
	for i, c := range t.cols {
		switch c.key {
		case colSeq:
			row[i] = intCell(0)
		case colName:
			row[i] = textCell(s.person.name)
		case colID:
			row[i] = textCell(idText(sh, s.person, false))
		case colPaid:
			row[i] = dateCell(s.paid)
			row[i].month = sh.monthPaid
		case colKind:
			if sh.vocab == 0 {
				row[i] = textCell(s.kind)
			} else {
				row[i] = textCell(s.word)
			}
		case colAmount:
			row[i] = intCell(s.yuan)
		}
	}
	return row
}

// original returns the index of the row that row n repeats exactly (an
// exact duplicate is the same slice as the row before it), or n. Writers
// render a duplicate as its original, so that dates a county writes in mixed
// forms (sh.mixedDates) stay the same.
func (t *table) original(n int) int {
	for n > 0 && &t.rows[n][0] == &t.rows[n-1][0] {
		n--
	}
	return n
}

// numberSeq fills the 序号 column with 1, 2, ...; an exact duplicate row
// (the same slice as the row before it) keeps its original's number.
func (t *table) numberSeq() {
	i := t.index(colSeq)
	if i < 0 {
		return
	}
	n := 0
	for r, row := range t.rows {
		if r == 0 || &row[0] != &t.rows[r-1][0] {
			n++
		}
		row[i] = intCell(n)
	}
}
