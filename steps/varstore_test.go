package steps

import (
	"context"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook"
)

// slowSource answers once released: a Secrets Manager call that takes
// its time.
type slowSource struct {
	asked   chan struct{}
	release chan struct{}
}

func (s *slowSource) Resolve(context.Context, string) (string, error) {
	close(s.asked)
	<-s.release
	return "s3cr3t", nil
}

// Resolving a step's values used to hold the engine's lock across the
// source's call: while Secrets Manager answered, a preview, a prompt or
// the TUI reading a value waited for it.
func TestSecretIsFetchedOutsideTheLock(t *testing.T) {
	v := &runbook.Variable{Name: "pw", Source: "slow:db#pw", Secret: true}
	st := step("a", "out:<pw> <env>")
	st.Placeholders = []string{"pw", "env"}
	doc := testDoc(t, st)
	doc.FrontMatter = &runbook.FrontMatter{Variables: []*runbook.Variable{v}}
	doc.Placeholders = []*runbook.Placeholder{{Name: "pw", Secret: true, Var: v}, {Name: "env"}}
	src := &slowSource{asked: make(chan struct{}), release: make(chan struct{})}
	e, rec := open(t, doc, &fakeExec{}, func(c *Config) {
		c.Sources = map[string]SourceResolver{"slow": src}
		c.Sets = map[string]string{"env": "staging"}
	})
	ran := make(chan error, 1)
	go func() { _, err := e.Run(context.Background(), "a", RunOptions{}); ran <- err }()
	<-src.asked
	// The fetch is under way: everything else still answers.
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		e.Var("env")
		e.IsSecret("pw")
		e.VarPrompt("pw")
		e.Missing("a")
		e.Preview("a")
		e.SetVar("env", "staging")
	}()
	select {
	case <-answered:
	case <-time.After(10 * time.Second):
		t.Fatal("variable lookups waited for the source's answer")
	}
	close(src.release)
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	if got := rec.lines()[len(rec.lines())-2]; got != `output a#1 "**** staging"` {
		t.Fatalf("output %s", got)
	}
}
