package runbook

// ScanPlaceholders calls fn with the name and byte range [start, end) of
// every placeholder in s, with the same rules the parser uses for steps:
// callers that fill placeholders outside step code (a cwd, a DSN) must
// agree with the parser on what a placeholder is.
func ScanPlaceholders(s string, fn func(name string, start, end int)) {
	scanPlaceholders(s, func(name string, off int) {
		fn(name, off, off+len(name)+2) // "<name>" or "{name}"
	})
}
