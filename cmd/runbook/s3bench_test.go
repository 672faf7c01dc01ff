package main

import (
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/runbook-sh/runbook/runbook/state/s3test"
)

// BenchmarkS3StepOverhead runs 100 `true` steps in line mode with the run
// on S3 (the Versity gateway on loopback) and in a state directory,
// interleaved, and reports the cost per step of each and of S3 over the
// directory (scripts/bench).
func BenchmarkS3StepOverhead(b *testing.B) {
	srv := s3test.Start(b)
	bin := runbookBinary(b)
	doc := writeDoc(b, "hundred.md", quickSteps(100, "true"))
	dir := b.TempDir()
	var local, shared []time.Duration
	for i := 0; b.Loop(); i++ {
		env := lineEnv()
		for k, v := range srv.Env() {
			env = append(env, k+"="+v)
		}
		env = append(env, "HOME="+filepath.Join(dir, "home"))
		for _, state := range []string{filepath.Join(dir, "local", string(rune('a'+i))), srv.State("bench")} {
			cmd := exec.Command(bin, "run", "--no-tui", "--yes", "--run", "bench", "--state", state, doc)
			cmd.Env = env
			t0 := time.Now()
			if out, err := cmd.CombinedOutput(); err != nil {
				b.Fatalf("%v\n%s", err, out)
			}
			if filepath.IsAbs(state) {
				local = append(local, time.Since(t0))
			} else {
				shared = append(shared, time.Since(t0))
			}
		}
	}
	slices.Sort(local)
	slices.Sort(shared)
	med := func(d []time.Duration) float64 { return float64(d[len(d)/2].Microseconds()) / 1000 / 100 }
	b.ReportMetric(med(local), "local-ms/step")
	b.ReportMetric(med(shared), "s3-ms/step")
	b.ReportMetric(med(shared)-med(local), "s3-extra-ms/step")
}
