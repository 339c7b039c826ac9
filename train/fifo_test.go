//go:build linux

package train

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO in the checkpoint's place is refused, not waited on (item 1).
func TestCheckpointFIFO(t *testing.T) {
	cfg := tinyConfig()
	sets, dir, _ := hostileSetup(t, cfg)
	out := filepath.Join(dir, "fifo")
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, CheckpointFile)
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 2)
	go func() { _, err := ReadCheckpointConfig(path); done <- err }()
	go func() { _, err := resumeFrom(t, dir, "fifo", sets, cfg, nil); done <- err }()
	for range 2 {
		select {
		case err := <-done:
			mustSay(t, err, "is a named pipe (FIFO)")
		case <-time.After(10 * time.Second):
			t.Fatal("reading a FIFO checkpoint hangs")
		}
	}
}
