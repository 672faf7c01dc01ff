//go:build unix

// Package fuzzexec keeps a fuzz worker's own pipes out of the processes
// its fuzz target starts.
package fuzzexec

import (
	"os"
	"strconv"
	"syscall"
	"testing"
)

// KeepPipesFromChildren marks every descriptor above standard error
// close-on-exec. go test -fuzz hands each worker the pipes to its
// coordinator as descriptors 3–5 without that flag, so every process a
// target starts inherits them: one that outlives its worker (the worker
// is killed when an input runs past 10 s, and a step's background job
// may live on) holds the coordinator's pipe open, the coordinator waits
// for an end of file that never comes, and the fuzzing run never ends.
// Descriptors Go opened itself already carry the flag.
func KeepPipesFromChildren(tb testing.TB) {
	tb.Helper()
	ents, err := os.ReadDir("/dev/fd")
	if err != nil {
		tb.Fatalf("list open descriptors: %v", err)
	}
	for _, e := range ents {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd <= 2 {
			continue
		}
		syscall.CloseOnExec(fd)
	}
}
