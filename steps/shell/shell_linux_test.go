package shell

import (
	"os"
	"regexp"
	"strconv"
	"syscall"
	"testing"
)

func TestJobControlBackgroundJobIsKilled(t *testing.T) {
	// With job control on, a background job gets its own process group:
	// the group kill misses it, the session sweep does not.
	code := `set -m; sleep 100 & echo pgid=$$ job=$!`
	res, out := run(t, New(Options{}), code)
	if !res.OK() {
		t.Fatalf("result %+v output %q", res, out)
	}
	m := regexp.MustCompile(`job=(\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("output %q", out)
	}
	job, _ := strconv.Atoi(m[1])
	b, err := os.ReadFile("/proc/" + m[1] + "/stat")
	if err == nil {
		if state, _, _, ok := parseStat(b); ok && state != 'Z' && state != 'X' {
			_ = syscall.Kill(job, syscall.SIGKILL)
			t.Fatalf("background job %d still running (state %c) after Run returned", job, state)
		}
	}
}
