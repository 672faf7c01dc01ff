package steps

import (
	"io"

	"github.com/runbook-sh/runbook/runbook/mask"
)

// Mask is what every occurrence of a secret becomes.
const Mask = mask.Text

// Masker replaces secrets, and the forms programs print them in, in a
// stream before it reaches the underlying writer (see runbook/mask).
type Masker = mask.Writer

// NewMasker returns a Masker writing to w. Empty secrets are ignored.
func NewMasker(w io.Writer, secrets []string) *Masker { return mask.New(secrets).Writer(w) }

// MaskString returns s with every secret, in every form, replaced by Mask.
// To mask many strings, compile the secrets once with mask.New.
func MaskString(s string, secrets []string) string { return mask.New(secrets).String(s) }
