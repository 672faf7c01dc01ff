package steps

import (
	"errors"
	"fmt"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// pick chooses the run of the doc's lane (docs/run-model.md) and reads
// it: the lane's latest run when it is unfinished (unless NewRun), else
// the lane's next run, empty. It only reads.
func (e *Engine) pick(stateDir string) (*journal.State, error) {
	lane, explicit := e.cfg.Run, e.cfg.Run != ""
	if !explicit {
		lane = journal.DefaultRunName(e.cfg.Doc.Path)
	}
	if err := journal.CheckRunName(lane); err != nil {
		return nil, fmt.Errorf("open run: %w", err)
	}
	refs, err := journal.LaneRuns(stateDir, lane, e.docAbs)
	if err != nil {
		return nil, &runbook.Error{Path: stateDir, Err: fmt.Errorf("open run %s: %w", lane, err)}
	}
	next := lane
	var prev *PreviousRun
	switch {
	case len(refs) > 0:
		latest := refs[0]
		events, st, err := journal.Load(latest.Dir)
		if h := journal.LockHolder(latest.Dir); err != nil && h != nil {
			// being started by another process (journal.LaneRuns)
			return nil, &runbook.Error{Path: latest.Dir, Err: &journal.InUseError{Run: latest.Name, Holder: h}}
		}
		if err != nil {
			return nil, fmt.Errorf("open run %s: %w", latest.Name, err)
		}
		if !st.Finished && !e.cfg.NewRun {
			e.opened = Opened{Run: latest.Name, Dir: latest.Dir, Lane: lane, Resume: len(events) > 0}
			e.exists = true
			return st, nil
		}
		prev = &PreviousRun{Run: latest.Name, Finished: st.Finished, Status: st.Status, Updated: st.Updated}
		// A run named by its full name (--run deploy.2) is followed in
		// its own lane (deploy.3, not deploy.2.1).
		if l, _ := journal.SplitRunName(latest.Name); latest.Name == lane && l != lane {
			next = l
		}
	case explicit:
		// A run of this exact name that another doc owns.
		var od *journal.OtherDocError
		if _, _, err := journal.FindRun(stateDir, lane, e.docAbs); errors.As(err, &od) {
			return nil, &runbook.Error{Path: e.cfg.Doc.Path, Err: fmt.Errorf("%w; give this doc a run of its own with --run NAME", err)}
		}
	}
	name, err := journal.NextRunName(stateDir, next)
	if err != nil {
		return nil, &runbook.Error{Path: stateDir, Err: fmt.Errorf("open run %s: %w", next, err)}
	}
	e.opened = Opened{Run: name, Dir: journal.RunDir(stateDir, name), Lane: next, Previous: prev}
	return journal.NewState(), nil
}

// begin opens the journal when the first event of this process is
// recorded, and gives the events that begin its part of the run: the run
// started or resumed, every step that was running when runbook stopped
// (interrupted, with the log of the attempt cut short), the answers given
// with --set or --values.
func (e *Engine) begin() (*journal.Writer, *journal.State, []journal.Event, error) {
	o := e.opened
	var w *journal.Writer
	var err error
	// A shared state's lock is taken before anything is written here.
	var mirror journal.Mirror
	var shared []journal.Event
	if e.cfg.Remote != nil && !e.cfg.DryRun {
		if mirror, shared, err = e.cfg.Remote.Begin(o.Run, e.loaded, e.who, e.host); err != nil {
			return nil, nil, nil, fmt.Errorf("open run %s: %w", o.Run, err)
		}
	}
	switch {
	case e.cfg.DryRun:
		w = journal.Memory(o.Dir, e.loaded)
	case !e.exists:
		w, err = journal.Create(o.Dir)
	default:
		// Also a journal with no event yet: the program died right after
		// creating it.
		w, err = openJournal(o.Dir)
	}
	if err != nil {
		if mirror != nil {
			mirror.Close()
		}
		return nil, nil, nil, fmt.Errorf("open run %s: %w", o.Run, err)
	}
	if mirror != nil {
		w.SetMirror(mirror)
	}
	var fresh *journal.State
	if !e.cfg.DryRun && w.Seq() != e.loaded {
		// Another runbook appended since Open read the run: go on from
		// what the journal says now.
		_, st, err := journal.Load(o.Dir)
		if err == nil && st.Finished {
			err = fmt.Errorf("another runbook process finished it meanwhile; open the doc again")
		}
		if err != nil {
			w.Close()
			return nil, nil, nil, fmt.Errorf("open run %s: %w", o.Run, err)
		}
		fresh = st
	}
	var st *journal.State
	if fresh != nil {
		st = fresh
	} else {
		e.rec.read(func(cur *journal.State, _ bool) { st = cur.Clone() })
	}
	evs := e.beginEvents(st)
	if len(shared) > 0 {
		evs = append(evs[:1:1], append(shared, evs[1:]...)...)
	}
	return w, fresh, evs, nil
}

func (e *Engine) beginEvents(st *journal.State) []journal.Event {
	doc := e.Doc()
	var evs []journal.Event
	if st.Seq == 0 {
		evs = append(evs, journal.Event{Type: journal.RunStarted, Run: e.opened.Run, Doc: e.docAbs, DocHash: doc.Hash, Who: e.who, Host: e.host})
	} else {
		evs = append(evs, e.resumedEvent())
	}
	for _, id := range sortedKeys(st.Steps) {
		ss := st.Steps[id]
		if ss.Status != journal.Running {
			continue
		}
		n := 0
		if len(ss.Attempts) > 0 {
			n = ss.Attempts[len(ss.Attempts)-1].N
		}
		ev := journal.Event{Type: journal.StepFinished, Step: id, Attempt: n, Status: journal.Interrupted,
			Error: "runbook stopped while the step was running"}
		// The output the attempt printed before runbook stopped is in its
		// log: name it, so that the pane and the report show it.
		ev.Log = journal.AttemptLog(e.opened.Dir, id, journal.Attempt{N: n, Status: journal.Running})
		evs = append(evs, ev)
	}
	return append(evs, e.setAnswers(st)...)
}

// resumedEvent is the run-resumed event of this process: the doc's hash
// now (it may have changed), who and where.
func (e *Engine) resumedEvent() journal.Event {
	return journal.Event{Type: journal.RunResumed, DocHash: e.Doc().Hash, Who: e.who, Host: e.host}
}

// setAnswers are the answers given on the command line (--values, then
// --set) that the run does not have yet: they are recorded like any other.
func (e *Engine) setAnswers(st *journal.State) []journal.Event {
	doc := e.Doc()
	given := map[string]string{}
	for _, src := range []map[string]string{e.cfg.Values, e.cfg.Sets} {
		for q, v := range src {
			if doc.Question(q) != nil && v != "" {
				given[q] = v
			}
		}
	}
	var evs []journal.Event
	for _, q := range sortedKeys(given) {
		v := e.mask(given[q])
		if a, ok := st.Answers[q]; ok && a.Value == v {
			continue
		}
		evs = append(evs, journal.Event{Type: journal.AnswerGiven, Question: q, Value: v, Who: e.who})
	}
	return evs
}

// lockGrace is how long opening a run waits for the lock of a runbook
// that was just killed: a step process it was starting holds the lock
// (fork shares it) until that process has exec'd.
const lockGrace = 2 * time.Second

// openJournal reopens a run's journal, waiting up to lockGrace for a
// lock held a moment longer by a killed runbook's last child. A run that
// stays in use is refused as before.
func openJournal(dir string) (*journal.Writer, error) {
	deadline := time.Now().Add(lockGrace)
	for {
		w, err := journal.Open(dir)
		var inUse *journal.InUseError
		if err == nil || !errors.As(err, &inUse) || time.Now().After(deadline) {
			return w, err
		}
		time.Sleep(25 * time.Millisecond)
	}
}
