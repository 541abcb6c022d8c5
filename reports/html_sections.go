package reports

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// The HTML of the sections of issue 16: the office, the month's postings,
// the ranking, the road to full coverage, the selection rounds, the
// subsidy, 存在问题 and 下步工作, the replenishment list by county and the
// one-page data-quality appendix.

type htmlFlow struct {
	Name, InPostStart, Started, Ended, Net, InPostEnd string
	City                                              bool
}

type htmlRank struct{ Rank, Name, Region, Rate, Prev, Change, Net string }

type htmlProgress struct {
	Name, Villages, Uncovered, MaxDays, Over90, Registered, Filled, StartedInPost string
	City                                                                          bool
}

type htmlSelection struct {
	Name, Direct, CountyRound, CityRound, Total string
	City                                        bool
}

type htmlSubsidy struct {
	Name, PaidThisYear, PaidToDate, Persons, PerPerson, AtOrOver, MaxShare string
	City                                                                   bool
}

type htmlProblem struct{ County, Text string }

type htmlUncoveredGroup struct {
	County, Subtotal, Reported string
	Rows                       []htmlUncovered
}

// htmlQualityCounty is one row of the appendix: a county's rejected rows,
// its findings and its main reasons, in Chinese.
type htmlQualityCounty struct {
	County, Rejects, Findings, Main string
}

// htmlQualityTop is how many reasons the appendix names per county; the
// workbook's sheet 数据质量 lists them all.
const htmlQualityTop = 3

// htmlQualityCounties is how many counties the appendix lists, so that it
// fits on a page (a province or the whole country has more): those with
// the most rows, the others counted in one row.
const htmlQualityCounties = 20

// htmlPlace is a row's name: 全市 for the city.
func htmlPlace(level, code, name string) string {
	if level == "city" {
		return wCity
	}
	return htmlOr(name, code)
}

func htmlBuildOffice(v *htmlView, d *ReportData) {
	v.Issuer, v.Classification = d.Office.Issuer, d.Office.Classification
	v.DateLine = htmlDate(d.AsOf)
	for _, p := range d.Problems {
		v.Problems = append(v.Problems, htmlProblem{County: htmlOr(p.County, wCity), Text: p.Text})
	}
	v.ProblemsNote = problemsNote
	for _, p := range d.NextSteps {
		if p = strings.TrimSpace(p); p != "" {
			v.NextSteps = append(v.NextSteps, p)
		}
	}
}

func htmlBuildFlows(v *htmlView, d *ReportData) {
	for _, r := range d.Flows {
		v.Flows = append(v.Flows, htmlFlow{Name: htmlPlace(r.Level, r.Code, r.Name), City: r.Level == "city",
			InPostStart: htmlInt(r.InPostStart), Started: htmlInt(r.Started), Ended: htmlInt(r.Ended),
			Net: htmlSigned(htmlInt(r.NetChange)), InPostEnd: htmlInt(r.InPostEnd)})
	}
	exits := htmlOrdered(d.MonthExits, htmlExitOrder, htmlExitReason)
	v.MonthExits, v.MonthExitsTotal, v.MonthExitsShareTotal = htmlExitRows(exits)
}

// htmlExitRows are exits by reason with their shares rounded by the
// largest remainder (adding up to 100.0%, as the pie shows them), the
// total and the total's share.
func htmlExitRows(exits []ExitRow) (rows []htmlExit, total, shareTotal string) {
	counts := make([]int64, len(exits))
	var sum int64
	for i, e := range exits {
		counts[i] = e.Exits
		sum += e.Exits
	}
	shares := roundedShares(counts)
	for i, e := range exits {
		rows = append(rows, htmlExit{Label: exitLabel(htmlExitReason(e)), Code: htmlExitReason(e),
			Exits: htmlInt(e.Exits), Share: htmlPct(shares[i])})
	}
	shareTotal = "—"
	if sum > 0 {
		shareTotal = "100.0%"
	}
	return rows, htmlInt(sum), shareTotal
}

func htmlBuildRanking(v *htmlView, d *ReportData) {
	for _, r := range d.Ranking {
		change := "—"
		if htmlFinite(r.ChangePoints) {
			change = htmlSigned(htmlFixed(*r.ChangePoints, 1))
		}
		v.Ranking = append(v.Ranking, htmlRank{Rank: strconv.Itoa(r.Rank), Name: htmlOr(r.Name, r.Code),
			Region: regionLabel(r.Region), Rate: htmlPct(r.CoverageRate), Prev: htmlPct(r.PrevCoverageRate),
			Change: change, Net: htmlSigned(htmlInt(r.NetChange))})
	}
}

func htmlBuildProgress(v *htmlView, d *ReportData) {
	for _, r := range d.Progress {
		maxDays := "—"
		if r.MaxUncoveredDays != nil {
			maxDays = htmlInt(*r.MaxUncoveredDays)
		}
		v.Progress = append(v.Progress, htmlProgress{Name: htmlPlace(r.Level, r.Code, r.Name), City: r.Level == "city",
			Villages: htmlInt(r.Villages), Uncovered: htmlInt(r.Uncovered), MaxDays: maxDays,
			Over90: htmlInt(r.UncoveredOver90), Registered: htmlInt(r.VacanciesRegistered),
			Filled: htmlInt(r.VacanciesFilled), StartedInPost: htmlInt(r.StartedThisYearInPost)})
	}
}

func htmlBuildSelection(v *htmlView, d *ReportData) {
	for _, r := range d.Selection {
		v.Selection = append(v.Selection, htmlSelection{Name: htmlPlace(r.Level, r.Code, r.Name), City: r.Level == "city",
			Direct: htmlInt(r.Direct), CountyRound: htmlInt(r.CountyRound), CityRound: htmlInt(r.CityRound),
			Total: htmlInt(r.Total)})
	}
}

func htmlBuildSubsidies(v *htmlView, d *ReportData) {
	yuan := func(p *float64) string {
		if !htmlFinite(p) {
			return "—"
		}
		return htmlFixed(*p, 0)
	}
	for _, r := range d.Subsidies {
		this, toDate := r.PaidThisYear, r.PaidToDate
		v.Subsidies = append(v.Subsidies, htmlSubsidy{Name: htmlPlace(r.Level, r.Code, r.Name), City: r.Level == "city",
			PaidThisYear: yuan(&this), PaidToDate: yuan(&toDate), Persons: htmlInt(r.Persons),
			PerPerson: yuan(r.PerPerson), AtOrOver: htmlInt(r.AtOrOverCeiling), MaxShare: htmlPct(r.MaxShareOfCeiling)})
	}
	v.SubsidiesNote = subsidiesNote
}

// htmlBuildUncovered fills the replenishment list grouped by county, in
// the order the counties first appear (the list is longest first), each
// group with its subtotal; rows are numbered through the list.
func htmlBuildUncovered(v *htmlView, d *ReportData) {
	reported := 0
	group := map[string]int{}
	for _, u := range d.Uncovered {
		county := htmlOr(u.CountyName, "—")
		i, ok := group[county]
		if !ok {
			i = len(v.UncoveredGroups)
			group[county] = i
			v.UncoveredGroups = append(v.UncoveredGroups, htmlUncoveredGroup{County: county})
		}
		days := "—"
		if u.UncoveredDays != nil {
			days = htmlInt(*u.UncoveredDays)
		}
		on := "未登记"
		if u.VacancyReported {
			reported++
			on = htmlOr(u.VacancyReportedOn, wYes)
		}
		g := &v.UncoveredGroups[i]
		g.Rows = append(g.Rows, htmlUncovered{Code: u.VillageCode, Village: u.VillageName, Township: u.TownshipName,
			County: county, Region: regionLabel(u.Region), Days: days, Vacancy: on, VacancyReported: u.VacancyReported})
	}
	n := 0
	for i := range v.UncoveredGroups {
		g := &v.UncoveredGroups[i]
		r := 0
		for j := range g.Rows {
			n++
			g.Rows[j].No = strconv.Itoa(n)
			if g.Rows[j].VacancyReported {
				r++
			}
		}
		g.Subtotal = fmt.Sprintf("%s个", htmlInt(int64(len(g.Rows))))
		g.Reported = fmt.Sprintf("已登记%s个", htmlInt(int64(r)))
	}
	if len(d.Uncovered) == 0 {
		v.UncoveredNote = "截至" + htmlDate(d.AsOf) + "，所有村（社区）均有研究生在岗。"
		return
	}
	v.UncoveredNote = fmt.Sprintf("截至%s，共有%s个村（社区）无研究生在岗，其中%s个已登记空缺。按县（市、区）分组，组内按空缺时间由长到短排列。",
		htmlDate(d.AsOf), htmlInt(int64(len(d.Uncovered))), htmlInt(int64(reported)))
}

// htmlBuildQuality fills the appendix: one row per county (the city's list
// among them) with its rejected rows, its findings and its htmlQualityTop
// main reasons in Chinese, at most htmlQualityCounties counties, and the
// totals. The full list is the workbook's.
func htmlBuildQuality(v *htmlView, d *ReportData) {
	type reason struct {
		label string
		count int64
	}
	type county struct {
		name              string
		rejects, findings int64
		reasons           []reason
	}
	var counties []*county
	byName := map[string]*county{}
	var rejects, findings int64
	for _, q := range d.Quality {
		name := htmlOr(q.CountyName, q.County)
		if q.County == "" && name == "" {
			name = cityList
		}
		c := byName[name]
		if c == nil {
			c = &county{name: name}
			byName[name] = c
			counties = append(counties, c)
		}
		if q.Kind == "reject" {
			c.rejects += q.Count
			rejects += q.Count
		} else {
			c.findings += q.Count
			findings += q.Count
		}
		l := qualityLabel(q.Code)
		if l == q.Code {
			l = wOtherIssue // never a code in English in the HTML
		}
		if i := slices.IndexFunc(c.reasons, func(r reason) bool { return r.label == l }); i >= 0 {
			c.reasons[i].count += q.Count
		} else {
			c.reasons = append(c.reasons, reason{l, q.Count})
		}
	}
	// At most htmlQualityCounties counties, those with the most rows (in
	// the data's order); the others in one row.
	var others *county
	if len(counties) > htmlQualityCounties {
		byRows := slices.Clone(counties)
		slices.SortStableFunc(byRows, func(a, b *county) int {
			return cmp.Compare(b.rejects+b.findings, a.rejects+a.findings)
		})
		others = &county{}
		for _, c := range byRows[htmlQualityCounties:] {
			others.rejects += c.rejects
			others.findings += c.findings
		}
		n := len(byRows) - htmlQualityCounties
		others.name = fmt.Sprintf("其余%d个", n)
		drop := map[*county]bool{}
		for _, c := range byRows[htmlQualityCounties:] {
			drop[c] = true
		}
		counties = slices.DeleteFunc(counties, func(c *county) bool { return drop[c] })
	}
	for _, c := range counties {
		slices.SortStableFunc(c.reasons, func(a, b reason) int { return cmp.Compare(b.count, a.count) })
		var main []string
		for i, r := range c.reasons {
			if i == htmlQualityTop {
				main = append(main, fmt.Sprintf("另%d种", len(c.reasons)-htmlQualityTop))
				break
			}
			main = append(main, r.label+" "+htmlInt(r.count)+"条")
		}
		v.QualityCounties = append(v.QualityCounties, htmlQualityCounty{County: c.name,
			Rejects: htmlInt(c.rejects), Findings: htmlInt(c.findings), Main: strings.Join(main, "；")})
	}
	if others != nil {
		v.QualityCounties = append(v.QualityCounties, htmlQualityCounty{County: others.name,
			Rejects: htmlInt(others.rejects), Findings: htmlInt(others.findings), Main: "见工作簿“数据质量”表"})
	}
	v.RejectsTotal, v.FindingsTotal = htmlInt(rejects), htmlInt(findings)
}
