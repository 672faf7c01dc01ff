package steps

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// writeBackEdit collects the patches for the answers and the confirmed
// named outputs of this run that are not yet in the doc; ids says which
// questions they answer, outs which placeholders they record.
func (e *Engine) writeBackEdit() (edit *runbook.Edit, ids, outs []string, err error) {
	doc := e.Doc()
	// The state as frontends see it: before the journal opens, it has
	// the --set answers the run will record first.
	st, _ := e.rec.snapshot()
	answers := st.Answers
	edit = runbook.NewEdit(doc)
	for _, q := range doc.Questions {
		a, ok := answers[q.ID]
		if !ok || a.Skipped || a.Written {
			continue
		}
		who := a.Who
		if who == "" {
			who = e.who
		}
		if err := edit.Answer(q, a.Value, who, a.Time); err != nil {
			return nil, nil, nil, fmt.Errorf("write back: %w", err)
		}
		ids = append(ids, q.ID)
	}
	// A value the run discovered, for the next person: secrets never go
	// into the doc, nor a value the doc records already.
	for _, name := range sortedKeys(st.Outputs) {
		o := st.Outputs[name]
		if o.Written || o.Secret || e.vars.secret(name) || doc.Placeholder(name) == nil || recorded(doc, name, o.Value) {
			continue
		}
		if err := edit.RecordValue(name, o.Value); err != nil {
			return nil, nil, nil, fmt.Errorf("write back: %w", err)
		}
		outs = append(outs, name)
	}
	// A manual step done in this run is ticked in the doc ("- [x]"),
	// as docs/writeback.md says; ticked it is written already.
	for _, s := range doc.Steps {
		ss := st.Steps[s.ID]
		if s.Kind != runbook.KindManual || s.Box.Len() != 3 || ss == nil || !ss.Status.Finished() || ss.Status == journal.Skipped ||
			s.Box.End > len(doc.Source) || doc.Source[s.Box.Start+1] != ' ' {
			continue
		}
		if err := edit.Tick(s, true); err != nil {
			return nil, nil, nil, fmt.Errorf("write back: %w", err)
		}
	}
	return edit, ids, outs, nil
}

// recorded reports whether the doc has value as the recorded value of
// placeholder name already.
func recorded(doc *runbook.Document, name, value string) bool {
	ph := doc.Placeholder(name)
	return ph != nil && ph.Default == value
}

// PendingWriteBack is the unified diff that WriteBack would apply to the
// doc: the answers given, the named outputs confirmed and the manual steps
// done in this run, not yet written. "" when none.
func (e *Engine) PendingWriteBack() (string, error) {
	edit, _, _, err := e.writeBackEdit()
	if err != nil || len(edit.Patches()) == 0 {
		return "", err
	}
	out, err := edit.Apply()
	if err != nil {
		return "", fmt.Errorf("write back: %w", err)
	}
	doc := e.Doc()
	return runbook.Diff(diffName(doc.Path), doc.Source, out), nil
}

// WriteBack writes the pending answers and outputs into the doc (atomically; refused
// if their targets changed on disk meanwhile), journals which, and reads
// the doc again: what frontends show is the file as it is now.
func (e *Engine) WriteBack() error {
	edit, ids, outs, err := e.writeBackEdit()
	if err != nil || len(edit.Patches()) == 0 {
		return err
	}
	doc := e.Doc()
	if err := runbook.WriteFile(doc.Path, doc.Source, edit.Patches()); err != nil {
		return err
	}
	ev := journal.Event{Type: journal.WroteBack, Written: ids, Outputs: outs}
	if b, err := os.ReadFile(doc.Path); err == nil {
		sum := sha256.Sum256(b)
		ev.DocHash = hex.EncodeToString(sum[:])
	}
	if _, err = e.rec.record(ev); err != nil {
		return err
	}
	_, err = e.Reload()
	return err
}

// fileStamp is what a cheap check compares to tell that the doc's file
// may have changed.
type fileStamp struct {
	size int64
	mod  time.Time
	ok   bool
}

func stampFile(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}
	}
	return fileStamp{size: fi.Size(), mod: fi.ModTime(), ok: true}
}

// Reload reads the doc again when its file changed on disk (a write-back,
// an edit in another window) and returns the ids of the steps whose
// content changed, was added or was removed: finished steps among them
// are stale from now on (journal.RunView). A file that no longer parses
// is an error and the version read before stays. The check costs one
// stat(2) when nothing changed.
func (e *Engine) Reload() (changed []string, err error) {
	e.fileMu.Lock()
	defer e.fileMu.Unlock()
	old := e.Doc()
	stamp := stampFile(e.docAbs)
	if stamp == e.file {
		return nil, nil
	}
	if !stamp.ok {
		return nil, &runbook.Error{Path: old.Path, Err: errors.New("the file is gone; the version read before stays open")}
	}
	if stamp.size > runbook.MaxFileSize {
		return nil, &runbook.Error{Path: old.Path, Err: errors.New("file too large (the limit is 64 MiB)")}
	}
	b, err := os.ReadFile(e.docAbs)
	if err != nil {
		return nil, &runbook.Error{Path: old.Path, Err: fmt.Errorf("read again: %w", err)}
	}
	sum := sha256.Sum256(b)
	if hex.EncodeToString(sum[:]) == old.Hash {
		e.file = stamp
		return nil, nil
	}
	doc, err := runbook.Parse(old.Path, b)
	if err == nil {
		err = doc.Err()
	}
	if err != nil {
		return nil, err
	}
	if err := e.vars.reload(doc); err != nil {
		return nil, err
	}
	e.doc.Store(doc)
	e.file = stamp
	return changedSteps(old, doc), nil
}

// changedSteps are the ids of steps whose content differs between two
// versions of a doc, in the new doc's order, then those removed.
func changedSteps(old, cur *runbook.Document) []string {
	var ids []string
	for _, s := range cur.Steps {
		if o := old.Step(s.ID); o == nil || o.Hash != s.Hash {
			ids = append(ids, s.ID)
		}
	}
	for _, s := range old.Steps {
		if cur.Step(s.ID) == nil {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// diffName is the doc's path as a diff header shows it: relative to the
// working directory when the doc is below it.
func diffName(path string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return path
	}
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, abs); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return strings.TrimPrefix(abs, "/")
}
