package tui

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
)

// ClipboardTool is a system clipboard command: it reads the text on stdin.
type ClipboardTool struct {
	Name string   // as shown: "wl-copy"
	Path string   // resolved by LookPath
	Args []string // after the path
}

// clipboardCandidates are tried in order; need is the environment
// variable that says the tool can reach a clipboard ("" for none).
var clipboardCandidates = []struct {
	name, need string
	args       []string
}{
	{"wl-copy", "WAYLAND_DISPLAY", nil},
	{"xclip", "DISPLAY", []string{"-selection", "clipboard", "-in"}},
	{"xsel", "DISPLAY", []string{"--clipboard", "--input"}},
	{"pbcopy", "", nil},
}

// DetectClipboard finds the system clipboard command, if any: the first
// of wl-copy (under Wayland), xclip or xsel (under X), pbcopy (macOS)
// that is installed. lookPath is exec.LookPath and getenv os.Getenv; they
// are passed in so that cmd decides and tests pin them. Over SSH there is
// usually none: OSC 52 (the terminal's own clipboard) is then the way.
func DetectClipboard(lookPath func(string) (string, error), getenv func(string) string) []ClipboardTool {
	for _, c := range clipboardCandidates {
		if c.need != "" && getenv(c.need) == "" {
			continue
		}
		if p, err := lookPath(c.name); err == nil {
			return []ClipboardTool{{Name: c.name, Path: p, Args: c.args}}
		}
	}
	return nil
}

// Clipboard copies text to the terminal's clipboard (OSC 52, which also
// works over SSH and in tmux with set-clipboard on) and to the system
// clipboard when a tool for it was found.
type Clipboard struct {
	tools []ClipboardTool
	// run runs a tool with text on its stdin (tests swap it).
	run func(ctx context.Context, t ClipboardTool, text string) error
}

// NewClipboard copies with OSC 52 and the given system tools (from
// DetectClipboard; none is fine).
func NewClipboard(tools []ClipboardTool) *Clipboard {
	return &Clipboard{tools: tools, run: runClipboardTool}
}

// clipboardTimeout bounds a clipboard tool: xclip without a reachable X
// server would otherwise hang the Cmd.
const clipboardTimeout = 3 * time.Second

func runClipboardTool(ctx context.Context, t ClipboardTool, text string) error {
	ctx, cancel := context.WithTimeout(ctx, clipboardTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, t.Path, t.Args...)
	cmd.Stdin = strings.NewReader(text)
	// No pipe on stdout or stderr: xclip and wl-copy fork a process that
	// stays to serve the selection, and it would hold such a pipe open
	// (Wait would block on it). WaitDelay bounds stdin's copy likewise.
	cmd.Stdout, cmd.Stderr = nil, nil
	cmd.WaitDelay = time.Second
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w", t.Name, err)
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// ClipboardCopiedMsg says what was copied and how. Err is set when the
// system tool failed (OSC 52 was still sent).
type ClipboardCopiedMsg struct {
	What  string // "command", "output"
	Bytes int
	Via   string // "OSC 52" or "OSC 52 + wl-copy"
	Err   error
}

// Text is the status-bar line for the message.
func (m ClipboardCopiedMsg) Text() string {
	if m.Bytes == 0 {
		return fmt.Sprintf("no %s to copy", m.What)
	}
	if m.Err != nil {
		return fmt.Sprintf("copied %s with OSC 52 only: %v", m.What, m.Err)
	}
	return fmt.Sprintf("copied %s (%d bytes, %s)", m.What, m.Bytes, m.Via)
}

// CopyCmd copies text: OSC 52 through the program, and the system tool in
// the Cmd's goroutine. What names it in the answer (ClipboardCopiedMsg).
// Empty text copies nothing (Bytes 0) and says so.
func CopyCmd(c *Clipboard, what, text string) tea.Cmd {
	if text == "" {
		return func() tea.Msg { return ClipboardCopiedMsg{What: what} }
	}
	sys := func() tea.Msg {
		msg := ClipboardCopiedMsg{What: what, Bytes: len(text), Via: "OSC 52"}
		for _, t := range c.tools {
			if err := c.run(context.Background(), t, text); err != nil {
				msg.Err = err
				return msg
			}
			msg.Via += " + " + t.Name
		}
		return msg
	}
	return tea.Batch(tea.SetClipboard(text), sys)
}
