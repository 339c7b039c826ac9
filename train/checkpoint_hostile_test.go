package train

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/train/safetensors"
)

// hostileSetup trains cfg for one epoch into a new directory and returns
// the data, the directory and the checkpoint's bytes.
func hostileSetup(t *testing.T, cfg Config) (Data, string, []byte) {
	t.Helper()
	dir := t.TempDir()
	sets := synthetic(t, dir, 32, 16)
	cfg.Epochs = 1
	out := filepath.Join(dir, "out")
	if _, err := Run(context.Background(), cfg, sets, Options{OutDir: out, LogEvery: 1}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(out, CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	return sets, dir, b
}

// edited returns the checkpoint b changed by edit, written back with fresh
// checksums, so that only the semantic checks can catch the change.
func edited(t *testing.T, b []byte, edit func(f *safetensors.File)) []byte {
	t.Helper()
	f, err := safetensors.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	f.SetChecksums()
	var buf bytes.Buffer
	if err := safetensors.Encode(&buf, f); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// resumeFrom resumes cfg (two epochs) from a directory holding checkpoint
// b (unless nil: the file is in place) and returns the error and what Run printed.
func resumeFrom(t *testing.T, dir, name string, sets Data, cfg Config, b []byte) (string, error) {
	t.Helper()
	out := filepath.Join(dir, name)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if b != nil {
		if err := os.WriteFile(filepath.Join(out, CheckpointFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg.Epochs = 2
	var log bytes.Buffer
	_, err := Run(context.Background(), cfg, sets, Options{OutDir: out, Resume: true, Log: &log})
	return log.String(), err
}

func setMeta(key, value string) func(*safetensors.File) {
	return func(f *safetensors.File) { f.Metadata[key] = value }
}

func editMetaJSON(t *testing.T, key string, edit func(v any) any) func(*safetensors.File) {
	return func(f *safetensors.File) {
		var v any
		if err := json.Unmarshal([]byte(f.Metadata[key]), &v); err != nil {
			t.Fatal(err)
		}
		b, err := json.Marshal(edit(v))
		if err != nil {
			t.Fatal(err)
		}
		f.Metadata[key] = string(b)
	}
}

// group0 edits the first param group's key.
func group0(t *testing.T, key string, value any) func(*safetensors.File) {
	return editMetaJSON(t, "optimizer.param_groups", func(v any) any {
		v.([]any)[0].(map[string]any)[key] = value
		return v
	})
}

func setElem(name string, i int, v float32) func(*safetensors.File) {
	return func(f *safetensors.File) {
		t, _ := f.Get(name)
		t.Data[i] = v
	}
}

// Every inconsistency or impossible value is refused at load, before any
// training, with a message naming what is wrong (items 2 and 3 of issue
// 22: each of these used to resume, silently or to fail much later).
func TestCheckpointContradictions(t *testing.T) {
	adam := tinyConfig()
	adam.Optimizer, adam.LR, adam.Momentum = "adam", 1e-3, 0
	for _, c := range []struct {
		cfg  Config
		name string
		edit func(f *safetensors.File)
		want string
	}{
		{tinyConfig(), "lr", nil, `group 0 has "lr" 0.5, but its "config" gives 0.05`},
		{tinyConfig(), "momentum", nil, `group 0 has "momentum" 0, but its "config" gives 0.9`},
		{adam, "amsgrad", nil, `group 0 has "amsgrad" true, but its "config" gives false`},
		{adam, "one beta", nil, `"betas" is [0.9]; want two coefficients`},
		{adam, "eps", nil, `group 0 has "eps" 0.1, but its "config" gives 1e-8`},
		{tinyConfig(), "optimizer", setMeta("optimizer", "Adam"), `metadata "optimizer" is "Adam", but "config" says sgd`},
		{tinyConfig(), "unknown group key", nil, `unknown key "Foo"`},
		{tinyConfig(), "repeated key", func(f *safetensors.File) {
			f.Metadata["optimizer.param_groups"] = strings.Replace(f.Metadata["optimizer.param_groups"], `"lr":`, `"lr":0.5,"lr":`, 1)
		}, `key "lr" appears twice`},
		{tinyConfig(), "missing momentum buffer", func(f *safetensors.File) {
			f.Tensors = removeTensor(f.Tensors, "optimizer.state.5.momentum_buffer")
		}, `tensor "optimizer.state.5.momentum_buffer" is missing`},
		{adam, "missing exp_avg_sq", func(f *safetensors.File) {
			f.Tensors = removeTensor(f.Tensors, "optimizer.state.2.exp_avg_sq")
		}, `tensor "optimizer.state.2.exp_avg_sq" is missing`},
		{adam, "max_exp_avg_sq without amsgrad", func(f *safetensors.File) {
			t, _ := f.Get("optimizer.state.0.exp_avg_sq")
			f.Tensors = append(f.Tensors, safetensors.Tensor{Name: "optimizer.state.0.max_exp_avg_sq", Shape: t.Shape, Data: t.Data})
		}, `"optimizer.state.0.max_exp_avg_sq" is there, but a Adam run with these settings keeps only exp_avg, exp_avg_sq, step`},
		{adam, "step count", setElem("optimizer.state.3.step", 0, 1), `tensor "optimizer.state.3.step" holds 1, but metadata "step" is 2`},
		{tinyConfig(), "NaN weight", setElem("2.weight", 7, float32(math.NaN())), `tensor "2.weight" holds NaN at element 7; weights and optimizer state must be finite`},
		{tinyConfig(), "Inf momentum", setElem("optimizer.state.1.momentum_buffer", 0, float32(math.Inf(-1))), `holds -Inf at element 0`},
		{adam, "negative exp_avg_sq", setElem("optimizer.state.4.exp_avg_sq", 3, -1e-9), `tensor "optimizer.state.4.exp_avg_sq" holds -1e-09 at element 3; a mean of squared gradients must be >= 0`},
		{tinyConfig(), "negative samples", setMeta("samples", "-32"), `metadata "samples" is "-32", want a count >= 0`},
		{tinyConfig(), "fewer samples", setMeta("samples", "31"), `metadata "samples" is 31, but 1 epochs over the 32 training examples are 32 samples`},
		{tinyConfig(), "more steps", setMeta("step", "3"), `metadata "step" is 3, but 1 epochs of 2 batches are 2 steps`},
		{tinyConfig(), "decreasing loss log", editMetaJSON(t, "loss_log", func(v any) any {
			s := v.(map[string]any)["samples"].([]any)
			s[0], s[1] = s[1], s[0]
			return v
		}), `the loss log's sample count 1 is 16, want more than the previous (32)`},
		{tinyConfig(), "loss log past samples", editMetaJSON(t, "loss_log", func(v any) any {
			v.(map[string]any)["samples"].([]any)[1] = 33
			return v
		}), `sample count 1 is 33, want more than the previous (16) and at most metadata "samples" (32)`},
		{tinyConfig(), "accuracy", editMetaJSON(t, "test_results", func(v any) any {
			v.([]any)[0].(map[string]any)["accuracy"] = 1.5
			return v
		}), `epoch 1's accuracy is 1.5, want a fraction in [0, 1]`},
	} {
		t.Run(c.name, func(t *testing.T) {
			sets, dir, b := hostileSetup(t, c.cfg)
			edit := c.edit
			if edit == nil {
				edit = map[string]func(*safetensors.File){
					"lr":                group0(t, "lr", 0.5),
					"momentum":          group0(t, "momentum", 0),
					"amsgrad":           group0(t, "amsgrad", true),
					"one beta":          group0(t, "betas", []float64{0.9}),
					"eps":               group0(t, "eps", 0.1),
					"unknown group key": group0(t, "Foo", 1),
				}[c.name]
			}
			log, err := resumeFrom(t, dir, "edited", sets, c.cfg, edited(t, b, edit))
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), CheckpointFile) {
				t.Fatalf("error %v, want one naming the file and saying %q", err, c.want)
			}
			if strings.Contains(log, "Epoch") {
				t.Errorf("it trained before refusing:\n%s", log)
			}
		})
	}
}

func removeTensor(ts []safetensors.Tensor, name string) []safetensors.Tensor {
	var out []safetensors.Tensor
	for _, t := range ts {
		if t.Name != name {
			out = append(out, t)
		}
	}
	return out
}

// Corruption that keeps the file valid safetensors is caught by the
// checksums (item 4); a checkpoint written before them still loads, with a
// note, and resumes as before.
func TestCheckpointIntegrity(t *testing.T) {
	cfg := tinyConfig()
	sets, dir, b := hostileSetup(t, cfg)
	f, err := safetensors.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if !f.HasChecksums() {
		t.Fatal("the checkpoint records no checksums")
	}
	// 0.weight and its momentum buffer have the same shape: exchanging
	// their data_offsets gives a valid file with the data swapped.
	hdr := string(b[8 : 8+binary.LittleEndian.Uint64(b)])
	offs := func(name string) string {
		m := regexp.MustCompile(`"` + regexp.QuoteMeta(name) + `":\{"dtype":"F32","shape":\[[0-9,]*\],("data_offsets":\[[0-9]+,[0-9]+\])`).FindStringSubmatch(hdr)
		if m == nil {
			t.Fatalf("no entry for %q in the header", name)
		}
		return m[1]
	}
	wOffs, mOffs := offs("0.weight"), offs("optimizer.state.0.momentum_buffer")
	swapped := bytes.Replace(b, []byte(wOffs), []byte("@"), 1)
	swapped = bytes.Replace(swapped, []byte(mOffs), []byte(wOffs), 1)
	swapped = bytes.Replace(swapped, []byte("@"), []byte(mOffs), 1)
	if len(swapped) != len(b) || bytes.Equal(swapped, b) {
		t.Fatal("the swap changed the length or nothing")
	}
	flipped := append([]byte(nil), b...)
	flipped[len(flipped)-5] ^= 0x10

	for name, bad := range map[string][]byte{"swapped": swapped, "flipped": flipped} {
		if _, err := resumeFrom(t, dir, name, sets, cfg, bad); err == nil || !strings.Contains(err.Error(), "CRC-32C") {
			t.Errorf("%s: error %v, want a checksum mismatch", name, err)
		}
	}

	// Without checksums, as every checkpoint before them.
	for k := range f.Metadata {
		if strings.HasPrefix(k, safetensors.ChecksumPrefix) {
			delete(f.Metadata, k)
		}
	}
	var old bytes.Buffer
	if err := safetensors.Encode(&old, f); err != nil {
		t.Fatal(err)
	}
	log, err := resumeFrom(t, dir, "old", sets, cfg, old.Bytes())
	if err != nil || !strings.Contains(log, "records no checksums") {
		t.Fatalf("checkpoint without checksums: %v; log:\n%s", err, log)
	}
	// and the resumed run's checkpoint has them again.
	g, err := safetensors.ReadFile(filepath.Join(dir, "old", CheckpointFile))
	if err != nil || !g.HasChecksums() {
		t.Errorf("the resumed run's checkpoint: %v, checksums %v", err, err == nil && g.HasChecksums())
	}
}

// A checkpoint extended to 64 GiB, or that is a device, is refused after
// reading its header, quickly and without allocating the claimed size
// (item 1).
func TestCheckpointUnbounded(t *testing.T) {
	cfg := tinyConfig()
	sets, dir, b := hostileSetup(t, cfg)
	out := filepath.Join(dir, "huge")
	path := filepath.Join(out, CheckpointFile)
	if err := os.MkdirAll(out, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, 64<<30); err != nil {
		t.Skipf("no sparse files: %v", err)
	}
	start := time.Now()
	_, err := ReadCheckpointConfig(path)
	mustSay(t, err, "bytes after the end of the last tensor")
	_, err = resumeFrom(t, dir, "huge", sets, cfg, nil)
	mustSay(t, err, "bytes after the end of the last tensor")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("refusing took %v", d)
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		if err := os.Remove(path); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/dev/zero", path); err != nil {
			t.Skip(err)
		}
		_, err = resumeFrom(t, dir, "huge", sets, cfg, nil)
		mustSay(t, err, "is a character device")
	}
}

func mustSay(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want one saying %q", err, want)
	}
}
