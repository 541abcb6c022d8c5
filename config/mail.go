package config

import (
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"os"
	"strconv"
	"strings"
)

// reports.mail: the monthly report delivered by mail (README, Configuration;
// docs/design.md, Delivering the report).

// mailKeys are the keys reports.mail allows.
var mailKeys = []string{"smtp", "from", "to", "starttls", "username_env", "password_env", "ca_file"}

// Mail configures the delivery of the monthly report by mail.
type Mail struct {
	SMTP     string   // host:port of the submission server
	From     string   // the sender, as written ("月报 <report@example.cn>")
	To       []string // the recipients, as written, at least one
	StartTLS bool     // STARTTLS before anything else is sent; default true
	// UsernameEnv and PasswordEnv name the environment variables holding
	// the SMTP AUTH (PLAIN or LOGIN) user and password; both or neither.
	UsernameEnv, PasswordEnv string
	// CAFile (absolute) holds the PEM certificates that are the only roots
	// trusted for the server's certificate; "" trusts the system's roots.
	CAFile string
}

// Host is the server's host name (the part of SMTP before the port).
func (m *Mail) Host() string {
	h, _, _ := net.SplitHostPort(m.SMTP)
	return h
}

// Port is the server's port.
func (m *Mail) Port() int {
	_, p, _ := net.SplitHostPort(m.SMTP)
	n, _ := strconv.Atoi(p)
	return n
}

// mail decodes the optional reports.mail block of the reports block m into
// c.Reports.Mail (nil when absent).
func (d *decoder) mail(m *mapping, c *Config) {
	mm := m.child("mail", false, mailKeys)
	if mm == nil {
		return
	}
	ml := &Mail{StartTLS: true}
	ml.SMTP = mm.smtpAddr("smtp")
	ml.From = mm.address("from", true)
	ml.To = mm.addresses("to")
	ml.StartTLS = mm.boolean("starttls", true)
	ml.UsernameEnv = mm.envName("username_env")
	ml.PasswordEnv = mm.envName("password_env")
	switch {
	case mm.has("username_env") && !mm.has("password_env"):
		d.bad(mm.line("username_env"), mm.key("password_env"), "missing: username_env is given, so name the password's environment variable too")
	case mm.has("password_env") && !mm.has("username_env"):
		d.bad(mm.line("password_env"), mm.key("username_env"), "missing: password_env is given, so name the user's environment variable too")
	case ml.UsernameEnv != "" && !ml.StartTLS && !isLoopback(ml.Host()):
		d.bad(mm.line("starttls"), mm.key("starttls"), "must be true when username_env and password_env are given: the password is not sent unencrypted to another host")
	}
	if mm.has("ca_file") {
		ml.CAFile = mm.filePath("ca_file", true, "")
		if ml.CAFile != "" {
			if err := checkPEM(ml.CAFile); err != nil {
				d.bad(mm.line("ca_file"), mm.key("ca_file"), "%v", err)
			}
		}
		if !ml.StartTLS {
			d.bad(mm.line("ca_file"), mm.key("ca_file"), "is only used with starttls: true")
		}
	}
	c.Reports.Mail = ml
}

// smtpAddr is key's value, a required host:port.
func (m *mapping) smtpAddr(key string) string {
	s, line := m.str(key, true, "")
	if s == "" {
		return ""
	}
	host, port, err := net.SplitHostPort(s)
	n, perr := strconv.Atoi(port)
	switch {
	case err != nil || host == "":
		m.d.bad(line, m.key(key), "%s is not host:port (e.g. smtp.example.cn:587)", quote(s))
	case perr != nil || n < 1 || n > 65535:
		m.d.bad(line, m.key(key), "%s has no valid port (1-65535)", quote(s))
	default:
		return s
	}
	return ""
}

// address is key's value, one mail address ("name <a@b>" or "a@b").
func (m *mapping) address(key string, required bool) string {
	s, line := m.str(key, required, "")
	if s == "" {
		return ""
	}
	if err := checkAddress(s); err != nil {
		m.d.bad(line, m.key(key), "%v", err)
		return ""
	}
	return s
}

// addresses is key's value, a required non-empty list of mail addresses,
// each once.
func (m *mapping) addresses(key string) []string {
	items, lines, _ := m.list(key, true)
	var out []string
	firsts := map[string]int{}
	for i, s := range items {
		k := fmt.Sprintf("%s[%d]", m.key(key), i)
		if err := checkAddress(s); err != nil {
			m.d.bad(lines[i], k, "%v", err)
			continue
		}
		a, _ := mail.ParseAddress(s)
		addr := strings.ToLower(a.Address)
		if firsts[addr] != 0 {
			m.d.bad(lines[i], k, "%s is given twice (first at line %d)", quote(a.Address), firsts[addr])
			continue
		}
		firsts[addr] = lines[i]
		out = append(out, s)
	}
	return out
}

// envName is key's value, the name of an environment variable, or "".
func (m *mapping) envName(key string) string {
	s, line := m.str(key, m.has(key), "")
	if s != "" && !envNameRE.MatchString(s) {
		badEnvName(m.d, line, m.key(key))
		return ""
	}
	return s
}

// checkAddress validates one mail address.
func checkAddress(s string) error {
	a, err := mail.ParseAddress(s)
	if err != nil {
		return fmt.Errorf("%s is not a mail address (want name@example.cn or 名称 <name@example.cn>)", quote(s))
	}
	if strings.ContainsAny(a.Address, "\r\n") {
		return errors.New("a mail address must be one line")
	}
	return nil
}

// checkPEM tells whether path holds at least one PEM certificate that
// parses, and nothing else but certificates.
func checkPEM(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("cannot read %s: %v", path, err)
	}
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			return fmt.Errorf("%s holds a PEM %q block; want certificates only", path, b.Type)
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("%s holds a certificate that does not parse: %v", path, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("%s is not a PEM file: no \"-----BEGIN CERTIFICATE-----\" block", path)
	}
	return nil
}

// isLoopback tells whether host is localhost or a loopback address.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
