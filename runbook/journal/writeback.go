package journal

import "os"

// writebackEvery is how much of a step's output is written to its log
// before the kernel is asked to start writing it to disk: Log.Close syncs
// the log, and a step that printed 300 MB would otherwise wait there a
// quarter of a second for all of it at once.
const writebackEvery = 8 << 20

// writeback counts what was written to a file since the kernel was last
// asked to start writing it back (startWriteback).
type writeback struct{ pending int }

func (w *writeback) wrote(f *os.File, n int) {
	if w.pending += n; w.pending >= writebackEvery {
		w.pending = 0
		startWriteback(f)
	}
}
