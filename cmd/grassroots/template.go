package main

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/clerkform"
	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/ingest"
	"github.com/grassroots-cn/grassroots/internal/atomicfs"
	"github.com/grassroots-cn/grassroots/internal/canon"
	"github.com/grassroots-cn/grassroots/pipeline"
	"github.com/grassroots-cn/grassroots/transform"
	"github.com/grassroots-cn/grassroots/warehouse"
)

func (a *app) templateCommand() *cobra.Command {
	var county, out string
	var force bool
	cmd := &cobra.Command{
		Use:   "template [--county CODE] [--out FILE] [--force]",
		Short: "Write the county clerks' fill-in workbook (填报模板.xlsx)",
		Long: `template writes the official fill-in workbook: a sheet per record type with
the canonical Chinese headers, drop-down lists of the accepted values, date
and ID-number validations, and an instruction sheet (docs/feeds.md, 填报模板).
With --county, the county's own townships and villages feed drop-downs; they
come from the warehouse when one has been loaded, else from the configured
divisions file. It refuses to replace an existing file unless --force.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			return a.writeTemplate(cmd.Context(), cfg, county, out, force)
		},
	}
	cmd.Flags().StringVar(&county, "county", "", "the county's 6-digit code: its own townships and villages feed the drop-downs")
	cmd.Flags().StringVar(&out, "out", "", "the file to write (default 填报模板.xlsx, or 填报模板_<code>.xlsx with --county)")
	cmd.Flags().BoolVar(&force, "force", false, "replace the file if it exists")
	return cmd
}

// templateResult is what template prints with --json.
type templateResult struct {
	Path       string `json:"path"`
	County     string `json:"county_code,omitempty"`
	Townships  int    `json:"townships"`
	Villages   int    `json:"villages"`
	Divisions  string `json:"divisions_from"`
	Overwrote  bool   `json:"replaced"`
	SheetCount int    `json:"sheets"`
}

func (a *app) writeTemplate(ctx context.Context, cfg *config.Config, county, out string, force bool) error {
	log := a.logger()
	opts := clerkform.Options{City: cfg.City.Name}
	for _, c := range cfg.Counties {
		opts.Counties = append(opts.Counties, canon.County{Code: c.Code, Name: c.Name})
	}
	if county != "" {
		c, ok := cfg.County(county)
		if !ok {
			return usageError{fmt.Errorf("--county %s: no such county in %s", county, cfg.Path)}
		}
		opts.County = &canon.County{Code: c.Code, Name: c.Name}
	}
	if out == "" {
		out = "填报模板.xlsx"
		if county != "" {
			out = "填报模板_" + county + ".xlsx"
		}
	}
	_, statErr := os.Stat(out)
	exists := statErr == nil
	if exists && !force {
		return usageError{fmt.Errorf("%s exists; use --force to replace it", out)}
	}
	res := templateResult{Path: out, County: county, Overwrote: exists, SheetCount: len(canon.CountyTypes) + 2}
	if county != "" {
		var err error
		log.Info("template: reading the division lists", "county", county)
		if opts.Townships, opts.Villages, res.Divisions, err = templateDivisions(ctx, cfg); err != nil {
			return err
		}
		for _, t := range opts.Townships {
			if t.CountyCode == county {
				res.Townships++
			}
		}
		for _, v := range opts.Villages {
			if v.CountyCode == county {
				res.Villages++
			}
		}
	}
	if err := placeTemplate(out, opts, force); err != nil {
		return err
	}
	log.Info("template: written", "path", out)
	if a.json {
		return printJSON(a.stdout, res)
	}
	fmt.Fprintf(a.stdout, "wrote %s", out)
	if county != "" {
		fmt.Fprintf(a.stdout, " for %s %s (%d townships, %d villages, from the %s)", county, opts.County.Name, res.Townships, res.Villages, res.Divisions)
	}
	fmt.Fprintln(a.stdout)
	return nil
}

// placeTemplate writes the workbook beside out and moves it into place:
// a reader never sees half a file, and without force an existing file
// is never replaced.
func placeTemplate(out string, opts clerkform.Options, force bool) error {
	tmp, err := os.CreateTemp(filepath.Dir(out), ".template-*.xlsx")
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	defer os.Remove(tmp.Name())
	err = clerkform.Write(tmp, opts)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err != nil {
		if errors.Is(err, clerkform.ErrNoDivisions) {
			return withCode(exitFailed, err)
		}
		return fmt.Errorf("template: %w", err)
	}
	if force {
		err = os.Rename(tmp.Name(), out)
	} else if err = atomicfs.RenameNoReplace(tmp.Name(), out); errors.Is(err, os.ErrExist) {
		return usageError{fmt.Errorf("%s exists; use --force to replace it", out)}
	}
	if err != nil {
		return fmt.Errorf("template: %w", err)
	}
	return nil
}

// templateDivisions reads the current townships and villages: from the
// warehouse (or its published snapshot) once something was loaded, else
// from the configured divisions file, read by the normaliser as run reads it.
func templateDivisions(ctx context.Context, cfg *config.Config) ([]canon.Township, []canon.Village, string, error) {
	r, err := warehouse.OpenEither(ctx, cfg.Warehouse, cfg.Published, readerOptions(cfg, nil))
	if err == nil {
		defer r.Close()
		ts, vs, err := warehouseDivisions(ctx, r)
		if err == nil && len(vs) > 0 {
			return ts, vs, "warehouse", nil
		}
		if err != nil {
			return nil, nil, "", err
		}
	} else if !errors.Is(err, warehouse.ErrNothingLoaded) {
		return nil, nil, "", err
	}
	ts, vs, err := fileDivisions(ctx, cfg)
	return ts, vs, "divisions file", err
}

func warehouseDivisions(ctx context.Context, r *warehouse.Reader) ([]canon.Township, []canon.Village, error) {
	var ts []canon.Township
	var vs []canon.Village
	err := r.Each(ctx, "SELECT township_code, township_name, county_code FROM dim_township ORDER BY 1", nil, func(row warehouse.Row) error {
		var t canon.Township
		err := row.Scan(&t.Code, &t.Name, &t.CountyCode)
		ts = append(ts, t)
		return err
	})
	if err == nil {
		err = r.Each(ctx, `SELECT village_code, village_name, township_code, county_code FROM dim_village
			WHERE dissolved_on IS NULL ORDER BY 1`, nil, func(row warehouse.Row) error {
			var v canon.Village
			err := row.Scan(&v.Code, &v.Name, &v.TownshipCode, &v.CountyCode)
			vs = append(vs, v)
			return err
		})
	}
	if err != nil {
		return nil, nil, fmt.Errorf("template: the division lists of the warehouse: %w", err)
	}
	return ts, vs, nil
}

// fileDivisions reads the divisions file through the normaliser: the rows
// it would load, villages already dissolved left out.
func fileDivisions(ctx context.Context, cfg *config.Config) ([]canon.Township, []canon.Village, error) {
	src := pipeline.DivisionsSource(cfg)
	files, _, _, err := src.List(ctx, time.Now())
	if err == nil && len(files) == 0 {
		err = fmt.Errorf("the divisions file is missing: %s", cfg.Divisions.Path)
	}
	if err != nil {
		return nil, nil, withCode(exitFailed, fmt.Errorf("template: %w", err))
	}
	sink := &divisionSink{townships: map[string]canon.Township{}}
	n, err := transform.New(transform.Options{Divisions: true}, sink)
	if err != nil {
		return nil, nil, err
	}
	defer n.Release()
	for _, file := range files {
		tf := n.File(file.URI, file.Name, file.Format)
		err := ingest.Read(ctx, file, ingest.ReadOptions{Encoding: cfg.Divisions.Encoding}, func(row ingest.Row) error {
			return tf.Row(ctx, row)
		})
		if err == nil {
			err = tf.Close(ctx)
		}
		if err != nil {
			return nil, nil, withCode(exitFailed, fmt.Errorf("template: the divisions file %s: %w", file.URI, err))
		}
	}
	if err := n.Close(ctx); err != nil {
		return nil, nil, withCode(exitFailed, fmt.Errorf("template: the divisions file: %w", err))
	}
	ts := slices.SortedFunc(maps.Values(sink.townships), func(a, b canon.Township) int { return strings.Compare(a.Code, b.Code) })
	vs := sink.villages
	slices.SortStableFunc(vs, func(a, b canon.Village) int { return strings.Compare(a.Code, b.Code) })
	return ts, vs, nil
}

// divisionSink keeps the townships and current villages of the normalised
// divisions batches.
type divisionSink struct {
	townships map[string]canon.Township
	villages  []canon.Village
}

func (s *divisionSink) Write(_ context.Context, rt canon.RecordType, rec arrow.RecordBatch) error {
	if rt != canon.Divisions {
		return nil
	}
	col := func(name string) arrow.Array {
		idx := rec.Schema().FieldIndices(name)
		if len(idx) != 1 {
			return nil
		}
		return rec.Column(idx[0])
	}
	vc, _ := col("village_code").(*array.String)
	vn, _ := col("village_name").(*array.String)
	tc, _ := col("township_code").(*array.String)
	tn, _ := col("township_name").(*array.String)
	cc, _ := col("county_code").(*array.String)
	dis := col("dissolved_on")
	if vc == nil || vn == nil || tc == nil || tn == nil || cc == nil || dis == nil {
		return errors.New("template: the divisions batch lacks a column")
	}
	for i := 0; i < int(rec.NumRows()); i++ {
		s.townships[tc.Value(i)] = canon.Township{Code: tc.Value(i), Name: tn.Value(i), CountyCode: cc.Value(i)}
		if dis.IsNull(i) {
			s.villages = append(s.villages, canon.Village{Code: vc.Value(i), Name: vn.Value(i), TownshipCode: tc.Value(i), CountyCode: cc.Value(i)})
		}
	}
	return nil
}
