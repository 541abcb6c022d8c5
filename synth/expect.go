package synth

import "maps"

// addCounty adds county cm's figures to e. incoming is the number of
// graduates who moved into the county from another: each is a person with
// postings in two counties. Every figure is a sum over counties (a person is
// generated in one county, and holds the roles counted here in the county of
// their posting on 2022-07-21), so counties can be counted as they are built.
func (e *Expect) addCounty(cm *countyModel, incoming int) {
	c := cm.county
	if e.ByCounty == nil {
		e.ByCounty = map[string]CountyExpect{}
	}
	ce := CountyExpect{}
	e.Townships += len(c.townships)
	covered1, covered2 := map[*village]bool{}, map[*village]bool{}
	for _, v := range c.divs {
		if v.inUniverse(day1) {
			ce.Villages++
		}
	}
	for _, p := range cm.postings {
		if inPost(p.start, p.end, day1) && p.village.inUniverse(day1) {
			ce.InPost20220721++
			covered1[p.village] = true
			if p.round == roundCounty || p.round == roundCity {
				e.TwoRound20220721++
			}
		}
		if inPost(p.start, p.end, day2) && p.village.inUniverse(day2) {
			e.InPost20221231++
			covered2[p.village] = true
		}
		if p.person.channel == chOpen && p.start > day1 && p.start <= day2 {
			e.OpenRecruitsAfter++
		}
	}
	ce.Covered20220721 = len(covered1)
	e.ByCounty[c.code] = ce
	e.Villages += ce.Villages
	e.InPost20220721 += ce.InPost20220721
	e.Covered20220721 += ce.Covered20220721
	e.Covered20221231 += len(covered2)
	e.Postings += len(cm.postings)
	e.Persons += len(cm.persons)
	e.TransferredAcrossCounties += incoming

	pool := false
	for _, q := range cm.quotas {
		switch {
		case q.year != 2022:
		case q.township == nil:
			e.CountyPool2022 += q.quota
			pool = pool || q.quota > 0
		default:
			e.TownshipQuota2022 += q.quota
		}
	}
	if pool {
		e.PoolCounties++
	}

	committee, secretaries := map[*person]bool{}, map[*person]bool{}
	for _, ro := range cm.roles {
		if ro.category == catLeader || ro.start < election2021 || ro.start > election2021To || !inPost(ro.start, ro.end, day1) {
			continue
		}
		committee[ro.posting.person] = true
		if ro.category == catSecretary {
			secretaries[ro.posting.person] = true
		}
	}
	e.Committee2021 += len(committee)
	e.Secretaries2021 += len(secretaries)
}

// add adds the figures of another part of the area (a prefecture) to e.
func (e *Expect) add(o Expect) {
	e.Villages += o.Villages
	e.Townships += o.Townships
	e.InPost20220721 += o.InPost20220721
	e.Covered20220721 += o.Covered20220721
	e.TwoRound20220721 += o.TwoRound20220721
	e.OpenRecruitsAfter += o.OpenRecruitsAfter
	e.Covered20221231 += o.Covered20221231
	e.InPost20221231 += o.InPost20221231
	e.TownshipQuota2022 += o.TownshipQuota2022
	e.CountyPool2022 += o.CountyPool2022
	e.PoolCounties += o.PoolCounties
	e.Committee2021 += o.Committee2021
	e.Secretaries2021 += o.Secretaries2021
	e.Persons += o.Persons
	e.Postings += o.Postings
	e.TransferredAcrossCounties += o.TransferredAcrossCounties
	if e.ByCounty == nil {
		e.ByCounty = map[string]CountyExpect{}
	}
	maps.Copy(e.ByCounty, o.ByCounty)
}
