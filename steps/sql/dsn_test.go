package sql

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/steps/sql/sqltest"
)

func TestParseDSN(t *testing.T) {
	ca := writeCA(t)
	tests := []struct {
		name, dsn, caFile string
		dir               string
		redacted          string
		addr, user, db    string
		pass              string
		tls               string // "", "driver" (driver's own), "ca"
		skipVerify        bool
		params            map[string]string
	}{
		{name: "plain", dsn: "root@tcp(127.0.0.1:3306)/app", redacted: "root@tcp(127.0.0.1:3306)/app",
			addr: "127.0.0.1:3306", user: "root", db: "app"},
		{name: "password masked", dsn: "admin:pa:ss@w/rd@tcp(db.example:3306)/app?time_zone=UTC",
			redacted: "admin:****@tcp(db.example:3306)/app?time_zone=UTC",
			addr:     "db.example:3306", user: "admin", pass: "pa:ss@w/rd", db: "app", params: map[string]string{"time_zone": "UTC"}},
		{name: "url form", dsn: "mysql://admin:p%40ss@db.example/app?sql_mode=%27ANSI%27",
			redacted: "mysql://admin:****@db.example/app?sql_mode=%27ANSI%27",
			addr:     "db.example:3306", user: "admin", pass: "p@ss", db: "app", params: map[string]string{"sql_mode": "'ANSI'"}},
		{name: "url without password", dsn: "mysql://admin@db.example:3307/", redacted: "mysql://admin@db.example:3307/",
			addr: "db.example:3307", user: "admin"},
		{name: "tls true", dsn: "u:pw123@tcp(h:1)/d?tls=true", redacted: "u:****@tcp(h:1)/d?tls=true",
			addr: "h:1", user: "u", pass: "pw123", db: "d", tls: "driver"},
		{name: "tls skip-verify", dsn: "u:pw123@tcp(h:1)/d?tls=skip-verify", redacted: "u:****@tcp(h:1)/d?tls=skip-verify",
			addr: "h:1", user: "u", pass: "pw123", db: "d", tls: "driver", skipVerify: true},
		{name: "tls=rds with bundle in the dsn", dsn: "u:pw123@tcp(h:1)/d?tls=rds&tls-ca=" + ca,
			redacted: "u:****@tcp(h:1)/d?tls=rds&tls-ca=" + ca, addr: "h:1", user: "u", pass: "pw123", db: "d", tls: "ca"},
		{name: "tls=rds with bundle option", dsn: "u@tcp(h:1)/d?tls=rds", caFile: ca,
			redacted: "u@tcp(h:1)/d?tls=rds", addr: "h:1", user: "u", db: "d", tls: "ca"},
		{name: "bundle alone turns TLS on", dsn: "u@tcp(h:1)/d", caFile: ca,
			redacted: "u@tcp(h:1)/d", addr: "h:1", user: "u", db: "d", tls: "ca"},
		{name: "relative bundle from the doc's directory", dsn: "u@tcp(h:1)/d?tls=custom&tls-ca=ca.pem", dir: filepath.Dir(ca),
			redacted: "u@tcp(h:1)/d?tls=custom&tls-ca=ca.pem", addr: "h:1", user: "u", db: "d", tls: "ca"},
		{name: "tls=false wins over the bundle", dsn: "u@tcp(h:1)/d?tls=false", caFile: ca,
			redacted: "u@tcp(h:1)/d?tls=false", addr: "h:1", user: "u", db: "d"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseDSN(tt.dsn, tt.caFile, tt.dir)
			if err != nil {
				t.Fatalf("parseDSN: %v", err)
			}
			cfg := c.cfg
			if c.redacted != tt.redacted {
				t.Errorf("redacted = %q, want %q", c.redacted, tt.redacted)
			}
			if cfg.Addr != tt.addr || cfg.User != tt.user || cfg.Passwd != tt.pass || cfg.DBName != tt.db {
				t.Errorf("addr/user/pass/db = %q %q %q %q, want %q %q %q %q", cfg.Addr, cfg.User, cfg.Passwd, cfg.DBName, tt.addr, tt.user, tt.pass, tt.db)
			}
			if len(cfg.Params) != len(tt.params) {
				t.Errorf("params = %v, want %v", cfg.Params, tt.params)
			}
			for k, v := range tt.params {
				if cfg.Params[k] != v {
					t.Errorf("param %s = %q, want %q", k, cfg.Params[k], v)
				}
			}
			switch tt.tls {
			case "":
				if cfg.TLS != nil {
					t.Errorf("TLS on, want off")
				}
			case "driver":
				if cfg.TLS == nil || cfg.TLS.RootCAs != nil || cfg.TLS.InsecureSkipVerify != tt.skipVerify {
					t.Errorf("TLS = %+v, want the driver's with skip-verify %v", cfg.TLS, tt.skipVerify)
				}
			case "ca":
				if cfg.TLS == nil || cfg.TLS.RootCAs == nil || cfg.TLS.InsecureSkipVerify {
					t.Errorf("TLS = %+v, want verification against the bundle", cfg.TLS)
				}
			}
			if cfg.Timeout != defaultDialTimeout {
				t.Errorf("dial timeout = %v, want %v", cfg.Timeout, defaultDialTimeout)
			}
			if tt.pass != "" && strings.Contains(c.redacted, tt.pass) {
				t.Errorf("redacted %q shows the password", c.redacted)
			}
		})
	}
}

func TestParseDSNErrors(t *testing.T) {
	notPEM := filepath.Join(t.TempDir(), "x.pem")
	if err := os.WriteFile(notPEM, []byte("nope"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ dsn, caFile, want string }{
		{"", "", "no MySQL connection configured: set mysql.dsn in the front matter, --mysql-dsn or RUNBOOK_MYSQL_DSN"},
		{"u:hunter22@tcp(h:1)/d?tls=rds", "", "MySQL DSN u:****@tcp(h:1)/d?tls=rds: tls=rds needs a CA bundle: add tls-ca=/path/to/bundle.pem to the DSN"},
		{"u:hunter22@tcp(h:1)/d?tls=true", notPEM, "read MySQL CA bundle " + notPEM + ": no PEM certificates in it"},
		{"u:hunter22@tcp(h:1/d", "", "parse MySQL DSN u:****@tcp(h:1/d: invalid DSN: network address not terminated (missing closing brace)"},
		{"u:hunter22@h:1/d", "", "parse MySQL DSN u:****@h:1/d: default addr for network 'h:1' unknown"},
		{"mysql://u:hunter22@h:1/d%zz", "", `parse MySQL DSN: parse "mysql://u:****@h:1/d%zz": invalid URL escape "%zz"`},
	}
	for _, tt := range tests {
		_, err := parseDSN(tt.dsn, tt.caFile, "")
		if err == nil {
			t.Errorf("parseDSN(%q): no error", tt.dsn)
			continue
		}
		if err.Error() != tt.want {
			t.Errorf("parseDSN(%q)\n got %q\nwant %q", tt.dsn, err, tt.want)
		}
		if strings.Contains(err.Error(), "hunter22") {
			t.Errorf("error shows the password: %v", err)
		}
	}
}

// writeCA writes a throwaway self-signed CA certificate.
func writeCA(t *testing.T) string {
	t.Helper()
	p, _ := newCA(t)
	return p
}

// newCA makes a throwaway CA, writes its certificate as PEM and returns a
// server certificate it signed for 127.0.0.1.
func newCA(t *testing.T) (string, tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "runbook test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, ca, ca, &caKey.PublicKey, caKey)
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
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leaf, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p, tls.Certificate{Certificate: [][]byte{leafDER, caDER}, PrivateKey: key}
}

func TestRunOverTLSWithCABundle(t *testing.T) {
	t.Parallel()
	caPath, cert := newCA(t)
	otherCA, _ := newCA(t)
	srv := sqltest.StartEmbeddedTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})

	e := newExecutor(t, srv.DSN+"?tls=rds&tls-ca="+caPath)
	res, out := run(t, context.Background(), e, "SELECT 1 AS ok")
	if !res.OK() {
		t.Fatalf("with the right bundle: %+v\n%s", res, out)
	}

	e = newExecutor(t, srv.DSN+"?tls=rds&tls-ca="+otherCA)
	res, _ = run(t, context.Background(), e, "SELECT 1 AS ok")
	if res.ExitCode != 1 || res.Err == nil || !strings.Contains(res.Err.Error(), "certificate signed by unknown authority") {
		t.Fatalf("with another CA's bundle: %+v, want a certificate error", res)
	}
}
