package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/export"
	"github.com/grassroots-cn/grassroots/synth"
)

// synthFlags are the flags shared by demo and generate.
type synthFlags struct {
	scale string
	seed  int64
}

func (f *synthFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&f.scale, "scale", "city", "size of the synthetic data: city (Taiyuan), province or national")
	cmd.Flags().Int64Var(&f.seed, "seed", 1, "seed of the synthetic data (the same seed gives the same feeds)")
}

func (f *synthFlags) options() (synth.Options, error) {
	switch f.scale {
	case "city", "province", "national":
	default:
		return synth.Options{}, usageError{fmt.Errorf("--scale must be city, province or national, not %q", f.scale)}
	}
	return synth.Options{Seed: f.seed, Scale: f.scale}, nil
}

func (a *app) generateCommand() *cobra.Command {
	var out string
	var csvOnly bool
	var sf synthFlags
	cmd := &cobra.Command{
		Use:   "generate",
		Short: "Write the synthetic city's feeds, a key file and DIR/grassroots.yaml, ready for run",
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageError{fmt.Errorf("generate needs --out DIR")}
			}
			opts, err := sf.options()
			if err != nil {
				return err
			}
			opts.CSVOnly = csvOnly
			res, err := synth.Generate(cmd.Context(), out, opts)
			if err != nil {
				return err
			}
			if a.json {
				return printJSON(a.stdout, res)
			}
			printFeeds(a, res)
			fmt.Fprintf(a.stdout, "\nnext: grassroots run --config %s\n", res.ConfigPath)
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "folder to write into (created if missing)")
	cmd.Flags().BoolVar(&csvOnly, "csv", false, "write every county's feeds as plain UTF-8 CSV, one <record type>.csv per record type (same rows and dirty rows; for benchmarks)")
	sf.register(cmd)
	return cmd
}

func (a *app) demoCommand() *cobra.Command {
	var dir string
	var serve bool
	var sf synthFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Generate a synthetic Taiyuan, load it, and show where everything is",
		Long: `demo writes a complete synthetic city into --dir (feeds of ten counties in every
supported format with realistic dirty rows, the village list, a config and a
key), runs the whole pipeline and prints a summary. Run it again in the same
folder and it starts afresh (the key is kept).`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts, err := sf.options()
			if err != nil {
				return err
			}
			abs, err := filepath.Abs(dir)
			if err != nil {
				return err
			}
			if err := prepareDemoDir(abs); err != nil {
				return err
			}
			if serve {
				return a.demoServe(cmd.Context(), abs, opts)
			}
			gen, err := synth.Generate(cmd.Context(), abs, opts)
			if err != nil {
				return err
			}
			cfg, err := config.Load(gen.ConfigPath)
			if err != nil {
				return err
			}
			if !a.json {
				printFeeds(a, gen)
				fmt.Fprintln(a.stdout)
			}
			res, err := a.runPipeline(cmd.Context(), cfg, nil, false)
			if err != nil {
				return err
			}
			// The monthly report for July 2022, the month of the city's published
			// figures, and a researchers' release as of the end of 2022.
			formats, rerr := reportFormats(cfg, "", a.logger())
			var report []string
			if rerr == nil {
				report, _, rerr = writeReport(cmd.Context(), cfg, a.logger(), "2022-07", formats, a.clock(), time.Time{})
			}
			var release *export.Result
			if rerr == nil {
				release, rerr = demoRelease(cmd.Context(), cfg, a.logger())
			}
			if a.json {
				printJSON(a.stdout, map[string]any{"generated": gen, "run": res, "report": report, "release": release})
				if rerr != nil {
					return rerr
				}
				return runStatus(res)
			}
			printRun(a.stdout, res)
			if rerr != nil {
				return rerr
			}
			fmt.Fprintf(a.stdout, "\nmonthly report for 2022-07:\n")
			for _, f := range report {
				fmt.Fprintln(a.stdout, " ", f)
			}
			fmt.Fprintf(a.stdout, "researchers' release 2022Q4 (de-identified Parquet): %s\n", release.Dir)
			fmt.Fprintf(a.stdout, `
try it (DuckDB's own client, read-only, no personal data in this file):
  duckdb -readonly %s \
    "SELECT c.county_name, count(DISTINCT p.village_code) AS covered
       FROM fact_posting p JOIN dim_county c USING (county_code)
      WHERE p.start_date <= DATE '2022-07-21' AND (p.end_date IS NULL OR p.end_date > DATE '2022-07-21')
      GROUP BY ALL ORDER BY covered DESC"

again with this config: grassroots run --config %s
`, res.Published, gen.ConfigPath)
			return runStatus(res)
		},
	}
	cmd.Flags().StringVar(&dir, "dir", "grassroots-demo", "folder for the demo (feeds, config, key, data)")
	cmd.Flags().BoolVar(&serve, "serve", false, "serve two counties over HTTP on 127.0.0.1 (小店区 as a file, 晋源区 as an API) and run the scheduler until Ctrl-C")
	sf.register(cmd)
	return cmd
}

// demoServe writes the demo city with two counties behind a local HTTP feed
// server and runs the scheduler on it until ctx is done.
func (a *app) demoServe(ctx context.Context, dir string, opts synth.Options) error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer ln.Close()
	opts.ServeURL = "http://" + ln.Addr().String()
	gen, err := synth.Generate(ctx, dir, opts)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: synth.FeedServer(dir), ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer srv.Close()
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, `synthetic city written to %s
feed server: %s (小店区 140105 as a file, 晋源区 140110 through the API)
config: %s (every county pulled every minute)
the scheduler starts now: every county is pulled once at once, then on its schedule.
status: http://%s/metrics, /runs, /healthz
Ctrl-C stops it; then try: grassroots status --config %s
`, dir, opts.ServeURL, gen.ConfigPath, cfg.StatusAddr, gen.ConfigPath)
	log := slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	return a.serve(ctx, cfg, log, 30*time.Second, nil)
}

// printFeeds writes what the generator wrote.
func printFeeds(a *app, res *synth.Result) {
	fmt.Fprintf(a.stdout, "synthetic city written to %s\n", res.Dir)
	var rows [][]string
	for _, c := range res.Counties {
		rows = append(rows, []string{c.Code, c.Name, c.Region, c.Shape, fmt.Sprint(len(c.Files)), fmt.Sprint(c.RowsIn)})
	}
	table(a.stdout, []string{"county", "name", "region", "feed", "files", "rows"}, rows)
	fmt.Fprintf(a.stdout, "config: %s\nkey:    %s (mode 0600; keep it: person_key depends on it)\n", res.ConfigPath, res.KeyPath)
	fmt.Fprintf(a.stdout, "pii key: %s (mode 0600; keep it: the names, ID numbers and phones in the warehouse are encrypted with it)\n",
		res.PIIKeyPath)
}

// demoMarker marks a folder written by demo, so that demo may start it afresh.
const demoMarker = ".grassroots-demo"

// prepareDemoDir refuses a non-empty folder that demo did not write, and
// removes the previous demo's feeds, warehouse and snapshot from one it did.
func prepareDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	if len(entries) > 0 {
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return usageError{fmt.Errorf("%s is not empty and holds no earlier demo; give demo an empty or new folder with --dir", dir)}
		}
		for _, sub := range []string{"data", "feeds"} {
			if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("written by grassroots demo; demo may replace this folder's feeds/ and data/\n"), 0o644)
}

// demoRelease writes the demo's researchers' release, as of 2022-12-31.
func demoRelease(ctx context.Context, cfg *config.Config, log *slog.Logger) (*export.Result, error) {
	opts, err := exportOptions(cfg, "2022Q4", "2022-12-31", true)
	if err != nil {
		return nil, err
	}
	w, err := openWarehouse(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	defer w.Close()
	return export.Write(ctx, w, opts)
}
