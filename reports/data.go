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
	DataEnd string
	// Vintage is the moment whose state of the warehouse every figure
	// describes (metrics.FormatVintage: UTC to the microsecond); "" for a
	// warehouse without runs. VintageGiven says it was asked for
	// (--vintage), else it is the end of the last run then recorded.
	// `grassroots report --vintage` with it reproduces every figure after
	// later corrections.
	Vintage      string
	VintageGiven bool
	CityCode     string
	CityName     string
	QuotaYear    int

	Headline    []Figure
	Counties    []CoverageRow // coverage by county, as of AsOf
	Townships   []CoverageRow // coverage by township (County/CountyName set)
	Regions     []RegionRow   // remote, developed, remote_to_developed
	Retention   []RetentionRow
	Survival    []SurvivalSeries // strata all, developed, remote
	Exits       []ExitRow        // city level, by reason
	ExitsCounty []ExitRow        // county level, by reason
	Promotions  []PromotionRow   // city first, then counties
	Quota       []QuotaRow       // city first, then counties: QuotaYear's quota against the posts on AsOf
	Uncovered   []UncoveredRow   // the replenishment list, longest first
	Freshness   []FreshnessRow   // every county; Stale marks those to act on
	Quality     []QualityRow     // rejects and findings by county and reason, of the runs finished by the end of AsOf

	// The sections of issue 16 (filled by read.go from the macros; empty
	// until then). Every figure is as of AsOf, never of the day the
	// report is generated.
	Flows      []FlowRow      // 本月新增与离岗: city first, then counties: postings started and ended in the month
	MonthExits []ExitRow      // the month's exits (persons leaving the programme in the month) by reason, city level
	Ranking    []RankRow      // 各县(市、区)排名: counties ranked by coverage on AsOf
	Progress   []ProgressRow  // 全覆盖进度: city first, then counties
	Selection  []SelectionRow // 两轮选岗: city first, then counties
	Subsidies  []SubsidyRow   // 人才补贴: city first, then counties
	Problems   []Problem      // 存在问题: from the rules of the configuration, in rule order
	NextSteps  []string       // 下步工作: paragraphs from the configuration (may be empty)
	Office     Office         // 编印单位、日期、密级 from the configuration
}

// FlowRow is a county's (or the city's, Level "city") postings in the
// period: in post on the day before its first day, started and ended within
// it (ended by reason), the net change and in post on its last day
// (InPostEnd = InPostStart + Started − Ended).
type FlowRow struct {
	Level, Code, Name    string // level city | county
	InPostStart, Started int64
	Ended                int64
	EndedBy              map[string]int64 // end_reason code -> postings ended in the period
	NetChange, InPostEnd int64
}

// RankRow is one county in the ranking: coverage on AsOf and on PrevAsOf,
// the change in percentage points, the month's net change of graduates in
// post, and its rank by coverage (1 = highest; ties share the rank).
type RankRow struct {
	Rank               int
	Code, Name, Region string
	CoverageRate       *float64
	PrevCoverageRate   *float64
	ChangePoints       *float64 // (CoverageRate − PrevCoverageRate) × 100
	NetChange          int64    // graduates in post on AsOf minus on PrevAsOf
}

// ProgressRow is the road to full coverage of the city (Level "city") or a
// county: villages, those still uncovered on AsOf, how long the longest has
// waited and how many for more than 90 days; the year's recruits planned
// (vacancies registered in AsOf's year up to AsOf) against those filled and
// the graduates who started in the year and are in post on AsOf.
type ProgressRow struct {
	Level, Code, Name     string
	Villages, Uncovered   int64
	MaxUncoveredDays      *int64
	UncoveredOver90       int64
	VacanciesRegistered   int64
	VacanciesFilled       int64
	StartedThisYearInPost int64
}

// SelectionRow counts graduates in post on AsOf by placement round:
// 直接 (direct), 县内第一轮 (county_round), 全市第二轮 (city_round).
type SelectionRow struct {
	Level, Code, Name                     string
	Direct, CountyRound, CityRound, Total int64
}

// SubsidyRow is the talent subsidy paid in AsOf's year up to AsOf and to
// date, the persons paid, per person to date, and against the ceiling of
// 310,000 yuan within five years of entry: persons at or over it, and the
// largest share of the ceiling one person has used.
type SubsidyRow struct {
	Level, Code, Name        string
	PaidThisYear, PaidToDate float64 // yuan
	Persons                  int64
	PerPerson                *float64
	AtOrOverCeiling          int64
	MaxShareOfCeiling        *float64
}

// Problem is one sentence of 存在问题: the rule that raised it, the county
// (or "" for the city) and the sentence naming the figure.
type Problem struct {
	Rule, County, Text string
}

// Office is the report's issuing office, its date line and classification,
// from the configuration (reports.office, reports.classification).
type Office struct {
	Issuer, Classification string
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

// QuotaRow is one row of quota_usage_on(year, as_of).
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
	// VacancyReportedOn is the day the open vacancy was registered
	// ("2006-01-02"), "" when none is registered.
	VacancyReportedOn string
}

// FreshnessRow is one row of source_freshness_on(AsOf): every value as of
// the end of AsOf in the city's time zone, never of the clock.
type FreshnessRow struct {
	County, Name      string
	LastSuccess       string // "2006-01-02 15:04" in the city's time zone, "" = none by the end of AsOf
	LastNewFile       string
	LastRecord        string   // the latest date of the county's records on or before AsOf, "" = none
	HoursSinceSuccess *float64 // from LastSuccess to the end of AsOf
	Stale             bool
}

// QualityRow counts rejects (Kind "reject", Code the reason) or findings
// (Kind "finding", Code the finding code, Severity set) of a county.
type QualityRow struct {
	County, CountyName, Kind, Code, Severity string
	Count                                    int64
}
