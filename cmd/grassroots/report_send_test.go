package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/deliver"
	"github.com/grassroots-cn/grassroots/internal/smtptest"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// withMail writes a copy of the configuration cfgPath whose reports block
// mails to addr, and returns its path.
func withMail(t *testing.T, cfgPath, addr string) string {
	t.Helper()
	base, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	reportsLine := regexp.MustCompile(`(?m)^reports:.*$`)
	if !reportsLine.Match(base) {
		t.Fatalf("the configuration has no reports line:\n%s", base)
	}
	block := fmt.Sprintf("reports:\n  out: reports\n  formats: [html, xlsx]\n  mail:\n    smtp: %q\n    from: 月报 <report@example.cn>\n    to: [zzb@example.cn]\n    starttls: false", addr)
	path := filepath.Join(filepath.Dir(cfgPath), "grassroots-mail.yaml")
	if err := os.WriteFile(path, reportsLine.ReplaceAll(base, []byte(block)), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// deliverRows are the warehouse's etl_run rows of job deliver: status and
// error, in order.
func deliverRows(t *testing.T, path string) [][2]string {
	t.Helper()
	db, err := sql.Open("duckdb", path+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT status, coalesce(error, '') FROM etl_run WHERE job = 'deliver' ORDER BY run_id")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out [][2]string
	for rows.Next() {
		var r [2]string
		if err := rows.Scan(&r[0], &r[1]); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// cityFigures reads the city's villages, covered villages and coverage on
// 2022-07-31 straight from the coverage macro of the published snapshot.
func cityFigures(t *testing.T, published string) (villages, covered int64, rate float64) {
	t.Helper()
	db, err := sql.Open("duckdb", published+"?access_mode=read_only")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow("SELECT villages, covered, covered / villages FROM coverage('2022-07-31') WHERE level = 'city'").Scan(&villages, &covered, &rate); err != nil {
		t.Fatal(err)
	}
	return villages, covered, rate
}

func TestReportSend(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the synthetic city; skipped with -short")
	}
	old := deliverOptions
	deliverOptions = deliver.Options{Backoff: 10 * time.Millisecond, Timeout: 10 * time.Second}
	t.Cleanup(func() { deliverOptions = old })

	cfgPath, _ := freshCity(t)
	if code, out, errs := grassroots(t, "run", "--config", cfgPath); code != exitOK {
		t.Fatalf("run: exit %d\n%s\n%s", code, out, errs)
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}

	// Usage: --resend alone, --send without reports.mail.
	if code, _, errs := grassroots(t, "report", "--config", cfgPath, "--period", "2022-07", "--resend"); code != exitUsage || !strings.Contains(errs, "--resend goes with --send") {
		t.Errorf("--resend alone: exit %d %s", code, errs)
	}
	if code, _, errs := grassroots(t, "report", "--config", cfgPath, "--period", "2022-07", "--send"); code != exitUsage || !strings.Contains(errs, "reports.mail") {
		t.Errorf("--send without reports.mail: exit %d %s", code, errs)
	}

	// The server answers 451 once, then takes the message: it gets it once.
	srv := smtptest.Start(t, smtptest.Options{DataReplies: []smtptest.Reply{{Code: 451, Text: "Greylisted, try again later"}}})
	mailCfg := withMail(t, cfgPath, srv.Addr)
	code, out, errs := grassroots(t, "report", "--config", mailCfg, "--period", "2022-07", "--send", "--json")
	if code != exitOK {
		t.Fatalf("report --send: exit %d\n%s\n%s", code, out, errs)
	}
	var res struct {
		Delivery struct {
			Sent     bool `json:"sent"`
			Attempts int  `json:"attempts"`
		} `json:"delivery"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || !res.Delivery.Sent || res.Delivery.Attempts != 2 {
		t.Errorf("--json %s: %+v %v", out, res, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || srv.DataCommands() != 2 {
		t.Fatalf("%d messages of %d DATA, want 1 of 2", len(msgs), srv.DataCommands())
	}
	p := smtptest.Parse(t, msgs[0].Data)
	subject, body, files := p.Subject, p.Body, p.Files
	if subject != "太原市“一村（社区）一名研究生”工作月报 2022年7月" {
		t.Errorf("subject %q", subject)
	}
	xlsx, err := os.ReadFile(filepath.Join(cfg.Dir, "reports", "2022-07", "report.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if got := files["太原市“一村（社区）一名研究生”工作月报（2022年7月）.xlsx"]; !bytes.Equal(got, xlsx) || len(files) != 1 {
		t.Errorf("%d attachments; the workbook's bytes equal: %v", len(files), bytes.Equal(got, xlsx))
	}
	villages, covered, rate := cityFigures(t, cfg.Published)
	for _, want := range []string{fmt.Sprintf("村（社区）总数：%d\n", villages), fmt.Sprintf("已覆盖村（社区）：%d\n", covered),
		fmt.Sprintf("覆盖率：%.1f%%\n", rate*100), "截至2022年7月31日"} {
		if !strings.Contains(body, want) {
			t.Errorf("the body lacks %q:\n%s", want, body)
		}
	}

	// A rerun does not mail again; --resend does.
	code, out, errs = grassroots(t, "report", "--config", mailCfg, "--period", "2022-07", "--send")
	if code != exitOK || !strings.Contains(out, "already mailed") || len(srv.Messages()) != 1 {
		t.Errorf("rerun: exit %d, %d messages\n%s\n%s", code, len(srv.Messages()), out, errs)
	}
	code, out, errs = grassroots(t, "report", "--config", mailCfg, "--period", "2022-07", "--send", "--resend")
	if code != exitOK || !strings.Contains(out, "mailed to 1 recipient") || len(srv.Messages()) != 2 {
		t.Errorf("--resend: exit %d, %d messages\n%s\n%s", code, len(srv.Messages()), out, errs)
	}

	// A report whose PDF could not be printed is not mailed.
	t.Setenv(reports.ChromiumEnv, filepath.Join(t.TempDir(), "no-chromium"))
	code, _, errs = grassroots(t, "report", "--config", mailCfg, "--period", "2022-05", "--formats", "html,xlsx,pdf", "--send")
	if code != exitFailed || !strings.Contains(errs, "not mailed") || len(srv.Messages()) != 2 {
		t.Errorf("a report without its PDF: exit %d, %d messages\n%s", code, len(srv.Messages()), errs)
	}

	// A 550 fails the command (exit 1) after one attempt, the report
	// stays written, and etl_run keeps the server's words.
	srv.SetDataReplies(smtptest.Reply{Code: 550, Text: "Mailbox unavailable for policy reasons"})
	code, _, errs = grassroots(t, "report", "--config", mailCfg, "--period", "2022-06", "--send")
	if code != exitFailed || !strings.Contains(errs, "550") || !strings.Contains(errs, "Mailbox unavailable for policy reasons") {
		t.Errorf("550: exit %d %s", code, errs)
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, "reports", "2022-06", "report.xlsx")); err != nil {
		t.Errorf("the report of 2022-06 is not written: %v", err)
	}
	rows := deliverRows(t, cfg.Warehouse)
	want := []string{"failed 451 Greylisted, try again later", "succeeded", "succeeded", "failed 550 Mailbox unavailable for policy reasons"}
	if len(rows) != len(want) {
		t.Fatalf("etl_run deliver rows %q, want %d", rows, len(want))
	}
	for i, w := range want {
		status, words, _ := strings.Cut(w, " ")
		code, text, _ := strings.Cut(words, " ")
		if rows[i][0] != status || !strings.Contains(rows[i][1], code) || !strings.Contains(rows[i][1], text) {
			t.Errorf("row %d: %q, want %s", i, rows[i], w)
		}
	}

	t.Run("serve", func(t *testing.T) { serveReportMails(t, cfgPath) })
}

// serveReportMails runs serve's report job on the loaded city: it mails
// the month's report once, not again on its next run, and a server that
// refuses (550) fails the delivery, recorded, not the job.
func serveReportMails(t *testing.T, cfgPath string) {
	ctx := context.Background()
	srv := smtptest.Start(t, smtptest.Options{})
	cfg, err := config.Load(withMail(t, cfgPath, srv.Addr))
	if err != nil {
		t.Fatal(err)
	}
	cfg.Reports.Out = filepath.Join(t.TempDir(), "serve-reports")
	w, err := warehouse.Open(ctx, cfg.Warehouse, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	log := slog.New(slog.DiscardHandler)
	job := reportJob(cfg, w, log, newRunTimes())
	period := reports.LastMonth(time.Now(), cfg.Location)
	for range 2 {
		if err := job.Run(ctx); err != nil {
			t.Fatalf("the report job: %v", err)
		}
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("two runs of the report job mailed %d messages, want 1", len(msgs))
	}
	y, m, _ := strings.Cut(period, "-")
	mn, _ := strconv.Atoi(m)
	if p := smtptest.Parse(t, msgs[0].Data); p.Subject != "太原市“一村（社区）一名研究生”工作月报 "+y+"年"+strconv.Itoa(mn)+"月" || len(p.Files) != 1 {
		t.Errorf("subject %q, %d attachments", p.Subject, len(p.Files))
	}

	// A refusal: the report job still succeeds; etl_run has the failure.
	cfg.Reports.Out = filepath.Join(t.TempDir(), "serve-reports-2")
	srv.SetDataReplies(smtptest.Reply{Code: 554, Text: "Transaction failed: relay denied"})
	if err := reportJob(cfg, w, log, newRunTimes()).Run(ctx); err != nil {
		t.Errorf("a refused delivery failed the report job: %v", err)
	}
	var status, text string
	if err := w.Reader().Scan(ctx, "SELECT status, error FROM etl_run WHERE job = 'deliver' ORDER BY run_id DESC LIMIT 1", nil, &status, &text); err != nil {
		t.Fatal(err)
	}
	if status != "failed" || !strings.Contains(text, "554") || !strings.Contains(text, "relay denied") {
		t.Errorf("the last deliver row: %s %q", status, text)
	}
}
