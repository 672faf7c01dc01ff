//go:build unix && !linux

package shell

func newScratch(name string) (*scratch, error) { return newTempScratch(name) }
