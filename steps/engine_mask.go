package steps

import (
	"slices"
	"sync"

	"github.com/runbook-sh/runbook/runbook/mask"
)

// maskCache keeps the run's secrets compiled: with all their forms that
// costs a fraction of a millisecond, and every step, preview and masked
// journal field needs them. The zero value is ready to use.
type maskCache struct {
	mu      sync.Mutex
	secrets []string
	set     *mask.Set
}

// get returns the compiled set for secrets, compiling it again only when
// they changed (a secret was set or fetched).
func (c *maskCache) get(secrets []string) *mask.Set {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.set == nil || !slices.Equal(c.secrets, secrets) {
		c.secrets, c.set = slices.Clone(secrets), mask.New(secrets)
	}
	return c.set
}
