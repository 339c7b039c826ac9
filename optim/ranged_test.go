package optim

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
	"github.com/vecgrad/vecgrad/tensor"
)

// TestStateRange: the state buffers a Ranged optimizer returns are live
// views of its state (StateDict sees what is written through them), one per
// buffer that exists: none for SGD without momentum or before the first
// step, the momentum buffer after it, Adam's m and v, and the amsgrad
// maximum with AMSGrad, appended to dst without allocating where it has
// room. A range beyond the parameter panics.
func TestStateRange(t *testing.T) {
	newParam := func() []*tensor.Tensor {
		p := tensor.New([]float32{1, 2, 3, 4, 5}, 5).SetRequiresGrad(true)
		return []*tensor.Tensor{p}
	}
	grad := []float32{0.5, -1, 2, 0.25, 1}
	plain, err := NewSGD(newParam(), SGDOptions{LR: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	momentum, err := NewSGD(newParam(), SGDOptions{LR: 0.1, Momentum: 0.9})
	if err != nil {
		t.Fatal(err)
	}
	opts := DefaultAdam()
	opts.AMSGrad = true
	ams, err := NewAdam(newParam(), opts)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		o      Ranged
		before int
		after  int
	}{{"SGD", plain, 0, 0}, {"SGD momentum", momentum, 0, 1}, {"Adam amsgrad", ams, 0, 3}} {
		if got := len(tc.o.StateRange(nil, 0, 1, 4)); got != tc.before {
			t.Errorf("%s before a step: %d state ranges, want %d", tc.name, got, tc.before)
		}
		tc.o.BeginStep()
		tc.o.StepRange(0, 0, 5, grad)
		views := tc.o.StateRange(nil, 0, 1, 4)
		if len(views) != tc.after {
			t.Fatalf("%s after a step: %d state ranges, want %d", tc.name, len(views), tc.after)
		}
		for _, v := range views {
			if len(v) != 3 {
				t.Fatalf("%s: a range of %d elements, want 3", tc.name, len(v))
			}
			v[0] = 42
		}
		if tc.after > 0 {
			st := tc.o.StateDict().State[0]
			for _, s := range st.Tensors() {
				if *s.T != nil && (*s.T).Storage()[1] != 42 {
					t.Errorf("%s: %s[1] = %v after writing 42 through StateRange", tc.name, s.Name, (*s.T).Storage()[1])
				}
			}
		}
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, "want 0 <= lo <= hi <= 5") {
					t.Errorf("%s: StateRange(nil, 0, 2, 6): panic %q", tc.name, msg)
				}
			}()
			tc.o.StateRange(nil, 0, 2, 6)
		}()
		// Appending to a dst with room keeps what it held and allocates
		// nothing.
		dst := make([][]float32, 1, 4)
		if n := testing.AllocsPerRun(10, func() { dst = tc.o.StateRange(dst[:1], 0, 1, 4) }); n != 0 || len(dst) != 1+tc.after {
			t.Errorf("%s: StateRange(dst of 1, ...): %v allocations, %d slices, want 0 and %d", tc.name, n, len(dst), 1+tc.after)
		}
	}
}

// TestKernelRange: the parameter's and momentum's elements and the
// hyper-parameters KernelRange returns, handed to kernels.SGDStepSerial,
// make the step StepRange makes, bit for bit, on the first step (the
// buffer created) and the next, with and without momentum; a range beyond
// the parameter, or a call before BeginStep, panics.
func TestKernelRange(t *testing.T) {
	for _, opts := range []SGDOptions{{LR: 0.1}, {LR: 0.1, Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}} {
		newOpt := func() *SGD {
			p := tensor.New([]float32{1, 2, 3, 4, 5}, 5).SetRequiresGrad(true)
			o, err := NewSGD([]*tensor.Tensor{p}, opts)
			if err != nil {
				t.Fatal(err)
			}
			return o
		}
		ranged, kernel := newOpt(), newOpt()
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, "KernelRange before BeginStep") {
					t.Errorf("KernelRange before BeginStep: panic %q", msg)
				}
			}()
			kernel.KernelRange(0, 0, 5)
		}()
		for step, grad := range [][]float32{{0.5, -1, 2, 0.25, 1}, {-0.75, 0.5, 1.5, -2, 0.125}} {
			ranged.BeginStep()
			ranged.StepRange(0, 0, 5, grad)
			kernel.BeginStep()
			p, buf, h := kernel.KernelRange(0, 0, 5)
			kernels.SGDStepSerial(p, grad, buf, h)
			want, got := ranged.Params()[0].Storage(), kernel.Params()[0].Storage()
			for i := range want {
				if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
					t.Fatalf("%+v step %d: p[%d] = %v through KernelRange, %v through StepRange", opts, step, i, got[i], want[i])
				}
			}
			bits := func(s [][]float32) (out []uint32) {
				for _, x := range slices.Concat(s...) {
					out = append(out, math.Float32bits(x))
				}
				return out
			}
			if wb, gb := ranged.StateRange(nil, 0, 0, 5), kernel.StateRange(nil, 0, 0, 5); len(wb) != len(gb) || !slices.Equal(bits(wb), bits(gb)) {
				t.Fatalf("%+v step %d: momentum %v through KernelRange, %v through StepRange", opts, step, gb, wb)
			}
		}
		func() {
			defer func() {
				if msg, _ := recover().(string); !strings.Contains(msg, "want 0 <= lo <= hi <= 5") {
					t.Errorf("KernelRange(0, 2, 6): panic %q", msg)
				}
			}()
			kernel.KernelRange(0, 2, 6)
		}()
	}
}
