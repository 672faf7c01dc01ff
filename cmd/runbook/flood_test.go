package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"
)

// floodBytes is the size of BenchmarkLineModeOutput's step output: 300 MB
// by default (issue 16), RUNBOOK_FLOOD_BYTES for another (the CI gate
// uses less).
func floodBytes(tb testing.TB) int64 {
	if s := os.Getenv("RUNBOOK_FLOOD_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			tb.Fatalf("RUNBOOK_FLOOD_BYTES=%q: want a byte count", s)
		}
		return n
	}
	return 300 << 20
}

// floodSecret is a secret the run knows, so that the output goes through
// the masker's scan as in a real run, and that the step prints once at
// the end: the benchmark checks it never reaches the screen.
const floodSecret = "hunter2-s3cret-t0ken"

// floodCode prints n bytes of 84-byte lines, then the secret.
func floodCode(n int64, secret string) string {
	return fmt.Sprintf("head -c %d <(yes 'the quick brown fox jumps over the lazy dog 0123456789 abcdefghijklmnopqrstuvwxyz')\necho \"token %s\"", n, secret)
}

// BenchmarkLineModeOutput is issue 16's output throughput: one step
// printing floodBytes in line mode (`run --no-tui --yes`, stdout to a
// file), runbook keeping its masked log copy too, against bash running
// the same code with its stdout to the same file. The two alternate, so
// a busy machine slows both alike; the ratio of the medians is reported,
// and the peak RSS of the runbook process.
func BenchmarkLineModeOutput(b *testing.B) {
	bin := os.Getenv("RUNBOOK_FLOOD_BIN") // another build, for a before/after
	if bin == "" {
		bin = runbookBinary(b)
	}
	n := floodBytes(b)
	doc := writeDoc(b, "flood.md", "---\nvars:\n  api-token:\n    secret: true\n    source: env:API_TOKEN\n---\n"+
		"# Flood\n\n## Print a lot\n\n```bash\n"+floodCode(n, "{api-token}")+"\n```\n")
	dir := b.TempDir()
	out := filepath.Join(dir, "out.txt")
	env := append(lineEnv(), "API_TOKEN="+floodSecret)
	var line, bash []time.Duration
	var rss int64
	for i := 0; b.Loop(); i++ {
		d, hwm := floodRun(b, env, out, bin, "run", "--no-tui", "--yes", "--state-dir", filepath.Join(dir, fmt.Sprint(i)), doc)
		line = append(line, d)
		rss = max(rss, hwm)
		checkFloodOutput(b, out, n)
		d, _ = floodRun(b, env, out, "bash", "-c", floodCode(n, "$API_TOKEN"))
		bash = append(bash, d)
		if err := os.RemoveAll(filepath.Join(dir, fmt.Sprint(i))); err != nil {
			b.Fatal(err)
		}
	}
	slices.Sort(line)
	slices.Sort(bash)
	b.ReportMetric(float64(line[len(line)/2])/float64(bash[len(bash)/2]), "ratio-median")
	b.ReportMetric(float64(line[0])/float64(bash[0]), "ratio-fastest")
	b.ReportMetric(float64(line[len(line)/2].Milliseconds()), "line-median-ms")
	b.ReportMetric(float64(bash[len(bash)/2].Milliseconds()), "bash-median-ms")
	b.ReportMetric(float64(rss)/1024, "peak-rss-MB")
}

// floodRun runs argv with its stdout to a new file out and returns how long
// it took and its peak resident set size in kB.
//
// The peak is VmHWM, read from /proc while the process runs (every few
// milliseconds; it only grows): the rusage of a child started by a large
// process such as this test counts the parent's memory too (the child
// shares it until exec).
func floodRun(tb testing.TB, env []string, out string, argv ...string) (time.Duration, int64) {
	f, err := os.Create(out)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = env
	cmd.Stdout = f
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	hwm := make(chan int64, 1)
	go func() {
		var peak int64
		status := fmt.Sprintf("/proc/%d/status", cmd.Process.Pid)
		comm := filepath.Base(argv[0])
		comm = comm[:min(15, len(comm))] // the kernel's limit
		for {
			if kb, ok := vmHWM(status, comm); ok {
				peak = max(peak, kb)
			}
			select {
			case <-done:
				hwm <- peak
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	err = cmd.Wait()
	d := time.Since(t0)
	close(done)
	peak := <-hwm
	if err != nil {
		tb.Fatalf("%s: %v\n%s", argv[0], err, stderr.Bytes())
	}
	return d, peak
}

// checkFloodOutput checks that runbook printed the whole flood (indented)
// and the secret masked.
func checkFloodOutput(tb testing.TB, out string, n int64) {
	f, err := os.Open(out)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	if st.Size() < n {
		tb.Fatalf("runbook printed %d bytes, want at least %d", st.Size(), n)
	}
	tail := make([]byte, 4096)
	k, _ := f.ReadAt(tail, st.Size()-int64(len(tail)))
	tail = tail[:k]
	if bytes.Contains(tail, []byte(floodSecret)) || !bytes.Contains(tail, []byte("token ****")) {
		tb.Fatalf("the secret is not masked at the end of the output:\n%s", tail)
	}
}

// vmHWM reads the peak RSS in kB from a /proc status file, once the
// process runs the program comm (before its exec it is this test's copy).
func vmHWM(status, comm string) (int64, bool) {
	b, err := os.ReadFile(status)
	if err != nil || !bytes.HasPrefix(b, []byte("Name:\t"+comm+"\n")) {
		return 0, false
	}
	_, v, ok := bytes.Cut(b, []byte("\nVmHWM:"))
	if !ok {
		return 0, false
	}
	v, _, _ = bytes.Cut(v, []byte("\n"))
	kb, err := strconv.ParseInt(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))), 10, 64)
	return kb, err == nil
}
