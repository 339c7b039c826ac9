package atomicfile

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// onlyFiles fails unless dir holds exactly names (no temporary left).
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if len(got) != len(names) {
		t.Fatalf("%s holds %v, want %v", dir, got, names)
	}
	for i := range got {
		if got[i] != names[i] {
			t.Fatalf("%s holds %v, want %v", dir, got, names)
		}
	}
}

func TestWriteReplacesAndKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	if err := WriteBytes(path, []byte("a")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o644 {
		t.Errorf("new file mode %v, want 0644", fi.Mode().Perm())
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteBytes(path, []byte("bc")); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); string(b) != "bc" {
		t.Errorf("content %q, want %q", b, "bc")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("replaced file mode %v, want 0600 (kept)", fi.Mode().Perm())
	}
	onlyFiles(t, dir, "out.csv")
}

// Every failure leaves the old file as it was and no temporary file.
func TestWriteFailuresLeaveOldFile(t *testing.T) {
	boom := errors.New("injected failure")
	cases := map[string]func(path string) error{
		"write fails midway": func(path string) error {
			return Write(path, func(w io.Writer) error {
				w.Write([]byte("partial"))
				return boom
			})
		},
		"rename fails": func(path string) error {
			rename = func(string, string) error { return boom }
			defer func() { rename = os.Rename }()
			return WriteBytes(path, []byte("new"))
		},
	}
	for name, run := range cases {
		dir := t.TempDir()
		path := filepath.Join(dir, "ckpt")
		if err := WriteBytes(path, []byte("old")); err != nil {
			t.Fatal(err)
		}
		if err := run(path); !errors.Is(err, boom) {
			t.Fatalf("%s: err = %v, want %v", name, err, boom)
		}
		if b, _ := os.ReadFile(path); !bytes.Equal(b, []byte("old")) {
			t.Errorf("%s: the old file became %q", name, b)
		}
		onlyFiles(t, dir, "ckpt")
	}
}

func TestWriteBadTargets(t *testing.T) {
	dir := t.TempDir()
	if err := WriteBytes(filepath.Join(dir, "missing", "f"), nil); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: err = %v, want ErrNotExist", err)
	}
	if err := WriteBytes(dir, nil); err == nil {
		t.Error("a directory as the target: no error")
	}
	onlyFiles(t, dir)
}
