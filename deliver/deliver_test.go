package deliver_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/deliver"
	"github.com/grassroots-cn/grassroots/internal/smtptest"
	"github.com/grassroots-cn/grassroots/reports"
	"github.com/grassroots-cn/grassroots/warehouse"
)

// The subject and the attachments' names, written out by hand.
const (
	wantSubject = "太原市“一村（社区）一名研究生”工作月报 2022年7月"
	wantPDF     = "太原市“一村（社区）一名研究生”工作月报（2022年7月）.pdf"
	wantXLSX    = "太原市“一村（社区）一名研究生”工作月报（2022年7月）.xlsx"
)

func f64(v float64) *float64 { return &v }

// fixture is a period's report data with headline figures known by hand:
// 1130 of 1395 villages covered is 81.0%, 0.786 is 0.79, a retention not
// defined yet is 暂无.
func fixture() *reports.ReportData {
	return &reports.ReportData{Period: "2022-07", AsOf: "2022-07-31", CityName: "太原市", DataEnd: "2022-07-21",
		Vintage: "2022-08-05 02:30:00.123456+00",
		Headline: []reports.Figure{
			{Key: "villages", Label: "村（社区）总数", Kind: "count", Value: f64(1395)},
			{Key: "covered", Label: "已覆盖村（社区）", Kind: "count", Value: f64(1130)},
			{Key: "coverage_rate", Label: "覆盖率", Kind: "rate", Value: f64(1130.0 / 1395)},
			{Key: "graduates_in_post", Label: "在岗研究生", Kind: "count", Value: f64(1145)},
			{Key: "retention_12m", Label: "12个月留任率", Kind: "rate"},
			{Key: "remote_to_developed_coverage", Label: "偏远地区与经济发达地区覆盖率之比", Kind: "ratio", Value: f64(0.786153846153846)},
		}}
}

// env is one test's world: a reports folder with the period's files, a
// real warehouse recording the attempts, and an SMTP server.
type env struct {
	t           *testing.T
	out, whPath string
	w           *warehouse.Warehouse
	pdf, xlsx   []byte
}

func newEnv(t *testing.T, withPDF bool) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, out: filepath.Join(dir, "reports"), whPath: filepath.Join(dir, "data", "warehouse.duckdb")}
	if err := os.MkdirAll(filepath.Join(e.out, "2022-07"), 0o755); err != nil {
		t.Fatal(err)
	}
	e.xlsx = randomBytes(t, 70_000)
	if err := os.WriteFile(filepath.Join(e.out, "2022-07", "report.xlsx"), e.xlsx, 0o644); err != nil {
		t.Fatal(err)
	}
	if withPDF {
		e.pdf = randomBytes(t, 120_000)
		if err := os.WriteFile(filepath.Join(e.out, "2022-07", "report.pdf"), e.pdf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	w, err := warehouse.Open(context.Background(), e.whPath, warehouse.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e.w = w
	t.Cleanup(func() { e.closeWarehouse() })
	return e
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) closeWarehouse() {
	if e.w != nil {
		if err := e.w.Close(); err != nil {
			e.t.Error(err)
		}
		e.w = nil
	}
}

func (e *env) report() deliver.Report {
	return deliver.Report{City: "太原市", Out: e.out, Data: fixture()}
}

// runRow is one etl_run row of job deliver.
type runRow struct {
	status, err string
}

// runs closes the warehouse and reads its deliver rows in order, with a
// connection of its own.
func (e *env) runs() []runRow {
	e.t.Helper()
	e.closeWarehouse()
	db, err := sql.Open("duckdb", e.whPath+"?access_mode=read_only")
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT status, coalesce(error, ''), county_code IS NULL FROM etl_run WHERE job = 'deliver' ORDER BY run_id")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []runRow
	for rows.Next() {
		var r runRow
		var cityLevel bool
		if err := rows.Scan(&r.status, &r.err, &cityLevel); err != nil {
			e.t.Fatal(err)
		}
		if !cityLevel {
			e.t.Errorf("a deliver row has a county")
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out
}

func plainMail(srv *smtptest.Server) *config.Mail {
	return &config.Mail{SMTP: srv.Addr, From: "月报 <report@example.cn>", To: []string{"zzb@example.cn", "办公室 <office@example.cn>"}}
}

// fast retries quickly.
var fast = deliver.Options{Backoff: 10 * time.Millisecond, Timeout: 10 * time.Second}

func TestSendDeliversOnceThenOnlyWithResend(t *testing.T) {
	e := newEnv(t, true)
	srv := smtptest.Start(t, smtptest.Options{})
	m := plainMail(srv)
	res, err := deliver.Send(context.Background(), m, e.report(), e.w, fast)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Sent || res.Attempts != 1 || len(res.RunIDs) != 1 {
		t.Errorf("result %+v", res)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received, want 1", len(msgs))
	}
	if msgs[0].From != "report@example.cn" || strings.Join(msgs[0].To, " ") != "zzb@example.cn office@example.cn" {
		t.Errorf("envelope from %q to %q", msgs[0].From, msgs[0].To)
	}
	// Every header line is ASCII: the subject and names travel encoded.
	head, _, _ := bytes.Cut(msgs[0].Data, []byte("\r\n\r\n"))
	for _, c := range head {
		if c >= 0x80 {
			t.Fatalf("a raw non-ASCII byte in the headers:\n%s", head)
		}
	}
	if !bytes.Contains(head, []byte("Subject: =?UTF-8?b?")) && !bytes.Contains(head, []byte("Subject:\r\n =?UTF-8?b?")) {
		t.Errorf("the subject is not RFC 2047 encoded:\n%s", head)
	}
	p := smtptest.Parse(t, msgs[0].Data)
	if p.Subject != wantSubject {
		t.Errorf("subject %q, want %q", p.Subject, wantSubject)
	}
	if !bytes.Equal(p.Files[wantPDF], e.pdf) || !bytes.Equal(p.Files[wantXLSX], e.xlsx) || len(p.Files) != 2 {
		t.Errorf("attachments %d: pdf equal %v, xlsx equal %v", len(p.Files), bytes.Equal(p.Files[wantPDF], e.pdf), bytes.Equal(p.Files[wantXLSX], e.xlsx))
	}
	for name, w := range p.Words {
		if w != name {
			t.Errorf("the RFC 2047 file name reads %q, the RFC 2231 one %q", w, name)
		}
	}
	if len(p.Words) != 2 {
		t.Errorf("RFC 2047 file names: %v", p.Words)
	}
	for _, want := range []string{"截至2022年7月31日", "村（社区）总数：1395\n", "已覆盖村（社区）：1130\n", "覆盖率：81.0%\n",
		"在岗研究生：1145\n", "12个月留任率：暂无\n", "偏远地区与经济发达地区覆盖率之比：0.79\n",
		"数据版本：2022-08-05 02:30:00.123456+00", "1. " + wantPDF, "2. " + wantXLSX} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the body lacks %q:\n%s", want, p.Body)
		}
	}

	// A rerun sends nothing and records nothing; --resend sends again.
	res, err = deliver.Send(context.Background(), m, e.report(), e.w, fast)
	if err != nil || res.Sent || res.DeliveredAt.IsZero() {
		t.Errorf("rerun: %+v, %v", res, err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("a rerun sent again: %d messages", n)
	}
	r := fast
	r.Resend = true
	if res, err = deliver.Send(context.Background(), m, e.report(), e.w, r); err != nil || !res.Sent {
		t.Errorf("resend: %+v, %v", res, err)
	}
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("resend: %d messages, want 2", n)
	}
	if got := e.runs(); len(got) != 2 || got[0] != (runRow{"succeeded", ""}) || got[1] != (runRow{"succeeded", ""}) {
		t.Errorf("etl_run deliver rows %+v, want two successes", got)
	}
}

func TestSendWithoutPDF(t *testing.T) {
	e := newEnv(t, false)
	srv := smtptest.Start(t, smtptest.Options{})
	if _, err := deliver.Send(context.Background(), plainMail(srv), e.report(), e.w, fast); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	p := smtptest.Parse(t, msgs[0].Data)
	if len(p.Files) != 1 || !bytes.Equal(p.Files[wantXLSX], e.xlsx) {
		t.Errorf("attachments %d, xlsx equal %v", len(p.Files), bytes.Equal(p.Files[wantXLSX], e.xlsx))
	}
}

func TestSendRetries451ThenSucceeds(t *testing.T) {
	e := newEnv(t, true)
	srv := smtptest.Start(t, smtptest.Options{DataReplies: []smtptest.Reply{{Code: 451, Text: "Greylisted, please try again later"}}})
	res, err := deliver.Send(context.Background(), plainMail(srv), e.report(), e.w, fast)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 2 || !res.Sent {
		t.Errorf("result %+v", res)
	}
	if n, d := len(srv.Messages()), srv.DataCommands(); n != 1 || d != 2 {
		t.Errorf("%d messages accepted of %d DATA, want 1 of 2", n, d)
	}
	got := e.runs()
	if len(got) != 2 || got[0].status != "failed" || got[1] != (runRow{"succeeded", ""}) {
		t.Fatalf("etl_run deliver rows %+v", got)
	}
	for _, want := range []string{"deliver 2022-07, attempt 1", "451", "Greylisted, please try again later", "trying again"} {
		if !strings.Contains(got[0].err, want) {
			t.Errorf("the failed attempt's error %q lacks %q", got[0].err, want)
		}
	}
}

func TestSendGivesUpAfterAttempts(t *testing.T) {
	e := newEnv(t, false)
	srv := smtptest.Start(t, smtptest.Options{DataReplies: []smtptest.Reply{{Code: 451, Text: "busy"}, {Code: 452, Text: "still busy"}, {Code: 421, Text: "closing"}, {Code: 451, Text: "never asked"}}})
	o := fast
	o.Attempts = 3
	res, err := deliver.Send(context.Background(), plainMail(srv), e.report(), e.w, o)
	if err == nil || res.Sent || res.Attempts != 3 {
		t.Fatalf("%+v, %v", res, err)
	}
	if d := srv.DataCommands(); d != 3 || len(srv.Messages()) != 0 {
		t.Errorf("%d DATA, %d messages; want 3 and 0", d, len(srv.Messages()))
	}
	got := e.runs()
	if len(got) != 3 || got[2].status != "failed" || strings.Contains(got[2].err, "trying again") || !strings.Contains(got[2].err, "421") {
		t.Errorf("rows %+v", got)
	}
}

func TestSend550FailsAtOnceAndIsRecorded(t *testing.T) {
	e := newEnv(t, true)
	srv := smtptest.Start(t, smtptest.Options{DataReplies: []smtptest.Reply{{Code: 550, Text: "Message rejected by local policy"}}})
	res, err := deliver.Send(context.Background(), plainMail(srv), e.report(), e.w, fast)
	if err == nil || res.Sent || res.Attempts != 1 {
		t.Fatalf("%+v, %v", res, err)
	}
	if !strings.Contains(err.Error(), "550") || !strings.Contains(err.Error(), "Message rejected by local policy") {
		t.Errorf("error %q lacks the server's words", err)
	}
	if d := srv.DataCommands(); d != 1 {
		t.Errorf("%d DATA commands after a 550, want 1", d)
	}
	if _, err := os.Stat(deliver.StatePath(e.out, "2022-07")); !os.IsNotExist(err) {
		t.Errorf("a failed delivery was remembered: %v", err)
	}
	// Not remembered as delivered: the next run tries again and succeeds.
	if res, err := deliver.Send(context.Background(), plainMail(srv), e.report(), e.w, fast); err != nil || !res.Sent {
		t.Errorf("after the 550: %+v, %v", res, err)
	}
	got := e.runs()
	if len(got) != 2 || got[0].status != "failed" || !strings.Contains(got[0].err, "550") ||
		!strings.Contains(got[0].err, "Message rejected by local policy") || got[1].status != "succeeded" {
		t.Errorf("rows %+v", got)
	}
	for _, r := range got {
		if strings.Contains(r.err, "村（社区）总数") || strings.Contains(r.err, "Content-") {
			t.Errorf("the body went into etl_run: %q", r.err)
		}
	}
}

func TestSendSTARTTLSWithTestCA(t *testing.T) {
	ca := smtptest.NewCA(t)
	const user, pass = "report-bot", "s3cret-Pa55word"
	e := newEnv(t, true)
	srv := smtptest.Start(t, smtptest.Options{TLS: ca.Server, User: user, Password: pass})
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	m := plainMail(srv)
	m.StartTLS, m.CAFile, m.UsernameEnv, m.PasswordEnv = true, caFile, "T_SMTP_USER", "T_SMTP_PASS"
	o := fast
	vars := map[string]string{"T_SMTP_USER": user, "T_SMTP_PASS": pass}
	o.Getenv = func(k string) string { return vars[k] }
	if res, err := deliver.Send(context.Background(), m, e.report(), e.w, o); err != nil || !res.Sent {
		t.Fatalf("%+v, %v", res, err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 || !msgs[0].TLS || msgs[0].User != user {
		t.Fatalf("messages %d (TLS %v, user %q)", len(msgs), len(msgs) == 1 && msgs[0].TLS, func() string {
			if len(msgs) == 1 {
				return msgs[0].User
			}
			return ""
		}())
	}
	if p := smtptest.Parse(t, msgs[0].Data); p.Subject != wantSubject || !bytes.Equal(p.Files[wantPDF], e.pdf) {
		t.Errorf("over STARTTLS: subject %q, pdf equal %v", p.Subject, bytes.Equal(p.Files[wantPDF], e.pdf))
	}

	// A wrong password is a 535 at once; the password is in no error.
	vars["T_SMTP_PASS"] = "wrong-" + pass
	o.Resend = true
	_, err := deliver.Send(context.Background(), m, e.report(), e.w, o)
	if err == nil || !strings.Contains(err.Error(), "535") || strings.Contains(err.Error(), pass) {
		t.Errorf("wrong password: %v", err)
	}
	// An unset variable is named, nothing is tried.
	delete(vars, "T_SMTP_PASS")
	_, err = deliver.Send(context.Background(), m, e.report(), e.w, o)
	if err == nil || !strings.Contains(err.Error(), "T_SMTP_PASS") {
		t.Errorf("unset password: %v", err)
	}
	// The server's certificate is not trusted under another CA: a failure
	// at once, without sending.
	vars["T_SMTP_PASS"] = pass
	other := smtptest.NewCA(t)
	if err := os.WriteFile(caFile, other.PEM, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := deliver.Send(context.Background(), m, e.report(), e.w, o)
	if err == nil || res.Attempts != 1 || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: %+v, %v", res, err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages, want still 1", n)
	}
	got := e.runs()
	if len(got) != 4 || got[0].status != "succeeded" || got[1].status != "failed" || got[2].status != "failed" || got[3].status != "failed" {
		t.Fatalf("rows %+v", got)
	}
	for _, r := range got {
		if strings.Contains(r.err, pass) {
			t.Errorf("the password is in etl_run: %q", r.err)
		}
	}
	if !strings.Contains(got[2].err, "T_SMTP_PASS") {
		t.Errorf("the unset variable's row: %q", got[2].err)
	}
}

func TestSendRefusesServerWithoutSTARTTLS(t *testing.T) {
	e := newEnv(t, false)
	srv := smtptest.Start(t, smtptest.Options{})
	m := plainMail(srv)
	m.StartTLS = true
	res, err := deliver.Send(context.Background(), m, e.report(), e.w, fast)
	if err == nil || res.Attempts != 1 || !strings.Contains(err.Error(), "STARTTLS") || len(srv.Messages()) != 0 {
		t.Errorf("%+v, %v", res, err)
	}
}

func TestSubjectAndFigures(t *testing.T) {
	if got := deliver.Subject("太原市", "2022-07"); got != wantSubject {
		t.Errorf("Subject %q", got)
	}
	if got := deliver.Subject("晋中市", "2023-12"); got != "晋中市“一村（社区）一名研究生”工作月报 2023年12月" {
		t.Errorf("Subject %q", got)
	}
	for _, c := range []struct {
		kind string
		v    *float64
		want string
	}{{"count", f64(42), "42"}, {"rate", f64(0.8126), "81.3%"}, {"rate", f64(1), "100.0%"}, {"ratio", f64(1.005), "1.00"}, {"count", nil, "暂无"}} {
		if got := deliver.FormatFigure(c.kind, c.v); got != c.want {
			t.Errorf("FormatFigure(%s, %v) = %q, want %q", c.kind, c.v, got, c.want)
		}
	}
}
