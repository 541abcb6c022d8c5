// Package synth writes a deterministic synthetic city for `grassroots demo`,
// `grassroots generate`, tests and benchmarks: the city's list of villages and
// communities, every county's feed files (each county in its own shape, with
// realistic dirty rows), a configuration file and a key.
//
// The city is invented but shaped like Taiyuan: its ten real county-level
// divisions, 101 townships and 1,395 villages and communities, with graduates
// posted to them since the programme started in 2019. Everything follows from
// Options.Seed: the same seed writes the same files, apart from the key and
// the order of the parts inside .xlsx files (excelize writes them in map
// order), whose cells are the same.
//
// Result.Expect holds the truth, computed from the generator's own model and
// not from the files, and Result.Counties says, per county, how many rows a
// correct loader must load, reject (by reason code) and flag (by finding code).
//
// The model is built county by county and each county's files are written as
// soon as it is complete, so that larger scales can stream. synth knows nothing
// of the pipeline's internals: it writes files that CONTRACT §1 describes.
package synth

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Scales accepted by Options.Scale.
const (
	ScaleCity     = "city"
	ScaleProvince = "province"
	ScaleNational = "national"
)

// Errors returned by Generate.
var (
	// ErrScaleNotYet is wrapped when a known scale larger than a city is asked for.
	ErrScaleNotYet = errors.New("synth: scale not implemented yet")
	// ErrUnknownScale is wrapped when the scale is none of city, province, national.
	ErrUnknownScale = errors.New("synth: unknown scale")
)

// Options choose what Generate writes.
type Options struct {
	Seed  int64  // default 1; the same seed writes the same files
	Scale string // "city" (default); "province" and "national" are not implemented yet
	// ServeURL, when set, is the base URL of a FeedServer over dir: the config
	// then pulls 小店区 (140105) from it as a file and 晋源区 (140110) through
	// its API, and every county every minute (for `grassroots demo --serve`).
	ServeURL string
}

// Result says where everything was written and what a correct loader must find.
type Result struct {
	Dir           string // the folder written to, as given
	ConfigPath    string // Dir/grassroots.yaml
	KeyPath       string // Dir/grassroots.key
	DivisionsPath string // Dir/feeds/divisions.csv
	Counties      []CountyFeed
	Expect        Expect
}

// CountyFeed describes one county's feed files and what loading them must give.
type CountyFeed struct {
	Code, Name, Region string
	Shape              string   // how the county keeps its files, in a few words
	Files              []string // paths relative to Result.Dir, slash-separated
	RowsIn             int      // data rows in all its files (header and title rows excluded)
	Duplicates         int      // exact duplicate rows (the same row twice in one file)
	// Rejects maps a reject reason code (CONTRACT §1.4) to the rows that must be rejected.
	Rejects map[string]int
	// Findings maps a finding code to the findings loading these rows must produce.
	Findings map[string]int
}

// Expect is the truth about the synthetic city, computed from the generator's
// model. "In post on day D" and "the village universe on D" are as CONTRACT §4
// defines them.
type Expect struct {
	Villages          int // village universe on 2022-07-21
	Townships         int
	InPost20220721    int // graduates in post on 2022-07-21
	Covered20220721   int // villages with at least one graduate in post on 2022-07-21
	TwoRound20220721  int // in post on 2022-07-21 with selection_round county_round or city_round
	OpenRecruitsAfter int // open_recruit postings starting after 2022-07-21 and by 2022-12-31
	Covered20221231   int
	InPost20221231    int
	TownshipQuota2022 int // sum of township_quota for 2022
	CountyPool2022    int // sum of county_pool for 2022
	PoolCounties      int // counties with a county pool
	// Committee2021 counts distinct graduates holding a village committee role
	// (secretaries included) that started in the 2021 election (2021-05-01 to
	// 2021-10-31) and is still held on 2022-07-21.
	Committee2021 int
	// Secretaries2021 counts those of them whose role is a party secretary.
	Secretaries2021           int
	Persons                   int // distinct valid persons across all feeds
	Postings                  int // distinct valid postings
	TransferredAcrossCounties int // persons with postings in two counties
	ByCounty                  map[string]CountyExpect
}

// CountyExpect is the truth for one county.
type CountyExpect struct {
	Villages        int // village universe on 2022-07-21
	InPost20220721  int
	Covered20220721 int
}

// Generate writes a synthetic city into dir (created if missing) and returns
// what it wrote. Existing files of the same names are replaced.
func Generate(ctx context.Context, dir string, opts Options) (*Result, error) {
	res, _, err := generate(ctx, dir, opts)
	return res, err
}

// generate is Generate that also returns the model, for the tests.
func generate(ctx context.Context, dir string, opts Options) (*Result, *cityModel, error) {
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	switch opts.Scale {
	case "", ScaleCity:
	case ScaleProvince, ScaleNational:
		return nil, nil, fmt.Errorf("%w: %q", ErrScaleNotYet, opts.Scale)
	default:
		return nil, nil, fmt.Errorf("%w: %q (want city, province or national)", ErrUnknownScale, opts.Scale)
	}
	if err := os.MkdirAll(filepath.Join(dir, feedsDir), 0o755); err != nil {
		return nil, nil, fmt.Errorf("synth: %w", err)
	}
	city := newCity(opts.Seed, taiyuan)
	res := &Result{
		Dir:           dir,
		ConfigPath:    filepath.Join(dir, configName),
		KeyPath:       filepath.Join(dir, keyName),
		DivisionsPath: filepath.Join(dir, feedsDir, divisionsName),
	}
	if err := writeDivisions(res.DivisionsPath, city); err != nil {
		return nil, nil, err
	}
	// The model is kept for the tests; at larger scales a county's model can be
	// dropped once its files are written, as Expect is summed county by county.
	model := &cityModel{city: city}
	handovers := map[string][]*handover{}
	for _, c := range city.counties {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		cm, err := buildCounty(opts.Seed, c, handovers[c.code])
		if err != nil {
			return nil, nil, err
		}
		for _, h := range cm.out {
			handovers[h.to] = append(handovers[h.to], h)
		}
		res.Expect.addCounty(cm, len(handovers[c.code]))
		var others []*county
		for _, o := range city.counties {
			if o != c {
				others = append(others, o)
			}
		}
		feed, err := writeCounty(ctx, dir, cm, others)
		if err != nil {
			return nil, nil, err
		}
		res.Counties = append(res.Counties, *feed)
		model.counties = append(model.counties, cm)
	}
	for to, hs := range handovers {
		for _, h := range hs {
			if h.claimed == nil {
				return nil, nil, fmt.Errorf("synth: a transfer to county %s was never taken up", to)
			}
		}
	}
	if err := writeConfig(res.ConfigPath, city, httpSources(opts.ServeURL, res.Counties)); err != nil {
		return nil, nil, err
	}
	if err := writeKey(res.KeyPath); err != nil {
		return nil, nil, err
	}
	if err := writeKey(filepath.Join(dir, exportKeyName)); err != nil {
		return nil, nil, err
	}
	return res, model, nil
}
