package safetensors

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// onlyFiles fails unless dir holds exactly the named files: a temporary
// file left behind is the bug these tests look for.
func onlyFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("directory holds %q, want %q", got, names)
	}
}

func TestWriteReadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "model.safetensors")
	f := sampleFile()
	if err := WriteFile(path, f); err != nil {
		t.Fatal(err)
	}
	g, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if msg, ok := equalFiles(f, g); !ok {
		t.Error(msg)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", fi.Mode().Perm())
	}
	onlyFiles(t, dir, "model.safetensors")

	// Replacing keeps the old file's permissions.
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, &File{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after replace = %v, want 0600", fi.Mode().Perm())
	}
	onlyFiles(t, dir, "model.safetensors")
}

func TestReadFileMissing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.safetensors")
	_, err := ReadFile(path)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
	mustContain(t, err, "safetensors: ", path)
}

// setup writes an old checkpoint and returns its path and bytes.
func setup(t *testing.T) (dir, path string, old []byte) {
	dir = t.TempDir()
	path = filepath.Join(dir, "ckpt.safetensors")
	if err := WriteFile(path, sampleFile()); err != nil {
		t.Fatal(err)
	}
	old, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return dir, path, old
}

func unchanged(t *testing.T, dir, path string, old []byte) {
	t.Helper()
	now, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(now, old) {
		t.Error("the old checkpoint was changed by a failed write")
	}
	onlyFiles(t, dir, filepath.Base(path))
}

func TestWriteFileFailsMidway(t *testing.T) {
	boom := errors.New("injected write failure")
	big := &File{Tensors: []Tensor{{Name: "w", Shape: []int{50000}, Data: make([]float32, 50000)}}}
	for _, n := range []int{0, 8, 100, 70000} {
		dir, path, old := setup(t)
		wrapWriter = func(w io.Writer) io.Writer { return io.MultiWriter(w, &failWriter{n: n, err: boom}) }
		err := WriteFile(path, big)
		wrapWriter = func(w io.Writer) io.Writer { return w }
		if !errors.Is(err, boom) {
			t.Fatalf("after %d bytes: err = %v, want %v", n, err, boom)
		}
		mustContain(t, err, path)
		unchanged(t, dir, path, old)
	}
}

func TestWriteFileInvalid(t *testing.T) {
	dir, path, old := setup(t)
	err := WriteFile(path, &File{Tensors: []Tensor{{Name: "w", Shape: []int{2}}}})
	mustContain(t, err, "safetensors: "+path+`: tensor "w": shape [2] has 2 elements but Data has 0`)
	var ee *EncodeError
	if !errors.As(err, &ee) || ee.File != path || ee.Tensor != "w" {
		t.Errorf("err = %#v", err)
	}
	unchanged(t, dir, path, old)
}

func TestWriteFileNoDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "missing", "ckpt.safetensors")
	err := WriteFile(path, sampleFile())
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
	mustContain(t, err, path)
	onlyFiles(t, dir)
}

func TestWriteFileReadOnlyDirectory(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores directory permissions")
	}
	dir, path, old := setup(t)
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	defer os.Chmod(dir, 0o755)
	if err := WriteFile(path, &File{}); err == nil {
		t.Fatal("WriteFile into a read-only directory succeeded")
	}
	unchanged(t, dir, path, old)
}

func TestWriteFileOverDirectory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ckpt")
	if err := os.Mkdir(path, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(path, &File{}); err == nil {
		t.Fatal("WriteFile over a directory succeeded")
	}
	onlyFiles(t, dir, "ckpt")
}

// Readers racing a writer see the old or the new checkpoint, whole, never a
// partial one.
func TestConcurrentReaders(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ckpt.safetensors")
	small := &File{Tensors: []Tensor{{Name: "w", Shape: []int{1}, Data: []float32{1}}}}
	big := &File{Tensors: []Tensor{{Name: "w", Shape: []int{40000}, Data: make([]float32, 40000)}}}
	if err := WriteFile(path, small); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				g, err := ReadFile(path)
				if err != nil {
					t.Error(err)
					return
				}
				if n := len(g.Tensors[0].Data); n != 1 && n != 40000 {
					t.Errorf("read a tensor of %d elements", n)
					return
				}
			}
		}()
	}
	for i := range 40 {
		f := small
		if i%2 == 0 {
			f = big
		}
		if err := WriteFile(path, f); err != nil {
			t.Error(err)
			break
		}
	}
	close(done) // not deferred past a Fatal: the readers must stop first
	wg.Wait()
	onlyFiles(t, filepath.Dir(path), "ckpt.safetensors")
}
