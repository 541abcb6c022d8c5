package main

import (
	"log/slog"
	"net/http"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/reports"
)

// withReportArchive adds the report archive (reports.Archive: /reports/, an
// index of every month's report in reports.out and the files themselves,
// read-only) to the status endpoint's handler, which serves every other
// path. The archive reads the folder, never the warehouse.
func withReportArchive(cfg *config.Config, status http.Handler, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(reports.ArchivePath, &reports.Archive{Dir: cfg.Reports.Out, City: cfg.City.Name, Location: cfg.Location, Logger: log})
	mux.Handle("/", status)
	return mux
}
