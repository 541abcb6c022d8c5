// Package config reads and validates the grassroots configuration file (README, Configuration).
//
// The file is decoded through yaml.Node, so that every problem carries its line: an
// unknown key anywhere, a missing required key (at the line of the mapping that should
// hold it) and a bad value (with what is allowed). All problems are reported at once,
// each wrapping ErrConfig. Relative paths are resolved against the folder holding the
// file; every path in a Config is absolute and clean.
//
// The file never holds secrets: it names the environment variables (or, for the
// person_key secret, a file of mode 0600) that do. Config.Key reads the secret.
package config

import (
	"strings"
	"time"
	_ "time/tzdata" // Asia/Shanghai must load on hosts without a zoneinfo database.
)

// Defaults applied where the file leaves a key out.
const (
	DefaultStaleAfter      = 72 * time.Hour
	DefaultStatusAddr      = "127.0.0.1:9464"
	DefaultEncoding        = EncodingAuto
	DefaultSettle          = 10 * time.Second
	DefaultMode            = ModeFile
	DefaultTimeout         = 60 * time.Second
	DefaultRetries         = 5
	DefaultMaxBytes        = int64(512 << 20) // 512 MiB
	DefaultReportsSchedule = "0 8 1 * *"
	DefaultReportsOut      = "reports"
	DefaultExportSchedule  = "0 6 1 */3 *"
	DefaultExportOut       = "export"
	DefaultExportKeyEnv    = "GRASSROOTS_EXPORT_KEY"
	DefaultExportK         = 5
	// MinSecretBytes is the shortest secret Key and ExportKey accept.
	MinSecretBytes = 16
)

// Values of the enumerated keys.
const (
	KindDir  = "dir"
	KindHTTP = "http"

	RegionRemote    = "remote"
	RegionDeveloped = "developed"

	EncodingAuto    = "auto"
	EncodingUTF8    = "utf-8"
	EncodingGB18030 = "gb18030"

	ModeFile = "file"
	ModeAPI  = "api"

	FormatHTML = "html"
	FormatXLSX = "xlsx"
	FormatPDF  = "pdf"
)

// RecordTypes are the county record types (docs/feeds.md), in load order: the
// values allowed in source.record_types, and its default for mode: api.
func RecordTypes() []string {
	return []string{"ledger", "roles", "assessments", "vacancies", "quota", "subsidies"}
}

// Config is a loaded, validated configuration file.
type Config struct {
	Path     string // absolute path of the file loaded
	Dir      string // folder holding it; relative paths resolve against it
	City     City
	Timezone string
	Location *time.Location // loaded from Timezone

	Warehouse string // absolute; private, holds personal data
	Published string // absolute; the snapshot statisticians open

	// Exactly one of KeyEnv and KeyFile names the person_key secret; see Key.
	KeyEnv  string
	KeyFile string // absolute

	// At most one of PIIKeyEnv and PIIKeyFile names the secret that encrypts
	// names, ID numbers and phones in the warehouse; see PIIKey.
	PIIKeyEnv  string
	PIIKeyFile string // absolute

	Divisions Divisions
	Counties  []County
	Reports   Reports
	Export    Export
	Backup    Backup // backups of the private warehouse (backup.go)

	StaleAfter time.Duration // a county with no successful pull for this long is stale; default 72h
	DuckDB     DuckDB
	StatusAddr string // host:port of the status endpoint; default 127.0.0.1:9464
}

// NationalCode is the city.code of a configuration that covers the whole
// country: its county codes may start with anything.
const NationalCode = "00"

// City is the area the programme covers: a city, a province or the whole country.
type City struct {
	// Code is 4 digits (a city), 2 digits (a province) or NationalCode (the
	// whole country); every county code but the country's starts with it.
	Code string
	Name string
}

// Contains reports whether the county code lies in the area: it starts with
// the area's code, or the area is the whole country.
func (c City) Contains(county string) bool {
	return c.Code == NationalCode || strings.HasPrefix(county, c.Code)
}

// Divisions locates the city's reference list of villages and communities.
type Divisions struct {
	Path     string // absolute
	Encoding string // auto | utf-8 | gb18030; default auto
}

// County is one county and its source.
type County struct {
	Code            string // 6 digits, in the City (see City.Contains), unique
	Name            string // unique
	Region          string // remote | developed
	BachelorAllowed bool
	Source          Source
	Schedule        string // cron spec (5 fields or a descriptor), in the city's time zone
	Line            int    // line of this county's entry in the file, for messages
}

// Source is where a county's files come from. The fields of the other kind are zero.
type Source struct {
	Kind string // dir | http

	// kind: dir
	Path     string        // absolute
	Pattern  string        // glob on file names; "" means every supported file
	Encoding string        // auto | utf-8 | gb18030; default auto
	Settle   time.Duration // a file changed more recently is left for the next run; default 10s
	Archive  bool          // move loaded files to <Path>/archive/

	// kind: http (README, Feeds)
	URL         string        // exactly one of URL and URLs (URLs only with mode: file)
	URLs        []string      //
	Mode        string        // file | api; default file
	TokenEnv    string        // environment variable holding the bearer token; optional
	CAFile      string        // absolute; optional private CA
	RecordTypes []string      // mode: api only; default all six (see RecordTypes)
	Timeout     time.Duration // default 60s
	Retries     int           // default 5; 0 means no retries
	MaxBytes    int64         // default 512 MiB
}

// Reports configures the monthly report job.
type Reports struct {
	Schedule string   // default "0 8 1 * *"
	Out      string   // absolute; default <Dir>/reports
	Formats  []string // html | xlsx | pdf; default all three
	// DefaultFormats is true when the file names no formats: the command
	// then leaves out the PDF, saying why, where Chromium is not installed.
	DefaultFormats bool

	// Issuer and Classification are shown on the report's first page and
	// its workbook's first sheet (e.g. 中共太原市委组织部 编, 内部资料 注意保存);
	// optional, one line each.
	Issuer, Classification string
	// NextSteps holds the text of 下步工作 by month ("2022-07" -> text;
	// paragraphs separated by blank lines); NextStepsDir (absolute) a
	// folder of such texts, one file YYYY-MM.txt in UTF-8 per month. The
	// configuration's text wins; a month with neither has no 下步工作.
	NextSteps    map[string]string
	NextStepsDir string
	// Problems are the rules of 存在问题.
	Problems ReportProblems
	// Mail delivers each report by mail; nil: not mailed (see Mail).
	Mail *Mail
}

// ReportProblems are the rules that write the report's 存在问题 and their
// thresholds; a rule that is false or 0 is off.
type ReportProblems struct {
	CoverageBelowCity bool    // counties whose coverage is below the city's; default true
	UncoveredDaysOver int     // villages uncovered for more than N days; default 90
	Retention12mBelow float64 // the city's or a region's 12-month retention below this fraction; default 0.8
	Stale             bool    // counties whose feed is stale; default true
	RejectsAtLeast    int     // counties with at least N rejected rows; default 1
}

// The defaults of reports.problems.
const (
	DefaultUncoveredDaysOver = 90
	DefaultRetention12mBelow = 0.8
	DefaultRejectsAtLeast    = 1
)

// DefaultReportProblems has every rule on with its default threshold.
func DefaultReportProblems() ReportProblems {
	return ReportProblems{CoverageBelowCity: true, UncoveredDaysOver: DefaultUncoveredDaysOver,
		Retention12mBelow: DefaultRetention12mBelow, Stale: true, RejectsAtLeast: DefaultRejectsAtLeast}
}

// Export configures the researchers' release job.
type Export struct {
	Schedule string // default "0 6 1 */3 *"
	Out      string // absolute; default <Dir>/export
	KeyEnv   string // environment variable holding the export secret; default GRASSROOTS_EXPORT_KEY
	KeyFile  string // or a file of mode 0600 holding it (absolute); KeyEnv is then empty
	K        int    // minimum group size for quasi-identifiers; default 5, at least 2
}

// DuckDB holds DuckDB's settings.
type DuckDB struct {
	MemoryLimit string // such as "4GB" or "512MiB"; "" = DefaultMemoryLimit (800MB), and DefaultExportMemoryLimit (1GB) for a release
	Threads     int    // 0 = DuckDB's default (every core)
}

// DuckDB's own default memory_limit is 80% of the machine's memory, which its
// buffer manager fills: a national load peaked at 2.5 GiB of RSS with it and
// a national release at 10 GiB. Unless the configuration sets memory_limit,
// grassroots uses these instead (operators that outgrow the limit spill to a
// temporary folder beside the warehouse).
const (
	// DefaultMemoryLimit: a national load peaked at 1.40 GiB with it (117 s)
	// and at 1.60 GiB under 1GB (116 s), its report at 1.1 GiB in the same
	// time; some 0.6 GB is held outside the limit.
	DefaultMemoryLimit = "800MB"
	// DefaultExportMemoryLimit: DuckDB's buffer pool fills to it while the
	// release builds its per-person tables, and the release's peak RSS is
	// that plus some 0.7 GB held outside it. A national release peaked at
	// 3.8 GiB under 3GB and at 1.7 GiB under 1GB, spilling the rest to the
	// temporary folder (its person tables took some 30 s longer); 800MB
	// ran out of memory in postings.
	DefaultExportMemoryLimit = "1GB"
)

// LoadMemoryLimit is the memory_limit of loads, reports and everything but
// the release.
func (d DuckDB) LoadMemoryLimit() string {
	if d.MemoryLimit != "" {
		return d.MemoryLimit
	}
	return DefaultMemoryLimit
}

// ExportMemoryLimit is the memory_limit of the researchers' release.
func (d DuckDB) ExportMemoryLimit() string {
	if d.MemoryLimit != "" {
		return d.MemoryLimit
	}
	return DefaultExportMemoryLimit
}

// County returns the county with the given code.
func (c *Config) County(code string) (*County, bool) {
	for i := range c.Counties {
		if c.Counties[i].Code == code {
			return &c.Counties[i], true
		}
	}
	return nil, false
}
