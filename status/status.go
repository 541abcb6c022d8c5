// Package status reads what `grassroots status` and the daemon's status
// endpoint show of every county's feed: its latest run, its freshness, the
// files loaded and the rejects and findings so far.
//
// Freshness (last success, last new file, hours since success, stale) is
// read from the source_freshness() macro, the one definition of a stale
// feed (see docs/warehouse.md): a county is stale when it never had a
// successful pull or had none for longer than the stale_after_hours of
// etl_setting (written from the configuration's stale_after on every run;
// 72 hours when absent).
//
// It is a package of its own, apart from metrics, because it reads the run
// bookkeeping through the warehouse (warehouse.Run), while metrics must not
// link DuckDB: the report's renderers import it.
package status

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/feedback"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// CountyStatus is the state of one county's feed.
type CountyStatus struct {
	Code              string           `json:"county_code"`
	Name              string           `json:"county_name"`
	Region            string           `json:"region"`
	LastRun           *warehouse.Run   `json:"last_run,omitempty"`
	LastSuccess       *time.Time       `json:"last_success,omitempty"`
	LastNewFile       *time.Time       `json:"last_new_file,omitempty"`
	HoursSinceSuccess *float64         `json:"hours_since_success,omitempty"`
	Stale             bool             `json:"stale"`
	Files             int64            `json:"files_loaded"`
	Rejects           map[string]int64 `json:"rejects_by_reason"`
	Findings          map[string]int64 `json:"findings_by_code"`
	// Feedback is the county's latest feedback workbook (AddFeedback).
	Feedback *FeedbackFile `json:"latest_feedback,omitempty"`
}

// FeedbackFile is a feedback workbook (问题清单) written for a county.
type FeedbackFile struct {
	Path     string    `json:"path"`
	Modified time.Time `json:"modified"`
}

// Status is what `grassroots status` shows.
type Status struct {
	File     string          `json:"file"`
	Counties []CountyStatus  `json:"counties"`
	Recent   []warehouse.Run `json:"recent_runs"`
}

// recentRuns is how many of the latest runs Status lists.
const recentRuns = 20

// qFreshness lists every county with its freshness.
const qFreshness = `SELECT c.county_code, c.county_name, c.region, f.last_success, f.last_new_file, f.hours_since_success, f.stale
	FROM dim_county c JOIN source_freshness() f ON f.county_code = c.county_code
	ORDER BY c.county_code`

// Read reads runs, rejects, findings and freshness from r (a warehouse or
// published snapshot).
func Read(ctx context.Context, r *warehouse.Reader) (*Status, error) {
	st := &Status{File: r.Path()}
	err := r.Each(ctx, qFreshness, nil, func(row warehouse.Row) error {
		var c CountyStatus
		if err := row.Scan(&c.Code, &c.Name, &c.Region, &c.LastSuccess, &c.LastNewFile, &c.HoursSinceSuccess, &c.Stale); err != nil {
			return err
		}
		c.Rejects, c.Findings = map[string]int64{}, map[string]int64{}
		st.Counties = append(st.Counties, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	byCode := map[string]*CountyStatus{}
	for i := range st.Counties {
		byCode[st.Counties[i].Code] = &st.Counties[i]
	}
	last, err := r.LastRuns(ctx)
	if err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	for _, x := range last {
		if c := byCode[x.County]; c != nil {
			c.LastRun = &x
		}
	}
	if st.Recent, err = r.RecentRuns(ctx, recentRuns); err != nil {
		return nil, fmt.Errorf("status: %w", err)
	}
	// Files loaded, rejects by reason and findings by code, per county, over all runs.
	for _, q := range []struct {
		sql string
		add func(c *CountyStatus, key string, n int64)
	}{
		{"SELECT county_code, '', count(*) FROM etl_file WHERE county_code IS NOT NULL GROUP BY county_code",
			func(c *CountyStatus, _ string, n int64) { c.Files = n }},
		{"SELECT county_code, reason, count(*) FROM etl_reject WHERE county_code IS NOT NULL GROUP BY ALL",
			func(c *CountyStatus, key string, n int64) { c.Rejects[key] = n }},
		{"SELECT county_code, code, count(*) FROM etl_finding WHERE county_code IS NOT NULL GROUP BY ALL",
			func(c *CountyStatus, key string, n int64) { c.Findings[key] = n }},
	} {
		err := r.Each(ctx, q.sql, nil, func(row warehouse.Row) error {
			var county, key string
			var n int64
			if err := row.Scan(&county, &key, &n); err != nil {
				return err
			}
			if c := byCode[county]; c != nil {
				q.add(c, key, n)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("status: %w", err)
		}
	}
	return st, nil
}

// AddFeedback sets each county's latest feedback workbook, looked up in the
// county's feedback folder (feedback.Dir): the files, not the warehouse,
// say what was sent to the county. A county of the warehouse that the
// configuration no longer has is left without.
func AddFeedback(st *Status, cfg *config.Config) error {
	for i := range st.Counties {
		c := &st.Counties[i]
		cc, ok := cfg.County(c.Code)
		if !ok {
			continue
		}
		path, ok, err := feedback.Latest(feedback.Dir(cfg, *cc), c.Code)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		if !ok {
			continue
		}
		info, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("status: %w", err)
		}
		c.Feedback = &FeedbackFile{Path: path, Modified: info.ModTime()}
	}
	return nil
}
