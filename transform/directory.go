package transform

import (
	"slices"
	"strings"
	"sync"

	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// County, Township and Village are the entries of the city's division
// lists that rows are resolved against, as the warehouse reads them from its
// dimension tables: other names for the canon structs, defined there once.
type (
	County   = canon.County
	Township = canon.Township
	Village  = canon.Village
)

// Directory resolves counties, townships and villages written by code or by
// name. Names match exactly after normalisation, or else loosely (without
// suffixes such as 村委会, 社区居委会, 街道办事处) when only one entry matches.
//
// The village name indexes are built lazily, one township or county at a
// time, on the first lookup there: a national directory holds 620,000
// villages, and a load of one county only ever looks up its own. A
// Directory is safe for concurrent use.
type Directory struct {
	counties       map[string]County
	countyByName   map[string][]string
	townships      map[string]Township
	townshipByName map[string][]string // county|name -> codes

	villages    []Village        // sorted by code
	inTownship  map[string][]int // township code -> indexes into villages
	inCounty    map[string][]int // county code -> indexes into villages
	mu          sync.Mutex
	indexedTS   map[string]bool
	indexedCty  map[string]bool
	villageByTS map[string][]string // township|name -> codes
	villageInCt map[string][]string // county|name -> codes
}

// NewDirectory indexes the reference lists.
func NewDirectory(counties []County, townships []Township, villages []Village) *Directory {
	d := &Directory{
		counties: map[string]County{}, countyByName: map[string][]string{},
		townships: map[string]Township{}, townshipByName: map[string][]string{},
		inTownship: map[string][]int{}, inCounty: map[string][]int{},
		indexedTS: map[string]bool{}, indexedCty: map[string]bool{},
		villageByTS: map[string][]string{}, villageInCt: map[string][]string{},
	}
	for _, c := range counties {
		d.counties[c.Code] = c
		for _, k := range nameKeys(c.Name, countySuffixes) {
			d.countyByName[k] = appendUnique(d.countyByName[k], c.Code)
		}
	}
	for _, t := range townships {
		d.townships[t.Code] = t
		for _, k := range nameKeys(t.Name, townshipSuffixes) {
			d.townshipByName[t.CountyCode+"|"+k] = appendUnique(d.townshipByName[t.CountyCode+"|"+k], t.Code)
		}
	}
	d.villages = slices.Clone(villages)
	if !slices.IsSortedFunc(d.villages, byVillageCode) {
		slices.SortStableFunc(d.villages, byVillageCode)
	}
	// A code listed twice: the last one listed wins, as a map would have it.
	kept := d.villages[:0]
	for i, v := range d.villages {
		if i+1 < len(d.villages) && d.villages[i+1].Code == v.Code {
			continue
		}
		kept = append(kept, v)
	}
	d.villages = kept
	for i, v := range d.villages {
		d.inTownship[v.TownshipCode] = append(d.inTownship[v.TownshipCode], i)
		d.inCounty[v.CountyCode] = append(d.inCounty[v.CountyCode], i)
	}
	return d
}

func byVillageCode(a, b Village) int { return strings.Compare(a.Code, b.Code) }

// village returns the village of a code.
func (d *Directory) village(code string) (Village, bool) {
	i, ok := slices.BinarySearchFunc(d.villages, code, func(v Village, c string) int { return strings.Compare(v.Code, c) })
	if !ok {
		return Village{}, false
	}
	return d.villages[i], true
}

// indexNames indexes, once, the names of the villages of one township or
// county (key) into index under "key|name". The caller holds d.mu.
func (d *Directory) indexNames(done map[string]bool, index map[string][]string, members map[string][]int, key string) {
	if done[key] {
		return
	}
	done[key] = true
	for _, i := range members[key] {
		v := d.villages[i]
		for _, k := range nameKeys(v.Name, villageSuffixes) {
			index[key+"|"+k] = appendUnique(index[key+"|"+k], v.Code)
		}
	}
}

// Villages is the number of villages known.
func (d *Directory) Villages() int { return len(d.villages) }

var (
	countySuffixes   = []string{"区", "县", "市"}
	townshipSuffixes = []string{"街道办事处", "人民政府", "街道办", "街道", "镇", "乡"}
	villageSuffixes  = []string{"社区居民委员会", "村民委员会", "居民委员会", "社区居委会", "村委会", "居委会", "社区", "村"}
)

// nameKeys are the exact key ("=" + name) and the loose key (name without
// its administrative suffix) of a name.
func nameKeys(name string, suffixes []string) []string {
	n := textnorm.Name(name)
	if n == "" {
		return nil
	}
	keys := []string{"=" + n}
	for _, s := range suffixes {
		if strings.HasSuffix(n, s) && len(n) > len(s) {
			return append(keys, "~"+strings.TrimSuffix(n, s))
		}
	}
	return append(keys, "~"+n)
}

// pick resolves a name against an index: an exact match first, else a loose
// match, and only when it is unique.
func pick(index map[string][]string, prefix, name string, suffixes []string) (string, bool) {
	keys := nameKeys(name, suffixes)
	for _, k := range keys {
		if codes := index[prefix+k]; len(codes) == 1 {
			return codes[0], true
		} else if len(codes) > 1 {
			return "", false
		}
	}
	return "", false
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// County resolves a county written as its 6-digit code or its name.
func (d *Directory) County(s string) (string, bool) {
	if isDigits(s, 6) {
		_, ok := d.counties[s]
		return s, ok
	}
	return pick(d.countyByName, "", s, countySuffixes)
}

// Township resolves a township within a county, by 9-digit code or name.
func (d *Directory) Township(county, s string) (string, bool) {
	if isDigits(s, 9) {
		t, ok := d.townships[s]
		return s, ok && (county == "" || t.CountyCode == county)
	}
	return pick(d.townshipByName, county+"|", s, townshipSuffixes)
}

// Village resolves a village: by 12-digit code when given (it must lie in the
// county), else by township and village name, else by the village name alone
// when it is unique within the county.
func (d *Directory) Village(county, township, village, code string) (Village, bool) {
	if code != "" {
		v, ok := d.village(code)
		if !ok || (county != "" && v.CountyCode != county) {
			return Village{}, false
		}
		return v, true
	}
	if village == "" {
		return Village{}, false
	}
	var vc string
	var ok bool
	if township != "" {
		tc, tok := d.Township(county, township)
		if !tok {
			return Village{}, false
		}
		d.mu.Lock()
		d.indexNames(d.indexedTS, d.villageByTS, d.inTownship, tc)
		vc, ok = pick(d.villageByTS, tc+"|", village, villageSuffixes)
		d.mu.Unlock()
	} else {
		d.mu.Lock()
		d.indexNames(d.indexedCty, d.villageInCt, d.inCounty, county)
		vc, ok = pick(d.villageInCt, county+"|", village, villageSuffixes)
		d.mu.Unlock()
	}
	if !ok {
		return Village{}, false
	}
	return d.village(vc)
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
