package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func (a *app) reportCommand() *cobra.Command {
	var period, formats string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the monthly report (HTML and XLSX, in Chinese) for one month",
		Long: `report writes reports/YYYY-MM/report.html and report.xlsx for the period (default:
the month before this one, in the city's time zone), as of the period's last
day, from the metric macros. Writing a period again replaces its files
atomically. It reads the private warehouse read-only when no other grassroots
process holds it, else the published snapshot.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if period == "" {
				period = reports.LastMonth(time.Now(), cfg.Location)
			}
			if _, _, _, err := reports.PeriodDates(period); err != nil {
				return usageError{fmt.Errorf("--period %q is not a month written YYYY-MM", period)}
			}
			fs := cfg.Reports.Formats
			if formats != "" {
				fs = strings.Split(formats, ",")
			}
			log := a.logger()
			files, d, err := writeReport(cmd.Context(), cfg, log, period, fs)
			if err != nil {
				return err
			}
			var warnings []string
			if d.PastData() {
				w := fmt.Sprintf("the data end on %s: the report for %s carries that day's state forward and says so", d.DataEnd, period)
				warnings = append(warnings, w)
				fmt.Fprintln(a.stderr, "grassroots: warning:", w)
			}
			if a.json {
				return printJSON(a.stdout, map[string]any{"period": period, "files": files, "data_end": d.DataEnd, "warnings": warnings})
			}
			fmt.Fprintf(a.stdout, "report for %s:\n", period)
			for _, f := range files {
				fmt.Fprintln(a.stdout, " ", f)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "the month, YYYY-MM (default: last month)")
	cmd.Flags().StringVar(&formats, "formats", "", "html, xlsx or html,xlsx (default: reports.formats of the config)")
	return cmd
}

// writeReport reads the period's report data (warehouse, else snapshot) and
// writes it; it returns the files written and the data they show.
func writeReport(ctx context.Context, cfg *config.Config, log *slog.Logger, period string, formats []string) ([]string, *reports.ReportData, error) {
	for _, f := range formats {
		if f != reports.FormatHTML && f != reports.FormatXLSX {
			return nil, nil, usageError{fmt.Errorf("--formats: %q is not html or xlsx", f)}
		}
	}
	d, err := readEither(ctx, cfg, log, "report "+period, func(ctx context.Context, r *warehouse.Reader) (*reports.ReportData, error) {
		return reports.Read(ctx, r, period)
	})
	if err != nil {
		return nil, nil, err
	}
	if err := reports.Decorate(d, reportOptions(cfg)); err != nil {
		return nil, nil, err
	}
	start := time.Now()
	files, err := reports.Write(ctx, cfg.Reports.Out, d, formats)
	if err != nil {
		return nil, nil, err
	}
	for _, f := range files {
		log.Info("report file written", "period", period, "file", f)
	}
	log.Info("report written", "period", period, "data_end", d.DataEnd, "files", len(files), "ms", time.Since(start).Milliseconds())
	return files, d, nil
}

// reportOptions are the report's office, 存在问题 rules and 下步工作 from
// the configuration.
func reportOptions(cfg *config.Config) reports.Options {
	r, p := cfg.Reports, cfg.Reports.Problems
	return reports.Options{
		Issuer: r.Issuer, Classification: r.Classification,
		NextSteps: r.NextSteps, NextStepsDir: r.NextStepsDir,
		Problems: reports.ProblemRules{
			CoverageBelowCity: p.CoverageBelowCity, UncoveredDaysOver: p.UncoveredDaysOver,
			Retention12mBelow: p.Retention12mBelow, Stale: p.Stale, RejectsAtLeast: int64(p.RejectsAtLeast),
		},
	}
}
