package tui

import (
	"fmt"
	"os/exec"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// DefaultPager shows a step's log with its colours (-R).
const DefaultPager = "less -R"

// PagerCommand is the pager to use: $PAGER as given (cmd passes
// os.Getenv("PAGER") in), else DefaultPager. It is split on blanks like a
// shell would split a simple command (`less -R`, `bat --paging=always`);
// quoting is not interpreted.
func PagerCommand(env string) []string {
	if f := strings.Fields(env); len(f) > 0 {
		return f
	}
	return strings.Fields(DefaultPager)
}

// PagerDoneMsg says the pager ended and the TUI has the terminal back.
type PagerDoneMsg struct {
	Step string
	Path string
	Err  error
}

// OpenLogMsg asks the root to open a step's log in the pager (the
// background tab emits it; Log is relative to the run directory).
type OpenLogMsg struct {
	Step string
	Log  string
}

// PagerCmd hands the terminal to the pager on the full log of a step
// (path: the attempt's log file) and takes it back when it exits. pager is
// PagerCommand's result; the program suspends its rendering meanwhile
// (tea.ExecProcess). The log holds the step's output as written (masked);
// colours show with `less -R`.
func PagerCmd(pager []string, path, step string) tea.Cmd {
	if len(pager) == 0 {
		pager = PagerCommand("")
	}
	if path == "" {
		return func() tea.Msg { return PagerDoneMsg{Step: step, Err: fmt.Errorf("step %s has no log yet", step)} }
	}
	args := append(append([]string(nil), pager[1:]...), path)
	c := exec.Command(pager[0], args...)
	return tea.ExecProcess(c, func(err error) tea.Msg {
		if err != nil {
			err = fmt.Errorf("pager %s: %w", pager[0], err)
		}
		return PagerDoneMsg{Step: step, Path: path, Err: err}
	})
}
