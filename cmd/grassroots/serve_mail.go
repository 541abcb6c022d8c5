package main

import (
	"context"
	"log/slog"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/deliver"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// serveMail mails the report the daemon's report job has just written,
// when reports.mail is configured. A failed delivery does not fail the
// report job: each attempt is an etl_run row of job deliver and is logged.
func serveMail(ctx context.Context, cfg *config.Config, w *warehouse.Warehouse, log *slog.Logger, times *runTimes, d *reports.ReportData) {
	if cfg.Reports.Mail == nil || d == nil {
		return
	}
	res, err := mailReport(ctx, cfg, w, log, d, false)
	if res != nil {
		for _, id := range res.RunIDs {
			times.wrote("report", deliver.Job, "", id)
		}
	}
	if err != nil {
		log.Error("the report is written but not mailed", "period", d.Period, "error", err.Error())
	}
}
