package tui

import (
	"context"
	"errors"
	"os/exec"
	"reflect"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
)

func TestDetectClipboard(t *testing.T) {
	installed := func(names ...string) func(string) (string, error) {
		return func(n string) (string, error) {
			for _, have := range names {
				if n == have {
					return "/usr/bin/" + n, nil
				}
			}
			return "", exec.ErrNotFound
		}
	}
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name string
		look func(string) (string, error)
		env  func(string) string
		want string
	}{
		{"wayland", installed("wl-copy", "xclip"), env("WAYLAND_DISPLAY", "wayland-0", "DISPLAY", ":0"), "wl-copy"},
		{"x only", installed("wl-copy", "xclip"), env("DISPLAY", ":0"), "xclip"},
		{"xsel", installed("xsel"), env("DISPLAY", ":0"), "xsel"},
		{"no display: ssh", installed("xclip", "wl-copy"), env(), ""},
		{"macos", installed("pbcopy"), env(), "pbcopy"},
		{"nothing", installed(), env("DISPLAY", ":0"), ""},
	} {
		got := DetectClipboard(tc.look, tc.env)
		name := ""
		if len(got) > 0 {
			name = got[0].Name
			if got[0].Path != "/usr/bin/"+name {
				t.Errorf("%s: path %q", tc.name, got[0].Path)
			}
		}
		if name != tc.want {
			t.Errorf("%s: tool %q, want %q", tc.name, name, tc.want)
		}
	}
	if got := DetectClipboard(installed("xclip"), env("DISPLAY", ":0")); !reflect.DeepEqual(got[0].Args, []string{"-selection", "clipboard", "-in"}) {
		t.Errorf("xclip args %q", got[0].Args)
	}
}

// runSeq runs a tea.Batch Cmd's parts in order and returns their
// messages (the program would do this).
func runSeq(t *testing.T, c tea.Cmd) []tea.Msg {
	t.Helper()
	msg := c()
	seq, ok := msg.(tea.BatchMsg)
	if !ok {
		return []tea.Msg{msg}
	}
	var out []tea.Msg
	for _, sub := range seq {
		out = append(out, sub())
	}
	return out
}

// y copies through OSC 52 and the system tool, with the exact text.
func TestCopyCmd(t *testing.T) {
	var got []string
	c := NewClipboard([]ClipboardTool{{Name: "wl-copy", Path: "/usr/bin/wl-copy"}})
	c.run = func(_ context.Context, tool ClipboardTool, text string) error {
		got = append(got, tool.Name+":"+text)
		return nil
	}
	msgs := runSeq(t, CopyCmd(c, "command", "kubectl get pods -n prod"))
	if len(msgs) != 2 {
		t.Fatalf("messages %#v", msgs)
	}
	if s := fmtMsg(msgs[0]); s != "kubectl get pods -n prod" {
		t.Errorf("OSC 52 carries %q", s)
	}
	done := msgs[1].(ClipboardCopiedMsg)
	if done.Text() != "copied command (24 bytes, OSC 52 + wl-copy)" {
		t.Errorf("status %q", done.Text())
	}
	if !reflect.DeepEqual(got, []string{"wl-copy:kubectl get pods -n prod"}) {
		t.Errorf("system tool got %q", got)
	}

	// A failing tool is said; OSC 52 was still sent.
	c.run = func(context.Context, ClipboardTool, string) error { return errors.New("wl-copy: exit status 1") }
	msgs = runSeq(t, CopyCmd(c, "output", "line\n"))
	if s := msgs[1].(ClipboardCopiedMsg).Text(); s != "copied output with OSC 52 only: wl-copy: exit status 1" {
		t.Errorf("status %q", s)
	}
	// Nothing to copy: no OSC 52, a message.
	if m := CopyCmd(c, "output", "")().(ClipboardCopiedMsg); m.Text() != "no output to copy" {
		t.Errorf("empty: %q", m.Text())
	}
}

// fmtMsg is the text of bubbletea's (unexported) set-clipboard message.
func fmtMsg(m tea.Msg) string {
	v := reflect.ValueOf(m)
	if v.Kind() == reflect.String {
		return v.String()
	}
	return ""
}

// The real tool runner feeds the text on stdin.
func TestRunClipboardTool(t *testing.T) {
	out := t.TempDir() + "/clip"
	tool := ClipboardTool{Name: "sh", Path: "/bin/sh", Args: []string{"-c", "cat > " + out}}
	if err := runClipboardTool(context.Background(), tool, "héllo\n"); err != nil {
		t.Fatal(err)
	}
	if b := readFile(t, out); b != "héllo\n" {
		t.Errorf("tool got %q", b)
	}
	bad := ClipboardTool{Name: "xclip", Path: "/bin/sh", Args: []string{"-c", "echo 'Error: Can''t open display' >&2; exit 1"}}
	if err := runClipboardTool(context.Background(), bad, "x"); err == nil || err.Error() != "xclip: exit status 1" {
		t.Errorf("error %v", err)
	}
	// A tool that leaves a process behind serving the selection (xclip,
	// wl-copy) does not hold the copy up.
	forks := ClipboardTool{Name: "xclip", Path: "/bin/sh", Args: []string{"-c", "cat >/dev/null; (sleep 8 &) ; exit 0"}}
	start := time.Now()
	if err := runClipboardTool(context.Background(), forks, "x"); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a forking tool held the copy for %v", d)
	}
}
