package steps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

type fakeSource struct {
	calls int
	vals  map[string]string
}

func (f *fakeSource) Resolve(_ context.Context, ref string) (string, error) {
	f.calls++
	v, ok := f.vals[ref]
	if !ok {
		return "", errors.New("not found")
	}
	return v, nil
}

func varsDoc() *runbook.Document {
	vars := []*runbook.Variable{
		{Name: "env", Default: "dev", Pattern: "dev|staging|prod", Line: 3},
		{Name: "region", Default: "us-east-1"},
		{Name: "token", Source: "env:TOKEN"},
		{Name: "db-password", Source: "vault:db#pw", Secret: true},
		{Name: "plain"},
	}
	doc := &runbook.Document{Path: "doc.md", FrontMatter: &runbook.FrontMatter{Variables: vars}}
	for _, v := range vars {
		doc.Placeholders = append(doc.Placeholders, &runbook.Placeholder{Name: v.Name, Var: v, Default: v.Default, Secret: v.Secret})
	}
	return doc
}

func TestResolutionOrder(t *testing.T) {
	type layers struct {
		set, values, env, run string
	}
	for _, tc := range []struct {
		name    string
		give    layers
		want    string
		wantSrc VarSource
	}{
		{"set wins over everything", layers{"prod", "staging", "dev", "staging"}, "prod", FromSet},
		{"values over env", layers{"", "staging", "prod", "dev"}, "staging", FromValues},
		{"env over run", layers{"", "", "prod", "staging"}, "prod", FromEnv},
		{"run over default", layers{"", "", "", "staging"}, "staging", FromRun},
		{"default last", layers{}, "dev", FromDefault},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := VarsConfig{Doc: varsDoc(), Sets: map[string]string{}, Values: map[string]string{}, Saved: map[string]string{}}
			if tc.give.set != "" {
				cfg.Sets["env"] = tc.give.set
			}
			if tc.give.values != "" {
				cfg.Values["env"] = tc.give.values
			}
			if tc.give.env != "" {
				cfg.Environ = []string{"RUNBOOK_VAR_ENV=" + tc.give.env}
			}
			if tc.give.run != "" {
				cfg.Saved["env"] = tc.give.run
			}
			v, err := NewVars(cfg)
			if err != nil {
				t.Fatal(err)
			}
			got, src, err := v.Resolve(context.Background(), "env")
			if err != nil || got != tc.want || src != tc.wantSrc {
				t.Fatalf("Resolve = %q, %v, %v; want %q, %v", got, src, err, tc.want, tc.wantSrc)
			}
		})
	}
}

func TestSourcesAndSecrets(t *testing.T) {
	vault := &fakeSource{vals: map[string]string{"db#pw": "s3cr3t"}}
	v, err := NewVars(VarsConfig{Doc: varsDoc(), Environ: []string{"TOKEN=tok", "RUNBOOK_VAR_DB_PASSWORD=from-env"},
		Sources: map[string]SourceResolver{"vault": vault}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if got, src, err := v.Resolve(ctx, "token"); got != "tok" || src != FromSource || err != nil {
		t.Fatalf("env source: %q %v %v", got, src, err)
	}
	if v.Secret("token") {
		t.Error("env: source made a secret without being declared one")
	}
	// An earlier layer wins over the source, which is then never fetched.
	if got, src, _ := v.Resolve(ctx, "db-password"); got != "from-env" || src != FromEnv || vault.calls != 0 {
		t.Fatalf("env over source: %q %v calls=%d", got, src, vault.calls)
	}
	v, _ = NewVars(VarsConfig{Doc: varsDoc(), Sources: map[string]SourceResolver{"vault": vault}})
	for range 2 {
		if got, _, err := v.Resolve(ctx, "db-password"); got != "s3cr3t" || err != nil {
			t.Fatalf("vault: %q %v", got, err)
		}
	}
	if vault.calls != 1 {
		t.Errorf("source fetched %d times, want once (cached)", vault.calls)
	}
	if !v.Secret("db-password") {
		t.Error("source value not secret")
	}
	if _, src, err := v.Resolve(ctx, "plain"); src != FromNone || err != nil {
		t.Errorf("plain: %v %v", src, err)
	}
	if _, _, err := v.Resolve(ctx, "token"); err == nil || !strings.Contains(err.Error(), "TOKEN is not set") {
		t.Errorf("unset env source: %v", err)
	}
}

func TestPatternFullMatch(t *testing.T) {
	v, err := NewVars(VarsConfig{Doc: varsDoc(), Sets: map[string]string{"env": "devil"}})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = v.Resolve(context.Background(), "env")
	if err == nil || err.Error() != `value for env does not match its pattern dev|staging|prod: "devil" (from set)` {
		t.Fatalf("got %v", err)
	}
	if err := v.Set("env", "prod"); err != nil {
		t.Fatal(err)
	}
	if err := v.Set("env", "prod\x00"); err == nil {
		t.Fatal("NUL accepted")
	}
}

func TestBadDeclarations(t *testing.T) {
	doc := varsDoc()
	doc.FrontMatter.Variables[0].Pattern = "("
	_, err := NewVars(VarsConfig{Doc: doc})
	var re *runbook.Error
	if !errors.As(err, &re) || re.Line != 3 {
		t.Fatalf("bad pattern: %v", err)
	}
	v, err := NewVars(VarsConfig{Doc: varsDoc()}) // vault: unknown, but only fetching fails
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = v.Resolve(context.Background(), "db-password")
	if err == nil || err.Error() != `variable db-password: unknown source "vault" (known: env)` {
		t.Fatalf("unknown source: %v", err)
	}
}

func TestExport(t *testing.T) {
	env := Export([]string{"PATH=/bin", "REGION=old", "HOME=/root"}, map[string]string{"region": "us-west-2", "path": "x", "db-host": "h"})
	slices.Sort(env)
	want := []string{"DB_HOST=h", "HOME=/root", "PATH=/bin", "REGION=us-west-2", "RUNBOOK_VAR_DB_HOST=h", "RUNBOOK_VAR_PATH=x", "RUNBOOK_VAR_REGION=us-west-2"}
	if !slices.Equal(env, want) {
		t.Fatalf("Export = %q\nwant %q", env, want)
	}
	if EnvName("db-host.name") != "DB_HOST_NAME" {
		t.Error(EnvName("db-host.name"))
	}
}

func TestDeclaredUnderAnotherSpelling(t *testing.T) {
	d := &runbook.Variable{Name: "DB_HOST", Pattern: "[a-z.]+"}
	doc := &runbook.Document{FrontMatter: &runbook.FrontMatter{Variables: []*runbook.Variable{d}},
		Placeholders: []*runbook.Placeholder{{Name: "db-host", Var: d}}}
	v, err := NewVars(VarsConfig{Doc: doc, Sets: map[string]string{"DB_HOST": "db.internal"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, src, err := v.Resolve(context.Background(), "db-host"); got != "db.internal" || src != FromSet || err != nil {
		t.Fatalf("%q %v %v", got, src, err)
	}
	if err := v.Validate("db-host", "BAD"); err == nil {
		t.Fatal("pattern of the declaration not applied to its placeholder")
	}
	if names := v.Names(); strings.Join(names, ",") != "db-host" {
		t.Fatalf("names %v", names)
	}
}

// Issue 14 §6: --set POD_NAME=… (and a --values key written so) names the
// placeholder <pod-name>, as RUNBOOK_VAR_POD_NAME does; a variable
// declared as POD_NAME keeps its own spelling.
func TestValuesFindPlaceholdersCanonically(t *testing.T) {
	doc, err := runbook.Parse("doc.md", []byte("# T\n\n```sh\necho <pod-name> <ns>\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVars(VarsConfig{Doc: doc, Sets: map[string]string{"POD_NAME": "web-1"}, Values: map[string]string{"NS": "prod"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, src, ok := v.Peek("pod-name"); !ok || got != "web-1" || src != FromSet {
		t.Errorf("pod-name = %q %v %v", got, src, ok)
	}
	if got, src, ok := v.Peek("ns"); !ok || got != "prod" || src != FromValues {
		t.Errorf("ns = %q %v %v", got, src, ok)
	}
	v, _ = NewVars(VarsConfig{Doc: doc, Environ: []string{"RUNBOOK_VAR_POD_NAME=web-2"}})
	if got, _, ok := v.Peek("pod-name"); !ok || got != "web-2" {
		t.Errorf("from the environment: pod-name = %q %v", got, ok)
	}
}
