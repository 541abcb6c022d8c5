package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/export"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func (a *app) exportCommand() *cobra.Command {
	var release, asOf string
	var replace bool
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Write the researchers' de-identified Parquet release",
		Long: `export writes export/<release>/: de-identified Parquet files (zstd; per-person
tables Hive-partitioned by county_code), manifest.json and a README.md data
dictionary in Chinese and English. Persons carry research_id = HMAC-SHA256(export
secret, person_key), never a name, ID number, phone or person_key; birth years
are 5-year bands, dates are months, and quasi-identifiers of groups smaller
than export.k are suppressed. The release is written beside its destination
and renamed into place when complete; an existing release is refused unless
--replace.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			opts, err := exportOptions(cfg, release, asOf, replace)
			if err != nil {
				return err
			}
			log := a.logger()
			w, err := openWarehouse(cmd.Context(), cfg, log)
			if err != nil {
				return err
			}
			defer w.Close()
			res, err := export.Write(cmd.Context(), w, opts)
			if errors.Is(err, export.ErrExists) {
				return usageError{err}
			}
			if err != nil {
				return err
			}
			if a.json {
				return printJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, "release %s written to %s\n", opts.Release, res.Dir)
			var rows [][]string
			for _, t := range sortedKeys(res.Tables) {
				rows = append(rows, []string{t, fmt.Sprint(res.Tables[t])})
			}
			table(a.stdout, []string{"table", "rows"}, rows)
			if len(res.Suppressed) > 0 {
				fmt.Fprintf(a.stdout, "suppressed cells (k = %d): %s\n", opts.K, counts(res.Suppressed))
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&release, "release", "", "the release's name (default: the quarter of --as-of, e.g. 2022Q3)")
	cmd.Flags().StringVar(&asOf, "as-of", "", "the release's date, YYYY-MM-DD (default: today in the city's time zone)")
	cmd.Flags().BoolVar(&replace, "replace", false, "replace an existing release of the same name")
	return cmd
}

// exportOptions builds the release options from the config and the flags.
func exportOptions(cfg *config.Config, release, asOf string, replace bool) (export.Options, error) {
	day := time.Now().In(cfg.Location)
	if asOf != "" {
		t, err := time.ParseInLocation("2006-01-02", asOf, cfg.Location)
		if err != nil {
			return export.Options{}, usageError{fmt.Errorf("--as-of %q is not a date written YYYY-MM-DD", asOf)}
		}
		day = t
	}
	day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, time.UTC)
	if release == "" {
		release = fmt.Sprintf("%dQ%d", day.Year(), (int(day.Month())+2)/3)
	}
	secret, err := cfg.ExportKey()
	if err != nil {
		return export.Options{}, withCode(exitUsage, err)
	}
	if key, err := cfg.Key(); err == nil && string(key) == string(secret) {
		return export.Options{}, withCode(exitUsage, errors.New("the export secret must differ from the person_key secret"))
	}
	raw, err := os.ReadFile(cfg.Path)
	if err != nil {
		return export.Options{}, err
	}
	sum := sha256.Sum256(raw)
	return export.Options{Release: release, AsOf: day, Out: cfg.Export.Out, Secret: secret, K: cfg.Export.K,
		MemoryLimit: cfg.DuckDB.ExportMemoryLimit(),
		Replace:     replace, Version: programVersion(), ConfigHash: hex.EncodeToString(sum[:])}, nil
}

// openWarehouse opens the private warehouse for a command that needs it
// whole (the export), saying clearly when the daemon holds it.
// It never creates the warehouse: before the first run it fails with
// errNothingLoaded (exit 1).
func openWarehouse(ctx context.Context, cfg *config.Config, log *slog.Logger) (*warehouse.Warehouse, error) {
	if _, err := os.Stat(cfg.Warehouse); errors.Is(err, fs.ErrNotExist) {
		return nil, withCode(exitFailed, errNothingLoaded)
	}
	w, err := warehouse.Open(ctx, cfg.Warehouse, warehouse.Options{MemoryLimit: cfg.DuckDB.ExportMemoryLimit(), Threads: cfg.DuckDB.Threads, Logger: log})
	if errors.Is(err, warehouse.ErrLocked) {
		return nil, fmt.Errorf("%w; the daemon writes exports on export.schedule, or stop it to export now", err)
	}
	return w, err
}

func sortedKeys(m map[string]int64) []string { return slices.Sorted(maps.Keys(m)) }
