package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/grassroots-cn/grassroots/internal/canon"
)

// floorResult is what `grassroots-bench floor` prints.
type floorResult struct {
	Rows   int64            `json:"rows"`
	Tables map[string]int64 `json:"tables"`
}

// floorCommand is the floor of issue 8, run as a child process: DuckDB's own
// read_csv(all_varchar = true) of every CSV/TSV feed file into a fresh
// database file, one table per record type (and delimiter), open to close.
func floorCommand(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	feeds := fs.String("feeds", "", "the feeds folder")
	dbPath := fs.String("db", "", "the database file to create")
	if err := fs.Parse(args); err != nil {
		return err
	}
	groups, err := csvGroups(*feeds)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return fmt.Errorf("no CSV or TSV files under %s", *feeds)
	}
	db, err := sql.Open("duckdb", *dbPath)
	if err != nil {
		return err
	}
	res := floorResult{Tables: map[string]int64{}}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		files := groups[k]
		quoted := make([]string, len(files))
		for i, f := range files {
			quoted[i] = "'" + strings.ReplaceAll(f, "'", "''") + "'"
		}
		delim := ","
		if strings.HasSuffix(k, "_tsv") {
			delim = `\t`
		}
		q := fmt.Sprintf(`CREATE TABLE %q AS SELECT * FROM read_csv([%s], all_varchar = true, union_by_name = true, header = true, delim = '%s')`,
			k, strings.Join(quoted, ", "), delim)
		if _, err := db.ExecContext(ctx, q); err != nil {
			return errors.Join(fmt.Errorf("floor %s: %w", k, err), db.Close())
		}
		var n int64
		if err := db.QueryRowContext(ctx, fmt.Sprintf("SELECT count(*) FROM %q", k)).Scan(&n); err != nil {
			return errors.Join(err, db.Close())
		}
		res.Tables[k] = n
		res.Rows += n
	}
	if _, err := db.ExecContext(ctx, "CHECKPOINT"); err != nil {
		return errors.Join(err, db.Close())
	}
	if err := db.Close(); err != nil {
		return err
	}
	return json.NewEncoder(stdout).Encode(res)
}

// csvGroups lists the CSV and TSV files under feeds by record type and
// delimiter ("ledger_csv", "ledger_tsv", …).
func csvGroups(feeds string) (map[string][]string, error) {
	groups := map[string][]string{}
	err := filepath.WalkDir(feeds, func(p string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		ext := strings.ToLower(filepath.Ext(p))
		if ext != ".csv" && ext != ".tsv" {
			return nil
		}
		rt, ok := canon.TypeOfFileName(filepath.Base(p))
		if !ok {
			return nil
		}
		k := string(rt) + "_" + ext[1:]
		groups[k] = append(groups[k], p)
		return nil
	})
	return groups, err
}
