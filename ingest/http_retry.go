package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxRetryAfter caps how long a Retry-After header may make a source wait.
const maxRetryAfter = 5 * time.Minute

// HTTPError is a request of an HTTP source that failed, after every try the
// retry policy allowed. Its message names the method, the URL (without a
// password), the last HTTP status and how many tries were made, as in
// "ingest: GET https://x.example/ledger.csv: HTTP 503 Service Unavailable (6 tries)";
// it never holds the token nor anything of a response body.
type HTTPError struct {
	Method string
	URL    string
	Status int   // the last HTTP status; 0 when no response came
	Tries  int   // requests made, the first one included
	Err    error // what went wrong besides the status; may be nil
}

// Error implements error.
func (e *HTTPError) Error() string {
	var b strings.Builder
	b.WriteString("ingest: ")
	b.WriteString(e.Method)
	b.WriteString(" ")
	b.WriteString(e.URL)
	if e.Status != 0 {
		fmt.Fprintf(&b, ": HTTP %d %s", e.Status, http.StatusText(e.Status))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	if e.Tries == 1 {
		b.WriteString(" (1 try)")
	} else {
		fmt.Fprintf(&b, " (%d tries)", e.Tries)
	}
	return b.String()
}

// Unwrap returns the underlying error, so errors.Is(err, ErrUnauthorized) works.
func (e *HTTPError) Unwrap() error { return e.Err }

// errRedirect marks a redirect that the built client refuses; it is not retried.
var errRedirect = errors.New("refused redirect")

// newHTTPClient builds a client that trusts the system roots plus the PEM
// certificates in caFile (when set), and refuses redirects from https to
// http, which would send the token in clear text.
func newHTTPClient(caFile string) (*http.Client, error) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("ingest: ca_file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ingest: ca_file %s: no PEM certificate in it", caFile)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: tr, CheckRedirect: checkRedirect}, nil
}

func checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("%w: more than 10 redirects", errRedirect)
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: from https to %s", errRedirect, req.URL.Scheme)
	}
	return nil
}

// retrier sends requests with the source's headers, a timeout per try, and
// retries with exponential backoff and full jitter.
type retrier struct {
	client     *http.Client
	token      string
	userAgent  string
	timeout    time.Duration
	retries    int
	backoff    time.Duration
	maxBackoff time.Duration
	maxBytes   int64
}

// request is one logical request, retried as a whole, body included.
type request struct {
	method string
	url    string // the full URL requested
	shown  string // the URL as errors show it (password redacted)
	accept string
	header http.Header // extra headers (validators, Range)
	// ok lists the statuses handed to handle; any other is an error,
	// retried when it is 429 or 5xx.
	ok []int
	// handle reads a response whose status is in ok, through body (which
	// enforces maxBytes). It is called once per try: it must start afresh
	// each time. An error it returns is retried when it came from reading
	// the body (a connection error, a short body, the timeout), and fails at
	// once otherwise.
	handle func(resp *http.Response, body io.Reader) error
	// observe, when set, sees every response before anything else.
	observe func(*http.Response)
}

// do sends r until it succeeds, fails for good, or the tries run out. It
// returns the last status seen (0 when no response came). A done ctx
// returns ctx.Err() as is.
func (c *retrier) do(ctx context.Context, r request) (status int, err error) {
	for try := 1; ; try++ {
		o := c.try(ctx, r)
		if o.err == nil {
			return o.status, nil
		}
		if err := ctx.Err(); err != nil {
			return o.status, err
		}
		if !o.retry || try > c.retries {
			e := &HTTPError{Method: r.method, URL: r.shown, Status: o.status, Tries: try, Err: o.err}
			if o.err == errStatus {
				e.Err = nil // the status says it all
			}
			return o.status, e
		}
		wait := c.wait(try)
		if o.after > wait {
			wait = min(o.after, maxRetryAfter)
		}
		if err := sleep(ctx, wait); err != nil {
			return o.status, err
		}
	}
}

// outcome is the result of one try.
type outcome struct {
	status int
	err    error
	retry  bool          // err is worth another try
	after  time.Duration // the server's Retry-After, 0 if none
}

func (c *retrier) try(ctx context.Context, r request) outcome {
	tctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(tctx, r.method, r.url, nil)
	if err != nil {
		return outcome{err: err}
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	req.Header.Set("User-Agent", c.userAgent)
	req.Header.Set("Accept", r.accept)
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return c.transportOutcome(tctx, 0, unwrapURLError(err))
	}
	defer resp.Body.Close()
	if r.observe != nil {
		r.observe(resp)
	}
	o := outcome{status: resp.StatusCode}
	switch code := resp.StatusCode; {
	case slices.Contains(r.ok, code):
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		o.err = ErrUnauthorized
		return o
	case code == http.StatusTooManyRequests || code >= 500:
		o.err, o.retry = errStatus, true
		o.after = retryAfter(resp.Header.Get("Retry-After"), time.Now())
		return o
	default:
		o.err = errStatus
		return o
	}
	if resp.ContentLength > c.maxBytes {
		o.err = tooLarge(c.maxBytes)
		return o
	}
	b := &bodyReader{r: resp.Body, max: c.maxBytes}
	if err := r.handle(resp, b); err != nil {
		if b.err != nil || tctx.Err() != nil {
			return c.transportOutcome(tctx, resp.StatusCode, b.err)
		}
		o.err = err
		return o
	}
	return o
}

// errStatus stands for a status that is itself the failure; the HTTPError
// shows the status alone.
var errStatus = errors.New("unexpected status")

// transportOutcome classifies an error of the connection or of reading the
// body: a timeout and a short body are retried like any connection error,
// except when the server's certificate is refused, the client refused a
// redirect, or ctx itself is done.
func (c *retrier) transportOutcome(tctx context.Context, status int, err error) outcome {
	o := outcome{status: status, err: err, retry: true}
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	switch {
	case tctx.Err() != nil:
		o.err = fmt.Errorf("no complete response within %v: %w", c.timeout, os.ErrDeadlineExceeded)
	case status != 0 && errors.Is(err, io.ErrUnexpectedEOF):
		o.err = fmt.Errorf("body cut short: %w", err)
	case errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne), errors.As(err, &cie),
		errors.Is(err, errRedirect):
		o.retry = false
	}
	return o
}

// unwrapURLError drops the *url.Error around a client error: its message
// repeats the URL, which HTTPError already names.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// wait is the backoff before try+1: a random duration up to
// backoff*2^(try-1), capped at maxBackoff (full jitter).
func (c *retrier) wait(try int) time.Duration {
	ceil := c.backoff
	for i := 1; i < try && ceil < c.maxBackoff; i++ {
		ceil *= 2
	}
	ceil = min(ceil, c.maxBackoff)
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1)
}

// retryAfter parses a Retry-After value, delta-seconds or an HTTP date,
// into a wait from now; 0 when absent, invalid or past.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(maxRetryAfter/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// bodyReader passes a response body through, failing once more than max
// bytes came, and remembers the first error of the body itself (as opposed
// to the reader's caller), so that a try can tell a broken connection from
// bad content.
type bodyReader struct {
	r   io.Reader
	n   int64 // bytes read so far
	max int64
	err error // first error other than io.EOF from r
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.n > b.max {
		return 0, tooLarge(b.max)
	}
	if room := b.max + 1 - b.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF && b.err == nil {
		b.err = err
	}
	if b.n > b.max {
		return n, tooLarge(b.max)
	}
	return n, err
}

func tooLarge(max int64) error {
	return fmt.Errorf("%w: body over %d bytes", ErrTooLarge, max)
}
