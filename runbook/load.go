package runbook

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"

	"github.com/runbook-sh/runbook/runbook/atomicfile"
)

// MaxFileSize is the largest runbook Load reads. Real runbooks are a few
// hundred KB; anything near this is a mistake (a log, a dump, a binary).
const MaxFileSize = 64 << 20

// Load reads and parses the runbook at path. A missing file, a directory,
// a file larger than MaxFileSize or a binary file gives a one-line *Error
// naming the file (and the line where one applies).
func Load(path string) (*Document, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, &Error{Path: path, Err: describeFSError(err)}
	}
	if fi.IsDir() {
		return nil, &Error{Path: path, Err: errors.New("is a directory, not a Markdown file")}
	}
	if !fi.Mode().IsRegular() && fi.Mode()&fs.ModeNamedPipe == 0 {
		return nil, &Error{Path: path, Err: fmt.Errorf("not a regular file (%s)", fi.Mode().Type())}
	}
	if fi.Mode().IsRegular() {
		// a write-back cut short by a kill -9 left its temporary file
		// beside the doc: the next command that reads the doc removes it
		atomicfile.RemoveStale(path)
	}
	if fi.Size() > MaxFileSize {
		return nil, &Error{Path: path, Err: fmt.Errorf("file too large (%s; the limit is 64 MiB)", humanSize(fi.Size()))}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{Path: path, Err: describeFSError(err)}
	}
	defer f.Close()
	// the file may have grown since Stat: never read more than the limit
	src, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{Path: path, Err: describeFSError(err)}
	}
	if len(src) > MaxFileSize {
		return nil, &Error{Path: path, Err: errors.New("file too large (the limit is 64 MiB)")}
	}
	return Parse(path, src)
}

// describeFSError drops the path os errors repeat, since *Error names it.
func describeFSError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return errors.New("no such file")
	case errors.Is(err, fs.ErrPermission):
		return errors.New("permission denied")
	}
	return err
}

func humanSize(n int64) string {
	const mb = 1 << 20
	if n >= mb {
		return fmt.Sprintf("%d MiB", n/mb)
	}
	return fmt.Sprintf("%d bytes", n)
}
