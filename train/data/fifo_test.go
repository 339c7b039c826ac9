//go:build linux

package data

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// A FIFO or a device given as an IDX file is refused with one line, not
// waited on or read forever (issue 22, item 9).
func TestReadIDXFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, TrainImagesFile)
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	zero := filepath.Join(dir, TrainLabelsFile)
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Skip(err)
	}
	for path, kind := range map[string]string{fifo: "a named pipe (FIFO)", zero: "a character device"} {
		done := make(chan error, 1)
		go func() { _, err := ReadIDXFile(path); done <- err }()
		select {
		case err := <-done:
			var fe *FormatError
			want := "data: " + path + ": is " + kind + "; a dataset file must be a regular file"
			if !errors.As(err, &fe) || err.Error() != want {
				t.Errorf("error %v, want %q", err, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("ReadIDXFile(%s) hangs", path)
		}
	}
	// Through LoadMNIST, which finds the FIFO under the canonical name.
	done := make(chan error, 1)
	go func() { _, err := LoadMNIST(dir, true); done <- err }()
	select {
	case err := <-done:
		if err == nil || err.Error() != "data: "+fifo+": is a named pipe (FIFO); a dataset file must be a regular file" {
			t.Errorf("LoadMNIST: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("LoadMNIST hangs on a FIFO")
	}
}
