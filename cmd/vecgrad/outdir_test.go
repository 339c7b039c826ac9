package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCheckOutDir(t *testing.T) {
	dir := t.TempDir()
	nested := filepath.Join(dir, "a", "b")
	if err := checkOutDir(nested); err != nil {
		t.Fatalf("new nested directory: %v", err)
	}
	if st, err := os.Stat(nested); err != nil || !st.IsDir() {
		t.Fatalf("%s not created: %v", nested, err)
	}
	if left, _ := os.ReadDir(nested); len(left) != 0 {
		t.Errorf("probe left behind: %v", left)
	}
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{file, filepath.Join(file, "sub")} {
		err := checkOutDir(bad)
		if err == nil || !strings.Contains(err.Error(), "-out "+bad) {
			t.Errorf("checkOutDir(%s) = %v, want an error naming -out %s", bad, err, bad)
		}
	}
	if os.Geteuid() != 0 { // root writes anywhere
		ro := filepath.Join(dir, "ro")
		if err := os.Mkdir(ro, 0o555); err != nil {
			t.Fatal(err)
		}
		if err := checkOutDir(ro); err == nil || !strings.Contains(err.Error(), "cannot create a file") {
			t.Errorf("read-only directory: %v", err)
		}
	}
}

// TestTrainOutDirBeforeTraining checks that an -out that cannot be written
// stops vecgrad train and sweep before the first epoch.
func TestTrainOutDirBeforeTraining(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(file, "out")
	for _, cmd := range []string{"train", "sweep"} {
		status, stdout, stderr := runArgs(cmd, "--data", dir, "--epochs", "1", "--out", out)
		if status != exitUsage || stdout != "" {
			t.Errorf("%s: exit status %d, stdout %q (want %d, nothing trained)", cmd, status, stdout, exitUsage)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "-out "+out) || !strings.Contains(stderr, "not a directory") {
			t.Errorf("%s: stderr %q, want one line naming -out %s and the cause", cmd, stderr, out)
		}
	}
}
