//go:build unix

package shell

import (
	"fmt"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// extras are what a step gets besides its code: the shell session's files
// and the file $RUNBOOK_OUTPUT names.
type extras struct {
	session *sessionFiles
	outputs *scratch
}

// stepExtras prepares the session (a shell of the session: the code is
// then sourced after the prelude, capture only when the code may change
// the state) and $RUNBOOK_OUTPUT (Request.Outputs); it returns the code
// and environment to run.
func (e *Executor) stepExtras(req steps.Request, in runbook.Interp, code string, env []string) (*extras, string, []string, error) {
	x := &extras{}
	if req.Session != nil && !in.Script && sessionDialect(in.Dialect) {
		capture := req.Session.Capture && e.mayChangeState(in.Dialect, code, req.Session.Funcs)
		sf, err := newSessionFiles(in.Dialect, req.Session, code, capture)
		if err != nil {
			return x, code, env, err
		}
		if sf != nil {
			x.session, code = sf, sf.wrap(code)
		}
	}
	if req.Outputs {
		out, err := newScratch("output")
		if err != nil {
			x.Close()
			return x, code, env, err
		}
		x.outputs = out
		env = append(env[:len(env):len(env)], "RUNBOOK_OUTPUT="+out.path)
	}
	return x, code, env, nil
}

// collect puts what the step changed in the session and what it wrote to
// $RUNBOOK_OUTPUT into its result.
func (x *extras) collect(res *steps.Result) {
	if x.session != nil {
		res.Session, res.SessionNotes = x.session.collect()
	}
	if x.outputs != nil {
		b, err := x.outputs.Bytes()
		if err != nil && res.Err == nil {
			res.Err = fmt.Errorf("read $RUNBOOK_OUTPUT: %w", err)
		}
		res.Outputs = b
	}
}

// Close releases the files.
func (x *extras) Close() {
	if x == nil {
		return
	}
	x.session.Close()
	x.outputs.Close()
}

// sessionFiles are a step's prelude (sourced before its code) and the
// two listings of its shell's state, before and after its code.
type sessionFiles struct {
	d                      runbook.Dialect
	prelude, before, after *scratch
}

// newSessionFiles prepares the session of a step: nil when there is
// nothing to restore nor to capture (capture says whether the step's code
// may change the session at all: mayChangeState).
func newSessionFiles(d runbook.Dialect, sess *steps.ShellSession, code string, capture bool) (sf *sessionFiles, err error) {
	if !capture {
		if len(sess.Vars) == 0 && len(sess.Funcs) == 0 {
			return nil, nil
		}
		s := *sess
		s.Capture = false
		sess = &s
	}
	sf = &sessionFiles{d: d}
	defer func() {
		if err != nil {
			sf.Close()
		}
	}()
	if sf.prelude, err = newScratch("session"); err != nil {
		return nil, err
	}
	var before, after string
	if sess.Capture {
		if sf.before, err = newScratch("before"); err != nil {
			return nil, err
		}
		if sf.after, err = newScratch("after"); err != nil {
			return nil, err
		}
		before, after = sf.before.path, sf.after.path
	}
	if err := sf.prelude.Write([]byte(prelude(d, sess, before, after, mayTrap(code, sess.Funcs)))); err != nil {
		return nil, fmt.Errorf("session file: %w", err)
	}
	return sf, nil
}

// wrap is the step's code after the prelude is sourced, on the code's
// first line (line numbers in the shell's messages stay the doc's).
func (sf *sessionFiles) wrap(code string) string {
	return ". " + quote(sf.prelude.path) + "; " + code
}

// collect compares the two listings: what the step's code changed.
func (sf *sessionFiles) collect() (*journal.SessionChange, []string) {
	if sf.after == nil {
		return nil, nil
	}
	b, err := sf.before.Bytes()
	if err != nil || len(b) == 0 {
		return nil, []string{"the shell's state was not captured: its session did not start (" + errText(err, "no listing") + ")"}
	}
	a, err := sf.after.Bytes()
	if err != nil || len(a) == 0 {
		return nil, []string{"the shell's state was not captured: it did not exit normally (exec, a signal" + sfTrapNote(sf.d) + ")"}
	}
	before, err := parseListing(sf.d, b)
	if err != nil {
		return nil, []string{"the shell's state was not captured: " + err.Error()}
	}
	after, err := parseListing(sf.d, a)
	if err != nil {
		return nil, []string{"the shell's state was not captured: " + err.Error()}
	}
	return diffListings(sf.d, before, after)
}

func sfTrapNote(d runbook.Dialect) string {
	if d == runbook.DialectPOSIX {
		return ", or an EXIT trap of the step's own, which replaces runbook's in POSIX sh"
	}
	return ""
}

func errText(err error, otherwise string) string {
	if err != nil {
		return err.Error()
	}
	return otherwise
}

// Close releases the files.
func (sf *sessionFiles) Close() {
	if sf == nil {
		return
	}
	for _, s := range []*scratch{sf.prelude, sf.before, sf.after} {
		if s != nil {
			s.Close()
		}
	}
}
