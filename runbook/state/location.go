// Package state is where runs live: a directory (the default, .runbook/
// beside the doc) or an S3 bucket and prefix shared by a team
// (docs/team.md). Both are a Store; an S3 run is also kept in a local
// cache directory, so that everything that reads a run (replay, reports,
// the TUI) reads files, and every event is fsynced locally before it is
// shown, as for a directory.
package state

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// Location is a state location: a directory, or s3://bucket/prefix.
type Location struct {
	Dir    string // a directory; "" for S3
	Bucket string
	Prefix string // "" or "a/b" (no leading or trailing slash)
}

// S3 reports whether the location is a bucket.
func (l Location) S3() bool { return l.Bucket != "" }

func (l Location) String() string {
	if !l.S3() {
		return l.Dir
	}
	if l.Prefix == "" {
		return "s3://" + l.Bucket
	}
	return "s3://" + l.Bucket + "/" + l.Prefix
}

// Parse reads a --state value. A value that is not an s3:// URL is a
// directory, relative to base when it is relative (base is the doc's
// directory for a front matter's `state:`, "" for the working directory).
func Parse(s, base string) (Location, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Location{}, fmt.Errorf("empty state location")
	}
	if !strings.Contains(s, "://") {
		if base != "" && !filepath.IsAbs(s) {
			s = filepath.Join(base, s)
		}
		return Location{Dir: s}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "s3" {
		return Location{}, fmt.Errorf("state %q: want a directory or s3://bucket/prefix", s)
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Location{}, fmt.Errorf("state %q: want s3://bucket/prefix", s)
	}
	prefix := strings.Trim(u.Path, "/")
	for _, part := range strings.Split(prefix, "/") {
		if part == "." || part == ".." {
			return Location{}, fmt.Errorf("state %q: the prefix must not hold a . or .. part", s)
		}
	}
	return Location{Bucket: u.Host, Prefix: prefix}, nil
}

// Choose picks the state location of a command: --state, else
// RUNBOOK_STATE, else the front matter's `state:` (relative to the doc),
// else the legacy --state-dir, else def (the doc's .runbook/). docDir is
// the doc's directory ("" without a doc).
func Choose(flag, legacyDir, frontMatter, docDir, def string) (Location, error) {
	switch {
	case flag != "":
		return Parse(flag, "")
	case os.Getenv("RUNBOOK_STATE") != "":
		return Parse(os.Getenv("RUNBOOK_STATE"), "")
	case frontMatter != "":
		return Parse(frontMatter, docDir)
	case legacyDir != "":
		return Location{Dir: legacyDir}, nil
	}
	return Location{Dir: def}, nil
}

// CacheDir is the local directory that keeps the runs of an S3 location on
// this machine: under the user's cache directory, one per bucket and
// prefix. It is a state directory like any other (private, checked).
func (l Location) CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for the S3 state: %w (set HOME or XDG_CACHE_HOME)", err)
	}
	p := l.Prefix
	if p == "" {
		p = "_"
	}
	return filepath.Join(base, "runbook", "s3", l.Bucket, filepath.FromSlash(p)), nil
}
