package runbook

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// runmeKeys are attributes runme writes that we accept and ignore, so a doc
// shared with runme checks clean.
var runmeKeys = map[string]bool{
	"id": true, "closeTerminalOnSuccess": true, "openTerminalOnError": true,
	"mimeType": true, "terminalRows": true, "promptEnv": true, "category": true,
	"interpreter": true, "tag": true, "transform": true, "skipPrompts": true, "lang": true,
}

type attrDiag struct{ code, msg string }

// parseAttrs reads the `{…}` after a fence's language, in either the
// `{name=x timeout=5m confirm}` or runme's JSON form. Text that is not in
// braces belongs to other tools and is ignored.
func parseAttrs(s string) (Attrs, []attrDiag) {
	var a Attrs
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "{") {
		return a, nil
	}
	if !strings.HasSuffix(s, "}") {
		return a, []attrDiag{{"bad-attributes", fmt.Sprintf("attributes %q: missing closing }", s)}}
	}
	inner := strings.TrimSpace(s[1 : len(s)-1])
	var pairs [][2]string
	if strings.HasPrefix(inner, `"`) {
		var m map[string]any
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			return a, []attrDiag{{"bad-attributes", fmt.Sprintf("attributes %s: %v", s, err)}}
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			var v string
			switch x := m[k].(type) {
			case string:
				v = x
			case nil:
				v = ""
			default:
				b, _ := json.Marshal(x)
				v = string(b)
			}
			pairs = append(pairs, [2]string{k, v})
		}
	} else {
		var err error
		if pairs, err = splitAttrs(inner); err != nil {
			return a, []attrDiag{{"bad-attributes", fmt.Sprintf("attributes %s: %v", s, err)}}
		}
	}
	var diags []attrDiag
	a.Raw = make(map[string]string, len(pairs))
	for _, kv := range pairs {
		k, v := kv[0], kv[1]
		a.Raw[k] = v
		if err := a.set(k, v); err != nil {
			code := "bad-attribute"
			if err == errUnknownAttr {
				code = "unknown-attribute"
				err = fmt.Errorf("unknown attribute %q", k)
			}
			diags = append(diags, attrDiag{code, err.Error()})
		}
	}
	return a, diags
}

var errUnknownAttr = errors.New("unknown attribute")

func (a *Attrs) set(k, v string) error {
	var err error
	switch k {
	case "name":
		a.Name = v
	case "timeout":
		a.Timeout, err = parseTimeout(v)
	case "confirm":
		a.Confirm, err = parseBool(k, v)
	case "cwd":
		a.Cwd = v
	case "interactive":
		a.Interactive, err = parseBool(k, v)
	case "skip", "excludeFromRunAll":
		a.Skip, err = parseBool(k, v)
	case "run":
		a.Run, err = parseBool(k, v)
	case "continue-on-error", "continueOnError":
		a.ContinueOnError, err = parseBool(k, v)
	case "done-if", "doneIf":
		a.DoneIf = v
	case "shell":
		a.Shell = v
	case "background":
		a.Background, err = parseBool(k, v)
	case "ready-if", "readyIf":
		a.ReadyIf = v
	case "ready-after", "readyAfter":
		a.ReadyAfter, err = parseTimeout(v)
		if err != nil {
			err = fmt.Errorf("bad ready-after %q: want a duration such as 2s", v)
		}
	case "isolated":
		a.Isolated, err = parseBool(k, v)
	default:
		if !runmeKeys[k] {
			return errUnknownAttr
		}
		if k == "interpreter" && a.Shell == "" {
			a.Shell = v
		}
	}
	return err
}

// parseTimeout accepts Go durations ("90s", "10m") and bare seconds.
func parseTimeout(v string) (time.Duration, error) {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("bad timeout %q: want a duration such as 90s or 10m", v)
	}
	return d, nil
}

func parseBool(k, v string) (bool, error) {
	switch strings.ToLower(v) {
	case "", "true", "yes", "on", "1":
		return true, nil
	case "false", "no", "off", "0":
		return false, nil
	}
	return false, fmt.Errorf("bad value %q for %s: want true or false", v, k)
}

// splitAttrs splits `name=x timeout="5 m" confirm` into pairs; a bare word
// is true.
func splitAttrs(s string) ([][2]string, error) {
	var out [][2]string
	for i := 0; i < len(s); {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == ',') {
			i++
		}
		if i >= len(s) {
			break
		}
		ks := i
		for i < len(s) && s[i] != '=' && s[i] != ' ' && s[i] != '\t' && s[i] != ',' {
			i++
		}
		key := s[ks:i]
		if i >= len(s) || s[i] != '=' {
			out = append(out, [2]string{key, "true"})
			continue
		}
		i++ // '='
		var val string
		if i < len(s) && (s[i] == '"' || s[i] == '\'') {
			q := s[i]
			var b strings.Builder
			i++
			closed := false
			for i < len(s) {
				c := s[i]
				if c == '\\' && q == '"' && i+1 < len(s) {
					b.WriteByte(s[i+1])
					i += 2
					continue
				}
				if c == q {
					closed = true
					i++
					break
				}
				b.WriteByte(c)
				i++
			}
			if !closed {
				return nil, fmt.Errorf("unterminated quote in %s", key)
			}
			val = b.String()
		} else {
			vs := i
			for i < len(s) && s[i] != ' ' && s[i] != '\t' {
				i++
			}
			val = s[vs:i]
		}
		if key == "" {
			return nil, fmt.Errorf("value %q without a name", val)
		}
		out = append(out, [2]string{key, val})
	}
	return out, nil
}
