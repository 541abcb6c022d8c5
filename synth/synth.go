// Package synth writes a deterministic synthetic city, province or country
// for `grassroots demo`, `grassroots generate`, tests and benchmarks: the list
// of villages and communities, every county's feed files (each county in its
// own shape, with realistic dirty rows), a configuration file and a key.
//
// The city is invented but shaped like Taiyuan: its ten real county-level
// divisions, 101 townships and 1,395 villages and communities, with graduates
// posted to them since the programme started in 2019. The province (code 14:
// 117 counties, 1,400 townships, 30,000 villages) and the country (the 31
// provinces with their real codes: 2,843 counties, 38,613 townships and
// 618,200 villages) are made of invented prefecture-level cities, each built
// as the city is: every county's plan is drawn from the seed in the city's
// proportions (with somewhat more postings per village), and the counties
// take the city's ten shapes in turn, with the same kinds of dirty rows.
// Everything follows from Options.Seed: the same seed writes the same files,
// apart from the key and the order of the parts inside .xlsx files (excelize
// writes them in map order), whose cells are the same.
//
// Result.Expect holds the truth, computed from the generator's own model and
// not from the files, and Result.Counties says, per county, how many rows a
// correct loader must load, reject (by reason code) and flag (by finding code).
//
// Each prefecture-level city is laid out, then built county by county; a
// county's files are written as soon as it is complete and its model is then
// dropped, Expect being summed county by county. Graduates move between
// counties only within a prefecture, so memory is bounded by the largest
// prefecture whatever the scale. Prefectures are written in parallel and the
// divisions file grows in code order as each is done. synth knows nothing of
// the pipeline's internals: it writes files that docs/feeds.md describes.
package synth

import (
	"context"
	"errors"
)

// Scales accepted by Options.Scale.
const (
	ScaleCity     = "city"
	ScaleProvince = "province"
	ScaleNational = "national"
)

// ErrUnknownScale is wrapped when the scale is none of city, province, national.
var ErrUnknownScale = errors.New("synth: unknown scale")

// Options choose what Generate writes.
type Options struct {
	Seed int64 // default 1; the same seed writes the same files
	// Scale is "city" (the default: Taiyuan), "province" (one province of
	// 117 counties) or "national" (31 provinces, 2,843 counties).
	Scale string
	// CSVOnly writes every county's feeds as plain UTF-8 CSV, one file
	// <record type>.csv per record type, with the same rows, dirty rows,
	// headers, words and date forms as its shape otherwise has (for
	// benchmarks against plain CSV readers).
	CSVOnly bool
	// ServeURL, when set, is the base URL of a FeedServer over dir: the config
	// then pulls the first county kept in one workbook (小店区, 140105, in the
	// city) from it as a file and the first county kept as NDJSON (晋源区,
	// 140110) through its API, and every county every minute (for
	// `grassroots demo --serve`).
	ServeURL string
}

// Result says where everything was written and what a correct loader must find.
type Result struct {
	Dir           string // the folder written to, as given
	ConfigPath    string // Dir/grassroots.yaml
	KeyPath       string // Dir/grassroots.key
	PIIKeyPath    string // Dir/pii.key (the personal-data key)
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
	// Rows maps a record type (ledger, roles, assessments, vacancies, quota,
	// subsidies) to its data rows, dirty rows and duplicates included.
	Rows       map[string]int
	Duplicates int // exact duplicate rows (the same row twice in one file)
	// Rejects maps a reject reason code (docs/feeds.md, 拒绝原因) to the rows that must be rejected.
	Rejects map[string]int
	// Findings maps a finding code to the findings loading these rows must produce.
	Findings map[string]int
}

// Expect is the truth about the synthetic city, province or country,
// computed from the generator's model. "In post on day D" and "the village
// universe on D" are as docs/warehouse.md defines them.
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

// Generate writes the synthetic city, province or country of opts.Scale into
// dir (created if missing) and returns what it wrote. Existing files of the
// same names are replaced.
func Generate(ctx context.Context, dir string, opts Options) (*Result, error) {
	res, _, err := generate(ctx, dir, opts)
	return res, err
}
