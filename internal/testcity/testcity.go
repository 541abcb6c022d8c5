// Package testcity gives tests of the packages that read the warehouse (the
// report, the headline figures, the release) the synthetic Taiyuan, generated
// and loaded end to end by the real pipeline. It is for tests only.
package testcity

import (
	"context"
	"fmt"
	"testing"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/pipeline"
	"github.com/grassroots-cn/grassroots/synth"
)

// Load generates the synthetic Taiyuan (seed 1) into dir, loads every county
// and publishes the snapshot. It fails if any load failed.
func Load(ctx context.Context, dir string) (*synth.Result, *config.Config, error) {
	gen, err := synth.Generate(ctx, dir, synth.Options{Seed: 1})
	if err != nil {
		return nil, nil, err
	}
	cfg, err := config.Load(gen.ConfigPath)
	if err != nil {
		return nil, nil, err
	}
	res, err := (&pipeline.Runner{Config: cfg}).Run(ctx, nil)
	if err != nil {
		return nil, nil, err
	}
	if res.Failed() != 0 {
		return nil, nil, fmt.Errorf("testcity: %d loads failed", res.Failed())
	}
	return gen, cfg, nil
}

// Loaded is Load into a temporary folder of tb, failing tb on an error.
func Loaded(tb testing.TB) *config.Config {
	tb.Helper()
	_, cfg, err := Load(context.Background(), tb.TempDir())
	if err != nil {
		tb.Fatal(err)
	}
	return cfg
}
