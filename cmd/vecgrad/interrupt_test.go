package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// interruptNow makes the next run see a real interrupt: it installs the
// CLI's signal handler, sends this process SIGINT and waits until the
// handler has cancelled the context, so that the run stops at its first
// step.
func interruptNow(t *testing.T) {
	t.Helper()
	t.Cleanup(func() { interruptContext = signalContext })
	interruptContext = func() (context.Context, context.CancelFunc) {
		ctx, stop := signalContext()
		p, err := os.FindProcess(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Signal(os.Interrupt); err != nil {
			t.Skipf("cannot send SIGINT here: %v", err)
		}
		<-ctx.Done()
		return ctx, stop
	}
}

func TestTrainInterrupted(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(dir, "out")
	ck := filepath.Join(out, "checkpoint.safetensors")

	// Before the first epoch ends: no checkpoint, and none claimed.
	interruptNow(t)
	status, _, stderr := runArgs("train", "--data", dir, "--epochs", "2", "--out", out)
	if status != exitInterrupted || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "no checkpoint was saved") {
		t.Errorf("interrupted in epoch 1: status %d, stderr %q; want %d and no checkpoint claimed", status, stderr, exitInterrupted)
	}
	if _, err := os.Stat(ck); !os.IsNotExist(err) {
		t.Errorf("%s: %v, want no checkpoint", ck, err)
	}

	// After an epoch: the checkpoint holds it, and -resume is suggested.
	interruptContext = signalContext
	if status, _, stderr := runArgs("train", "--data", dir, "--epochs", "1", "--out", out); status != exitOK {
		t.Fatalf("first epoch: status %d, stderr %q", status, stderr)
	}
	interruptNow(t)
	status, _, stderr = runArgs("train", "--data", dir, "--epochs", "2", "--out", out, "--resume")
	if status != exitInterrupted || !strings.Contains(stderr, "during epoch 2; "+ck+" holds epoch 1 of 2") || !strings.Contains(stderr, "-resume") {
		t.Errorf("interrupted in epoch 2: status %d, stderr %q", status, stderr)
	}
	if _, err := os.Stat(ck); err != nil {
		t.Errorf("checkpoint of epoch 1: %v", err)
	}

	interruptNow(t)
	if status, _, stderr := runArgs("sweep", "--data", dir, "--epochs", "1", "--experiments", "adam-lr", "--out", filepath.Join(dir, "sweep")); status != exitInterrupted {
		t.Errorf("sweep: status %d, stderr %q, want %d", status, stderr, exitInterrupted)
	}
}
