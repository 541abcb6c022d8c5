// Package testcity gives tests of the packages that read the warehouse (the
// report, the headline figures, the release) the synthetic Taiyuan, generated
// and loaded end to end by the real pipeline. It is for tests only.
package testcity

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	_ "github.com/duckdb/duckdb-go/v2" // the "duckdb" database/sql driver

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/internal/piicrypt"
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

// Person is one person of the private warehouse, decrypted: what a test
// scans outputs for.
type Person struct {
	Name, IDNumber, Phone, PersonKey string
}

// People reads pii_person of cfg's warehouse and decrypts it with the
// configured personal-data key.
func People(tb testing.TB, cfg *config.Config) []Person {
	tb.Helper()
	secret, err := cfg.PIIKey()
	if err != nil {
		tb.Fatal(err)
	}
	c, err := piicrypt.New(secret)
	if err != nil {
		tb.Fatal(err)
	}
	db, err := sql.Open("duckdb", cfg.Warehouse+"?access_mode=read_only")
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT name, id_number, coalesce(phone, ''), person_key FROM pii_person ORDER BY person_key")
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []Person
	open := func(s string) string {
		if s == "" {
			return ""
		}
		p, err := c.Open(s)
		if err != nil {
			tb.Fatal(err)
		}
		return p
	}
	for rows.Next() {
		var name, id, phone, pk string
		if err := rows.Scan(&name, &id, &phone, &pk); err != nil {
			tb.Fatal(err)
		}
		out = append(out, Person{Name: open(name), IDNumber: open(id), Phone: open(phone), PersonKey: pk})
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	if len(out) == 0 {
		tb.Fatal("testcity: pii_person is empty")
	}
	return out
}
