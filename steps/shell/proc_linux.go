package shell

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// lifeline opens a pseudo-terminal that is only a NoPTY step's controlling
// terminal, so that the kernel hangs the step up if runbook dies. A read
// from it returns at once with nothing, as from /dev/null (a prompt on
// /dev/tty fails instead of hanging), and output is not translated. The
// master is pollable so that closing it stops its reader. Nil when no
// pseudo-terminal can be had: the step then runs without one, as before.
func lifeline() (ptmx, tty *os.File) {
	m, t, err := openPair()
	if err != nil {
		return nil, nil
	}
	tio, err := unix.IoctlGetTermios(int(t.Fd()), unix.TCGETS)
	if err == nil {
		tio.Lflag &^= unix.ICANON | unix.ECHO | unix.ISIG | unix.IEXTEN
		tio.Oflag &^= unix.OPOST
		tio.Cc[unix.VMIN], tio.Cc[unix.VTIME] = 0, 0
		err = unix.IoctlSetTermios(int(t.Fd()), unix.TCSETS, tio)
	}
	if err != nil {
		m.Close()
		t.Close()
		return nil, nil
	}
	return m, t
}

// openPair opens a pseudo-terminal: the master non-blocking (pollable),
// the terminal blocking, both close-on-exec and neither our controlling
// terminal. TIOCGPTPEER (Linux 4.13) opens the terminal from the master
// without a lookup in /dev/pts; this pair is opened before every NoPTY
// step, and that lookup with the extra fcntl/epoll calls of pty.Open and
// pollable was about a third of its cost.
func openPair() (ptmx, tty *os.File, err error) {
	m, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC|unix.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	if err := unix.IoctlSetPointerInt(m, unix.TIOCSPTLCK, 0); err != nil { // unlockpt
		unix.Close(m)
		return nil, nil, err
	}
	t, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(m), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		// An older kernel: the portable way.
		unix.Close(m)
		pm, pt, err := pty.Open()
		if err != nil {
			return nil, nil, err
		}
		if pm, err = pollable(pm); err != nil {
			pt.Close()
			return nil, nil, err
		}
		return pm, pt, nil
	}
	return os.NewFile(uintptr(m), "/dev/ptmx"), os.NewFile(t, "/dev/pts"), nil
}

// waitExited blocks until the main process has exited, leaving it a zombie
// (WNOWAIT) so that cmd.Wait reaps it later.
//
// It waits in the Go network poller on a pidfd (readable once the process
// has exited) rather than in a blocking waitid: a thread blocked in a
// system call for the whole step kept the runtime's monitor waking every
// 20 µs to take its processor back (≈60 wake-ups and context switches
// per step on a 2-core machine, CPU the step's own processes wanted).
// Without pidfd (Linux < 5.4) it falls back to waitid.
func waitExited(cmd *exec.Cmd) {
	if pollExited(cmd.Process.Pid) {
		return
	}
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, cmd.Process.Pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if err != unix.EINTR {
			return
		}
	}
}

// groupAlive reports whether a live (non-zombie) process is in the group.
// kill(-pgid, 0) alone is not enough: it also succeeds for zombies, and in a
// container the pid 1 that inherits orphans may never reap them.
func groupAlive(pgid int) bool {
	if err := syscall.Kill(-pgid, 0); err == syscall.ESRCH {
		return false
	}
	return liveMember(pgid)
}

// liveMember scans /proc for a process of the group that is not a zombie.
// Without /proc it assumes one exists, so callers keep waiting (bounded).
func liveMember(pgid int) bool {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		return true
	}
	found := false
	forEachProc(func(_ int, state byte, pg, _ int) {
		if pg == pgid && state != 'Z' && state != 'X' {
			found = true
		}
	})
	return found
}

// killSession SIGKILLs every live process of session sid, until none is
// left or the timeout passes. It finds what the group kill misses: jobs a
// step started in their own process group (`set -m`) but in its session.
// It scans /proc, so it is only called when something is evidently left.
func killSession(sid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		left := 0
		forEachProc(func(pid int, state byte, _, session int) {
			if session == sid && state != 'Z' && state != 'X' {
				left++
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		})
		if left == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("session %d survived SIGKILL for %s", sid, timeout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// forEachProc calls fn for every process in /proc.
func forEachProc(fn func(pid int, state byte, pgrp, session int)) {
	d, err := os.Open("/proc")
	if err != nil {
		return
	}
	defer d.Close()
	names, err := d.Readdirnames(-1)
	if err != nil {
		return
	}
	for _, n := range names {
		if n[0] < '0' || n[0] > '9' {
			continue
		}
		pid, err := strconv.Atoi(n)
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + n + "/stat")
		if err != nil {
			continue // exited meanwhile
		}
		if state, pg, sid, ok := parseStat(b); ok {
			fn(pid, state, pg, sid)
		}
	}
}

// parseStat returns the state, process group and session from
// /proc/PID/stat ("pid (comm) S ppid pgrp session …"); comm may contain
// spaces and parentheses.
func parseStat(b []byte) (state byte, pgrp, session int, ok bool) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 4 || len(f[0]) != 1 {
		return 0, 0, 0, false
	}
	pg, err1 := strconv.Atoi(string(f[2]))
	sid, err2 := strconv.Atoi(string(f[3]))
	if err1 != nil || err2 != nil {
		return 0, 0, 0, false
	}
	return f[0][0], pg, sid, true
}

// growPipe asks the kernel for a pipe buffer of size bytes (1 MiB is the
// default most an unprivileged process may set), so that a step printing
// flat out is not stopped every 64 KiB for runbook to catch up. Where the
// kernel refuses (a user over its pipe quota), the pipe stays as it is.
func growPipe(fd, size int) { _, _ = unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, size) }

// cloexecPipe is pipe2(O_CLOEXEC): no step started meanwhile inherits it.
func cloexecPipe() (p [2]int, err error) {
	err = unix.Pipe2(p[:], unix.O_CLOEXEC)
	return p, err
}

// pollExited waits for pid to exit through a pidfd registered with the
// network poller; false when that cannot be done (then nothing was
// waited for).
func pollExited(pid int) bool {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return false
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	waited := false
	err = rc.Read(func(fd uintptr) bool {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PIDFD, int(fd), &info, unix.WEXITED|unix.WNOWAIT|unix.WNOHANG, nil)
		switch {
		case err == unix.EINTR:
			return false
		case err != nil:
			waited = false // e.g. no P_PIDFD (Linux < 5.4): fall back
			return true
		}
		// WNOHANG leaves info zeroed while the process runs; then wait
		// for the pidfd to be readable
		waited = info.Signo == int32(unix.SIGCHLD)
		return waited
	})
	return err == nil && waited
}
