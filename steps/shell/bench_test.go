//go:build unix

package shell

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/steps"
)

// streamBytes is the size of the streaming benchmark: 64 MB by default (CI),
// RUNBOOK_STREAM_BYTES=1073741824 for the 1 GB figure in docs/performance.md.
func streamBytes(tb testing.TB) int64 {
	if s := os.Getenv("RUNBOOK_STREAM_BYTES"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			tb.Fatalf("RUNBOOK_STREAM_BYTES=%q: want a byte count", s)
		}
		return n
	}
	return 64 << 20
}

// streamToFile runs a step printing n bytes with its output going to a log
// file through a masker, as the engine does, and returns the file size.
func streamToFile(tb testing.TB, opt Options, path string, n int64, secrets []string) int64 {
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	m := steps.NewMasker(f, secrets)
	code := fmt.Sprintf("head -c %d /dev/zero", n)
	res := New(opt).Run(context.Background(), steps.Request{Step: shellStep(code), Command: code, Output: m})
	if err := m.Close(); err != nil {
		tb.Fatal(err)
	}
	if !res.OK() {
		tb.Fatalf("step failed: %+v", res)
	}
	st, err := f.Stat()
	if err != nil {
		tb.Fatal(err)
	}
	return st.Size()
}

func BenchmarkStream(b *testing.B) {
	n := streamBytes(b)
	dir := b.TempDir()
	out := filepath.Join(dir, "out.log")
	b.Run("runbook", func(b *testing.B) {
		b.SetBytes(n)
		for b.Loop() {
			if got := streamToFile(b, Options{}, out, n, nil); got != n {
				b.Fatalf("log has %d bytes, want %d", got, n)
			}
		}
	})
	b.Run("runbook-masked", func(b *testing.B) {
		b.SetBytes(n)
		for b.Loop() {
			streamToFile(b, Options{}, out, n, []string{"hunter2", "AKIAIOSFODNN7EXAMPLE", "\x00\x00\x01"})
		}
	})
	b.Run("runbook-nopty", func(b *testing.B) {
		b.SetBytes(n)
		for b.Loop() {
			streamToFile(b, Options{NoPTY: true}, out, n, nil)
		}
	})
	b.Run("baseline-sh", func(b *testing.B) {
		b.SetBytes(n)
		for b.Loop() {
			cmd := exec.Command("sh", "-c", fmt.Sprintf("head -c %d /dev/zero > %s", n, out))
			if err := cmd.Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestStreamPeakRSS streams RUNBOOK_STREAM_BYTES (64 MB by default) through
// the executor in a child process and checks its peak RSS (VmHWM) stays
// under 64 MB: memory must not grow with the output's size.
func TestStreamPeakRSS(t *testing.T) {
	if os.Getenv("RUNBOOK_STREAM_HELPER") != "" {
		streamHelper(t)
		return
	}
	if testing.Short() {
		t.Skip("short")
	}
	n := streamBytes(t)
	out := filepath.Join(t.TempDir(), "out.log")
	cmd := exec.Command(os.Args[0], "-test.run=^TestStreamPeakRSS$", "-test.v")
	cmd.Env = append(os.Environ(), "RUNBOOK_STREAM_HELPER="+out, "RUNBOOK_STREAM_BYTES="+strconv.FormatInt(n, 10))
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, b)
	}
	var hwm, size int64
	var secs float64
	for _, l := range strings.Split(string(b), "\n") {
		_, _ = fmt.Sscanf(strings.TrimSpace(l), "stream: bytes=%d seconds=%g vmhwm_kb=%d", &size, &secs, &hwm)
	}
	if size != n || hwm == 0 {
		t.Fatalf("helper output:\n%s", b)
	}
	t.Logf("streamed %d MB in %.2fs (%.0f MB/s), peak RSS %d MB", n>>20, secs, float64(n)/secs/1e6, hwm>>10)
	if hwm > 64<<10 {
		t.Fatalf("peak RSS %d kB > 64 MB", hwm)
	}
}

func streamHelper(t *testing.T) {
	n := streamBytes(t)
	start := time.Now()
	size := streamToFile(t, Options{}, os.Getenv("RUNBOOK_STREAM_HELPER"), n, []string{"hunter2"})
	secs := time.Since(start).Seconds()
	fmt.Printf("stream: bytes=%d seconds=%g vmhwm_kb=%d\n", size, secs, vmHWM(t))
}

// vmHWM is this process's peak resident set size in kB.
func vmHWM(t *testing.T) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		t.Skip("no /proc/self/status")
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb
		}
	}
	t.Skip("no VmHWM")
	return 0
}

// BenchmarkTrueStep is the per-step overhead: a `true` step through the
// executor (pty and pipe modes) against plain `bash -c true`.
func BenchmarkTrueStep(b *testing.B) {
	req := steps.Request{Step: shellStep("true"), Command: "true"}
	b.Run("runbook", func(b *testing.B) {
		e := New(Options{})
		for b.Loop() {
			if res := e.Run(context.Background(), req); !res.OK() {
				b.Fatalf("%+v", res)
			}
		}
	})
	b.Run("runbook-nopty", func(b *testing.B) {
		e := New(Options{NoPTY: true})
		for b.Loop() {
			if res := e.Run(context.Background(), req); !res.OK() {
				b.Fatalf("%+v", res)
			}
		}
	})
	b.Run("baseline-bash", func(b *testing.B) {
		for b.Loop() {
			if err := exec.Command("bash", "-c", "true").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
