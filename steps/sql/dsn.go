package sql

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/runbook-sh/runbook/runbook/mask"
)

// errNoDSN is what a SQL step reports when nothing configures a connection.
var errNoDSN = errors.New("no MySQL connection configured: set mysql.dsn in the front matter, --mysql-dsn or RUNBOOK_MYSQL_DSN")

// caParam is our own DSN parameter naming a PEM CA bundle; it is removed
// before the driver sees the DSN (the driver would send it as a session
// variable).
const caParam = "tls-ca"

const defaultDialTimeout = 10 * time.Second

// conf is a parsed DSN ready for the driver.
type conf struct {
	cfg *mysql.Config
	// redacted is the DSN as written with the password replaced by ****.
	redacted string
	// secrets are the strings to mask in anything we print: the password
	// as written and as decoded.
	secrets []string
}

// mask removes every secret of the DSN, in every form, from s, as the
// engine masks step output (runbook/mask).
func (c *conf) mask(s string) string {
	if c == nil {
		return s
	}
	return mask.New(c.secrets).String(s)
}

// parseDSN reads a go-sql-driver DSN (user:pass@tcp(host:3306)/db?params)
// or a URL (mysql://user:pass@host:3306/db?params). TLS: tls=true and
// tls=skip-verify are the driver's own; a CA bundle (tls-ca=PATH in the DSN,
// else caFile) verifies the server against it, and then any other tls=NAME
// (tls=rds, tls=custom) means "verify with that bundle". The returned error
// never contains the password.
func parseDSN(raw, caFile, dir string) (*conf, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errNoDSN
	}
	c := &conf{secrets: guessPasswords(raw)}
	orig := raw
	base, params := raw, ""
	if strings.HasPrefix(raw, "mysql://") {
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("parse MySQL DSN: %s", c.mask(err.Error()))
		}
		pw, _ := u.User.Password()
		c.secrets = append(c.secrets, pw)
		c.redacted = raw
		if pw != "" {
			c.redacted = strings.Replace(raw, ":"+escapedPassword(raw)+"@", ":"+mask.Text+"@", 1)
		}
		host := u.Host
		if host == "" {
			host = "127.0.0.1:3306"
		}
		user := ""
		if u.User != nil {
			user = u.User.Username() + "@"
		}
		// Rebuilt without the password so the driver's parser handles the
		// parameters; the password is set on the Config directly.
		base = user + "tcp(" + host + ")" + "/" + strings.TrimPrefix(u.Path, "/")
		params = u.RawQuery
		cfg, err := finish(c, orig, base, params, caFile, dir)
		if err != nil {
			return nil, err
		}
		cfg.Passwd = pw
		return c, nil
	}
	// A CA path has slashes, which would confuse the driver's search for the
	// last '/' (before the database name), so it is taken out first.
	ca, raw := cutCAParam(raw)
	if ca != "" {
		caFile = ca
	}
	if slash := strings.LastIndexByte(raw, '/'); slash >= 0 {
		if q := strings.IndexByte(raw[slash:], '?'); q >= 0 {
			base, params = raw[:slash+q], raw[slash+q+1:]
		}
	}
	cfg, err := finish(c, orig, base, params, caFile, dir)
	if err != nil {
		return nil, err
	}
	c.secrets = append(c.secrets, cfg.Passwd)
	if cfg.Passwd != "" {
		c.redacted = strings.Replace(orig, ":"+cfg.Passwd+"@", ":"+mask.Text+"@", 1)
	}
	return c, nil
}

// cutCAParam removes tls-ca=VALUE (the value runs to the next '&') from a
// DSN.
func cutCAParam(raw string) (ca, rest string) {
	i := max(strings.LastIndex(raw, "?"+caParam+"="), strings.LastIndex(raw, "&"+caParam+"="))
	if i < 0 {
		return "", raw
	}
	v := raw[i+len(caParam)+2:]
	after := ""
	if j := strings.IndexByte(v, '&'); j >= 0 {
		v, after = v[:j], v[j+1:]
	}
	if p, err := url.QueryUnescape(v); err == nil {
		v = p
	}
	rest = raw[:i]
	if after != "" {
		rest += raw[i:i+1] + after
	}
	return v, rest
}

// finish takes our TLS parameters out of params, lets the driver parse the
// rest and applies the TLS setting.
func finish(c *conf, orig, base, params, caFile, dir string) (*mysql.Config, error) {
	if c.redacted == "" {
		c.redacted = c.mask(orig)
	}
	var keep []string
	tlsName, ca := "", caFile
	for _, kv := range strings.Split(params, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		switch k {
		case caParam:
			p, err := url.QueryUnescape(v)
			if err != nil {
				return nil, fmt.Errorf("parse MySQL DSN %s: %s=: %w", c.redacted, caParam, err)
			}
			ca = p
			continue
		case "tls":
			tlsName = strings.ToLower(v)
		}
		keep = append(keep, kv)
	}
	custom := false
	switch tlsName {
	case "true", "1":
		custom = ca != ""
	case "skip-verify", "preferred", "false", "0":
	case "":
		custom = ca != ""
	default:
		if ca == "" {
			return nil, fmt.Errorf("MySQL DSN %s: tls=%s needs a CA bundle: add %s=/path/to/bundle.pem to the DSN", c.redacted, tlsName, caParam)
		}
		custom = true
	}
	if custom {
		// The driver would look tls=NAME up in its global registry; we set
		// the tls.Config on this connection's Config instead, so nothing
		// global is registered.
		keep = dropParam(keep, "tls")
	}
	dsn := base
	if len(keep) > 0 {
		dsn += "?" + strings.Join(keep, "&")
	}
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse MySQL DSN %s: %s", c.redacted, c.mask(err.Error()))
	}
	if custom {
		if dir != "" && !filepath.IsAbs(ca) {
			ca = filepath.Join(dir, ca)
		}
		pem, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("read MySQL CA bundle: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("read MySQL CA bundle %s: no PEM certificates in it", ca)
		}
		// ServerName is left empty: the driver sets it to the DSN's host.
		cfg.TLS = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = defaultDialTimeout
	}
	// The driver logs to stderr by default, which would scribble over the
	// TUI; what it logs (a dropped connection) reaches us as an error too.
	cfg.Logger = quietLogger{}
	// We split statements ourselves (and report each one's result); a
	// server-side multi-statement would defeat that.
	cfg.MultiStatements = false
	// Values go to the server as bind parameters of prepared statements;
	// the driver must never write them into the text itself.
	cfg.InterpolateParams = false
	c.cfg = cfg
	return cfg, nil
}

func dropParam(kvs []string, key string) []string {
	out := kvs[:0]
	for _, kv := range kvs {
		if k, _, _ := strings.Cut(kv, "="); k != key {
			out = append(out, kv)
		}
	}
	return out
}

// guessPasswords finds the password in a DSN the parsers may reject, so
// that even the error about a malformed DSN cannot show it: the text
// between the first ':' and the last '@' of the part before the address.
func guessPasswords(raw string) []string {
	var pw string
	if strings.HasPrefix(raw, "mysql://") {
		pw = escapedPassword(raw)
	} else {
		// As the driver reads it: the database follows the last '/', the
		// address the last '@' before it.
		s := raw
		if i := strings.LastIndexByte(s, '/'); i >= 0 {
			s = s[:i]
		}
		i := strings.LastIndexByte(s, '@')
		if i < 0 {
			return nil
		}
		_, pw, _ = strings.Cut(s[:i], ":")
	}
	if pw == "" {
		return nil
	}
	out := []string{pw}
	if dec, err := url.PathUnescape(pw); err == nil && dec != pw {
		out = append(out, dec)
	}
	return out
}

// escapedPassword is the password of a mysql:// URL as written.
func escapedPassword(raw string) string {
	s := strings.TrimPrefix(raw, "mysql://")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[:i]
	}
	_, pw, _ := strings.Cut(s, ":")
	return pw
}

type quietLogger struct{}

func (quietLogger) Print(...any) {}
