package runbook

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// One case per row of PRODUCT.md §1: what each Markdown element becomes.
func TestFormatElements(t *testing.T) {
	type step struct {
		kind     StepKind
		code     string
		console  bool
		expected string
	}
	cases := []struct {
		name      string
		src       string
		sections  []string // titles
		steps     []step
		questions []string // texts
		suggested []string
		refs      []string // langs
		phs       []string // placeholder names
	}{
		{name: "headings become a tree, ¶ dropped",
			src:      "# Top ¶\n## Child¶\n### Grand child  ¶\nSetext\n------\n",
			sections: []string{"Top", "Child", "Grand child", "Setext"}},
		{name: "setext and ATX headings with ¶ do not make a doc scraped",
			src:       "Title ¶\n=======\n\n## Part ¶\n\n[VERIFY] q?\n",
			sections:  []string{"Title", "Part"},
			questions: []string{"q?"},
			suggested: []string{""}},
		{name: "sh bash zsh shell are shell steps",
			src:   "```sh\na\n```\n```bash\nb\n```\n```zsh\nc\n```\n```shell\nd\n```\n",
			steps: []step{{kind: KindShell, code: "a"}, {kind: KindShell, code: "b"}, {kind: KindShell, code: "c"}, {kind: KindShell, code: "d"}}},
		{name: "console keeps $ lines as code, the rest as expected output",
			src:   "```console\n$ echo a \\\n  b\na b\n$ ls\nfile\n```\n",
			steps: []step{{kind: KindShell, console: true, code: "echo a \\\n  b\nls", expected: "a b\nfile"}}},
		{name: "shell-session is console",
			src:   "```shell-session\n$ id\nuid=0\n```\n",
			steps: []step{{kind: KindShell, console: true, code: "id", expected: "uid=0"}}},
		{name: "sql and mysql are SQL steps",
			src:   "```sql\nSELECT 1;\n```\n~~~mysql\nSELECT 2;\n~~~\n",
			steps: []step{{kind: KindSQL, code: "SELECT 1;"}, {kind: KindSQL, code: "SELECT 2;"}}},
		{name: "other fences and indented code are reference",
			src:  "```json\n{}\n```\n\n```\nplain\n```\n\n    indented\n",
			refs: []string{"json", "", ""}},
		{name: "question in a paragraph with a suggestion",
			src:       "[VERIFY] Which VPC? Recommended: one per env. More text.\n",
			questions: []string{"Which VPC? Recommended: one per env. More text."},
			suggested: []string{"one per env"}},
		{name: "question in a list item, a table cell, a block quote",
			src:       "- item [VERIFY] who owns it?\n\n| a | b |\n|---|---|\n| x | [VERIFY] cell? Suggested: `yes` |\n\n> [VERIFY] quoted?\n> more\n",
			questions: []string{"who owns it?", "cell? Suggested: `yes`", "quoted? more"},
			suggested: []string{"", "yes", ""}},
		{name: "never inside code spans, code blocks, HTML comments, escaped",
			src:  "Use `[VERIFY]` here. \\[VERIFY] escaped.\n\n<!-- [VERIFY] hidden -->\n\n```text\n[VERIFY] code\n```\n\n    [VERIFY] indented\n\n<div>\n[VERIFY] html block\n</div>\n",
			refs: []string{"text", ""}},
		{name: "two markers in one block split the text",
			src:       "[VERIFY] first? [VERIFY] second?\n",
			questions: []string{"first?", "second?"},
			suggested: []string{"", ""}},
		{name: "task list items are manual steps",
			src:   "- [ ] do it\n- [x] done\n* [X] also done\n",
			steps: []step{{kind: KindManual, code: "do it"}, {kind: KindManual, code: "done"}, {kind: KindManual, code: "also done"}}},
		{name: "check table rows with a command in a code span",
			src:   "| Check | How |\n|---|---|\n| API up | `curl -f https://{env}.example.com` |\n| Eyeball | look at the dashboard |\n| Bare | `ls` |\n",
			steps: []step{{kind: KindCheck, code: "curl -f https://{env}.example.com"}, {kind: KindCheck, code: "ls"}},
			phs:   []string{"env"}},
		{name: "a check table's Command column",
			src:   "| Check | Command | Expect |\n|---|---|---|\n| deploys | `make deploy` | ok |\n",
			steps: []step{{kind: KindCheck, code: "make deploy"}}},
		{name: "a table without a check column yields no checks",
			src: "| Symptom | Fix |\n|---|---|\n| slow | run `kubectl rollout restart deploy/api` |\n| 403 | allow `cloudfront` OAI |\n\n| Command | Expect |\n|---|---|\n| `make deploy` | ok |\n"},
		{name: "placeholders inside steps, not heredocs, redirects, HTML, ${VAR}, braces",
			src:   "```bash\ncat <<EOF > <out-file>\n<br> {a,b} ${HOME} {env} $(<file) awk '{print $1}' <(ls) @{u}\nEOF\n```\n\nProse <account-id> is not in a step.\n",
			steps: []step{{kind: KindShell, code: "cat <<EOF > <out-file>\n<br> {a,b} ${HOME} {env} $(<file) awk '{print $1}' <(ls) @{u}\nEOF"}},
			phs:   []string{"out-file", "env"}},
		{name: "run makes another language runnable",
			src:   "```python {run}\nprint(1)\n```\n",
			steps: []step{{kind: KindShell, code: "print(1)"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := mustParse(t, tc.src)
			var secs []string
			for _, s := range d.Sections {
				secs = append(secs, s.Title)
			}
			if !reflect.DeepEqual(secs, tc.sections) {
				t.Errorf("sections = %q, want %q", secs, tc.sections)
			}
			var steps []step
			for _, s := range d.Steps {
				steps = append(steps, step{s.Kind, s.Code, s.Console, s.Expected})
			}
			if !reflect.DeepEqual(steps, tc.steps) {
				t.Errorf("steps = %+v\nwant    %+v", steps, tc.steps)
			}
			var qs, sugg []string
			for _, q := range d.Questions {
				qs = append(qs, q.Text)
				sugg = append(sugg, q.Suggested)
			}
			if !reflect.DeepEqual(qs, tc.questions) {
				t.Errorf("questions = %q, want %q", qs, tc.questions)
			}
			if tc.suggested != nil && !reflect.DeepEqual(sugg, tc.suggested) {
				t.Errorf("suggested = %q, want %q", sugg, tc.suggested)
			}
			var refs []string
			for _, r := range d.References {
				refs = append(refs, r.Lang)
			}
			if !reflect.DeepEqual(refs, tc.refs) {
				t.Errorf("references = %q, want %q", refs, tc.refs)
			}
			var phs []string
			for _, p := range d.Placeholders {
				phs = append(phs, p.Name)
			}
			if !reflect.DeepEqual(phs, tc.phs) {
				t.Errorf("placeholders = %q, want %q", phs, tc.phs)
			}
		})
	}
}

func TestSectionsTree(t *testing.T) {
	d := mustParse(t, "intro\n# A\ntext\n## B\n### C\n## D\n# E\n")
	want := []struct {
		id     string
		level  int
		parent int
		line   int
	}{{"a", 1, -1, 2}, {"a/b", 2, 0, 4}, {"a/b/c", 3, 1, 5}, {"a/d", 2, 0, 6}, {"e", 1, -1, 7}}
	for i, w := range want {
		s := d.Sections[i]
		if s.ID != w.id || s.Level != w.level || s.Parent != w.parent || s.Line != w.line {
			t.Errorf("section %d = %+v, want %+v", i, s, w)
		}
	}
	src := string(d.Source)
	if got := src[d.Sections[0].Heading.Start:d.Sections[0].Heading.End]; got != "# A" {
		t.Errorf("heading span = %q", got)
	}
	if got := src[d.Sections[0].Body.Start:d.Sections[0].Body.End]; got != "text\n" {
		t.Errorf("body span = %q", got)
	}
	if d.Title != "A" {
		t.Errorf("title = %q", d.Title)
	}
}

func TestAttributes(t *testing.T) {
	cases := []struct {
		info string
		want Attrs
		diag string // code of the expected diagnostic
	}{
		{info: `bash {name=push-image}`, want: Attrs{Name: "push-image"}},
		{info: `bash {timeout=10m}`, want: Attrs{Timeout: 10 * time.Minute}},
		{info: `bash {timeout=90}`, want: Attrs{Timeout: 90 * time.Second}},
		{info: `bash {timeout=soon}`, diag: "bad-attribute"},
		{info: `bash {confirm}`, want: Attrs{Confirm: true}},
		{info: `bash {confirm=false}`, want: Attrs{}},
		{info: `bash {confirm=maybe}`, diag: "bad-attribute"},
		{info: `bash {cwd=infra/tf}`, want: Attrs{Cwd: "infra/tf"}},
		{info: `bash {interactive}`, want: Attrs{Interactive: true}},
		{info: `bash {skip}`, want: Attrs{Skip: true}},
		{info: `bash {excludeFromRunAll=true}`, want: Attrs{Skip: true}},
		{info: `python {run}`, want: Attrs{Run: true, Shell: "python3"}},
		{info: `js {run}`, want: Attrs{Run: true, Shell: "node"}},
		{info: `ruby {run}`, want: Attrs{Run: true, Shell: "ruby"}},
		{info: `lua {run}`, want: Attrs{Run: true, Shell: "lua"}},
		{info: `bash {continue-on-error}`, want: Attrs{ContinueOnError: true}},
		{info: `bash {continueOnError=true}`, want: Attrs{ContinueOnError: true}},
		{info: `bash {done-if="test -f /tmp/x"}`, want: Attrs{DoneIf: "test -f /tmp/x"}},
		{info: `bash {doneIf='test -d x'}`, want: Attrs{DoneIf: "test -d x"}},
		{info: `bash {shell=zsh}`, want: Attrs{Shell: "zsh"}},
		{info: `sh {"name":"x","interactive":"true","id":"01H","background":"false"}`, want: Attrs{Name: "x", Interactive: true}},
		{info: `sh {"name":"y","terminalRows":10,"closeTerminalOnSuccess":false}`, want: Attrs{Name: "y"}},
		{info: `bash {frobnicate=1}`, diag: "unknown-attribute"},
		{info: `bash {"oops":1}`, diag: "unknown-attribute"},
		{info: `bash {name="unterminated}`, diag: "bad-attributes"},
		{info: `bash title="ignored, not ours"`, want: Attrs{}},
	}
	for _, tc := range cases {
		t.Run(tc.info, func(t *testing.T) {
			d := mustParse(t, "```"+tc.info+"\necho\n```\n")
			if tc.diag != "" {
				if len(d.Diagnostics) != 1 || d.Diagnostics[0].Code != tc.diag || d.Diagnostics[0].Line != 1 {
					t.Fatalf("diagnostics = %+v, want one %s on line 1", d.Diagnostics, tc.diag)
				}
				if d.Err() == nil {
					t.Fatal("Err() = nil for an attribute error")
				}
				return
			}
			if len(d.Diagnostics) != 0 {
				t.Fatalf("diagnostics = %+v", d.Diagnostics)
			}
			if len(d.Steps) != 1 {
				t.Fatalf("steps = %d", len(d.Steps))
			}
			got := d.Steps[0].Attrs
			got.Raw = nil
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("attrs = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestStepIDsAndTitles(t *testing.T) {
	src := "```bash\nset -e\n# Before any heading\necho\n```\n# Deploy it!\n```bash\necho one\n```\n```bash {name=two}\necho\n```\n- [ ] `tick` me\n## Deploy it\n```sql\nSELECT 1;\n```\n# Deploy it!\n```bash\necho\n```\n```bash {name=two}\necho\n```\n"
	d := mustParse(t, src)
	want := []struct{ id, title string }{
		{"intro/1", "Before any heading"},
		{"deploy-it/1", "Deploy it! (1)"},
		{"two", "two"},
		{"deploy-it/3", "tick me"},
		{"deploy-it/1-2", "Deploy it"},
		{"deploy-it/1-3", "Deploy it! (1)"},
		{"two-2", "two"},
	}
	if len(d.Steps) != len(want) {
		t.Fatalf("steps = %d", len(d.Steps))
	}
	for i, w := range want {
		if d.Steps[i].ID != w.id || d.Steps[i].Title != w.title {
			t.Errorf("step %d = %q %q, want %q %q", i, d.Steps[i].ID, d.Steps[i].Title, w.id, w.title)
		}
	}
	// ids and hashes survive an edit elsewhere in the doc
	d2 := mustParse(t, strings.Replace(src, "# Deploy it!\n", "# Deploy it!\n\nNew prose.\n\n", 1))
	for i := range d.Steps {
		if d.Steps[i].ID != d2.Steps[i].ID || d.Steps[i].Hash != d2.Steps[i].Hash {
			t.Errorf("step %d changed: %s/%s -> %s/%s", i, d.Steps[i].ID, d.Steps[i].Hash, d2.Steps[i].ID, d2.Steps[i].Hash)
		}
	}
	// the hash follows the code and the attributes that change behaviour
	d3 := mustParse(t, strings.Replace(src, "echo one", "echo 1", 1))
	if d3.Steps[1].Hash == d.Steps[1].Hash || len(d.Steps[1].Hash) != 12 {
		t.Errorf("hash %q did not change with the code", d.Steps[1].Hash)
	}
	d4 := mustParse(t, strings.Replace(src, "```bash\necho one", "```bash {timeout=5m}\necho one", 1))
	if d4.Steps[1].Hash == d.Steps[1].Hash {
		t.Error("hash did not change with the timeout")
	}
}

// A console block is titled by its first command (continuation lines
// joined), with … when more follow; a comment still wins.
func TestConsoleStepTitles(t *testing.T) {
	src := "# Check\n```console\n$ kubectl get pods \\\n    -n prod\npod-1 Running\n$ kubectl get svc\n```\n" +
		"```console\n$ uptime\n 10:00 up 1 day\n```\n" +
		"```console\n$ # what is deployed\n$ cat VERSION\n```\n"
	d := mustParse(t, src)
	want := []string{"$ kubectl get pods -n prod …", "$ uptime", "what is deployed"}
	if len(d.Steps) != len(want) {
		t.Fatalf("steps = %d", len(d.Steps))
	}
	for i, w := range want {
		if d.Steps[i].Title != w {
			t.Errorf("step %d title = %q, want %q", i, d.Steps[i].Title, w)
		}
	}
}

func TestQuestionIDsSurviveAnswers(t *testing.T) {
	src := "# S\n[VERIFY] one?\n\n[VERIFY] two?\n"
	d := mustParse(t, src)
	if d.Questions[0].ID != "s/q1" || d.Questions[1].ID != "s/q2" {
		t.Fatalf("ids = %s %s", d.Questions[0].ID, d.Questions[1].ID)
	}
	answered := "# S\none? " + FormatVerified("yes", "ann", time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)) + "\n\n[VERIFY] two?\n"
	d = mustParse(t, answered)
	if len(d.Questions) != 1 || d.Questions[0].ID != "s/q2" {
		t.Fatalf("questions = %+v", d.Questions)
	}
	if len(d.Verified) != 1 {
		t.Fatalf("verified = %+v", d.Verified)
	}
	v := d.Verified[0]
	if v.ID != "s/q1" || v.Text != "one?" || v.Answer != "yes" || v.By != "ann" || v.When != "2026-01-02" || v.Line != 2 {
		t.Errorf("verified = %+v", v)
	}
}

func TestSeveralAnswersInOneBlock(t *testing.T) {
	when := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	src := "# S\n> A?" + FormatVerified("x", "ann", when) + "\n> B?" + FormatVerified("y", "bob", when) + " [VERIFY] C?\n"
	d := mustParse(t, src)
	if len(d.Verified) != 2 || len(d.Questions) != 1 {
		t.Fatalf("verified %+v questions %+v", d.Verified, d.Questions)
	}
	a, b, c := d.Verified[0], d.Verified[1], d.Questions[0]
	if a.ID != "s/q1" || a.Text != "A?" || a.Answer != "x" || a.By != "ann" || a.Line != 2 {
		t.Errorf("first = %+v", a)
	}
	if b.ID != "s/q2" || b.Text != "B?" || b.Answer != "y" || b.By != "bob" || b.Line != 3 {
		t.Errorf("second = %+v", b)
	}
	if c.ID != "s/q3" || c.Text != "C?" {
		t.Errorf("question = %+v", c)
	}
	if got := src[b.Span.Start:b.Span.End]; got != "B? **Verified:** y _(bob, 2026-01-02)_" {
		t.Errorf("span = %q", got)
	}
}

func TestQuestionSpans(t *testing.T) {
	src := "Intro.\n\n- [VERIFY] In a list?  \n  continued\n\n| a | b |\n|---|---|\n| 1 | [VERIFY] cell |\n"
	d := mustParse(t, src)
	if len(d.Questions) != 2 {
		t.Fatalf("questions = %d", len(d.Questions))
	}
	q := d.Questions[0]
	if src[q.Marker.Start:q.Marker.End] != "[VERIFY] " || src[q.TextSpan.Start:q.TextSpan.End] != "In a list?  \n  continued" || q.In != InListItem || q.Line != 3 {
		t.Errorf("list question: marker %q text %q in %v line %d", src[q.Marker.Start:q.Marker.End], src[q.TextSpan.Start:q.TextSpan.End], q.In, q.Line)
	}
	if q.Text != "In a list? continued" {
		t.Errorf("text = %q", q.Text)
	}
	q = d.Questions[1]
	if src[q.TextSpan.Start:q.TextSpan.End] != "cell" || src[q.Block.Start:q.Block.End] != "[VERIFY] cell" || q.In != InTableCell {
		t.Errorf("cell question: text %q block %q", src[q.TextSpan.Start:q.TextSpan.End], src[q.Block.Start:q.Block.End])
	}
}

func TestFrontMatter(t *testing.T) {
	src := "---\nvariables:\n  env: staging\n  region:\n    prompt: Region\n    default: \"us-west-2\" # quoted\n    pattern: ^[a-z0-9-]+$\n  db-password:\n    source: aws-secretsmanager:prod/db#password\n  unused:\n    prompt: Never used\nmysql:\n  dsn: app:{db-password}@tcp(<rds-endpoint>:3306)/app\naws:\n  account: \"123456789012\"\n  region: us-west-2\n---\n# Doc\n```bash\necho {env} {region} <rds-endpoint>\n```\n"
	d := mustParse(t, src)
	fm := d.FrontMatter
	if fm == nil || len(fm.Variables) != 4 || fm.MySQL == nil || fm.AWS == nil || fm.AWS.Account != "123456789012" {
		t.Fatalf("front matter = %+v", fm)
	}
	if v := fm.Variables[0]; v.Name != "env" || v.Default != "staging" || src[v.DefaultSpan.Start:v.DefaultSpan.End] != "staging" || v.Line != 3 {
		t.Errorf("env = %+v", v)
	}
	if v := fm.Variables[1]; v.Default != "us-west-2" || src[v.DefaultSpan.Start:v.DefaultSpan.End] != `"us-west-2"` || v.Prompt != "Region" {
		t.Errorf("region = %+v span %q", v, src[v.DefaultSpan.Start:v.DefaultSpan.End])
	}
	if v := fm.Variables[2]; !v.Secret || v.DefaultSpan != (Span{}) {
		t.Errorf("db-password = %+v", v)
	}
	got := map[string]string{}
	for _, p := range d.Placeholders {
		got[p.Name] = fmt.Sprintf("%s|%v|%v", p.Default, p.Secret, p.Lines)
	}
	want := map[string]string{
		"db-password":  "|true|[13]",
		"rds-endpoint": "|false|[13 20]",
		"env":          "staging|false|[20]",
		"region":       "us-west-2|false|[20]",
		"unused":       "|false|[]",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("placeholders = %v\nwant %v", got, want)
	}
	if d.Title != "Doc" || d.Sections[0].Line != 18 {
		t.Errorf("title %q line %d", d.Title, d.Sections[0].Line)
	}
}

func TestFrontMatterErrors(t *testing.T) {
	cases := []struct {
		src  string
		line int
		msg  string
	}{
		{"---\nvariables:\n  env: [unclosed\n---\n# x\n", 3, "front matter: did not find expected ',' or ']'"},
		{"---\nvariables:\n  env:\n    prompt: a\n   bad: indent\n---\n", 5, "front matter: did not find expected key"},
		{"---\nvariables:\n  env: a\n\tregion: b\n---\n", 4, "found a tab character"},
		{"---\nvariables: [a, b]\n---\n", 2, "variables must be a mapping"},
		{"---\nvariables:\n  env:\n    colour: red\n---\n", 4, `unknown field "colour"`},
		{"---\nvariables:\n  env:\n    pattern: \"[\"\n---\n", 3, "bad pattern"},
		{"---\naws:\n  account: \"12\"\n---\n", 3, "not a 12-digit account id"},
		{"\xef\xbb\xbf---\n- a list\n---\n", 2, "must be a mapping"},
	}
	for _, tc := range cases {
		d := mustParse(t, tc.src)
		err := d.Err()
		re, ok := err.(*Error)
		if !ok || re.Line != tc.line || !strings.Contains(re.Error(), tc.msg) || re.Path != "t.md" {
			t.Errorf("%q: err = %v (line %d), want line %d with %q", tc.src, err, lineOfErr(err), tc.line, tc.msg)
		}
	}
	// a lone thematic break at the top is Markdown, not front matter
	d := mustParse(t, "---\n\n# Title\n")
	if d.FrontMatter != nil || d.Err() != nil || d.Title != "Title" {
		t.Errorf("thematic break: fm %+v err %v", d.FrontMatter, d.Err())
	}
}

// A type error inside the front matter names the file line once: yaml.v3's
// own "line N: " counts from the start of the YAML and used to be left in
// the message ("t.md:4: … variable a: line 3: cannot unmarshal …").
func TestFrontMatterTypeErrorsNameOneLine(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"---\nvariables:\n  a:\n    secret: maybe\n---\n# x\n",
			"t.md:4: front matter: variable a: cannot unmarshal !!str `maybe` into bool"},
		{"---\naws: {account: [1], region: {a: 1}}\n---\n# x\n",
			"t.md:2: front matter: aws: cannot unmarshal !!seq into string; cannot unmarshal !!map into string"},
	} {
		err := mustParse(t, tc.src).Err()
		if err == nil || err.Error() != tc.want {
			t.Errorf("%q:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}

func lineOfErr(err error) int {
	if re, ok := err.(*Error); ok {
		return re.Line
	}
	return -1
}

func TestUnclosedFence(t *testing.T) {
	d := mustParse(t, "# A\n\ntext\n\n```bash\necho one\n# B\necho two\n")
	if len(d.Diagnostics) != 1 || d.Diagnostics[0].Code != "unclosed-fence" || d.Diagnostics[0].Line != 5 {
		t.Fatalf("diagnostics = %+v", d.Diagnostics)
	}
	if len(d.Steps) != 1 || d.Steps[0].Code != "echo one\n# B\necho two" {
		t.Fatalf("steps = %+v", d.Steps)
	}
	if err := d.Err(); err == nil || err.Error() != "t.md:5: unclosed code fence (opened with ```)" {
		t.Errorf("Err() = %v", err)
	}
	// closed fences in containers are fine
	d = mustParse(t, "> ```sh\n> echo\n> ```\n\n- item\n\n  ~~~~bash\n  echo\n  ~~~~\n")
	if len(d.Diagnostics) != 0 || len(d.Steps) != 2 {
		t.Errorf("diagnostics %+v steps %d", d.Diagnostics, len(d.Steps))
	}
}

func TestStepSpansExact(t *testing.T) {
	src := "> ```sh {name=q}\n> echo q\n> ```\n\n- item\n\n  ~~~bash\n  echo l\n  ~~~\n\n```sql\r\nSELECT 1;\r\n```\r\n\n- [x] ticked\n  more\n\n| Check | How |\n|---|---|\n| up | `curl -f x` |\n"
	d := mustParse(t, src)
	want := []struct{ span, code, box string }{
		{"```sh {name=q}\n> echo q\n> ```", "echo q", ""},
		{"~~~bash\n  echo l\n  ~~~", "echo l", ""},
		{"```sql\r\nSELECT 1;\r\n```", "SELECT 1;", ""},
		{"- [x] ticked\n  more", "ticked\n  more", "[x]"},
		{"| up | `curl -f x` |", "curl -f x", ""},
	}
	if len(d.Steps) != len(want) {
		t.Fatalf("steps = %d", len(d.Steps))
	}
	for i, w := range want {
		st := d.Steps[i]
		if got := src[st.Span.Start:st.Span.End]; got != w.span {
			t.Errorf("step %d span %q, want %q", i, got, w.span)
		}
		if got := src[st.CodeSpan.Start:st.CodeSpan.End]; got != w.code {
			t.Errorf("step %d code span %q, want %q", i, got, w.code)
		}
		if got := src[st.Box.Start:st.Box.End]; got != w.box {
			t.Errorf("step %d box %q, want %q", i, got, w.box)
		}
	}
	if d.Steps[3].Code != "ticked more" || d.Steps[3].Line != 15 || d.Steps[3].EndLine != 16 {
		t.Errorf("task = %+v", d.Steps[3])
	}
}

// A front-matter key one slip from runbook's (or a name people reach for
// instead) is a warning naming the key meant; other tools' keys (a docs
// site's date, tags, author) pass without a word.
func TestFrontMatterKeyTypos(t *testing.T) {
	src := "---\ntitle: T\nsql:\n  dsn: x\nvariabels:\n  a: 1\nShell: bash\nsesion: shared\ndate: 2026-01-02\ntags: [ops]\nauthor: ana\nstatus: draft\nenv: prod\n---\n# T\n"
	d := mustParse(t, src)
	var got []string
	for _, g := range d.Diagnostics {
		if g.Code == "unknown-front-matter-key" {
			if g.Severity != SevWarning {
				t.Errorf("%q is not a warning", g.Message)
			}
			got = append(got, fmt.Sprintf("%d %s", g.Line, g.Message))
		}
	}
	want := []string{
		`3 front matter: unknown key "sql", ignored: did you mean mysql?`,
		`5 front matter: unknown key "variabels", ignored: did you mean variables?`,
		`7 front matter: unknown key "Shell", ignored: did you mean shell?`,
		`8 front matter: unknown key "sesion", ignored: did you mean session?`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if d.Err() != nil {
		t.Errorf("a warning stopped the doc: %v", d.Err())
	}
}
