package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// writeTestCA writes a self-signed CA certificate as PEM into dir.
func writeTestCA(t *testing.T, dir string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestReportsMail(t *testing.T) {
	dir := t.TempDir()
	writeTestCA(t, dir)
	cfgPath := filepath.Join(dir, "grassroots.yaml")
	c, err := Parse([]byte(base+`reports:
  mail:
    smtp: smtp.example.cn:587
    from: 月报 <report@example.cn>
    to: [zzb@example.cn, "办公室 <office@example.cn>"]
    username_env: SMTP_USER
    password_env: SMTP_PASSWORD
    ca_file: ca.pem
`), cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	want := &Mail{SMTP: "smtp.example.cn:587", From: "月报 <report@example.cn>", To: []string{"zzb@example.cn", "办公室 <office@example.cn>"},
		StartTLS: true, UsernameEnv: "SMTP_USER", PasswordEnv: "SMTP_PASSWORD", CAFile: filepath.Join(dir, "ca.pem")}
	if !reflect.DeepEqual(c.Reports.Mail, want) {
		t.Errorf("Mail\n got %+v\nwant %+v", c.Reports.Mail, want)
	}
	if h, p := c.Reports.Mail.Host(), c.Reports.Mail.Port(); h != "smtp.example.cn" || p != 587 {
		t.Errorf("Host, Port = %q, %d", h, p)
	}

	// Without a mail block there is no delivery; a password may go
	// unencrypted to this host's own server.
	c, err = Parse([]byte(base), cfgPath)
	if err != nil || c.Reports.Mail != nil {
		t.Errorf("no mail block: %+v, %v", c.Reports.Mail, err)
	}
	c, err = Parse([]byte(base+"reports: {mail: {smtp: \"127.0.0.1:25\", from: a@b.cn, to: [c@d.cn], starttls: false, username_env: U, password_env: P}}\n"), cfgPath)
	if err != nil || c.Reports.Mail.StartTLS {
		t.Errorf("local server without STARTTLS: %+v, %v", c.Reports.Mail, err)
	}
}

func TestReportsMailErrors(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "grassroots.yaml")
	if err := os.WriteFile(filepath.Join(dir, "notpem.pem"), []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte{1, 2}}), 0o600); err != nil {
		t.Fatal(err)
	}
	writeTestCA(t, dir)
	// Each block starts on the line after base; the error names that line
	// plus the offset given.
	first := strings.Count(base, "\n") + 1
	ok := "    smtp: smtp.example.cn:587\n    from: report@example.cn\n    to: [zzb@example.cn]\n"
	for _, tt := range []struct {
		block string
		line  int // counted from the line "reports:" (0)
		want  string
	}{
		{"  mail:\n    smtp: smtp.example.cn\n    from: report@example.cn\n    to: [zzb@example.cn]\n", 2, `reports.mail.smtp: "smtp.example.cn" is not host:port`},
		{"  mail:\n    smtp: smtp.example.cn:0\n    from: report@example.cn\n    to: [zzb@example.cn]\n", 2, `has no valid port`},
		{"  mail:\n    smtp: smtp.example.cn:25\n    from: report.example.cn\n    to: [zzb@example.cn]\n", 3, `reports.mail.from: "report.example.cn" is not a mail address`},
		{"  mail:\n    smtp: smtp.example.cn:25\n    from: report@example.cn\n    to: [zzb@example.cn, \"zzb at example\"]\n", 4, `reports.mail.to[1]: "zzb at example" is not a mail address`},
		{"  mail:\n    smtp: smtp.example.cn:25\n    from: report@example.cn\n    to: []\n", 4, `reports.mail.to: must not be an empty list`},
		{"  mail:\n    smtp: smtp.example.cn:25\n    from: report@example.cn\n", 2, `missing required key "to" in reports.mail`},
		{"  mail:\n    smtp: smtp.example.cn:25\n    from: report@example.cn\n    to: [a@b.cn, 甲 <A@b.cn>]\n", 4, `reports.mail.to[1]: "A@b.cn" is given twice (first at line`},
		{"  mail:\n" + ok + "    username_env: SMTP_USER\n", 5, `reports.mail.password_env: missing: username_env is given`},
		{"  mail:\n" + ok + "    password_env: SMTP_PASSWORD\n", 5, `reports.mail.username_env: missing: password_env is given`},
		{"  mail:\n" + ok + "    username_env: 9USER\n    password_env: P\n", 5, `reports.mail.username_env: must be the name of an environment variable`},
		{"  mail:\n" + ok + "    ca_file: notpem.pem\n", 5, `notpem.pem is not a PEM file`},
		{"  mail:\n" + ok + "    ca_file: key.pem\n", 5, `holds a PEM "PRIVATE KEY" block`},
		{"  mail:\n" + ok + "    ca_file: missing.pem\n", 5, `reports.mail.ca_file: cannot read`},
		{"  mail:\n" + ok + "    starttls: false\n    ca_file: ca.pem\n", 6, `reports.mail.ca_file: is only used with starttls: true`},
		{"  mail:\n" + ok + "    starttls: false\n    username_env: U\n    password_env: P\n", 5, `reports.mail.starttls: must be true when username_env`},
		{"  mail:\n" + ok + "    starttls: maybe\n", 5, `reports.mail.starttls: want true or false`},
		{"  mail:\n" + ok + "    port: 25\n", 5, `unknown key "port" in reports.mail`},
	} {
		_, err := Parse([]byte(base+"reports:\n"+tt.block), cfgPath)
		var errs Errors
		wantLine := fmt.Sprintf("grassroots.yaml:%d: ", first+tt.line)
		if !errors.As(err, &errs) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want %q", tt.block, err, tt.want)
			continue
		}
		found := false
		for _, e := range errs {
			if strings.Contains(e.Error(), tt.want) && strings.Contains(e.Error(), wantLine) {
				found = true
			}
		}
		if !found {
			t.Errorf("%q: error %v, want %q at %q", tt.block, err, tt.want, wantLine)
		}
	}
}
