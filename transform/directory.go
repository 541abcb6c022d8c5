package transform

import (
	"strings"

	"github.com/grassroots-cn/grassroots/internal/textnorm"
)

// County, Township and Village are the reference entries that rows are
// resolved against (loaded from the warehouse's dimension tables).
type County struct{ Code, Name string }

// Township is one township-level division.
type Township struct{ Code, Name, CountyCode string }

// Village is one village or community.
type Village struct{ Code, Name, TownshipCode, CountyCode string }

// Directory resolves counties, townships and villages written by code or by
// name. Names match exactly after normalisation, or else loosely (without
// suffixes such as 村委会, 社区居委会, 街道办事处) when only one entry matches.
type Directory struct {
	counties       map[string]County
	countyByName   map[string][]string
	townships      map[string]Township
	townshipByName map[string][]string // county|name -> codes
	villages       map[string]Village
	villageByName  map[string][]string // township|name -> codes
	villageInCty   map[string][]string // county|name -> codes
}

// NewDirectory indexes the reference lists.
func NewDirectory(counties []County, townships []Township, villages []Village) *Directory {
	d := &Directory{
		counties: map[string]County{}, countyByName: map[string][]string{},
		townships: map[string]Township{}, townshipByName: map[string][]string{},
		villages: map[string]Village{}, villageByName: map[string][]string{}, villageInCty: map[string][]string{},
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
	for _, v := range villages {
		d.villages[v.Code] = v
		for _, k := range nameKeys(v.Name, villageSuffixes) {
			d.villageByName[v.TownshipCode+"|"+k] = appendUnique(d.villageByName[v.TownshipCode+"|"+k], v.Code)
			d.villageInCty[v.CountyCode+"|"+k] = appendUnique(d.villageInCty[v.CountyCode+"|"+k], v.Code)
		}
	}
	return d
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
		v, ok := d.villages[code]
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
		vc, ok = pick(d.villageByName, tc+"|", village, villageSuffixes)
	} else {
		vc, ok = pick(d.villageInCty, county+"|", village, villageSuffixes)
	}
	if !ok {
		return Village{}, false
	}
	return d.villages[vc], true
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
