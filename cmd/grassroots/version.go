package main

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/warehouse"
)

// version is the program version, set at build time with
// -ldflags "-X main.version=…" (the Makefile sets `git describe --always
// --dirty`). Without it the module version of the build is used, else "dev".
var version = "dev"

// commit is the revision, set at build time with -ldflags "-X main.commit=…"
// when the build records no VCS information (-buildvcs=false).
var commit = ""

// programVersion is the version the binary reports and writes into a
// release's manifest (program_version).
func programVersion() string {
	if version != "dev" && version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// programCommit is the VCS revision the binary was built from, with
// "-dirty" when the working tree had changes (from the build's VCS stamp),
// else the one set with -ldflags, else "unknown".
func programCommit() string {
	fallback := commit
	if fallback == "" {
		fallback = "unknown"
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return fallback
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return fallback
	}
	if modified == "true" {
		rev += "-dirty"
	}
	return rev
}

// versionInfo is what `grassroots version` and `grassroots --version` print.
type versionInfo struct {
	Version string `json:"version"`
	Commit  string `json:"commit"`
	DuckDB  string `json:"duckdb"`
}

func readVersion(ctx context.Context) (versionInfo, error) {
	db, err := warehouse.DuckDBVersion(ctx)
	if err != nil {
		return versionInfo{}, err
	}
	return versionInfo{Version: programVersion(), Commit: programCommit(), DuckDB: db}, nil
}

// printVersion prints the version, one line or (--json) one object.
func (a *app) printVersion(ctx context.Context) error {
	v, err := readVersion(ctx)
	if err != nil {
		return err
	}
	if a.json {
		return printJSON(a.stdout, v)
	}
	fmt.Fprintf(a.stdout, "grassroots %s (commit %s, DuckDB %s)\n", v.Version, v.Commit, v.DuckDB)
	return nil
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the program's version, the commit it was built from and DuckDB's version",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.printVersion(cmd.Context())
		},
	}
}
