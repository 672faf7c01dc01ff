package journal

import (
	"path/filepath"
	"sync"
	"testing"
)

// Close used to clear the file outside the writer's lock: a Close while
// another goroutine appended or synced (a step's end racing the program's
// exit) was a data race, found by -race.
func TestWriterCloseWhileAppending(t *testing.T) {
	w, err := Create(filepath.Join(t.TempDir(), "run"))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for range 50 {
			w.AppendUnsynced(Event{Type: NoteAdded, Note: "x"}) //nolint:errcheck // fails once closed
			w.Sync()                                            //nolint:errcheck
		}
	}()
	go func() {
		defer wg.Done()
		for range 50 {
			w.Persistent()
			w.Log("a", 1)
		}
	}()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if w.Persistent() {
		t.Error("a closed writer says it is persistent")
	}
}
