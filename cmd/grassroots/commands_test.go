package main

import (
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
)

// check names every refused file and its reason, not only their count.
func TestCheckListsRefusedFiles(t *testing.T) {
	cfgPath, _ := freshCity(t)
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	c := cfg.Counties[0]
	for _, name := range []string{"说明.docx", "人员台账.numbers"} {
		if err := os.WriteFile(filepath.Join(c.Source.Path, name), []byte("not a feed"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	code, out, errs := grassroots(t, "check", "--config", cfgPath)
	if code != exitOK {
		t.Fatalf("check: exit %d\n%s\n%s", code, out, errs)
	}
	for _, name := range []string{"说明.docx", "人员台账.numbers"} {
		want := c.Code + ": " + name + " (unsupported format)"
		if !strings.Contains(out, want) {
			t.Errorf("check's output does not list %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "files refused (not read by run):") {
		t.Errorf("no heading for the refused files:\n%s", out)
	}
}

// logLines parses the JSON log lines of stderr (other lines are skipped).
func logLines(t *testing.T, stderr string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, l := range strings.Split(stderr, "\n") {
		if !strings.HasPrefix(l, "{") {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line %q: %v", l, err)
		}
		recs = append(recs, m)
	}
	return recs
}

func hasLog(recs []map[string]any, msg string) bool {
	for _, r := range recs {
		if r["msg"] == msg {
			return true
		}
	}
	return false
}

// On a loaded city: -v logs the steps of every reading command, and a
// report for a month after the data warns and says on which day they end.
func TestLoadedCityCommands(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	cfgPath, _ := freshCity(t)
	if code, out, errs := grassroots(t, "run", "--config", cfgPath); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("verbose", func(t *testing.T) {
		for _, c := range []struct {
			args []string
			msgs []string
		}{
			{[]string{"status"}, []string{"opened read-only", "read"}},
			{[]string{"metrics", "--as-of", "2022-07-21"}, []string{"opened read-only", "read"}},
			{[]string{"report", "--period", "2022-07"}, []string{"opened read-only", "read", "report file written", "report written"}},
			{[]string{"export", "--as-of", "2022-12-31"}, []string{"export table"}},
			{[]string{"check"}, nil},
		} {
			code, out, errs := grassroots(t, append(c.args, "-v", "--config", cfgPath)...)
			if code != exitOK {
				t.Fatalf("%v: exit %d\n%s\n%s", c.args, code, out, errs)
			}
			recs := logLines(t, errs)
			for _, m := range append([]string{"command started", "command finished"}, c.msgs...) {
				if !hasLog(recs, m) {
					t.Errorf("%v -v: no %q log line in:\n%s", c.args, m, errs)
				}
			}
			// Without -v, the same command logs nothing.
			if c.args[0] == "export" {
				continue // a second export of the same release is refused
			}
			code, _, errs = grassroots(t, append(c.args, "--config", cfgPath)...)
			if code != exitOK || len(logLines(t, errs)) > 0 {
				t.Errorf("%v without -v: exit %d, stderr %q", c.args, code, errs)
			}
		}
	})

	// With duckdb.memory_limit and duckdb.threads configured, the reading
	// commands open DuckDB with them, not with its defaults (80% of memory,
	// every core): -v logs what DuckDB reports.
	t.Run("configured DuckDB settings", func(t *testing.T) {
		b, err := os.ReadFile(cfgPath)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(b), "\nduckdb:") {
			t.Fatalf("the synthetic city's configuration already has a duckdb block:\n%s", b)
		}
		tuned := filepath.Join(filepath.Dir(cfgPath), "tuned.yaml")
		if err := os.WriteFile(tuned, append(b, "\nduckdb: {memory_limit: 300MiB, threads: 1}\n"...), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{{"status"}, {"metrics", "--as-of", "2022-07-21"}, {"report", "--period", "2022-07"}} {
			code, out, errs := grassroots(t, append(args, "-v", "--config", tuned)...)
			if code != exitOK {
				t.Fatalf("%v: exit %d\n%s\n%s", args, code, out, errs)
			}
			found := false
			for _, r := range logLines(t, errs) {
				if r["msg"] != "opened read-only" {
					continue
				}
				found = true
				// DuckDB shows 300 MiB as "300.0 MiB"; JSON numbers are float64.
				if r["memory_limit"] != "300.0 MiB" || r["threads"] != 1.0 {
					t.Errorf("%v: opened with memory_limit %v, threads %v; want 300.0 MiB, 1", args, r["memory_limit"], r["threads"])
				}
			}
			if !found {
				t.Errorf("%v -v: no \"opened read-only\" log line in:\n%s", args, errs)
			}
		}
	})

	// The data's last day worked out independently of data_end(): the
	// latest date of the loaded postings, roles, vacancies and subsidies
	// (the run was today, so today's date does not cap it).
	db, err := sql.Open("duckdb", cfg.Warehouse+"?access_mode=READ_ONLY")
	if err != nil {
		t.Fatal(err)
	}
	var last time.Time
	err = db.QueryRow(`SELECT max(d) FROM (
		SELECT start_date AS d FROM fact_posting UNION ALL SELECT end_date FROM fact_posting
		UNION ALL SELECT start_date FROM fact_role UNION ALL SELECT end_date FROM fact_role
		UNION ALL SELECT reported_on FROM fact_vacancy UNION ALL SELECT filled_on FROM fact_vacancy
		UNION ALL SELECT paid_on FROM fact_subsidy)`).Scan(&last)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	end := last.Format(time.DateOnly)
	if last.Year() >= 2030 || last.Year() < 2020 {
		t.Fatalf("the synthetic city's data end on %s", end)
	}

	t.Run("report past the data", func(t *testing.T) {
		code, out, errs := grassroots(t, "report", "--period", "2030-01", "--config", cfgPath)
		want := "grassroots: warning: the data end on " + end + ": the report for 2030-01 carries that day's state forward and says so\n"
		if code != exitOK || errs != want {
			t.Fatalf("report --period 2030-01: exit %d, stderr %q, want 0 and %q\n%s", code, errs, want, out)
		}
		html, err := os.ReadFile(filepath.Join(cfg.Reports.Out, "2030-01", "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		note := "注意：已装载的数据截至" + htmlDay(last) + "，本月没有报送数据；表中各数为" + htmlDay(last) + "的状态延续至2030年1月31日，不反映此后的变动。"
		if !strings.Contains(string(html), note) {
			t.Errorf("the 2030-01 report does not say %q", note)
		}
		// --json carries it too.
		code, out, _ = grassroots(t, "report", "--period", "2030-01", "--json", "--config", cfgPath)
		var res struct {
			DataEnd  string   `json:"data_end"`
			Warnings []string `json:"warnings"`
		}
		if err := json.Unmarshal([]byte(out), &res); err != nil || code != exitOK {
			t.Fatalf("report --json: exit %d, %v\n%s", code, err, out)
		}
		if res.DataEnd != end || len(res.Warnings) != 1 {
			t.Errorf("report --json: data_end %q, warnings %q; want %q and one warning", res.DataEnd, res.Warnings, end)
		}
	})

	t.Run("report within the data", func(t *testing.T) {
		period := last.Format("2006-01")
		code, out, errs := grassroots(t, "report", "--period", period, "--config", cfgPath)
		if code != exitOK || errs != "" {
			t.Fatalf("report --period %s: exit %d, stderr %q\n%s", period, code, errs, out)
		}
		html, err := os.ReadFile(filepath.Join(cfg.Reports.Out, period, "report.html"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(html), "注意：已装载的数据截至") {
			t.Errorf("the %s report warns that the data end before it", period)
		}
	})
}

// htmlDay writes a day as the report does: 2022年7月21日.
func htmlDay(t time.Time) string {
	return t.Format("2006") + "年" + strings.TrimLeft(t.Format("01"), "0") + "月" + strings.TrimLeft(t.Format("02"), "0") + "日"
}
