package runbook

import (
	"testing"
	"time"
)

func TestVerifiedRoundTrip(t *testing.T) {
	when := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	for _, answer := range []string{
		"8.0.35",
		"one VPC per env | two AZs",
		"use `[VERIFY]` *never* _here_ \\ <b>",
		"multi\nline\tanswer",
	} {
		suffix := FormatVerified(answer, "alice (ops)", when)
		got, who, day, ok := ParseVerified("Question text?" + suffix)
		if !ok {
			t.Fatalf("ParseVerified(%q) found nothing", suffix)
		}
		want := answer
		if answer == "multi\nline\tanswer" {
			want = "multi line answer"
		}
		if got != want || who != "alice ops" || day != "2026-11-24" {
			t.Errorf("round trip of %q = (%q, %q, %q), want (%q, %q, %q)", answer, got, who, day, want, "alice ops", "2026-11-24")
		}
	}
}
