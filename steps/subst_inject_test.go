package steps

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

// Every context of issue 11 §1 where a value ran as code, and more: a
// value with characters outside the safe set is refused wherever the text
// may be read again as code. (One table, kept whole so that it reads as
// the list of contexts.)
func TestSubstituteRefusesWhereTextIsCode(t *testing.T) {
	const evil = "; touch /tmp/PWNED"
	for _, code := range []string{
		// here-strings, heredocs, pipes and process substitution into an interpreter
		`bash <<< "echo hello <x>"`,
		"bash <<EOF\necho <x>\nEOF",
		"cat <<EOF | sudo bash\necho <x>\nEOF",
		`echo "<x>" | tr a b | bash`,
		`echo "<x>" | tee >(bash) >/dev/null`,
		`bash <(echo "<x>")`,
		`source <(echo "<x>")`,
		`. <(echo "<x>")`,
		`bash < <(echo "<x>")`,
		`python3 <<< "print('<x>')"`,
		"psql <<'SQL'\nSELECT '<x>';\nSQL",
		`{ read -r line; eval "$line"; } <<< "<x>"`,
		`while read -r l; do bash -c "$l"; done <<< "<x>"`,
		`echo "<x>" | xargs echo`,
		// combined short flags
		`mysql -Ne "select '<x>'"`, `mysql -BNe "select '<x>'"`, `mysql -e"select '<x>'"`,
		`mysql --execute="select '<x>'"`, `psql -Atc "select '<x>'"`, `psql -c "select '<x>'"`,
		`perl -ne 'print "<x>"'`, `perl -wle 'print "<x>"'`, `perl script.pl "<x>"`,
		`node -pe '"<x>"'`, `node -e '"<x>"'`, `node --eval='"<x>"'`, `python3 -Bc "print('<x>')"`,
		`ruby -e 'puts "<x>"'`, `bash -lc "echo <x>"`, `sh -ec "echo <x>"`,
		// the interpreter named indirectly or through wrappers
		`"bash" -c "echo <x>"`, `'bash' -c "echo <x>"`, `b\ash -c "echo <x>"`, `"$BASH" -c "echo <x>"`,
		`$SHELL -c "echo <x>"`, `$(which bash) -c "echo <x>"`, `/bin/bash -c "echo <x>"`, `/usr/bin/env bash -c "echo <x>"`,
		`env bash -c "echo <x>"`, `env -i PATH=/bin bash -c "echo <x>"`, `env -S "bash -c 'echo <x>'"`,
		`command bash -c "echo <x>"`, `exec bash -c "echo <x>"`, `builtin eval "echo <x>"`,
		`nice -n 5 bash -c "echo <x>"`, `nice -5 bash -c "echo <x>"`, `nohup bash -c "echo <x>"`,
		`time bash -c "echo <x>"`, `timeout 5 bash -c "echo <x>"`, `timeout -s KILL 5 sh -c "echo <x>"`,
		`busybox sh -c "echo <x>"`, `sudo bash -c "echo <x>"`, `sudo -u postgres psql -c "select '<x>'"`,
		`sudo -s echo <x>`, `sudo -E -H -u app -- sh -c "echo <x>"`, `doas sh -c "echo <x>"`,
		`su -c "echo <x>"`, `su - app -c "echo <x>"`, `runuser -u app -- sh -c "echo <x>"`,
		`stdbuf -oL bash -c "echo <x>"`, `setsid bash -c "echo <x>"`, `chroot /srv bash -c "echo <x>"`,
		`proxychains4 bash -c "echo <x>"`, `BASH=/bin/bash $BASH -c "echo <x>"`,
		`flock /tmp/lock -c "echo <x>"`, `flock -w 5 /tmp/lock bash -c "echo <x>"`,
		`xargs sh -c "echo <x>"`, `xargs -I{} sh -c "echo {} <x>"`, `find . -exec sh -c "echo <x>" \;`,
		`find . -name x -execdir bash -c "echo <x>" {} +`,
		`watch -n 1 "echo <x>"`, `parallel echo ::: "<x>"`, `tmux send-keys -t s "echo <x>" Enter`,
		`screen -X stuff "echo <x>"`, `script -qc "echo <x>" /dev/null`,
		`eval "echo <x>"`, `eval echo '<x>'`, `trap "echo <x>" EXIT`, `alias x="echo <x>"`,
		// remote shells and container exec
		`ssh host "ls <x>"`, `ssh -p 22 host ls '<x>'`, `ssh host <<< "ls <x>"`, `scp "host:<x>" .`,
		`kubectl exec pod -- sh -c "echo <x>"`, `kubectl exec -it -n prod pod -c app -- bash -c "echo <x>"`,
		`kubectl exec pod sh -c "echo <x>"`, `kubectl -n prod exec pod -- sh -c "echo <x>"`,
		`kubectl run tmp --image=busybox -- sh -c "echo <x>"`, `docker exec -it c sh -c "echo <x>"`,
		`docker run --rm -e A=b alpine sh -c "echo <x>"`, `docker compose exec web sh -c "echo <x>"`,
		`gcloud compute ssh vm --command "echo <x>"`, `docker run --entrypoint sh alpine -c "echo <x>"`,
		`exec 3<<<"<x>"; bash <&3`, `echo "echo <x>" > >(bash)`, `xargs -a <(echo "<x>") rm`,
		`mapfile -t arr <<< "<x>"; eval "${arr[0]}"`, `read -r "$name" <<< "<x>"`,
		`A="<x>"; printf -v B '%s' "$A"; eval "$B"`, `A="<x>"; declare -n r=A; eval "$r"`, `aws ssm send-command --parameters "commands=['<x>']"`,
		// other re-parsers
		`git -c alias.x='!echo <x>' x`, `git -c core.pager="<x>" log`, `git config alias.y '!<x>'`,
		`git rebase -x "echo <x>" main`, `awk '{print "<x>"}'`, `awk -F: '{print "<x>"}' /etc/passwd`,
		`sed 's/a/<x>/' f`, `sed -e 's/a/<x>/' f`, `jq '.a + "<x>"' f.json`, `jq -r --arg a b '.x | "<x>"' f`,
		`make VAR="<x>"`, `sqlite3 db.sqlite "select '<x>'"`, `redis-cli EVAL "return '<x>'" 0`,
		`curl -K <(echo "<x>") https://x`, `tar --to-command="echo <x>" -xf a.tar`,
		`less "+!echo <x>" f`, `printf -v "<x>" %s 1`, `read -r "<x>"`,
		// values stored in variables, then used as code
		`X="<x>"; bash -c "$X"`, `X='<x>'; eval "$X"`, `export X="<x>"; sh -c "echo $X"`, `X="<x>"; Y=$X; eval "$Y"`,
		`arr=("<x>"); eval "${arr[0]}"`, `for i in "<x>"; do eval "$i"; done`, `f() { eval "$1"; }; f "<x>"`,
		`f() { bash -c "$@"; }; f "<x>"`, `set -- "<x>"; eval "$1"`, `X="<x>"; $X`, `X="<x>"; echo $X`,
		`X="<x>"; echo $(( X + 1 ))`, `X="<x>"; [[ X -eq 1 ]]`, `X="<x>"; echo "${!X}"`, `X="<x>"; echo "${X@P}"`,
		`read -r X <<< "<x>"; eval "$X"`, `X=$(echo "<x>"); bash -c "$X"`,
		`bash -c 'eval "$1"' _ "<x>"`, `sh -c "$SCRIPT" _ "<x>"`, `bash -c 'bash -c "$1"' _ "<x>"`,
		// names and environment that programs run
		`PAGER="<x>" git log`, `export GIT_SSH_COMMAND="<x>"`, `LD_PRELOAD="<x>" ls`, `export PATH="<x>:$PATH"`,
		`env EDITOR="<x>" git commit`, `export PROMPT_COMMAND="<x>"`, `BASH_ENV="<x>" bash s.sh`,
		// values written to a file that is run
		`echo "<x>" | sudo tee /etc/cron.d/job`, `echo "<x>" >> ~/.bashrc`, `echo "echo <x>" > s.sh && bash ./s.sh`,
		"cat > hook <<EOF\n<x>\nEOF\nchmod +x hook; ./hook", `echo "<x>" > .git/hooks/pre-commit`,
		// output sent to a process for the rest of the script
		"exec > >(bash)\necho \"echo <x>\"", "coproc bash\necho \"echo <x>\" >&\"${COPROC[1]}\"",
		`mysql $OPTS "select '<x>'"`, `psql "${ARGS[@]}" "select '<x>'"`,
		// names, backquotes, unknown constructs
		"echo `echo <x>`", `<x> --version`, `$(echo <x>)`, `echo "$(<x>)"`, `echo @(<x>)`,
		`sudo $FLAGS bash -c "echo <x>"`, `sudo --frobnicate x bash -c "echo <x>"`,
	} {
		t.Run(code, func(t *testing.T) {
			run, _, err := Substitute(sh(code, "x"), code, vals("x", evil))
			if err == nil {
				t.Fatalf("accepted: %q", run)
			}
			if _, ok := err.(*RefusedError); !ok {
				t.Fatalf("error %T %v, want a *RefusedError", err, err)
			}
		})
	}
}

// Where the text is data for the program that receives it, any value goes
// in, escaped for its quoting context.
func TestSubstituteAcceptsData(t *testing.T) {
	const v = "it's a \"value\"; $(id) `id` \\ *"
	for _, code := range []string{
		`echo hi "<x>"`, `echo hi <x>`, `printf '%s\n' <x>`, `kubectl get pod "<x>"`,
		`kubectl annotate pod p note="<x>"`, `kubectl logs deploy/app -c app | grep "<x>"`,
		`aws s3 cp f "s3://b/<x>"`, `git commit -m "<x>"`, `git log --grep="<x>"`, `curl -H "X-Note: <x>" https://x`,
		`bash -c 'printf "%s\n" "$1"' _ "<x>"`, `sh -c 'echo "$1"' sh '<x>'`,
		`find . -name "<x>"`, `find . -exec grep -F -- "<x>" {} +`,
		`sudo tee /etc/motd <<< "<x>"`, `echo "<x>" | sudo tee /etc/motd`, `echo "<x>" | kubectl apply -f -`,
		"cat <<'EOF' > note.txt\n<x>\nEOF", "kubectl apply -f - <<EOF\nnote: <x>\nEOF",
		`X="<x>"; echo "$X"`, `export NOTE="<x>"; printf '%s' "$NOTE"`, `f() { echo "$1"; }; f "<x>"`,
		`docker run --rm -e NOTE="<x>" alpine env`, `docker exec c cat "/tmp/<x>"`,
		`timeout 5 grep -F -- "<x>" f`, `sudo -u app grep -F -- "<x>" f`, `env NOTE="<x>" ./tool`,
		`jq --arg n "<x>" '.name = $n' f.json`, `awk -v n="<x>" '{print n}' f`,
		`psql -v ON_ERROR_STOP=1 -d db -f q.sql -- ` + "\n# <x>", `mysql --password="<x>" -e 'select 1'`,
		`diff <(echo "<x>") f`, `grep -F "<x>" <(cat f)`, `[[ "<x>" == y ]]`, `case "<x>" in *) echo;; esac`,
		"# a comment <x>",
	} {
		t.Run(code, func(t *testing.T) {
			if _, _, err := Substitute(sh(code, "x"), code, vals("x", v)); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// A value beginning with '-' that would start a command argument is an
// option, not data (`git log <rev>` with --output=FILE wrote a file):
// refused unless `--` comes first or the variable's pattern admits it.
func TestSubstituteArgumentInjection(t *testing.T) {
	for _, tc := range []struct {
		code, val, pattern string
		ok                 bool
	}{
		{`git log <x>`, "--output=/tmp/x", "", false},
		{`git log "<x>"`, "--output=/tmp/x", "", false},
		{`git log <x>..HEAD`, "--output=/tmp/x", "", false},
		{`git log "$(echo <x>)"`, "--output=/tmp/x", "", false},
		{`X=<x>; git log "$X"`, "--output=/tmp/x", "", false},
		{`sort <x> f`, "-o/tmp/x", "", false},
		{`sudo -u <x> id`, "-s", "", false},
		{`echo <x>`, "-e", "", false},
		{`ssh <x> uptime`, "-oProxyCommand=touch", "", false},
		{`git log -- <x>`, "--output=/tmp/x", "", true},
		{`git log v1..<x>`, "--output=/tmp/x", "", true},
		{`git log --author=<x>`, "-x", "", true},
		{`echo hi <x>`, "-e", "", true},
		{`printf '%s' <x>`, "-n", "", true},
		{`kubectl scale --replicas=<x> deploy/a`, "-1", "", true},
		{`sleep <x>`, "-1", `-?[0-9]+`, true},
		{`sleep <x>`, "-1", `[0-9]+`, false},
		{`X=<x>`, "-rf", "", true},
	} {
		m := map[string]Value{"x": {Text: tc.val, Pattern: tc.pattern}}
		_, _, err := Substitute(sh(tc.code, "x"), tc.code, m)
		if tc.ok != (err == nil) {
			t.Errorf("%q with %q (pattern %q): err %v, want ok=%v", tc.code, tc.val, tc.pattern, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), "option") && !strings.Contains(err.Error(), "begins with '-'") {
			t.Errorf("%q: %v", tc.code, err)
		}
	}
}

// A pattern admits a value deliberately where a safe-set value would be
// required, as long as the value holds no character that can end a quote
// or start code; those are refused whatever the pattern says.
func TestSubstitutePatternAdmits(t *testing.T) {
	code := `ssh host "logger <x>"`
	m := map[string]Value{"x": {Text: "deploy done", Pattern: `[a-z ]+`}}
	run, _, err := Substitute(sh(code, "x"), code, m)
	if err != nil || run != `ssh host "logger deploy done"` {
		t.Fatalf("run %q err %v", run, err)
	}
	m["x"] = Value{Text: "a; b", Pattern: `.*`}
	if _, _, err := Substitute(sh(code, "x"), code, m); err == nil || !strings.Contains(err.Error(), "no pattern admits it there") {
		t.Fatalf("err %v", err)
	}
	m["x"] = Value{Text: "a b"}
	_, _, err = Substitute(sh(code, "x"), code, m)
	want := `value for <x> is read as code there (ssh reads its arguments as code) and has characters outside letters, digits and ._-/:@%+=,~; to admit such values deliberately, give x a pattern in the front matter`
	if err == nil || err.Error() != want {
		t.Fatalf("err  %v\nwant %s", err, want)
	}
}

// A block that is not shell is code the analysis cannot read: only the
// safe set goes in (a python f-string's {name} included).
func TestSubstituteNonShellBlock(t *testing.T) {
	st := &runbook.Step{Kind: runbook.KindShell, Lang: "python", Attrs: runbook.Attrs{Run: true, Shell: "python3"}}
	code := `print("<x>", f"{x}")` // an f-string's {x} is python's, not a placeholder
	run, _, err := Substitute(st, code, vals("x", "prod-db.internal"))
	if err != nil || run != `print("prod-db.internal", f"{x}")` {
		t.Fatalf("run %q err %v", run, err)
	}
	for _, v := range []string{`")+__import__("os").system("id")+("`, "a b", "{y}", "-x"} {
		if _, _, err := Substitute(st, code, vals("x", v)); err == nil || !strings.Contains(err.Error(), "python3 runs the block as code") {
			t.Errorf("%q: %v", v, err)
		}
	}
}

// The value is escaped for the grammar the block really runs in: an SH
// fence runs in bash, shell=sh in POSIX sh (dash), and substitution reads
// the same decision as the executor (Step.Interpreter). A value escaped
// as bash but run by dash printed INJECTED.
func TestSubstituteUsesTheStepsDialect(t *testing.T) {
	v := "x'; echo INJECTED; #"
	for _, st := range []*runbook.Step{
		{Kind: runbook.KindShell, Lang: "SH"},
		{Kind: runbook.KindShell, Lang: "sh", Attrs: runbook.Attrs{Shell: "sh"}},
		{Kind: runbook.KindShell, Lang: "sh", Attrs: runbook.Attrs{Shell: "dash"}},
	} {
		code := `echo '<x>' $'<x>' "<x>"`
		st.Placeholders = []string{"x"}
		run, _, err := Substitute(st, code, vals("x", v))
		if err != nil {
			t.Errorf("%s: %v", st.Interpreter(), err)
			continue
		}
		prog, err := exec.LookPath(st.Interpreter().Program())
		if err != nil {
			t.Skip(err)
		}
		out, err := exec.Command(prog, "-c", run).CombinedOutput()
		if err != nil || strings.Contains(string(out), "INJECTED\n") {
			t.Errorf("%s ran %q: %q %v", st.Interpreter(), run, out, err)
		}
	}
}
