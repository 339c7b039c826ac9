package loss

import (
	"slices"
	"testing"

	"github.com/vecgrad/vecgrad/tensor"
)

// mlp is a small perceptron, 32 -> 16 (relu) -> 10, whose training step
// ends in one of the losses, all of its tensors in an arena: the step
// package tensor's alloc test models, with the fused losses in place of the
// composed log-softmax.
type mlp struct {
	w1, b1, w2, b2 *tensor.Tensor
	x, idx, probs  []float32
	batch          int
	ar             *tensor.Arena
}

func newMLP(batch int) *mlp {
	g := tensor.NewGenerator(3)
	m := &mlp{
		w1:    tensor.Uniform(g, -0.2, 0.2, 32, 16).SetRequiresGrad(true),
		b1:    tensor.Uniform(g, -0.2, 0.2, 16).SetRequiresGrad(true),
		w2:    tensor.Uniform(g, -0.25, 0.25, 16, 10).SetRequiresGrad(true),
		b2:    tensor.Uniform(g, -0.25, 0.25, 10).SetRequiresGrad(true),
		x:     tensor.Rand(g, batch, 32).Data(),
		probs: tensor.Rand(g, batch, 10).Softmax(1).Data(),
		batch: batch,
		ar:    tensor.NewArena(),
	}
	m.idx = make([]float32, batch)
	for i := range m.idx {
		m.idx[i] = float32(g.Uint32() % 10)
	}
	m.idx[0] = DefaultIgnoreIndex
	return m
}

func (m *mlp) params() []*tensor.Tensor { return []*tensor.Tensor{m.w1, m.b1, m.w2, m.b2} }

// step runs one forward and backward pass ending in loss (which gets the
// logits, the class indices and the class probabilities) and returns the
// loss value.
func (m *mlp) step(ar *tensor.Arena, loss func(z, idx, probs *tensor.Tensor) (*tensor.Tensor, error)) float32 {
	tensor.ZeroGrad(m.params()...)
	var x, idx, probs *tensor.Tensor
	if ar != nil {
		ar.Reset()
		x, idx, probs = ar.New(m.x, m.batch, 32), ar.New(m.idx, m.batch), ar.New(m.probs, m.batch, 10)
	} else {
		x, idx, probs = tensor.New(m.x, m.batch, 32), tensor.New(m.idx, m.batch), tensor.New(m.probs, m.batch, 10)
	}
	z := x.Matmul(m.w1).Add(m.b1).Relu().Matmul(m.w2).Add(m.b2)
	l, err := loss(z, idx, probs)
	if err != nil {
		panic(err)
	}
	if l.Numel() != 1 {
		l = l.Sum()
	}
	l.Backward()
	return l.Item()
}

var stepLosses = []struct {
	name string
	f    func(z, idx, probs *tensor.Tensor) (*tensor.Tensor, error)
}{
	{"CrossEntropy", func(z, idx, _ *tensor.Tensor) (*tensor.Tensor, error) {
		return CrossEntropy(z, idx, CrossEntropyOptions{})
	}},
	{"CrossEntropy/smoothing+weight+none", func(z, idx, _ *tensor.Tensor) (*tensor.Tensor, error) {
		return CrossEntropy(z, idx, CrossEntropyOptions{Reduction: None, Weight: classWeights, LabelSmoothing: 0.1})
	}},
	{"CrossEntropy/probabilities", func(z, _, probs *tensor.Tensor) (*tensor.Tensor, error) {
		return CrossEntropy(z, probs, CrossEntropyOptions{Weight: classWeights, LabelSmoothing: 0.1})
	}},
	{"CrossEntropy/kdim", func(z, idx, _ *tensor.Tensor) (*tensor.Tensor, error) {
		// [N, 10] viewed as [N/2, 10, 2]-like K-dimensional logits.
		n := z.Size(0)
		return CrossEntropy(z.Reshape(n/2, 2, 10).Transpose(1, 2), idx.Reshape(n/2, 2), CrossEntropyOptions{})
	}},
	{"NLL", func(z, idx, _ *tensor.Tensor) (*tensor.Tensor, error) {
		return NLL(z.LogSoftmax(1), idx, NLLOptions{Weight: classWeights, Reduction: Sum})
	}},
	{"MSE", func(z, _, probs *tensor.Tensor) (*tensor.Tensor, error) { return MSE(z, probs, Mean) }},
	{"L1", func(z, _, probs *tensor.Tensor) (*tensor.Tensor, error) { return L1(z, probs, None) }},
	{"KLDiv", func(z, _, probs *tensor.Tensor) (*tensor.Tensor, error) {
		return KLDiv(z.LogSoftmax(1), probs, KLDivOptions{Reduction: BatchMean})
	}},
}

var classWeights = tensor.New([]float32{1, 2, 0.5, 1, 1, 1.5, 1, 1, 0.25, 1}, 10)

func TestStepAllocatesNothing(t *testing.T) {
	for _, c := range stepLosses {
		m := newMLP(16)
		first := m.step(m.ar, c.f)
		allocs := testing.AllocsPerRun(5, func() {
			if l := m.step(m.ar, c.f); l != first {
				t.Fatalf("%s: loss changed between identical steps: %v then %v", c.name, first, l)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: a steady-state step allocates %v times, want 0", c.name, allocs)
		}
	}
}

// TestStepMatchesHeap: the arena changes where memory comes from, nothing
// else; the same step on the heap gives bitwise the same loss and
// gradients.
func TestStepMatchesHeap(t *testing.T) {
	for _, c := range stepLosses {
		m := newMLP(16)
		la := m.step(m.ar, c.f)
		var ga [][]float32
		for _, p := range m.params() {
			ga = append(ga, p.Grad().Data())
		}
		lh := m.step(nil, c.f)
		if la != lh {
			t.Errorf("%s: arena loss %v, heap %v", c.name, la, lh)
		}
		for i, p := range m.params() {
			if !slices.Equal(p.Grad().Data(), ga[i]) {
				t.Errorf("%s: parameter %d: arena and heap gradients differ", c.name, i)
			}
		}
	}
}
