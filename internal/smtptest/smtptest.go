// Package smtptest runs a real SMTP server on 127.0.0.1 for tests (built on
// github.com/emersion/go-smtp): it stores every message it accepts, answers
// DATA as told (451 then 250, a 550, …), may offer STARTTLS with a test CA's
// certificate and require AUTH PLAIN. Only tests import it.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"io"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Reply is an answer of the server: its code and words.
type Reply struct {
	Code int
	Text string
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte // as received, CRLF lines
	TLS  bool   // it came over STARTTLS
	User string // the AUTH user, "" without AUTH
}

// Options set up a Server.
type Options struct {
	// TLS, when set, is offered as STARTTLS.
	TLS *tls.Config
	// User and Password, when set, are required by AUTH PLAIN before MAIL.
	User, Password string
	// DataReplies answer DATA in turn; once used up (or with a zero Code)
	// the server accepts the message with 250.
	DataReplies []Reply
}

// Server is a running SMTP server.
type Server struct {
	Addr string // 127.0.0.1:port

	o         Options
	mu        sync.Mutex
	msgs      []Message
	datas     int // DATA commands answered
	authFails int // failed AUTH attempts
}

// Start runs a server on 127.0.0.1 until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{o: o}
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{s: s, c: c}, nil
	}))
	srv.Domain = "localhost"
	srv.TLSConfig = o.TLS
	srv.AllowInsecureAuth = o.TLS == nil
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 64 << 20
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.Addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(l)
	}()
	t.Cleanup(func() {
		srv.Close()
		<-done
	})
	return s
}

// Messages are the messages accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// DataCommands is how many DATA commands the server answered (accepted or
// not).
func (s *Server) DataCommands() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.datas
}

// SetDataReplies replaces the answers still to come to DATA.
func (s *Server) SetDataReplies(r ...Reply) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.o.DataReplies = r
}

// session is one connection.
type session struct {
	s        *Server
	c        *smtp.Conn
	from     string
	to       []string
	user     string
	authDone bool
}

func (x *session) AuthMechanisms() []string {
	if x.s.o.User == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(identity, username, password string) error {
		if username != x.s.o.User || password != x.s.o.Password {
			x.s.mu.Lock()
			x.s.authFails++
			x.s.mu.Unlock()
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Authentication credentials invalid"}
		}
		x.user, x.authDone = username, true
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.o.User != "" && !x.authDone {
		return &smtp.SMTPError{Code: 530, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "Authentication required"}
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := x.s
	s.mu.Lock()
	defer s.mu.Unlock()
	s.datas++
	if len(s.o.DataReplies) > 0 {
		rep := s.o.DataReplies[0]
		s.o.DataReplies = s.o.DataReplies[1:]
		if rep.Code != 0 {
			return &smtp.SMTPError{Code: rep.Code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: rep.Text}
		}
	}
	_, isTLS := x.c.TLSConnectionState()
	s.msgs = append(s.msgs, Message{From: x.from, To: append([]string(nil), x.to...), Data: bytes.Clone(b), TLS: isTLS, User: x.user})
	return nil
}

func (x *session) Reset() { x.from, x.to = "", nil }

func (x *session) Logout() error { return nil }

// CA is a test certificate authority and a server certificate it signed
// for 127.0.0.1 and localhost.
type CA struct {
	PEM    []byte      // the CA's certificate, PEM
	Server *tls.Config // the server's side, with the signed certificate
}

// NewCA makes a CA and a server certificate signed by it.
func NewCA(t testing.TB) *CA {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "grassroots test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{
		PEM:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Server: &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12},
	}
}

// Parsed is a received message taken apart with net/mail and
// mime/multipart.
type Parsed struct {
	Subject string            // decoded (RFC 2047)
	Body    string            // the text/plain part
	Files   map[string][]byte // by the file name of Content-Disposition (RFC 2231), decoded
	Words   map[string]string // RFC 2231 name -> the RFC 2047 filename decoded
}

// Parse takes a received multipart/mixed message apart, failing t when it
// is not one.
func Parse(t testing.TB, raw []byte) Parsed {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	var dec mime.WordDecoder
	p := Parsed{Files: map[string][]byte{}, Words: map[string]string{}}
	if p.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/mixed" {
		t.Fatalf("Content-Type %q: %v", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	fallback := regexp.MustCompile(`filename="([^"]*)"`)
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		if enc := part.Header.Get("Content-Transfer-Encoding"); strings.EqualFold(enc, "base64") {
			if b, err = base64.StdEncoding.DecodeString(strings.NewReplacer("\r", "", "\n", "").Replace(string(b))); err != nil {
				t.Fatal(err)
			}
		}
		if name := part.FileName(); name != "" {
			p.Files[name] = b
			if m := fallback.FindStringSubmatch(part.Header.Get("Content-Disposition")); m != nil {
				if p.Words[name], err = dec.DecodeHeader(m[1]); err != nil {
					t.Fatal(err)
				}
			}
			continue
		}
		if ct := part.Header.Get("Content-Type"); strings.HasPrefix(ct, "text/plain") {
			p.Body = string(b)
		}
	}
	return p
}
