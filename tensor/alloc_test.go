package tensor

import (
	"math"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
)

// mlp is the 2-layer perceptron of the memory requirement: 784 -> 128 -> 10
// with relu, a log-softmax cross-entropy loss on one-hot targets.
type mlp struct {
	w1, b1, w2, b2 *Tensor
	x, onehot      []float32
	batch          int
	ar             *Arena
}

func newMLP(batch int) *mlp {
	g := NewGenerator(7)
	m := &mlp{
		w1:    Uniform(g, -1/28.0, 1/28.0, 784, 128).SetRequiresGrad(true),
		b1:    Uniform(g, -1/28.0, 1/28.0, 128).SetRequiresGrad(true),
		w2:    Uniform(g, -1/math.Sqrt2/8, 1/math.Sqrt2/8, 128, 10).SetRequiresGrad(true),
		b2:    Uniform(g, -1/math.Sqrt2/8, 1/math.Sqrt2/8, 10).SetRequiresGrad(true),
		x:     Rand(g, batch, 784).Data(),
		batch: batch,
		ar:    NewArena(),
	}
	m.onehot = make([]float32, batch*10)
	for i := 0; i < batch; i++ {
		m.onehot[i*10+int(g.Uint32()%10)] = 1
	}
	return m
}

func (m *mlp) params() []*Tensor { return []*Tensor{m.w1, m.b1, m.w2, m.b2} }

// step runs one forward and backward pass and returns the loss.
func (m *mlp) step() float32 {
	m.ar.Reset()
	ZeroGrad(m.w1, m.b1, m.w2, m.b2)
	x := m.ar.New(m.x, m.batch, 784)
	y := m.ar.New(m.onehot, m.batch, 10)
	h := x.Matmul(m.w1).Add(m.b1).Relu()
	z := h.Matmul(m.w2).Add(m.b2)
	loss := z.LogSoftmax(1).Mul(y).Sum().MulScalar(-1 / float32(m.batch))
	loss.Backward()
	return loss.Item()
}

func TestMLPStepAllocatesNothing(t *testing.T) {
	m := newMLP(64)
	first := m.step()
	allocs := testing.AllocsPerRun(5, func() {
		if l := m.step(); l != first {
			t.Fatalf("loss changed between identical steps: %v then %v", first, l)
		}
	})
	if allocs != 0 {
		t.Errorf("a steady-state MLP step allocates %v times, want 0", allocs)
	}
	for _, p := range m.params() {
		if p.Grad() == nil {
			t.Fatalf("parameter of shape %v has no gradient", p.Shape())
		}
	}
}

// TestMLPStepMatchesHeap checks that the arena changes nothing but where
// memory comes from: the same step without an arena gives bitwise the same
// loss and gradients.
func TestMLPStepMatchesHeap(t *testing.T) {
	m := newMLP(16)
	loss := m.step()
	var grads [][]float32
	for _, p := range m.params() {
		grads = append(grads, p.Grad().Data())
	}
	ZeroGrad(m.params()...)
	x := New(m.x, m.batch, 784)
	y := New(m.onehot, m.batch, 10)
	h := x.Matmul(m.w1).Add(m.b1).Relu()
	l := h.Matmul(m.w2).Add(m.b2).LogSoftmax(1).Mul(y).Sum().MulScalar(-1 / float32(m.batch))
	l.Backward()
	if l.Item() != loss {
		t.Fatalf("heap loss %v, arena loss %v", l.Item(), loss)
	}
	for i, p := range m.params() {
		got := p.Grad().Data()
		for j := range got {
			if got[j] != grads[i][j] {
				t.Fatalf("param %d grad %d: heap %v, arena %v", i, j, got[j], grads[i][j])
			}
		}
	}
}

// TestMLPStepThreadIndependent: the step's results do not depend on the
// kernels' thread count (they split work, never sums).
func TestMLPStepThreadIndependent(t *testing.T) {
	defer kernels.SetThreads(0)
	var losses []float32
	var grads [][]float32
	for _, n := range []int{1, 2, 3} {
		kernels.SetThreads(n)
		m := newMLP(64)
		losses = append(losses, m.step())
		grads = append(grads, m.w1.Grad().Data())
	}
	for i := 1; i < len(losses); i++ {
		if losses[i] != losses[0] {
			t.Fatalf("loss with %d threads %v, with 1 thread %v", i+1, losses[i], losses[0])
		}
		for j := range grads[0] {
			if grads[i][j] != grads[0][j] {
				t.Fatalf("w1 grad %d differs between thread counts", j)
			}
		}
	}
}

func TestGradAccumulatesAndZeroGrad(t *testing.T) {
	w := New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	x := New([]float32{4, 5, 6}, 3)
	for range 2 {
		w.Mul(x).Sum().Backward()
	}
	if got := w.Grad().Data(); got[0] != 8 || got[1] != 10 || got[2] != 12 {
		t.Fatalf("accumulated grad %v, want [8 10 12]", got)
	}
	w.ZeroGrad()
	if w.Grad() != nil {
		t.Fatal("Grad after ZeroGrad is not nil")
	}
	w.Mul(x).Sum().Backward()
	if got := w.Grad().Data(); got[0] != 4 {
		t.Fatalf("grad after ZeroGrad %v, want [4 5 6]", got)
	}
	// Backward twice through the same graph accumulates too; the non-leaf
	// gradients restart each time.
	w.ZeroGrad()
	s := w.Mul(x)
	l := s.Sum()
	l.Backward()
	l.Backward()
	if got := w.Grad().Data(); got[0] != 8 {
		t.Fatalf("grad after two Backward calls %v, want [8 10 12]", got)
	}
	if got := s.Grad().Data(); got[0] != 1 {
		t.Fatalf("non-leaf grad %v, want ones", got)
	}
}

func TestNoGradAndDetach(t *testing.T) {
	w := New([]float32{1, 2}, 2).SetRequiresGrad(true)
	var y *Tensor
	NoGrad(func() { y = w.MulScalar(2) })
	if y.RequiresGrad() || !GradEnabled() {
		t.Fatal("NoGrad recorded an operation or did not restore grad mode")
	}
	if d := w.Detach(); d.RequiresGrad() || &d.Storage()[0] != &w.Storage()[0] {
		t.Fatal("Detach must share storage and not require grad")
	}
	prev := SetGradEnabled(false)
	if w.Exp().RequiresGrad() {
		t.Fatal("SetGradEnabled(false) did not stop recording")
	}
	SetGradEnabled(prev)
	if !w.Exp().RequiresGrad() {
		t.Fatal("recording did not resume")
	}
}

func TestArenaReuse(t *testing.T) {
	ar := NewArena()
	a := ar.Full(2, 3, 4)
	b := a.Add(Ones(4))
	if b.arena != ar {
		t.Fatal("the result of an operation on an arena tensor is not in the arena")
	}
	if got := b.Data(); got[0] != 3 || len(got) != 12 {
		t.Fatalf("got %v", got)
	}
	first := &b.Storage()[0]
	ar.Reset()
	a = ar.Full(2, 3, 4)
	b = a.Add(Ones(4))
	if &b.Storage()[0] != first {
		t.Fatal("after Reset the same requests do not reuse the same storage")
	}
	z := ar.Zeros(1000, 1000) // larger than a chunk
	if z.Numel() != 1e6 || z.Data()[999999] != 0 {
		t.Fatal("large arena tensor")
	}
}

// TestSwapGrad checks that SwapGrad hands back the gradient and has the
// next Backward write into the installed buffer (so two buffers
// alternate with no copy and no allocation), and that a buffer that
// cannot hold the gradient panics.
func TestSwapGrad(t *testing.T) {
	w := New([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	x := New([]float32{4, 5, 6}, 3)
	if old := w.SwapGrad(nil); old != nil {
		t.Fatalf("SwapGrad before any Backward returned %v, want nil", old)
	}
	w.Mul(x).Sum().Backward()
	first := w.SwapGrad(nil)
	if first == nil || first.Data()[1] != 5 {
		t.Fatalf("first gradient %v, want [4 5 6]", first)
	}
	if w.Grad() != nil {
		t.Fatal("Grad after SwapGrad is not nil")
	}
	w.Mul(x).Mul(x).Sum().Backward() // a second gradient, x², in a new buffer
	second := w.SwapGrad(first)
	if first.Data()[1] != 5 || second.Data()[1] != 25 {
		t.Fatalf("after a second Backward: kept %v (want [4 5 6]), new %v (want [16 25 36])", first, second)
	}
	w.Mul(x).Sum().Backward() // into first's storage
	if w.Grad() != first || first.Data()[2] != 6 {
		t.Fatalf("Backward after SwapGrad(first) wrote %v, want first's buffer with [4 5 6]", w.Grad())
	}
	if n := testing.AllocsPerRun(10, func() { w.SwapGrad(second) }); n != 0 {
		t.Errorf("SwapGrad allocates %v times", n)
	}
	for _, bad := range []*Tensor{Zeros(4), Zeros(3, 1), Zeros(6).Narrow(0, 0, 3)} {
		mustPanicShape(t, func() { w.SwapGrad(bad) })
	}
}
