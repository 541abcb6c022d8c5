package synth

import (
	"context"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
)

// generate is Generate that also returns the model, for the tests; the model
// is kept at the city scale only (nil otherwise).
func generate(ctx context.Context, dir string, opts Options) (*Result, *cityModel, error) {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	a, err := planArea(opts)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, feedsDir), 0o755); err != nil {
		return nil, nil, fmt.Errorf("synth: %w", err)
	}
	res := &Result{
		Dir:           dir,
		ConfigPath:    filepath.Join(dir, configName),
		KeyPath:       filepath.Join(dir, keyName),
		PIIKeyPath:    filepath.Join(dir, piiKeyName),
		DivisionsPath: filepath.Join(dir, feedsDir, divisionsName),
	}
	g := &generator{dir: dir, seed: opts.Seed, keepModel: a.scale == ScaleCity}
	var model *cityModel
	err = writeDivisions(res.DivisionsPath, func(w *csv.Writer) error {
		return g.run(ctx, a, func(u unitResult) error {
			for _, rec := range u.divisions {
				if err := w.Write(rec); err != nil {
					return fmt.Errorf("synth: write %s: %w", res.DivisionsPath, err)
				}
			}
			res.Counties = append(res.Counties, u.feeds...)
			res.Expect.add(u.expect)
			model = u.model
			return nil
		})
	})
	if err != nil {
		return nil, nil, err
	}
	fileCounty, apiCounty := servedCounties(a)
	if err := writeConfig(res.ConfigPath, a, httpSources(opts.ServeURL, res.Counties, fileCounty, apiCounty)); err != nil {
		return nil, nil, err
	}
	if err := writeKey(res.KeyPath); err != nil {
		return nil, nil, err
	}
	if err := writeKey(filepath.Join(dir, exportKeyName)); err != nil {
		return nil, nil, err
	}
	if err := writeKey(res.PIIKeyPath); err != nil {
		return nil, nil, err
	}
	return res, model, nil
}

// generator writes the prefecture-level cities of an area into dir.
type generator struct {
	dir       string
	seed      int64
	keepModel bool // keep every county's model (for the city scale's tests)
}

// unitResult is what writing one prefecture-level city gives.
type unitResult struct {
	divisions [][]string // its rows of the divisions file
	feeds     []CountyFeed
	expect    Expect
	model     *cityModel // when the generator keeps models
	err       error
}

// run writes every unit of a, a few at once, and hands their results to
// consume in code order. At most one unit per worker plus one is started and
// not yet consumed, so memory does not grow with the area.
func (g *generator) run(ctx context.Context, a *area, consume func(unitResult) error) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel() // before the wait: stop the workers first

	n := len(a.units)
	done := make([]chan unitResult, n)
	for i := range done {
		done[i] = make(chan unitResult, 1)
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), n))
	slots := make(chan struct{}, workers+1)
	next := make(chan int)
	wg.Go(func() {
		defer close(next)
		for i := range n {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	})
	for range workers {
		wg.Go(func() {
			for i := range next {
				done[i] <- g.unit(ctx, &a.units[i])
			}
		})
	}
	for i := range n {
		var u unitResult
		select {
		case u = <-done[i]:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-slots
		if u.err != nil {
			return u.err
		}
		if err := consume(u); err != nil {
			return err
		}
	}
	return nil
}

// unit lays out one prefecture-level city and builds and writes its counties
// in turn. A county's model is dropped once its files are written (unless
// the generator keeps models): graduates moving to the next county take only
// their own postings along.
func (g *generator) unit(ctx context.Context, u *unitPlan) (res unitResult) {
	c := newCity(rand.New(rand.NewPCG(uint64(g.seed), u.stream)), u.code, u.name, u.counties)
	res.divisions = divisionRows(c)
	if g.keepModel {
		res.model = &cityModel{city: c}
	}
	handovers := map[string][]*handover{}
	for _, ct := range c.counties {
		if err := ctx.Err(); err != nil {
			return unitResult{err: err}
		}
		incoming := handovers[ct.code]
		cm, err := buildCounty(g.seed, ct, incoming)
		if err != nil {
			return unitResult{err: err}
		}
		for _, h := range cm.out {
			handovers[h.to] = append(handovers[h.to], h)
		}
		res.expect.addCounty(cm, len(incoming))
		var others []*county
		for _, o := range c.counties {
			if o != ct {
				others = append(others, o)
			}
		}
		feed, err := writeCounty(ctx, g.dir, cm, others)
		if err != nil {
			return unitResult{err: err}
		}
		res.feeds = append(res.feeds, *feed)
		if res.model != nil {
			res.model.counties = append(res.model.counties, cm)
		}
		delete(handovers, ct.code) // all taken up by buildCounty
	}
	for to := range handovers {
		return unitResult{err: fmt.Errorf("synth: a transfer to county %s was never taken up", to)}
	}
	return res
}
