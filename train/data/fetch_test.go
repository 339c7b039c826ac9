package data

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

// specOf returns the fileSpec that identifies content under name.
func specOf(name string, content []byte) fileSpec {
	s, m := sha256.Sum256(content), md5.Sum(content)
	return fileSpec{name, int64(len(content)), hex.EncodeToString(s[:]), hex.EncodeToString(m[:])}
}

// fakeDataset is four small gzip'd IDX files under the canonical names.
func fakeDataset(t *testing.T) (map[string][]byte, []fileSpec) {
	images, labels := synthetic(5, Rows, Cols)
	ti, tl := synthetic(2, Rows, Cols)
	content := map[string][]byte{
		TrainImagesFile: idxBytes(t, images, true),
		TrainLabelsFile: idxBytes(t, labels, true),
		TestImagesFile:  idxBytes(t, ti, true),
		TestLabelsFile:  idxBytes(t, tl, true),
	}
	var specs []fileSpec
	for _, name := range []string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile} {
		specs = append(specs, specOf(name, content[name]))
	}
	return content, specs
}

// server serves content, letting mangle change a response; it counts
// requests.
func server(t *testing.T, content map[string][]byte, mangle func(w http.ResponseWriter, name string, b []byte) bool) (*httptest.Server, *atomic.Int32) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		name := strings.TrimPrefix(r.URL.Path, "/mnist/")
		b, ok := content[name]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if mangle != nil && mangle(w, name, b) {
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

// dirNames lists dir.
func dirNames(t *testing.T, dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestFetchGood(t *testing.T) {
	content, specs := fakeDataset(t)
	srv, n := server(t, content, nil)
	dir := filepath.Join(t.TempDir(), "new", "mnist")
	var log bytes.Buffer
	ctx := context.Background()
	if err := fetchFiles(ctx, dir, []string{srv.URL + "/mnist/"}, specs, FetchOptions{Log: &log}); err != nil {
		t.Fatal(err)
	}
	for name, b := range content {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil || !bytes.Equal(got, b) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(dirNames(t, dir)) != 4 || n.Load() != 4 || strings.Count(log.String(), "SHA-256 verified") != 4 {
		t.Errorf("files %v, %d requests, log %q", dirNames(t, dir), n.Load(), log.String())
	}
	if _, err := LoadMNIST(dir, true); err != nil {
		t.Errorf("LoadMNIST of the fetched files: %v", err)
	}
	// A second fetch keeps the verified files and asks the server nothing.
	log.Reset()
	if err := fetchFiles(ctx, dir, []string{srv.URL + "/mnist"}, specs, FetchOptions{Log: &log}); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 4 || strings.Count(log.String(), "present, verified") != 4 {
		t.Errorf("second fetch: %d requests, log %q", n.Load(), log.String())
	}
}

func TestFetchFailures(t *testing.T) {
	content, specs := fakeDataset(t)
	corrupt := func(w http.ResponseWriter, name string, b []byte) bool {
		if name != TrainLabelsFile {
			return false
		}
		c := bytes.Clone(b)
		c[len(c)/2] ^= 1
		w.Write(c)
		return true
	}
	// Content-Length promises the whole file, the body stops halfway: the
	// client sees an unexpected EOF.
	cutConn := func(w http.ResponseWriter, name string, b []byte) bool {
		if name != TrainLabelsFile {
			return false
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(b)))
		w.Write(b[:len(b)/2])
		return true
	}
	// No Content-Length, a body that ends cleanly but early.
	short := func(w http.ResponseWriter, name string, b []byte) bool {
		if name != TrainLabelsFile {
			return false
		}
		w.Write(b[:len(b)-5])
		return true
	}
	long := func(w http.ResponseWriter, name string, b []byte) bool {
		if name != TrainLabelsFile {
			return false
		}
		w.Write(append(bytes.Clone(b), 0))
		return true
	}
	missing := func(w http.ResponseWriter, name string, b []byte) bool {
		if name != TrainLabelsFile {
			return false
		}
		http.NotFound(w, nil)
		return true
	}
	lblSpec := specs[1]
	cases := []struct {
		name   string
		mangle func(http.ResponseWriter, string, []byte) bool
		want   string
	}{
		{"corrupted", corrupt, "/mnist/train-labels-idx1-ubyte.gz: SHA-256 is "},
		{"content-length", cutConn, "/mnist/train-labels-idx1-ubyte.gz: after " + strconv.Itoa(int(lblSpec.size)/2) + " of " + strconv.Itoa(int(lblSpec.size)) + " bytes: unexpected EOF"},
		{"short body", short, "/mnist/train-labels-idx1-ubyte.gz: truncated: got " + strconv.Itoa(int(lblSpec.size)-5) + " bytes, want " + strconv.Itoa(int(lblSpec.size))},
		{"long body", long, "longer than the published " + strconv.Itoa(int(lblSpec.size)) + " bytes"},
		{"404", missing, "/mnist/train-labels-idx1-ubyte.gz: HTTP 404 Not Found (want 200 OK)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, _ := server(t, content, c.mangle)
			dir := t.TempDir()
			err := fetchFiles(context.Background(), dir, []string{srv.URL + "/mnist/"}, specs, FetchOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error\n  %v\nwant it to contain\n  %s", err, c.want)
			}
			if c.name == "corrupted" {
				var ce *ChecksumError
				if !errors.As(err, &ce) || ce.Want != lblSpec.sha256 || ce.Algorithm != "SHA-256" || ce.Size != lblSpec.size {
					t.Errorf("not the right *ChecksumError: %#v", ce)
				}
			}
			// The file before it arrived whole and verified; nothing of the
			// failed one is left (no temporary file either).
			if names := dirNames(t, dir); len(names) != 1 || names[0] != TrainImagesFile {
				t.Errorf("dir holds %v, want only %s", names, TrainImagesFile)
			}
		})
	}
}

func TestFetchMirrors(t *testing.T) {
	content, specs := fakeDataset(t)
	bad, _ := server(t, map[string][]byte{}, nil)
	good, _ := server(t, content, nil)
	dir := t.TempDir()
	if err := fetchFiles(context.Background(), dir, []string{bad.URL + "/mnist/", good.URL + "/mnist/"}, specs, FetchOptions{}); err != nil {
		t.Fatalf("second mirror not used: %v", err)
	}
	// Both mirrors failing: the error names both.
	dir = t.TempDir()
	err := fetchFiles(context.Background(), dir, []string{bad.URL + "/a/", bad.URL + "/b/"}, specs, FetchOptions{})
	if err == nil || !strings.Contains(err.Error(), "/a/train-images") || !strings.Contains(err.Error(), "/b/train-images") {
		t.Errorf("error %v", err)
	}
}

func TestFetchKeepsForeignFile(t *testing.T) {
	content, specs := fakeDataset(t)
	srv, n := server(t, content, nil)
	dir := t.TempDir()
	mine := []byte("not the published file")
	p := filepath.Join(dir, TrainImagesFile)
	os.WriteFile(p, mine, 0o644)
	err := fetchFiles(context.Background(), dir, []string{srv.URL + "/mnist/"}, specs, FetchOptions{})
	if err == nil || !strings.Contains(err.Error(), p+": SHA-256 is ") || !strings.Contains(err.Error(), "it is left as it is") {
		t.Fatalf("error %v", err)
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, mine) || n.Load() != 0 {
		t.Errorf("the file was touched (%d requests)", n.Load())
	}
}

func TestFetchCanceled(t *testing.T) {
	content, specs := fakeDataset(t)
	srv, _ := server(t, content, nil)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := t.TempDir()
	if err := fetchFiles(ctx, dir, []string{srv.URL, srv.URL}, specs, FetchOptions{}); !errors.Is(err, context.Canceled) {
		t.Errorf("error %v", err)
	}
	if names := dirNames(t, dir); len(names) != 0 {
		t.Errorf("dir holds %v", names)
	}
}

func TestFetchUnknownDataset(t *testing.T) {
	err := Fetch(context.Background(), "cifar", t.TempDir(), FetchOptions{})
	if err == nil || err.Error() != `data: unknown dataset "cifar" (accepted: fashion-mnist, mnist)` {
		t.Errorf("error %v", err)
	}
}

// TestFetchMNISTFromCache runs Fetch with the real hard-coded MNIST specs
// against a local server that serves the module cache's MNIST files.
func TestFetchMNISTFromCache(t *testing.T) {
	src := moduleCacheMNIST(t)
	content := map[string][]byte{}
	for _, f := range datasets["mnist"].files {
		b, err := os.ReadFile(filepath.Join(src, f.name))
		if err != nil {
			t.Skip(err)
		}
		content[f.name] = b
	}
	srv, _ := server(t, content, nil)
	dir := t.TempDir()
	if err := Fetch(context.Background(), "mnist", dir, FetchOptions{BaseURL: srv.URL + "/mnist/"}); err != nil {
		t.Fatal(err)
	}
	if len(dirNames(t, dir)) != 4 {
		t.Errorf("dir holds %v", dirNames(t, dir))
	}
}

// A failed fetch into a directory that did not exist leaves no empty
// directory (nor the parents it created); one into an existing directory
// leaves that directory (issue 22, item 7).
func TestFetchFailureRemovesCreatedDirs(t *testing.T) {
	_, specs := fakeDataset(t)
	srv, _ := server(t, nil, nil) // every file is 404
	root := t.TempDir()
	dir := filepath.Join(root, "new", "mnist")
	err := fetchFiles(context.Background(), dir, []string{srv.URL + "/mnist/"}, specs, FetchOptions{})
	if err == nil {
		t.Fatal("no error")
	}
	if names := dirNames(t, root); len(names) != 0 {
		t.Errorf("after the failure %s holds %v, want nothing", root, names)
	}
	// The same from the module cache's copy, with a source that lacks the
	// files.
	if err := installFromDir(filepath.Join(root, "nosuch"), dir, specs, nil); err == nil {
		t.Fatal("installFromDir: no error")
	}
	if names := dirNames(t, root); len(names) != 0 {
		t.Errorf("after installFromDir's failure %s holds %v, want nothing", root, names)
	}
	if err := fetchFiles(context.Background(), root, []string{srv.URL + "/mnist/"}, specs, FetchOptions{}); err == nil {
		t.Fatal("no error")
	}
	if _, err := os.Stat(root); err != nil {
		t.Errorf("the existing directory was removed: %v", err)
	}
}
