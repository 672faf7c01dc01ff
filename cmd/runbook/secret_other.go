//go:build !linux

package main

import (
	"context"
	"os"

	"golang.org/x/term"
)

// readSecret reads a line from the terminal without echo.
func readSecret(_ context.Context, f *os.File) (string, error) {
	b, err := term.ReadPassword(int(f.Fd()))
	return string(b), err
}
