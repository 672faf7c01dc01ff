package tui

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/runbook-sh/runbook/runbook/journal"
	"github.com/runbook-sh/runbook/steps"
)

func sessionFixture() []steps.SessionValue {
	return []steps.SessionValue{
		{Name: "API_TOKEN", Kind: "scalar", Value: steps.Mask, Step: "login", Secret: true},
		{Name: "DB_PASS", Kind: "scalar", Value: steps.Mask, Step: "login", Secret: true, Missing: true},
		{Name: "VPC_ID", Kind: "scalar", Value: "vpc-0a1b2c3d", Step: "find-vpc"},
		{Name: "certs", Kind: "array", Value: "ca.pem kubernetes.pem admin.pem", Step: "gen-certs"},
		{Name: "regions", Kind: "assoc", Value: "[eu]=eu-west-1 [us]=us-east-1", Step: "gen-certs"},
		{Name: "tag", Kind: "func", Value: "git describe --tags --always …", Step: "helpers"},
		{Name: "cwd", Kind: "cwd", Value: "/work/infra/kubernetes-the-hard-way", Step: "setup"},
	}
}

type valuesSrc struct{ st *journal.State }

func (s valuesSrc) Session() []steps.SessionValue { return sessionFixture() }
func (s valuesSrc) State() *journal.State         { return s.st }

func valuesRows() []ValueRow {
	st := journal.NewState()
	st.Outputs = map[string]journal.Output{
		"endpoint":    {Value: "db-1.cluster-abc.eu-west-1.rds.amazonaws.com", Step: "find-db"},
		"secrets-arn": {Secret: true, Step: "find-secret"},
	}
	return LoadValuesCmd(valuesSrc{st})().(ValuesLoadedMsg).Rows
}

func valuesAt(c *Common, g Glyphs, w, h int) *ValuesView {
	v := NewValuesView(c, g)
	v.SetSize(w, h)
	v.SetRows(valuesRows())
	return v
}

func TestValuesGolden(t *testing.T) {
	golden(t, "values_80x24", plain(valuesAt(testCommon(), UnicodeGlyphs(), 80, 24).View()))
	golden(t, "values_120x40", plain(valuesAt(testCommon(), UnicodeGlyphs(), 120, 40).View()))
	golden(t, "values_ascii_80x24", plain(valuesAt(asciiCommon(), ASCIIGlyphs(), 80, 24).View()))
	golden(t, "values_nocolor_80x24", valuesAt(testCommon(), UnicodeGlyphs(), 80, 24).View()+"\n")
	v := NewValuesView(testCommon(), UnicodeGlyphs())
	v.SetSize(80, 8)
	golden(t, "values_empty", plain(v.View()))
}

// Secrets are masked, every row names the step it came from, and only a
// missing scalar is editable.
func TestValuesRows(t *testing.T) {
	rows := valuesRows()
	var got []string
	for _, r := range rows {
		got = append(got, r.Name+"|"+r.Kind+"|"+r.Value+"|"+r.Step+"|"+map[bool]string{true: "edit"}[r.Editable])
	}
	want := []string{
		"endpoint|output|db-1.cluster-abc.eu-west-1.rds.amazonaws.com|find-db|",
		"secrets-arn|output|****|find-secret|",
		"API_TOKEN|scalar|****|login|",
		"DB_PASS|scalar|****|login|edit",
		"VPC_ID|scalar|vpc-0a1b2c3d|find-vpc|",
		"certs|array|ca.pem kubernetes.pem admin.pem|gen-certs|",
		"regions|assoc|[eu]=eu-west-1 [us]=us-east-1|gen-certs|",
		"tag()|func|git describe --tags --always …|helpers|",
		"cwd|cwd|/work/infra/kubernetes-the-hard-way|setup|",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A secret value that reached a SessionValue unmasked is masked here.
	if r := SessionRows([]steps.SessionValue{{Name: "X_TOKEN", Kind: "scalar", Value: "hunter2", Secret: true}}); r[0].Value != steps.Mask {
		t.Errorf("secret shown as %q", r[0].Value)
	}
}

func press(v *ValuesView, keys ...string) tea.Msg {
	var last tea.Msg
	for _, k := range keys {
		if c := v.Update(keyMsg(k)); c != nil {
			last = c()
		}
	}
	return last
}

func typeText(v *ValuesView, s string) {
	for _, r := range s {
		v.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// Typing a missing secret: blind, and the value goes out in a message.
func TestValuesTypeMissing(t *testing.T) {
	v := valuesAt(testCommon(), UnicodeGlyphs(), 100, 20)
	if m := press(v, "j", "j", "enter"); m != nil && v.Editing() {
		t.Fatalf("API_TOKEN (not missing) must not be editable")
	}
	if v.Editing() {
		t.Fatal("editing a row that is not editable")
	}
	press(v, "j", "enter")
	if !v.Editing() {
		t.Fatal("enter on the missing DB_PASS must edit it")
	}
	typeText(v, "s3cr3t-pw")
	if strings.Contains(plain(v.View()), "s3cr3t") {
		t.Fatalf("a secret is echoed while typed:\n%s", plain(v.View()))
	}
	golden(t, "values_typing_secret", plain(v.View()))
	m := press(v, "enter")
	if m != (ValueEditedMsg{Name: "DB_PASS", Value: "s3cr3t-pw"}) {
		t.Fatalf("got %#v", m)
	}
	if v.Editing() {
		t.Fatal("still editing after enter")
	}
	// esc while typing cancels; esc again leaves the view.
	press(v, "enter")
	typeText(v, "x")
	if m := press(v, "esc"); m != nil || v.Editing() {
		t.Fatalf("esc while typing: %v, editing %v", m, v.Editing())
	}
	if m := press(v, "esc"); m != (ValuesClosedMsg{}) {
		t.Fatalf("esc: %v", m)
	}
}

type setter struct{ got map[string]string }

func (s *setter) SetSessionValue(n, v string) error {
	if n == "certs" {
		return errors.New("certs is an array: re-run step gen-certs to set it again")
	}
	s.got[n] = v
	return nil
}

func TestSetSessionValueCmd(t *testing.T) {
	s := &setter{got: map[string]string{}}
	if m := SetSessionValueCmd(s, ValueEditedMsg{Name: "DB_PASS", Value: "pw"})().(ValueSavedMsg); m.Err != nil || s.got["DB_PASS"] != "pw" {
		t.Fatalf("%+v %v", m, s.got)
	}
	if m := SetSessionValueCmd(s, ValueEditedMsg{Name: "certs", Value: "x"})().(ValueSavedMsg); m.Err == nil {
		t.Fatal("the engine's refusal must come back")
	}
}

func offers() []steps.OutputOffer {
	return []steps.OutputOffer{
		{Name: "endpoint", Shown: "db-1.internal", Step: "find-db", Attempt: 1},
		{Name: "db-password", Shown: steps.Mask, Secret: true, Step: "find-db", Attempt: 1},
		{Name: "port", Shown: "5432", Current: "3306", Step: "find-db", Attempt: 1},
	}
}

// Confirming outputs: edit one, take all — every output is in the
// answer, the edited one with its new value, the others "" (the step's
// own).
func TestValuesConfirmOutputs(t *testing.T) {
	v := NewValuesView(testCommon(), UnicodeGlyphs())
	v.SetSize(80, 24)
	v.Confirm("find-db", offers())
	golden(t, "values_confirm_80x24", plain(v.View()))
	press(v, "enter")
	for range len("db-1.internal") {
		v.Update(keyMsg("backspace"))
	}
	typeText(v, "db-2.internal")
	press(v, "enter")
	if !strings.Contains(plain(v.View()), "db-2.internal (edited)") {
		t.Fatalf("edit not shown:\n%s", plain(v.View()))
	}
	// Leaving a value as it was keeps the step's own.
	press(v, "j", "j", "enter", "enter")
	m := press(v, "a")
	want := ValuesAnsweredMsg{Step: "find-db", Values: map[string]string{"endpoint": "db-2.internal", "db-password": "", "port": ""}}
	if !reflect.DeepEqual(m, want) {
		t.Fatalf("got %#v, want %#v", m, want)
	}
	v.Confirm("find-db", offers())
	if m := press(v, "s"); !reflect.DeepEqual(m, ValuesAnsweredMsg{Step: "find-db", Skip: true}) {
		t.Fatalf("s: %#v", m)
	}
	// In browse mode, a and s do nothing.
	v.SetRows(valuesRows())
	if m := press(v, "a", "s"); m != nil {
		t.Fatalf("browse a/s: %#v", m)
	}
}

func TestValuesASCIIHasNoUnicode(t *testing.T) {
	v := plain(valuesAt(asciiCommon(), ASCIIGlyphs(), 80, 24).View())
	for _, r := range v {
		if r > 0x7e {
			t.Fatalf("ASCII values view has %q:\n%s", r, v)
		}
	}
}

// enter on a secret output with nothing typed keeps the step's value and
// does not claim an edit.
func TestValuesConfirmSecretUntouched(t *testing.T) {
	v := NewValuesView(testCommon(), UnicodeGlyphs())
	v.SetSize(80, 12)
	v.Confirm("find-db", offers())
	press(v, "j", "enter", "enter")
	if strings.Contains(plain(v.View()), "(edited)") {
		t.Fatalf("an untouched secret shows as edited:\n%s", plain(v.View()))
	}
	press(v, "enter")
	typeText(v, "n3w")
	press(v, "enter")
	if !strings.Contains(plain(v.View()), "**** (edited)") || strings.Contains(plain(v.View()), "n3w") {
		t.Fatalf("an edited secret:\n%s", plain(v.View()))
	}
	if m := press(v, "a").(ValuesAnsweredMsg); m.Values["db-password"] != "n3w" {
		t.Fatalf("answer %#v", m)
	}
}
