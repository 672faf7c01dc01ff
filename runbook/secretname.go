package runbook

import (
	"strings"
	"unicode"
)

// secretRoots make a placeholder secret wherever they appear in one of its
// words (`<strong-password>`, `<dbpassword>`, `{github_token}`).
var secretRoots = []string{"password", "passwd", "passphrase", "secret", "token", "credential", "apikey"}

// secretWords make it secret as whole words only: inside other words they
// mean something else ("passenger", "pwdump").
var secretWords = map[string]bool{"pass": true, "pwd": true, "pw": true}

// keyKinds are the words that make a following "key" a credential
// (`<api-key>`, `<secret-access-key>`), unlike `<key-name>` or `<s3-key>`.
var keyKinds = map[string]bool{"api": true, "private": true, "access": true, "signing": true, "encryption": true, "master": true, "ssh": true}

// notSecretLast are last words that name *where* a secret is, not the
// secret itself: `<secrets-arn>`, `<secret-name>`, `<access-key-id>`,
// `<password-file>`.
var notSecretLast = map[string]bool{"arn": true, "name": true, "id": true, "path": true, "file": true, "url": true, "uri": true, "ref": true, "length": true}

// secretByName reports whether a placeholder's name says its value is a
// credential. Such a value is masked and never stored, exactly like one
// declared `secret: true`: an undeclared `<strong-password>` must not be
// echoed, journaled or written into a report just because the doc has no
// front matter. Erring towards secret only costs the engineer seeing ****.
func secretByName(name string) bool {
	words := nameWords(name)
	if len(words) == 0 || notSecretLast[words[len(words)-1]] {
		return false
	}
	for i, w := range words {
		if secretWords[w] || (w == "key" && i > 0 && keyKinds[words[i-1]]) {
			return true
		}
		for _, r := range secretRoots {
			if strings.Contains(w, r) {
				return true
			}
		}
	}
	return false
}

// nameWords splits a placeholder name into lower-case words at '-', '_',
// '.', spaces and camelCase boundaries.
func nameWords(name string) []string {
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	prevLower := false
	for _, r := range name {
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			if unicode.IsUpper(r) && prevLower {
				flush()
			}
			prevLower = unicode.IsLower(r) || unicode.IsDigit(r)
			b.WriteRune(unicode.ToLower(r))
		default:
			flush()
			prevLower = false
		}
	}
	flush()
	return words
}
