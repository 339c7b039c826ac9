package train

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckpointErrors: truncated, corrupted, foreign and mismatched
// checkpoints are errors that name the file, never panics.
func TestCheckpointErrors(t *testing.T) {
	dir := t.TempDir()
	sets := synthetic(t, dir, 16, 16)
	cfg := tinyConfig()
	cfg.Epochs = 1
	good := filepath.Join(dir, "good")
	if _, err := Run(context.Background(), cfg, sets, Options{OutDir: good}); err != nil {
		t.Fatal(err)
	}
	orig, err := os.ReadFile(filepath.Join(good, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if c, err := ReadCheckpointConfig(filepath.Join(good, CheckpointFile)); err != nil || c != cfg {
		t.Fatalf("ReadCheckpointConfig: %+v, %v; want %+v", c, err, cfg)
	}
	resume := func(name string, content []byte, cfg Config) error {
		out := filepath.Join(dir, name)
		if content != nil {
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(out, CheckpointFile), content, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		_, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Resume: true})
		return err
	}
	corrupt := func(f func([]byte) []byte) []byte { return f(append([]byte(nil), orig...)) }
	more := cfg
	more.Epochs = 2
	otherLR := more
	otherLR.LR = 0.01
	for _, tc := range []struct {
		name    string
		content []byte
		cfg     Config
		want    string
	}{
		{"missing", nil, more, "no such file"},
		{"empty", []byte{}, more, ""},
		{"truncated-header", orig[:20], more, ""},
		{"truncated-data", orig[:len(orig)-100], more, ""},
		{"garbage-header", corrupt(func(b []byte) []byte { copy(b[8:], "xxxxxxxx"); return b }), more, ""},
		{"huge-length", corrupt(func(b []byte) []byte { b[6] = 0xff; return b }), more, ""},
		{"other-settings", orig, otherLR, "lr 0.05 (this run: 0.01)"},
		{"too-many-epochs", orig, func() Config { c := cfg; c.Epochs = 1; c.Seed = cfg.Seed; return c }(), ""},
	} {
		err := resume(tc.name, tc.content, tc.cfg)
		if tc.name == "too-many-epochs" {
			// 1 of 1 epochs done: nothing left to do is not an error.
			if err != nil {
				t.Errorf("%s: %v", tc.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), filepath.Join(dir, tc.name, CheckpointFile)) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not name the file or say %q", tc.name, err, tc.want)
		}
	}
	fewer := cfg
	fewer.Epochs = 1
	two := filepath.Join(dir, "two")
	if _, err := Run(context.Background(), more, sets, Options{OutDir: two}); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(context.Background(), fewer, sets, Options{OutDir: two, Resume: true}); err == nil || !strings.Contains(err.Error(), "done 2 epochs, more than the 1") {
		t.Errorf("resume with fewer epochs: %v", err)
	}
}
