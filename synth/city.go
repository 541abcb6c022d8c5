package synth

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
)

// Regions of the configuration (region: remote | developed).
const (
	regionRemote    = "remote"
	regionDeveloped = "developed"
)

// countyPlan fixes what the generator must make of one county: its townships,
// its villages and the counts behind the city's expected figures.
type countyPlan struct {
	code, name, region string
	bachelorAllowed    bool
	streets, towns     int // townships by kind (街道, 镇); xiangs are 乡
	xiangs             int
	villages           int // the village universe on 2022-07-21
	uncovered          int // villages nobody is in post in on 2022-07-21
	doubles            int // villages with two graduates in post on 2022-07-21
	twoRound           int // in post on 2022-07-21 with a two-round selection
	pool               int // county_pool posts (2022 quota); 0: not a pool county
	committee          int // graduates holding a 2021-election committee role on 2022-07-21
	secretaries        int // of whom party secretaries
	newCommunities     int // communities set up in 2020-2021, never covered before 2022-07-21
	dissolved          int // villages dissolved (merged) on 2020-06-30
	newIn2023          int // communities established on 2023-03-01
	transfersTo        []string
	oneShoulder        bool // a secretary also chairs the village committee (一肩挑)
	legacyIDs          bool // some ID numbers are written in the old 15-digit form

	// turnover, when above 0, raises the share of villages whose graduate in
	// post on 2022-07-21 had one predecessor to it, and gives some of them two
	// (the larger scales use it for more postings per village); 0 keeps the
	// city's rates.
	turnover float64
	// shape is how the county keeps its files; nil at first for the city's
	// plans, which take theirs from shapes.
	shape *shape

	// Rows that load with a finding (docs/feeds.md, 发现代码).
	genderMismatch, birthMismatch, overAge, bachelorOutside, overlap, overCap int

	// Dirty rows: the column left empty and the column holding an unknown value.
	missingCol, unknownCol, unknownText string
}

// taiyuan is the plan of the city scale: the ten real county-level divisions
// of Taiyuan with invented townships and villages.
var taiyuan = []countyPlan{
	{code: "140105", name: "小店区", region: regionDeveloped, streets: 8, towns: 2, villages: 150,
		uncovered: 25, doubles: 2, committee: 8, secretaries: 5, newCommunities: 2, newIn2023: 1,
		transfersTo: []string{"140109"}, oneShoulder: true, bachelorOutside: 1,
		missingCol: colDegree, unknownCol: colDegree, unknownText: "大专"},
	{code: "140106", name: "迎泽区", region: regionDeveloped, streets: 6, towns: 1, villages: 90,
		uncovered: 15, doubles: 1, committee: 5, secretaries: 3, newCommunities: 1,
		transfersTo: []string{"140121"}, genderMismatch: 1,
		missingCol: colChannel, unknownCol: colChannel, unknownText: "借调"},
	{code: "140107", name: "杏花岭区", region: regionDeveloped, streets: 10, towns: 2, villages: 120,
		uncovered: 22, doubles: 2, committee: 6, secretaries: 4, newCommunities: 1,
		transfersTo: []string{"140181"}, overAge: 1, overCap: 1,
		missingCol: colStart, unknownCol: colQuota, unknownText: "临时聘用"},
	{code: "140108", name: "尖草坪区", region: regionDeveloped, streets: 9, towns: 3, xiangs: 1, villages: 160,
		uncovered: 35, doubles: 2, pool: 40, committee: 8, secretaries: 5, newCommunities: 1,
		transfersTo: []string{"140122"},
		missingCol:  colQuota, unknownCol: colDegree, unknownText: "专科"},
	{code: "140109", name: "万柏林区", region: regionDeveloped, streets: 11, towns: 2, xiangs: 1, villages: 150,
		uncovered: 30, doubles: 2, pool: 35, committee: 7, secretaries: 4, newCommunities: 2, newIn2023: 1,
		transfersTo: []string{"140181"}, birthMismatch: 1, overCap: 1,
		missingCol: colName, unknownCol: colChannel, unknownText: "借调"},
	{code: "140110", name: "晋源区", region: regionDeveloped, streets: 3, towns: 2, xiangs: 1, villages: 110,
		uncovered: 23, doubles: 1, committee: 6, secretaries: 3, newCommunities: 1,
		transfersTo: []string{"140123"}, bachelorOutside: 1,
		missingCol: colDegree, unknownCol: colDegree, unknownText: "associate"},
	{code: "140121", name: "清徐县", region: regionDeveloped, streets: 1, towns: 5, xiangs: 3, villages: 180,
		uncovered: 40, doubles: 2, pool: 48, committee: 9, secretaries: 5, newCommunities: 1, dissolved: 1,
		oneShoulder: true, genderMismatch: 1, overlap: 1,
		missingCol: colChannel, unknownCol: colQuota, unknownText: "临时聘用"},
	{code: "140122", name: "阳曲县", region: regionRemote, streets: 1, towns: 5, xiangs: 4, villages: 150,
		uncovered: 25, doubles: 1, twoRound: 114, pool: 55, committee: 7, secretaries: 4, dissolved: 1,
		birthMismatch: 1,
		missingCol:    colStart, unknownCol: colDegree, unknownText: "大专"},
	{code: "140123", name: "娄烦县", region: regionRemote, bachelorAllowed: true, towns: 4, xiangs: 3, villages: 110,
		uncovered: 20, doubles: 1, twoRound: 82, pool: 40, committee: 6, secretaries: 4, legacyIDs: true,
		missingCol: colID, unknownCol: colChannel, unknownText: "借调"},
	{code: "140181", name: "古交市", region: regionRemote, streets: 4, towns: 6, xiangs: 3, villages: 175,
		uncovered: 30, doubles: 1, twoRound: 132, pool: 60, committee: 10, secretaries: 6, newCommunities: 1, dissolved: 1,
		oneShoulder: true, genderMismatch: 1, overAge: 1,
		missingCol: colDegree, unknownCol: colDegree, unknownText: "大专"},
}

// townshipKind is the kind a township's code gives (docs/warehouse.md, dim_township).
type townshipKind int

const (
	kindStreet townshipKind = iota // 街道, codes 001-099
	kindTown                       // 镇, 100-199
	kindXiang                      // 乡, 200-399
)

// suffix is the end of a township name of this kind.
func (k townshipKind) suffix() string { return [...]string{"街道", "镇", "乡"}[k] }

// leaderRole is the township leadership post a promoted graduate takes here.
func (k townshipKind) leaderRole() string {
	return [...]string{"街道办事处副主任", "副镇长", "副乡长"}[k]
}

// city is the division layout of one prefecture-level city: counties,
// townships and villages. At the larger scales every prefecture is laid out,
// built and written as a city of its own.
type city struct {
	code, name string
	counties   []*county
}

// county is a county-level division and its plan.
type county struct {
	countyPlan
	townships []*township
	divs      []*village // every division of the county, in code order
	names     map[string]bool
}

// township is a township-level division.
type township struct {
	code, name string
	kind       townshipKind
	county     *county
	villages   []*village
	nextComm   int // the next unused community suffix (001-199)
	nextVill   int // the next unused village suffix (200-399)
}

// village is a village (村委会) or a community (社区/居委会).
type village struct {
	code, name  string
	community   bool
	urbanRural  string
	township    *township
	established date // 0: long established
	dissolved   date // 0: not dissolved
}

// inUniverse reports whether v belongs to the village universe on day d.
func (v *village) inUniverse(d date) bool {
	return (v.established == 0 || v.established <= d) && (v.dissolved == 0 || v.dissolved > d)
}

// cityStream is the random stream of the city scale's layout.
const cityStream = 0xc17e

// newCity lays out the townships and villages of the plans, deterministically
// for r. Township names are unique within the city.
func newCity(r *rand.Rand, code, name string, plans []countyPlan) *city {
	c := &city{code: code, name: name}
	townshipNames := map[string]bool{}
	for _, p := range plans {
		ct := &county{countyPlan: p, names: map[string]bool{}}
		ct.layTownships(r, townshipNames)
		ct.layVillages(r)
		c.counties = append(c.counties, ct)
	}
	return c
}

// layTownships makes the county's townships with codes by kind.
func (ct *county) layTownships(r *rand.Rand, used map[string]bool) {
	add := func(kind townshipKind, n, first int) {
		code := first
		for range n {
			t := &township{
				code:     fmt.Sprintf("%s%03d", ct.code, code),
				name:     placeName(r, townshipSecond, kind.suffix(), used),
				kind:     kind,
				county:   ct,
				nextComm: 1,
				nextVill: 200,
			}
			ct.townships = append(ct.townships, t)
			code++
			if chance(r, 0.15) { // real codes have gaps where townships merged
				code++
			}
		}
	}
	add(kindStreet, ct.streets, 1)
	add(kindTown, ct.towns, 100)
	add(kindXiang, ct.xiangs, 200)
}

// layVillages spreads the county's villages over its townships, then adds the
// divisions outside the 2022 universe (dissolved villages, 2023 communities).
func (ct *county) layVillages(r *rand.Rand) {
	counts := ct.villageCounts(r)
	for i, t := range ct.townships {
		n := counts[i]
		comm := 0
		switch t.kind {
		case kindStreet:
			comm = int(float64(n)*(0.75+0.25*r.Float64()) + 0.5)
		case kindTown:
			comm = max(1, int(float64(n)*(0.05+0.2*r.Float64())+0.5))
		}
		comm = min(comm, n)
		for j := range n {
			t.addVillage(r, j < comm, j-comm, n-comm)
		}
	}
	// Communities set up in 2020-2021: uncovered on 2022-07-21, never covered before.
	comms := ct.divisions(func(v *village) bool { return v.community })
	for _, v := range shuffled(r, comms)[:min(ct.newCommunities, len(comms))] {
		v.established = between(r, ymd(2020, 3, 1), ymd(2021, 12, 31))
	}
	for range ct.dissolved {
		t := pick(r, ct.townships)
		v := t.addVillage(r, false, 0, 1)
		v.dissolved = dissolvedOn
	}
	for range ct.newIn2023 {
		t := ct.townships[r.IntN(min(len(ct.townships), ct.streets+ct.towns))]
		v := t.addVillage(r, true, 0, 1)
		v.established = newCommunityOn
	}
	for _, t := range ct.townships {
		ct.divs = append(ct.divs, t.villages...)
	}
	slices.SortFunc(ct.divs, func(a, b *village) int { return cmp.Compare(a.code, b.code) })
}

// villageCounts allocates the county's villages to its townships, at least
// three each, weighted by kind with some spread.
func (ct *county) villageCounts(r *rand.Rand) []int {
	weights := make([]float64, len(ct.townships))
	total := 0.0
	for i, t := range ct.townships {
		w := [...]float64{1.0, 1.5, 1.2}[t.kind] * (0.7 + 0.6*r.Float64())
		weights[i] = w
		total += w
	}
	counts := make([]int, len(weights))
	sum := 0
	for i, w := range weights {
		counts[i] = max(3, int(w/total*float64(ct.villages)))
		sum += counts[i]
	}
	for i := 0; sum < ct.villages; i = (i + 1) % len(counts) {
		counts[i]++
		sum++
	}
	for sum > ct.villages {
		big := 0
		for i := range counts {
			if counts[i] > counts[big] {
				big = i
			}
		}
		counts[big]--
		sum--
	}
	return counts
}

// addVillage adds a community or village to t. For a village, i and n are
// its index among the township's villages and their number, which place it
// near the town (urban-rural 12x) or not (2x0).
func (t *township) addVillage(r *rand.Rand, community bool, i, n int) *village {
	v := &village{township: t, community: community}
	if community {
		v.code = fmt.Sprintf("%s%03d", t.code, t.nextComm)
		t.nextComm++
		v.name = placeName(r, communitySecond, "社区", t.county.names)
		v.urbanRural = "111"
		if t.kind != kindStreet {
			v.urbanRural = "112"
		}
	} else {
		v.code = fmt.Sprintf("%s%03d", t.code, t.nextVill)
		t.nextVill++
		v.name = placeName(r, villageSecond, "村", t.county.names)
		switch {
		case t.kind == kindStreet:
			v.urbanRural = "121"
		case t.kind == kindTown && i*3 < n:
			v.urbanRural = pick(r, []string{"122", "123"})
		default:
			v.urbanRural = pick(r, []string{"210", "210", "220"})
		}
	}
	if chance(r, 0.08) && t.nextComm < 199 && t.nextVill < 399 { // skipped codes
		if community {
			t.nextComm++
		} else {
			t.nextVill++
		}
	}
	t.villages = append(t.villages, v)
	return v
}

// divisions returns the county's villages for which keep is true.
func (ct *county) divisions(keep func(*village) bool) []*village {
	var out []*village
	for _, t := range ct.townships {
		for _, v := range t.villages {
			if keep(v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// universe returns the county's village universe on day d, in code order.
func (ct *county) universe(d date) []*village {
	var out []*village
	for _, v := range ct.divs {
		if v.inUniverse(d) {
			out = append(out, v)
		}
	}
	return out
}

// unusedVillageName draws a village name that no division of the county has,
// not even as a community of the same stem (东园村 when 东园社区 exists would
// resolve to the community once the suffix is dropped).
func (ct *county) unusedVillageName(r *rand.Rand) string {
	for {
		name := placeName(r, villageSecond, "村", ct.names)
		delete(ct.names, name) // not a real village: keep it drawable (it stays unused)
		if !ct.names[strings.TrimSuffix(name, "村")+"社区"] {
			return name
		}
	}
}
