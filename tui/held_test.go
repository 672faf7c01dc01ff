package tui

import (
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/runbook-sh/runbook/runbook"
	"github.com/runbook-sh/runbook/runbook/journal"
)

func heldFixture(t *testing.T, expired bool) *heldModel {
	doc, err := runbook.Parse("deploy.md", []byte("# Deploy\n\n```bash {name=build}\necho\n```\n\n```bash {name=wait}\nsleep 1\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	st := journal.NewState()
	for _, e := range []journal.Event{{Seq: 1, Type: journal.RunStarted, Run: "deploy.1"},
		{Seq: 2, Type: journal.StepStarted, Step: "build", Attempt: 1}, {Seq: 3, Type: journal.StepFinished, Step: "build", Attempt: 1, Status: journal.OK},
		{Seq: 4, Type: journal.StepStarted, Step: "wait", Attempt: 1}} {
		st.Apply(e)
	}
	holder := "held by alice@bastion-1 since 14:02, lease live"
	if expired {
		holder = "held by alice@bastion-1 since 14:02, lease expired at 14:06:11"
	}
	m := NewHeld(Held{Run: "deploy.1", Holder: holder, Expired: expired, View: journal.NewView(doc, st, true)}, true).(*heldModel)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 12})
	return m
}

// TestHeldViewIsReadOnly: a run another engineer holds is shown with who
// holds it and where each step stands, and nothing but quitting is
// offered while the lease is live.
func TestHeldViewIsReadOnly(t *testing.T) {
	m := heldFixture(t, false)
	want := " run deploy.1 · read-only \n" +
		"held by alice@bastion-1 since 14:02, lease live\n" +
		"1/2 done · running\n\n" +
		" ✓ build  ok\n" +
		" ◐ wait  running\n\n" +
		"someone else runs it: q quit · runbook status --state … shows it too"
	if got := ansi.Strip(m.Render()); got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	m.Update(tea.KeyPressMsg{Code: 't', Text: "t"})
	if m.asking {
		t.Fatal("t offered a take-over of a live lease")
	}
}

// TestHeldViewTakeOverDialog: once the lease expired, t opens a dialog
// that shows the holder; n cancels, y takes the run over.
func TestHeldViewTakeOverDialog(t *testing.T) {
	m := heldFixture(t, true)
	m.Update(tea.KeyPressMsg{Code: 't', Text: "t"})
	want := "╭────────────────────────────────────────────────────────────────╮\n" +
		"│ Take over run deploy.1?                                        │\n" +
		"│ held by alice@bastion-1 since 14:02, lease expired at 14:06:11 │\n" +
		"│ If that runbook is gone, take the run over (journaled).        │\n" +
		"│ y take over   n cancel                                         │\n" +
		"╰────────────────────────────────────────────────────────────────╯"
	got := ansi.Strip(m.Render())
	if i := len(got) - len(want); i < 0 || got[i:] != want {
		t.Fatalf("dialog:\n%s", got)
	}
	m.Update(tea.KeyPressMsg{Code: 'n', Text: "n"})
	if m.asking || m.takeOver {
		t.Fatal("n did not cancel")
	}
	m.Update(tea.KeyPressMsg{Code: 't', Text: "t"})
	_, cmd := m.Update(tea.KeyPressMsg{Code: 'y', Text: "y"})
	if !m.takeOver || cmd == nil {
		t.Fatal("y did not take the run over")
	}
}
