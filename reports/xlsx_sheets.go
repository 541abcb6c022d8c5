package reports

import (
	"fmt"
	"time"
)

// The sheet names of the workbook, in order.
const (
	xlsxSheetHeadline   = "核心指标"
	xlsxSheetCounties   = "县区覆盖"
	xlsxSheetTownships  = "乡镇覆盖"
	xlsxSheetRegions    = "区域对比"
	xlsxSheetRetention  = "留任"
	xlsxSheetSurvival   = "生存曲线"
	xlsxSheetExits      = "离岗原因"
	xlsxSheetPromotions = "两委与领导班子"
	xlsxSheetQuota      = "编制使用"
	xlsxSheetUncovered  = "待补充名单"
	xlsxSheetFreshness  = "数据源时效"
	xlsxSheetQuality    = "数据质量"
	xlsxSheetProblems   = "存在问题"
	xlsxSheetFlows      = "本月新增与离岗"
	xlsxSheetMonthExits = "本月离岗原因"
	xlsxSheetRanking    = "县区排名"
	xlsxSheetProgress   = "全覆盖进度"
	xlsxSheetSelection  = "两轮选岗"
	xlsxSheetSubsidies  = "人才补贴"
	xlsxSheetNextSteps  = "下步工作"
)

// xlsxDaysPerMonth is the month of the survival and promotion macros.
const xlsxDaysPerMonth = 30.4375

// xlsxTables returns the sheets of the workbook, in order.
func xlsxTables(d *ReportData) []xlsxTable {
	tables := []xlsxTable{
		xlsxHeadline(d),
		xlsxProblems(d),
		xlsxFlows(d),
		xlsxMonthExits(d),
		xlsxRanking(d),
		xlsxCounties(d),
		xlsxTownships(d),
		xlsxProgress(d),
		xlsxRegions(d),
		xlsxRetention(d),
		xlsxSurvival(d),
		xlsxExits(d),
		xlsxPromotions(d),
		xlsxSelection(d),
		xlsxQuota(d),
		xlsxSubsidies(d),
		xlsxUncovered(d),
		xlsxFreshness(d),
		xlsxQuality(d),
	}
	// 下步工作 is left out of a month without it, as in the HTML.
	if len(d.NextSteps) > 0 {
		tables = append(tables, xlsxNextSteps(d))
	}
	return tables
}

// Cell constructors.

// xText is a text cell; "" is an empty cell.
func xText(s string) xlsxCell {
	if s == "" {
		return xlsxCell{}
	}
	return xlsxCell{v: s}
}

// xInt is a count.
func xInt(n int64) xlsxCell { return xlsxCell{v: n, f: xfCount} }

// xIntPtr is a count or, for nil, an empty cell.
func xIntPtr(p *int64) xlsxCell {
	if p == nil {
		return xlsxCell{f: xfCount}
	}
	return xInt(*p)
}

// xFloat is v shown as f.
func xFloat(v float64, f xlsxFmt) xlsxCell { return xlsxCell{v: v, f: f} }

// xNum is *p shown as f or, for nil, an empty cell.
func xNum(p *float64, f xlsxFmt) xlsxCell {
	if p == nil {
		return xlsxCell{f: f}
	}
	return xFloat(*p, f)
}

// xDiff is a − b shown as f, empty unless both are set.
func xDiff(a, b *float64, f xlsxFmt) xlsxCell {
	if a == nil || b == nil {
		return xlsxCell{f: f}
	}
	return xFloat(*a-*b, f)
}

// xYesNo is 是 or 否.
func xYesNo(b bool) xlsxCell {
	if b {
		return xText(wYes)
	}
	return xText(wNotSo)
}

// xDateTime is a "2006-01-02 15:04" time as a date-time cell; "" is
// never, anything unparsable is kept as text.
func xDateTime(s string) xlsxCell {
	if s == "" {
		return xText(xlsxNever)
	}
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		return xText(s)
	}
	return xlsxCell{v: t, f: xfDateTime}
}

// xlsxName is the name of a row of a level: the region's label when the
// data leaves a region unnamed.
func xlsxName(level, code, name string) xlsxCell {
	if name == "" && level == "region" {
		name = label(regionLabels, code)
	}
	return xText(name)
}

// xlsxNever stands for a time that has not happened yet.
const xlsxNever = "从未"

// Sections.

func xlsxHeadline(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secHeadline.sheet,
		caption: secHeadline.title,
		header:  secHeadline.xlsxHeader(),
		notes: []string{
			fmt.Sprintf("本月为%s，上月为%s，去年同期为%s。", d.AsOf, d.PrevAsOf, d.YearAgoAsOf),
			"比率的“较上月”“较去年同期”为两者之差（百分点）。",
		},
	}
	if note := dataEndNote(d, func(s string) string { return s }); note != "" {
		t.notes = append(t.notes, note)
	}
	t.notes = append(t.notes, officeLines(d, func(s string) string { return s })...)
	for _, h := range d.Headline {
		f, change := xfRatio, xfRatioChange
		switch h.Kind {
		case "count":
			f, change = xfCount, xfCountChange
		case "rate":
			f, change = xfRate, xfRateChange
		}
		t.rows = append(t.rows, []xlsxCell{
			xText(h.Label),
			xNum(h.Value, f),
			xNum(h.Prev, f),
			xDiff(h.Value, h.Prev, change),
			xNum(h.YearAgo, f),
			xDiff(h.Value, h.YearAgo, change),
		})
	}
	return t
}

// The columns (from 1) of 县区覆盖 that the chart reads.
var (
	xlsxCountyNameCol   = secCounties.xlsxCol("county")
	xlsxCoverageRateCol = secCounties.xlsxCol("coverage_rate")
)

func xlsxCounties(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secCounties.sheet,
		caption: secCounties.title,
		header:  secCounties.xlsxHeader(),
	}
	for _, c := range d.Counties {
		t.rows = append(t.rows, []xlsxCell{
			xText(c.Code), xText(c.Name), xText(label(regionLabels, c.Region)),
			xInt(c.Villages), xInt(c.Covered), xNum(c.CoverageRate, xfRate), xInt(c.GraduatesInPost),
		})
	}
	return t
}

func xlsxTownships(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secTownships.sheet,
		caption: secTownships.title,
		header:  secTownships.xlsxHeader(),
	}
	for _, c := range d.Townships {
		t.rows = append(t.rows, []xlsxCell{
			xText(c.County), xText(c.CountyName), xText(c.Code), xText(c.Name),
			xText(label(regionLabels, c.Region)),
			xInt(c.Villages), xInt(c.Covered), xNum(c.CoverageRate, xfRate), xInt(c.GraduatesInPost),
		})
	}
	return t
}

func xlsxRegions(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secRegions.sheet,
		caption: secRegions.title,
		header:  secRegions.xlsxHeader(),
		notes:   []string{"“" + wRemoteToDeveloped + "”一行为偏远地区各项指标除以经济发达地区的对应指标。"},
	}
	for _, r := range d.Regions {
		count, rate, perHundred := xfCount, xfRate, xfOneDecimal
		if r.Region == "remote_to_developed" {
			count, rate, perHundred = xfRatio, xfRatio, xfRatio
		}
		t.rows = append(t.rows, []xlsxCell{
			xText(label(regionLabels, r.Region)), xText(r.Region),
			xNum(r.Villages, count), xNum(r.Covered, count), xNum(r.CoverageRate, rate),
			xNum(r.GraduatesInPost, count), xNum(r.PerHundred, perHundred), xNum(r.Retention12m, rate),
		})
	}
	return t
}

func xlsxRetention(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secRetention.sheet,
		caption: secRetention.title,
		header:  secRetention.xlsxHeader(),
		notes:   []string{"满N个月人数：入职满N个月（截至本月末）的研究生；仍在岗：入职满N个月当日仍在任一村（社区）在岗。"},
	}
	for _, r := range d.Retention {
		t.rows = append(t.rows, []xlsxCell{
			xText(label(levelLabels, r.Level)), xText(r.Code), xlsxName(r.Level, r.Code, r.Name),
			xInt(r.Cohort12), xInt(r.Retained12), xNum(r.Rate12, xfRate),
			xInt(r.Cohort24), xInt(r.Retained24), xNum(r.Rate24, xfRate),
		})
	}
	return t
}

// The columns (from 1) of 生存曲线 that the chart reads.
var (
	xlsxSurvivalStratumCol = secSurvival.xlsxCol("stratum")
	xlsxSurvivalMonthsCol  = secSurvival.xlsxCol("months")
	xlsxSurvivalRateCol    = secSurvival.xlsxCol("survival")
)

func xlsxSurvival(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secSurvival.sheet,
		caption: secSurvival.title + "（Kaplan–Meier）",
		header:  secSurvival.xlsxHeader(),
		notes:   []string{"在岗月数 = 在岗天数 ÷ 30.4375；生存率为在岗满该时长的估计比例，标准误按 Greenwood 公式计算。"},
	}
	for _, s := range d.Survival {
		label := label(stratumLabels, s.Stratum)
		for _, p := range s.Points {
			t.rows = append(t.rows, []xlsxCell{
				xText(label), xInt(p.Day), xFloat(float64(p.Day)/xlsxDaysPerMonth, xfOneDecimal),
				xInt(p.AtRisk), xInt(p.Exits), xInt(p.Censored),
				xFloat(p.Survival, xfRate), xNum(p.StdErr, xfThreeDecimals),
			})
		}
	}
	return t
}

func xlsxExits(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secExits.sheet,
		caption: secExits.title,
		header:  secExits.xlsxHeader(),
		notes:   []string{"累计：自有记录以来截至本月末离岗的人数。占比为该原因人数占同一全市或县区累计离岗总人数的比例（全市一级按最大余数法修约，合计为100.0%，与报告相同）。"},
	}
	add := func(level string, rows []ExitRow) {
		// The shares of each place, rounded as the HTML rounds them.
		byPlace := map[string][]int{}
		counts := make([]int64, len(rows))
		for i, e := range rows {
			byPlace[e.Code] = append(byPlace[e.Code], i)
			counts[i] = e.Exits
		}
		shares := make([]*float64, len(rows))
		for _, idx := range byPlace {
			c := make([]int64, len(idx))
			for j, i := range idx {
				c[j] = counts[i]
			}
			for j, p := range roundedShares(c) {
				shares[idx[j]] = p
			}
		}
		for i, e := range rows {
			share := xNum(shares[i], xfRate)
			t.rows = append(t.rows, []xlsxCell{
				xText(level), xText(e.Code), xText(e.Name),
				xText(label(exitLabels, e.Reason)), xText(e.Reason), xInt(e.Exits), share,
			})
		}
	}
	add(levelLabels["city"], d.Exits)
	add(levelLabels["county"], d.ExitsCounty)
	return t
}

func xlsxPromotions(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secPromotions.sheet,
		caption: secPromotions.title,
		header:  secPromotions.xlsxHeader(),
	}
	for _, p := range d.Promotions {
		t.rows = append(t.rows, []xlsxCell{
			xText(label(levelLabels, p.Level)), xText(p.Code), xlsxName(p.Level, p.Code, p.Name),
			xInt(p.Graduates), xInt(p.Committee), xInt(p.Secretaries), xInt(p.TownshipLeaders),
			xNum(p.CommitteeRate, xfRate), xNum(p.SecretaryRate, xfRate),
			xNum(p.MedianMonthsToCommittee, xfOneDecimal),
		})
	}
	return t
}

func xlsxQuota(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secQuota.sheet,
		caption: fmt.Sprintf("%d年度%s情况", d.QuotaYear, secQuota.title),
		header:  secQuota.xlsxHeader(),
		notes:   []string{"在岗人数为该年12月31日（报告期所在年度为报告期末）的在岗研究生。"},
	}
	for _, q := range d.Quota {
		// 使用率 = posts ÷ quota, as the HTML shows it; empty without a quota.
		usage := xlsxCell{f: xfRate}
		if q.QuotaTotal > 0 {
			usage = xFloat(float64(q.PostsTotal)/float64(q.QuotaTotal), xfRate)
		}
		t.rows = append(t.rows, []xlsxCell{
			xText(label(levelLabels, q.Level)), xText(q.Code), xlsxName(q.Level, q.Code, q.Name),
			xIntPtr(q.TownshipQuota), xIntPtr(q.CountyPool), xInt(q.QuotaTotal),
			xInt(q.PostsTownship), xInt(q.PostsCountyPool), xInt(q.PostsTotal), xInt(q.Unfilled), usage,
		})
	}
	return t
}

func xlsxUncovered(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secUncovered.sheet,
		caption: secUncovered.title,
		header:  secUncovered.xlsxHeader(),
	}
	for _, u := range d.Uncovered {
		t.rows = append(t.rows, []xlsxCell{
			xText(u.VillageCode), xText(u.VillageName), xText(u.TownshipName), xText(u.CountyName),
			xText(label(regionLabels, u.Region)), xIntPtr(u.UncoveredDays), xYesNo(u.VacancyReported),
			xText(u.VacancyReportedOn),
		})
	}
	return t
}

func xlsxFreshness(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secFreshness.sheet,
		caption: secFreshness.title,
		header:  secFreshness.xlsxHeader(),
	}
	for _, r := range d.Freshness {
		t.rows = append(t.rows, []xlsxCell{
			xText(r.County), xText(r.Name), xDateTime(r.LastSuccess), xDateTime(r.LastNewFile), xText(r.LastRecord),
			xNum(r.HoursSinceSuccess, xfOneDecimal), xYesNo(r.Stale),
		})
	}
	return t
}

func xlsxQuality(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secQuality.sheet,
		caption: secQuality.title + "（历次运行累计）",
		header:  secQuality.xlsxHeader(),
	}
	for _, q := range d.Quality {
		name := q.CountyName
		if q.County == "" && name == "" {
			name = cityList
		}
		t.rows = append(t.rows, []xlsxCell{
			xText(q.County), xText(name), xText(label(qualityKindLabels, q.Kind)),
			xText(qualityLabel(q.Code)), xText(q.Code),
			xText(label(severityLabels, q.Severity)), xInt(q.Count),
		})
	}
	return t
}

// The sections of issue 16.

func xlsxProblems(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secProblems.sheet,
		caption: secProblems.title,
		header:  secProblems.xlsxHeader(),
		notes:   []string{problemsNote},
	}
	for i, p := range d.Problems {
		t.rows = append(t.rows, []xlsxCell{xInt(int64(i + 1)), xText(htmlOr(p.County, wCity)), xText(p.Text)})
	}
	return t
}

func xlsxNextSteps(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secNextSteps.sheet,
		caption: secNextSteps.title,
		header:  secNextSteps.xlsxHeader(),
	}
	for i, p := range d.NextSteps {
		t.rows = append(t.rows, []xlsxCell{xInt(int64(i + 1)), xText(p)})
	}
	return t
}

// xlsxPlace is a row's level and name: the city's name is 全市.
func xlsxPlace(level, name string) (xlsxCell, xlsxCell) {
	if level == "city" {
		name = wCity
	}
	return xText(label(levelLabels, level)), xText(name)
}

func xlsxFlows(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secFlows.sheet,
		caption: secFlows.title,
		header:  secFlows.xlsxHeader(),
		notes:   []string{flowsNote},
	}
	for _, r := range d.Flows {
		level, name := xlsxPlace(r.Level, r.Name)
		t.rows = append(t.rows, []xlsxCell{level, xText(r.Code), name,
			xInt(r.InPostStart), xInt(r.Started), xInt(r.Ended), xInt(r.NetChange), xInt(r.InPostEnd)})
	}
	return t
}

func xlsxMonthExits(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secMonthExits.sheet,
		caption: secMonthExits.title,
		header:  secMonthExits.xlsxHeader(),
	}
	exits := htmlOrdered(d.MonthExits, htmlExitOrder, htmlExitReason)
	counts := make([]int64, len(exits))
	for i, e := range exits {
		counts[i] = e.Exits
	}
	shares := roundedShares(counts)
	for i, e := range exits {
		t.rows = append(t.rows, []xlsxCell{xText(exitLabel(htmlExitReason(e))), xText(e.Reason), xInt(e.Exits), xNum(shares[i], xfRate)})
	}
	return t
}

func xlsxRanking(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secRanking.sheet,
		caption: secRanking.title,
		header:  secRanking.xlsxHeader(),
		notes:   []string{rankingNote},
	}
	for _, r := range d.Ranking {
		t.rows = append(t.rows, []xlsxCell{xInt(int64(r.Rank)), xText(r.Code), xText(r.Name), xText(regionLabel(r.Region)),
			xNum(r.CoverageRate, xfRate), xNum(r.PrevCoverageRate, xfRate), xNum(r.ChangePoints, xfOneDecimal), xInt(r.NetChange)})
	}
	return t
}

func xlsxProgress(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secProgress.sheet,
		caption: secProgress.title,
		header:  secProgress.xlsxHeader(),
		notes:   []string{progressNote},
	}
	for _, r := range d.Progress {
		level, name := xlsxPlace(r.Level, r.Name)
		t.rows = append(t.rows, []xlsxCell{level, xText(r.Code), name, xInt(r.Villages), xInt(r.Uncovered),
			xIntPtr(r.MaxUncoveredDays), xInt(r.UncoveredOver90), xInt(r.VacanciesRegistered), xInt(r.VacanciesFilled),
			xInt(r.StartedThisYearInPost)})
	}
	return t
}

func xlsxSelection(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secSelection.sheet,
		caption: secSelection.title,
		header:  secSelection.xlsxHeader(),
		notes:   []string{selectionNote},
	}
	for _, r := range d.Selection {
		level, name := xlsxPlace(r.Level, r.Name)
		t.rows = append(t.rows, []xlsxCell{level, xText(r.Code), name,
			xInt(r.Direct), xInt(r.CountyRound), xInt(r.CityRound), xInt(r.Total)})
	}
	return t
}

func xlsxSubsidies(d *ReportData) xlsxTable {
	t := xlsxTable{
		sheet:   secSubsidies.sheet,
		caption: secSubsidies.title,
		header:  secSubsidies.xlsxHeader(),
		notes:   []string{subsidiesNote},
	}
	for _, r := range d.Subsidies {
		level, name := xlsxPlace(r.Level, r.Name)
		t.rows = append(t.rows, []xlsxCell{level, xText(r.Code), name,
			xFloat(r.PaidThisYear, xfCount), xFloat(r.PaidToDate, xfCount), xInt(r.Persons),
			xNum(r.PerPerson, xfCount), xInt(r.AtOrOverCeiling), xNum(r.MaxShareOfCeiling, xfRate)})
	}
	return t
}
