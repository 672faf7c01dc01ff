package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// releaseBinary builds runbook as the release does (CGO off, -trimpath,
// symbols stripped) into dir.
func releaseBinary(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "runbook")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// helloBinary is the floor of a Go process start on this machine: a
// program that prints one line.
func helloBinary(t *testing.T, dir string) string {
	t.Helper()
	src := filepath.Join(dir, "hello")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"go.mod":  "module hello\n\ngo 1.26\n",
		"main.go": "package main\n\nimport \"os\"\n\nfunc main() { os.Stdout.WriteString(\"hello\\n\") }\n",
	} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "hello-bin")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build hello: %v\n%s", err, out)
	}
	return bin
}

// TestStartupTimes measures whole processes, start to exit, as a shell
// runs them: `runbook version`, `runbook list` of the 1 MB benchmark doc
// (RUNBOOK_BENCH_DOC, written by scripts/bench) and a hello-world Go
// program, interleaved so that load hits all alike, and logs the fastest
// and the median of each and the release binary's size. The targets are
// absolute times, which only a quiet machine shows: the fastest run is
// the estimate of that. Opt in with RUNBOOK_PERF=1; scripts/bench reads
// the log lines.
func TestStartupTimes(t *testing.T) {
	if os.Getenv("RUNBOOK_PERF") == "" {
		t.Skip("set RUNBOOK_PERF=1 to measure")
	}
	dir := t.TempDir()
	bin, hello := releaseBinary(t, dir), helloBinary(t, dir)
	if fi, err := os.Stat(bin); err == nil {
		t.Logf("release binary: %d bytes (%.1f MB)", fi.Size(), float64(fi.Size())/1e6)
	}
	runs := map[string][]string{"hello": {hello}, "version": {bin, "version"}}
	if doc := os.Getenv("RUNBOOK_BENCH_DOC"); doc != "" {
		runs["list"] = []string{bin, "list", doc}
	}
	n := 40
	if os.Getenv("RUNBOOK_PERF_RUNS") != "" {
		fmt.Sscan(os.Getenv("RUNBOOK_PERF_RUNS"), &n)
	}
	times := map[string][]time.Duration{}
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range runs {
			if !yield(k) {
				return
			}
		}
	})
	for i := 0; i < n+3; i++ {
		for _, name := range names {
			argv := runs[name]
			cmd := exec.Command(argv[0], argv[1:]...)
			t0 := time.Now()
			if out, err := cmd.Output(); err != nil {
				t.Fatalf("%s: %v\n%s", name, err, out)
			}
			if i >= 3 { // the first runs warm the page cache
				times[name] = append(times[name], time.Since(t0))
			}
		}
	}
	for _, name := range names {
		d := times[name]
		slices.Sort(d)
		t.Logf("startup %s: fastest %s median %s", name, ms(d[0]), ms(d[len(d)/2]))
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/1e6) }

// TestNoReflectMethodLookup: nothing in runbook may call
// reflect.Value.Method or MethodByName (text/template and html/template
// do): the linker then keeps every exported method of every type it
// sees, which made the binary ≈11 MB larger (all of the AWS clients'
// operations).
func TestNoReflectMethodLookup(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out, err := exec.Command("go", "tool", "nm", runbookBinary(t)).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, sym := range []string{"reflect.Value.MethodByName", "reflect.Value.Method", "text/template.(*state).evalField"} {
		if bytes.Contains(out, []byte(" T "+sym+"\n")) {
			t.Errorf("the binary links %s", sym)
		}
	}
}
