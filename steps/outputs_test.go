package steps

import (
	"reflect"
	"testing"
)

// $RUNBOOK_OUTPUT is read as GitHub Actions writes $GITHUB_OUTPUT.
func TestParseOutputs(t *testing.T) {
	got, err := ParseOutputs([]byte("endpoint=db-1:5432\n\nurl=https://x/?a=b\r\ncert<<EOF\n-----BEGIN\nabc\n-----END\nEOF\nempty=\n"))
	want := []RawOutput{{"endpoint", "db-1:5432"}, {"url", "https://x/?a=b"}, {"cert", "-----BEGIN\nabc\n-----END"}, {"empty", ""}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, %v", got, err)
	}
	for _, bad := range []string{"no equals sign\n", "x<<EOF\nnever closed\n", "1x=2\n", "=v\n"} {
		if _, err := ParseOutputs([]byte(bad)); err == nil {
			t.Errorf("%q was accepted", bad)
		}
	}
}

// A shell variable's name says it is a credential.
func TestSecretShellName(t *testing.T) {
	for name, want := range map[string]bool{
		"GITHUB_TOKEN": true, "db_password": true, "DB_PASSWD": true, "AWS_SECRET_ACCESS_KEY": true, "SSH_KEY": true,
		"api_key": true, "GOOGLE_CREDENTIALS": true, "PRIVATE_PEM": true, "VPC_ID": false, "KEY_ID": false,
		"MONKEY": false, "AWS_ACCESS_KEY_ID": false, "PATH": false,
	} {
		if SecretShellName(name) != want {
			t.Errorf("%s: %v, want %v", name, !want, want)
		}
	}
}
