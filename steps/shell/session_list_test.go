package shell

import (
	"testing"

	"github.com/runbook-sh/runbook/runbook"
)

// FuzzParseListing: whatever a listing holds (a step can write anything
// into it), reading it never panics, and what it reads back restores as
// single-quoted values only.
func FuzzParseListing(f *testing.F) {
	for _, s := range []string{
		"declare -x A=\"b\"\ndeclare -a arr=([0]=\"x\" [3]=$'\\n')\ndeclare -A m=([\"k\"]=\"v\" )\n#runbook:functions\nf () \n{ \n    echo\n}\n",
		"typeset -g -i10 X=3\nexport -T PATH path=( /bin )\ntypeset -A m=( [k]=v ['a b']=$'\\C-@' )\n",
		"A='x'\nB='it'\"'\"'s'\n#runbook:functions\nexport B='it'\"'\"'s'\n",
		"declare -- X=$(id)\n", "declare -i N=\"1+$(id)\"\n", "declare -n r=\"a[$(id)]\"\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, d := range []runbook.Dialect{runbook.DialectBash, runbook.DialectZsh, runbook.DialectPOSIX} {
			l, err := parseListing(d, []byte(s))
			if err != nil {
				continue
			}
			for _, name := range l.order {
				l.decode(name) //nolint:errcheck // only that it returns
			}
			empty := newListing()
			diffListings(d, empty, l)
		}
	})
}
