package shell

import (
	"bytes"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// inputPoll is how often a running step is looked at for a process
// blocked reading its terminal. The first look is one period after the
// start: a trivial step never pays for it.
const inputPoll = 400 * time.Millisecond

// watchInput calls waiting(true) when a process of the step's session
// (sid) is blocked in read(2) on the step's terminal (tty, or /dev/tty):
// a password prompt, a question, something nobody will answer in a step
// that is not interactive. waiting(false) follows when none is. The
// returned stop ends the watch (and says false if it had said true).
func watchInput(sid int, tty string, waiting func(bool)) (stop func()) {
	done := make(chan struct{})
	over := make(chan struct{})
	go func() {
		defer close(over)
		t := time.NewTicker(inputPoll)
		defer t.Stop()
		said := false
		for {
			select {
			case <-done:
				if said {
					waiting(false)
				}
				return
			case <-t.C:
			}
			if now := readingTTY(sid, tty); now != said {
				said = now
				waiting(now)
			}
		}
	}()
	return func() {
		close(done)
		<-over
	}
}

// readingTTY reports whether a live process of session sid is blocked
// reading tty.
func readingTTY(sid int, tty string) bool {
	found := false
	forEachProc(func(pid int, state byte, _, session int) {
		if found || session != sid || state != 'S' {
			return
		}
		found = blockedOnTTY(pid, tty)
	})
	return found
}

// blockedOnTTY: /proc/PID/syscall is "NR fd …" while the process sleeps
// in a system call; a read(2) of a descriptor that is the terminal is a
// process waiting for someone to type.
func blockedOnTTY(pid int, tty string) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/syscall")
	if err != nil {
		return false
	}
	f := bytes.Fields(b)
	if len(f) < 2 || string(f[0]) != strconv.Itoa(unix.SYS_READ) {
		return false
	}
	fd, err := strconv.ParseUint(string(bytes.TrimPrefix(f[1], []byte("0x"))), 16, 32)
	if err != nil {
		return false
	}
	link, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/fd/" + strconv.FormatUint(fd, 10))
	return err == nil && (link == tty || link == "/dev/tty")
}
