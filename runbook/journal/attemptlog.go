package journal

import (
	"os"
	"path/filepath"
)

// AttemptLog is the log of an attempt, relative to the run directory, or
// "" when it printed nothing. An attempt that was running when runbook
// stopped (kill -9, a crash) has no step-finished event naming its log,
// and one recorded interrupted by an older runbook named none; its output
// is in its log all the same: the output pane, line mode and the reports
// show what it printed before runbook stopped.
func AttemptLog(runDir, step string, a Attempt) string {
	if a.Log != "" || (a.Status != Running && a.Status != Interrupted) || runDir == "" {
		return a.Log
	}
	rel := LogPath(step, a.N)
	fi, err := os.Lstat(filepath.Join(runDir, rel))
	if err != nil || !fi.Mode().IsRegular() {
		return ""
	}
	return rel
}
