package synth

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// People is the personal data the city's feed files hold, for tests that
// look for it where it must not be (the published snapshot, the warehouse
// file): the attacker's list of whom to look for.
type People struct {
	// IDs are every 18-character ID number the generator issued, the made-up
	// graduates of the dirty rows included (their rows carry a mangled copy),
	// and every 15-digit legacy number a county writes.
	IDs []string
	// Phones are the phones of the model's graduates (a dirty row's phone
	// is drawn at random and kept nowhere).
	Phones []string
	// Births are the dates of birth of the holders of IDs (midnight UTC),
	// without repeats.
	Births []time.Time
}

// GeneratePeople is Generate at the city scale that also returns the
// personal data the files hold.
func GeneratePeople(ctx context.Context, dir string, opts Options) (*Result, *People, error) {
	if opts.Scale != "" && opts.Scale != ScaleCity {
		return nil, nil, fmt.Errorf("synth: people are kept at the %s scale only", ScaleCity)
	}
	res, model, err := generate(ctx, dir, opts)
	if err != nil {
		return nil, nil, err
	}
	if model == nil {
		return nil, nil, fmt.Errorf("synth: no model kept")
	}
	p := &People{}
	births := map[time.Time]bool{}
	for _, cm := range model.counties {
		for id := range cm.ids {
			p.IDs = append(p.IDs, id)
			b, err := time.Parse("20060102", id[6:14])
			if err != nil {
				return nil, nil, fmt.Errorf("synth: an ID number issued with no date of birth in it")
			}
			births[b] = true
		}
		for _, pe := range cm.allPersons() {
			if pe.id15 != "" {
				p.IDs = append(p.IDs, pe.id15)
			}
			p.Phones = append(p.Phones, pe.phone)
			births[pe.birth.time()] = true
		}
	}
	for b := range births {
		p.Births = append(p.Births, b)
	}
	slices.SortFunc(p.Births, func(a, b time.Time) int { return a.Compare(b) })
	slices.Sort(p.IDs)
	p.IDs = slices.Compact(p.IDs)
	slices.Sort(p.Phones)
	p.Phones = slices.Compact(p.Phones)
	return res, p, nil
}
