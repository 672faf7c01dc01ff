//go:build unix

package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/runbook-sh/runbook/steps"
)

// groupGoneTimeout bounds the wait for SIGKILLed processes to disappear (a
// process stuck in uninterruptible I/O cannot be killed sooner).
const groupGoneTimeout = 10 * time.Second

// Run executes one attempt of a shell step. It returns only when the step's
// process group is empty and its output has been written to req.Output.
func (e *Executor) Run(ctx context.Context, req steps.Request) steps.Result {
	start := time.Now()
	res := e.run(ctx, req)
	res.Duration = time.Since(start)
	return res
}

func (e *Executor) run(ctx context.Context, req steps.Request) steps.Result {
	if ctx.Err() != nil {
		return cancelled(ctx, steps.Result{ExitCode: -1})
	}
	code := req.Command
	if code == "" && req.Step != nil {
		code = req.Step.Code
	}
	in := interpFor(req.Step)
	var sc *script
	if in.Script {
		var err error
		if sc, err = newScript(code); err != nil {
			return steps.Result{ExitCode: -1, Err: err}
		}
		defer sc.Close()
	}
	env := req.Env
	if env == nil {
		env = os.Environ()
	}
	// The shell session and $RUNBOOK_OUTPUT (session_run.go).
	extras, code, env, err := e.stepExtras(req, in, code, env)
	if err != nil {
		return steps.Result{ExitCode: -1, Err: err}
	}
	defer extras.Close()
	argv := Argv(in, code, sc.scriptPath())
	out := req.Output
	if out == nil {
		out = io.Discard
	}
	console := req.Step != nil && req.Step.Console && req.Terminal == nil
	var capture *captureWriter
	if console {
		capture = &captureWriter{w: out, limit: maxConsoleCapture}
		out = capture
	}

	var res steps.Result
	if req.Terminal != nil {
		res = e.runAttached(ctx, req, argv, env, sc.extraFiles())
	} else {
		res = e.runPty(ctx, req, argv, env, out, sc.extraFiles())
	}
	extras.collect(&res)
	writeStdinNotice(req.Output, req, &res)
	if console && res.Err == nil && !res.TimedOut && !res.Interrupted {
		if notice := consoleNotice(req.Step.Expected, capture); notice != "" {
			if _, err := io.WriteString(req.Output, notice); err != nil && res.Err == nil {
				res.Err = fmt.Errorf("write output: %w", err)
			}
		}
	}
	return res
}

// runPty runs argv with its stdout and stderr on a new pseudo-terminal (or
// a pipe with Options.NoPTY), in a new session (so the group is the
// terminal's only job and cannot be confused with ours). If runbook dies,
// the kernel hangs the terminal up and SIGHUPs the group (not with NoPTY).
//
// Stdin is /dev/null: nobody can type into a non-interactive step, so a
// command that asks a question fails at once instead of hanging until its
// timeout; `interactive` steps get the real terminal instead.
//
// files are handed to the child from descriptor 3 on (a script).
func (e *Executor) runPty(ctx context.Context, req steps.Request, argv, env []string, out io.Writer, files []*os.File) steps.Result {
	var r, w *os.File    // the pty's master and terminal
	var pipe *outputPipe // with NoPTY instead of r
	extra := files
	var lifelineTTY *os.File
	// Setsid makes the shell the leader of a new session and process group
	// (pgid = pid).
	attr := &syscall.SysProcAttr{Setsid: true}
	if e.opt.NoPTY {
		var err error
		if pipe, w, err = newOutputPipe(); err != nil {
			return steps.Result{ExitCode: -1, Err: fmt.Errorf("output pipe: %w", err)}
		}
		defer pipe.Close()
		var release func()
		out, extra, lifelineTTY, release = e.attachLifeline(out, attr, extra)
		defer release()
	} else {
		var err error
		if r, w, err = openStepPty(e.opt.Cols, e.opt.Rows); err != nil {
			return steps.Result{ExitCode: -1, Err: err}
		}
		// The pty becomes the session's controlling terminal (Ctty is the
		// child's fd 1, its stdout).
		attr.Setctty = true
		attr.Ctty = 1
		env = withDefaultTerm(env)
		defer r.Close()
	}
	defer w.Close()
	devnull, err := e.devNull()
	if err != nil {
		return steps.Result{ExitCode: -1, Err: err}
	}

	cmd := e.command(argv)
	cmd.Env = env
	cmd.Dir = req.Dir
	cmd.Stdin = devnull
	cmd.Stdout = w
	cmd.Stderr = w
	cmd.ExtraFiles = extra
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		e.forget(argv[0])
		return steps.Result{ExitCode: -1, Err: fmt.Errorf("start %s: %w", argv[0], err)}
	}
	if req.Background {
		defer startWatchdog(cmd.Process.Pid).stop()
	}
	if req.Started != nil {
		req.Started(cmd.Process.Pid)
	}
	defer e.offerInput(req, cmd.Process.Pid, r, w.Name())()
	// Only the child may hold the write end: the read end sees EOF (EIO for
	// a pty) once the last process holding it is gone.
	w.Close()
	if lifelineTTY != nil {
		lifelineTTY.Close()
		e.stockLifeline()
	}

	drained := make(chan error, 1)
	if pipe != nil {
		go func() { drained <- e.copyPipe(out, pipe) }()
	} else {
		go func() { drained <- e.copyOutput(out, r) }()
	}

	res := e.supervise(ctx, req.Timeout, cmd)

	return e.collect(res, cmd.Process.Pid, drained, pipe, r)
}

// collect waits for the step's output to be drained once every process of
// its group is gone; what they wrote is still in the terminal's buffer,
// and normally drained within microseconds.
func (e *Executor) collect(res steps.Result, pid int, drained chan error, pipe *outputPipe, r *os.File) steps.Result {
	ok, werr := waitDrain(drained, stragglerDelay)
	if !ok {
		// Something outside the group still holds the terminal: a job the
		// step started in its own group (`set -m`), still in the step's
		// session, or a process that left the session (setsid).
		if err := killSession(pid, groupGoneTimeout); err != nil && res.Err == nil {
			res.Err = err
		}
		if ok, werr = waitDrain(drained, e.opt.DrainTimeout); !ok {
			// Only a process outside the session can be left: stop
			// reading rather than wait for it.
			if pipe != nil {
				pipe.stop.Store(true)
			} else {
				_ = r.SetReadDeadline(time.Now())
			}
			werr = <-drained
		}
	}
	if werr != nil && res.Err == nil {
		res.Err = fmt.Errorf("write output: %w", werr)
	}
	return res
}

// attachLifeline gives a NoPTY step's session a terminal of its own (the
// lifeline): output goes to the pipe, but if runbook is killed (kill -9)
// the kernel hangs the terminal up and SIGHUPs the step's group, as with a
// pty; otherwise the step runs on, and a resumed run starts it a second
// time beside it. What the step writes to /dev/tty is drained into out.
// It returns the writer to use from now on, the child's extra files, the
// lifeline terminal (nil without one) and what to run when the step is
// over (deferred by the caller, in the place of the defers it replaces).
func (e *Executor) attachLifeline(out io.Writer, attr *syscall.SysProcAttr, extra []*os.File) (io.Writer, []*os.File, *os.File, func()) {
	ptmx, tty := e.takeLifeline()
	if ptmx == nil {
		return out, extra, nil, func() {}
	}
	attr.Setctty = true
	attr.Ctty = 3 + len(extra) // the child's fd of the lifeline terminal
	extra = append(slices.Clip(extra), tty)
	lw := &lockedWriter{w: out, drained: make(chan struct{})}
	go func() {
		defer close(lw.drained)
		_ = e.copyOutput(lw, ptmx)
	}()
	release := func() {
		// Every process of the step is gone by now: the copy reads what
		// they wrote to /dev/tty, then sees EIO. It must be given that
		// moment — closing the master first loses the output (seen under
		// -race on a busy machine).
		t := time.NewTimer(stragglerDelay)
		defer t.Stop()
		select {
		case <-lw.drained:
			// No process holds the terminal any more. Closing the master
			// is ~50 µs of kernel tty teardown, done while the next step
			// runs.
			e.retire(ptmx)
		case <-t.C:
			// Something outside the step still holds it: closing stops
			// the copy and hangs it up.
			ptmx.Close()
			<-lw.drained
		}
		tty.Close()
	}
	return lw, extra, tty, release
}

// devNull is the steps' stdin, opened once per Executor (read-only and
// close-on-exec, so sharing it between steps is harmless).
func (e *Executor) devNull() (*os.File, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.null == nil {
		f, err := os.Open(os.DevNull)
		if err != nil {
			return nil, err
		}
		e.null = f
	}
	return e.null, nil
}

// takeLifeline returns the spare lifeline terminal, or opens one.
func (e *Executor) takeLifeline() (ptmx, tty *os.File) {
	e.spareMu.Lock()
	spare := e.spare
	e.spare = nil
	e.spareMu.Unlock()
	if spare != nil {
		return spare[0], spare[1]
	}
	return lifeline()
}

// retire keeps the master of a finished step's lifeline terminal, which
// nobody else holds any more, for stockLifeline to close.
func (e *Executor) retire(ptmx *os.File) {
	e.spareMu.Lock()
	e.retired = append(e.retired, ptmx)
	e.spareMu.Unlock()
}

// stockLifeline closes the retired lifeline terminals and opens the next
// NoPTY step's while the step just started runs (the kernel's pseudo-terminal set-up took about
// 50 µs, a noticeable share of a trivial step's cost when it sat between
// two steps). At most one is kept per Executor; it is close-on-exec, so no
// other process gets it.
func (e *Executor) stockLifeline() {
	e.spareMu.Lock()
	have := e.spare != nil
	retired := e.retired
	e.retired = nil
	e.spareMu.Unlock()
	for _, f := range retired {
		f.Close()
	}
	if have {
		return
	}
	ptmx, tty := lifeline()
	if ptmx == nil {
		return
	}
	e.spareMu.Lock()
	defer e.spareMu.Unlock()
	if e.spare != nil { // a concurrent step stocked one first
		ptmx.Close()
		tty.Close()
		return
	}
	e.spare = &[2]*os.File{ptmx, tty}
}

// lockedWriter serialises the two copies (pipe and lifeline terminal) that
// write a NoPTY step's output.
type lockedWriter struct {
	mu      sync.Mutex
	w       io.Writer
	drained chan struct{}
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// stragglerDelay is how long output may take to drain after the group is
// gone before Run looks for processes left in the step's session.
const stragglerDelay = 100 * time.Millisecond

// waitDrain waits up to d for the output copy to finish.
func waitDrain(drained <-chan error, d time.Duration) (done bool, werr error) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case err := <-drained:
		return true, err
	case <-t.C:
		return false, nil
	}
}

// copyOutput copies the pty to w until the terminal is closed by its last
// holder (EIO on Linux) or the read deadline passes. A failing writer does
// not stop the copy: the step must not block on a full terminal.
//
// A pty hands out at most 4 KB per read; whatever more is already waiting
// is read too (up to ptyChunk) before writing, so that a fast producer
// costs the masker, the log and the subscribers fewer, larger writes,
// while a slow one is still shown as soon as it prints.
func (e *Executor) copyOutput(w io.Writer, r *os.File) error {
	b := e.getBuf()
	defer e.putBuf(b)
	buf := b[:ptyChunk]
	rc, err := r.SyscallConn()
	if err != nil {
		return copyPlain(w, r, buf)
	}
	var werr error
	for {
		n := 0
		var rerr error
		err := rc.Read(func(fd uintptr) bool {
			for n < len(buf) {
				k, e := unix.Read(int(fd), buf[n:])
				switch {
				case k > 0:
					n += k
				case e == unix.EINTR:
				case e == unix.EAGAIN:
					return n > 0 // nothing yet: wait for the poller
				case e == nil:
					rerr = io.EOF
					return true
				default:
					rerr = e // EIO: no process holds the terminal any more
					return true
				}
			}
			return true
		})
		if n > 0 && werr == nil {
			_, werr = w.Write(buf[:n])
		}
		if rerr != nil || err != nil {
			// err: the read deadline passed (Run gave up waiting for a
			// process outside the group) or the file was closed.
			return werr
		}
	}
}

// copyPlain is copyOutput for a file without raw access.
func copyPlain(w io.Writer, r *os.File, buf []byte) error {
	var werr error
	for {
		n, err := r.Read(buf)
		if n > 0 && werr == nil {
			_, werr = w.Write(buf[:n])
		}
		if err != nil {
			return werr
		}
	}
}

// runAttached runs an interactive step on the engineer's terminal: no pty,
// no capture. The step still gets its own process group, made the
// terminal's foreground group so that it can read the keyboard and receives
// the engineer's Ctrl-C itself.
func (e *Executor) runAttached(ctx context.Context, req steps.Request, argv, env []string, files []*os.File) steps.Result {
	term := req.Terminal
	cmd := e.command(argv)
	cmd.Env = env
	cmd.ExtraFiles = files
	cmd.Dir = req.Dir
	cmd.Stdin, cmd.Stdout, cmd.Stderr = term, term, term
	fd := int(term.Fd())
	attr := &syscall.SysProcAttr{Setpgid: true}
	// Only our controlling terminal has a foreground group to hand over;
	// another terminal (a test's pty) is simply used as the step's stdio.
	foreground := false
	if _, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err == nil {
		foreground = true
		attr.Foreground = true
		attr.Ctty = fd
	}
	cmd.SysProcAttr = attr
	if err := cmd.Start(); err != nil {
		e.forget(argv[0])
		return steps.Result{ExitCode: -1, Err: fmt.Errorf("start %s: %w", argv[0], err)}
	}
	res := e.supervise(ctx, req.Timeout, cmd)
	if foreground {
		if err := takeTerminalBack(fd); err != nil && res.Err == nil {
			res.Err = err
		}
	}
	return res
}

// takeTerminalBack makes our process group the terminal's foreground group
// again. We are a background group at this point, so the kernel would stop
// us with SIGTTOU unless it is ignored while we do it.
func takeTerminalBack(fd int) error {
	wasIgnored := signal.Ignored(syscall.SIGTTOU)
	signal.Ignore(syscall.SIGTTOU)
	err := unix.IoctlSetPointerInt(fd, unix.TIOCSPGRP, unix.Getpgrp())
	if !wasIgnored {
		signal.Reset(syscall.SIGTTOU)
	}
	if err != nil {
		return fmt.Errorf("take the terminal back: %w", err)
	}
	return nil
}

// supervise waits for the started command's main process, delivering
// Ctrl-C (SIGINT) and timeout (SIGTERM) to its whole group, then SIGKILL
// after the grace period. When the main process has exited it kills what is
// left of the group, reaps the main process and waits until the group is
// empty.
func (e *Executor) supervise(ctx context.Context, timeout time.Duration, cmd *exec.Cmd) steps.Result {
	pid := cmd.Process.Pid
	pgid := pid // Setsid/Setpgid: the main process leads its group
	exited := make(chan struct{})
	go func() {
		// Learn that the main process exited without reaping it: as long
		// as it is a zombie its pid, hence the group id, cannot be reused,
		// so the kill below cannot hit an unrelated group.
		waitExited(cmd)
		close(exited)
	}()

	var res steps.Result
	var timeoutC, killC <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		timeoutC = t.C
	}
	var graceTimer *time.Timer
	startGrace := func() {
		if graceTimer == nil {
			graceTimer = time.NewTimer(e.opt.Grace)
			killC = graceTimer.C
		}
	}
	defer func() {
		if graceTimer != nil {
			graceTimer.Stop()
		}
	}()
	done := ctx.Done()
wait:
	for {
		select {
		case <-exited:
			break wait
		case <-done:
			done = nil
			if !res.TimedOut {
				res.Interrupted = true
			}
			signalGroup(pgid, syscall.SIGINT)
			startGrace()
		case <-timeoutC:
			timeoutC = nil
			if !res.Interrupted {
				res.TimedOut = true
			}
			signalGroup(pgid, syscall.SIGTERM)
			startGrace()
		case <-killC:
			killC = nil
			signalGroup(pgid, syscall.SIGKILL)
		}
	}
	// Whatever the main process left behind (`server &`) goes with it.
	signalGroup(pgid, syscall.SIGKILL)
	err := cmd.Wait()
	if cmd.ProcessState == nil {
		res.ExitCode = -1
		res.Err = fmt.Errorf("wait: %w", err)
	} else {
		res.ExitCode = exitCode(cmd.ProcessState)
	}
	if err := waitGroupGone(pgid, groupGoneTimeout); err != nil && res.Err == nil {
		res.Err = err
	}
	if res.Interrupted {
		res = cancelled(ctx, res)
	}
	return res
}

// cancelled marks res as interrupted; a cancellation other than the
// engineer's Ctrl-C (the program shutting down) is also reported as Err.
func cancelled(ctx context.Context, res steps.Result) steps.Result {
	res.Interrupted = true
	if cause := context.Cause(ctx); cause != nil && !errors.Is(cause, steps.ErrInterrupted) && res.Err == nil {
		res.Err = fmt.Errorf("step cancelled: %w", cause)
	}
	return res
}

func signalGroup(pgid int, sig syscall.Signal) {
	// ESRCH (group already empty) is the expected outcome, not an error.
	_ = syscall.Kill(-pgid, sig)
}

// waitGroupGone polls until no live process is left in the group.
func waitGroupGone(pgid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	delay := time.Millisecond
	for groupAlive(pgid) {
		if time.Now().After(deadline) {
			return fmt.Errorf("process group %d survived SIGKILL for %s", pgid, timeout)
		}
		signalGroup(pgid, syscall.SIGKILL)
		time.Sleep(delay)
		delay = min(2*delay, 50*time.Millisecond)
	}
	return nil
}

// exitCode follows the shell convention: 128+n for a process killed by
// signal n.
func exitCode(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// scriptPath is where the program reads its script, "" without one.
func (s *script) scriptPath() string {
	if s == nil {
		return ""
	}
	return s.path
}
