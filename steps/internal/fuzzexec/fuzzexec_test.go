//go:build linux

package fuzzexec

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// childFDs lists the descriptors a child process starts with.
func childFDs(t *testing.T) []string {
	out, err := exec.Command("sh", "-c", "ls /proc/$$/fd").Output()
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(string(out))
}

func TestKeepPipesFromChildren(t *testing.T) {
	// Like the pipes go test -fuzz hands its workers: no close-on-exec.
	fd, err := syscall.Dup(1)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	name := strconv.Itoa(fd)
	if !slices.Contains(childFDs(t), name) {
		t.Fatalf("descriptor %d without close-on-exec did not reach the child", fd)
	}
	KeepPipesFromChildren(t)
	if got := childFDs(t); slices.Contains(got, name) {
		t.Fatalf("descriptor %d still reaches the child: %v", fd, got)
	}
}
