package reports

import (
	"time"
)

// The sections of issue 16, each from one macro (docs/warehouse.md) and as
// of the period: the month's postings and exits, the county ranking, the
// road to full coverage, the placement rounds and the talent subsidy.

// firstDay is the first day of asOf's month.
func firstDay(asOf time.Time) time.Time {
	return time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, asOf.Location())
}

// flowReasons are the end_reason codes of flows()' ended_* columns, in
// column order.
var flowReasons = []string{"resigned", "transferred", "civil_service", "promoted", "other", "unspecified"}

// readFlows reads the month's postings started and ended, city first, then
// counties (flows).
func readFlows(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), in_post_start, started, ended,
		ended_resigned, ended_transferred, ended_civil_service, ended_promoted, ended_other, ended_unspecified,
		net_change, in_post_end
	FROM flows(?::DATE, ?::DATE, vintage := @vintage)`, []any{firstDay(asOf), asOf}, func(rows Row) error {
		var x FlowRow
		by := make([]int64, len(flowReasons))
		if err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.InPostStart, &x.Started, &x.Ended,
			&by[0], &by[1], &by[2], &by[3], &by[4], &by[5], &x.NetChange, &x.InPostEnd); err != nil {
			return err
		}
		x.EndedBy = map[string]int64{}
		for i, n := range by {
			if n != 0 {
				x.EndedBy[flowReasons[i]] = n
			}
		}
		d.Flows = append(d.Flows, x)
		return nil
	})
}

// readMonthExits reads the persons who left the programme in the month, by
// reason, for the city (exits_between).
func readMonthExits(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT code, coalesce(name, ''), end_reason, exits FROM exits_between(?::DATE, ?::DATE, vintage := @vintage) WHERE level = 'city'`,
		[]any{firstDay(asOf), asOf}, func(rows Row) error {
			var x ExitRow
			err := rows.Scan(&x.Code, &x.Name, &x.Reason, &x.Exits)
			d.MonthExits = append(d.MonthExits, x)
			return err
		})
}

// readRanking reads the counties ranked by coverage on the period's last
// day, against the previous month's (coverage_ranking).
func readRanking(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT rank, code, coalesce(name, ''), coalesce(region, ''), coverage_rate, prev_coverage_rate, change_points, net_change
	FROM coverage_ranking(?::DATE, ?::DATE, vintage := @vintage)`, []any{asOf, firstDay(asOf).AddDate(0, 0, -1)}, func(rows Row) error {
		var x RankRow
		err := rows.Scan(&x.Rank, &x.Code, &x.Name, &x.Region, &x.CoverageRate, &x.PrevCoverageRate, &x.ChangePoints, &x.NetChange)
		d.Ranking = append(d.Ranking, x)
		return err
	})
}

// readProgress reads the road to full coverage, city first, then counties
// (coverage_progress).
func readProgress(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), villages, uncovered, max_uncovered_days, uncovered_over_90_days,
		vacancies_registered, vacancies_filled, started_this_year_in_post
	FROM coverage_progress(?::DATE, vintage := @vintage)`, []any{asOf}, func(rows Row) error {
		var x ProgressRow
		err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.Villages, &x.Uncovered, &x.MaxUncoveredDays, &x.UncoveredOver90,
			&x.VacanciesRegistered, &x.VacanciesFilled, &x.StartedThisYearInPost)
		d.Progress = append(d.Progress, x)
		return err
	})
}

// readSelection reads the graduates in post by placement round, city first,
// then counties (selection). Total counts every graduate in post, those
// whose round is not recorded included.
func readSelection(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), direct, county_round, city_round, total FROM selection(?::DATE, vintage := @vintage)`,
		[]any{asOf}, func(rows Row) error {
			var x SelectionRow
			err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.Direct, &x.CountyRound, &x.CityRound, &x.Total)
			d.Selection = append(d.Selection, x)
			return err
		})
}

// readSubsidies reads the talent subsidy paid up to the period's last day,
// city first, then counties (subsidy_usage).
func readSubsidies(r *reportReader, d *ReportData, asOf time.Time) {
	r.each(`SELECT level, code, coalesce(name, ''), paid_this_year, paid_to_date, persons, per_person,
		at_or_over_ceiling, max_share_of_ceiling
	FROM subsidy_usage(?::DATE, vintage := @vintage)`, []any{asOf}, func(rows Row) error {
		var x SubsidyRow
		err := rows.Scan(&x.Level, &x.Code, &x.Name, &x.PaidThisYear, &x.PaidToDate, &x.Persons, &x.PerPerson,
			&x.AtOrOverCeiling, &x.MaxShareOfCeiling)
		d.Subsidies = append(d.Subsidies, x)
		return err
	})
}
