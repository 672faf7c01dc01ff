package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook/mask"
)

// formsSecret has quotes, a backslash, spaces, $, a backquote and
// non-ASCII: every escaping rule has something to do.
const formsSecret = "S3cr\"et 'pa\\ss' $x `y` ¿€-tail"

// TestSecretFormsNeverShown runs real commands that print a secret the
// ways programs do — set -x, printf %q (UTF-8 and C locales), declare -p,
// ${x@Q}, jq (a JSON string, a JSON document inside a JSON string as
// `aws secretsmanager get-secret-value` prints it, @uri), python's
// json.dumps and urllib quote/quote_plus, base64 alone and inside a longer
// text at each byte alignment, standard and URL-safe — and searches the
// terminal output, the journal, the step logs and every report format for
// the secret and each of its forms: none is there.
func TestSecretFormsNeverShown(t *testing.T) {
	t.Setenv("RUNBOOK_VAR_DB_PASSWORD", formsSecret)
	script := []string{
		`set -x; : "$DB_PASSWORD"; { set +x; } 2>/dev/null`,
		`printf '%q\n' "$DB_PASSWORD"`,
		`LC_ALL=C printf '%q\n' "$DB_PASSWORD"`,
		`declare -p DB_PASSWORD`,
		`printf '%s\n' "${DB_PASSWORD@Q}"`,
		`printf '%s' "$DB_PASSWORD" | base64 -w0; echo`,
		`printf '%s' "$DB_PASSWORD" | base64 -w0 | tr '+/' '-_' | tr -d =; echo`,
		`for p in '' x xy; do printf '%s' "{\"user\":\"app$p\",\"password\":\"$DB_PASSWORD\"}" | base64 -w0; echo; done`,
		`echo "pw=<db-password>"`,
	}
	if _, err := exec.LookPath("jq"); err == nil {
		script = append(script,
			`jq -cn --arg v "$DB_PASSWORD" '$v'`,
			`jq -n --arg v "$DB_PASSWORD" '{Name: "prod/db", SecretString: ({username: "app", password: $v} | tojson)}'`,
			`jq -rn --arg v "$DB_PASSWORD" '$v|@uri'`)
	} else {
		t.Log("no jq: its forms are not printed")
	}
	if _, err := exec.LookPath("python3"); err == nil {
		script = append(script,
			`python3 -c 'import json,os; print(json.dumps(os.environ["DB_PASSWORD"]))'`,
			`python3 -c 'import json,os; print(json.dumps({"pw": os.environ["DB_PASSWORD"]}, ensure_ascii=False))'`,
			`python3 -c 'import os,urllib.parse as u; p=os.environ["DB_PASSWORD"]; print(u.quote(p)); print(u.quote_plus(p))'`)
	} else {
		t.Log("no python3: its forms are not printed")
	}
	// The second step fails with the secret in its last lines, so reports
	// show an excerpt of its log and its error.
	doc := writeDoc(t, "leak.md", "---\nvariables:\n  db-password:\n    secret: true\n---\n# Leak\n\n"+
		"```bash {name=forms}\n"+strings.Join(script, "\n")+"\n```\n\n"+
		"```bash {name=fail}\nprintf '%s' \"$DB_PASSWORD\" | base64; printf '%q\\n' \"$DB_PASSWORD\"; exit 3\n```\n")

	var out, errb bytes.Buffer
	code := execute([]string{"run", "--no-tui", "--yes", doc}, strings.NewReader(""), &out, &errb)
	if code != exitFailed || !strings.Contains(out.String(), "fail  failed (exit 3)") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	shown := map[string]string{"terminal": out.String() + errb.String()}
	// Each command printed something, masked.
	if n := strings.Count(out.String(), mask.Text); n < len(script) {
		t.Errorf("%d masks for %d commands:\n%s", n, len(script), out.String())
	}
	state := filepath.Join(filepath.Dir(doc), ".runbook")
	filepath.Walk(state, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			b, _ := os.ReadFile(p)
			shown[p] = string(b)
		}
		return nil
	})
	for _, format := range []string{"md", "html", "json", "junit"} {
		var rep, rerr bytes.Buffer
		if c := execute([]string{"report", "--format", format, doc}, strings.NewReader(""), &rep, &rerr); c != exitOK {
			t.Fatalf("report %s: exit %d: %s", format, c, rerr.String())
		}
		shown["report "+format] = rep.String()
	}
	for where, text := range shown {
		for _, form := range leakProbes(formsSecret) {
			if strings.Contains(text, form) {
				t.Errorf("%s shows %q:\n%s", where, form, text)
			}
		}
	}
}

// leakProbes are the secret's forms, and pieces any form of it would show
// unmasked: its ends (plain ASCII in every escaping) and the middle of its
// base64 at each alignment.
func leakProbes(secret string) []string {
	probes := append(mask.Forms(secret), "S3cr", "-tail")
	for align := range 3 {
		for _, enc := range []*base64.Encoding{base64.RawStdEncoding, base64.RawURLEncoding} {
			e := enc.EncodeToString(append(make([]byte, align), secret...))
			mid := len(e) / 2
			probes = append(probes, e[mid-4:mid+4])
		}
	}
	return probes
}
