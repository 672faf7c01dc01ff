//go:build unix

package shell_test

import (
	"bytes"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/shell"
)

// TestSecretNeverReachesDisk runs real steps that print a secret in every
// way they can (substituted, from the environment, split across two
// writes, on stderr, in a failing step's command) and then searches every
// file of the run's state directory, and everything shown to subscribers,
// for the secret: zero hits.
func TestSecretNeverReachesDisk(t *testing.T) {
	const secret = "hunter2-S3cr3t"
	dir := t.TempDir()
	src := "---\nvariables:\n  db-password:\n    secret: true\n---\n# Deploy\n\n" +
		"```bash {name=use-secret}\n" +
		"echo \"pw=<db-password>\"\n" +
		"printf 'split:%s' \"${DB_PASSWORD:0:7}\"; sleep 0.05; printf '%s\\n' \"${DB_PASSWORD:7}\"\n" +
		"echo \"env=$RUNBOOK_VAR_DB_PASSWORD\" >&2\n" +
		"```\n\n" +
		"```bash {name=fail-with-secret}\n" +
		"echo '<db-password>' && exit 3\n" +
		"```\n"
	path := filepath.Join(dir, "deploy.md")
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := runbook.Parse(path, []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	reg := steps.NewRegistry()
	reg.Register(runbook.KindShell, shell.New(shell.Options{}))
	ctx := context.Background()
	e, err := steps.Open(ctx, steps.Config{
		Doc: doc, Registry: reg, StateDir: filepath.Join(dir, ".runbook"),
		Sets: map[string]string{"db-password": secret}, Environ: os.Environ(),
	})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var shown bytes.Buffer
	e.Subscribe(func(ev steps.Event) {
		mu.Lock()
		defer mu.Unlock()
		shown.Write(ev.Output)
		if ev.Journal != nil {
			shown.WriteString(ev.Journal.Command + ev.Journal.Error + ev.Journal.Note)
		}
	})
	if st, err := e.Run(ctx, "use-secret", steps.RunOptions{}); err != nil || st != journal.OK {
		t.Fatalf("use-secret: %v %v", st, err)
	}
	if st, err := e.Run(ctx, "fail-with-secret", steps.RunOptions{}); err != nil || st != journal.Failed {
		t.Fatalf("fail-with-secret: %v %v", st, err)
	}
	preview, err := e.Preview("fail-with-secret")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Finish(); err != nil {
		t.Fatal(err)
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}

	mu.Lock()
	out := shown.String()
	mu.Unlock()
	for _, want := range []string{"pw=****", "split:****", "env=****"} {
		if !strings.Contains(out, want) {
			t.Errorf("output shown lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, secret) || strings.Contains(preview, secret) {
		t.Errorf("the secret was shown:\n%s\npreview: %s", out, preview)
	}
	files := 0
	err = filepath.WalkDir(filepath.Join(dir, ".runbook"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		files++
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		// Also the halves: a secret split across two writes must not
		// reach the log as two unmasked pieces.
		for _, s := range []string{secret, secret[:7] + "\r\n", "split:" + secret[:7]} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s contains %q", p, s)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 3 {
		t.Fatalf("only %d files in the state dir: expected a journal and two logs", files)
	}
}
