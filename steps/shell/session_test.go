//go:build unix

package shell

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
	"github.com/runbook-sh/runbook/steps/internal/fuzzexec"
)

// term is a run of steps in one session, as the engine keeps it: each
// step starts in the session the steps before left, in the directory
// they left.
type term struct {
	t    *testing.T
	e    *Executor
	lang string
	sess *journal.Session
	dir  string
	n    int
}

func newTerm(t *testing.T, lang string) *term {
	t.Helper()
	if _, err := exec.LookPath(lang); err != nil {
		t.Skipf("%s is not installed", lang)
	}
	return &term{t: t, e: New(Options{NoPTY: true}), lang: lang, sess: journal.NewSession(), dir: t.TempDir()}
}

// shellSession is what the engine hands an executor: the session's
// variables and functions, in name order.
func shellSession(s *journal.Session, capture bool) *steps.ShellSession {
	out := &steps.ShellSession{Capture: capture}
	for _, k := range sortedKeys(s.Vars) {
		out.Vars = append(out.Vars, s.Vars[k])
	}
	for _, k := range sortedKeys(s.Funcs) {
		out.Funcs = append(out.Funcs, s.Funcs[k])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// run runs code as the next step; isolated steps neither see nor change
// the session.
func (tm *term) run(code string, isolated bool) (steps.Result, string) {
	tm.t.Helper()
	tm.n++
	var out syncBuffer
	st := &runbook.Step{ID: "s", Kind: runbook.KindShell, Lang: tm.lang, Code: code}
	if tm.lang == "sh" {
		st.Attrs.Shell = "sh"
	}
	req := steps.Request{Step: st, Command: code, Output: &out, Dir: tm.dir, Env: append(os.Environ(), "RUNBOOK_TEST_ENV=1")}
	if !isolated {
		req.Session = shellSession(tm.sess, true)
		if tm.sess.Cwd != "" {
			req.Dir = tm.sess.Cwd
		}
	}
	res := tm.e.Run(context.Background(), req)
	if !isolated {
		tm.sess.Apply("s", res.Session)
	}
	return res, out.String()
}

func (tm *term) ok(code string) string {
	tm.t.Helper()
	res, out := tm.run(code, false)
	if !res.OK() {
		tm.t.Fatalf("step %d failed: %+v\n%s", tm.n, res, out)
	}
	return out
}

// Issue 14 §1: variables (plain, exported, arrays, associative arrays),
// functions and the working directory one bash step leaves carry into the
// next, as in one terminal; an isolated step sees none of it.
func TestSessionCarriesOverBash(t *testing.T) {
	tm := newTerm(t, "bash")
	sub := filepath.Join(tm.dir, "sub dir")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	tm.ok(`plain="a value with 'quotes' and \"double\" and $HOME"
certs=(ca.pem "kube proxy.pem" $'tab\there')
declare -A tags=([env]=prod ["the key"]=$'line1\nline2')
export REGION=us-west-2
greet() { echo "hello $1 from $REGION"; }
cd "` + sub + `"`)
	if _, out := tm.run(`echo "plain=${plain-unset} certs=${certs[*]-0} region=${REGION-unset}"; type greet >/dev/null 2>&1 && echo has-greet; pwd`, true); !strings.Contains(out, "plain=unset certs=0 region=unset") || strings.Contains(out, "has-greet") || strings.Contains(out, "sub dir") {
		t.Errorf("an isolated step saw the session:\n%s", out)
	}
	out := tm.ok(`echo "plain=$plain"; printf '<%s>' "${certs[@]}"; echo; echo "env=${tags[env]} key=${tags[the key]}"; greet ana; pwd; bash -c 'echo child sees $REGION'`)
	want := "plain=a value with 'quotes' and \"double\" and " + os.Getenv("HOME") + "\n<ca.pem><kube proxy.pem><tab\there>\nenv=prod key=line1\nline2\nhello ana from us-west-2\n" + sub + "\nchild sees us-west-2\n"
	if out != want {
		t.Errorf("step 3 saw:\n%q\nwant:\n%q", out, want)
	}
	// What changed is what the step touched, nothing else.
	var names []string
	for n := range tm.sess.Vars {
		names = append(names, n)
	}
	slices.Sort(names)
	if want := []string{"REGION", "certs", "plain", "tags"}; !slices.Equal(names, want) {
		t.Errorf("session vars = %v, want %v", names, want)
	}
	if v := tm.sess.Vars["REGION"]; v.Attrs != "x" || v.Value != "us-west-2" {
		t.Errorf("REGION = %+v", v)
	}
	if _, ok := tm.sess.Funcs["greet"]; !ok || tm.sess.Cwd != sub {
		t.Errorf("funcs %v cwd %q", tm.sess.Funcs, tm.sess.Cwd)
	}
	// Unset and unexport carry too.
	tm.ok(`unset plain; export -n REGION; unset -f greet`)
	out = tm.ok(`echo "plain=${plain-unset}"; bash -c 'echo child sees ${REGION-nothing}'; echo "region=$REGION"; type greet >/dev/null 2>&1 || echo no-greet`)
	if out != "plain=unset\nchild sees nothing\nregion=us-west-2\nno-greet\n" {
		t.Errorf("after unset:\n%s", out)
	}
}

// The capture survives `exit N`, a set -e failure, a failing last command
// and a trap of the step's own, and changes neither the exit status nor
// the output.
func TestSessionCaptureKeepsStatusAndOutput(t *testing.T) {
	for _, c := range []struct {
		name, code string
		exit       int
		out        string
	}{
		{"exit", "X=1; echo out; exit 7; echo never", 7, "out\n"},
		{"set -e", "X=1; echo out; false; echo never", 1, "out\n"},
		{"last fails", "X=1; echo out; (exit 3)", 3, "out\n"},
		{"own trap", "trap 'echo bye $?' EXIT; X=1; exit 4", 4, "bye 4\n"},
		{"own trap exits", "trap 'rc=$?; echo bye; exit $((rc+1))' EXIT; X=1; false", 2, "bye\n"},
		{"own trap fails", "trap 'false; echo not under set -e' EXIT; X=1", 1, ""},
		{"own trap ignored", "trap '' EXIT INT; X=1", 0, ""},
		{"own trap reset", "trap 'echo bye' EXIT; trap - EXIT; X=1", 0, ""},
		{"xtrace", "set -x; X=1", 0, "+ X=1\n"},
		{"nounset noclobber", "set -u -o noclobber; X=1", 0, ""},
		{"stderr", "X=1; echo err >&2", 0, "err\n"},
		{"last is a program", "X=1; /bin/sh -c 'exit 5'", 5, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			tm := newTerm(t, "bash")
			res, out := tm.run(c.code, false)
			if res.ExitCode != c.exit || out != c.out {
				t.Errorf("exit %d output %q, want %d %q", res.ExitCode, out, c.exit, c.out)
			}
			plain, plainOut := tm.run(c.code, true)
			if plain.ExitCode != res.ExitCode || plainOut != out {
				t.Errorf("without the session: exit %d output %q", plain.ExitCode, plainOut)
			}
			if v := tm.sess.Vars["X"]; v.Value != "1" {
				t.Errorf("X not captured: %+v (notes %v)", tm.sess.Vars, res.SessionNotes)
			}
		})
	}
}

// Any value a bash variable can hold (every byte but NUL) goes through
// the listing and the restore unchanged, and nothing in it runs.
func TestSessionValuesRoundTrip(t *testing.T) {
	tm := newTerm(t, "bash")
	marker := filepath.Join(tm.dir, "pwned")
	values := []string{
		"", " ", "'", `"`, `\`, "$(touch " + marker + ")", "`touch " + marker + "`", "${x:-$(touch " + marker + ")}",
		"a\nb", "\r\n", "\x01\x1b[31m\x7f", "\xff\xfe", "héllo ✓", "'\\''", "$'\\n'", "!!", "*", "-e", "]", "a=b",
	}
	// Values in the session are restored, copied by the step and
	// captured again from there.
	for i, v := range values {
		if strings.Contains(v, "\x00") {
			continue
		}
		tm.sess.Vars["v"+string(rune('a'+i))] = journal.ShellVar{Name: "v" + string(rune('a'+i)), Kind: journal.VarScalar, Value: v}
	}
	tm.sess.Vars["arr"] = journal.ShellVar{Name: "arr", Kind: journal.VarAssoc, Items: []journal.ShellItem{{Key: "$(touch " + marker + ")", Value: "x"}, {Key: "]'\n", Value: "y"}}}
	var copies strings.Builder
	for i := range values {
		n := string(rune('a' + i))
		copies.WriteString("c" + n + "=\"$v" + n + "\"\n")
	}
	copies.WriteString("declare -A carr; for k in \"${!arr[@]}\"; do carr[$k]=${arr[$k]}; done\n")
	tm.ok(copies.String())
	for i, v := range values {
		n := string(rune('a' + i))
		if got := tm.sess.Vars["c"+n]; got.Value != v {
			t.Errorf("value %q came back as %q", v, got.Value)
		}
	}
	if got := tm.sess.Vars["carr"]; len(got.Items) != 2 {
		t.Errorf("assoc copy = %+v", got)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("a value ran as code")
	}
}

// zsh: the same carries over (arrays, associative arrays, functions, cd),
// also when the step sets its own EXIT trap.
func TestSessionCarriesOverZsh(t *testing.T) {
	tm := newTerm(t, "zsh")
	tm.ok(`plain="it's here"; certs=(a.pem "b c.pem"); typeset -A tags; tags=(env prod "the key" v); export REGION=eu-1
greet() { print -r -- "hi $1 $REGION" }
trap 'print bye' EXIT
cd /`)
	out := tm.ok(`print -r -- "$plain|${certs[2]}|${tags[the key]}"; greet ana; pwd`)
	if out != "it's here|b c.pem|v\nhi ana eu-1\n/\n" {
		t.Errorf("zsh step 2 saw %q", out)
	}
}

// POSIX sh carries what it has: variables, exports and the directory.
func TestSessionCarriesOverPOSIX(t *testing.T) {
	tm := newTerm(t, "sh")
	tm.ok(`A='x y'; export B=2; cd /`)
	out := tm.ok(`echo "$A|$B|$(pwd)"; sh -c 'echo child $B'`)
	if out != "x y|2|/\nchild 2\n" {
		t.Errorf("sh step 2 saw %q", out)
	}
}

// FuzzSessionValue: any value (any bytes but NUL), as a scalar, an array
// element and an associative key and value, goes from the session into a
// bash step and back through its listing unchanged, and nothing in it
// runs.
func FuzzSessionValue(f *testing.F) {
	fuzzexec.KeepPipesFromChildren(f)
	for _, v := range []string{"", "'", "$(touch MARKER)", "a\nb", "\xff", "]'\\", "`touch MARKER`", "${a[$(touch MARKER)]}", "\\'"} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, v string) {
		if strings.IndexByte(v, 0) >= 0 {
			return
		}
		tm := newTerm(t, "bash")
		marker := filepath.Join(tm.dir, "ran")
		v = strings.ReplaceAll(v, "MARKER", marker)
		tm.sess.Vars["s"] = journal.ShellVar{Name: "s", Kind: journal.VarScalar, Value: v}
		tm.sess.Vars["a"] = journal.ShellVar{Name: "a", Kind: journal.VarArray, Items: []journal.ShellItem{{Key: "3", Value: v}}}
		tm.sess.Vars["m"] = journal.ShellVar{Name: "m", Kind: journal.VarAssoc, Items: []journal.ShellItem{{Key: v + "k", Value: v}}}
		tm.ok(`s2=$s; a2=("${a[3]}"); declare -A m2; for k in "${!m[@]}"; do m2[$k]=${m[$k]}; done`)
		if got := tm.sess.Vars["s2"].Value; got != v {
			t.Fatalf("scalar %q came back as %q", v, got)
		}
		if got := tm.sess.Vars["a2"].Items; len(got) != 1 || got[0].Value != v {
			t.Fatalf("array element %q came back as %+v", v, got)
		}
		if got := tm.sess.Vars["m2"].Items; len(got) != 1 || got[0].Key != v+"k" || got[0].Value != v {
			t.Fatalf("associative %q came back as %+v", v, got)
		}
		if _, err := os.Stat(marker); err == nil {
			t.Fatal("a value ran as code")
		}
	})
}
