package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
)

// area is what one scale covers: the city, one province or the whole country.
type area struct {
	scale      string
	code, name string     // the configuration's city.code and city.name
	units      []unitPlan // prefecture-level cities, in code order
}

// unitPlan is one prefecture-level city of an area: it is laid out, built
// and written as a whole, like the city scale's Taiyuan, so that transfers
// between counties and the dirty rows naming another county stay within it.
type unitPlan struct {
	code, name string
	province   string // the province's name, for the configuration's comments; "" at the city scale
	stream     uint64 // the random stream of its layout
	counties   []countyPlan
}

// province is a province-level division and its size (close to the real
// one, with villages and communities together) for the larger scales.
type province struct {
	code, name                    string
	counties, townships, villages int
}

// provinces are the 31 province-level divisions with their real codes.
var provinces = []province{
	{"11", "北京市", 16, 343, 7100}, {"12", "天津市", 16, 250, 5300},
	{"13", "河北省", 167, 2255, 53000}, {"14", "山西省", 117, 1400, 30000},
	{"15", "内蒙古自治区", 103, 1025, 14200}, {"21", "辽宁省", 100, 1355, 16100},
	{"22", "吉林省", 60, 943, 11300}, {"23", "黑龙江省", 121, 1292, 13800},
	{"31", "上海市", 16, 215, 6000}, {"32", "江苏省", 95, 1245, 21300},
	{"33", "浙江省", 90, 1365, 24900}, {"34", "安徽省", 104, 1495, 16800},
	{"35", "福建省", 84, 1107, 17500}, {"36", "江西省", 100, 1565, 20400},
	{"37", "山东省", 136, 1825, 65000}, {"41", "河南省", 157, 2453, 52400},
	{"42", "湖北省", 103, 1255, 26400}, {"43", "湖南省", 122, 1943, 29400},
	{"44", "广东省", 122, 1612, 26300}, {"45", "广西壮族自治区", 111, 1251, 16400},
	{"46", "海南省", 25, 218, 3500}, {"50", "重庆市", 38, 1030, 11200},
	{"51", "四川省", 183, 3100, 34000}, {"52", "贵州省", 88, 1500, 17300},
	{"53", "云南省", 129, 1420, 14700}, {"54", "西藏自治区", 74, 697, 5700},
	{"61", "陕西省", 107, 1309, 19600}, {"62", "甘肃省", 86, 1356, 17600},
	{"63", "青海省", 44, 404, 4600}, {"64", "宁夏回族自治区", 22, 242, 2900},
	{"65", "新疆维吾尔自治区", 107, 1143, 13500},
}

// provinceCode is the province the province scale writes.
const provinceCode = "14"

// scaleTurnover is the countyPlan.turnover of the larger scales: about 1.8
// postings per village over 2019-2023 instead of the city's 1.44.
const scaleTurnover = 0.8

// planStream is the random stream of the larger scales' plans.
const planStream = 0x91a9

// planArea returns what the scale of opts covers, with every county's plan.
func planArea(opts Options) (*area, error) {
	switch opts.Scale {
	case "", ScaleCity:
		plans := slices.Clone(taiyuan)
		for i := range plans {
			plans[i].shape = shapeFor(&taiyuan[i], &plans[i], opts.CSVOnly)
		}
		return &area{scale: ScaleCity, code: "1401", name: "太原市",
			units: []unitPlan{{code: "1401", name: "太原市", stream: cityStream, counties: plans}}}, nil
	case ScaleProvince:
		i := slices.IndexFunc(provinces, func(p province) bool { return p.code == provinceCode })
		p := provinces[i]
		return newPlanner(opts).area(ScaleProvince, p.code, p.name, provinces[i:i+1]), nil
	case ScaleNational:
		return newPlanner(opts).area(ScaleNational, "00", "全国", provinces), nil
	}
	return nil, fmt.Errorf("%w: %q (want city, province or national)", ErrUnknownScale, opts.Scale)
}

// planner draws the plans of a larger scale, deterministically for the seed.
type planner struct {
	r       *rand.Rand
	csvOnly bool
	names   map[string]bool // names of prefectures and counties, unique across the area
	index   int             // counties planned so far: the next one takes shape index % 10
}

func newPlanner(opts Options) *planner {
	return &planner{r: rand.New(rand.NewPCG(uint64(opts.Seed), planStream)), csvOnly: opts.CSVOnly, names: map[string]bool{}}
}

// countyKind is the kind of a county-level division, which its code and name show.
type countyKind int

const (
	kindDistrict   countyKind = iota // 市辖区, codes from xx02 (xx01 in a municipality)
	kindCounty                       // 县, from xx21 (xx01 in a municipality)
	kindCityCounty                   // 县级市, from xx81
)

// area plans every province of provs.
func (pl *planner) area(scale, code, name string, provs []province) *area {
	a := &area{scale: scale, code: code, name: name}
	for _, p := range provs {
		a.units = append(a.units, pl.province(p)...)
	}
	return a
}

// municipalities are the provinces that are cities: their districts form
// one unit (xx01) and their counties another (xx02).
var municipalities = []string{"11", "12", "31", "50"}

// province plans the prefectures and counties of p, whose townships and
// villages add up to p's exactly.
func (pl *planner) province(p province) []unitPlan {
	r := pl.r
	// Prefecture sizes and the kinds of their counties.
	var units []unitPlan
	var kinds [][]countyKind
	if slices.Contains(municipalities, p.code) {
		districts := min(p.counties, 26)
		units = append(units, unitPlan{code: p.code + "01", name: p.name})
		kinds = append(kinds, repeat(kindDistrict, districts))
		if p.counties > districts {
			units = append(units, unitPlan{code: p.code + "02", name: p.name + "（县）"})
			kinds = append(kinds, repeat(kindCounty, p.counties-districts))
		}
	} else {
		n := max(1, int(math.Round(float64(p.counties)/10.5)))
		sizes := apportion(p.counties, pl.weights(n, 0.6, 1.4), repeat(2, n))
		for i, k := range sizes {
			units = append(units, unitPlan{code: fmt.Sprintf("%s%02d", p.code, i+1), name: pl.name(prefectureSecond, "市")})
			d := min(k-1, r.IntN(4))
			if i == 0 { // the capital
				d = min(k-1, 3+r.IntN(4))
			}
			c := min(k-d-1, r.IntN(3))
			kinds = append(kinds, slices.Concat(repeat(kindDistrict, d), repeat(kindCounty, k-d-c), repeat(kindCityCounty, c)))
		}
	}
	// Townships, then villages, shared out over the province's counties.
	var all []countyKind
	for _, ks := range kinds {
		all = append(all, ks...)
	}
	tw := make([]float64, len(all))
	for i, k := range all {
		tw[i] = [...]float64{1.0, 1.15, 1.25}[k] * (0.7 + 0.6*r.Float64())
	}
	twps := apportion(p.townships, tw, repeat(3, len(all)))
	vw := make([]float64, len(all))
	vmin := make([]int, len(all))
	for i, k := range all {
		vw[i] = float64(twps[i]) * [...]float64{0.8, 1.1, 1.0}[k] * (0.75 + 0.5*r.Float64())
		vmin[i] = max(4*twps[i], 30)
	}
	vills := apportion(p.villages, vw, vmin)

	n := 0
	for u := range units {
		units[u].province = p.name
		units[u].stream = countyStream(units[u].code) ^ 0x5ca1e
		next := map[countyKind]int{kindDistrict: 2, kindCounty: 21, kindCityCounty: 81}
		if slices.Contains(municipalities, p.code) {
			next[kindDistrict], next[kindCounty] = 1, 1
		}
		for _, k := range kinds[u] {
			code := fmt.Sprintf("%s%02d", units[u].code, next[k])
			next[k]++
			if chance(r, 0.2) { // codes have gaps where counties merged
				next[k]++
			}
			units[u].counties = append(units[u].counties, pl.county(code, k, twps[n], vills[n]))
			n++
		}
		cs := units[u].counties
		for j := range len(cs) - 1 {
			if chance(r, 0.6) {
				cs[j].transfersTo = []string{cs[j+1].code}
			}
		}
	}
	return units
}

// county plans one county of kind k with t townships and v villages. Its
// counts follow the city's proportions, scaled by v; it takes its shape,
// its dirty columns and its legacy ID numbers from the city's county whose
// turn it is, and has rows contradicting the ID number's gender or birth
// date only where that shape has the column.
func (pl *planner) county(code string, k countyKind, t, v int) countyPlan {
	r := pl.r
	u := func(lo, hi float64) float64 { return lo + (hi-lo)*r.Float64() }
	round := func(x float64) int { return int(math.Round(x)) }
	// count draws a whole number whose mean is x.
	count := func(x float64) int {
		n := int(x)
		if chance(r, x-float64(n)) {
			n++
		}
		return n
	}
	perCity := func(n float64) float64 { return n * float64(v) / 139.5 } // a city county has 139.5 villages

	cp := countyPlan{code: code, villages: v, turnover: scaleTurnover}
	cp.name = pl.name(countySecond, [...]string{"区", "县", "市"}[k])
	switch k {
	case kindDistrict:
		cp.streets = min(t, max(1, round(float64(t)*u(0.6, 0.95))))
		if t-cp.streets > 1 && chance(r, 0.3) {
			cp.xiangs = 1
		}
		cp.towns = t - cp.streets - cp.xiangs
	case kindCounty:
		cp.streets = min(r.IntN(3), t-2)
		cp.towns = max(1, round(float64(t-cp.streets)*u(0.4, 0.75)))
		cp.xiangs = t - cp.streets - cp.towns
	case kindCityCounty:
		cp.streets = min(2+r.IntN(4), t/2)
		cp.towns = max(1, round(float64(t-cp.streets)*u(0.5, 0.8)))
		cp.xiangs = t - cp.streets - cp.towns
	}
	cp.region = regionDeveloped
	if chance(r, [...]float64{0.05, 0.55, 0.3}[k]) {
		cp.region = regionRemote
		cp.bachelorAllowed = chance(r, 1.0/3)
	}
	cp.newCommunities = count(perCity(1.1))
	cp.uncovered = max(cp.newCommunities+3, round(float64(v)*u(0.14, 0.22)))
	cp.doubles = max(1, round(float64(v)*u(0.004, 0.016)))
	if chance(r, 0.6) {
		cp.pool = round(float64(v) * u(0.22, 0.36))
	}
	cp.committee = max(3, round(float64(v)*u(0.042, 0.062)))
	cp.secretaries = max(1, round(float64(cp.committee)*u(0.5, 0.7)))
	cp.dissolved = count(perCity(0.3))
	if cp.streets+cp.towns > 0 {
		cp.newIn2023 = count(perCity(0.2))
	}
	cp.oneShoulder = chance(r, 0.3)
	// A row stating the other gender or another birth date than its ID
	// number, where the county's ledger has the column.
	tmpl := &taiyuan[pl.index%len(taiyuan)]
	pl.index++
	ledger := shapes[tmpl.code].cols[rtLedger]
	has := func(key string) bool { return slices.ContainsFunc(ledger, func(c column) bool { return c.key == key }) }
	if has(colGender) {
		cp.genderMismatch = count(perCity(0.3))
	}
	if has(colBirth) {
		cp.birthMismatch = count(perCity(0.2))
	}
	cp.overAge = count(perCity(0.2))
	if !cp.bachelorAllowed {
		cp.bachelorOutside = count(perCity(0.2))
	}
	cp.overlap = min(1, count(perCity(0.1)))
	cp.overCap = count(perCity(0.2))
	if cp.region == regionRemote {
		// Entrants in post on 2022-07-21 are at most the villages covered plus
		// the doubles; a few of those posts go to graduates moving within the
		// county, so a margin stays.
		cp.twoRound = int(float64(v-cp.uncovered+cp.doubles)*u(0.82, 0.88)) - 2
	}
	cp.missingCol, cp.unknownCol, cp.unknownText = tmpl.missingCol, tmpl.unknownCol, tmpl.unknownText
	cp.legacyIDs = tmpl.legacyIDs
	cp.shape = shapeFor(tmpl, &cp, pl.csvOnly)
	return cp
}

// Second characters of invented prefecture and county names.
var (
	prefectureSecond = []rune("州阳城安宁平江川原水丰源泉德化兴和远定昌乐武清台陵")
	countySecond     = []rune("阳城州安宁平江山川原水丰源泉德化兴和远定昌乐武清台谷陵邑津门关林岗桥庄堡口峪沟")
)

// name draws a name unique across the area.
func (pl *planner) name(second []rune, suffix string) string {
	return placeName(pl.r, second, suffix, pl.names)
}

// weights draws n weights between lo and hi.
func (pl *planner) weights(n int, lo, hi float64) []float64 {
	w := make([]float64, n)
	for i := range w {
		w[i] = lo + (hi-lo)*pl.r.Float64()
	}
	return w
}

// apportion shares total out in proportion to weights, each part at least
// its minimum; the parts add up to total unless the minimums exceed it.
func apportion(total int, weights []float64, mins []int) []int {
	out := slices.Clone(mins)
	rest := total
	for _, m := range mins {
		rest -= m
	}
	if rest <= 0 {
		return out
	}
	sum := 0.0
	for _, w := range weights {
		sum += w
	}
	given := 0
	for i, w := range weights {
		n := int(float64(rest) * w / sum)
		out[i] += n
		given += n
	}
	for i := 0; given < rest; i = (i + 1) % len(out) {
		out[i]++
		given++
	}
	return out
}

// repeat returns n copies of x.
func repeat[T any](x T, n int) []T { return slices.Repeat([]T{x}, n) }
