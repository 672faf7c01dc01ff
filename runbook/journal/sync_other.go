//go:build !linux

package journal

import "os"

func datasync(f *os.File) error { return f.Sync() }

// startWriteback is Linux only (sync_file_range).
func startWriteback(f *os.File) {}
