package main

import "testing"

// The TUI's environment is read here, in cmd, and nowhere in tui/.
func TestTUIConfigFromTheEnvironment(t *testing.T) {
	for _, c := range []struct {
		env                  map[string]string
		editor               string
		noColor, ascii, dark bool
	}{
		{env: map[string]string{"LANG": "en_US.UTF-8"}, dark: true},
		{env: map[string]string{"LANG": "C"}, ascii: true, dark: true},
		{env: map[string]string{}, ascii: true, dark: true},
		{env: map[string]string{"LC_ALL": "C", "LANG": "en_US.UTF-8"}, ascii: true, dark: true},
		{env: map[string]string{"LC_CTYPE": "de_DE.utf8"}, dark: true},
		{env: map[string]string{"LANG": "C.UTF-8", "NO_COLOR": "1", "EDITOR": "vi"}, editor: "vi", noColor: true, dark: true},
		{env: map[string]string{"LANG": "C.UTF-8", "NO_COLOR": "", "VISUAL": "code -w", "EDITOR": "vi"}, editor: "code -w", dark: true},
		{env: map[string]string{"LANG": "C.UTF-8", "COLORFGBG": "0;15"}},
		{env: map[string]string{"LANG": "C.UTF-8", "COLORFGBG": "15;default;0"}, dark: true},
	} {
		cfg := tuiConfig(func(k string) string { return c.env[k] }, nil)
		if cfg.Editor != c.editor || cfg.NoColor != c.noColor || cfg.ASCII != c.ascii || cfg.IsDark != c.dark {
			t.Errorf("%v: editor %q no-colour %v ascii %v dark %v", c.env, cfg.Editor, cfg.NoColor, cfg.ASCII, cfg.IsDark)
		}
	}
}
