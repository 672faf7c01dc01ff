//go:build unix

package shell

import (
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// A NoPTY step's pipe is grown to readBuf (growPipe), and copyPipe reads
// all that is waiting in one go: when runbook falls behind a step printing
// flat out, the pipe fills and the next round takes up to 1 MiB at once,
// so that a flood costs few reads and writes; output that trickles in is
// read as it comes. (A pause after each round to let the pipe fill was
// tried: on a busy machine the sleeps overshot and cost more than the
// wake-ups they saved.)

// pipeStopCheck is how often a copy waiting for output looks whether Run
// gave up on it (outputPipe.stop).
const pipeStopCheck = 100 * time.Millisecond

// outputPipe is the read end of a NoPTY step's output pipe. It is read
// with raw poll and read calls, outside Go's network poller: registered
// there, every piece the step writes would wake the poller's thread even
// while the copy is busy writing the previous round (a third of
// runbook's CPU time in a flood went to those wake-ups).
type outputPipe struct {
	fd   int // non-blocking; the step's end is blocking, as a pipe usually is
	stop atomic.Bool
}

// newOutputPipe returns the read end and the step's write end.
func newOutputPipe() (*outputPipe, *os.File, error) {
	p, err := cloexecPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[0])
		unix.Close(p[1])
		return nil, nil, err
	}
	growPipe(p[0], readBuf)
	return &outputPipe{fd: p[0]}, os.NewFile(uintptr(p[1]), "|1"), nil
}

func (p *outputPipe) Close() error { return unix.Close(p.fd) }

// copyPipe copies the pipe to w until every writer has closed it, or Run
// sets p.stop. A failing writer does not stop the copy: the step must not
// block on a full pipe.
func (e *Executor) copyPipe(w io.Writer, p *outputPipe) error {
	b := e.getBuf()
	defer e.putBuf(b)
	buf := b[:]
	var werr error
	for {
		n, end := 0, false
		for n < len(buf) {
			k, err := unix.Read(p.fd, buf[n:])
			if k > 0 {
				n += k
				continue
			}
			if err == unix.EINTR {
				continue
			}
			end = err != unix.EAGAIN // EOF (k == 0) or an error
			break
		}
		if n > 0 && werr == nil {
			_, werr = w.Write(buf[:n])
		}
		if end {
			return werr
		}
		if n == len(buf) {
			continue // more is waiting
		}
		if !p.wait() {
			return werr
		}
	}
}

// wait blocks until the pipe can be read (data, or every writer gone); false
// once Run set p.stop.
func (p *outputPipe) wait() bool {
	fds := []unix.PollFd{{Fd: int32(p.fd), Events: unix.POLLIN}}
	for !p.stop.Load() {
		n, err := unix.Poll(fds, int(pipeStopCheck/time.Millisecond))
		if n > 0 || err != nil && err != unix.EINTR {
			return true // the read says what it is
		}
	}
	return false
}

// getBuf returns a spare read buffer, or a new one.
func (e *Executor) getBuf() *[readBuf]byte {
	select {
	case b := <-e.bufs:
		return b
	default:
		return new([readBuf]byte)
	}
}

// putBuf keeps b for a later attempt, unless enough are kept.
func (e *Executor) putBuf(b *[readBuf]byte) {
	select {
	case e.bufs <- b:
	default:
	}
}
