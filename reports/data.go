package reports

// The data of the monthly report, read only from the metric macros (see
// docs/warehouse.md). It holds no personal data (names, ID numbers, phones
// and person keys never reach these types).

// ReportData is everything the monthly report shows for one period.
type ReportData struct {
	Period      string // "2022-07"
	AsOf        string // the period's last day, "2022-07-31"
	PrevAsOf    string // the previous month's last day
	YearAgoAsOf string // the same month a year earlier, last day
	// DataEnd is the last day the loaded records describe (data_end());
	// "" before any load. A period that begins after it only carries that
	// day's state forward: PastData says so.
	DataEnd   string
	CityCode  string
	CityName  string
	QuotaYear int

	Headline    []Figure
	Counties    []CoverageRow // coverage by county, as of AsOf
	Townships   []CoverageRow // coverage by township (County/CountyName set)
	Regions     []RegionRow   // remote, developed, remote_to_developed
	Retention   []RetentionRow
	Survival    []SurvivalSeries // strata all, developed, remote
	Exits       []ExitRow        // city level, by reason
	ExitsCounty []ExitRow        // county level, by reason
	Promotions  []PromotionRow   // city first, then counties
	Quota       []QuotaRow       // city first, then counties, for QuotaYear (posts on 31 December, or today in the current year)
	Uncovered   []UncoveredRow   // the replenishment list, longest first
	Freshness   []FreshnessRow   // every county; Stale marks those to act on
	Quality     []QualityRow     // rejects and findings by county and reason, over all runs so far
}

// PastData tells whether the whole period lies after the loaded data: it
// begins after DataEnd. (A month that merely ends after the last dated
// record is normal: nothing need happen every day.)
func (d *ReportData) PastData() bool {
	return d.DataEnd != "" && d.Period+"-01" > d.DataEnd
}

// Figure is one headline figure on AsOf, the previous month end and the
// same month a year earlier. Kind says how to show it: "count", "rate"
// (a fraction, shown as a percentage) or "ratio".
type Figure struct {
	Key     string   // stable name, e.g. "coverage_rate"
	Label   string   // Chinese label, e.g. "覆盖率"
	Kind    string   // count | rate | ratio
	Value   *float64 // nil: not defined on that day
	Prev    *float64
	YearAgo *float64
}

// CoverageRow is one row of coverage(as_of).
type CoverageRow struct {
	Code, Name, Region string
	County, CountyName string // townships only
	Villages, Covered  int64
	CoverageRate       *float64
	GraduatesInPost    int64
}

// RegionRow is one row of region_balance(as_of).
type RegionRow struct {
	Region                                 string   // remote | developed | remote_to_developed
	Villages, Covered, GraduatesInPost     *float64 // nil only on the ratio row, where developed is 0
	CoverageRate, PerHundred, Retention12m *float64
}

// RetentionRow is the city or a region at 12 and 24 months (retention(as_of, months)).
type RetentionRow struct {
	Level, Code, Name    string // level city | region
	Cohort12, Retained12 int64
	Rate12               *float64
	Cohort24, Retained24 int64
	Rate24               *float64
}

// SurvivalSeries is survival(as_of) for one stratum.
type SurvivalSeries struct {
	Stratum string // all | developed | remote
	Points  []SurvivalPoint
}

// SurvivalPoint is one row of survival(as_of).
type SurvivalPoint struct {
	Day, AtRisk, Exits, Censored int64
	Survival                     float64
	StdErr                       *float64
}

// ExitRow is one row of exits(as_of).
type ExitRow struct {
	Code, Name, Reason string
	Exits              int64
}

// PromotionRow is one row of promotions(as_of).
type PromotionRow struct {
	Level, Code, Name                                     string
	Graduates, Committee, Secretaries, TownshipLeaders    int64
	CommitteeRate, SecretaryRate, MedianMonthsToCommittee *float64
}

// QuotaRow is one row of quota_usage(year).
type QuotaRow struct {
	Level, Code, Name                                                string
	TownshipQuota, CountyPool                                        *int64
	QuotaTotal, PostsTownship, PostsCountyPool, PostsTotal, Unfilled int64
}

// UncoveredRow is one row of uncovered_villages(as_of).
type UncoveredRow struct {
	VillageCode, VillageName, TownshipName, CountyName, Region string
	UncoveredDays                                              *int64
	VacancyReported                                            bool
}

// FreshnessRow is one row of source_freshness().
type FreshnessRow struct {
	County, Name      string
	LastSuccess       string // "2006-01-02 15:04" in the city's time zone, "" = never
	LastNewFile       string
	HoursSinceSuccess *float64
	Stale             bool
}

// QualityRow counts rejects (Kind "reject", Code the reason) or findings
// (Kind "finding", Code the finding code, Severity set) of a county.
type QualityRow struct {
	County, CountyName, Kind, Code, Severity string
	Count                                    int64
}
