// Package startgc raises the garbage collector's target for the start of
// the runbook process, before the packages that allocate the most at
// initialisation run.
//
// Package initialisation allocates ≈4 MB (the AWS SDK's service schemas
// and endpoint tables above all), right at the collector's first target
// (4 MB with GOGC 100): every start ran a collection before main, and a
// second one while the run opened, ≈1.5–4 ms of a one-step run on a
// 2-core machine. With the target raised here, a short command or a
// line-mode run of 100 steps collects nothing; main puts the default
// back for the commands that live long (the TUI), see cmd/runbook/batch.go.
//
// It works because of the order the Go specification gives package
// initialisation: the first package in import-path order whose imports
// are all initialised goes next. This package imports only the runtime
// and os, and its path sorts before net/http, which every AWS package
// needs, and before regexp and the goldmark packages.
// TestStartGCRunsFirst checks that it stays so.
package startgc

import (
	"os"
	"runtime/debug"
)

// Percent is the GOGC in force from here on, unless GOGC is set.
const Percent = 400

// Set reports whether this package set the collector's target (GOGC was
// not set by the user).
var Set bool

func init() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(Percent)
		Set = true
	}
}
