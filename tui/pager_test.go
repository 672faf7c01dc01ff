package tui

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPagerCommand(t *testing.T) {
	if got := PagerCommand(""); !reflect.DeepEqual(got, []string{"less", "-R"}) {
		t.Errorf("default %q", got)
	}
	if got := PagerCommand("  bat  --paging=always "); !reflect.DeepEqual(got, []string{"bat", "--paging=always"}) {
		t.Errorf("$PAGER %q", got)
	}
}

// pagerModel runs one PagerCmd and quits on its answer.
type pagerModel struct {
	cmd  tea.Cmd
	done *PagerDoneMsg
}

func (m *pagerModel) Init() tea.Cmd { return m.cmd }
func (m *pagerModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if d, ok := msg.(PagerDoneMsg); ok {
		m.done = &d
		return m, tea.Quit
	}
	return m, nil
}
func (m *pagerModel) View() tea.View { return tea.NewView("") }

// The pager gets the log's path as its last argument, through a real
// program (tea.ExecProcess), and its end comes back as PagerDoneMsg.
func TestPagerCmdRunsPager(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "fetch-deps.1.log")
	if err := os.WriteFile(log, []byte("\x1b[32mok\x1b[0m\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	seen := filepath.Join(dir, "seen")
	pager := []string{"/bin/sh", "-c", `cp "$1" ` + seen, "sh"}
	for _, tc := range []struct {
		pager   []string
		wantErr bool
	}{{pager, false}, {[]string{"/bin/sh", "-c", "exit 3", "sh"}, true}} {
		m := &pagerModel{cmd: PagerCmd(tc.pager, log, "fetch-deps")}
		p := tea.NewProgram(m, tea.WithInput(bytes.NewReader(nil)), tea.WithOutput(new(bytes.Buffer)), tea.WithoutSignalHandler())
		errc := make(chan error, 1)
		go func() { _, err := p.Run(); errc <- err }()
		select {
		case err := <-errc:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			p.Kill()
			t.Fatal("the program did not end after the pager")
		}
		if m.done == nil || m.done.Step != "fetch-deps" || m.done.Path != log || (m.done.Err != nil) != tc.wantErr {
			t.Fatalf("done %+v", m.done)
		}
	}
	if got := readFile(t, seen); got != "\x1b[32mok\x1b[0m\n" {
		t.Errorf("pager saw %q", got)
	}
	if msg := PagerCmd(nil, "", "build")().(PagerDoneMsg); msg.Err == nil || msg.Err.Error() != "step build has no log yet" {
		t.Errorf("no log: %+v", msg)
	}
}
