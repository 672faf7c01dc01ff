//go:build unix && !linux

package shell

// watchInput needs /proc: elsewhere a step waiting for input is not told
// apart from a slow one.
func watchInput(int, string, func(bool)) (stop func()) { return func() {} }
