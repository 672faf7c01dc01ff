package journal

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Layout of a run directory. Everything in it is private to the user who
// runs the doc: directories 0700, files 0600.
const (
	// JournalFile is the append-only event log inside a run directory.
	JournalFile = "journal.jsonl"
	// LogDir holds one output log per attempt.
	LogDir = "logs"

	dirPerm  = 0o700
	filePerm = 0o600
)

// DefaultStateDir is where runs of a doc live unless --state-dir says
// otherwise: a .runbook directory beside the doc, so that the state travels
// with the checkout it belongs to.
func DefaultStateDir(docPath string) string {
	return filepath.Join(filepath.Dir(docPath), ".runbook")
}

// DefaultRunName is the doc's file name without extension, slugified, so
// that two docs in one directory get two runs.
func DefaultRunName(docPath string) string {
	base := filepath.Base(docPath)
	if ext := filepath.Ext(base); ext != "" && ext != base {
		base = strings.TrimSuffix(base, ext)
	}
	if s := slug(base); s != "" {
		return s
	}
	return "run"
}

// slug keeps lower-case letters, digits, '-' and '_' and turns every other
// run of characters into one '-'.
func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// RunDir is the directory of one run.
func RunDir(stateDir, run string) string { return filepath.Join(stateDir, run) }

// CheckRunName refuses names that would escape the state directory or hide
// in it, since run names become directory names.
func CheckRunName(run string) error {
	switch {
	case run == "":
		return fmt.Errorf("empty run name")
	case run == "." || run == ".." || strings.HasPrefix(run, "."):
		return fmt.Errorf("run name %q must not start with a dot", run)
	case strings.ContainsAny(run, `/\`):
		return fmt.Errorf("run name %q must not contain a path separator", run)
	case len(run) > 200:
		return fmt.Errorf("run name is %d bytes long; the limit is 200", len(run))
	case !utf8.ValidString(run):
		return fmt.Errorf("run name %q is not UTF-8", run)
	}
	for _, r := range run {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return fmt.Errorf("run name %q must not contain control or format characters", run)
		}
	}
	return nil
}

// LogPath is the log file of one attempt, relative to the run directory.
// Step ids contain '/', so they are flattened; when flattening changed the
// id, a short hash of the original keeps two ids from sharing a file.
func LogPath(step string, attempt int) string {
	var b strings.Builder
	for _, r := range step {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	name := b.String()
	if name != step || name == "" {
		sum := sha256.Sum256([]byte(step))
		name += "-" + hex.EncodeToString(sum[:3])
	}
	return filepath.Join(LogDir, name+"."+strconv.Itoa(attempt)+".log")
}
