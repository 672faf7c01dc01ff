package main

import (
	"context"
	"os"

	"golang.org/x/sys/unix"
	"golang.org/x/term"

	"github.com/runbook-sh/runbook/tui/lines"
)

// readSecret reads a line from the terminal without echo, giving up when
// ctx ends (Ctrl-C at the prompt stops the run rather than wait for
// Enter). Echo goes off before waiting, so nothing typed is shown.
func readSecret(ctx context.Context, f *os.File) (string, error) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		b, err := term.ReadPassword(fd)
		return string(b), err
	}
	quiet := *old
	quiet.Lflag &^= unix.ECHO
	quiet.Lflag |= unix.ICANON | unix.ISIG
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, &quiet); err != nil {
		return "", err
	}
	defer unix.IoctlSetTermios(fd, unix.TCSETS, old) //nolint:errcheck // best effort, as term.ReadPassword does
	if err := lines.WaitInput(ctx, f); err != nil {
		return "", err
	}
	b, err := term.ReadPassword(fd)
	return string(b), err
}
