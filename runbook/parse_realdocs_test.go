package runbook

import (
	"reflect"
	"strings"
	"testing"
)

// rdStep is what a test expects of a step: kind, code, expected output,
// console and inferred flags.
type rdStep struct {
	kind     StepKind
	code     string
	expected string
	console  bool
	inferred bool
}

func rdSteps(d *Document) []rdStep {
	var out []rdStep
	for _, s := range d.Steps {
		out = append(out, rdStep{s.Kind, s.Code, s.Expected, s.Console, s.Inferred})
	}
	return out
}

// Issue 13 §1–§3: what a shell-ish fence runs, as its author meant it.
func TestRealDocsFences(t *testing.T) {
	cases := []struct {
		name  string
		src   string
		steps []rdStep
		refs  int
	}{
		{name: "$ prompts in an sh fence make a transcript",
			src:   "```sh\n$ kind create cluster\nCreating cluster \"kind\" ...\n$ kubectl get nodes \\\n    -o wide\nNAME   STATUS\n```\n",
			steps: []rdStep{{kind: KindShell, code: "kind create cluster\nkubectl get nodes \\\n    -o wide", expected: "Creating cluster \"kind\" ...\nNAME   STATUS", console: true}}},
		{name: "every line prompted",
			src:   "```bash\n$ brew install fzf\n$ fzf --version\n```\n",
			steps: []rdStep{{kind: KindShell, code: "brew install fzf\nfzf --version", console: true}}},
		{name: "user@host and [user@host dir] prompts",
			src:   "```shell\nroot@node-1:~# systemctl restart kubelet\n[core@master-0 ~]$ sudo crictl ps\nCONTAINER  IMAGE\n```\n",
			steps: []rdStep{{kind: KindShell, code: "systemctl restart kubelet\nsudo crictl ps", expected: "CONTAINER  IMAGE", console: true}}},
		{name: "a shell's own prompt (sh-4.4#, bash-5.1$)",
			src:   "```bash\n    sh-4.4# chroot /host\n    bash-5.1$ toolbox\n```\n",
			steps: []rdStep{{kind: KindShell, code: "chroot /host\ntoolbox", console: true}}},
		{name: "a root # prompt after a $ prompt (a debug shell) before a known program",
			src:   "```console\n$ oc debug node/n1\n# sysctl -a | grep fs.file\nfs.file-max = 1597016\n# a comment\n```\n",
			steps: []rdStep{{kind: KindShell, code: "oc debug node/n1\nsysctl -a | grep fs.file", expected: "fs.file-max = 1597016\n# a comment", console: true}}},
		{name: "a heredoc body belongs to its command, a > secondary prompt is dropped",
			src:   "```console\n$ cat <<EOF > kind.yaml\n> kind: Cluster\n> EOF\n$ kind create cluster --config kind.yaml\n```\n",
			steps: []rdStep{{kind: KindShell, code: "cat <<EOF > kind.yaml\nkind: Cluster\nEOF\nkind create cluster --config kind.yaml", console: true}}},
		{name: "% prompt on the first line; curl's meter is output",
			src:   "```sh\n% curl -O https://example.com/x.tgz\n  % Total    % Received\n100  512  100  512\n```\n",
			steps: []rdStep{{kind: KindShell, code: "curl -O https://example.com/x.tgz", expected: "  % Total    % Received\n100  512  100  512", console: true}}},
		{name: "a shell fence with a command and its table output, no prompts",
			src:   "```shell\nkubectl get pod -l app=alertmanager\n\nNAMESPACE   NAME                    READY\ndefault     alertmanager-main-0     1/2\n```\n",
			steps: []rdStep{{kind: KindShell, code: "kubectl get pod -l app=alertmanager", expected: "NAMESPACE   NAME                    READY\ndefault     alertmanager-main-0     1/2", console: true}}},
		{name: "a script whose later lines run other programs stays whole",
			src:   "```bash\nkubectl get pods\nmy-tool --flag\n```\n",
			steps: []rdStep{{kind: KindShell, code: "kubectl get pods\nmy-tool --flag"}}},
		{name: "% further down is not a prompt",
			src:   "```sh\necho 50\n% of disk\n```\n",
			steps: []rdStep{{kind: KindShell, code: "echo 50\n% of disk"}}},
		{name: "❯ prompt",
			src:   "```zsh\n❯ gh auth login\n? What account\n```\n",
			steps: []rdStep{{kind: KindShell, code: "gh auth login", expected: "? What account", console: true}}},
		{name: "a shell fence of comments only, or empty, runs nothing",
			src:  "```shell\n# TODO: Command needed\n```\n\n```bash\n\n```\n\n```console\n$\n```\n",
			refs: 3},
		{name: "console without prompts: leading commands run, the rest is output",
			src:   "```console\nkubectl edit cm -n kube-system kube-proxy-config\n...\nmetricsBindAddress: 0.0.0.0:10249\n...\n```\n",
			steps: []rdStep{{kind: KindShell, code: "kubectl edit cm -n kube-system kube-proxy-config", expected: "...\nmetricsBindAddress: 0.0.0.0:10249\n...", console: true, inferred: true}}},
		{name: "console of output only is reference",
			src:  "```console\nNAME      READY   STATUS\napi-1     1/1     Running\n```\n",
			refs: 1},
		{name: "console with a root # prompt before a program",
			src:   "```console\n# apt-get install -y nginx\nReading package lists...\n# Done\n```\n",
			steps: []rdStep{{kind: KindShell, code: "apt-get install -y nginx", expected: "Reading package lists...\n# Done", console: true}}},
		{name: "sh-session and bash-session are console",
			src:   "```sh-session\n$ id\nuid=0\n```\n```bash-session\n$ id\n```\n",
			steps: []rdStep{{kind: KindShell, code: "id", expected: "uid=0", console: true}, {kind: KindShell, code: "id", console: true}}},
		{name: "shell-script is GitHub's alias of shell",
			src:   "```shell-script\nls\n```\n",
			steps: []rdStep{{kind: KindShell, code: "ls"}}},
		{name: "an unlabelled fence of commands is an inferred step",
			src:   "```\nkind create cluster\nkubectl cluster-info --context kind-kind\n```\n",
			steps: []rdStep{{kind: KindShell, code: "kind create cluster\nkubectl cluster-info --context kind-kind", inferred: true}}},
		{name: "unlabelled with sudo, assignments, blocks and placeholders",
			src:   "```\n{\n  NODE=<POD_NAME>\n  sudo -E systemctl restart kubelet\n}\n```\n",
			steps: []rdStep{{kind: KindShell, code: "{\n  NODE=<POD_NAME>\n  sudo -E systemctl restart kubelet\n}", inferred: true}}},
		{name: "an unlabelled transcript is inferred too",
			src:   "```\n$ kind version\nkind v0.20.0\n```\n",
			steps: []rdStep{{kind: KindShell, code: "kind version", expected: "kind v0.20.0", console: true, inferred: true}}},
		{name: "unlabelled commands with their output, no prompts",
			src: "```\nkind get clusters\nkind\nkind-2\n```\n\n```\nkind create cluster # the default\n...\nkind create cluster --name kind-2\n```\n\n```\nkind get kubeconfig-path\n/home/user/.kube/kind-config-kind\n\nkind get kubeconfig-path --name kind-2\n/home/user/.kube/kind-config-kind-2\n```\n",
			steps: []rdStep{
				{kind: KindShell, code: "kind get clusters", expected: "kind\nkind-2", console: true, inferred: true},
				{kind: KindShell, code: "kind create cluster # the default\nkind create cluster --name kind-2", expected: "...", console: true, inferred: true},
				{kind: KindShell, code: "kind get kubeconfig-path\nkind get kubeconfig-path --name kind-2", expected: "/home/user/.kube/kind-config-kind\n\n/home/user/.kube/kind-config-kind-2", console: true, inferred: true},
			}},
		{name: "unlabelled output, config, code and prose stay reference",
			src: "```\nNAME   READY\nkind-control-plane   Ready\n```\n\n```\naws_region = \"us-east-1\"\n```\n\n```\n{\n  \"a\": 1\n}\n```\n\n```\nimport os\nprint(os.getcwd())\n```\n\n" +
				"```\ngo func() {\n}()\n```\n\n```\n/root/kubernetes-the-hard-way\n```\n",
			refs: 6},
		{name: "another language is reference even when it holds commands",
			src:  "```text\nkubectl get pods\n```\n\n```shel\nls\n```\n",
			refs: 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.src)
			if got := rdSteps(d); !reflect.DeepEqual(got, tc.steps) {
				t.Errorf("steps = %+v\nwant    %+v", got, tc.steps)
			}
			if len(d.References) != tc.refs {
				t.Errorf("references = %d, want %d", len(d.References), tc.refs)
			}
		})
	}
}

// A transcript's placeholders are found on the lines of its commands, and
// its output lines hold none (`<none>` there is kubectl's).
func TestTranscriptPlaceholderLines(t *testing.T) {
	d := mustParse(t, "# T\n\n```sh\n$ NODE_NAME=<instance label from alert>\nNAME  NOMINATED NODE\npod   <none>   <n>\n$ kubectl -n default debug node/$NODE_NAME \\\n    --image <image>\n```\n")
	if len(d.Placeholders) != 2 {
		t.Fatalf("placeholders = %+v", d.Placeholders)
	}
	for i, w := range []struct {
		name string
		line int
	}{{"instance-label-from-alert", 4}, {"image", 8}} {
		if p := d.Placeholders[i]; p.Name != w.name || !reflect.DeepEqual(p.Lines, []int{w.line}) {
			t.Errorf("placeholder %d = %s %v, want %s [%d]", i, p.Name, p.Lines, w.name, w.line)
		}
	}
}

// Inferred steps are numbered apart, so recognising one never renumbers
// the labelled steps; a transcript or inferred step is titled by its
// first command.
func TestInferredStepIDs(t *testing.T) {
	d := mustParse(t, "# Quick start\n\n```sh\necho a\n```\n\n```\nkind create cluster\n```\n\n```sh\necho b\n```\n")
	var got []string
	for _, s := range d.Steps {
		got = append(got, s.ID+" "+s.Title)
	}
	want := []string{"quick-start/1 Quick start (1)", "quick-start/i1 $ kind create cluster", "quick-start/2 Quick start (2)"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ids = %q, want %q", got, want)
	}
}

// Issue 13 §4, §5: the placeholders people write, and the braces and
// brackets that are someone else's code.
func TestRealDocsPlaceholders(t *testing.T) {
	cases := []struct {
		name string
		src  string
		want []string
	}{
		{"angle brackets in every case", "```sh\nkubectl logs <POD> -n <namespace>\nkubectl delete pod <POD_NAME> <pod-name>\nocm get cluster <cluster_id>\ngh repo clone <YOUR-ORG>/x\n```\n",
			[]string{"pod", "namespace", "pod-name", "cluster-id", "your-org"}},
		{"angle brackets with spaces", "```sh\nNODE=<instance label from alert>\nvelero restore create --from-backup <backup name from backup-list command>\n```\n",
			[]string{"instance-label-from-alert", "backup-name-from-backup-list-command"}},
		{"fill-me words", "```sh\ncurl -H \"Authorization: Bearer YOUR_API_KEY\" https://x\nexport DB_PASS=CHANGEME\nsed -i s/REPLACE_ME/v/ f\nopen https://example.com/<your-org>\n```\n",
			[]string{"your-api-key", "changeme", "replace-me", "your-org"}},
		{"not fill-me words: variables and assignment names", "```sh\nexport YOUR_TOKEN=abc\necho $YOUR_TOKEN ${YOUR_TOKEN} MY_CHANGEME\n```\n", nil},
		{"redirections are not placeholders", "```sh\nsort < in.txt > out.txt\nwc -l <file\ndiff <(ls a) <(ls b)\ncat <<EOF\nx\nEOF\na > b\n```\n", nil},
		{"kubectl's <none>, HTML, XML and type parameters", "```sh\nkubectl get pods | grep '<none>'\necho '<br>' '<Directory>' \ncat <<EOF > a.ts\nconst a: Array<string> = []\nlet v: vector<int>\nEOF\n```\n", nil},
		{"a placeholder inside a word", "```sh\necho pre<x>post s3://bucket-<env>/\n```\n", []string{"x", "env"}},
		{"jsonpath, go-template, awk, jq, fzf, xargs -I", "```sh\n" +
			"kubectl get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'\n" +
			"kubectl get x -o go-template='{{range .items}}{end}'\n" +
			"ps aux | awk '{print}'\n" +
			"jq '{name}' f.json\n" +
			"fzf --preview 'cat {}' --bind 'ctrl-r:reload(ls)+change-query({q})'\n" +
			"ls | xargs -I {file} cp {file} /tmp\n" +
			"python3 -c 'print(f\"{name}\")'\n" +
			"```\n", nil},
		{"an unquoted brace next to a brace tool is still a placeholder", "```sh\njq -r .version config-{env}.json\naws s3 ls 's3://someli-{env}-primary'\n```\n", []string{"env"}},
		{"shell comments", "```sh\n# replace <cluster-name> with yours\nkubectl get ns # in {env}\necho \"#{notcomment}\" '# <inquote>'\n```\n", []string{"inquote"}},
		{"SQL comments, but not MySQL's executable ones", "```sql\n-- for <tenant>\nSELECT 1; # {env}\n/* <x> */ SELECT /*!50000 <y> */ '<z>';\n```\n", []string{"y", "z"}},
		{"python {run}: braces are the language's", "```python {run}\nname = \"<api-key>\"\nprint(f\"{name}\")\n```\n", []string{"api-key"}},
		{"ruby #{} and printf %{}", "```sh\nruby -e 'puts \"#{x}\"'\nprintf '%{y}'\n```\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.src)
			var got []string
			for _, p := range d.Placeholders {
				got = append(got, p.Name)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("placeholders = %q, want %q", got, tc.want)
			}
		})
	}
}

// The scanner the substitution code calls agrees with the parser, span
// for span, and a name maps the same whatever its spelling.
func TestScanStepPlaceholders(t *testing.T) {
	st := &Step{Kind: KindShell}
	code := "kubectl logs <POD_NAME> # not <here>\nawk '{print}' {env}"
	var got []string
	ScanStepPlaceholders(st, code, func(name string, start, end int) {
		got = append(got, name+"="+code[start:end])
	})
	if want := []string{"pod-name=<POD_NAME>", "env={env}"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	for in, want := range map[string]string{"POD_NAME": "pod-name", "account-id": "account-id", "instance label": "instance-label", "Env": "env"} {
		if got := PlaceholderName(in); got != want {
			t.Errorf("PlaceholderName(%q) = %q, want %q", in, got, want)
		}
	}
	// a front-matter declaration in any spelling joins its placeholder
	d := mustParse(t, "---\nvariables:\n  POD_NAME: web-1\n  ACCOUNT_ID: \"1\"\n---\n```sh\necho <pod-name> <POD_NAME> {account_id}\n```\n")
	if len(d.Placeholders) != 2 || d.Placeholders[0].Default != "web-1" || d.Placeholders[1].Name != "account-id" || d.Placeholders[1].Var == nil {
		t.Errorf("placeholders = %+v %+v", d.Placeholders[0], d.Placeholders[1])
	}
}

// Issue 13 §8: runme's front matter and block attributes.
func TestRunmeCompat(t *testing.T) {
	d := mustParse(t, "---\ntitle: Kind quick start\ncwd: infra\nrunme:\n  id: 01H\n---\n# Heading\n```sh\nls\n```\n```sh {cwd=tf}\nls\n```\n```sh {cwd=/abs}\nls\n```\n```sh {\"background\":\"true\"}\nnpm run dev\n```\n")
	if d.Title != "Kind quick start" {
		t.Errorf("title = %q", d.Title)
	}
	var cwds []string
	for _, s := range d.Steps {
		cwds = append(cwds, s.Attrs.Cwd)
	}
	if want := []string{"infra", "infra/tf", "/abs", "infra"}; !reflect.DeepEqual(cwds, want) {
		t.Errorf("cwds = %q, want %q", cwds, want)
	}
	if !d.Steps[3].Attrs.Background {
		t.Error("background not read")
	}
	// Background steps are supported: check no longer warns about them.
	if got := lintLines(d, LintOptions{}); strings.Contains(got, "background") {
		t.Errorf("lint:\n%s", got)
	}
	if d := mustParse(t, "---\ntitle: [a]\n---\n"); d.Err() == nil {
		t.Error("a title that is not a string was accepted")
	}
}

// check: inferred steps, near-miss languages, transcripts that do not
// parse.
func TestLintRealDocs(t *testing.T) {
	src := "# T\n\n```\nkind create cluster\n```\n\n```console\nkubectl get pods\nNAME READY\n```\n\n```shel\nls\n```\n\n```bahs\nls\n```\n\n```dash\nls\n```\n\n" +
		"```bash\nkubectl get pods\nPods found: 1\napi-7d9 (ready)   1/1   Running\n```\n\n```sh\n> kubectl get ns\n> echo (\n```\n"
	got := lintLines(mustParse(t, src), LintOptions{})
	want := "3 warning inferred-step: step t/i1: unlabelled code block read as shell commands (an inferred step: run all asks before running it); add the language (```sh) to make it a step, or ```text to keep it reference\n" +
		"7 warning inferred-step: step t/i2: console block without prompts: its leading lines are read as commands (an inferred step: run all asks before running it); mark each command with `$ `\n" +
		"12 warning near-miss-language: code block language \"shel\" looks like a typo of shell: the block is reference material, not a step\n" +
		"16 warning near-miss-language: code block language \"bahs\" looks like a typo of bash: the block is reference material, not a step\n" +
		"27 error shell-syntax: step t/1: shell syntax error: `foo(` must be followed by `)` (the block looks like a terminal transcript, commands mixed with their output: mark each command with a `$ ` prompt, or fence it as console)\n" +
		"32 error shell-syntax: step t/2: shell syntax error: `(` must be followed by a statement list (the block looks like a terminal transcript, commands mixed with their output: mark each command with a `$ ` prompt, or fence it as console)\n"
	if got != want {
		t.Errorf("lint:\n%s\nwant:\n%s", got, want)
	}
}
