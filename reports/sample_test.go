package reports

import (
	"math"
)

// sampleReport is a small hand-built report shared by the renderers' tests:
// three counties of Taiyuan whose figures add up to the city's (1,395
// villages, 1,130 covered = 81.0%, 1,145 graduates in post), headline
// figures with and without earlier values, Kaplan–Meier series of ten points
// per stratum, a five-row replenishment list, one stale county and one never
// loaded, data-quality rows of every kind, and the sections of issue 16
// (the month's postings and exits, the ranking, the road to full coverage,
// the selection rounds, the subsidy, two problems, two paragraphs of
// 下步工作 and the office), filled by hand so that they add up to the same
// city. Every call returns a fresh
// value, so a test may change its copy.
func sampleReport() *ReportData {
	f := sampleF64
	return &ReportData{
		Period:      "2022-07",
		AsOf:        "2022-07-31",
		PrevAsOf:    "2022-06-30",
		YearAgoAsOf: "2021-07-31",
		CityCode:    "140100",
		CityName:    "太原市",
		QuotaYear:   2022,

		Headline: []Figure{
			{Key: "villages", Label: "村（社区）总数", Kind: "count", Value: f(1395), Prev: f(1395), YearAgo: f(1380)},
			{Key: "covered", Label: "已覆盖村（社区）", Kind: "count", Value: f(1130), Prev: f(1098), YearAgo: f(1012)},
			// 1130/1395 = 81.0%; 1098/1395 = 78.7% (+2.3 points); 1012/1380 = 73.3% (+7.7 points).
			{Key: "coverage_rate", Label: "覆盖率", Kind: "rate", Value: f(1130.0 / 1395), Prev: f(1098.0 / 1395), YearAgo: f(1012.0 / 1380)},
			{Key: "graduates_in_post", Label: "在岗研究生", Kind: "count", Value: f(1145), Prev: f(1120), YearAgo: f(1210)},
			{Key: "uncovered", Label: "待补充村（社区）", Kind: "count", Value: f(265), Prev: f(297), YearAgo: f(368)},
			{Key: "retention_12m", Label: "12个月留任率", Kind: "rate", Value: f(0.862), Prev: f(0.868), YearAgo: nil},
			{Key: "remote_to_developed_coverage", Label: "偏远地区与经济发达地区覆盖率之比", Kind: "ratio", Value: f(0.786153846153846), Prev: f(0.77), YearAgo: f(0.80)},
			{Key: "committee_members", Label: "进入村（社区）“两委”班子", Kind: "count", Value: f(72), Prev: f(70), YearAgo: f(51)},
			{Key: "party_secretaries", Label: "任村（社区）党组织书记", Kind: "count", Value: f(43), Prev: f(43), YearAgo: f(30)},
			{Key: "township_leaders", Label: "进入乡镇领导班子", Kind: "count", Value: f(6), Prev: f(6), YearAgo: f(4)},
			{Key: "quota_total", Label: "编制总数（当年）", Kind: "count", Value: f(1460), Prev: f(1460), YearAgo: nil},
			{Key: "quota_fill_rate", Label: "编制使用率", Kind: "rate", Value: f(1145.0 / 1460), Prev: f(1120.0 / 1460), YearAgo: nil},
		},

		Counties: []CoverageRow{
			{Code: "140105", Name: "小店区", Region: "developed", Villages: 420, Covered: 400, CoverageRate: f(400.0 / 420), GraduatesInPost: 430},
			{Code: "140181", Name: "古交市", Region: "remote", Villages: 520, Covered: 385, CoverageRate: f(385.0 / 520), GraduatesInPost: 398},
			{Code: "140123", Name: "娄烦县", Region: "remote", Villages: 455, Covered: 345, CoverageRate: f(345.0 / 455), GraduatesInPost: 317},
		},
		Townships: []CoverageRow{
			{Code: "140105001", Name: "坞城街道", Region: "developed", County: "140105", CountyName: "小店区", Villages: 60, Covered: 60, CoverageRate: f(1), GraduatesInPost: 66},
			{Code: "140105100", Name: "北格镇", Region: "developed", County: "140105", CountyName: "小店区", Villages: 200, Covered: 190, CoverageRate: f(190.0 / 200), GraduatesInPost: 200},
			{Code: "140105200", Name: "西温庄乡", Region: "developed", County: "140105", CountyName: "小店区", Villages: 160, Covered: 150, CoverageRate: f(150.0 / 160), GraduatesInPost: 164},
			{Code: "140123100", Name: "娄烦镇", Region: "remote", County: "140123", CountyName: "娄烦县", Villages: 255, Covered: 200, CoverageRate: f(200.0 / 255), GraduatesInPost: 190},
			{Code: "140123200", Name: "庙湾乡", Region: "remote", County: "140123", CountyName: "娄烦县", Villages: 200, Covered: 145, CoverageRate: f(145.0 / 200), GraduatesInPost: 127},
			// A township without villages on the day: no rate.
			{Code: "140123201", Name: "新建乡", Region: "remote", County: "140123", CountyName: "娄烦县", Villages: 0, Covered: 0, CoverageRate: nil, GraduatesInPost: 0},
			{Code: "140181001", Name: "东曲街道", Region: "remote", County: "140181", CountyName: "古交市", Villages: 40, Covered: 40, CoverageRate: f(1), GraduatesInPost: 45},
			{Code: "140181100", Name: "河口镇", Region: "remote", County: "140181", CountyName: "古交市", Villages: 250, Covered: 180, CoverageRate: f(180.0 / 250), GraduatesInPost: 185},
			{Code: "140181200", Name: "原相乡", Region: "remote", County: "140181", CountyName: "古交市", Villages: 230, Covered: 165, CoverageRate: f(165.0 / 230), GraduatesInPost: 168},
		},

		Regions: []RegionRow{
			{Region: "remote", Villages: f(975), Covered: f(730), GraduatesInPost: f(715), CoverageRate: f(730.0 / 975), PerHundred: f(715.0 / 975 * 100), Retention12m: f(0.84)},
			{Region: "developed", Villages: f(420), Covered: f(400), GraduatesInPost: f(430), CoverageRate: f(400.0 / 420), PerHundred: f(430.0 / 420 * 100), Retention12m: f(0.9)},
			{Region: "remote_to_developed", Villages: f(975.0 / 420), Covered: f(730.0 / 400), GraduatesInPost: f(715.0 / 430),
				CoverageRate: f((730.0 / 975) / (400.0 / 420)), PerHundred: f((715.0 / 975) / (430.0 / 420)), Retention12m: f(0.84 / 0.9)},
		},

		Retention: []RetentionRow{
			{Level: "city", Code: "140100", Name: "太原市", Cohort12: 500, Retained12: 431, Rate12: f(0.862), Cohort24: 320, Retained24: 240, Rate24: f(0.75)},
			{Level: "region", Code: "developed", Cohort12: 200, Retained12: 180, Rate12: f(0.9), Cohort24: 120, Retained24: 100, Rate24: f(100.0 / 120)},
			{Level: "region", Code: "remote", Cohort12: 300, Retained12: 252, Rate12: f(0.84), Cohort24: 200, Retained24: 140, Rate24: f(0.7)},
		},

		Survival: []SurvivalSeries{
			{Stratum: "all", Points: sampleKM([][4]int64{
				{30, 500, 4, 0}, {90, 496, 6, 5}, {180, 485, 10, 15}, {270, 460, 9, 20}, {365, 431, 15, 27},
				{450, 389, 7, 30}, {540, 352, 9, 40}, {640, 303, 6, 50}, {730, 247, 10, 70}, {900, 167, 3, 164},
			})},
			{Stratum: "developed", Points: sampleKM([][4]int64{
				{45, 200, 2, 0}, {120, 198, 3, 5}, {200, 190, 4, 10}, {300, 176, 3, 8}, {365, 165, 5, 12},
				{450, 148, 2, 10}, {540, 136, 3, 15}, {640, 118, 2, 20}, {730, 96, 4, 30}, {900, 62, 1, 61},
			})},
			{Stratum: "remote", Points: sampleKM([][4]int64{
				{30, 300, 4, 0}, {90, 296, 6, 5}, {180, 285, 8, 10}, {270, 267, 7, 12}, {365, 248, 10, 15},
				{450, 223, 5, 20}, {540, 198, 6, 25}, {640, 167, 4, 30}, {730, 133, 6, 40}, {900, 87, 2, 85},
			})},
		},

		Exits: []ExitRow{
			{Code: "140100", Name: "太原市", Reason: "resigned", Exits: 40},
			{Code: "140100", Name: "太原市", Reason: "transferred", Exits: 18},
			{Code: "140100", Name: "太原市", Reason: "civil_service", Exits: 25},
			{Code: "140100", Name: "太原市", Reason: "promoted", Exits: 9},
			{Code: "140100", Name: "太原市", Reason: "other", Exits: 5},
			{Code: "140100", Name: "太原市", Reason: "unspecified", Exits: 3},
		},
		ExitsCounty: []ExitRow{
			{Code: "140105", Name: "小店区", Reason: "civil_service", Exits: 12},
			{Code: "140105", Name: "小店区", Reason: "other", Exits: 1},
			{Code: "140105", Name: "小店区", Reason: "promoted", Exits: 5},
			{Code: "140105", Name: "小店区", Reason: "resigned", Exits: 10},
			{Code: "140105", Name: "小店区", Reason: "transferred", Exits: 8},
			{Code: "140123", Name: "娄烦县", Reason: "civil_service", Exits: 5},
			{Code: "140123", Name: "娄烦县", Reason: "other", Exits: 1},
			{Code: "140123", Name: "娄烦县", Reason: "promoted", Exits: 2},
			{Code: "140123", Name: "娄烦县", Reason: "resigned", Exits: 12},
			{Code: "140123", Name: "娄烦县", Reason: "transferred", Exits: 4},
			{Code: "140123", Name: "娄烦县", Reason: "unspecified", Exits: 1},
			{Code: "140181", Name: "古交市", Reason: "civil_service", Exits: 8},
			{Code: "140181", Name: "古交市", Reason: "other", Exits: 3},
			{Code: "140181", Name: "古交市", Reason: "promoted", Exits: 2},
			{Code: "140181", Name: "古交市", Reason: "resigned", Exits: 18},
			{Code: "140181", Name: "古交市", Reason: "transferred", Exits: 6},
			{Code: "140181", Name: "古交市", Reason: "unspecified", Exits: 2},
		},

		Promotions: []PromotionRow{
			{Level: "city", Code: "140100", Name: "太原市", Graduates: 1320, Committee: 72, Secretaries: 43, TownshipLeaders: 6,
				CommitteeRate: f(72.0 / 1320), SecretaryRate: f(43.0 / 1320), MedianMonthsToCommittee: f(14.5)},
			{Level: "county", Code: "140105", Name: "小店区", Graduates: 480, Committee: 29, Secretaries: 19, TownshipLeaders: 3,
				CommitteeRate: f(29.0 / 480), SecretaryRate: f(19.0 / 480), MedianMonthsToCommittee: f(12)},
			{Level: "county", Code: "140123", Name: "娄烦县", Graduates: 380, Committee: 18, Secretaries: 10, TownshipLeaders: 1,
				CommitteeRate: f(18.0 / 380), SecretaryRate: f(10.0 / 380), MedianMonthsToCommittee: nil},
			{Level: "county", Code: "140181", Name: "古交市", Graduates: 460, Committee: 25, Secretaries: 14, TownshipLeaders: 2,
				CommitteeRate: f(25.0 / 460), SecretaryRate: f(14.0 / 460), MedianMonthsToCommittee: f(15.5)},
		},

		Quota: []QuotaRow{
			{Level: "city", Code: "140100", Name: "太原市", TownshipQuota: sampleI64(1180), CountyPool: sampleI64(280), QuotaTotal: 1460,
				PostsTownship: 930, PostsCountyPool: 215, PostsTotal: 1145, Unfilled: 315},
			{Level: "county", Code: "140105", Name: "小店区", TownshipQuota: sampleI64(360), CountyPool: sampleI64(90), QuotaTotal: 450,
				PostsTownship: 350, PostsCountyPool: 80, PostsTotal: 430, Unfilled: 20},
			// No county pool recorded for 娄烦县.
			{Level: "county", Code: "140123", Name: "娄烦县", TownshipQuota: sampleI64(480), CountyPool: nil, QuotaTotal: 480,
				PostsTownship: 317, PostsCountyPool: 0, PostsTotal: 317, Unfilled: 163},
			{Level: "county", Code: "140181", Name: "古交市", TownshipQuota: sampleI64(340), CountyPool: sampleI64(190), QuotaTotal: 530,
				PostsTownship: 263, PostsCountyPool: 135, PostsTotal: 398, Unfilled: 132},
		},

		Uncovered: []UncoveredRow{
			{VillageCode: "140181200203", VillageName: "石家河村", TownshipName: "原相乡", CountyName: "古交市", Region: "remote", UncoveredDays: sampleI64(1461), VacancyReported: true, VacancyReportedOn: "2022-03-15"},
			{VillageCode: "140123200205", VillageName: "白家峪村", TownshipName: "庙湾乡", CountyName: "娄烦县", Region: "remote", UncoveredDays: sampleI64(412), VacancyReported: true, VacancyReportedOn: "2022-05-20"},
			{VillageCode: "140181100210", VillageName: "下庄村", TownshipName: "河口镇", CountyName: "古交市", Region: "remote", UncoveredDays: sampleI64(180), VacancyReported: false},
			{VillageCode: "140105100215", VillageName: "贾家寨村", TownshipName: "北格镇", CountyName: "小店区", Region: "developed", UncoveredDays: sampleI64(45), VacancyReported: false},
			// Never covered and no establishment date: no count of days.
			{VillageCode: "140123100020", VillageName: "新城社区", TownshipName: "娄烦镇", CountyName: "娄烦县", Region: "remote", UncoveredDays: nil, VacancyReported: false},
		},

		Freshness: []FreshnessRow{
			{County: "140105", Name: "小店区", LastSuccess: "2022-07-31 02:00", LastNewFile: "2022-07-30 18:20", LastRecord: "2022-07-29", HoursSinceSuccess: f(22.5), Stale: false},
			{County: "140123", Name: "娄烦县", LastSuccess: "", LastNewFile: "", HoursSinceSuccess: nil, Stale: true},
			{County: "140181", Name: "古交市", LastSuccess: "2022-07-25 02:00", LastNewFile: "2022-07-20 09:15", HoursSinceSuccess: f(166), Stale: true},
		},

		Quality: []QualityRow{
			{County: "", CountyName: "全市名录", Kind: "reject", Code: "duplicate_in_file", Count: 1},
			{County: "140105", CountyName: "小店区", Kind: "finding", Code: "gender_mismatch", Severity: "warning", Count: 1},
			{County: "140105", CountyName: "小店区", Kind: "reject", Code: "bad_date:start_date", Count: 2},
			{County: "140105", CountyName: "小店区", Kind: "reject", Code: "bad_id_checksum", Count: 3},
			{County: "140123", CountyName: "娄烦县", Kind: "finding", Code: "vanished_from_ledger", Severity: "warning", Count: 5},
			{County: "140123", CountyName: "娄烦县", Kind: "reject", Code: "wrong_county", Count: 1},
			{County: "140181", CountyName: "古交市", Kind: "finding", Code: "overlapping_postings", Severity: "warning", Count: 2},
			{County: "140181", CountyName: "古交市", Kind: "finding", Code: "unused_columns", Severity: "info", Count: 1},
			{County: "140181", CountyName: "古交市", Kind: "reject", Code: "missing:degree", Count: 4},
			{County: "140181", CountyName: "古交市", Kind: "reject", Code: "unknown_village", Count: 2},
		},

		// The month: 1,120 in post on 30 June (the headline's previous
		// value), 43 started and 18 ended in July, 1,145 on 31 July.
		Flows: []FlowRow{
			{Level: "city", Code: "140100", Name: "太原市", InPostStart: 1120, Started: 43, Ended: 18,
				EndedBy: map[string]int64{"resigned": 9, "transferred": 2, "civil_service": 5, "other": 2}, NetChange: 25, InPostEnd: 1145},
			{Level: "county", Code: "140105", Name: "小店区", InPostStart: 425, Started: 12, Ended: 7,
				EndedBy: map[string]int64{"resigned": 4, "civil_service": 3}, NetChange: 5, InPostEnd: 430},
			{Level: "county", Code: "140181", Name: "古交市", InPostStart: 390, Started: 15, Ended: 7,
				EndedBy: map[string]int64{"resigned": 5, "transferred": 2}, NetChange: 8, InPostEnd: 398},
			{Level: "county", Code: "140123", Name: "娄烦县", InPostStart: 305, Started: 16, Ended: 4,
				EndedBy: map[string]int64{"civil_service": 2, "other": 2}, NetChange: 12, InPostEnd: 317},
		},
		// 9/18 = 50.0%, 2/18 = 11.1%, 5/18 = 27.8% (27.777… takes the
		// remainder), 2/18 = 11.1%: 100.0% in all.
		MonthExits: []ExitRow{
			{Code: "140100", Name: "太原市", Reason: "resigned", Exits: 9},
			{Code: "140100", Name: "太原市", Reason: "transferred", Exits: 2},
			{Code: "140100", Name: "太原市", Reason: "civil_service", Exits: 5},
			{Code: "140100", Name: "太原市", Reason: "other", Exits: 2},
		},
		// Covered on 30 June: 395, 330 and 373 of the counties' villages
		// (1,098 in all, the headline's previous value).
		Ranking: []RankRow{
			{Rank: 1, Code: "140105", Name: "小店区", Region: "developed", CoverageRate: f(400.0 / 420), PrevCoverageRate: f(395.0 / 420),
				ChangePoints: f(5.0 / 420 * 100), NetChange: 5},
			{Rank: 2, Code: "140123", Name: "娄烦县", Region: "remote", CoverageRate: f(345.0 / 455), PrevCoverageRate: f(330.0 / 455),
				ChangePoints: f(15.0 / 455 * 100), NetChange: 12},
			{Rank: 3, Code: "140181", Name: "古交市", Region: "remote", CoverageRate: f(385.0 / 520), PrevCoverageRate: f(373.0 / 520),
				ChangePoints: f(12.0 / 520 * 100), NetChange: 8},
		},
		Progress: []ProgressRow{
			{Level: "city", Code: "140100", Name: "太原市", Villages: 1395, Uncovered: 265, MaxUncoveredDays: sampleI64(1461),
				UncoveredOver90: 120, VacanciesRegistered: 60, VacanciesFilled: 38, StartedThisYearInPost: 210},
			{Level: "county", Code: "140105", Name: "小店区", Villages: 420, Uncovered: 20, MaxUncoveredDays: sampleI64(45),
				UncoveredOver90: 0, VacanciesRegistered: 10, VacanciesFilled: 8, StartedThisYearInPost: 70},
			{Level: "county", Code: "140181", Name: "古交市", Villages: 520, Uncovered: 135, MaxUncoveredDays: sampleI64(1461),
				UncoveredOver90: 70, VacanciesRegistered: 30, VacanciesFilled: 18, StartedThisYearInPost: 80},
			{Level: "county", Code: "140123", Name: "娄烦县", Villages: 455, Uncovered: 110, MaxUncoveredDays: nil,
				UncoveredOver90: 50, VacanciesRegistered: 20, VacanciesFilled: 12, StartedThisYearInPost: 60},
		},
		Selection: []SelectionRow{
			{Level: "city", Code: "140100", Name: "太原市", Direct: 817, CountyRound: 200, CityRound: 128, Total: 1145},
			{Level: "county", Code: "140105", Name: "小店区", Direct: 380, CountyRound: 50, CityRound: 0, Total: 430},
			{Level: "county", Code: "140181", Name: "古交市", Direct: 230, CountyRound: 80, CityRound: 88, Total: 398},
			{Level: "county", Code: "140123", Name: "娄烦县", Direct: 207, CountyRound: 70, CityRound: 40, Total: 317},
		},
		// Per person: 8,600,000 / 1,200 = 7,166.67; 3,000,000 / 420 = 7,142.86.
		Subsidies: []SubsidyRow{
			{Level: "city", Code: "140100", Name: "太原市", PaidThisYear: 1250000, PaidToDate: 8600000, Persons: 1200,
				PerPerson: f(8600000.0 / 1200), AtOrOverCeiling: 1, MaxShareOfCeiling: f(1)},
			{Level: "county", Code: "140105", Name: "小店区", PaidThisYear: 500000, PaidToDate: 3600000, Persons: 480,
				PerPerson: f(7500), AtOrOverCeiling: 0, MaxShareOfCeiling: f(186000.0 / 310000)},
			{Level: "county", Code: "140181", Name: "古交市", PaidThisYear: 450000, PaidToDate: 3000000, Persons: 420,
				PerPerson: f(3000000.0 / 420), AtOrOverCeiling: 1, MaxShareOfCeiling: f(1)},
			{Level: "county", Code: "140123", Name: "娄烦县", PaidThisYear: 300000, PaidToDate: 2000000, Persons: 300,
				PerPerson: f(2000000.0 / 300), AtOrOverCeiling: 0, MaxShareOfCeiling: f(170500.0 / 310000)},
		},
		Problems: []Problem{
			{Rule: "coverage_below_city", County: "古交市", Text: "古交市覆盖率74.0%，低于全市81.0%。"},
			{Rule: "stale", County: "娄烦县", Text: "娄烦县数据源从未成功更新。"},
		},
		NextSteps: []string{"督促古交市、娄烦县在9月底前补齐空缺村（社区）。", "组织第三轮全市选岗。"},
		Office:    Office{Issuer: "中共太原市委组织部 编", Classification: "内部资料 注意保存"},
	}
}

// sampleKM builds Kaplan–Meier points from rows of (day, at risk, exits,
// censored): survival is the running product of 1 - exits/at risk and the
// standard error is Greenwood's, as the survival macro computes them.
func sampleKM(rows [][4]int64) []SurvivalPoint {
	s, greenwood := 1.0, 0.0
	out := make([]SurvivalPoint, 0, len(rows))
	for _, r := range rows {
		day, n, d, c := r[0], r[1], r[2], r[3]
		s *= 1 - float64(d)/float64(n)
		if n > d {
			greenwood += float64(d) / (float64(n) * float64(n-d))
		}
		out = append(out, SurvivalPoint{Day: day, AtRisk: n, Exits: d, Censored: c,
			Survival: s, StdErr: sampleF64(s * math.Sqrt(greenwood))})
	}
	return out
}

func sampleF64(v float64) *float64 { return &v }

func sampleI64(v int64) *int64 { return &v }
