package steps

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

// writeBackEdit collects the patches for the answers of this run that are
// not yet in the doc; the ids say which questions they answer.
func (e *Engine) writeBackEdit() (*runbook.Edit, []string, error) {
	e.mu.Lock()
	answers := make(map[string]journal.Answer, len(e.state.Answers))
	for q, a := range e.state.Answers {
		answers[q] = a
	}
	e.mu.Unlock()
	edit := runbook.NewEdit(e.doc)
	var ids []string
	for _, q := range e.doc.Questions {
		a, ok := answers[q.ID]
		if !ok || a.Skipped || a.Written {
			continue
		}
		who := a.Who
		if who == "" {
			who = e.who
		}
		if err := edit.Answer(q, a.Value, who, a.Time); err != nil {
			return nil, nil, fmt.Errorf("write back: %w", err)
		}
		ids = append(ids, q.ID)
	}
	return edit, ids, nil
}

// PendingWriteBack is the unified diff that WriteBack would apply to the
// doc: the answers given in this run, not yet written. "" when none.
func (e *Engine) PendingWriteBack() (string, error) {
	edit, ids, err := e.writeBackEdit()
	if err != nil || len(ids) == 0 {
		return "", err
	}
	out, err := edit.Apply()
	if err != nil {
		return "", fmt.Errorf("write back: %w", err)
	}
	return runbook.Diff(diffName(e.doc.Path), e.doc.Source, out), nil
}

// WriteBack writes the pending answers into the doc (atomically; refused
// if their targets changed on disk meanwhile) and journals which.
func (e *Engine) WriteBack() error {
	edit, ids, err := e.writeBackEdit()
	if err != nil || len(ids) == 0 {
		return err
	}
	if err := runbook.WriteFile(e.doc.Path, e.doc.Source, edit.Patches()); err != nil {
		return err
	}
	ev := journal.Event{Type: journal.WroteBack, Written: ids}
	if b, err := os.ReadFile(e.doc.Path); err == nil {
		sum := sha256.Sum256(b)
		ev.DocHash = hex.EncodeToString(sum[:])
	}
	_, err = e.record(ev)
	return err
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
