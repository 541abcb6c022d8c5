package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/deliver"
	"github.com/grassroots-cn/grassroots/metrics"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func (a *app) reportCommand() *cobra.Command {
	var period, formats, vintage string
	var send, resend bool
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the monthly report (HTML, XLSX and PDF, in Chinese) for one month",
		Long: `report writes reports/YYYY-MM/report.html, report.xlsx and report.pdf for the period
(default: the month before this one, in the city's time zone), as of the
period's last day, from the metric macros. Writing a period again replaces its
files atomically. It reads the private warehouse read-only when no other
grassroots process holds it, else the published snapshot. The PDF is the HTML
printed by the system's headless Chromium: without it, asking for pdf writes
the other formats and exits 1 naming the package to install; the config's
default formats leave the PDF out, with one log line, where it is missing.

Every figure is read at one vintage, the moment whose state of the warehouse
it describes: by default the end of the last run recorded, printed in the
report (数据版本), in the workbook's properties and in --json. --vintage with
that moment writes the same figures again after counties have corrected
their records (the tables' history keeps every version).

--send mails the report, once written whole, to reports.mail's recipients
(the PDF when written, and the workbook), recording each attempt in etl_run
as a job deliver; a period mailed before is not mailed again unless
--resend. A failed delivery exits 1; the report stays written.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if period == "" {
				period = reports.LastMonth(a.clock()(), cfg.Location)
			}
			if _, _, _, err := reports.PeriodDates(period); err != nil {
				return usageError{fmt.Errorf("--period %q is not a month written YYYY-MM", period)}
			}
			if resend && !send {
				return usageError{errors.New("--resend goes with --send")}
			}
			if send && cfg.Reports.Mail == nil {
				return usageError{fmt.Errorf("--send: %s has no reports.mail (smtp, from, to) to send to", cfg.Path)}
			}
			log := a.logger()
			fs, err := reportFormats(cfg, formats, log)
			if err != nil {
				return err
			}
			at, err := vintageFlag(vintage)
			if err != nil {
				return err
			}
			files, d, err := writeReport(cmd.Context(), cfg, log, period, fs, a.clock(), at)
			if d == nil {
				return err
			}
			var warnings []string
			if d.PastData() {
				w := fmt.Sprintf("the data end on %s: the report for %s carries that day's state forward and says so", d.DataEnd, period)
				warnings = append(warnings, w)
				fmt.Fprintln(a.stderr, "grassroots: warning:", w)
			}
			// Only a report written whole is mailed: after a PDF that
			// failed, the rerun that prints it sends the complete one.
			var delivery *deliver.Result
			switch {
			case send && err == nil:
				delivery, err = sendWritten(cmd.Context(), cfg, log, d, resend)
			case send:
				err = fmt.Errorf("%w; the report was not mailed (only a report written whole is)", err)
			}
			if a.json {
				out := map[string]any{"period": period, "files": files, "data_end": d.DataEnd, "vintage": d.Vintage, "warnings": warnings}
				if delivery != nil {
					out["delivery"] = delivery
				}
				if perr := printJSON(a.stdout, out); perr != nil {
					return perr
				}
				return err
			}
			fmt.Fprintf(a.stdout, "report for %s (vintage %s):\n", period, orNone(d.Vintage))
			for _, f := range files {
				fmt.Fprintln(a.stdout, " ", f)
			}
			if delivery != nil && (delivery.Sent || !delivery.DeliveredAt.IsZero() || err == nil) {
				fmt.Fprintln(a.stdout, deliverySummary(delivery, len(cfg.Reports.Mail.To)))
			}
			return err
		},
	}
	cmd.Flags().StringVar(&period, "period", "", "the month, YYYY-MM (default: last month)")
	cmd.Flags().StringVar(&formats, "formats", "", "a comma-separated list of html, xlsx and pdf (default: reports.formats of the config)")
	cmd.Flags().BoolVar(&send, "send", false, "mail the report to reports.mail's recipients once written (not again for a period already mailed)")
	cmd.Flags().BoolVar(&resend, "resend", false, "with --send: mail it even if the period was mailed before")
	cmd.Flags().StringVar(&vintage, "vintage", "", "read the warehouse as it stood at this moment, e.g. '2022-08-05 02:30:00.123456+00' as a report prints it (default: the end of the last run)")
	return cmd
}

// reportFormats returns the formats to write: those of --formats (flag),
// else the config's. The config's default (html, xlsx and pdf) leaves out the
// PDF, with one log line saying why, where Chromium is not installed; a PDF
// asked for by name is attempted and its failure reported.
func reportFormats(cfg *config.Config, flag string, log *slog.Logger) ([]string, error) {
	if flag != "" {
		var fs []string
		for f := range strings.SplitSeq(flag, ",") {
			f = strings.TrimSpace(f)
			if f != reports.FormatHTML && f != reports.FormatXLSX && f != reports.FormatPDF {
				return nil, usageError{fmt.Errorf("--formats: %q is not html, xlsx or pdf", f)}
			}
			fs = append(fs, f)
		}
		return fs, nil
	}
	fs := cfg.Reports.Formats
	if cfg.Reports.DefaultFormats && slices.Contains(fs, reports.FormatPDF) {
		if _, err := reports.FindChromium(); err != nil {
			log.Warn("the report is written without its PDF", "reason", err.Error())
			fs = slices.DeleteFunc(slices.Clone(fs), func(f string) bool { return f == reports.FormatPDF })
		}
	}
	return fs, nil
}

// writeReport reads the period's report data (warehouse, else snapshot) and
// writes it with the clock now; it returns the files written and the data
// they show. When the PDF cannot be printed the other files are still
// written: they are returned with the data and the PDF's error.
//
// A non-zero vintage reads the warehouse as it stood at that moment.
func writeReport(ctx context.Context, cfg *config.Config, log *slog.Logger, period string, formats []string, now func() time.Time, vintage time.Time) ([]string, *reports.ReportData, error) {
	for _, f := range formats {
		if f != reports.FormatHTML && f != reports.FormatXLSX && f != reports.FormatPDF {
			return nil, nil, usageError{fmt.Errorf("--formats: %q is not html, xlsx or pdf", f)}
		}
	}
	d, err := readEither(ctx, cfg, log, "report "+period, func(ctx context.Context, r *warehouse.Reader) (*reports.ReportData, error) {
		var q metrics.Querier = r
		if !vintage.IsZero() {
			q = metrics.AtVintage(r, vintage)
		}
		return reports.Read(ctx, q, period)
	})
	if err != nil {
		return nil, nil, err
	}
	if err := reports.Decorate(d, reportOptions(cfg)); err != nil {
		return nil, nil, err
	}
	start := time.Now()
	files, err := reports.WriteWith(ctx, cfg.Reports.Out, d, formats, reports.Options{Now: now})
	if len(files) == 0 {
		return nil, nil, err
	}
	for _, f := range files {
		log.Info("report file written", "period", period, "file", f)
	}
	log.Info("report written", "period", period, "data_end", d.DataEnd, "vintage", d.Vintage, "files", len(files), "ms", time.Since(start).Milliseconds())
	return files, d, err
}

// reportOptions are the report's office, 存在问题 rules and 下步工作 from
// the configuration.
func reportOptions(cfg *config.Config) reports.DecorateOptions {
	r, p := cfg.Reports, cfg.Reports.Problems
	return reports.DecorateOptions{
		Issuer: r.Issuer, Classification: r.Classification,
		NextSteps: r.NextSteps, NextStepsDir: r.NextStepsDir,
		Problems: reports.ProblemRules{
			CoverageBelowCity: p.CoverageBelowCity, UncoveredDaysOver: p.UncoveredDaysOver,
			Retention12mBelow: p.Retention12mBelow, Stale: p.Stale, RejectsAtLeast: int64(p.RejectsAtLeast),
		},
	}
}

// vintageFlag parses a --vintage flag; "" is the zero time (the latest).
func vintageFlag(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := metrics.ParseVintage(s)
	if err != nil {
		return time.Time{}, usageError{fmt.Errorf("--vintage: %w", err)}
	}
	return t, nil
}

// orNone is s, or "none" when it is empty.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
