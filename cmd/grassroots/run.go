package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/pipeline"
)

func (a *app) runCommand() *cobra.Command {
	var counties []string
	var full bool
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Pull, normalise and load every county now (or those named), then publish the snapshot",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			res, err := a.runPipeline(cmd.Context(), cfg, counties, full)
			if res != nil {
				if a.json {
					printJSON(a.stdout, res)
				} else {
					printRun(a.stdout, res)
				}
			}
			if err != nil {
				return err
			}
			return runStatus(res)
		},
	}
	cmd.Flags().StringSliceVar(&counties, "county", nil, "load only these counties (6-digit codes; repeat or separate with commas)")
	cmd.Flags().BoolVar(&full, "full-publish", false, "rebuild the published snapshot from nothing (even when nothing is new) instead of applying the new runs to a copy of it")
	return cmd
}

// runPipeline runs the pipeline for cfg with the app's logging and progress.
// The keys are checked first, so that a bad key file stops the run before
// any file (the warehouse) is created.
func (a *app) runPipeline(ctx context.Context, cfg *config.Config, counties []string, fullPublish bool) (*pipeline.Result, error) {
	if err := checkKeys(cfg); err != nil {
		return nil, err
	}
	r := &pipeline.Runner{Config: cfg, Logger: a.logger(), Progress: a.progress(a.stderr), FullPublish: fullPublish}
	res, err := r.Run(ctx, counties)
	if errors.Is(err, pipeline.ErrUnknownCounty) {
		return nil, usageError{err}
	}
	return res, err
}

// checkKeys reads the person_key secret and the personal-data key a load
// needs; their errors (a missing file, one others may read) exit 2.
func checkKeys(cfg *config.Config) error {
	if _, err := cfg.Key(); err != nil {
		return withCode(exitUsage, err)
	}
	if _, err := cfg.PIIKey(); err != nil {
		return withCode(exitUsage, err)
	}
	return nil
}

// runStatus turns a result into the exit status (README, Commands):
// exitFailed when the village list failed or every county of the run
// failed, exitPartial when some failed and the others loaded or were
// already up to date (nothing new), else nil (exit 0).
func runStatus(res *pipeline.Result) error {
	var failed, loaded, idle int
	for _, c := range res.Counties {
		switch c.Status {
		case pipeline.StatusFailed:
			failed++
		case pipeline.StatusNoNewData:
			idle++
		default:
			loaded++
		}
	}
	n := len(res.Counties)
	switch {
	case res.Divisions.Status == pipeline.StatusFailed:
		return withCode(exitFailed, summaryError("the village list failed to load, so nothing was loaded"))
	case failed == 0:
		return nil
	case failed == n && n == 1:
		return withCode(exitFailed, summaryError("the county failed; nothing was loaded"))
	case failed == n:
		return withCode(exitFailed, summaryError("all %d counties failed; nothing was loaded", n))
	case idle == 0:
		return withCode(exitPartial, summaryError("%d of %d counties failed; the others loaded", failed, n))
	case loaded == 0:
		return withCode(exitPartial, summaryError("%d of %d counties failed; the others had nothing new", failed, n))
	default:
		return withCode(exitPartial, summaryError("%d of %d counties failed; %d loaded, %d had nothing new", failed, n, loaded, idle))
	}
}

// summaryError is the one-line reason printed after the summary.
func summaryError(format string, args ...any) error { return fmt.Errorf(format, args...) }

// printRun writes the human summary of a run: a table of counts per county,
// then what was rejected, found, refused or failed.
func printRun(w io.Writer, res *pipeline.Result) {
	var rows [][]string
	var notes []string
	add := func(c pipeline.CountyResult) {
		rows = append(rows, []string{c.Code, c.Name, c.Status, fmt.Sprint(c.Files), fmt.Sprint(c.RowsIn), fmt.Sprint(c.Loaded),
			fmt.Sprint(c.Unchanged), fmt.Sprint(c.Duplicates), fmt.Sprint(c.Rejected), fmt.Sprint(c.Findings)})
		label := c.Code
		if label == "" {
			label = "divisions"
		}
		if c.Error != "" {
			notes = append(notes, fmt.Sprintf("%s FAILED: %s", label, c.Error))
		}
		if len(c.Rejects) > 0 {
			notes = append(notes, fmt.Sprintf("%s rejected: %s", label, counts(c.Rejects)))
		}
		if len(c.FindingsBy) > 0 {
			notes = append(notes, fmt.Sprintf("%s findings: %s", label, counts(c.FindingsBy)))
		}
		if c.Unsettled > 0 {
			notes = append(notes, fmt.Sprintf("%s: %d file(s) still settling, left for the next run", label, c.Unsettled))
		}
		for _, s := range c.Skipped {
			notes = append(notes, fmt.Sprintf("%s: refused %s (%s)", label, s.URI, s.Reason))
		}
		if c.Feedback != "" {
			notes = append(notes, fmt.Sprintf("%s: feedback for the county written to %s", label, c.Feedback))
		}
	}
	add(res.Divisions)
	var tot pipeline.CountyResult
	for _, c := range res.Counties {
		add(c)
		tot.Files += c.Files
		tot.RowsIn += c.RowsIn
		tot.Loaded += c.Loaded
		tot.Unchanged += c.Unchanged
		tot.Duplicates += c.Duplicates
		tot.Rejected += c.Rejected
		tot.Findings += c.Findings
	}
	rows = append(rows, []string{"", "total", "", fmt.Sprint(tot.Files), fmt.Sprint(tot.RowsIn), fmt.Sprint(tot.Loaded),
		fmt.Sprint(tot.Unchanged), fmt.Sprint(tot.Duplicates), fmt.Sprint(tot.Rejected), fmt.Sprint(tot.Findings)})
	table(w, []string{"county", "name", "status", "new files", "rows in", "loaded", "unchanged", "duplicate", "rejected", "findings"}, rows)
	if len(notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range notes {
			fmt.Fprintln(w, n)
		}
	}
	fmt.Fprintf(w, "\nwarehouse (private, personal data): %s\n", res.Warehouse)
	if res.Publish {
		fmt.Fprintf(w, "published snapshot (no personal data): %s\n", res.Published)
		if st := res.PublishStats; st != nil {
			how := fmt.Sprintf("  %s publish, %.2fs", st.Mode, st.Seconds)
			if st.Reason != "" {
				how += " (" + st.Reason + ")"
			}
			fmt.Fprintln(w, how)
		}
	} else if res.RunsRefreshed {
		fmt.Fprintf(w, "published snapshot unchanged but for this run's pulls (etl_run): %s\n", res.Published)
	} else {
		fmt.Fprintf(w, "published snapshot unchanged: %s\n", res.Published)
	}
	fmt.Fprintf(w, "took %.1fs\n", res.Seconds)
}
