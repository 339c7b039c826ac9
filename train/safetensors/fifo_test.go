//go:build linux

package safetensors

import (
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO is refused without opening it: opening one for reading blocks
// until a writer comes, which would hang the resume.
func TestReadFileFIFO(t *testing.T) {
	path := filepath.Join(t.TempDir(), "checkpoint.safetensors")
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 2)
	go func() { _, err := ReadFile(path); done <- err }()
	go func() { _, err := ReadMetadata(path); done <- err }()
	for range 2 {
		select {
		case err := <-done:
			mustContain(t, err, path, "is a named pipe (FIFO); a safetensors file must be a regular file")
		case <-time.After(10 * time.Second):
			t.Fatal("reading a FIFO hangs")
		}
	}
}
