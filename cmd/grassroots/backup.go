package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/grassroots-cn/grassroots/backup"
	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/pipeline"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// backupResult is what `backup` prints with --json.
type backupResult struct {
	backupAnswer
	// Via is "warehouse" (this process opened it) or "serve" (the running
	// daemon made it, asked through its status address).
	Via string `json:"via"`
}

func (a *app) backupCommand() *cobra.Command {
	var to string
	cmd := &cobra.Command{
		Use:   "backup [--to DIR]",
		Short: "Write a verified copy of the private warehouse, its hash cache and source state",
		Long: `backup writes a consistent copy of the private warehouse into a new folder
DIR/<UTC time>/ (DIR: --to, default backup.dir of the configuration, itself by
default backups/ beside the configuration): the DuckDB file, copied through
DuckDB (ATTACH + COPY FROM DATABASE in one transaction, so loads may go on),
the drop folders' hash cache, and manifest.json with every table's row count
and content checksum and every file's SHA-256. The copy is then opened
read-only and checked against the manifest. Folders are created 0700 and files
0600: a backup holds the personal data, encrypted as in the warehouse. A folder
inside the published snapshot's folder, reports.out or export.out is refused.

While grassroots serve holds the warehouse, backup asks it through its status
address (POST /backup, from this machine only) to make the backup into
backup.dir; --to is then refused. serve also makes one on backup.schedule and
keeps the newest backup.keep; backup itself removes none.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			dir := cfg.Backup.Dir
			if to != "" {
				if dir, err = filepath.Abs(to); err != nil {
					return usageError{err}
				}
			}
			if err := cfg.CheckBackupDir(dir); err != nil {
				return usageError{fmt.Errorf("--to %s: %w", to, err)}
			}
			res, err := a.makeBackup(cmd.Context(), cfg, dir, to != "")
			if err != nil {
				return err
			}
			if a.json {
				return printJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, "backup of %s written to %s and verified", cfg.Warehouse, res.Dir)
			if res.Via == "serve" {
				fmt.Fprint(a.stdout, " (made by the running grassroots serve)")
			}
			fmt.Fprintln(a.stdout)
			table(a.stdout, []string{"tables", "rows", "bytes", "seconds"}, [][]string{{
				fmt.Sprint(res.Tables), fmt.Sprint(res.Rows), fmt.Sprint(res.Bytes), fmt.Sprintf("%.1f", res.Seconds)}})
			return nil
		},
	}
	cmd.Flags().StringVar(&to, "to", "", "folder of the backups (default backup.dir of the configuration)")
	return cmd
}

// makeBackup backs the warehouse up into dir, through the warehouse when no
// other process holds it, else through the running serve.
func (a *app) makeBackup(ctx context.Context, cfg *config.Config, dir string, toGiven bool) (*backupResult, error) {
	if _, err := os.Stat(cfg.Warehouse); errors.Is(err, fs.ErrNotExist) {
		return nil, withCode(exitFailed, errNothingLoaded)
	}
	// No personal-data key is needed: the copy keeps the ciphertexts.
	w, err := warehouse.Open(ctx, cfg.Warehouse, warehouse.Options{MemoryLimit: cfg.DuckDB.LoadMemoryLimit(), Threads: cfg.DuckDB.Threads, Logger: a.logger()})
	if errors.Is(err, warehouse.ErrLocked) {
		if toGiven && dir != cfg.Backup.Dir {
			return nil, fmt.Errorf("%w; a running serve makes backups into backup.dir (%s) only: leave out --to, or stop serve", err, cfg.Backup.Dir)
		}
		ans, aerr := askServe(ctx, cfg.StatusAddr, a.stderr)
		if aerr != nil {
			return nil, fmt.Errorf("%w; asking the running serve for a backup failed: %v", err, aerr)
		}
		return &backupResult{backupAnswer: *ans, Via: "serve"}, nil
	}
	if err != nil {
		return nil, err
	}
	m, err := backup.Create(ctx, w, dir, a.clock()())
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	return &backupResult{backupAnswer: answerOf(m), Via: "warehouse"}, nil
}

// askServe asks the serve listening on addr (status_addr) for a backup and
// returns its answer; a warning of the answer (the backup written, the old
// ones not pruned) goes to stderr. An address on every interface is reached
// on 127.0.0.1.
func askServe(ctx context.Context, addr string, stderr io.Writer) (*backupAnswer, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	url := "http://" + net.JoinHostPort(host, port) + "/backup"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var ans backupAnswer
	if err := json.NewDecoder(resp.Body).Decode(&ans); err != nil {
		return nil, fmt.Errorf("POST %s: %s, and no answer: %v", url, resp.Status, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %s: %s", url, resp.Status, ans.Error)
	}
	if ans.Error != "" { // written, but the old ones not pruned
		fmt.Fprintln(stderr, "grassroots: warning:", ans.Error)
	}
	return &ans, nil
}

// restoreResult is what `restore` prints with --json.
type restoreResult struct {
	*backup.Restored
	Published string                  `json:"published"`
	Publish   *warehouse.PublishStats `json:"publish,omitempty"`
}

func (a *app) restoreCommand() *cobra.Command {
	var from string
	var force bool
	cmd := &cobra.Command{
		Use:   "restore --from DIR [--force]",
		Short: "Put a backup back as the private warehouse and republish the snapshot",
		Long: `restore verifies the backup in DIR (a folder written by backup: every file's
SHA-256, every table's row count and checksum), checks that it opens with the
configuration's personal-data key, then puts it in place of the private
warehouse with its hash cache, and rebuilds the published snapshot from it
(a full publish). It refuses while another grassroots process (serve, run)
holds the warehouse, and refuses to replace an existing warehouse without
--force; the replaced one is kept beside it as
<warehouse>.replaced-<UTC time> (mode 0600). The next run loads again the
files that came after the backup.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if from == "" {
				return usageError{errors.New("restore needs --from DIR, the backup's folder")}
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			res, err := backup.Restore(ctx, from, cfg.Warehouse, backup.RestoreOptions{Force: force, Check: openAs(cfg, a), Now: a.clock()})
			switch {
			case errors.Is(err, backup.ErrExists):
				return usageError{err}
			case errors.Is(err, warehouse.ErrLocked):
				return fmt.Errorf("%w; stop grassroots serve (or wait for the run) before restoring", err)
			case err != nil:
				return err
			}
			out := restoreResult{Restored: res, Published: cfg.Published}
			st, err := republish(ctx, cfg, a)
			if err != nil {
				return fmt.Errorf("the warehouse was restored from %s, but the snapshot was not republished (run grassroots run --full-publish): %w", from, err)
			}
			out.Publish = &st
			if a.json {
				return printJSON(a.stdout, out)
			}
			fmt.Fprintf(a.stdout, "restored %s from %s (%d tables, %d rows)\n", cfg.Warehouse, from, res.Tables, res.Rows)
			if res.Replaced != "" {
				fmt.Fprintf(a.stdout, "the replaced warehouse is kept as %s\n", res.Replaced)
			}
			fmt.Fprintf(a.stdout, "snapshot republished: %s\n", cfg.Published)
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "the backup's folder (DIR/<UTC time>)")
	cmd.Flags().BoolVar(&force, "force", false, "replace an existing warehouse (it is kept beside it)")
	return cmd
}

// openAs opens a restored copy as the configuration's warehouse would be
// opened by a run (the personal-data key checked, migrations applied).
func openAs(cfg *config.Config, a *app) func(context.Context, string) error {
	return func(ctx context.Context, path string) error {
		c := *cfg
		c.Warehouse = path
		w, err := (&pipeline.Runner{Config: &c, Logger: a.logger()}).Open(ctx)
		if err != nil {
			return err
		}
		return w.Close()
	}
}

// republish rebuilds the published snapshot from the restored warehouse.
func republish(ctx context.Context, cfg *config.Config, a *app) (warehouse.PublishStats, error) {
	w, err := (&pipeline.Runner{Config: cfg, Logger: a.logger()}).Open(ctx)
	if err != nil {
		return warehouse.PublishStats{}, err
	}
	st, err := w.PublishWith(context.WithoutCancel(ctx), cfg.Published, true)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return st, err
}
