package shell

import (
	"testing"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// A step that only runs programs is not listed; anything that may change
// a variable, a function or the directory is.
func TestMayChangeState(t *testing.T) {
	funcs := []journal.ShellFunc{{Name: "deploy"}}
	for code, want := range map[string]bool{
		"true":                                  false,
		"kubectl apply -f app.yaml | tee log":   false,
		"echo \"$HOME $((1 + 2))\"; ls -l /tmp": false,
		"[[ $x =~ ^a ]] && echo yes":            false,
		"set -x; shift; trap 'rm f' EXIT":       false,
		"if test -f x; then echo; fi":           false,
		"printf '%s\\n' a":                      false,
		"X=1":                                   true,
		"X=1 make":                              true,
		"export A=b":                            true,
		"local x":                               true,
		"f() { :; }":                            true,
		"for f in *; do echo $f; done":          true,
		"(( n++ ))":                             true,
		"echo $(( n = 3 ))":                     true,
		"echo ${x:=default}":                    true,
		"cd /tmp":                               true,
		"pushd /tmp":                            true,
		"read -r line < f":                      true,
		"source ./env.sh":                       true,
		". ./env.sh":                            true,
		"eval \"$cmd\"":                         true,
		"$cmd arg":                              true,
		"deploy prod":                           true,
		"printf -v x '%s' a":                    true,
		"unset X":                               true,
		"mapfile -t lines < f":                  true,
		"echo $(cd /tmp; pwd)":                  true,
		"if (":                                  true,
		"coproc cat":                            true,
		"let x=1":                               true,
		"getopts ab opt":                        true,
		"command cd /":                          true,
		"wait -n -p pid":                        true,
	} {
		if got := mayChangeState(runbook.DialectBash, code, funcs); got != want {
			t.Errorf("%q: %v, want %v", code, got, want)
		}
	}
	if !mayChangeState(runbook.DialectZsh, "true", nil) {
		t.Error("a zsh step was not listed")
	}
}

// The trap wrapper goes into the prelude only for code that may set a
// trap, and then keeps the capture (TestSessionCaptureKeepsStatusAndOutput).
func TestMayTrap(t *testing.T) {
	for code, want := range map[string]bool{
		"X=1":                      false,
		"trap 'rm -f x' EXIT; X=1": true,
		"eval \"$setup\"":          true,
		"source ./lib.sh":          true,
		". ./lib.sh; X=1":          true,
		"cd .; ls ./x":             false,
	} {
		if got := mayTrap(code, nil); got != want {
			t.Errorf("%q: %v, want %v", code, got, want)
		}
	}
	if !mayTrap("cleanup", []journal.ShellFunc{{Name: "cleanup", Body: "cleanup () \n{ \n    trap 'rm x' EXIT\n}"}}) {
		t.Error("a session function that sets a trap was missed")
	}
}
