package reports

import (
	"html/template"
	"strconv"
	"strings"
)

// The report's sections: one model behind both renderers. A section has a
// title (the HTML's heading, the workbook's caption) and the columns of its
// table, each named once from the vocabulary; each renderer lists the keys
// of the columns it shows, in its order (the HTML leaves out codes, the
// workbook the derived columns).

// column is one column of a section's table.
type column struct {
	key   string
	group string // the heading over several columns ("" = none): a second header row in the HTML, "group：name" in the workbook
	name  string
	class string // the HTML cell class: "num", "c" or ""
}

// heading is the column's heading on one line: the workbook's.
func (c column) heading() string {
	if c.group == "" {
		return c.name
	}
	return c.group + "：" + c.name
}

// section is one table of the report.
type section struct {
	key     string // the HTML table's id is "table-" + key
	title   string
	sheet   string   // the workbook's sheet ("" = none)
	columns []column // every column either renderer shows
	html    []string // the keys of the HTML table's columns, in order (nil = no table)
	xlsx    []string // the keys of the workbook's columns, in order (nil = no sheet)
}

// Chapters of the HTML that hold more than one section.
const (
	chapterCoverage  = "覆盖情况"
	chapterRetention = "留任与在岗生存"
)

// Column constructors: text, a number (right-aligned in the HTML), centred.
func text(key, name string) column        { return column{key: key, name: name} }
func num(key, name string) column         { return column{key: key, name: name, class: "num"} }
func centred(key, name string) column     { return column{key: key, name: name, class: "c"} }
func under(group string, c column) column { c.group = group; return c }

// The sections, in the order of the workbook's sheets.
var (
	secHeadline = &section{key: "headline", title: "核心指标", sheet: xlsxSheetHeadline,
		columns: []column{text("figure", wFigure), num("value", wThisMonth), num("prev", wPrevMonth),
			num("change_prev", wChangePrev), num("year_ago", wYearAgo), num("change_year_ago", wChangeYearAgo)},
		xlsx: []string{"figure", "value", "prev", "change_prev", "year_ago", "change_year_ago"},
	}
	secCounties = &section{key: "counties", title: "各县（市、区）覆盖情况", sheet: xlsxSheetCounties,
		columns: []column{text("county_code", wCountyCode), text("county", wCounty), text("region", wRegion),
			num("villages", wVillages), num("covered", wCovered), num("uncovered", wUncovered),
			num("coverage_rate", wCoverageRate), num("in_post", wInPost)},
		html: []string{"county", "region", "villages", "covered", "uncovered", "coverage_rate", "in_post"},
		xlsx: []string{"county_code", "county", "region", "villages", "covered", "coverage_rate", "in_post"},
	}
	secTownships = &section{key: "townships", title: "各乡镇（街道）覆盖情况", sheet: xlsxSheetTownships,
		columns: []column{text("county_code", wCountyCode), text("county", wCounty),
			text("township_code", wTownshipCode), text("township", wTownship), text("region", wRegion),
			num("villages", wVillages), num("covered", wCovered), num("uncovered", wUncovered),
			num("coverage_rate", wCoverageRate), num("in_post", wInPost)},
		html: []string{"township", "villages", "covered", "uncovered", "coverage_rate", "in_post"},
		xlsx: []string{"county_code", "county", "township_code", "township", "region", "villages", "covered", "coverage_rate", "in_post"},
	}
	secRegions = &section{key: "regions", title: "偏远地区与经济发达地区对比", sheet: xlsxSheetRegions,
		columns: []column{text("region", wRegion), text("region_code", wRegionCode),
			num("villages", wVillages), num("covered", wCovered), num("coverage_rate", wCoverageRate),
			num("in_post", wInPost), num("per_100_villages", wPerHundred), num("retention_12m", wRetention12m)},
		html: []string{"region", "villages", "covered", "coverage_rate", "in_post", "per_100_villages", "retention_12m"},
		xlsx: []string{"region", "region_code", "villages", "covered", "coverage_rate", "in_post", "per_100_villages", "retention_12m"},
	}
	secRetention = &section{key: "retention", title: "留任情况", sheet: xlsxSheetRetention,
		columns: []column{text("level", wLevel), text("code", wCode), text("name", wName), text("scope", wScope),
			under(wAfter12, num("cohort_12", wPersons)), under(wAfter12, num("retained_12", wRetained)),
			under(wAfter12, num("rate_12", wRetentionRate)),
			under(wAfter24, num("cohort_24", wPersons)), under(wAfter24, num("retained_24", wRetained)),
			under(wAfter24, num("rate_24", wRetentionRate))},
		html: []string{"scope", "cohort_12", "retained_12", "rate_12", "cohort_24", "retained_24", "rate_24"},
		xlsx: []string{"level", "code", "name", "cohort_12", "retained_12", "rate_12", "cohort_24", "retained_24", "rate_24"},
	}
	secSurvival = &section{key: "survival", title: "在岗生存曲线", sheet: xlsxSheetSurvival,
		columns: []column{text("stratum", wStratum), num("day", wDaysInPost), num("months", wMonthsInPost),
			num("at_risk", wAtRisk), num("exited", wExited), num("censored", wCensored),
			num("survival", wSurvivalRate), num("std_err", wStdErr)},
		xlsx: []string{"stratum", "day", "months", "at_risk", "exited", "censored", "survival", "std_err"},
	}
	secExits = &section{key: "exits", title: "累计离岗原因", sheet: xlsxSheetExits,
		columns: []column{text("level", wLevel), text("code", wCode), text("name", wName),
			text("reason", wExitReason), text("reason_code", wReasonCode), num("exits", wPersons), num("share", wShare)},
		html: []string{"reason", "exits", "share"},
		xlsx: []string{"level", "code", "name", "reason", "reason_code", "exits", "share"},
	}
	// secExitsCounty's HTML table has a column per exit reason between
	// county and total.
	secExitsCounty = &section{key: "exits-county", title: "各县（市、区）累计离岗原因",
		columns: []column{text("county", wCounty), num("total", wTotal)},
		html:    []string{"county", "total"},
	}
	secPromotions = &section{key: "promotions", title: "进入“两委”班子和领导班子情况", sheet: xlsxSheetPromotions,
		columns: []column{text("level", wLevel), text("code", wCode), text("name", wName), text("county", wCounty),
			num("graduates", wGraduates), num("committee_members", wCommittee), num("party_secretaries", wSecretaries),
			num("township_leaders", wTownshipLeaders), num("committee_rate", wCommitteeRate),
			num("secretary_rate", wSecretaryRate), num("median_months_to_committee", wMonthsToCommittee)},
		html: []string{"county", "graduates", "committee_members", "party_secretaries", "township_leaders",
			"committee_rate", "secretary_rate", "median_months_to_committee"},
		xlsx: []string{"level", "code", "name", "graduates", "committee_members", "party_secretaries", "township_leaders",
			"committee_rate", "secretary_rate", "median_months_to_committee"},
	}
	secQuota = &section{key: "quota", title: "编制使用", sheet: xlsxSheetQuota,
		columns: []column{text("level", wLevel), text("code", wCode), text("name", wName), text("county", wCounty),
			under(wQuota, num("township_quota", wTownshipQuota)), under(wQuota, num("county_pool", wCountyPool)),
			under(wQuota, num("quota_total", wTotal)),
			under(wPosts, num("posts_township", wTownshipQuota)), under(wPosts, num("posts_county_pool", wCountyPool)),
			under(wPosts, num("posts_total", wTotal)),
			num("unfilled", wUnfilled), num("usage", wUsage)},
		html: []string{"county", "township_quota", "county_pool", "quota_total", "posts_township", "posts_county_pool",
			"posts_total", "unfilled", "usage"},
		xlsx: []string{"level", "code", "name", "township_quota", "county_pool", "quota_total", "posts_township",
			"posts_county_pool", "posts_total", "unfilled", "usage"},
	}
	secUncovered = &section{key: "uncovered", title: "待补充村（社区）名单", sheet: xlsxSheetUncovered,
		columns: []column{num("no", wNo), text("village", wVillage), text("village_code", wVillageCode),
			text("township", wTownship), text("county", wCounty), text("region", wRegion),
			num("uncovered_days", wVacantDays), centred("vacancy_reported", wVacancyReported),
			centred("reported_on", wReportedOn)},
		html: []string{"no", "village", "village_code", "township", "region", "uncovered_days", "reported_on"},
		xlsx: []string{"village_code", "village", "township", "county", "region", "uncovered_days", "vacancy_reported", "reported_on"},
	}
	secFreshness = &section{key: "freshness", title: "数据源时效", sheet: xlsxSheetFreshness,
		columns: []column{text("county_code", wCountyCode), text("county", wCounty),
			text("last_success", wLastSuccess), text("last_new_file", wLastNewFile), text("last_record", wLastRecord),
			num("hours_since_success", wHoursSinceSuccess), centred("state", wState), text("stale", wFollowUp)},
		html: []string{"county", "last_success", "last_new_file", "last_record", "hours_since_success", "state"},
		xlsx: []string{"county_code", "county", "last_success", "last_new_file", "last_record", "hours_since_success", "stale"},
	}
	// The workbook shows rejects and findings on one sheet; the HTML in two
	// tables.
	secQuality = &section{key: "quality", title: "数据质量", sheet: xlsxSheetQuality,
		columns: []column{text("county_code", wCountyCode), text("county", wCounty), text("kind", wKind),
			text("reason_or_finding", wReasonOrFinding), text("code", wCode),
			centred("severity", wSeverity), num("rows", wRows)},
		xlsx: []string{"county_code", "county", "kind", "reason_or_finding", "code", "severity", "rows"},
	}
	// The HTML's appendix: one row per county, its main reasons; the
	// workbook's sheet 数据质量 lists every reason.
	secQualityCounties = &section{key: "quality-counties", title: "各县（市、区）数据质量概况",
		columns: []column{text("county", wCounty), num("rejects", wRejects+"（条）"), num("findings", wFindings+"（条）"),
			text("main_reasons", wMainReasons)},
		html: []string{"county", "rejects", "findings", "main_reasons"},
	}
)

// The sections of the month's postings, the ranking, the road to full
// coverage, the selection rounds, the subsidy, 存在问题 and 下步工作.
var (
	secFlows = &section{key: "flows", title: "本月新增与离岗", sheet: xlsxSheetFlows,
		columns: []column{text("level", wLevel), text("code", wCode), text("county", wCounty),
			num("in_post_start", wInPostStart), num("started", wStarted), num("ended", wEnded),
			num("net_change", wNetChange), num("in_post_end", wInPostEnd)},
		html: []string{"county", "in_post_start", "started", "ended", "net_change", "in_post_end"},
		xlsx: []string{"level", "code", "county", "in_post_start", "started", "ended", "net_change", "in_post_end"},
	}
	secMonthExits = &section{key: "month-exits", title: "本月离岗原因", sheet: xlsxSheetMonthExits,
		columns: []column{text("reason", wExitReason), text("reason_code", wReasonCode), num("exits", wPersons), num("share", wShare)},
		html:    []string{"reason", "exits", "share"},
		xlsx:    []string{"reason", "reason_code", "exits", "share"},
	}
	secRanking = &section{key: "ranking", title: "各县（市、区）排名", sheet: xlsxSheetRanking,
		columns: []column{num("rank", wRank), text("county_code", wCountyCode), text("county", wCounty), text("region", wRegion),
			num("coverage_rate", wCoverageRate), num("prev_coverage_rate", wPrevCoverageRate),
			num("change_points", wChangePoints), num("net_change", wNetChange)},
		html: []string{"rank", "county", "region", "coverage_rate", "prev_coverage_rate", "change_points", "net_change"},
		xlsx: []string{"rank", "county_code", "county", "region", "coverage_rate", "prev_coverage_rate", "change_points", "net_change"},
	}
	secProgress = &section{key: "progress", title: "全覆盖进度", sheet: xlsxSheetProgress,
		columns: []column{text("level", wLevel), text("code", wCode), text("county", wCounty),
			num("villages", wVillages), num("uncovered", wUncovered), num("max_uncovered_days", wMaxUncoveredDays),
			num("uncovered_over_90", wUncoveredOver90), num("vacancies_registered", wVacanciesRegistered),
			num("vacancies_filled", wVacanciesFilled), num("started_this_year_in_post", wStartedThisYearInPost)},
		html: []string{"county", "villages", "uncovered", "max_uncovered_days", "uncovered_over_90",
			"vacancies_registered", "vacancies_filled", "started_this_year_in_post"},
		xlsx: []string{"level", "code", "county", "villages", "uncovered", "max_uncovered_days", "uncovered_over_90",
			"vacancies_registered", "vacancies_filled", "started_this_year_in_post"},
	}
	secSelection = &section{key: "selection", title: "两轮选岗", sheet: xlsxSheetSelection,
		columns: []column{text("level", wLevel), text("code", wCode), text("county", wCounty),
			num("direct", wDirect), num("county_round", wCountyRound), num("city_round", wCityRound), num("total", wTotal)},
		html: []string{"county", "direct", "county_round", "city_round", "total"},
		xlsx: []string{"level", "code", "county", "direct", "county_round", "city_round", "total"},
	}
	secSubsidies = &section{key: "subsidies", title: "人才补贴", sheet: xlsxSheetSubsidies,
		columns: []column{text("level", wLevel), text("code", wCode), text("county", wCounty),
			num("paid_this_year", wPaidThisYear), num("paid_to_date", wPaidToDate), num("persons", wPaidPersons),
			num("per_person", wPerPerson), num("at_or_over_ceiling", wAtOrOverCeiling),
			num("max_share_of_ceiling", wMaxShareOfCeiling)},
		html: []string{"county", "paid_this_year", "paid_to_date", "persons", "per_person", "at_or_over_ceiling", "max_share_of_ceiling"},
		xlsx: []string{"level", "code", "county", "paid_this_year", "paid_to_date", "persons", "per_person",
			"at_or_over_ceiling", "max_share_of_ceiling"},
	}
	// The HTML shows 存在问题 and 下步工作 as numbered sentences and
	// paragraphs, the workbook as rows.
	secProblems = &section{key: "problems", title: "存在问题", sheet: xlsxSheetProblems,
		columns: []column{num("no", wNo), text("county", wCounty), text("problem", wProblem)},
		xlsx:    []string{"no", "county", "problem"},
	}
	secNextSteps = &section{key: "next-steps", title: "下步工作", sheet: xlsxSheetNextSteps,
		columns: []column{num("no", wNo), text("paragraph", wParagraph)},
		xlsx:    []string{"no", "paragraph"},
	}
)

// sections are all the sections, in the order of the workbook's sheets
// (the HTML's sections without a sheet follow).
var sections = []*section{secHeadline, secProblems, secFlows, secMonthExits, secRanking,
	secCounties, secTownships, secProgress, secRegions, secRetention, secSurvival,
	secExits, secPromotions, secSelection, secQuota, secSubsidies, secUncovered, secFreshness, secQuality,
	secNextSteps, secExitsCounty, secQualityCounties}

// column returns the section's column of key; a key the section lacks is a
// mistake in this file, caught by the tests.
func (s *section) column(key string) column {
	for _, c := range s.columns {
		if c.key == key {
			return c
		}
	}
	panic("reports: section " + s.key + " has no column " + key)
}

// cols returns the section's columns of keys, in order.
func (s *section) cols(keys []string) []column {
	out := make([]column, len(keys))
	for i, k := range keys {
		out[i] = s.column(k)
	}
	return out
}

// xlsxHeader is the header row of the section's sheet.
func (s *section) xlsxHeader() []string {
	var h []string
	for _, c := range s.cols(s.xlsx) {
		h = append(h, c.heading())
	}
	return h
}

// xlsxCol is the column (from 1) of key on the section's sheet, 0 if none.
func (s *section) xlsxCol(key string) int {
	for i, k := range s.xlsx {
		if k == key {
			return i + 1
		}
	}
	return 0
}

// htmlHead is the <thead> of the section's HTML table: one row, or two
// when columns are grouped (a group's heading spans its columns, the other
// headings span both rows).
func htmlHead(cols []column) template.HTML {
	th := func(c column, name, attrs string) string {
		if c.class != "" {
			attrs = ` class="` + c.class + `"` + attrs
		}
		return "<th" + attrs + ">" + template.HTMLEscapeString(name) + "</th>"
	}
	grouped := false
	for _, c := range cols {
		grouped = grouped || c.group != ""
	}
	var b strings.Builder
	if !grouped {
		b.WriteString("<thead><tr>")
		for _, c := range cols {
			b.WriteString(th(c, c.name, ""))
		}
		b.WriteString("</tr></thead>")
		return template.HTML(b.String())
	}
	var second strings.Builder
	b.WriteString("<thead>\n<tr>")
	for i := 0; i < len(cols); i++ {
		c := cols[i]
		if c.group == "" {
			b.WriteString(th(c, c.name, ` rowspan="2"`))
			continue
		}
		n := 0
		for ; i+n < len(cols) && cols[i+n].group == c.group; n++ {
			second.WriteString(th(cols[i+n], cols[i+n].name, ""))
		}
		i += n - 1
		b.WriteString(th(column{class: "c"}, c.group, ` colspan="`+strconv.Itoa(n)+`"`))
	}
	b.WriteString("</tr>\n<tr>" + second.String() + "</tr>\n</thead>")
	return template.HTML(b.String())
}
