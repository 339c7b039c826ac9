package main

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/train/data"
)

// Own data sets for the end-to-end tests: three classes, each example's
// class k marked by a large value of feature 2k, on small deterministic
// noise, so that a few epochs learn it.

const ownClasses = 3

func ownExample(i int) (x [6]float32, k int) {
	k = i % ownClasses
	for j := range x {
		x[j] = float32((i*7+j*3)%11) / 11
	}
	x[2*k] += 5
	return x, k
}

// writeCSVSet writes train.csv (n rows) and test.csv (n/2 rows) with the
// label column "species" third among f0..f5.
func writeCSVSet(t *testing.T, dir string, n int) {
	t.Helper()
	for _, s := range []struct {
		name string
		n    int
	}{{"train.csv", n}, {"test.csv", n / 2}} {
		var b strings.Builder
		b.WriteString("f0,f1,species,f2,f3,f4,f5\n")
		for i := range s.n {
			x, k := ownExample(i + len(s.name)*1000)
			fmt.Fprintf(&b, "%v,%v,%d,%v,%v,%v,%v\n", x[0], x[1], k, x[2], x[3], x[4], x[5])
		}
		if err := os.WriteFile(filepath.Join(dir, s.name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// npyFile is an .npy file as numpy.save writes it (version 1.0).
func npyFile(descr, shape string, data []byte) []byte {
	h := "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }"
	h += strings.Repeat(" ", (64-(10+len(h)+1)%64)%64) + "\n"
	b := binary.LittleEndian.AppendUint16([]byte("\x93NUMPY\x01\x00"), uint16(len(h)))
	return append(append(b, h...), data...)
}

// writeNPYSet writes the same problem as NPY: x float32 [N, 2, 3], y int64.
func writeNPYSet(t *testing.T, dir string, n int) {
	t.Helper()
	for _, s := range []struct {
		prefix string
		n      int
	}{{"train", n}, {"test", n / 2}} {
		var xb, yb []byte
		for i := range s.n {
			x, k := ownExample(i + len(s.prefix)*1000)
			for _, v := range x {
				xb = binary.LittleEndian.AppendUint32(xb, math.Float32bits(v))
			}
			yb = binary.LittleEndian.AppendUint64(yb, uint64(k))
		}
		for name, b := range map[string][]byte{
			s.prefix + "_x.npy": npyFile("<f4", fmt.Sprintf("(%d, 2, 3)", s.n), xb),
			s.prefix + "_y.npy": npyFile("<i8", fmt.Sprintf("(%d,)", s.n), yb),
		} {
			if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

type ownSummary struct {
	TestAccuracy float64 `json:"test_accuracy"`
	Config       struct {
		Dataset     string `json:"dataset"`
		Inputs      int    `json:"inputs"`
		Classes     int    `json:"classes"`
		DataFormat  string `json:"data_format"`
		LabelColumn string `json:"label_column"`
		Input       struct {
			Columns []string  `json:"columns"`
			Shape   []int     `json:"shape"`
			Mean    []float32 `json:"mean"`
		} `json:"input"`
	} `json:"config"`
}

func readOwnSummary(t *testing.T, path string) ownSummary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s ownSummary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTrainOwnData trains on CSV and NPY sets written here: the model's
// widths follow the data, the standardisation and columns are recorded,
// the separable problem is learnt, and a resume continues.
func TestTrainOwnData(t *testing.T) {
	dir := t.TempDir()
	csvDir, npyDir := filepath.Join(dir, "csv"), filepath.Join(dir, "npy")
	for _, d := range []string{csvDir, npyDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeCSVSet(t, csvDir, 60)
	writeNPYSet(t, npyDir, 60)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"csv", []string{"--data-format", "csv", "--data", csvDir, "--label-column", "species"}},
		{"csv-index", []string{"--data-format", "csv", "--data", csvDir, "--label-column", "2"}},
		{"npy", []string{"--data-format", "npy", "--data", npyDir}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(dir, "out-"+tc.name)
			sum := filepath.Join(dir, tc.name+".json")
			args := append([]string{"train", "--epochs", "4", "--lr", "0.05", "--momentum", "0.9", "--batch-size", "8", "--hidden", "16",
				"--out", out, "--summary-json", sum, "--threads", "1"}, tc.args...)
			status, stdout, stderr := runArgs(args...)
			if status != exitOK || stderr != "" {
				t.Fatalf("exit status %d, stderr %q\n%s", status, stderr, stdout)
			}
			s := readOwnSummary(t, sum)
			c := s.Config
			if c.Dataset != "custom" || c.Inputs != 6 || c.Classes != ownClasses || c.DataFormat != tc.args[1] || len(c.Input.Mean) != 6 {
				t.Errorf("config %+v", c)
			}
			if tc.name == "npy" && fmt.Sprint(c.Input.Shape) != "[2 3]" || tc.name != "npy" && strings.Join(c.Input.Columns, ",") != "f0,f1,f2,f3,f4,f5" {
				t.Errorf("input spec %+v", c.Input)
			}
			if s.TestAccuracy < 0.9 {
				t.Errorf("test accuracy %v on a separable problem, want >= 0.9", s.TestAccuracy)
			}
			status, stdout, stderr = runArgs(append([]string{"train", "--epochs", "5", "--out", out, "--resume", "--threads", "1"}, tc.args[:4]...)...)
			if status != exitOK || !strings.Contains(stdout, "Epoch 5\n") {
				t.Errorf("resume: status %d, stderr %q\n%s", status, stderr, stdout)
			}
		})
	}
}

// TestTrainIDXAnySize trains on a 16x16 IDX set of 4 classes (refused
// before: MNIST's 28x28 only).
func TestTrainIDXAnySize(t *testing.T) {
	dir := t.TempDir()
	const n, side = 40, 16
	img := &data.IDX{Dims: []int{n, side, side}, Data: make([]byte, n*side*side)}
	lab := &data.IDX{Dims: []int{n}, Data: make([]byte, n)}
	for i := range n {
		k := i % 4
		lab.Data[i] = byte(k)
		for p := k * 60; p < k*60+50; p++ {
			img.Data[i*side*side+p] = 255
		}
	}
	for _, tr := range []bool{true, false} {
		if err := data.WriteMNIST(dir, tr, img, lab, false); err != nil {
			t.Fatal(err)
		}
	}
	sum := filepath.Join(dir, "s.json")
	status, _, stderr := runArgs("train", "--data", dir, "--epochs", "2", "--lr", "0.05", "--out", filepath.Join(dir, "out"), "--summary-json", sum, "--hidden", "8")
	if status != exitOK {
		t.Fatalf("exit status %d: %s", status, stderr)
	}
	if c := readOwnSummary(t, sum).Config; c.Inputs != side*side || c.Classes != 4 || c.DataFormat != "" {
		t.Errorf("config %+v", c)
	}
}

// TestOwnDataErrors: bad flags and files are one-line errors naming the
// flag or file and what is accepted, and leave no output directory.
func TestOwnDataErrors(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	npyDir := filepath.Join(dir, "npy")
	for _, d := range []string{good, npyDir} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeCSVSet(t, good, 30)
	writeNPYSet(t, npyDir, 30)
	bad := func(name, train, test string) string {
		d := filepath.Join(dir, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for f, s := range map[string]string{"train.csv": train, "test.csv": test} {
			if s != "" {
				if err := os.WriteFile(filepath.Join(d, f), []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		return d
	}
	badNPY := func(name, file string, b []byte) string {
		d := filepath.Join(dir, name)
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, f := range []string{"train_x.npy", "train_y.npy", "test_x.npy", "test_y.npy"} {
			src, _ := os.ReadFile(filepath.Join(npyDir, f))
			if f == file {
				src = b
			}
			if err := os.WriteFile(filepath.Join(d, f), src, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return d
	}
	okTrain := "a,label,b\n1,0,2\n3,1,4\n"
	for _, tc := range []struct {
		args   []string
		status int
		want   []string
	}{
		{[]string{"--data-format", "parquet", "--data", good}, exitUsage, []string{`-data-format "parquet"`, "idx, csv, npy"}},
		{[]string{"--data-format", "csv"}, exitUsage, []string{"-data-format csv needs -data DIR", "train.csv and test.csv"}},
		{[]string{"--data-format", "csv", "--data", filepath.Join(dir, "nope")}, exitUsage, []string{"no such directory", "train.csv and test.csv"}},
		{[]string{"--label-column", "y", "--data", good}, exitUsage, []string{"-label-column is for -data-format csv"}},
		{[]string{"--data-format", "npy", "--label-column", "y", "--data", npyDir}, exitUsage, []string{"-label-column is for -data-format csv"}},
		{[]string{"--data-format", "csv", "--dataset", "mnist", "--data", good}, exitUsage, []string{"-dataset names the IDX sets"}},
		{[]string{"--data-format", "csv", "--data", good}, exitFail, []string{"train.csv", `no column named "label"`}},
		{[]string{"--data-format", "csv", "--data", good, "--label-column", "9"}, exitFail, []string{"train.csv", "index 9 is out of range"}},
		{[]string{"--data-format", "csv", "--data", bad("notest", okTrain, "")}, exitFail, []string{"no test.csv in it", "holds train.csv, test.csv"}},
		{[]string{"--data-format", "csv", "--data", bad("cols", okTrain, "b,label,a\n1,0,2\n")}, exitFail, []string{"test.csv", `["b" "a"] differ`, `["a" "b"]`}},
		{[]string{"--data-format", "csv", "--data", bad("frac", "a,label\n1,0.5\n2,1\n", "a,label\n1,0\n")}, exitFail, []string{"train.csv", "label 0.5", "whole numbers"}},
		{[]string{"--data-format", "csv", "--data", bad("neg", "a,label\n1,-1\n2,1\n", "a,label\n1,0\n")}, exitFail, []string{"train.csv", "label -1"}},
		{[]string{"--data-format", "csv", "--data", bad("nan", "a,label\nnan,1\n2,1\n", "a,label\n1,0\n")}, exitFail, []string{"train.csv", "not a finite number"}},
		{[]string{"--data-format", "npy", "--data", badNPY("yshape", "train_y.npy", npyFile("<i8", "(2, 2)", make([]byte, 32)))}, exitFail, []string{"train_y.npy", "accepted: [30]"}},
		{[]string{"--data-format", "npy", "--data", badNPY("x1d", "test_x.npy", npyFile("<f4", "(15,)", make([]byte, 60)))}, exitFail, []string{"test_x.npy", "accepted: [N, ...]"}},
		{[]string{"--data-format", "npy", "--data", badNPY("xshape", "test_x.npy", npyFile("<f4", "(15, 6)", make([]byte, 360)))}, exitFail, []string{"test_x.npy", "of shape [6] differ", "of shape [2 3]"}},
		{[]string{"--data-format", "npy", "--data", badNPY("trunc", "train_x.npy", npyFile("<f4", "(30, 2, 3)", make([]byte, 10)))}, exitFail, []string{"train_x.npy", "unexpected end"}},
	} {
		out := filepath.Join(dir, "out")
		status, stdout, stderr := runArgs(append([]string{"train", "--out", out, "--epochs", "1"}, tc.args...)...)
		checkOneLine(t, tc.args, tc.status, status, stdout, stderr, tc.want)
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%q: the output directory was created", tc.args)
		}
	}
}

// checkOneLine checks that a command failed with the wanted status and a
// one-line error on stderr mentioning every string of want, writing
// nothing on stdout.
func checkOneLine(t *testing.T, args []string, wantStatus, status int, stdout, stderr string, want []string) {
	t.Helper()
	if status != wantStatus || stdout != "" || strings.Count(stderr, "\n") != 1 {
		t.Errorf("%q: status %d (want %d), stdout %q, stderr %q", args, status, wantStatus, stdout, stderr)
	}
	for _, w := range want {
		if !strings.Contains(stderr, w) {
			t.Errorf("%q: error %q does not mention %q", args, stderr, w)
		}
	}
}
