package tui

import "time"

// Common is shared by every component, like soft-serve's common.Common:
// one Styles and one KeyMap for the whole program.
type Common struct {
	Styles *Styles
	Keys   KeyMap
	// Now is the clock (tests pin it so screens are reproducible).
	Now func() time.Time
}
