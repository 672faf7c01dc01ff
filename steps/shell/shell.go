// Package shell runs shell steps: one shell process per attempt, in its own
// session and process group, inside a pseudo-terminal so that colours and
// progress bars behave as in the engineer's terminal. Interrupts, timeouts
// and the end of the step always take the whole group down: a step never
// leaves an orphan behind.
package shell

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

// readBuf is the size of an output read buffer (recycled between
// attempts). Without a pty the step writes into a pipe grown to the same
// size (growPipe), so that one read takes all a fast step wrote while the
// previous chunk went to the log and the screen: a step printing flat out
// costs a few hundred reads and writes per 100 MB, not thousands.
const readBuf = 1 << 20

// ptyChunk caps what copyOutput gathers from a pty before writing it on:
// a pty hands out at most 4 KB per read, and the TUI should see a fast
// step's output in pieces it can draw as they come (about 50 KB on
// average for a step printing flat out).
const ptyChunk = 128 << 10

// maxSpareBufs is how many read buffers an Executor keeps for the next
// attempts (a NoPTY step uses two: its pipe and its lifeline terminal).
const maxSpareBufs = 4

// Options configure an Executor. The zero value is usable.
type Options struct {
	// Grace is how long a step gets between SIGINT (Ctrl-C) or SIGTERM
	// (timeout) and SIGKILL. Default 5s.
	Grace time.Duration
	// Cols and Rows are the pseudo-terminal's size. Default 120×40.
	Cols, Rows uint16
	// NoPTY gives steps a pipe instead of a pseudo-terminal: programs see
	// no terminal (no colours, no progress bars, no CRLF), and output
	// streams several times faster (a pty moves data in 4 KB hops through
	// the kernel's line discipline). For CI logs, where nobody watches.
	// On Linux the step's session still gets a pseudo-terminal as its
	// controlling terminal only (not its stdin or stdout), so that if
	// runbook itself is killed (kill -9) the kernel hangs it up and the
	// step's group gets SIGHUP; elsewhere the step outlives runbook.
	NoPTY bool
	// DrainTimeout bounds how long Run keeps reading output after every
	// process of the group is gone, for the rare process that left the
	// group (setsid) but still holds the terminal. Default 2s.
	DrainTimeout time.Duration
}

// Executor runs shell steps. It is safe for concurrent use.
type Executor struct {
	opt Options
	// bufs recycles output read buffers between attempts: allocating two
	// fresh buffers per step made a run of short steps spend more time in
	// the garbage collector and page faults than in the steps. Unlike a
	// sync.Pool, a garbage collection does not empty it.
	bufs chan *[readBuf]byte
	// paths remembers where each shell program was found in $PATH:
	// exec.Command otherwise stats every $PATH directory before each step.
	mu    sync.Mutex
	paths map[string]string
	null  *os.File // /dev/null, every step's stdin (see devNull)
	// spare is a NoPTY lifeline terminal opened while the previous step
	// ran (see stockLifeline); nil when there is none.
	// retired are masters of finished steps' lifeline terminals, closed by
	// the next stockLifeline: at most one between two steps.
	spareMu sync.Mutex
	spare   *[2]*os.File
	retired []*os.File
	// stateful remembers mayChangeState by dialect and code: a run of
	// many steps reads each once.
	statefulMu sync.Mutex
	stateful   map[string]bool
}

// maxStateful bounds the remembered answers of mayChangeState.
const maxStateful = 4096

// mayChangeState is mayChangeState, remembered per code (and the
// session's functions, which make a call stateful).
func (e *Executor) mayChangeState(d runbook.Dialect, code string, funcs []journal.ShellFunc) bool {
	key := d.String() + "\x00" + code
	for _, f := range funcs {
		key += "\x00" + f.Name
	}
	e.statefulMu.Lock()
	v, ok := e.stateful[key]
	e.statefulMu.Unlock()
	if ok {
		return v
	}
	v = mayChangeState(d, code, funcs)
	e.statefulMu.Lock()
	if e.stateful == nil || len(e.stateful) >= maxStateful {
		e.stateful = map[string]bool{}
	}
	e.stateful[key] = v
	e.statefulMu.Unlock()
	return v
}

var _ steps.Executor = (*Executor)(nil)

// New returns an Executor with opt's zero fields set to their defaults.
func New(opt Options) *Executor {
	if opt.Grace <= 0 {
		opt.Grace = 5 * time.Second
	}
	if opt.Cols == 0 {
		opt.Cols = 120
	}
	if opt.Rows == 0 {
		opt.Rows = 40
	}
	if opt.DrainTimeout <= 0 {
		opt.DrainTimeout = 2 * time.Second
	}
	e := &Executor{opt: opt, paths: map[string]string{}}
	e.bufs = make(chan *[readBuf]byte, maxSpareBufs)
	return e
}

// command is exec.Command(argv[0], argv[1:]...) with the $PATH lookup of a
// bare program name done once per Executor. Only an absolute path found is
// remembered; anything else (not found, found relative to ".") takes
// exec.Command's own path, with its errors, every time.
func (e *Executor) command(argv []string) *exec.Cmd {
	name := argv[0]
	if strings.ContainsRune(name, filepath.Separator) {
		return exec.Command(name, argv[1:]...)
	}
	e.mu.Lock()
	path, ok := e.paths[name]
	e.mu.Unlock()
	if !ok {
		found, err := exec.LookPath(name)
		if err != nil || !filepath.IsAbs(found) {
			return exec.Command(name, argv[1:]...)
		}
		path = found
		e.mu.Lock()
		e.paths[name] = path
		e.mu.Unlock()
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = name // $0 stays what the step's shell= says
	return cmd
}

// forget drops a remembered program path that failed to start (the program
// was removed or replaced), so that the next step looks it up again.
func (e *Executor) forget(name string) {
	e.mu.Lock()
	delete(e.paths, name)
	e.mu.Unlock()
}

// interpFor is the step's interpreter, decided when the doc was parsed
// (runbook.Step.Interpreter); bash for a request without a step.
func interpFor(st *runbook.Step) runbook.Interp {
	if st == nil {
		return runbook.Interp{Argv: []string{"bash"}, Dialect: runbook.DialectBash}
	}
	return st.Interpreter()
}

// Argv is the command line that runs code with in. script is the path the
// program reads the code from when in.Script: python, perl, node, ruby…
// take a script file (`-c` means something else to perl and node); the
// code is then not on the command line either.
//
// bash and zsh run with errexit and pipefail: a runbook step is a sequence
// of production changes, and `docker build … | tee log; docker push …` must
// stop at the failed build instead of pushing a stale image. Their startup
// files are skipped (--noprofile --norc, zsh -f) so that a step behaves the
// same for every engineer; the run's environment carries what it needs.
// POSIX sh gets -e only (pipefail is not portable there). A program
// runbook does not know gets just -c.
func Argv(in runbook.Interp, code, script string) []string {
	argv := slices.Clone(in.Argv)
	if len(argv) == 0 {
		argv = []string{"bash"}
		in.Dialect = runbook.DialectBash
	}
	if in.Script {
		argv = append(argv, in.ScriptArgs...)
		return append(argv, script)
	}
	switch in.Dialect {
	case runbook.DialectBash:
		argv = append(argv, "--noprofile", "--norc", "-e", "-o", "pipefail")
	case runbook.DialectZsh:
		argv = append(argv, "-f", "-e", "-o", "pipefail")
	case runbook.DialectPOSIX, runbook.DialectMksh:
		argv = append(argv, "-e")
	}
	return append(argv, "-c", code)
}
