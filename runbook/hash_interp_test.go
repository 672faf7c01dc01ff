package runbook

import "testing"

// The step's hash covers the program that runs it: a step moved from sh
// to bash, or a doc whose front matter now runs its sh blocks with
// another shell, is stale on resume. The hash of a step whose program
// did not change stays what earlier runs journaled.
func TestStepHashFollowsTheInterpreter(t *testing.T) {
	hash := func(src string) string {
		t.Helper()
		d := mustParse(t, src)
		if len(d.Steps) != 1 {
			t.Fatalf("%d steps in %q", len(d.Steps), src)
		}
		return d.Steps[0].Hash
	}
	sh := hash("# T\n\n```sh {name=a}\necho hi\n```\n")
	if sh != "66ac21ab28e0" {
		// journaled by every earlier run of such a step: it must not move
		t.Errorf("hash of a sh step = %s, want 66ac21ab28e0 as before", sh)
	}
	for name, src := range map[string]string{
		"```bash":           "# T\n\n```bash {name=a}\necho hi\n```\n",
		"shell=zsh":         "# T\n\n```sh {name=a shell=zsh}\necho hi\n```\n",
		"front matter zsh":  "---\nshell: zsh\n---\n# T\n\n```sh {name=a}\necho hi\n```\n",
		"front matter dash": "---\nshell: dash\n---\n# T\n\n```sh {name=a}\necho hi\n```\n",
	} {
		if h := hash(src); h == sh {
			t.Errorf("%s: hash %s is the sh step's: a resumed run would not flag it stale", name, h)
		}
	}
	// The front matter's shell does not apply to a bash block: its hash
	// stays that of the bash block without front matter.
	if a, b := hash("# T\n\n```bash {name=a}\necho hi\n```\n"), hash("---\nshell: zsh\n---\n# T\n\n```bash {name=a}\necho hi\n```\n"); a != b {
		t.Errorf("bash block: %s without front matter, %s with shell: zsh", a, b)
	}
}
