package synth

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
)

// add records a new posting in v.
func (cm *countyModel) add(v *village, start, end date, batch bool) *posting {
	p := &posting{village: v, start: start, end: end, batch: batch, county: cm.county, round: roundDirect}
	cm.postings = append(cm.postings, p)
	return p
}

// intakeStart draws the start of a posting in post on day1.
func intakeStart(r *rand.Rand) (date, bool) {
	switch u := r.Float64(); {
	case u < 0.45:
		return between(r, ymd(2019, 3, 1), ymd(2019, 7, 31)), true
	case u < 0.62:
		return between(r, ymd(2020, 4, 1), ymd(2020, 8, 31)), true
	case u < 0.80:
		return between(r, ymd(2021, 3, 1), ymd(2021, 7, 31)), true
	case u < 0.90:
		return between(r, ymd(2022, 3, 1), lastPreDay1), true
	}
	return between(r, ymd(2019, 9, 1), lastPreDay1), false
}

// earlyStart draws the start of a posting that ended before day1.
func earlyStart(r *rand.Rand) date {
	switch u := r.Float64(); {
	case u < 0.5:
		return between(r, ymd(2019, 3, 1), ymd(2019, 7, 31))
	case u < 0.75:
		return between(r, ymd(2020, 4, 1), ymd(2020, 8, 31))
	}
	return between(r, ymd(2021, 3, 1), ymd(2021, 7, 31))
}

// histories draws every village's postings: who is in post on day1, who
// left before, and the open recruits after day1 in the villages then uncovered.
func (cm *countyModel) histories() error {
	c, r := cm.county, cm.r
	universe := c.universe(day1)
	if len(universe) != c.villages {
		return fmt.Errorf("synth: county %s has %d villages, want %d", c.code, len(universe), c.villages)
	}
	// Uncovered on day1: the communities set up lately, then others at random.
	uncovered := map[*village]bool{}
	var others []*village
	for _, v := range universe {
		if v.established != 0 {
			uncovered[v] = true
		} else {
			others = append(others, v)
		}
	}
	others = shuffled(r, others)
	for len(uncovered) < c.uncovered {
		uncovered[others[0]] = true
		others = others[1:]
	}
	doubles := map[*village]bool{}
	for _, v := range others[:c.doubles] {
		doubles[v] = true
	}
	// The overlap: a graduate moves from village a to village b and starts in b
	// two weeks before leaving a.
	var overlapA, overlapB *village
	if c.overlap > 0 {
		overlapA, overlapB = others[c.doubles], others[c.doubles+1]
	}
	for _, v := range c.divs {
		switch {
		case v.dissolved != 0:
			p := cm.add(v, between(r, ymd(2019, 3, 1), ymd(2019, 7, 31)), between(r, ymd(2019, 12, 1), ymd(2020, 6, 15)), true)
			p.wantMove = true
		case !v.inUniverse(day1):
			// established after 2022: no postings yet
		case v == overlapA:
			pa := cm.add(v, between(r, ymd(2019, 3, 1), ymd(2019, 7, 31)), 0, true)
			sb := between(r, ymd(2020, 4, 1), ymd(2020, 8, 31))
			pb := cm.add(overlapB, sb, 0, true)
			pa.end = sb + 14
			pa.next, pb.prev = pb, pa
			pa.endReason = endTransferred
			pa.overlapTo = pb
			cm.add(v, between(r, pa.end+20, pa.end+100), 0, true)
		case v == overlapB:
			// made with overlapA
		case uncovered[v]:
			if v.established == 0 {
				s := earlyStart(r)
				e := between(r, s+90, ymd(2022, 6, 15))
				if s >= ymd(2020, 3, 1) && chance(r, 0.3) {
					s0 := between(r, ymd(2019, 3, 1), ymd(2019, 7, 31))
					if s0+90 < s-5 {
						cm.add(v, s0, between(r, s0+90, s-5), true)
					}
				}
				cm.add(v, s, e, true)
			}
			p := cm.add(v, between(r, recruitFrom, day2), 0, false)
			p.uncovered = true
		default:
			s, batch := intakeStart(r)
			if s >= ymd(2019, 12, 1) && chance(r, cmp.Or(c.turnover, 0.5)) {
				s0 := between(r, ymd(2019, 3, 1), ymd(2019, 7, 31))
				switch {
				case s0+150 > s:
				case c.turnover > 0 && s >= ymd(2021, 3, 1) && chance(r, c.turnover):
					// Two predecessors: the first leaves within a year, the
					// second starts a few weeks later and leaves before s.
					mid := s0 + (s-s0)/2
					cm.add(v, s0, between(r, s0+90, mid-20), true)
					s1 := between(r, mid, mid+30)
					cm.add(v, s1, between(r, s1+90, s-5), false)
				default:
					cm.add(v, s0, between(r, s0+90, s-5), true)
				}
			}
			p := cm.add(v, s, 0, batch)
			if doubles[v] {
				s2, batch2 := intakeStart(r)
				p2 := cm.add(v, s2, 0, batch2)
				leaver := pick(r, []*posting{p, p2})
				leaver.end = between(r, ymd(2022, 8, 15), ymd(2022, 12, 15))
				leaver.leaver = true
			}
		}
	}
	slices.SortStableFunc(cm.postings, func(a, b *posting) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.village.code, b.village.code))
	})
	if c.region == regionRemote {
		inPost := 0
		for _, p := range cm.postings {
			if inPost1(p) {
				inPost++
			}
		}
		// The overlap's second posting is no entrant's either.
		cm.spare = inPost - c.twoRound - c.overlap
	}
	return nil
}

// inPost1 reports whether p is in post on day1.
func inPost1(p *posting) bool { return inPost(p.start, p.end, day1) }

// claimIncoming gives each graduate moving in from another county a posting
// here that starts within three months of their leaving: one drawn at random
// that fits, or else a village's only posting moved to fit.
func (cm *countyModel) claimIncoming(incoming []*handover) {
	r := cm.r
	for _, h := range incoming {
		e := h.from.end
		var fits []*posting
		for _, p := range cm.postings {
			if p.end == 0 && p.prev == nil && p.start > e && p.start <= min(e+90, lastPreDay1) && !p.uncovered {
				fits = append(fits, p)
			}
		}
		var s *posting
		if len(fits) > 0 {
			s = pick(r, fits)
		} else {
			s = cm.movablePosting()
			s.start = min(e+date(10+r.IntN(50)), lastPreDay1)
			cm.resort()
		}
		s.prev, h.from.next, h.claimed = h.from, s, s
		s.person = h.from.person
		s.person.postings = append(s.person.postings, s)
		cm.spare--
	}
}

// movablePosting returns a posting in post through day2 that is the only
// posting of its village, whose start may therefore move.
func (cm *countyModel) movablePosting() *posting {
	count := map[*village]int{}
	for _, p := range cm.postings {
		count[p.village]++
	}
	var ok []*posting
	for _, p := range cm.postings {
		if count[p.village] == 1 && p.end == 0 && p.prev == nil && p.next == nil && !p.uncovered {
			ok = append(ok, p)
		}
	}
	return pick(cm.r, ok)
}

func (cm *countyModel) resort() {
	slices.SortStableFunc(cm.postings, func(a, b *posting) int {
		return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.village.code, b.village.code))
	})
}

// pickOutgoing chooses the postings whose graduates move to another county.
func (cm *countyModel) pickOutgoing() error {
	for _, to := range cm.county.transfersTo {
		var fits []*posting
		for _, p := range cm.postings {
			if p.end >= ymd(2019, 10, 1) && p.end <= ymd(2022, 3, 31) && p.prev == nil && p.next == nil &&
				p.out == nil && !p.wantMove {
				fits = append(fits, p)
			}
		}
		if len(fits) == 0 {
			return fmt.Errorf("synth: county %s has no posting to move to %s", cm.county.code, to)
		}
		p := pick(cm.r, fits)
		p.endReason = endTransferred
		p.out = &handover{from: p, to: to}
		cm.out = append(cm.out, p.out)
	}
	return nil
}

// linkTransfers turns some postings that ended before day1 into moves within
// the county: the graduate starts in another village within three months.
func (cm *countyModel) linkTransfers() {
	r := cm.r
	var ended []*posting
	for _, p := range cm.postings {
		if p.end != 0 && p.end <= day1 && p.next == nil && p.out == nil {
			ended = append(ended, p)
		}
	}
	slices.SortStableFunc(ended, func(a, b *posting) int {
		return cmp.Or(cmp.Compare(a.end, b.end), cmp.Compare(a.village.code, b.village.code))
	})
	for _, p := range ended {
		if !p.wantMove && !chance(r, 0.2) {
			continue
		}
		var fits []*posting
		for _, s := range cm.postings {
			if s.prev == nil && s.out == nil && s.village != p.village && s.start > p.end &&
				s.start <= p.end+90 && s.start <= lastPreDay1 && !s.uncovered &&
				(cm.county.region != regionRemote || !inPost1(s) || cm.spare > 0) {
				fits = append(fits, s)
			}
		}
		if len(fits) == 0 {
			continue
		}
		s := pick(r, fits)
		p.next, s.prev = s, p
		p.endReason = endTransferred
		if inPost1(s) {
			cm.spare--
		}
	}
}

// endReasons gives every other ended posting its reason.
func (cm *countyModel) endReasons() {
	for _, p := range cm.postings {
		if p.end == 0 || p.endReason != "" {
			continue
		}
		switch {
		case p.wantMove:
			p.endReason = endOther
		case p.leaver:
			p.endReason = pickWeighted(cm.r, []weighted[string]{{endResigned, 50}, {endCivil, 40}, {endPromoted, 10}})
		default:
			p.endReason = pickWeighted(cm.r, []weighted[string]{
				{endResigned, 45}, {endCivil, 35}, {endPromoted, 8}, {endOther, 12}})
		}
	}
}
