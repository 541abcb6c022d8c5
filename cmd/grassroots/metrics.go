package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/metrics"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func (a *app) metricsCommand() *cobra.Command {
	var asOf, vintage string
	cmd := &cobra.Command{
		Use:   "metrics",
		Short: "Show the headline figures on a day (default: today in the city's time zone), with a table by county",
		Long: `metrics reads the metric macros (coverage, retention, region_balance, promotions,
quota_usage, source_freshness) from the private warehouse read-only when no
other grassroots process holds it, else from the published snapshot, at one
vintage: by default the end of the last run recorded, which it prints;
--vintage reads the warehouse as it stood at an earlier moment.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := time.Parse("2006-01-02", asOf); asOf != "" && err != nil {
				return usageError{fmt.Errorf("--as-of %q is not a date written YYYY-MM-DD", asOf)}
			}
			at, err := vintageFlag(vintage)
			if err != nil {
				return err
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			h, err := readEither(cmd.Context(), cfg, a.logger(), "metrics", func(ctx context.Context, r *warehouse.Reader) (*metrics.Headline, error) {
				var q metrics.Querier = r
				if !at.IsZero() {
					q = metrics.AtVintage(r, at)
				}
				return metrics.Read(ctx, q, asOf)
			})
			if err != nil {
				return err
			}
			if a.json {
				return printJSON(a.stdout, h)
			}
			printHeadline(a.stdout, cfg.City.Name, h)
			return nil
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", "", "the day (YYYY-MM-DD); default today in the city's time zone")
	cmd.Flags().StringVar(&vintage, "vintage", "", "read the warehouse as it stood at this moment, e.g. '2022-08-05 02:30:00.123456+00' (default: the end of the last run)")
	return cmd
}

func pct(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", *p*100)
}

func ratio(p *float64) string {
	if p == nil {
		return "–"
	}
	return fmt.Sprintf("%.2f", *p)
}

func printHeadline(w io.Writer, city string, h *metrics.Headline) {
	fmt.Fprintf(w, "%s, as of %s (vintage %s)\n\n", city, h.AsOf, orNone(h.Vintage))
	filled := "–"
	if h.QuotaTotal > 0 {
		filled = fmt.Sprintf("%.1f%%", float64(h.PostsTotal)*100/float64(h.QuotaTotal))
	}
	stale := "none"
	if len(h.StaleCounties) > 0 {
		stale = fmt.Sprint(len(h.StaleCounties), ": ", h.StaleCounties)
	}
	table(w, []string{"figure", "value"}, [][]string{
		{"villages and communities", fmt.Sprint(h.Villages)},
		{"covered (at least one graduate in post)", fmt.Sprintf("%d (%s)", h.Covered, pct(h.CoverageRate))},
		{"graduates in post", fmt.Sprint(h.InPost)},
		{"12-month retention", pct(h.Retention12m)},
		{"remote ÷ developed coverage", ratio(h.RemoteToDevCov)},
		{"committee members (两委成员)", fmt.Sprint(h.Committee)},
		{"party secretaries (党组织书记)", fmt.Sprint(h.Secretaries)},
		{"township leaders (乡镇领导班子)", fmt.Sprint(h.TownshipLeaders)},
		{fmt.Sprintf("quota %d", h.QuotaYear), fmt.Sprintf("%d township + %d county pool = %d; filled on %s: %d (%s)",
			h.QuotaTownship, h.QuotaCountyPool, h.QuotaTotal, h.AsOf, h.PostsTotal, filled)},
		{"stale counties", stale},
	})
	fmt.Fprintln(w)
	var rows [][]string
	for _, c := range h.Counties {
		st := ""
		if c.Stale {
			st = "STALE"
		}
		rows = append(rows, []string{c.Code, c.Name, c.Region, fmt.Sprint(c.Villages), fmt.Sprint(c.Covered), pct(c.CoverageRate),
			fmt.Sprint(c.InPost), pct(c.Retention12m), fmt.Sprint(c.Committee), fmt.Sprint(c.Secretaries), fmt.Sprint(c.TownshipLeaders),
			fmt.Sprintf("%d/%d", c.PostsTotal, c.QuotaTotal), st})
	}
	table(w, []string{"county", "name", "region", "villages", "covered", "rate", "in post", "retention 12m", "committee", "secretaries", "township", "quota filled", ""}, rows)
}
