package state

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/user"
	"time"
)

// Store is where runs live. A run is a sequence of events, numbered from
// 1, that only grows: Append writes event seq only if no event seq exists
// (two writers can never both append event N), a run has one writer at a
// time (Lock), and an attempt's output log is kept beside the events.
// DirStore and S3Store implement it; conformance_test.go runs the same
// suite against both.
type Store interface {
	String() string
	// Runs lists the names of the runs.
	Runs(ctx context.Context) ([]string, error)
	// Events returns the lines of the run's events after seq `after`, in
	// order (nil when there are none, or no such run).
	Events(ctx context.Context, run string, after int) ([][]byte, error)
	// Append stores event seq of run. A seq already taken is a
	// *ConflictError (someone else holds the run), unless it holds
	// exactly this line (a retried write of ours).
	Append(ctx context.Context, run string, seq int, line []byte) error
	// Lock takes the run's lock for this process: a *HeldError when
	// another holds it (live, or expired without takeOver).
	Lock(ctx context.Context, run string, me Holder, takeOver bool) (Lease, error)
	// LockInfo says who holds the run; nil when nobody does.
	LockInfo(ctx context.Context, run string) (*LockInfo, error)
	// PutLog and GetLog keep an attempt's log (rel as in the journal).
	PutLog(ctx context.Context, run, rel string, data []byte) error
	GetLog(ctx context.Context, run, rel string) ([]byte, error)
}

// Lease is a held lock. Renew extends it (an S3 lease expires unless
// renewed); Lost is closed if the lock was lost (taken over); Release
// gives the run up.
type Lease interface {
	Info() LockInfo
	// Previous is the holder whose expired lease was taken over, or nil.
	Previous() *LockInfo
	Lost() <-chan struct{}
	Err() error
	Release(ctx context.Context) error
}

// Holder is who asks for a lock.
type Holder struct {
	Who  string
	Host string
	PID  int
}

// Me is this process: the user, the host (RUNBOOK_HOST overrides the
// host name, for containers whose host names say nothing) and the pid.
func Me() Holder {
	h := Holder{PID: os.Getpid()}
	if u, err := user.Current(); err == nil && u.Username != "" {
		h.Who = u.Username
	} else if v := os.Getenv("USER"); v != "" {
		h.Who = v
	} else {
		h.Who = "unknown"
	}
	h.Host = os.Getenv("RUNBOOK_HOST")
	if h.Host == "" {
		h.Host, _ = os.Hostname()
	}
	return h
}

// LockInfo is a run's lock as stored (lock.json on S3).
type LockInfo struct {
	Who   string    `json:"who"`
	Host  string    `json:"host"`
	PID   int       `json:"pid"`
	Start time.Time `json:"start"`
	// Expires is when the lease ends unless renewed; zero for a
	// directory's lock, which lives as long as its process.
	Expires time.Time `json:"expires,omitzero"`
	// Token tells this holder's writes from another's with the same name.
	Token string `json:"token,omitempty"`
}

// Live reports whether the lease has not expired at now.
func (l LockInfo) Live(now time.Time) bool { return l.Expires.IsZero() || now.Before(l.Expires) }

// Describe is "alice@bastion-1 since 14:02, lease live".
func (l LockInfo) Describe(now time.Time) string {
	s := fmt.Sprintf("%s@%s since %s", l.Who, l.Host, l.Start.Local().Format("15:04"))
	switch {
	case l.Expires.IsZero():
		return s + fmt.Sprintf(" (pid %d)", l.PID)
	case l.Live(now):
		return s + ", lease live"
	}
	return s + ", lease expired at " + l.Expires.Local().Format("15:04:05")
}

// HeldError says another engineer holds the run.
type HeldError struct {
	Run     string
	Holder  LockInfo
	Expired bool // the lease expired: --take-over may take the run
	Now     time.Time
}

func (e *HeldError) Error() string {
	if e.Expired {
		return fmt.Sprintf("run %s is held by %s: if that runbook is gone, take the run over with --take-over (journaled)", e.Run, e.Holder.Describe(e.Now))
	}
	return fmt.Sprintf("run %s is held by %s; `runbook status` shows it read-only", e.Run, e.Holder.Describe(e.Now))
}

// ConflictError says an event number is taken: someone else wrote to the
// run.
type ConflictError struct {
	Run    string
	Seq    int
	Holder *LockInfo // who holds the run now, when known
}

func (e *ConflictError) Error() string {
	who := "another runbook"
	if e.Holder != nil {
		who = e.Holder.Describe(time.Now())
	}
	return fmt.Sprintf("run %s: event %d was written by someone else (%s holds the run): stopping", e.Run, e.Seq, who)
}

// ErrLockLost is the error of a lease taken over by someone else.
var ErrLockLost = errors.New("the run's lock was taken over")
