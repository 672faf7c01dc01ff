package steps

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/steps/internal/fuzzexec"
)

func sh(code string, names ...string) *runbook.Step {
	return &runbook.Step{Kind: runbook.KindShell, Lang: "bash", Code: code, Placeholders: names}
}

func vals(kv ...string) map[string]Value {
	m := map[string]Value{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = Value{Text: kv[i+1]}
	}
	return m
}

func TestShellQuote(t *testing.T) {
	for in, want := range map[string]string{
		"":            "''",
		"abc":         "abc",
		"a-b_c.d/e:f": "a-b_c.d/e:f",
		"a b":         "'a b'",
		"it's":        `'it'\''s'`,
		"$(x)":        "'$(x)'",
		"~":           "'~'",
		"*":           "'*'",
	} {
		if got := ShellQuote(in); got != want {
			t.Errorf("ShellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSubstituteShellContexts(t *testing.T) {
	const v = `a'b"c$d` + "`e\\f}g\nh"
	tests := []struct {
		name, code string
		want       string
	}{
		{"bare", "echo <x>", `echo 'a'\''b"c$d` + "`e\\f}g\nh'"},
		{"bare brace form", "echo {x}", `echo 'a'\''b"c$d` + "`e\\f}g\nh'"},
		{"bare in word", "echo pre-<x>-post", `echo pre-'a'\''b"c$d` + "`e\\f}g\nh'-post"},
		{"single", "echo '<x>'", `echo 'a'\''b"c$d` + "`e\\f}g\nh'"},
		{"double", `echo "<x>"`, `echo "a'b\"c\$d` + "\\`e\\\\f}g\nh\""},
		{"ansi", `echo $'<x>'`, `echo $'a\'b"c$d` + "`e\\\\f}g\nh'"},
		{"cmdsubst in double", `echo "$(echo <x>)"`, `echo "$(echo 'a'\''b"c$d` + "`e\\f}g\nh')\""},
		{"heredoc", "cat <<EOF\n<x>\nEOF", "cat <<EOF\na'b\"c\\$d\\`e\\\\f}g\nh\nEOF"},
		{"quoted heredoc", "cat <<'EOF'\n<x>\nEOF", "cat <<'EOF'\n" + v + "\nEOF"},
		{"test clause", `[[ <x> == y ]]`, `[[ 'a'\''b"c$d` + "`e\\f}g\nh' == y ]]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, disp, err := Substitute(sh(tt.code, "x"), tt.code, vals("x", v))
			if err != nil {
				t.Fatal(err)
			}
			if run != tt.want || disp != run {
				t.Fatalf("run  %q\nwant %q\ndisplay %q", run, tt.want, disp)
			}
		})
	}
}

func TestSubstituteTestClauseQuotesPlainValues(t *testing.T) {
	code := `[[ <x> == "$V" ]]`
	run, _, err := Substitute(sh(code, "x"), code, vals("x", "-n"))
	if err != nil || run != `[[ '-n' == "$V" ]]` {
		t.Fatalf("run %q err %v", run, err)
	}
}

func TestSubstitutePlainValuesStayReadable(t *testing.T) {
	code := `aws ecr create-repository --repository-name <repo> --region {region} # in <repo>`
	run, _, err := Substitute(sh(code, "repo", "region"), code, vals("repo", "team/app", "region", "us-west-2"))
	if err != nil {
		t.Fatal(err)
	}
	// a comment is not code: its placeholders are text for the reader
	if want := `aws ecr create-repository --repository-name team/app --region us-west-2 # in <repo>`; run != want {
		t.Fatalf("got %q", run)
	}
}

func TestSubstituteRefusals(t *testing.T) {
	tests := []struct {
		name, code, val, wantErr string
	}{
		{"nul", "echo <x>", "a\x00b", "NUL"},
		{"arith", "echo $(( <x> + 1 ))", "a[$(id)]", "arithmetic"},
		{"arith ok int", "echo $(( <x> + 1 ))", "41", ""},
		{"[[ -eq ]]", "[[ <x> -eq 3 ]]", "a[$(id)]", "arithmetic"},
		{"index", `echo "${arr[<x>]}"`, "a[$(id)]", "arithmetic"},
		{"eval", `eval "echo <x>"`, "$(id)", "read as code"},
		{"bash -c", `bash -c 'echo <x>'`, "'; id; '", "read as code"},
		{"ssh", `ssh host "ls <x>"`, "a;b", "read as code"},
		{"awk", `awk '{print "<x>"}'`, `"; system("id"); "`, "read as code"},
		{"eval plain ok", `eval "echo <x>"`, "abc", ""},
		{"backquotes", "echo `echo <x>`", "a b", "read as code"},
		{"var name", "<x>=1", "abc", "variable name"},
		{"param name", "echo $<x>", "abc", "variable name"},
		{"heredoc delimiter", "cat <<EOF\n<x>\nEOF\necho hi", "a\nEOF\nid", "end the heredoc"},
		{"quoted heredoc delimiter", "cat <<'EOF'\n<x>\nEOF\nid", "EOF", "end the heredoc"},
		{"python -c", `python3 -c "print('<x>')"`, "a'); import os; ('", "read as code"},
		{"python script arg ok", `python3 tool.py "<x>"`, "a'b", ""},
		{"mysql -e", `mysql -h db -e "select '<x>'"`, "a'b", "read as code"},
		{"mysql password ok", `mysql -h db --password="<x>"`, "a'b", ""},
		{"bash -ec", `bash -ec "echo <x>"`, "a b", "read as code"},
		{"heredoc into bash", "cat <<EOF | bash\necho <x>\nEOF", "$(id)", "bash reads its standard input as code"},
		{"heredoc into bash plain ok", "bash <<'EOF'\necho <x>\nEOF", "abc", ""},
		{"pipe into sudo tee ok", `echo "<x>" | sudo tee /etc/motd`, "a b; c", ""},
		{"heredoc into kubectl apply ok", "kubectl apply -f - <<EOF\nname: <x>\nEOF", "a b: c", ""},
		{"heredoc into kubectl exec sh", "kubectl exec -i pod -- sh <<EOF\necho <x>\nEOF", "$(id)", "sh reads its standard input as code"},
		{"pipe into sh", `echo "<x>" | sh`, "a;id", "sh reads its standard input as code"},
		{"cmdsubst into bash -c", `bash -c "$(echo <x>)"`, ";id", "read as code"},
		{"cmdsubst into arith", `echo $(( $(echo <x>) + 1 ))`, "a[$(id)]", "arithmetic"},
		{"heredoc into mysql", "mysql <<EOF\nSELECT * FROM t WHERE id = <x>;\nEOF", "1 OR 1=1", "mysql reads its standard input as code"},
		{"heredoc into mysql safe ok", "mysql <<EOF\nSELECT '$V', '<x>';\nEOF", "a", ""},
		{"export value ok", `export DB_PASS="<x>"`, "a b'c$(id)", ""},
		{"local value ok", `f() { local v=<x>; }`, "a b'c", ""},
		{"export naked", `export <x>`, "a[$(id)]", "variable name"},
		{"export naked quoted", `export "<x>"`, "a[$(id)]=1", "variable name"},
		{"declare -i", `declare -i n=<x>`, "a[$(id)]", "variable name or evaluates"},
		{"declare -a", `declare -a arr=<x>`, "([$(id)]=1)", "variable name or evaluates"},
		{"test -v", `[ -v <x> ]`, "a[$(id)]", "read as code"},
		{"in ${} with quote", `echo "${u:-<x>}"`, "it's", "inside ${…}"},
		{"in ${} bare", `echo ${u:-<x>}`, "a b", "inside ${…}"},
		{"in ${} plain ok", `echo "${u:-<x>}"`, "a-b", ""},
		{"comment is left alone", "true # <x>", "a\nid", ""},
		{"after backslash", `echo \<x>`, "'x", "backslash"},
		{"missing value", "echo <y>", "", "no value for placeholder <y>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			names := []string{"x"}
			if strings.Contains(tt.code, "<y>") {
				names = []string{"y"}
			}
			_, _, err := Substitute(sh(tt.code, names...), tt.code, vals("x", tt.val))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

// SQL sent to the mysql client in a heredoc is re-read by the client:
// hand-escaping it is defeated by multibyte charsets (issue 11 §2), so
// only safe values go in; a SQL step sends them as bind parameters.
func TestSubstituteSQLInHeredoc(t *testing.T) {
	for _, code := range []string{
		"mysql -h db <<EOF\nCREATE USER 'app' IDENTIFIED BY '<pw>';\nEOF",
		"mysql -h db <<'SQL'\nCREATE USER 'app' IDENTIFIED BY '<pw>';\nSQL",
		"cat <<'SQL' | mysql\nSELECT \"<pw>\";\nSQL",
	} {
		if _, _, err := Substitute(sh(code, "pw"), code, vals("pw", `a'b\c$d`+"`e")); err == nil || !strings.Contains(err.Error(), "mysql reads its standard input as code") {
			t.Fatalf("%q: %v", code, err)
		}
		run, _, err := Substitute(sh(code, "pw"), code, vals("pw", "S3cr3t.pw"))
		if err != nil || !strings.Contains(run, "'S3cr3t.pw'") && !strings.Contains(run, `"S3cr3t.pw"`) {
			t.Fatalf("%q: run %q err %v", code, run, err)
		}
	}
}

func TestSubstituteDisplayMasksSecrets(t *testing.T) {
	code := `mysql -h <host> --password="<pw>" # <pw>`
	m := map[string]Value{"host": {Text: "db.internal"}, "pw": {Text: `pa"ss`, Secret: true}}
	run, disp, err := Substitute(sh(code, "host", "pw"), code, m)
	if err != nil {
		t.Fatal(err)
	}
	if run != `mysql -h db.internal --password="pa\"ss" # <pw>` {
		t.Fatalf("run %q", run)
	}
	if disp != `mysql -h db.internal --password="****" # <pw>` {
		t.Fatalf("display %q", disp)
	}
}

func TestSubstituteOnlyKnownNames(t *testing.T) {
	code := `echo <x> <unknown> ${HOME} {y}`
	run, _, err := Substitute(sh(code, "x"), code, vals("x", "1"))
	if err != nil || run != `echo 1 <unknown> ${HOME} {y}` {
		t.Fatalf("run %q err %v", run, err)
	}
}

func TestSubstituteUnparsableShell(t *testing.T) {
	code := "if then <x> fi ("
	run, _, err := Substitute(sh(code, "x"), code, vals("x", "plain-1"))
	if err != nil || run != "if then plain-1 fi (" {
		t.Fatalf("plain value: run %q err %v", run, err)
	}
	if _, _, err := Substitute(sh(code, "x"), code, vals("x", "a b")); err == nil || !strings.Contains(err.Error(), "not valid shell") {
		t.Fatalf("want a refusal, got %v", err)
	}
}

// shellTemplates are the forms the fuzz test runs through real bash; each
// must print exactly the value.
var shellTemplates = []string{
	`printf '%s' <x>`,
	`printf '%s' "<x>"`,
	`printf '%s' '<x>'`,
	`printf '%s' {x}`,
	`printf '%s' "{x}"`,
	`printf '%s' '{x}'`,
	`printf '%s' $'<x>'`,
	`printf '%s' "$(printf '%s' <x>)"`,
	`printf '%s' pre<x>post`,
	`export V="<x>"; printf '%s' "$V"`,
	`export V=<x>; printf '%s' "$V"`,
	`f() { local v='<x>'; printf '%s' "$v"; }; f`,
}

// FuzzShellSubstitute proves that whatever the value, the substituted
// commands print exactly the value when run by bash, and nothing else runs
// (a value trying to create a file in the working directory fails to).
func FuzzShellSubstitute(f *testing.F) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		f.Skip("no bash")
	}
	fuzzexec.KeepPipesFromChildren(f)
	for _, s := range []string{
		"", "plain", "a b", "it's", `"q"`, "$(touch CANARY)", "`touch CANARY`", "'; touch CANARY; '",
		`'\''`, "\\", "a\\", "\\'", "\n", "a\nb", "${HOME}", "$HOME", "}", "${x:-}", "*", "~", "-n",
		"$'\\x41'", "\"$(touch CANARY)\"", "héllo 🌍", "\t", "!", "!!", "#", "a;b|c&d", "\r\n", "%s%d",
		"\xff\xfe", "EOF", "$((1+1))", "<(touch CANARY)",
	} {
		f.Add(s)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, v string) {
		var script strings.Builder
		var wantOut strings.Builder
		type tmpl struct {
			code   string
			want   string
			refuse bool // a refusal is the right answer for this value
		}
		var templates []tmpl
		for _, c := range shellTemplates {
			want := v
			if strings.Contains(c, "pre<x>") {
				want = "pre" + v + "post"
			} else if strings.Contains(c, "$(printf") {
				want = strings.TrimRight(v, "\n") // $(…) drops trailing newlines
			}
			templates = append(templates, tmpl{code: c, want: want})
		}
		endsHeredoc := false
		for line := range strings.SplitSeq(v, "\n") {
			endsHeredoc = endsHeredoc || strings.TrimSpace(line) == "EOF"
		}
		templates = append(templates,
			tmpl{code: `printf '%s' "${unset_var:-<x>}"`, want: v, refuse: !isPlain(v) && v != ""},
			tmpl{code: "cat <<EOF\n<x>\nEOF", want: v + "\n", refuse: endsHeredoc},
			tmpl{code: "cat <<'EOF'\n<x>\nEOF", want: v + "\n", refuse: endsHeredoc},
			tmpl{code: "printf '%s' ok # <x>", want: "ok"}, // a comment is never filled in
			tmpl{code: "mysql <<EOF\nSELECT '<x>';\nEOF", want: "SELECT '" + v + "';\n", refuse: !isSafe(v) || strings.HasPrefix(v, "-") || endsHeredoc},
		)
		script.WriteString("mysql() { cat; }\n") // the SQL as mysql would receive it
		for _, tm := range templates {
			run, _, err := Substitute(sh(tm.code, "x"), tm.code, vals("x", v))
			if strings.IndexByte(v, 0) >= 0 {
				if err == nil {
					t.Fatalf("value with NUL accepted in %q", tm.code)
				}
				return
			}
			if tm.refuse {
				if err == nil {
					t.Fatalf("template %q accepted %q: %q", tm.code, v, run)
				}
				continue
			}
			if err != nil {
				t.Fatalf("template %q refused %q: %v", tm.code, v, err)
			}
			if wantOut.Len() > 0 || script.Len() > len("mysql() { cat; }\n") {
				script.WriteString("\nprintf '\\0'\n")
				wantOut.WriteByte(0)
			}
			script.WriteString(run)
			wantOut.WriteString(tm.want)
		}
		work, err := os.MkdirTemp(dir, "w")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(work)
		cmd := exec.Command(bash, "--noprofile", "--norc", "-c", script.String())
		cmd.Dir = work
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "LC_ALL=C", "HOME=" + work}
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bash failed on %q: %v\nscript:\n%s", v, err, script.String())
		}
		if string(out) != wantOut.String() {
			got := strings.Split(string(out), "\x00")
			want := strings.Split(wantOut.String(), "\x00")
			for i := range min(len(got), len(want)) {
				if got[i] != want[i] {
					t.Fatalf("value %q, template %d: printed %q, want %q\nscript:\n%s", v, i, got[i], want[i], script.String())
				}
			}
			t.Fatalf("value %q: output %q, want %q", v, out, wantOut.String())
		}
		if ents, _ := os.ReadDir(work); len(ents) > 0 {
			t.Fatalf("value %q ran code: %s created", v, filepath.Join(work, ents[0].Name()))
		}
	})
}

func TestSubstituteInBash(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	tmpls := []struct{ code, want string }{
		{`printf '%s' "a"<x>"b"`, "a{v}b"},
		{`printf '%s' "$(printf '%s' "<x>")"`, "{v-trim}"},
		{`x=<x>; printf '%s' "$x"`, "{v}"},
		{`case <x> in *) printf '%s' <x>;; esac`, "{v}"},
		{`for i in <x>; do printf '%s' "$i"; done`, "{v}"},
		{`printf '%s' $"<x>"`, "{v}"},
		{`[[ <x> == "$V" ]] && printf ok`, "ok"},
		{"printf '%s' \\\n<x>", "{v}"},
		{`printf '%s' "<x>" | cat`, "{v}"},
		{`arr=(<x> "<x>" '<x>'); printf '%s|' "${arr[@]}"`, "{v}|{v}|{v}|"},
		{`printf '%s' <x>'<x>'"<x>"`, "{v}{v}{v}"},
		{`f() { printf '%s' "$1"; }; f <x>`, "{v}"},
		{`printf '%s' "$(printf '%s' '<x>')"`, "{v-trim}"},
		{`printf '%s' "$( printf '%s' $'<x>' )"`, "{v-trim}"},
		{`{ printf '%s' <x>; }`, "{v}"},
		{`( printf '%s' "<x>" )`, "{v}"},
		{`if true; then printf '%s' <x>; fi`, "{v}"},
		{`printf '%s' <x> # <x>`, "{v}"},
		{"printf '%s' \"$(cat <<EOF\n<x>\nEOF\n)\"", "{v-trim}"},
		{"cat <<-EOF\n<x>\n\tEOF", "{v-tabs}\n"},
		{`export V2="<x>"; printf '%s' "$V2"`, "{v}"},
		{`printf '%s' "${V:+<x>}"`, "{v}"},
	}
	values := []string{"plain", "-n", "a b", "it's", `"q"`, "$(touch CANARY)", "`touch CANARY`",
		"'; touch CANARY; '", `'\''`, "\\", "a\\", "\n", "a\nb\n", "${HOME}", "}", "*", "~", "$'\\x41'",
		"\"$(touch CANARY)\"", "!", "#", "a;b|c&d", "EOF", "<(touch CANARY)", "\t x \t", "é"}
	for _, tm := range tmpls {
		for _, v := range values {
			run, _, err := Substitute(sh(tm.code, "x"), tm.code, vals("x", v))
			if err != nil {
				continue // refusing is always safe; the fuzz test checks the common forms are accepted
			}
			dir := t.TempDir()
			cmd := exec.Command(bash, "--noprofile", "--norc", "-c", run)
			cmd.Dir = dir
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "V=" + v, "LC_ALL=C"}
			out, _ := cmd.Output()
			var lines []string // <<- strips leading tabs from every line
			for l := range strings.SplitSeq(v, "\n") {
				lines = append(lines, strings.TrimLeft(l, "\t"))
			}
			tabs := strings.Join(lines, "\n")
			want := strings.NewReplacer("{v-trim}", strings.TrimRight(v, "\n"), "{v-tabs}", tabs, "{v}", v).Replace(tm.want)
			if string(out) != want {
				t.Errorf("%q with %q: printed %q, want %q\nran: %s", tm.code, v, out, want, run)
			}
			if _, err := os.Stat(filepath.Join(dir, "CANARY")); err == nil {
				t.Errorf("%q with %q ran the value's code\nran: %s", tm.code, v, run)
			}
		}
	}
}
