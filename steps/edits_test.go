package steps

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

func secretDoc(t *testing.T) *runbook.Document {
	v := &runbook.Variable{Name: "token", Secret: true}
	doc := testDoc(t, step("a", "out:call"), step("b", "out:next"))
	doc.FrontMatter = &runbook.FrontMatter{Variables: []*runbook.Variable{v}}
	return doc
}

// A command edited with a secret in it runs with the secret after the run
// is reopened, never with the mask; the journal never holds the secret.
func TestResumedEditRunsWithItsSecretNotTheMask(t *testing.T) {
	doc := secretDoc(t)
	sets := func(c *Config) { c.Sets = map[string]string{"token": "s3cr3t"} }
	ex := &fakeExec{}
	e, _ := open(t, doc, ex, sets)
	if err := e.EditCommand("a", "out:curl -H 'X: s3cr3t' ****"); err != nil {
		t.Fatal(err)
	}
	e.Close()
	b, _ := os.ReadFile(filepath.Join(e.RunDir(), journal.JournalFile))
	if strings.Contains(string(b), "s3cr3t") || !strings.Contains(string(b), `"refs":[{"at":16,"var":"token"}]`) {
		t.Fatalf("journal:\n%s", b)
	}

	e, _ = open(t, doc, ex, sets)
	if _, err := e.Run(context.Background(), "a", RunOptions{}); err != nil {
		t.Fatal(err)
	}
	// the secret is back; the user's own literal **** stays what it was
	if got := ex.commands(); len(got) != 1 || got[0] != "out:curl -H 'X: s3cr3t' ****" {
		t.Fatalf("ran %q", got)
	}
	if p, err := e.Preview("a"); err != nil || p != "out:curl -H 'X: ****' ****" {
		t.Fatalf("preview %q %v", p, err)
	}
}

// Without the secret's value, or with the secret in a form the journal
// cannot reference, the resumed edit is refused, not run masked.
func TestResumedEditRefusedWhenItsSecretIsUnknown(t *testing.T) {
	for name, edit := range map[string]string{
		"value unknown": "out:curl -H 'X: s3cr3t'",
		// the masker hides one line of a multi-line secret, which is no
		// literal occurrence: the journal has no reference for it
		"other form": "out:echo second-line-of-key",
	} {
		t.Run(name, func(t *testing.T) {
			doc := secretDoc(t)
			secret := "s3cr3t"
			if name == "other form" {
				secret = "first-line-of-key\nsecond-line-of-key"
			}
			ex := &fakeExec{}
			e, _ := open(t, doc, ex, func(c *Config) { c.Sets = map[string]string{"token": secret} })
			if err := e.EditCommand("a", edit); err != nil {
				t.Fatal(err)
			}
			e.Close()
			var reopen func(*Config)
			if name == "other form" {
				reopen = func(c *Config) { c.Sets = map[string]string{"token": secret} }
			} else {
				reopen = func(c *Config) {}
			}
			e, _ = open(t, doc, ex, reopen)
			_, err := e.Run(context.Background(), "a", RunOptions{})
			if err == nil || !strings.Contains(err.Error(), "not run with its secret masked") {
				t.Fatalf("got %v", err)
			}
			if len(ex.commands()) != 0 {
				t.Fatalf("ran %q", ex.commands())
			}
		})
	}
}

func TestReferenceSecretsLongestFirst(t *testing.T) {
	tmpl, refs := referenceSecrets("a=abc b=ab c", map[string]string{"short": "ab", "long": "abc"})
	if tmpl != "a=**** b=**** c" || len(refs) != 2 || refs[0] != (journal.SecretRef{At: 2, Var: "long"}) || refs[1] != (journal.SecretRef{At: 9, Var: "short"}) {
		t.Fatalf("%q %+v", tmpl, refs)
	}
}
