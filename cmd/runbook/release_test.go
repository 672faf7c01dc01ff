package main

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// releaseConfig is the part of .goreleaser.yaml that must agree with the
// program.
type releaseConfig struct {
	Builds []struct {
		Goos    []string `yaml:"goos"`
		Goarch  []string `yaml:"goarch"`
		Env     []string `yaml:"env"`
		Flags   []string `yaml:"flags"`
		Ldflags []string `yaml:"ldflags"`
	} `yaml:"builds"`
	Nfpms []struct {
		Formats  []string `yaml:"formats"`
		Contents []struct {
			Src      string `yaml:"src"`
			Dst      string `yaml:"dst"`
			Packager string `yaml:"packager"`
		} `yaml:"contents"`
	} `yaml:"nfpms"`
	Casks []struct {
		Manpages    []string          `yaml:"manpages"`
		Completions map[string]string `yaml:"completions"`
		SkipUpload  any               `yaml:"skip_upload"`
	} `yaml:"homebrew_casks"`
}

// TestReleaseConfig checks .goreleaser.yaml against the program on every
// CI run, cheaply: the platforms are the supported ones, the cask installs
// every man page `runbook man` writes (a new command must not be left
// out), and the packages install the completion files that
// scripts/release-assets writes. The full `goreleaser check` and snapshot
// build are `make release-check` (docs/install.md).
func TestReleaseConfig(t *testing.T) {
	b, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var cfg releaseConfig
	if err := yaml.Unmarshal(b, &cfg); err != nil {
		t.Fatal(err)
	}
	if len(cfg.Builds) != 1 || len(cfg.Nfpms) != 1 || len(cfg.Casks) != 1 {
		t.Fatalf("want one build, one nfpm and one cask: %+v", cfg)
	}
	build := cfg.Builds[0]
	if !slices.Equal(build.Goos, []string{"linux", "darwin"}) || !slices.Equal(build.Goarch, []string{"amd64", "arm64"}) {
		t.Errorf("platforms %v × %v, want linux and darwin × amd64 and arm64 (no Windows: docs/install.md)", build.Goos, build.Goarch)
	}
	if !slices.Contains(build.Env, "CGO_ENABLED=0") || !slices.Contains(build.Flags, "-trimpath") ||
		len(build.Ldflags) != 1 || !strings.HasPrefix(build.Ldflags[0], "-s -w ") {
		t.Errorf("build flags: env %v, flags %v, ldflags %v", build.Env, build.Flags, build.Ldflags)
	}
	for _, v := range []string{"version", "commit", "date"} {
		if !strings.Contains(build.Ldflags[0], "-X main."+v+"=") {
			t.Errorf("ldflags do not set main.%s", v)
		}
	}

	dir := t.TempDir()
	if _, errs, code := runCLI(t, "man", dir); code != 0 {
		t.Fatalf("man: %s", errs)
	}
	entries, _ := os.ReadDir(dir)
	var pages []string
	for _, e := range entries {
		pages = append(pages, "man/"+e.Name()+".gz")
	}
	cask := cfg.Casks[0]
	if got := slices.Sorted(slices.Values(cask.Manpages)); !slices.Equal(got, pages) {
		t.Errorf("homebrew_casks manpages:\n%q\nwant (what runbook man writes):\n%q", got, pages)
	}
	if cask.SkipUpload != true {
		t.Errorf("homebrew_casks skip_upload = %v: snapshots and checks must work offline", cask.SkipUpload)
	}

	script, err := os.ReadFile("../../scripts/release-assets")
	if err != nil {
		t.Fatal(err)
	}
	written := map[string]bool{}
	for _, m := range regexp.MustCompile(`>"\$out/completions/([^"]+)"`).FindAllStringSubmatch(string(script), -1) {
		written["build/completions/"+m[1]] = true
	}
	for shell, f := range cask.Completions {
		if !written["build/"+f] {
			t.Errorf("the cask's %s completion %s is not written by scripts/release-assets", shell, f)
		}
	}
	nfpm := cfg.Nfpms[0]
	if !slices.Equal(nfpm.Formats, []string{"deb", "rpm"}) {
		t.Errorf("nfpm formats %v", nfpm.Formats)
	}
	installed := map[string]bool{}
	for _, c := range nfpm.Contents {
		if strings.HasPrefix(c.Src, "build/completions/") && !written[c.Src] {
			t.Errorf("nfpm installs %s, which scripts/release-assets does not write", c.Src)
		}
		installed[c.Packager+" "+c.Dst] = true
	}
	for _, want := range []string{
		" /usr/share/bash-completion/completions/runbook", "deb /usr/share/zsh/vendor-completions/_runbook",
		"rpm /usr/share/zsh/site-functions/_runbook", " /usr/share/fish/vendor_completions.d/runbook.fish",
		" /usr/share/man/man1/",
	} {
		if !installed[want] {
			t.Errorf("the packages do not install %q", want)
		}
	}
}
