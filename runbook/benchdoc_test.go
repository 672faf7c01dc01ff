package runbook

import (
	"os"
	"testing"
)

// TestWriteBenchDoc writes the 1 MB generated runbook that the parse
// benchmarks use to RUNBOOK_BENCH_DOC, for whole-process timings of
// `runbook list` (scripts/bench).
func TestWriteBenchDoc(t *testing.T) {
	path := os.Getenv("RUNBOOK_BENCH_DOC")
	if path == "" {
		t.Skip("set RUNBOOK_BENCH_DOC to a path to write the benchmark doc")
	}
	if err := os.WriteFile(path, genRunbook(1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
}
