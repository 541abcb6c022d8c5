package audit

import (
	"math/bits"
	"slices"
	"strings"
)

// maxAttrs bounds the attributes whose subsets are all measured (2^n − 1
// subsets).
const maxAttrs = 16

// SubsetRisk is the risk of one subset of the attributes, grouped within
// county: records alone in their group, and records in groups of fewer than
// k. A null (a suppressed or unknown value, a posting still open) is one
// value of its own: it matches other nulls, never a known value.
type SubsetRisk struct {
	Attributes []string `json:"attributes"`
	Unique     int      `json:"unique"`
	UnderK     int      `json:"under_k"`
	// The same among persons without a suppressed quasi-identifier.
	UniqueUnsuppressed int `json:"unique_unsuppressed"`
	UnderKUnsuppressed int `json:"under_k_unsuppressed"`
}

// Uniqueness is the risk of every non-empty subset of the attributes.
type Uniqueness struct {
	// Attributes are those a neighbour may know besides the county: the
	// persons table's quasi-identifiers, channel, and the first start and
	// last end of the postings.
	Attributes []string     `json:"attributes"`
	Subsets    []SubsetRisk `json:"subsets"` // by size, then in attribute order
	Worst      SubsetRisk   `json:"worst"`   // the most unique records
}

// uniqueness measures every subset of the attributes.
func uniqueness(ppl *people, k int) Uniqueness {
	var u Uniqueness
	n := min(len(ppl.attrs), maxAttrs)
	for _, a := range ppl.attrs[:n] {
		u.Attributes = append(u.Attributes, a.name)
	}
	var masks []uint32
	for m := uint32(1); m < 1<<n; m++ {
		masks = append(masks, m)
	}
	slices.SortStableFunc(masks, func(a, b uint32) int {
		if d := bits.OnesCount32(a) - bits.OnesCount32(b); d != 0 {
			return d
		}
		return slices.Compare(members(a, n), members(b, n))
	})
	for _, m := range masks {
		r := measure(ppl, m, k)
		for _, i := range members(m, n) {
			r.Attributes = append(r.Attributes, ppl.attrs[i].name)
		}
		u.Subsets = append(u.Subsets, r)
		if r.Unique > u.Worst.Unique || (r.Unique == u.Worst.Unique && r.UnderK > u.Worst.UnderK) {
			u.Worst = r
		}
	}
	return u
}

// members lists the attribute indexes of a mask.
func members(m uint32, n int) []int {
	var out []int
	for i := range n {
		if m&(1<<i) != 0 {
			out = append(out, i)
		}
	}
	return out
}

// measure groups the persons by county and the attributes of mask.
func measure(ppl *people, mask uint32, k int) SubsetRisk {
	keys := make([]string, len(ppl.list))
	size := map[string]int{}
	var b strings.Builder
	for i, x := range ppl.list {
		b.Reset()
		b.WriteString(x.county)
		for j, v := range x.vals {
			if mask&(1<<j) != 0 {
				writeValue(&b, v)
			}
		}
		keys[i] = b.String()
		size[keys[i]]++
	}
	var r SubsetRisk
	for i, x := range ppl.list {
		n := size[keys[i]]
		if n == 1 {
			r.Unique++
			if !x.suppressed {
				r.UniqueUnsuppressed++
			}
		}
		if n < k {
			r.UnderK++
			if !x.suppressed {
				r.UnderKUnsuppressed++
			}
		}
	}
	return r
}

// writeValue appends one value to a group key; null is its own value.
func writeValue(b *strings.Builder, v *string) {
	b.WriteByte(0)
	if v == nil {
		b.WriteByte(1)
		return
	}
	b.WriteByte(2)
	b.WriteString(*v)
}

// Restored is the k-anonymity of the release's own quasi-identifiers once
// the derivable suppressed values are put back: the groups (within county)
// under k that hold a person with a value put back.
type Restored struct {
	Persons       int `json:"persons"` // persons with at least one value put back
	GroupsUnderK  int `json:"groups_under_k"`
	PersonsUnderK int `json:"persons_under_k"` // persons in those groups
	Unique        int `json:"unique"`          // of them, alone in their group
}

// restored measures the release's quasi-identifiers with the derived values
// put back.
func restored(ppl *people, k int) Restored {
	var r Restored
	type group struct {
		n        int
		restored bool
	}
	groups := map[string]*group{}
	keys := make([]string, len(ppl.list))
	var b strings.Builder
	for i, x := range ppl.list {
		b.Reset()
		b.WriteString(x.county)
		for j, a := range ppl.attrs {
			if !a.qi {
				continue
			}
			v := x.vals[j]
			if s, ok := x.restored[j]; ok {
				v = &s
			}
			writeValue(&b, v)
		}
		keys[i] = b.String()
		g := groups[keys[i]]
		if g == nil {
			g = &group{}
			groups[keys[i]] = g
		}
		g.n++
		if len(x.restored) > 0 {
			r.Persons++
			g.restored = true
		}
	}
	for _, g := range groups {
		if g.restored && g.n < k {
			r.GroupsUnderK++
			r.PersonsUnderK += g.n
			if g.n == 1 {
				r.Unique++
			}
		}
	}
	return r
}
