// Command grassroots is the data pipeline and analytics warehouse of the
// "one graduate per village (community)" programme: see the README.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/config"
)

// Exit statuses, as the README's Commands section lists them.
const (
	exitOK      = 0
	exitFailed  = 1
	exitUsage   = 2
	exitPartial = 3
)

// exitError carries an exit status out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

func withCode(code int, err error) error { return &exitError{code, err} }

// app holds the global flags and what the commands share.
type app struct {
	configPath string
	json       bool
	verbose    bool
	cpuProfile string
	stdout     io.Writer
	stderr     io.Writer
	// command and started are the command line's command and when it
	// started, for -v's first and last lines.
	command string
	started time.Time
	// now is the clock (nil: time.Now): it picks the default period and
	// stamps the PDF's metadata, and nothing else in a report.
	now func() time.Time
}

// clock returns the app's clock.
func (a *app) clock() func() time.Time {
	if a.now == nil {
		return time.Now
	}
	return a.now
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes the command line and returns the exit status.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return (&app{stdout: stdout, stderr: stderr}).run(ctx, args)
}

// run executes the command line with the app's writers and clock and
// returns the exit status.
func (a *app) run(ctx context.Context, args []string) int {
	stderr := a.stderr
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetOut(a.stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	code := exitOK
	if err != nil {
		code = exitFailed
		var ee *exitError
		switch {
		case errors.As(err, &ee):
			code = ee.code
		case errors.Is(err, config.ErrConfig), isUsageError(err):
			code = exitUsage
		}
	}
	if !a.started.IsZero() {
		a.logger().Info("command finished", "command", a.command, "exit", code, "ms", time.Since(a.started).Milliseconds())
	}
	if err != nil {
		fmt.Fprintln(stderr, "grassroots:", err)
	}
	return code
}

// usageError marks bad flags or arguments.
type usageError struct{ error }

func isUsageError(err error) bool {
	var u usageError
	return errors.As(err, &u)
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "grassroots",
		Short: "Data pipeline and warehouse of the one-graduate-per-village programme (一村(社区)一名研究生)",
		Long: `grassroots pulls every county's records of graduates posted to villages and
communities, normalises them into a DuckDB warehouse, and publishes a snapshot
without personal data for statisticians.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().StringVar(&a.configPath, "config", "grassroots.yaml", "configuration file")
	root.PersistentFlags().BoolVar(&a.json, "json", false, "print one JSON object instead of a human summary")
	root.PersistentFlags().BoolVarP(&a.verbose, "verbose", "v", false, "log each step to standard error")
	root.PersistentFlags().StringVar(&a.cpuProfile, "cpuprofile", "", "write a CPU profile (pprof) of the command to this file")
	var stopProfile func()
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		a.command, a.started = cmd.CommandPath(), time.Now()
		a.logger().Info("command started", "command", a.command, "config", a.configPath, "version", programVersion())
		if a.cpuProfile == "" {
			return nil
		}
		f, err := os.Create(a.cpuProfile)
		if err != nil {
			return usageError{err}
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.PersistentPostRun = func(*cobra.Command, []string) {
		if stopProfile != nil {
			stopProfile()
		}
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(a.demoCommand(), a.generateCommand(), a.runCommand(), a.checkCommand(), a.statusCommand(), a.metricsCommand(), a.serveCommand(), a.reportCommand(), a.exportCommand())
	root.AddCommand(a.rekeyCommand(), a.versionCommand())
	root.AddCommand(a.templateCommand())
	root.AddCommand(a.backupCommand())
	root.AddCommand(a.restoreCommand())
	var showVersion bool
	root.Flags().BoolVar(&showVersion, "version", false, "print the version, the commit and DuckDB's version (as grassroots version)")
	root.RunE = func(cmd *cobra.Command, _ []string) error {
		if showVersion {
			return a.printVersion(cmd.Context())
		}
		return cmd.Help()
	}
	root.AddCommand(a.privacyAuditCommand())
	for _, c := range root.Commands() {
		if c.Args == nil {
			c.Args = noArgs
		}
	}
	return root
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageError{fmt.Errorf("%s takes no arguments, got %q", cmd.CommandPath(), args)}
	}
	return nil
}

// logger logs JSON to standard error: warnings and errors only, unless -v.
func (a *app) logger() *slog.Logger {
	level := slog.LevelWarn
	if a.verbose {
		level = slog.LevelInfo
	}
	return slog.New(slog.NewJSONHandler(a.stderr, &slog.HandlerOptions{Level: level}))
}

// loadConfig loads the --config file.
func (a *app) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(a.configPath)
	if err != nil {
		return nil, withCode(exitUsage, err)
	}
	return cfg, nil
}
