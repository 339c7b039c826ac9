//go:build linux

package regularfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, []byte("abc"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{file, link} {
		f, n, err := Open(p)
		if err != nil || n != 3 {
			t.Fatalf("Open(%s) = %d, %v", p, n, err)
		}
		b, _ := io.ReadAll(f)
		f.Close()
		if string(b) != "abc" {
			t.Errorf("read %q", b)
		}
	}
	if _, _, err := Open(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}

	cases := map[string]string{dir: "a directory"}
	zero := filepath.Join(dir, "zero")
	if err := os.Symlink("/dev/zero", zero); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		cases[zero] = "a character device"
	}
	if runtime.GOOS == "linux" {
		fifo := filepath.Join(dir, "fifo")
		if err := syscall.Mkfifo(fifo, 0o644); err != nil {
			t.Fatal(err)
		}
		cases[fifo] = "a named pipe (FIFO)"
	}
	for p, kind := range cases {
		done := make(chan error, 1)
		go func() { _, _, err := Open(p); done <- err }()
		select {
		case err := <-done:
			var e *Error
			if !errors.As(err, &e) || e.Kind != kind || err.Error() != p+" is "+kind+", not a regular file" {
				t.Errorf("Open(%s): %v, want %s", p, err, kind)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("Open(%s) hangs", p)
		}
	}
}
