package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/deliver"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// deliverOptions are the retries of a delivery (the package's defaults:
// four attempts, waits of 1, 2 and 4 minutes); tests shorten the waits.
var deliverOptions deliver.Options

// mailReport mails the period's report just written (d), recording each
// attempt in the warehouse w; resend mails a period delivered before.
func mailReport(ctx context.Context, cfg *config.Config, w deliver.Recorder, log *slog.Logger, d *reports.ReportData, resend bool) (*deliver.Result, error) {
	o := deliverOptions
	o.Resend, o.Log = resend, log
	return deliver.Send(ctx, cfg.Reports.Mail, deliver.Report{City: cfg.City.Name, Out: cfg.Reports.Out, Data: d}, w, o)
}

// sendWritten is report --send: it opens the private warehouse to record
// the attempts (the daemon, which holds it, mails its own reports) and
// mails the report of d.
func sendWritten(ctx context.Context, cfg *config.Config, log *slog.Logger, d *reports.ReportData, resend bool) (*deliver.Result, error) {
	if _, err := os.Stat(cfg.Warehouse); errors.Is(err, fs.ErrNotExist) {
		return nil, withCode(exitFailed, errNothingLoaded)
	}
	w, err := warehouse.Open(ctx, cfg.Warehouse, warehouse.Options{MemoryLimit: cfg.DuckDB.LoadMemoryLimit(), Threads: cfg.DuckDB.Threads, Logger: log})
	if errors.Is(err, warehouse.ErrLocked) {
		return nil, fmt.Errorf("the report is written but not mailed: %w; serve mails the reports it writes when reports.mail is configured, or stop it to send now", err)
	}
	if err != nil {
		return nil, fmt.Errorf("the report is written but not mailed: %w", err)
	}
	res, err := mailReport(ctx, cfg, w, log, d, resend)
	if cerr := w.Close(); cerr != nil {
		err = errors.Join(err, cerr)
	}
	return res, err
}

// deliverySummary is the line report --send prints.
func deliverySummary(res *deliver.Result, recipients int) string {
	switch {
	case res == nil:
		return ""
	case res.Sent:
		return fmt.Sprintf("mailed to %d recipient(s) (attempt %d, message %s)", recipients, res.Attempts, res.MessageID)
	case !res.DeliveredAt.IsZero():
		return fmt.Sprintf("already mailed on %s; --resend mails it again", res.DeliveredAt.Local().Format("2006-01-02 15:04:05 -07:00"))
	default:
		return "already mailed; --resend mails it again"
	}
}
