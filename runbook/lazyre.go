package runbook

import (
	"regexp"
	"sync"
)

// lazyRE is a regular expression compiled on its first use. Package
// initialisation runs on every start of runbook (`runbook version`
// included) and most starts never parse a document: compiling this
// package's expressions there cost ≈0.3 ms of every start. A lazyRE is a
// plain composite literal, so declaring one does no work at all.
type lazyRE struct {
	expr string
	once sync.Once
	re   *regexp.Regexp
}

func (l *lazyRE) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.expr) })
	return l.re
}

func (l *lazyRE) MatchString(s string) bool            { return l.get().MatchString(s) }
func (l *lazyRE) FindStringIndex(s string) []int       { return l.get().FindStringIndex(s) }
func (l *lazyRE) FindStringSubmatch(s string) []string { return l.get().FindStringSubmatch(s) }
func (l *lazyRE) ReplaceAllString(src, repl string) string {
	return l.get().ReplaceAllString(src, repl)
}
func (l *lazyRE) FindAllStringSubmatchIndex(s string, n int) [][]int {
	return l.get().FindAllStringSubmatchIndex(s, n)
}
