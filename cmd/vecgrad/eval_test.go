package main

import (
	"encoding/binary"
	"fmt"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var testLineRE = regexp.MustCompile(`Accuracy: [0-9.]+%, Avg loss: +[0-9.]+`)

// trainOwn trains a small model on a CSV or NPY set written here and
// returns the data directory, the checkpoint and the last test line.
func trainOwn(t *testing.T, format string) (dir, ckpt, testLine string) {
	t.Helper()
	dir = t.TempDir()
	args := []string{"train", "--data-format", format, "--data", dir, "--epochs", "2", "--lr", "0.05", "--momentum", "0.9", "--batch-size", "7",
		"--hidden", "12", "--activation", "gelu", "--out", filepath.Join(dir, "out")}
	if format == "csv" {
		writeCSVSet(t, dir, 45)
		args = append(args, "--label-column", "species")
	} else {
		writeNPYSet(t, dir, 45)
	}
	status, stdout, stderr := runArgs(args...)
	if status != exitOK {
		t.Fatalf("train: status %d: %s", status, stderr)
	}
	lines := testLineRE.FindAllString(stdout, -1)
	return dir, filepath.Join(dir, "out", "checkpoint.safetensors"), lines[len(lines)-1]
}

// TestEvalCommand: eval reproduces the training run's last test line from
// the checkpoint alone, prints a confusion matrix whose rows count the test
// set's classes, and draws it.
func TestEvalCommand(t *testing.T) {
	for _, format := range []string{"csv", "npy"} {
		t.Run(format, func(t *testing.T) {
			dir, ckpt, want := trainOwn(t, format)
			status, stdout, stderr := runArgs("eval", "--checkpoint", ckpt, "--data", dir)
			if status != exitOK || stderr != "" {
				t.Fatalf("status %d, stderr %q", status, stderr)
			}
			if got := testLineRE.FindString(stdout); got != want {
				t.Errorf("eval says %q, training's last test line %q", got, want)
			}
			// The test split has 22 examples, classes i%3 of i = 1000*len(name)+0..21.
			rowSums := map[int]int{}
			for i := range 22 {
				_, k := ownExample(i + len(map[string]string{"csv": "test.csv", "npy": "test"}[format])*1000)
				rowSums[k]++
			}
			for k := range ownClasses {
				re := regexp.MustCompile(fmt.Sprintf(`(?m)^true +%d((?: +\d+){%d})$`, k, ownClasses))
				m := re.FindStringSubmatch(stdout)
				if m == nil {
					t.Fatalf("no confusion row for class %d:\n%s", k, stdout)
				}
				sum := 0
				for _, f := range strings.Fields(m[1]) {
					n, _ := strconv.Atoi(f)
					sum += n
				}
				if sum != rowSums[k] {
					t.Errorf("class %d: row sums to %d, the test set has %d", k, sum, rowSums[k])
				}
			}
			f, err := os.Open(filepath.Join(dir, "out", "confusion.png"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if img, err := png.Decode(f); err != nil || img.Bounds().Dx() < 100 {
				t.Errorf("confusion.png: %v", err)
			}
		})
	}
}

// TestPredictCommand: predict on the test features (without the label)
// gives one row per example, probabilities summing to 1, and classes whose
// accuracy against the known labels is eval's.
func TestPredictCommand(t *testing.T) {
	for _, format := range []string{"csv", "npy"} {
		t.Run(format, func(t *testing.T) {
			dir, ckpt, want := trainOwn(t, format)
			var input string
			var labels []int
			if format == "csv" {
				b, _ := os.ReadFile(filepath.Join(dir, "test.csv"))
				var out strings.Builder
				for i, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
					cells := strings.Split(line, ",")
					if i > 0 {
						k, _ := strconv.Atoi(cells[2])
						labels = append(labels, k)
					}
					out.WriteString(strings.Join(append(cells[:2:2], cells[3:]...), ",") + "\n")
				}
				input = filepath.Join(dir, "features.csv")
				if err := os.WriteFile(input, []byte(out.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				input = filepath.Join(dir, "test_x.npy")
				b, _ := os.ReadFile(filepath.Join(dir, "test_y.npy"))
				for i := len(b) - 22*8; i < len(b); i += 8 {
					labels = append(labels, int(binary.LittleEndian.Uint64(b[i:])))
				}
			}
			out := filepath.Join(dir, "preds.csv")
			status, _, stderr := runArgs("predict", "--checkpoint", ckpt, "--input", input, "--out", out)
			if status != exitOK || stderr != "" {
				t.Fatalf("status %d, stderr %q", status, stderr)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			rows := strings.Split(strings.TrimSpace(string(b)), "\n")
			if rows[0] != "class,prob_0,prob_1,prob_2" || len(rows) != 23 {
				t.Fatalf("header %q, %d rows", rows[0], len(rows))
			}
			correct := 0
			for i, r := range rows[1:] {
				f := strings.Split(r, ",")
				k, _ := strconv.Atoi(f[0])
				sum, best := 0.0, 0
				for j, s := range f[1:] {
					p, err := strconv.ParseFloat(s, 64)
					if err != nil || p < 0 || p > 1 {
						t.Fatalf("row %d: %q", i, r)
					}
					sum += p
					if p > func() float64 { v, _ := strconv.ParseFloat(f[1+best], 64); return v }() {
						best = j
					}
				}
				if math.Abs(sum-1) > 3*1.2e-7*3 || k != best {
					t.Errorf("row %d %q: probabilities sum to %v, class %d (most probable %d)", i, r, sum, k, best)
				}
				if k == labels[i] {
					correct++
				}
			}
			if got := fmt.Sprintf("Accuracy: %.1f%%", 100*float64(correct)/22); !strings.HasPrefix(want, got) {
				t.Errorf("predictions give %s, training's test line %s", got, want)
			}
		})
	}
}

// TestEvalPredictErrors: bad flags and files are one-line errors naming
// them, and nothing is written.
func TestEvalPredictErrors(t *testing.T) {
	dir, ckpt, _ := trainOwn(t, "csv")
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	garbage := write("garbage.safetensors", "garbage")
	withLabel := write("withlabel.csv", "f0,f1,species,f2,f3,f4,f5\n1,2,0,3,4,5,6\n")
	reordered := write("reordered.csv", "f1,f0,f2,f3,f4,f5\n1,2,3,4,5,6\n")
	short := write("short.csv", "f0,f1,f2\n1,2,3\n")
	txt := write("x.txt", "1,2\n")
	npy := filepath.Join(dir, "x.npy")
	if err := os.WriteFile(npy, npyFile("<f4", "(1, 6)", make([]byte, 24)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "preds.csv")
	for _, tc := range []struct {
		args   []string
		status int
		want   []string
	}{
		{[]string{"eval", "--data", dir}, exitUsage, []string{"-checkpoint is required"}},
		{[]string{"eval", "--checkpoint", ckpt}, exitUsage, []string{"-data is required"}},
		{[]string{"eval", "--checkpoint", ckpt, "--data", dir, "--split", "val"}, exitUsage, []string{`-split "val"`, "test or train"}},
		{[]string{"eval", "--checkpoint", ckpt, "--data", filepath.Join(dir, "nope")}, exitUsage, []string{"no such directory"}},
		{[]string{"eval", "--checkpoint", garbage, "--data", dir}, exitFail, []string{garbage}},
		{[]string{"eval", "--checkpoint", filepath.Join(dir, "none.safetensors"), "--data", dir}, exitFail, []string{"none.safetensors"}},
		{[]string{"eval", "--checkpoint", ckpt, "--data", t.TempDir()}, exitFail, []string{"no train.csv in it", "holds train.csv, test.csv"}},
		{[]string{"predict", "--checkpoint", ckpt}, exitUsage, []string{"-input is required"}},
		{[]string{"predict", "--input", short}, exitUsage, []string{"-checkpoint is required"}},
		{[]string{"predict", "--checkpoint", ckpt, "--input", short, "--out", short}, exitUsage, []string{"is an input file"}},
		{[]string{"predict", "--checkpoint", ckpt, "--input", withLabel, "--out", out}, exitFail, []string{"withlabel.csv", `label column "species"`, "features alone"}},
		{[]string{"predict", "--checkpoint", ckpt, "--input", reordered, "--out", out}, exitFail, []string{"reordered.csv", `"f1" "f0"`, "in that order"}},
		{[]string{"predict", "--checkpoint", ckpt, "--input", short, "--out", out}, exitFail, []string{"short.csv", "3 features per example, but the model takes 6"}},
		{[]string{"predict", "--checkpoint", ckpt, "--input", txt, "--out", out}, exitFail, []string{"x.txt", "not a .csv or .npy"}},
		{[]string{"predict", "--checkpoint", ckpt, "--input", npy, "--out", out}, exitFail, []string{"x.npy", "trained on csv data"}},
		{[]string{"predict", "--checkpoint", garbage, "--input", short, "--out", out}, exitFail, []string{garbage}},
	} {
		status, stdout, stderr := runArgs(tc.args...)
		checkOneLine(t, tc.args, tc.status, status, stdout, stderr, tc.want)
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%q: wrote %s", tc.args, out)
		}
	}
}

// TestEvalIDX evaluates a tutorial-format checkpoint on its IDX data.
func TestEvalIDX(t *testing.T) {
	dir := t.TempDir()
	writeTiny(t, dir)
	out := filepath.Join(dir, "out")
	status, stdout, stderr := runArgs("train", "--data", dir, "--epochs", "1", "--lr", "0.05", "--hidden", "16", "--out", out)
	if status != exitOK {
		t.Fatalf("train: %d %s", status, stderr)
	}
	want := testLineRE.FindString(stdout)
	png := filepath.Join(dir, "cm.png")
	status, stdout, stderr = runArgs("eval", "--checkpoint", filepath.Join(out, "checkpoint.safetensors"), "--data", dir, "--png", png)
	if status != exitOK || testLineRE.FindString(stdout) != want || !strings.Contains(stdout, "784-16-10 relu") {
		t.Errorf("status %d, stderr %q, want %q in:\n%s", status, stderr, want, stdout)
	}
	if _, err := os.Stat(png); err != nil {
		t.Error(err)
	}
}
