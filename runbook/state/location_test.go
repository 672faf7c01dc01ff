package state

import (
	"path/filepath"
	"testing"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		in, base string
		want     Location
		bad      bool
	}{
		{in: "s3://acme-runbooks/infra/prod/", want: Location{Bucket: "acme-runbooks", Prefix: "infra/prod"}},
		{in: "s3://acme-runbooks", want: Location{Bucket: "acme-runbooks"}},
		{in: ".state", base: "/work/infra", want: Location{Dir: "/work/infra/.state"}},
		{in: "/var/runbook", base: "/work", want: Location{Dir: "/var/runbook"}},
		{in: "gs://bucket/x", bad: true},
		{in: "s3:///prefix", bad: true},
		{in: "s3://b/a/../x", bad: true},
		{in: "s3://b/x?versionId=1", bad: true},
		{in: " ", bad: true},
	} {
		got, err := Parse(c.in, c.base)
		if (err != nil) != c.bad || got != c.want {
			t.Errorf("Parse(%q, %q) = %+v, %v", c.in, c.base, got, err)
		}
	}
}

// TestChoose: --state, then RUNBOOK_STATE, then the front matter's
// state: (relative to the doc), then --state-dir, then the default.
func TestChoose(t *testing.T) {
	t.Setenv("RUNBOOK_STATE", "")
	def := "/work/.runbook"
	check := func(flag, legacy, fm string, want Location) {
		t.Helper()
		got, err := Choose(flag, legacy, fm, "/work", def)
		if err != nil || got != want {
			t.Errorf("Choose(%q, %q, %q) = %+v, %v; want %+v", flag, legacy, fm, got, err, want)
		}
	}
	check("", "", "", Location{Dir: def})
	check("", "/old", "", Location{Dir: "/old"})
	check("", "/old", "team-state", Location{Dir: filepath.Join("/work", "team-state")})
	t.Setenv("RUNBOOK_STATE", "s3://env-bucket/p")
	check("", "/old", "team-state", Location{Bucket: "env-bucket", Prefix: "p"})
	check("s3://flag-bucket", "/old", "team-state", Location{Bucket: "flag-bucket"})
}

func TestCacheDir(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", "/home/ana/.cache")
	got, err := Location{Bucket: "acme", Prefix: "infra/prod"}.CacheDir()
	if want := "/home/ana/.cache/runbook/s3/acme/infra/prod"; err != nil || got != want {
		t.Fatalf("CacheDir = %q, %v; want %q", got, err, want)
	}
}
