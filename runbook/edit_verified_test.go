package runbook

import (
	"reflect"
	"testing"
	"time"
)

func TestFindVerified(t *testing.T) {
	when := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	a := FormatVerified("8.0.35 _(x, 2020-01-01)_ | **Verified:**", "bob", when)
	b := FormatVerified("yes", "Alice (ops)", when)
	text := "Is **Verified:** a term here? MySQL version?" + a + " Multi-AZ?" + b + " trailing text"
	got := FindVerified(text)
	want := []VerifiedSuffix{
		{Start: 45, End: 45 + len(a) - 1, Answer: "8.0.35 _(x, 2020-01-01)_ | **Verified:**", Who: "bob", When: "2026-11-24"},
		{Start: 45 + len(a) + 10, End: 45 + len(a) + 10 + len(b) - 1, Answer: "yes", Who: "Alice ops", When: "2026-11-24"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("FindVerified:\n%+v\nwant\n%+v", got, want)
	}
	if text[:got[0].Start] != "Is **Verified:** a term here? MySQL version? " || text[got[1].End:] != " trailing text" {
		t.Errorf("spans: %q / %q", text[got[0].Start:got[0].End], text[got[1].End:])
	}
	if FindVerified("no answer here _(bob, 2026-11-24)_") != nil {
		t.Error("a who/date without a label was taken for an answer")
	}
}
