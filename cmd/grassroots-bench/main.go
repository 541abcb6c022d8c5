// Command grassroots-bench measures grassroots end to end at a chosen scale
// and prints one table (issue 8; README "Performance"): generating the
// synthetic feeds, the full load against DuckDB's own read_csv of the same
// rows, reruns, peak memory, the metric macros, the monthly report and the
// researchers' release. Every step runs the real binary as a child process,
// so that its time and peak RSS are its own; the load and the floor are
// alternated (A B A B …) so that drift on a shared machine hits both alike,
// and every figure is a median.
//
//	go build -tags duckdb_arrow -o bin/grassroots ./cmd/grassroots
//	go run -tags duckdb_arrow ./cmd/grassroots-bench --scale national --reps 3
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "grassroots-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "floor" {
		return floorCommand(ctx, args[1:], stdout)
	}
	fs := flag.NewFlagSet("grassroots-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.scale, "scale", "city", "city, province or national")
	fs.Int64Var(&o.seed, "seed", 1, "seed of the synthetic data")
	fs.IntVar(&o.reps, "reps", 3, "repetitions of each step (medians are reported)")
	fs.StringVar(&o.dir, "dir", "", "work folder (default: a temporary folder, removed afterwards)")
	fs.StringVar(&o.bin, "bin", "bin/grassroots", "the grassroots binary to measure")
	fs.StringVar(&o.jsonOut, "json", "", "also write the figures as JSON to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if o.reps < 1 {
		return fmt.Errorf("--reps must be at least 1")
	}
	bin, err := filepath.Abs(o.bin)
	if err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("%w (build it with: go build -tags duckdb_arrow -o bin/grassroots ./cmd/grassroots)", err)
	}
	o.bin = bin
	self, err := os.Executable()
	if err != nil {
		return err
	}
	o.self = self
	if o.dir == "" {
		d, err := os.MkdirTemp("", "grassroots-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		o.dir = d
	}
	o.log = stderr
	t, err := measureAll(ctx, o)
	if err != nil {
		return err
	}
	t.Goals = t.goals()
	t.print(stdout)
	if o.jsonOut != "" {
		return t.writeJSON(o.jsonOut)
	}
	return nil
}
