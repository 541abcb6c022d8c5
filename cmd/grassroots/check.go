package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/pipeline"
)

// checkResult is what `check` found for one source.
type checkResult struct {
	County    string           `json:"county_code"`
	Name      string           `json:"county_name"`
	Kind      string           `json:"kind"`
	Where     string           `json:"where"`
	OK        bool             `json:"ok"`
	Files     []checkFile      `json:"files"`
	Unsettled int              `json:"files_unsettled"`
	Refused   []ingest.Skipped `json:"files_refused,omitempty"`
	Error     string           `json:"error,omitempty"`
}

type checkFile struct {
	URI        string `json:"uri"`
	Format     string `json:"format,omitempty"`
	Bytes      int64  `json:"bytes"`
	RecordType string `json:"record_type,omitempty"`
	Status     int    `json:"http_status,omitempty"`
	Detail     string `json:"detail,omitempty"`
}

func (a *app) checkCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Validate the configuration and reach every source without loading anything",
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			var problems []string
			if _, err := cfg.Key(); err != nil {
				problems = append(problems, err.Error())
			}
			// run refuses to load without the personal-data key: check it too.
			if _, err := cfg.PIIKey(); err != nil {
				problems = append(problems, err.Error())
			}
			var results []checkResult
			div := checkSource(cmd, "", "村社区名录 divisions", pipeline.DivisionsSource(cfg))
			if div.OK && len(div.Files) == 0 {
				div.OK, div.Error = false, "the divisions file is missing: "+cfg.Divisions.Path
			}
			results = append(results, div)
			for _, c := range cfg.Counties {
				if c.Source.Kind == config.KindHTTP {
					results = append(results, checkHTTP(cmd, &c))
					continue
				}
				results = append(results, checkSource(cmd, c.Code, c.Name, pipeline.CountySource(&c)))
			}
			bad := 0
			for _, r := range results {
				if !r.OK {
					bad++
				}
			}
			if a.json {
				printJSON(a.stdout, map[string]any{"config": cfg.Path, "problems": problems, "sources": results})
			} else {
				fmt.Fprintf(a.stdout, "config %s is valid\n", cfg.Path)
				for _, p := range problems {
					fmt.Fprintln(a.stdout, "problem:", p)
				}
				var rows [][]string
				for _, r := range results {
					state := "ok"
					if !r.OK {
						state = "FAILED: " + r.Error
					}
					rows = append(rows, []string{r.County, r.Name, r.Kind, r.Where, fmt.Sprint(len(r.Files)), fmt.Sprint(r.Unsettled), fmt.Sprint(len(r.Refused)), state})
				}
				table(a.stdout, []string{"county", "name", "kind", "where", "files", "settling", "refused", "state"}, rows)
				printRefused(a.stdout, results)
			}
			switch {
			case bad == len(results) || len(problems) > 0:
				return withCode(exitFailed, fmt.Errorf("%d of %d sources could not be reached", bad, len(results)))
			case bad > 0:
				return withCode(exitPartial, fmt.Errorf("%d of %d sources could not be reached", bad, len(results)))
			}
			return nil
		},
	}
}

func checkSource(cmd *cobra.Command, code, name string, src *ingest.FolderSource) checkResult {
	r := checkResult{County: code, Name: name, Kind: "dir", Where: src.Path}
	if _, err := os.Stat(src.Path); err != nil {
		r.Error = err.Error()
		return r
	}
	files, refused, unsettled, err := src.List(cmd.Context(), time.Now())
	if err != nil {
		r.Error = err.Error()
		return r
	}
	r.OK, r.Unsettled, r.Refused = true, unsettled, refused
	for _, f := range files {
		cf := checkFile{URI: f.URI, Format: f.Format.String(), Bytes: f.Size}
		if rt, ok := canon.TypeOfFileName(f.Name); ok {
			cf.RecordType = string(rt)
		}
		r.Files = append(r.Files, cf)
	}
	return r
}

// checkHTTP reaches a county's HTTP source without loading: a HEAD of each
// file, or the first page of the API.
func checkHTTP(cmd *cobra.Command, c *config.County) checkResult {
	r := checkResult{County: c.Code, Name: c.Name, Kind: "http " + c.Source.Mode, Where: c.Source.URL}
	if r.Where == "" {
		r.Where = strings.Join(c.Source.URLs, " ")
	}
	opts, err := pipeline.HTTPOptions(c)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	src, err := ingest.NewHTTPSource(opts, nil)
	if err != nil {
		r.Error = err.Error()
		return r
	}
	defer src.Close()
	r.OK = true
	var errs []string
	for _, p := range src.Probe(cmd.Context()) {
		f := checkFile{URI: p.URL, Bytes: p.Length, Status: p.Status, Detail: p.Detail}
		if p.ContentType != "" {
			f.Format = p.ContentType
		}
		if p.Err != nil {
			r.OK = false
			errs = append(errs, p.Err.Error())
		}
		r.Files = append(r.Files, f)
	}
	r.Error = strings.Join(errs, "; ")
	return r
}

// printRefused lists, under check's table, every file a source refused and
// why: the table only counts them.
func printRefused(w io.Writer, results []checkResult) {
	first := true
	for _, r := range results {
		for _, s := range r.Refused {
			if first {
				fmt.Fprintln(w, "\nfiles refused (not read by run):")
				first = false
			}
			who := r.County
			if who == "" {
				who = r.Name
			}
			fmt.Fprintf(w, "  %s: %s (%s)\n", who, s.URI, s.Reason)
		}
	}
}
