package reports

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// The page and the chart library are embedded so that the report is one
// self-contained file: Apache ECharts 5.6.0 (Apache-2.0, see
// assets/ECHARTS-LICENSE and assets/ECHARTS-NOTICE) is inlined as is.
var (
	//go:embed html_template.html
	htmlTemplateText string
	//go:embed assets/echarts.min.js
	htmlEChartsJS string
)

var htmlPage = template.Must(template.New("report").Parse(htmlTemplateText))

var errHTMLNoData = errors.New("reports: html: no report data")

// RenderHTML writes the report as one self-contained HTML file: no network needed to open it.
// Scripts, styles and the chart data are inline; the charts are drawn in the
// browser with ECharts' SVG renderer. The same data gives the same bytes.
func RenderHTML(w io.Writer, d *ReportData) error {
	if d == nil {
		return errHTMLNoData
	}
	v, err := htmlBuildView(d)
	if err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	var buf bytes.Buffer
	if err := htmlPage.Execute(&buf, v); err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("reports: html: %w", err)
	}
	return nil
}

// htmlView is what the template shows: every figure already formatted.
type htmlView struct {
	Title, Summary              string
	AsOf, PrevAsOf, YearAgoAsOf string
	// DataEndNote says, when the period ends after the loaded data, on
	// which day they end.
	DataEndNote string
	// Vintage is the moment whose warehouse the figures describe (empty
	// before any load), printed so that the report can be reproduced, and
	// Period the month ("2022-07") for the command that does it.
	Vintage, Period string
	ECharts         template.JS

	// From the sections: titles and table heads by section key, the
	// words of the headline's cards and of the total rows.
	Titles map[string]string
	Heads  map[string]template.HTML
	Words  map[string]string

	Headline        []htmlFigure
	Counties        []htmlCoverage
	TownshipGroups  []htmlTownshipGroup
	Regions         []htmlRegion
	Retention       []htmlRetention
	Exits           []htmlExit
	ExitsTotal      string
	ExitsShareTotal string
	ExitReasons     []string
	ExitCounties    []htmlExitCounty
	Promotions      []htmlPromotion
	QuotaYear       int
	Quota           []htmlQuota
	UncoveredGroups []htmlUncoveredGroup
	UncoveredNote   string
	Freshness       []htmlFreshness
	StaleNote       string
	AnyStale        bool
	QualityCounties []htmlQualityCounty
	RejectsTotal    string
	FindingsTotal   string

	// The office, 存在问题 and 下步工作.
	Issuer, Classification, DateLine string
	Problems                         []htmlProblem
	ProblemsNote                     string
	NextSteps                        []string

	// The month's postings, the ranking, the road to full coverage, the
	// selection rounds and the subsidy.
	Flows                                 []htmlFlow
	MonthExits                            []htmlExit
	MonthExitsTotal, MonthExitsShareTotal string
	Ranking                               []htmlRank
	Progress                              []htmlProgress
	Selection                             []htmlSelection
	Subsidies                             []htmlSubsidy
	SubsidiesNote                         string
	ExitCountiesTotal                     htmlExitCounty

	// Charts by name; nil where there is nothing to draw.
	CoverageChart, RegionChart, SurvivalChart, ExitChart, QuotaChart *htmlChart
}

type htmlFigure struct {
	Label, Value, Prev, YearAgo string
	PrevBase, YearAgoBase       string
}

type htmlCoverage struct {
	Code, Name, Region                   string
	Villages, Covered, Uncovered, InPost string
	Rate                                 string
	Full                                 bool
}

type htmlTownshipGroup struct {
	County    htmlCoverage
	Townships []htmlCoverage
}

type htmlRegion struct {
	Label, Villages, Covered, Rate, InPost, PerHundred, Retention12m string
	Ratio                                                            bool
}

type htmlRetention struct {
	Label, Cohort12, Retained12, Rate12, Cohort24, Retained24, Rate24 string
	City                                                              bool
}

type htmlExit struct{ Label, Code, Exits, Share string }

type htmlExitCounty struct {
	Name   string
	Counts []string
	Total  string
}

type htmlPromotion struct {
	Name, Graduates, Committee, Secretaries, TownshipLeaders string
	CommitteeRate, SecretaryRate, Median                     string
	City                                                     bool
}

type htmlQuota struct {
	Name, TownshipQuota, CountyPool, QuotaTotal       string
	PostsTownship, PostsCountyPool, PostsTotal, Usage string
	Unfilled                                          string
	City, Over                                        bool
}

type htmlUncovered struct {
	No, Code, Village, Township, County, Region, Days, Vacancy string
	VacancyReported                                            bool
}

type htmlFreshness struct {
	Code, Name, LastSuccess, LastNewFile, LastRecord, Hours string
	Stale                                                   bool
}

// htmlChart is one chart: a <div class="chart"> of a fixed height and its
// data, JSON in a <script type="application/json"> element. encoding/json
// escapes <, > and & so the data cannot end the element early.
type htmlChart struct {
	Name, Label string
	Height      int
	Data        template.JS
}

func htmlNewChart(name, label string, height int, data any) (*htmlChart, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("chart %s: %w", name, err)
	}
	return &htmlChart{Name: name, Label: label, Height: height, Data: template.JS(b)}, nil
}

func htmlBuildView(d *ReportData) (*htmlView, error) {
	v := &htmlView{
		Title:       htmlTitle(d.CityName, d.Period),
		AsOf:        htmlDate(d.AsOf),
		PrevAsOf:    htmlDate(d.PrevAsOf),
		YearAgoAsOf: htmlDate(d.YearAgoAsOf),
		ECharts:     template.JS(htmlEChartsJS),
		QuotaYear:   d.QuotaYear,
	}
	v.Summary = htmlSummary(d)
	v.DataEndNote = dataEndNote(d, htmlDate)
	v.Vintage, v.Period = d.Vintage, d.Period
	htmlBuildSections(v)
	for _, f := range d.Headline {
		v.Headline = append(v.Headline, htmlFormatFigure(f))
	}
	htmlBuildCoverage(v, d)
	htmlBuildRegions(v, d)
	htmlBuildRetention(v, d)
	htmlBuildExits(v, d)
	htmlBuildPromotions(v, d)
	htmlBuildQuota(v, d)
	htmlBuildUncovered(v, d)
	htmlBuildFreshness(v, d)
	htmlBuildQuality(v, d)
	htmlBuildOffice(v, d)
	htmlBuildFlows(v, d)
	htmlBuildRanking(v, d)
	htmlBuildProgress(v, d)
	htmlBuildSelection(v, d)
	htmlBuildSubsidies(v, d)
	return v, htmlBuildCharts(v, d)
}

// htmlBuildSections fills the titles and table heads of the sections (the
// county table of exits, whose columns depend on the data, is left to
// htmlBuildExits) and the words of the cards and totals.
func htmlBuildSections(v *htmlView) {
	v.Titles = map[string]string{"chapter_coverage": chapterCoverage, "chapter_retention": chapterRetention}
	v.Heads = map[string]template.HTML{}
	for _, s := range sections {
		v.Titles[s.key] = s.title
		if s.html != nil && s != secExitsCounty {
			v.Heads[s.key] = htmlHead(s.cols(s.html))
		}
	}
	v.Words = map[string]string{"total": wTotal, "subtotal": wSubtotal, "remote_to_developed": wRemoteToDeveloped,
		"flows_note": flowsNote, "ranking_note": rankingNote, "progress_note": progressNote, "selection_note": selectionNote}
	for _, c := range secHeadline.columns {
		v.Words[c.key] = c.name
	}
}

// htmlTitle is "太原市“一村（社区）一名研究生”工作月报 2022年7月".
func htmlTitle(city, period string) string {
	return city + "“一村（社区）一名研究生”工作月报 " + htmlPeriod(period)
}

// htmlSummary is the opening sentence, from the headline figures it names.
func htmlSummary(d *ReportData) string {
	fig := map[string]*float64{}
	for _, f := range d.Headline {
		fig[f.Key] = f.Value
	}
	villages, covered, rate, inPost := fig["villages"], fig["covered"], fig["coverage_rate"], fig["graduates_in_post"]
	if !htmlFinite(villages) || !htmlFinite(covered) || !htmlFinite(rate) {
		return ""
	}
	s := fmt.Sprintf("截至%s，全市%s个村（社区）中已有%s个有研究生在岗，覆盖率%s",
		htmlDate(d.AsOf), htmlCount(*villages), htmlCount(*covered), htmlPct(rate))
	if htmlFinite(inPost) {
		s += fmt.Sprintf("；在岗研究生%s人", htmlCount(*inPost))
	}
	return s + "。"
}

func htmlFormatFigure(f Figure) htmlFigure {
	value := func(p *float64) string {
		switch f.Kind {
		case "count":
			if !htmlFinite(p) {
				return "—"
			}
			return htmlCount(*p)
		case "rate":
			return htmlPct(p)
		default:
			return htmlRatio(p)
		}
	}
	return htmlFigure{
		Label:       f.Label,
		Value:       value(f.Value),
		Prev:        htmlChange(f.Kind, f.Value, f.Prev),
		YearAgo:     htmlChange(f.Kind, f.Value, f.YearAgo),
		PrevBase:    value(f.Prev),
		YearAgoBase: value(f.YearAgo),
	}
}

// htmlChange is the signed change from base to now: whole numbers for counts,
// percentage points with one decimal for rates, two decimals for ratios.
func htmlChange(kind string, now, base *float64) string {
	if !htmlFinite(now) || !htmlFinite(base) {
		return "—"
	}
	switch kind {
	case "count":
		return htmlSigned(htmlInt(int64(math.Round(*now)) - int64(math.Round(*base))))
	case "rate":
		return htmlSigned(htmlFixed((*now-*base)*100, 1)) + "个百分点"
	default:
		return htmlSigned(htmlFixed(*now-*base, 2))
	}
}

func htmlBuildCoverage(v *htmlView, d *ReportData) {
	row := func(c CoverageRow) htmlCoverage {
		return htmlCoverage{
			Code: c.Code, Name: htmlOr(c.Name, c.Code), Region: regionLabel(c.Region),
			Villages: htmlInt(c.Villages), Covered: htmlInt(c.Covered), Uncovered: htmlInt(c.Villages - c.Covered),
			InPost: htmlInt(c.GraduatesInPost), Rate: htmlPct(c.CoverageRate),
			Full: c.Villages > 0 && c.Covered == c.Villages,
		}
	}
	// Townships grouped by county, counties in the order of the county
	// table, then any county only the townships name, in order of appearance.
	groups := map[string]int{}
	for _, c := range d.Counties {
		v.Counties = append(v.Counties, row(c))
		groups[c.Code] = len(v.TownshipGroups)
		v.TownshipGroups = append(v.TownshipGroups, htmlTownshipGroup{County: row(c)})
	}
	for _, t := range d.Townships {
		i, ok := groups[t.County]
		if !ok {
			i = len(v.TownshipGroups)
			groups[t.County] = i
			v.TownshipGroups = append(v.TownshipGroups, htmlTownshipGroup{County: htmlCoverage{
				Code: t.County, Name: htmlOr(t.CountyName, t.County), Region: regionLabel(t.Region),
				Villages: "", Covered: "", Uncovered: "", InPost: "", Rate: "",
			}})
		}
		v.TownshipGroups[i].Townships = append(v.TownshipGroups[i].Townships, row(t))
	}
	kept := v.TownshipGroups[:0]
	for _, g := range v.TownshipGroups {
		if len(g.Townships) > 0 {
			kept = append(kept, g)
		}
	}
	v.TownshipGroups = kept
}

// htmlRegionOrder is the order of regions in tables and charts.
var htmlRegionOrder = []string{"remote", "developed", "remote_to_developed"}

func htmlBuildRegions(v *htmlView, d *ReportData) {
	for _, r := range htmlOrdered(d.Regions, htmlRegionOrder, func(r RegionRow) string { return r.Region }) {
		if r.Region == "remote_to_developed" {
			v.Regions = append(v.Regions, htmlRegion{
				Label: regionLabel(r.Region), Ratio: true,
				Villages: htmlRatio(r.Villages), Covered: htmlRatio(r.Covered), InPost: htmlRatio(r.GraduatesInPost),
				Rate: htmlRatio(r.CoverageRate), PerHundred: htmlRatio(r.PerHundred), Retention12m: htmlRatio(r.Retention12m),
			})
			continue
		}
		v.Regions = append(v.Regions, htmlRegion{
			Label:    regionLabel(r.Region),
			Villages: htmlCount(htmlDeref(r.Villages)), Covered: htmlCount(htmlDeref(r.Covered)), InPost: htmlCount(htmlDeref(r.GraduatesInPost)),
			Rate: htmlPct(r.CoverageRate), PerHundred: htmlDec1(r.PerHundred), Retention12m: htmlPct(r.Retention12m),
		})
	}
}

func htmlBuildRetention(v *htmlView, d *ReportData) {
	for _, r := range d.Retention {
		label := r.Name
		switch r.Level {
		case "city":
			label = wCity
		case "region":
			label = regionLabel(r.Code)
		}
		v.Retention = append(v.Retention, htmlRetention{
			Label: htmlOr(label, r.Code), City: r.Level == "city",
			Cohort12: htmlInt(r.Cohort12), Retained12: htmlInt(r.Retained12), Rate12: htmlPct(r.Rate12),
			Cohort24: htmlInt(r.Cohort24), Retained24: htmlInt(r.Retained24), Rate24: htmlPct(r.Rate24),
		})
	}
}

// htmlExitOrder is the order of exit reasons in tables and charts; a reason
// not listed follows in order of appearance.
var htmlExitOrder = []string{"resigned", "transferred", "civil_service", "promoted", "other", "unspecified"}

func htmlExitReason(r ExitRow) string { return htmlOr(r.Reason, "unspecified") }

func htmlBuildExits(v *htmlView, d *ReportData) {
	v.Exits, v.ExitsTotal, v.ExitsShareTotal = htmlExitRows(htmlOrdered(d.Exits, htmlExitOrder, htmlExitReason))

	// The county table: one column per reason seen at either level.
	var reasons []string
	seen := map[string]bool{}
	for _, r := range htmlOrdered(append(append([]ExitRow(nil), d.Exits...), d.ExitsCounty...), htmlExitOrder, htmlExitReason) {
		if reason := htmlExitReason(r); !seen[reason] {
			seen[reason] = true
			reasons = append(reasons, reason)
		}
	}
	col := map[string]int{}
	head := []column{secExitsCounty.column("county")}
	for i, r := range reasons {
		col[r] = i
		v.ExitReasons = append(v.ExitReasons, exitLabel(r))
		head = append(head, num(r, exitLabel(r)))
	}
	v.Heads[secExitsCounty.key] = htmlHead(append(head, secExitsCounty.column("total")))
	type county struct {
		name   string
		counts []int64
	}
	var counties []*county
	byCode := map[string]*county{}
	for _, e := range d.ExitsCounty {
		c := byCode[e.Code]
		if c == nil {
			c = &county{name: htmlOr(e.Name, e.Code), counts: make([]int64, len(reasons))}
			byCode[e.Code] = c
			counties = append(counties, c)
		}
		c.counts[col[htmlExitReason(e)]] += e.Exits
	}
	totals := make([]int64, len(reasons))
	var all int64
	for _, c := range counties {
		row := htmlExitCounty{Name: c.name}
		var sum int64
		for i, n := range c.counts {
			row.Counts = append(row.Counts, htmlInt(n))
			sum += n
			totals[i] += n
		}
		all += sum
		row.Total = htmlInt(sum)
		v.ExitCounties = append(v.ExitCounties, row)
	}
	v.ExitCountiesTotal = htmlExitCounty{Name: wTotal, Total: htmlInt(all)}
	for _, n := range totals {
		v.ExitCountiesTotal.Counts = append(v.ExitCountiesTotal.Counts, htmlInt(n))
	}
}

func htmlBuildPromotions(v *htmlView, d *ReportData) {
	for _, p := range d.Promotions {
		name := htmlOr(p.Name, p.Code)
		if p.Level == "city" {
			name = wCity
		}
		v.Promotions = append(v.Promotions, htmlPromotion{
			Name: name, City: p.Level == "city",
			Graduates: htmlInt(p.Graduates), Committee: htmlInt(p.Committee), Secretaries: htmlInt(p.Secretaries),
			TownshipLeaders: htmlInt(p.TownshipLeaders), CommitteeRate: htmlPct(p.CommitteeRate),
			SecretaryRate: htmlPct(p.SecretaryRate), Median: htmlDec1(p.MedianMonthsToCommittee),
		})
	}
}

func htmlBuildQuota(v *htmlView, d *ReportData) {
	opt := func(p *int64) string {
		if p == nil {
			return "—"
		}
		return htmlInt(*p)
	}
	for _, q := range d.Quota {
		name := htmlOr(q.Name, q.Code)
		if q.Level == "city" {
			name = wCity
		}
		usage := "—"
		if q.QuotaTotal > 0 {
			u := float64(q.PostsTotal) / float64(q.QuotaTotal)
			usage = htmlPct(&u)
		}
		v.Quota = append(v.Quota, htmlQuota{
			Name: name, City: q.Level == "city", Over: q.Unfilled < 0,
			TownshipQuota: opt(q.TownshipQuota), CountyPool: opt(q.CountyPool), QuotaTotal: htmlInt(q.QuotaTotal),
			PostsTownship: htmlInt(q.PostsTownship), PostsCountyPool: htmlInt(q.PostsCountyPool),
			PostsTotal: htmlInt(q.PostsTotal), Unfilled: htmlInt(q.Unfilled), Usage: usage,
		})
	}
}

func htmlBuildFreshness(v *htmlView, d *ReportData) {
	var stale []string
	for _, f := range d.Freshness {
		row := htmlFreshness{Code: f.County, Name: htmlOr(f.Name, f.County), Stale: f.Stale,
			LastSuccess: htmlOr(f.LastSuccess, "从未成功"), LastNewFile: htmlOr(f.LastNewFile, "—"),
			LastRecord: htmlOr(f.LastRecord, "—"), Hours: htmlDec1(f.HoursSinceSuccess)}
		v.Freshness = append(v.Freshness, row)
		if f.Stale {
			stale = append(stale, row.Name)
		}
	}
	v.AnyStale = len(stale) > 0
	switch {
	case len(d.Freshness) == 0:
		v.StaleNote = "暂无数据源记录。"
	case len(stale) == 0:
		v.StaleNote = "所有县（市、区）数据源均在时效内。"
	default:
		v.StaleNote = fmt.Sprintf("%d个县（市、区）数据源已超过时效，请督促报送：%s。", len(stale), strings.Join(stale, "、"))
	}
}

// Chart data: the values of the ReportData, unscaled (rates as fractions,
// survival by day); the page script scales them for display.
type (
	htmlCoveragePoint struct {
		Code         string   `json:"code"`
		Name         string   `json:"name"`
		Region       string   `json:"region"`
		RegionLabel  string   `json:"region_label"`
		CoverageRate *float64 `json:"coverage_rate"`
	}
	htmlRegionPoint struct {
		Region          string   `json:"region"`
		Label           string   `json:"label"`
		CoverageRate    *float64 `json:"coverage_rate"`
		PerHundred      *float64 `json:"per_100_villages"`
		Retention12m    *float64 `json:"retention_12m"`
		Villages        float64  `json:"villages"`
		Covered         float64  `json:"covered"`
		GraduatesInPost float64  `json:"graduates_in_post"`
	}
	htmlSurvivalSeries struct {
		Stratum string `json:"stratum"`
		Label   string `json:"label"`
		// Points are [day, survival, at risk].
		Points [][3]float64 `json:"points"`
	}
	htmlExitPoint struct {
		Reason string `json:"reason"`
		Label  string `json:"label"`
		Exits  int64  `json:"exits"`
		// Share is the table's, rounded by the largest remainder: the
		// pie's labels show it.
		Share string `json:"share"`
	}
	htmlQuotaPoint struct {
		Code            string `json:"code"`
		Name            string `json:"name"`
		TownshipQuota   *int64 `json:"township_quota"`
		CountyPool      *int64 `json:"county_pool"`
		QuotaTotal      int64  `json:"quota_total"`
		PostsTownship   int64  `json:"posts_township"`
		PostsCountyPool int64  `json:"posts_county_pool"`
		PostsTotal      int64  `json:"posts_total"`
	}
)

// htmlSurvivalOrder is the order (and so the colour) of the strata.
var htmlSurvivalOrder = []string{"all", "developed", "remote"}

func htmlBuildCharts(v *htmlView, d *ReportData) error {
	var errs []error
	chart := func(name, label string, height int, data any) *htmlChart {
		c, err := htmlNewChart(name, label, height, data)
		errs = append(errs, err)
		return c
	}

	var cov []htmlCoveragePoint
	for _, c := range d.Counties {
		cov = append(cov, htmlCoveragePoint{Code: c.Code, Name: htmlOr(c.Name, c.Code), Region: c.Region,
			RegionLabel: regionLabel(c.Region), CoverageRate: htmlFiniteOrNil(c.CoverageRate)})
	}
	if len(cov) > 0 {
		v.CoverageChart = chart("coverage", "各县（市、区）覆盖率条形图", max(240, 90+34*len(cov)), cov)
	}

	var reg []htmlRegionPoint
	for _, r := range htmlOrdered(d.Regions, htmlRegionOrder, func(r RegionRow) string { return r.Region }) {
		if r.Region == "remote_to_developed" {
			continue
		}
		reg = append(reg, htmlRegionPoint{Region: r.Region, Label: regionLabel(r.Region),
			CoverageRate: htmlFiniteOrNil(r.CoverageRate), PerHundred: htmlFiniteOrNil(r.PerHundred),
			Retention12m: htmlFiniteOrNil(r.Retention12m),
			Villages:     htmlDeref(r.Villages), Covered: htmlDeref(r.Covered), GraduatesInPost: htmlDeref(r.GraduatesInPost)})
	}
	if len(reg) > 0 {
		v.RegionChart = chart("regions", "偏远地区与经济发达地区对比柱状图", 340, reg)
	}

	var surv []htmlSurvivalSeries
	for _, s := range htmlOrdered(d.Survival, htmlSurvivalOrder, func(s SurvivalSeries) string { return s.Stratum }) {
		pts := make([][3]float64, 0, len(s.Points))
		for _, p := range s.Points {
			if math.IsNaN(p.Survival) || math.IsInf(p.Survival, 0) {
				continue
			}
			pts = append(pts, [3]float64{float64(p.Day), p.Survival, float64(p.AtRisk)})
		}
		if len(pts) > 0 {
			surv = append(surv, htmlSurvivalSeries{Stratum: s.Stratum, Label: stratumLabel(s.Stratum), Points: pts})
		}
	}
	if len(surv) > 0 {
		v.SurvivalChart = chart("survival", "在岗生存曲线（Kaplan–Meier）", 380, surv)
	}

	var exits []htmlExitPoint
	for i, e := range htmlOrdered(d.Exits, htmlExitOrder, htmlExitReason) {
		if e.Exits > 0 {
			exits = append(exits, htmlExitPoint{Reason: htmlExitReason(e), Label: exitLabel(htmlExitReason(e)), Exits: e.Exits,
				Share: v.Exits[i].Share})
		}
	}
	if len(exits) > 0 {
		v.ExitChart = chart("exits", "累计离岗原因构成饼图", 340, exits)
	}

	var quota []htmlQuotaPoint
	for _, q := range d.Quota {
		if q.Level == "city" {
			continue
		}
		quota = append(quota, htmlQuotaPoint{Code: q.Code, Name: htmlOr(q.Name, q.Code), TownshipQuota: q.TownshipQuota,
			CountyPool: q.CountyPool, QuotaTotal: q.QuotaTotal, PostsTownship: q.PostsTownship,
			PostsCountyPool: q.PostsCountyPool, PostsTotal: q.PostsTotal})
	}
	if len(quota) > 0 {
		v.QuotaChart = chart("quota", "各县（市、区）编制与在岗人数堆积柱状图", 380, quota)
	}
	return errors.Join(errs...)
}

// htmlOrdered returns rows in the order of the keys listed in order, then the
// others in their original order. It does not change rows.
func htmlOrdered[T any](rows []T, order []string, key func(T) string) []T {
	rank := func(k string) int {
		for i, o := range order {
			if o == k {
				return i
			}
		}
		return len(order)
	}
	out := make([]T, 0, len(rows))
	for r := 0; r <= len(order); r++ {
		for _, row := range rows {
			if rank(key(row)) == r {
				out = append(out, row)
			}
		}
	}
	return out
}

// Number and date formatting.

// htmlGroup puts thousands separators into the integer part of a decimal.
func htmlGroup(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, hasFrac := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString("." + frac)
	}
	return sign + b.String()
}

func htmlInt(n int64) string { return htmlGroup(strconv.FormatInt(n, 10)) }

// htmlCount shows a count held as a float as a whole number.
func htmlCount(f float64) string { return htmlInt(int64(math.Round(f))) }

// htmlDeref is *p, or 0 for nil (counts of the remote and developed rows are never nil).
func htmlDeref(p *float64) float64 {
	if p == nil {
		return 0
	}
	return *p
}

// htmlFixed is f with dec decimals and thousands separators, never "-0.0".
func htmlFixed(f float64, dec int) string {
	s := strconv.FormatFloat(f, 'f', dec, 64)
	if strings.Trim(s, "-0.") == "" {
		s = strings.TrimPrefix(s, "-")
	}
	return htmlGroup(s)
}

// htmlSigned puts a plus sign before a non-zero, non-negative number.
func htmlSigned(s string) string {
	if strings.HasPrefix(s, "-") || strings.Trim(s, "0.,") == "" {
		return s
	}
	return "+" + s
}

func htmlFinite(p *float64) bool { return p != nil && !math.IsNaN(*p) && !math.IsInf(*p, 0) }

func htmlFiniteOrNil(p *float64) *float64 {
	if !htmlFinite(p) {
		return nil
	}
	return p
}

// htmlPct shows a fraction as a percentage with one decimal.
func htmlPct(p *float64) string {
	if !htmlFinite(p) {
		return "—"
	}
	return htmlFixed(*p*100, 1) + "%"
}

func htmlRatio(p *float64) string {
	if !htmlFinite(p) {
		return "—"
	}
	return htmlFixed(*p, 2)
}

func htmlDec1(p *float64) string {
	if !htmlFinite(p) {
		return "—"
	}
	return htmlFixed(*p, 1)
}

func htmlOr(s, otherwise string) string {
	if s == "" {
		return otherwise
	}
	return s
}

// htmlDate shows "2022-07-31" as "2022年7月31日" (anything else as is).
func htmlDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月%d日", t.Year(), t.Month(), t.Day())
}

// htmlPeriod shows "2022-07" as "2022年7月" (anything else as is).
func htmlPeriod(s string) string {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return s
	}
	return fmt.Sprintf("%d年%d月", t.Year(), t.Month())
}
