package steps

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

func sh(code string, names ...string) *runbook.Step {
	return &runbook.Step{Kind: runbook.KindShell, Lang: "bash", Code: code, Placeholders: names}
}

func sqlStep(code string, names ...string) *runbook.Step {
	return &runbook.Step{Kind: runbook.KindSQL, Lang: "sql", Code: code, Placeholders: names}
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
	if want := `aws ecr create-repository --repository-name team/app --region us-west-2 # in team/app`; run != want {
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
		{"comment newline", "true # <x>", "a\nid", "comment"},
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
	if run != `mysql -h db.internal --password="pa\"ss" # pa"ss` {
		t.Fatalf("run %q", run)
	}
	if disp != `mysql -h db.internal --password="****" # ****` {
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

func TestSubstituteSQL(t *testing.T) {
	tests := []struct {
		name, code, val, want, wantErr string
	}{
		{"single", "SELECT '<x>'", `a'b\c"d`, `SELECT 'a''b\\c"d'`, ""},
		{"double", `SELECT "<x>"`, `a'b\c"d`, `SELECT "a'b\\c""d"`, ""},
		{"backtick", "SELECT * FROM `<x>`", "we`ird", "SELECT * FROM `we``ird`", ""},
		{"bare number", "SELECT * FROM t WHERE id = <x>", "42", "SELECT * FROM t WHERE id = 42", ""},
		{"bare ident", "USE <x>", "app_prod", "USE app_prod", ""},
		{"bare unsafe", "SELECT * FROM t WHERE id = <x>", "1 OR 1=1", "", "not a safe bare SQL word"},
		{"bare dash beside dash", "DELETE FROM t WHERE a = -<x> AND b = 2", "-1", "", "comment"},
		{"bare negative ok", "SELECT 5 - <x>", "-1", "SELECT 5 - -1", ""},
		{"bare dashdash", "DELETE FROM t WHERE id = <x> AND tenant = 5", "1--", "", "not a safe bare SQL word"},
		{"after string with escaped quote", `SELECT 'it\'s', <x>`, "a'b", "", "not a safe bare SQL word"},
		{"in string after doubled quote", `SELECT 'it''s <x>'`, "a'b", `SELECT 'it''s a''b'`, ""},
		{"line comment", "SELECT 1 -- <x>\n", "a\nDROP TABLE t", "", "line break"},
		{"hash comment ok", "SELECT 1 # <x>\n", "note", "SELECT 1 # note\n", ""},
		{"block comment", "SELECT /* <x> */ 1", "*/ DROP TABLE t /*", "", "*/"},
		{"executable comment is code", "SELECT /*!50000 <x> */ 1", "1 OR 1", "", "not a safe bare SQL word"},
		{"after backslash", `SELECT '\<x>'`, "a", "", "backslash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, _, err := Substitute(sqlStep(tt.code, "x"), tt.code, vals("x", tt.val))
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q (run %q)", err, tt.wantErr, run)
				}
			case err != nil:
				t.Fatal(err)
			case run != tt.want:
				t.Fatalf("run %q, want %q", run, tt.want)
			}
		})
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
			tmpl{code: "printf '%s' ok # <x>", want: "ok", refuse: strings.ContainsAny(v, "\r\n")},
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

// sqlTemplate puts the value in each kind of MySQL quoted token.
const sqlTemplate = "SELECT '<x>', \"<x>\", `<x>` -- end"

// FuzzSQLSubstitute proves that the substituted literals, read back by a
// MySQL-style lexer, give exactly the value and leave the statement's
// structure intact.
func FuzzSQLSubstitute(f *testing.F) {
	for _, s := range []string{"", "a", "it's", `a"b`, "a`b", `\`, `\'`, "''", `\\'`, "\n", "é", "' OR 1=1 -- ", "`; DROP TABLE t; `"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		run, _, err := Substitute(sqlStep(sqlTemplate, "x"), sqlTemplate, vals("x", v))
		if strings.IndexByte(v, 0) >= 0 {
			if err == nil {
				t.Fatal("NUL accepted")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := strings.CutPrefix(run, "SELECT ")
		if !ok {
			t.Fatalf("run %q", run)
		}
		for i, q := range []byte{'\'', '"', '`'} {
			lit, r, err := lexMySQLQuoted(rest, q)
			if err != nil {
				t.Fatalf("value %q: %v in %q", v, err, run)
			}
			if lit != v {
				t.Fatalf("value %q: literal %d reads back as %q (run %q)", v, i, lit, run)
			}
			sep := ", "
			if i == 2 {
				sep = " -- end"
			}
			if rest, ok = strings.CutPrefix(r, sep); !ok {
				t.Fatalf("value %q: after literal %d comes %q", v, i, r)
			}
		}
		if rest != "" {
			t.Fatalf("trailing %q", rest)
		}
	})
}

// lexMySQLQuoted reads one quoted token (as MySQL does, default sql_mode)
// at the start of s and returns its value and the rest.
func lexMySQLQuoted(s string, q byte) (string, string, error) {
	if s == "" || s[0] != q {
		return "", "", errorString("no opening quote")
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && q != '`' && i+1 < len(s):
			i++
			switch s[i] {
			case '0':
				b.WriteByte(0)
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'b':
				b.WriteByte('\b')
			case 'Z':
				b.WriteByte(26)
			case '%', '_':
				b.WriteByte('\\')
				b.WriteByte(s[i])
			default:
				b.WriteByte(s[i])
			}
		case c == q && i+1 < len(s) && s[i+1] == q:
			b.WriteByte(q)
			i++
		case c == q:
			return b.String(), s[i+1:], nil
		default:
			b.WriteByte(c)
		}
	}
	return "", "", errorString("unterminated")
}

type errorString string

func (e errorString) Error() string { return string(e) }

// TestSubstituteInBash runs many shell contexts with hostile values through
// real bash: each is either refused or prints exactly the value, and none
// runs the value's code.
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
