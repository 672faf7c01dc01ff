package main

import (
	"bufio"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/runbook-sh/runbook/cmd/runbook/internal/startgc"
)

// Commands that print their answer and exit (list, check, status, version,
// …) write stdout through one buffer, flushed when the command returns:
// `list` of a 1 MB runbook otherwise made 55,913 write system calls, one
// per table row, and now makes 8. They also collect garbage less often
// (GOGC 400 unless GOGC is set): they live for milliseconds and hold one
// document, so the collector mostly competed with parsing it. `run`,
// `demo` and the TUI stream their output and run for long, and are left
// alone.
//
// The process starts with GOGC 400 already (package startgc, so that
// package initialisation runs no collection): commands that print and
// exit, and a run in line mode — whose heap is the document and a few
// pooled buffers, and which collected twice before its first step —
// keep it (unless the document is over bigDoc); the TUI and the other
// commands that may live long and hold much go back to the default
// (longLived).

// printsAndExits reports whether cmd is such a command.
func printsAndExits(cmd *cobra.Command) bool {
	switch cmd.Name() {
	case "list", "check", "status", "version", "man", "completion", "bash", "zsh", "fish", "powershell",
		cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return true
	}
	return false
}

// tuneForShortLife applies the above to the running process.
func (s *streams) tuneForShortLife() {
	s.bufferOutput()
	if startgc.Set {
		debug.SetGCPercent(startgc.Percent)
	}
}

// bigDoc is the size of document above which a line-mode run goes back
// to the default target too: its heap is mostly the model, and five
// times that (GOGC 400) would be a lot to hold for a run of hours.
const bigDoc = 1 << 20

// longLived puts the collector's default target back for a command that
// may run for hours holding output and views (the TUI, demo, report, …),
// unless the user set GOGC.
func longLived() {
	if startgc.Set {
		debug.SetGCPercent(100)
	}
}

// bufferOutput makes s.out buffered for the rest of the command; flush
// writes it out.
func (s *streams) bufferOutput() {
	if s.buf == nil {
		s.buf = bufio.NewWriterSize(s.out, 64<<10)
		s.out = s.buf
	}
}

// flush writes out what bufferOutput held back.
func (s *streams) flush() error {
	if s.buf == nil {
		return nil
	}
	return s.buf.Flush()
}
