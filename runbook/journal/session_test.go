package journal

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The session is the fold of every step's change in the order they ran:
// a later step's value wins, an unset removes, a secret is kept by name
// only, and each value says which step set it. Outputs are folded by
// name and marked written by a write-back.
func TestSessionReplay(t *testing.T) {
	ok := func(step string, n int, c *SessionChange) Event {
		return Event{Type: StepFinished, Step: step, Attempt: n, Status: OK, Session: c}
	}
	evs := []Event{
		{Type: RunStarted},
		{Type: StepStarted, Step: "s1", Attempt: 1},
		ok("s1", 1, &SessionChange{
			Vars: []ShellVar{
				{Name: "VPC_ID", Kind: VarScalar, Value: "vpc-1"},
				{Name: "certs", Kind: VarArray, Items: []ShellItem{{"0", "a.pem"}, {"1", "b.pem"}}},
				{Name: "TOKEN", Kind: VarScalar, Attrs: "x", Secret: true},
				{Name: "OLD", Kind: VarScalar, Value: "x"},
			},
			Funcs: []ShellFunc{{Name: "greet", Dialect: "bash", Body: "greet () \n{ \n    echo hi\n}"}},
			Cwd:   "/srv/app",
		}),
		{Type: StepStarted, Step: "s2", Attempt: 1},
		ok("s2", 1, &SessionChange{Vars: []ShellVar{{Name: "VPC_ID", Kind: VarScalar, Value: "vpc-2"}, {Name: "OLD", Unset: true}}}),
		{Type: OutputGiven, Step: "s2", Attempt: 1, Name: "endpoint", Value: "db.local", Who: "ana"},
		{Type: WroteBack, Outputs: []string{"endpoint"}},
	}
	st := Replay(evs)
	s := st.Session
	if got := s.Vars["VPC_ID"].Value; got != "vpc-2" || s.From["var VPC_ID"] != "s2" {
		t.Errorf("VPC_ID = %q from %q", got, s.From["var VPC_ID"])
	}
	if _, ok := s.Vars["OLD"]; ok {
		t.Error("an unset variable is still in the session")
	}
	if v := s.Vars["TOKEN"]; !v.Secret || v.HasValue() || s.From["var TOKEN"] != "s1" {
		t.Errorf("TOKEN = %+v", v)
	}
	if !reflect.DeepEqual(s.Vars["certs"].Items, []ShellItem{{"0", "a.pem"}, {"1", "b.pem"}}) || s.Funcs["greet"].Body == "" || s.Cwd != "/srv/app" {
		t.Errorf("session = %+v", s)
	}
	if a := st.Steps["s2"].Attempts[0]; len(a.Session.Vars) != 2 || !reflect.DeepEqual(a.Outputs, []string{"endpoint"}) {
		t.Errorf("s2's attempt: %+v", a)
	}
	if o := st.Outputs["endpoint"]; o.Value != "db.local" || o.Step != "s2" || !o.Written {
		t.Errorf("output = %+v", o)
	}
	// A clone is deep: changing it leaves the state alone.
	c := st.Clone()
	c.Session.Vars["certs"].Items[0].Value = "changed"
	c.Steps["s2"].Attempts[0].Session.Vars[0].Value = "changed"
	if st.Session.Vars["certs"].Items[0].Value != "a.pem" || st.Steps["s2"].Attempts[0].Session.Vars[0].Value != "vpc-2" {
		t.Error("Clone shares the session")
	}
	// The journal's form: secret values are not written, only the name.
	b, _ := json.Marshal(evs[2].Session.Vars[2])
	if string(b) != `{"name":"TOKEN","kind":"scalar","attrs":"x","secret":true}` {
		t.Errorf("secret var as journaled: %s", b)
	}
}

// An event that holds the shell session is written as schema version 2,
// which a runbook from before sessions refuses rather than resume the run
// without it; every other event stays version 1.
func TestSessionEventsAreVersion2(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, ev := range []Event{
		{Type: RunStarted},
		{Type: StepStarted, Step: "a", Attempt: 1},
		{Type: StepFinished, Step: "a", Attempt: 1, Status: OK, Session: &SessionChange{Cwd: "/x"}},
		{Type: OutputGiven, Step: "a", Attempt: 1, Name: "endpoint", Value: "db"},
		{Type: StepStarted, Step: "b", Attempt: 1, Background: true},
		{Type: NoteAdded, Note: "n"},
	} {
		if _, err := w.Append(ev); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	events, _, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	var vs []int
	for _, e := range events {
		vs = append(vs, e.V)
	}
	if want := []int{1, 1, 2, 2, 2, 1}; !reflect.DeepEqual(vs, want) {
		t.Errorf("versions %v, want %v", vs, want)
	}
	if _, err := Decode([]byte(`{"v":3,"seq":1,"type":"note"}`)); err == nil || err.Error() != "journal schema v3 is newer than this runbook (v2)" {
		t.Errorf("v3: %v", err)
	}
}
