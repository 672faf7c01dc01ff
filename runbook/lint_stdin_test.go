package runbook

import (
	"strings"
	"testing"
)

// check warns about the commands of a step that is not interactive which
// wait for someone to type on the terminal; it says nothing when their
// input is given (a here-doc, a redirection, a pipe, -n, --password-stdin)
// or the step is interactive.
func TestLintReadsTerminal(t *testing.T) {
	for _, c := range []struct {
		code string
		want string // the command named, "" for no warning
	}{
		{"read -p 'Continue? ' ok", "read"},
		{"read -r line <<< \"$x\"", ""},
		{"read -r a b < /etc/hostname", ""},
		{"while read -r l; do echo \"$l\"; done < list.txt", ""},
		{"cat list | while read -r l; do echo \"$l\"; done", ""},
		{"read -u 3 x", ""},
		{"while read -r l; do :; done < <(ls)", ""},
		{"ls | { read -r a; read -r b; }", ""},
		{"read -r x <<EOF\nhello\nEOF", ""},
		{"mapfile -t lines", "mapfile"},
		{"mapfile -t lines < <(ls)", ""},
		{"printf 'y\\n' | read -r ok", ""},
		{"echo \"$(read x; echo $x)\"", "read"},
		{"select env in staging prod; do break; done", "select"},
		{"select env in a b; do break; done < answers", ""},
		{"passwd", "passwd"},
		{"echo pw | passwd --stdin deploy", ""},
		{"sudo systemctl restart nginx", "sudo"},
		{"sudo -n systemctl restart nginx", ""},
		{"echo \"$PW\" | sudo -S true", ""},
		{"sudo -u postgres psql -c 'select 1'", "sudo"},
		{"sudo -n -u postgres psql -W -c 'select 1'", "psql"},
		{"ssh-keygen -t ed25519 -f key", "ssh-keygen"},
		{"ssh-keygen -t ed25519 -N '' -f key", ""},
		{"ssh-keygen -lf key.pub", ""},
		{"mysql -u root -p app", "mysql"},
		{"mysql -u root -psecret -e 'select 1' app", ""},
		{"mysql -u root app < dump.sql", ""},
		{"mysql -u root app", "mysql"},
		{"mysql -Ne 'select 1' app", ""},
		{"mysql -BNe 'select 1'", ""},
		{"mysql -uroot -Nse 'select 1'", ""},
		{"mysql -hexample.com app", "mysql"},
		{"mysql -u root -Np app", "mysql"},
		{"mysql -u root -pexp -e 'select 1'", ""},
		{"psql -h db -c 'select 1'", ""},
		{"psql -Atc 'select 1'", ""},
		{"psql -qAtf q.sql", ""},
		{"psql -hdbc.local", "psql"},
		{"psql -AW -c 'select 1'", "psql"},
		{"sudo -unobody id", "sudo"},
		{"sudo -nu nobody id", ""},
		{"psql -h db -W -c 'select 1'", "psql"},
		{"gcloud auth login", "gcloud auth login"},
		{"gcloud auth login --cred-file=key.json", ""},
		{"gcloud auth list", ""},
		{"aws configure", "aws configure"},
		{"aws configure set region us-east-1", ""},
		{"aws configure sso", "aws configure sso"},
		{"docker login registry.example.com", "docker login registry.example.com"},
		{"echo \"$T\" | docker login --password-stdin -u me r.io", ""},
		{"docker run -it alpine sh", "docker run -it"},
		{"docker run --rm alpine ls -i", ""},
		{"kubectl exec -it pod -- sh", "kubectl exec -it"},
		{"kubectl exec pod -- ls", ""},
		{"vim /etc/hosts", "vim"},
		{"git log | less", "less"},
		{"env FOO=1 read x", "read"},
		{"echo read passwd sudo", ""},
	} {
		src := "# T\n\n```bash {name=s}\necho first\n" + c.code + "\n```\n"
		var got []Diagnostic
		for _, d := range Lint(mustParse(t, src), LintOptions{}) {
			if d.Code == "reads-terminal" {
				got = append(got, d)
			}
		}
		switch {
		case c.want == "" && len(got) > 0:
			t.Errorf("%q: warned %q", c.code, got[0].Message)
		case c.want != "" && len(got) != 1:
			t.Errorf("%q: %d warnings, want one naming `%s`", c.code, len(got), c.want)
		case c.want != "" && (!strings.Contains(got[0].Message, "`"+c.want+"`") || got[0].Line != 5 || got[0].Severity != SevWarning):
			t.Errorf("%q: line %d %q, want line 5 naming `%s`", c.code, got[0].Line, got[0].Message, c.want)
		}
		// an interactive step is typed into: no warning
		isrc := strings.Replace(src, "{name=s}", "{name=s interactive}", 1)
		for _, d := range Lint(mustParse(t, isrc), LintOptions{}) {
			if d.Code == "reads-terminal" {
				t.Errorf("%q interactive: warned %q", c.code, d.Message)
			}
		}
	}
}

// The names a `read -s` sets: what is typed unseen is a password.
func TestSilentReads(t *testing.T) {
	for code, want := range map[string]string{
		"read -rs pw":                       "pw",
		"read -s -p 'Password: ' pw other":  "pw other",
		"read -rsp 'Password: ' pw":         "pw",
		"read -s":                           "REPLY",
		"read -s -a words":                  "words",
		"read -r name":                      "",
		"echo hi; read -s -t 5 a </dev/tty": "a",
	} {
		d := mustParse(t, "# T\n\n```bash {name=s}\n"+code+"\n```\n")
		if got := strings.Join(SilentReads(d.Steps[0]), " "); got != want {
			t.Errorf("%q: %q, want %q", code, got, want)
		}
	}
}
