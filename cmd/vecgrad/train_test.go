package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/train/data"
)

func TestTrainUsageErrors(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"train", "--batch-size", "0", "--data", dir}, []string{"batch size 0", "from 1 to 1073741824"}},
		{[]string{"train", "--batch-size", "9223372036854775807", "--data", dir}, []string{"batch size 9223372036854775807", "from 1 to 1073741824"}},
		{[]string{"train", "--resume", "--overwrite", "--data", dir}, []string{"-resume and -overwrite exclude each other"}},
		{[]string{"train", "--lr", "-1", "--data", dir}, []string{"learning rate -1", "positive"}},
		{[]string{"train", "--optimizer", "rmsprop", "--data", dir}, []string{`"rmsprop"`, "sgd, adam, adamw"}},
		{[]string{"train", "--dataset", "cifar"}, []string{`"cifar"`, "mnist, fashion-mnist"}},
		{[]string{"train", "--data", filepath.Join(dir, "nope")}, []string{"no such directory", "vecgrad data"}},
		{[]string{"train", "--epochs", "0", "--data", dir}, []string{"epochs 0"}},
		{[]string{"train", "--epochs", "9223372036854775807", "--data", dir}, []string{"epochs 9223372036854775807", "from 1 to 1048576"}},
		{[]string{"train", "--threads", "-1", "--data", dir}, []string{"-threads -1", "accepted 1 to"}},
		{[]string{"train", "--threads", "4294967296", "--data", dir}, []string{"-threads 4294967296", "accepted 1 to"}},
		{[]string{"train", "--threads", strconv.Itoa(runtime.GOMAXPROCS(0) + 1), "--data", dir}, []string{"accepted 1 to " + strconv.Itoa(runtime.GOMAXPROCS(0))}},
		{[]string{"bench", "train", "--threads", "0"}, []string{"thread count \"0\"", "GOMAXPROCS"}},
		{[]string{"bench", "train", "--models", "784-0-10"}, []string{"784-0-10"}},
		{[]string{"bench", "train", "--models", "100-10"}, []string{"the first 784"}},
		{[]string{"bench", "train", "--batch-sizes", "16,x"}, []string{`"x"`, "integers from 1"}},
		{[]string{"bench", "train", "--optimizer", "lbfgs"}, []string{`"lbfgs"`, "sgd or adam"}},
		{[]string{"bench", "allreduce", "--sizes", "6"}, []string{`"6"`, "multiple of 4"}},
		{[]string{"bench", "allreduce", "--ranks", "1"}, []string{"-ranks 1", "2 to 64"}},
		{[]string{"bench", "allreduce", "--mpi"}, []string{"built without MPI", "-tags mpi"}},
		{[]string{"bench", "distributed"}, []string{"built without MPI", "-tags mpi"}},
		{[]string{"bench", "distributed", "--threads", "0"}, []string{"-threads"}},
		{[]string{"bench", "distributed", "--batch-sizes", "0"}, []string{"-batch-sizes", "1 to 4096"}},
		{[]string{"train", "--nesterov", "--momentum", "0", "--data", dir}, []string{"nesterov"}},
		{[]string{"train", "--check-every", "5", "--data", dir}, []string{"-check-every needs -distributed"}},
		{[]string{"train", "--distributed", "--data", dir}, []string{"built without MPI", "-tags mpi"}},
		{[]string{"train", "--nosuch"}, []string{"-nosuch", "-batch-size", "-resume"}},
		{[]string{"sweep", "--experiments", "sgd-lr,nope", "--data", dir}, []string{`"nope"`, "sgd-batch"}},
		{[]string{"sweep", "--data", filepath.Join(dir, "nope")}, []string{"no such directory"}},
		{[]string{"data", "--dataset", "cifar"}, []string{`"cifar"`, "fashion-mnist, mnist"}},
		{[]string{"data", "--dataset", "fashion-mnist", "--from-module-cache"}, []string{"only mnist"}},
		{[]string{"data", "--download", "--from-module-cache"}, []string{"choose one"}},
	} {
		status, stdout, stderr := runArgs(tc.args...)
		if status != exitUsage {
			t.Errorf("%q: exit status %d, want %d (stderr %q)", tc.args, status, exitUsage, stderr)
		}
		if stdout != "" {
			t.Errorf("%q: wrote to stdout: %q", tc.args, stdout)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasSuffix(stderr, "\n") {
			t.Errorf("%q: want a one-line error, got %q", tc.args, stderr)
		}
		for _, w := range tc.want {
			if !strings.Contains(stderr, w) {
				t.Errorf("%q: error %q does not mention %q", tc.args, stderr, w)
			}
		}
	}
}

// writeTiny writes a 48-example synthetic dataset (both splits) into dir.
func writeTiny(t *testing.T, dir string) {
	t.Helper()
	const n = 48
	img := &data.IDX{Dims: []int{n, data.Rows, data.Cols}, Data: make([]byte, n*data.Features)}
	lab := &data.IDX{Dims: []int{n}, Data: make([]byte, n)}
	for i := range n {
		k := i % data.NumClasses
		lab.Data[i] = byte(k)
		for p := k * 70; p < k*70+60; p++ {
			img.Data[i*data.Features+p] = 255
		}
	}
	for _, train := range []bool{true, false} {
		if err := data.WriteMNIST(dir, train, img, lab, false); err != nil {
			t.Fatal(err)
		}
	}
}

func TestTrainCommand(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(dir, "out")
	sum := filepath.Join(dir, "summary.json")
	status, stdout, stderr := runArgs("train", "--data", dir, "--epochs", "1", "--lr", "0.05", "--out", out,
		"--summary-json", sum, "--log-every", "1", "--threads", "1")
	if status != exitOK || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	for _, w := range []string{"loss: ", "[   16/   48]", "Test Error: \n Accuracy: ", "Done!", "samples/s", "loss.png"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("output does not mention %q:\n%s", w, stdout)
		}
	}
	b, err := os.ReadFile(sum)
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		SamplesPerSecond float64 `json:"samples_per_second"`
		TestAccuracy     float64 `json:"test_accuracy"`
		EpochsDone       int     `json:"epochs_done"`
		ISA              string  `json:"isa"`
		Threads          int     `json:"threads"`
		Config           struct {
			LR float64 `json:"lr"`
		} `json:"config"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	if s.SamplesPerSecond <= 0 || s.EpochsDone != 1 || s.ISA == "" || s.Threads != 1 || s.Config.LR != 0.05 {
		t.Errorf("summary %+v", s)
	}
	// Resume adopts the checkpoint's settings for the flags not given.
	status, stdout, stderr = runArgs("train", "--data", dir, "--epochs", "2", "--out", out, "--resume", "--log-every", "1")
	if status != exitOK || stderr != "" {
		t.Fatalf("resume: exit status %d, stderr %q", status, stderr)
	}
	for _, w := range []string{"adopting the checkpoint's settings -lr 0.05", "after epoch 1 of 2", "Epoch 2\n"} {
		if !strings.Contains(stdout, w) {
			t.Errorf("resume output does not mention %q:\n%s", w, stdout)
		}
	}
	// A new run into the directory is refused: the checkpoint is kept.
	ck := filepath.Join(out, "checkpoint.safetensors")
	before, _ := os.ReadFile(ck)
	status, _, stderr = runArgs("train", "--data", dir, "--epochs", "1", "--out", out)
	after, _ := os.ReadFile(ck)
	if status != exitFail || !strings.Contains(stderr, "--resume") || !strings.Contains(stderr, "--overwrite") ||
		strings.Count(stderr, "\n") != 1 || string(before) != string(after) {
		t.Errorf("new run over a checkpoint: status %d, stderr %q, checkpoint kept %v", status, stderr, string(before) == string(after))
	}
	// A corrupted checkpoint is a one-line error naming the file.
	if err := os.WriteFile(ck, []byte("garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	status, _, stderr = runArgs("train", "--data", dir, "--out", out, "--resume")
	if status != exitFail || !strings.Contains(stderr, ck) || strings.Count(stderr, "\n") != 1 {
		t.Errorf("corrupted checkpoint: status %d, stderr %q", status, stderr)
	}
	// Divergence: exit status 1, the message, and the files.
	div := filepath.Join(dir, "div")
	status, _, stderr = runArgs("train", "--data", dir, "--lr", "1e6", "--out", div)
	if status != exitFail || !strings.Contains(stderr, "diverged") {
		t.Errorf("divergence: status %d, stderr %q", status, stderr)
	}
	for _, f := range []string{"loss.csv", "loss.png"} {
		if _, err := os.Stat(filepath.Join(div, f)); err != nil {
			t.Error(err)
		}
	}
}

func TestSweepCommand(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(dir, "sweep")
	status, stdout, stderr := runArgs("sweep", "--data", dir, "--epochs", "1", "--experiments", "adam-lr", "--out", out)
	if status != exitOK || stderr != "" {
		t.Fatalf("exit status %d, stderr %q", status, stderr)
	}
	if !strings.Contains(stdout, "lr-1e-05") {
		t.Errorf("output:\n%s", stdout)
	}
	if _, err := os.Stat(filepath.Join(out, "adam-lr.png")); err != nil {
		t.Error(err)
	}
}

// TestBenchTrainSmoke runs vecgrad bench train on a small MLP and checks its
// JSON: one row per batch and thread count, a positive throughput, a FLOP
// limit from the measured roof, and the phase profile.
func TestBenchTrainSmoke(t *testing.T) {
	status, stdout, stderr := runArgs("bench", "train", "--models", "784-32-10", "--batch-sizes", "4,8",
		"--threads", "1", "--reps", "1", "--mintime", "20ms", "--pytorch=false", "--json")
	if status != exitOK {
		t.Fatalf("exit status %d: %s", status, stderr)
	}
	var rep struct {
		RoofGFLOPS map[string]float64 `json:"fma_roof_gflops_by_threads"`
		Rows       []struct {
			Batch        int                `json:"batch"`
			Threads      int                `json:"threads"`
			Samples      float64            `json:"samples_per_second"`
			LimitSamples float64            `json:"flop_limit_samples_per_second"`
			Phases       map[string]float64 `json:"phase_seconds"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
		t.Fatalf("%v in %q", err, stdout)
	}
	if len(rep.Rows) != 2 || rep.RoofGFLOPS["1"] <= 0 {
		t.Fatalf("got %d rows and roof %v, want 2 rows and a positive roof: %s", len(rep.Rows), rep.RoofGFLOPS, stdout)
	}
	// 784*32 + 32*10 multiply-adds, 6 flops each but 4 for the first layer.
	flops := 4.0*784*32 + 6.0*32*10
	for _, r := range rep.Rows {
		want := rep.RoofGFLOPS["1"] * 1e9 / flops
		if r.Samples <= 0 || r.LimitSamples < want*0.999 || r.LimitSamples > want*1.001 || len(r.Phases) == 0 {
			t.Errorf("batch %d: samples/s %v, limit %v (want %v), phases %v", r.Batch, r.Samples, r.LimitSamples, want, r.Phases)
		}
	}
}

// TestBenchAllReduceSmoke times the in-process all-reduce on two sizes.
func TestBenchAllReduceSmoke(t *testing.T) {
	status, stdout, stderr := runArgs("bench", "allreduce", "--ranks", "3", "--sizes", "4KiB,64KiB", "--reps", "3", "--json")
	if status != exitOK {
		t.Fatalf("exit status %d: %s", status, stderr)
	}
	var out struct {
		Timings []struct {
			Bytes   int     `json:"bytes"`
			Seconds float64 `json:"seconds"`
		} `json:"timings"`
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil || len(out.Timings) != 2 ||
		out.Timings[0].Bytes != 4096 || out.Timings[1].Bytes != 65536 || !(out.Timings[1].Seconds > 0) {
		t.Fatalf("%v: %s", err, stdout)
	}
}

// TestBenchTrainPython checks how bench train finds and calls PyTorch: the
// Python in $PYTHON where it imports torch (else the next candidate), run
// at the thread counts of -threads, its JSON read back.
func TestBenchTrainPython(t *testing.T) {
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	fake := func(name, script string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// A Python that imports torch (any -c succeeds) and prints one
	// result for the widths it is given.
	torch := fake("torch", `[ "$1" = -c ] && exit 0
echo "$@" > `+args+`
echo '{"torch":"fake","executable":"fake","blas_threads":"n/a","widths":[784,32,10],"results":[{"batch":8,"threads":3,"samples_per_s":1234}]}'
`)
	noTorch := fake("notorch", "exit 1\n")

	t.Setenv("PYTHON", torch)
	if got := torchPython(); got != torch {
		t.Errorf("torchPython() with PYTHON importing torch = %q, want %q", got, torch)
	}
	t.Setenv("PYTHON", noTorch)
	if got := torchPython(); got == noTorch {
		t.Errorf("torchPython() = %q, a Python that cannot import torch", got)
	}

	t.Setenv("PYTHON", torch)
	t.Chdir("../..") // the repository root, where bench/pytorch is
	rep, note := runPyTorch([]trainModel{{name: "small", widths: []int{784, 32, 10}}}, []int{8}, []int{1, 3}, "sgd", true)
	if rep == nil {
		t.Fatalf("runPyTorch: %s", note)
	}
	if got := rep.best([]int{784, 32, 10}, 8, 3); got != 1234 {
		t.Errorf("PyTorch's samples/s at batch 8, 3 threads = %v, want 1234", got)
	}
	b, err := os.ReadFile(args)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "--threads 1,3") || !strings.Contains(string(b), "--batch-sizes 8") {
		t.Errorf("mlp_throughput.py called with %q, want --threads 1,3 and --batch-sizes 8", b)
	}
}
