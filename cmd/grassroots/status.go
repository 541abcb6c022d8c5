package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/status"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func (a *app) statusCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "status",
		Short: "Show runs, rejects, findings and the freshness of every county",
		Long: `status reads the private warehouse read-only when no other grassroots process
holds it, else the published snapshot (which is as of the last publish).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			st, err := readEither(cmd.Context(), cfg, a.logger(), "status", status.Read)
			if err != nil {
				return err
			}
			if err := status.AddFeedback(st, cfg); err != nil {
				return err
			}
			if a.json {
				return printJSON(a.stdout, st)
			}
			printStatus(a.stdout, st, cfg.Location)
			return nil
		},
	}
}

func printStatus(w io.Writer, st *status.Status, loc *time.Location) {
	fmt.Fprintf(w, "from %s\n\n", st.File)
	var rows [][]string
	var notes []string
	for _, c := range st.Counties {
		last, success, age := "never", "never", ""
		if c.LastRun != nil {
			last = fmt.Sprintf("%s %s (run %d)", c.LastRun.Status, c.LastRun.Finished.In(loc).Format("2006-01-02 15:04"), c.LastRun.RunID)
		}
		if c.LastSuccess != nil {
			success = c.LastSuccess.In(loc).Format("2006-01-02 15:04")
		}
		if c.HoursSinceSuccess != nil {
			age = fmt.Sprintf("%.1fh", *c.HoursSinceSuccess)
		}
		stale := ""
		if c.Stale {
			stale = "STALE"
		}
		rows = append(rows, []string{c.Code, c.Name, c.Region, last, success, age, stale, fmt.Sprint(c.Files), fmt.Sprint(sum(c.Rejects)), fmt.Sprint(sum(c.Findings))})
		if c.LastRun != nil && c.LastRun.Error != "" {
			notes = append(notes, fmt.Sprintf("%s last run failed: %s", c.Code, c.LastRun.Error))
		}
		if len(c.Rejects) > 0 {
			notes = append(notes, fmt.Sprintf("%s rejects: %s", c.Code, counts(c.Rejects)))
		}
		if len(c.Findings) > 0 {
			notes = append(notes, fmt.Sprintf("%s findings: %s", c.Code, counts(c.Findings)))
		}
	}
	table(w, []string{"county", "name", "region", "last run", "last success", "age", "", "files", "rejects", "findings"}, rows)
	if len(notes) > 0 {
		fmt.Fprintln(w, "\nall runs so far:")
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	var fb [][]string
	for _, c := range st.Counties {
		if c.Feedback != nil {
			fb = append(fb, []string{c.Code, c.Name, c.Feedback.Modified.In(loc).Format("2006-01-02 15:04"), c.Feedback.Path})
		}
	}
	if len(fb) > 0 {
		fmt.Fprintln(w, "\nlatest feedback workbook per county (问题清单):")
		table(w, []string{"county", "name", "written", "file"}, fb)
	}
	fmt.Fprintln(w, "\nrecent runs:")
	rows = nil
	for _, r := range st.Recent {
		rows = append(rows, []string{fmt.Sprint(r.RunID), r.Job, r.County, r.Status, r.Finished.In(loc).Format("2006-01-02 15:04:05"),
			fmt.Sprint(r.RowsIn), fmt.Sprint(r.Loaded), fmt.Sprint(r.Unchanged), fmt.Sprint(r.Duplicates), fmt.Sprint(r.Rejected), r.Error})
	}
	table(w, []string{"run", "job", "county", "status", "finished", "in", "loaded", "unchanged", "dup", "rejected", "error"}, rows)
}

func sum(m map[string]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}

// errNothingLoaded is what a reading command says, exiting 1, before the
// first run has created the warehouse or the published snapshot.
var errNothingLoaded = errors.New("nothing loaded yet: run grassroots run first")

// readerOptions are the configured duckdb.memory_limit (the loads' one) and
// duckdb.threads of a reading command, not DuckDB's defaults (80% of memory,
// every core).
func readerOptions(cfg *config.Config, log *slog.Logger) warehouse.Options {
	return warehouse.Options{MemoryLimit: cfg.DuckDB.LoadMemoryLimit(), Threads: cfg.DuckDB.Threads, Logger: log}
}

// readEither reads with read from the private warehouse, read-only, when no
// other grassroots process holds it, else from the published snapshot (as
// of the last publish).
func readEither[T any](ctx context.Context, cfg *config.Config, log *slog.Logger, what string, read func(context.Context, *warehouse.Reader) (T, error)) (T, error) {
	var zero T
	start := time.Now()
	r, err := warehouse.OpenEither(ctx, cfg.Warehouse, cfg.Published, readerOptions(cfg, log))
	if errors.Is(err, warehouse.ErrNothingLoaded) {
		log.Info("nothing to read", "warehouse", cfg.Warehouse, "published", cfg.Published)
		return zero, withCode(exitFailed, errNothingLoaded)
	}
	if err != nil {
		return zero, err
	}
	defer r.Close()
	kind := "warehouse"
	if r.Path() != cfg.Warehouse {
		kind = "published snapshot (the warehouse is held by another process)"
	}
	var memoryLimit string
	var threads int64
	if err := r.Scan(ctx, "SELECT current_setting('memory_limit'), current_setting('threads')", nil, &memoryLimit, &threads); err != nil {
		return zero, fmt.Errorf("%s: read the DuckDB settings: %w", what, err)
	}
	log.Info("opened read-only", "file", r.Path(), "kind", kind, "memory_limit", memoryLimit, "threads", threads,
		"ms", time.Since(start).Milliseconds())
	start = time.Now()
	v, err := read(ctx, r)
	if err != nil {
		return zero, err
	}
	log.Info("read", "what", what, "ms", time.Since(start).Milliseconds())
	return v, nil
}
