// Package deliver mails one period's monthly report to the organisation
// department (reports.mail of the configuration): a Chinese subject and a
// short body with the city's headline figures, the report's PDF (when the
// period has one) and workbook attached. A temporary answer of the server
// (4xx) or a lost connection is tried again after a wait that doubles; a
// permanent one (5xx) ends the delivery at once. Every attempt is one
// etl_run row of job deliver, with the server's words when it failed. A
// period delivered once is not sent again unless asked to (Options.Resend):
// a small file per period under the reports folder, .delivered/YYYY-MM.json,
// remembers it (see docs/design.md, Delivering the report).
package deliver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/textproto"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/wneessen/go-mail"

	"github.com/grassroots-cn/grassroots/config"
	"github.com/grassroots-cn/grassroots/reports"
)

// Job is the job name of a delivery attempt's etl_run row.
const Job = "deliver"

// Defaults of Options.
const (
	DefaultAttempts = 4
	DefaultBackoff  = time.Minute
	DefaultTimeout  = time.Minute
)

// Recorder records one delivery attempt as an etl_run row of job Job
// (warehouse.Warehouse.RecordJob): a nil jobErr is a success.
type Recorder interface {
	RecordJob(ctx context.Context, job string, started time.Time, jobErr error) (int64, error)
}

// Report is the period's report as written: its figures and where its
// files are.
type Report struct {
	City string              // the city's name from the configuration (太原市)
	Out  string              // the reports folder; the files are in Out/<period>/
	Data *reports.ReportData // the figures the report shows; Data.Period names it
}

// Options tune a delivery; the zero value is the daemon's.
type Options struct {
	// Resend mails a period that was delivered before.
	Resend bool
	// Attempts bounds the tries when the server answers 4xx or the
	// connection fails (default DefaultAttempts); Backoff is the wait
	// before the second, doubled before each next (default DefaultBackoff).
	Attempts int
	Backoff  time.Duration
	// Timeout bounds one attempt's connection (default DefaultTimeout).
	Timeout time.Duration
	// Getenv reads the credentials' variables (default os.Getenv).
	Getenv func(string) string
	// Log receives one line per attempt (default: discarded).
	Log *slog.Logger
}

// Result is what a delivery did.
type Result struct {
	Period string `json:"period"`
	// Sent is false when the period had been delivered before (and
	// Options.Resend was not set): nothing was sent, nothing recorded.
	Sent bool `json:"sent"`
	// DeliveredAt is when the period was delivered: now, or before (zero
	// when it was not).
	DeliveredAt time.Time `json:"delivered_at,omitzero"`
	Attempts    int       `json:"attempts"`
	RunIDs      []int64   `json:"run_ids,omitempty"` // the etl_run rows of the attempts
	Files       []string  `json:"files,omitempty"`   // the attachments' names
	MessageID   string    `json:"message_id,omitempty"`
}

// ErrNotConfigured is returned when the configuration has no reports.mail.
var ErrNotConfigured = errors.New("deliver: reports.mail is not configured")

// Send mails the report unless its period was delivered before, trying
// again on temporary failures, and records every attempt with rec. The
// error of the last attempt is returned; the server's words are in it (the
// password and the body never are).
func Send(ctx context.Context, m *config.Mail, rep Report, rec Recorder, o Options) (*Result, error) {
	if m == nil {
		return nil, ErrNotConfigured
	}
	if rep.Data == nil {
		return nil, errors.New("deliver: no report data")
	}
	o = o.withDefaults()
	period := rep.Data.Period
	res := &Result{Period: period}
	if !o.Resend {
		if at, ok, err := delivered(rep.Out, period); err != nil {
			return res, err
		} else if ok {
			res.DeliveredAt = at
			o.Log.Info("report already delivered", "period", period, "delivered_at", at)
			return res, nil
		}
	}
	started := time.Now()
	c, secret, err := prepare(m, rep, o)
	if err != nil {
		// Nothing could be tried (a file or a credential is missing):
		// one failed attempt says why.
		failure := fmt.Errorf("deliver %s: %w", period, err)
		return res, errors.Join(failure, record(ctx, rec, res, started, failure, o.Log))
	}
	res.Files = c.names
	for attempt := 1; ; attempt++ {
		started = time.Now()
		res.Attempts = attempt
		err := c.send(ctx)
		if err == nil {
			res.Sent, res.DeliveredAt, res.MessageID = true, time.Now(), c.msg.GetMessageID()
			// The mail is out: a row that cannot be written is logged
			// (by record), the period is still remembered as delivered.
			_ = record(ctx, rec, res, started, nil, o.Log)
			o.Log.Info("report delivered", "period", period, "attempt", attempt, "recipients", len(m.To))
			return res, remember(rep.Out, res)
		}
		retry := temporary(err) && attempt < o.Attempts && ctx.Err() == nil
		wait := o.Backoff << (attempt - 1)
		text := fmt.Sprintf("deliver %s, attempt %d of at most %d: %s", period, attempt, o.Attempts, redact(err.Error(), secret))
		if retry {
			text += fmt.Sprintf(" (temporary; trying again in %s)", wait)
		}
		failure := errors.New(text)
		rerr := record(ctx, rec, res, started, failure, o.Log)
		if !retry {
			return res, errors.Join(failure, rerr)
		}
		select {
		case <-ctx.Done():
			return res, errors.Join(failure, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.Attempts < 1 {
		o.Attempts = DefaultAttempts
	}
	if o.Backoff <= 0 {
		o.Backoff = DefaultBackoff
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Getenv == nil {
		o.Getenv = os.Getenv
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return o
}

// record writes one attempt's etl_run row (jobErr nil: it succeeded) and
// keeps its id; it returns only the error of recording it. A failed
// attempt is also logged.
func record(ctx context.Context, rec Recorder, res *Result, started time.Time, jobErr error, log *slog.Logger) error {
	if jobErr != nil {
		log.Error("report delivery failed", "period", res.Period, "error", jobErr.Error())
	}
	if rec == nil {
		return nil
	}
	id, err := rec.RecordJob(context.WithoutCancel(ctx), Job, started, jobErr)
	if err != nil {
		log.Error("cannot record the delivery attempt", "period", res.Period, "error", err)
		return fmt.Errorf("deliver: record the attempt: %w", err)
	}
	res.RunIDs = append(res.RunIDs, id)
	return nil
}

// conn is a prepared delivery: the message and how to reach the server.
type conn struct {
	client *mail.Client
	msg    *mail.Msg
	names  []string
}

// prepare reads the report's files and the credentials and builds the
// message and the client; it returns the password to keep out of errors.
func prepare(m *config.Mail, rep Report, o Options) (*conn, string, error) {
	d := rep.Data
	files, err := attachments(filepath.Join(rep.Out, d.Period), rep.City, d.Period)
	if err != nil {
		return nil, "", err
	}
	msg, err := newMessage(m, rep.City, d, files, time.Now())
	if err != nil {
		return nil, "", err
	}
	opts := []mail.Option{mail.WithPort(m.Port()), mail.WithTimeout(o.Timeout)}
	if m.StartTLS {
		tc := &tls.Config{ServerName: m.Host(), MinVersion: tls.VersionTLS12}
		if m.CAFile != "" {
			pool, err := loadRoots(m.CAFile)
			if err != nil {
				return nil, "", err
			}
			tc.RootCAs = pool
		}
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory), mail.WithTLSConfig(tc))
	} else {
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	}
	var secret string
	if m.UsernameEnv != "" {
		user, pass := o.Getenv(m.UsernameEnv), o.Getenv(m.PasswordEnv)
		switch {
		case user == "":
			return nil, "", fmt.Errorf("the environment variable %s (reports.mail.username_env) is not set", m.UsernameEnv)
		case pass == "":
			return nil, "", fmt.Errorf("the environment variable %s (reports.mail.password_env) is not set", m.PasswordEnv)
		}
		secret = pass
		opts = append(opts, mail.WithOpportunisticSMTPAuth(mail.SMTPAuthPlain, mail.SMTPAuthLogin),
			mail.WithUsername(user), mail.WithPassword(pass))
	}
	client, err := mail.NewClient(m.Host(), opts...)
	if err != nil {
		return nil, "", fmt.Errorf("smtp client: %w", err)
	}
	c := &conn{client: client, msg: msg}
	for _, f := range files {
		c.names = append(c.names, f.name)
	}
	return c, secret, nil
}

// send makes one attempt: connect, STARTTLS, AUTH, send, quit.
func (c *conn) send(ctx context.Context) error {
	return c.client.DialAndSendWithContext(ctx, c.msg)
}

// loadRoots reads the PEM certificates of path as the only trusted roots.
func loadRoots(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reports.mail.ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("reports.mail.ca_file: %s holds no PEM certificate", path)
	}
	return pool, nil
}

// temporary tells whether an attempt's failure may heal by waiting: the
// server answered 4xx, or the connection could not be made or was lost. A
// 5xx, a certificate that does not verify and a server without STARTTLS or
// AUTH do not.
func temporary(err error) bool {
	var se *mail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 400 {
			return code < 500
		}
		return se.IsTemp()
	}
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code >= 400 && te.Code < 500
	}
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	if errors.As(err, &ce) || errors.As(err, &ue) || errors.As(err, &he) {
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// redact replaces the password, should a server echo it, by ***.
func redact(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, "***")
}
