package bench

import (
	"fmt"
	"strings"

	"github.com/vecgrad/vecgrad/kernels"
)

// Kernel describes one benchmarked kernel: the arrays it touches and how to
// run it once on prepared Buffers. Inputs are X (and Y), the n-element output
// is Z; block kernels see them as [Rows, Cols] row-major blocks.
type Kernel struct {
	Name string
	// In is the number of n-element input arrays read (X, then Y).
	In int
	// Out reports whether the kernel writes the n-element array Z; Acc that it
	// also reads Z (dst += ...).
	Out, Acc bool
	// Positive asks for inputs in [0.5, 2) instead of [-1, 1) (Log, Sqrt,
	// divisors), so that no input takes a special-case path.
	Positive bool
	// Run calls the kernel once on b.
	Run func(b *Buffers)
}

// Arrays returns the number of distinct n-element arrays the kernel touches.
func (k *Kernel) Arrays() int {
	if k.Out {
		return k.In + 1
	}
	return k.In
}

// BytesPerElem returns the bytes read plus written per element of a call
// (the broadcast vectors of the RowVec/ColVec kernels and the per-row results
// of row reductions are O(rows+cols) and not counted).
func (k *Kernel) BytesPerElem() int {
	n := k.In
	if k.Out {
		n++
	}
	if k.Acc {
		n++
	}
	return 4 * n
}

// Cols is the row length of the block kernels (a layer width of the MLP);
// every benchmark length is a multiple of it.
const Cols = 512

// Len returns the element count n that makes the kernel's arrays total about
// ws bytes: a multiple of Cols, at least Cols.
func (k *Kernel) Len(ws int64) int {
	return max(int(ws/int64(4*k.Arrays()))/Cols*Cols, Cols)
}

// Buffers are the operands of one benchmark run. X, Y and Z have n elements
// (nil when the kernel does not use them); Rows*Cols == n.
type Buffers struct {
	X, Y, Z    []float32
	Rows, Cols int
	RowVec     []float32 // Cols elements, broadcast over the rows
	ColVec     []float32 // Rows elements, broadcast along each row
	Out        []float32 // Rows elements: per-row results
}

// sinks keep reductions' results alive.
var (
	sinkF float32
	sinkI int
)

func binary(name string, op kernels.BinaryOp) Kernel {
	return Kernel{Name: name + op.String(), In: 2, Out: true, Positive: op == kernels.OpDiv,
		Run: func(b *Buffers) { kernels.Binary(op, b.Z, b.X, b.Y) }}
}

func unary(name string, positive bool, f func(dst, x []float32)) Kernel {
	return Kernel{Name: name, In: 1, Out: true, Positive: positive, Run: func(b *Buffers) { f(b.Z, b.X) }}
}

func reduction(name string, in int, f func(b *Buffers)) Kernel {
	return Kernel{Name: name, In: in, Run: f}
}

// Kernels is the table every benchmark of this package and of `vecgrad bench
// kernels` iterates: each exported kernel of package kernels once, and the
// elementwise Binary kernel with several ops (their costs differ).
var Kernels = []Kernel{
	binary("Binary", kernels.OpAdd),
	binary("Binary", kernels.OpMul),
	binary("Binary", kernels.OpDiv),
	binary("Binary", kernels.OpMax),
	{Name: "BinaryAccMul", In: 2, Out: true, Acc: true,
		Run: func(b *Buffers) { kernels.BinaryAcc(kernels.OpMul, b.Z, b.X, b.Y) }},
	{Name: "BinaryScalarMul", In: 1, Out: true,
		Run: func(b *Buffers) { kernels.BinaryScalar(kernels.OpMul, b.Z, b.X, 0.5) }},
	{Name: "BinaryScalarAccAdd", In: 1, Out: true, Acc: true,
		Run: func(b *Buffers) { kernels.BinaryScalarAcc(kernels.OpAdd, b.Z, b.X, 0.5) }},
	{Name: "BinaryRowVecAdd", In: 1, Out: true,
		Run: func(b *Buffers) { kernels.BinaryRowVec(kernels.OpAdd, b.Z, b.X, b.RowVec, b.Rows, b.Cols) }},
	{Name: "BinaryRowVecAccAdd", In: 1, Out: true, Acc: true,
		Run: func(b *Buffers) { kernels.BinaryRowVecAcc(kernels.OpAdd, b.Z, b.X, b.RowVec, b.Rows, b.Cols) }},
	{Name: "BinaryColVecMul", In: 1, Out: true,
		Run: func(b *Buffers) { kernels.BinaryColVec(kernels.OpMul, b.Z, b.X, b.ColVec, b.Rows, b.Cols) }},
	{Name: "BinaryColVecAccMul", In: 1, Out: true, Acc: true,
		Run: func(b *Buffers) { kernels.BinaryColVecAcc(kernels.OpMul, b.Z, b.X, b.ColVec, b.Rows, b.Cols) }},
	{Name: "Axpy", In: 1, Out: true, Acc: true,
		Run: func(b *Buffers) { kernels.Axpy(b.Z, 0.5, b.X) }},
	{Name: "AxpyTo", In: 2, Out: true,
		Run: func(b *Buffers) { kernels.AxpyTo(b.Z, 0.5, b.X, b.Y) }},
	{Name: "Scale", In: 1, Out: true,
		Run: func(b *Buffers) { kernels.Scale(b.Z, 0.5, b.X) }},
	{Name: "Fill", Out: true,
		Run: func(b *Buffers) { kernels.Fill(b.Z, 1) }},
	{Name: "Copy", In: 1, Out: true,
		Run: func(b *Buffers) { kernels.Copy(b.Z, b.X) }},
	unary("Relu", false, kernels.Relu),
	unary("Exp", false, kernels.Exp),
	unary("Log", true, kernels.Log),
	unary("Sqrt", true, kernels.Sqrt),
	unary("Tanh", false, kernels.Tanh),
	unary("Sigmoid", false, kernels.Sigmoid),
	unary("Sin", false, kernels.Sin),
	unary("Cos", false, kernels.Cos),
	{Name: "ReluBackward", In: 2, Out: true,
		Run: func(b *Buffers) { kernels.ReluBackward(b.Z, b.Y, b.X) }},
	reduction("Sum", 1, func(b *Buffers) { sinkF = kernels.Sum(b.X) }),
	reduction("Dot", 2, func(b *Buffers) { sinkF = kernels.Dot(b.X, b.Y) }),
	reduction("SumSq", 1, func(b *Buffers) { sinkF = kernels.SumSq(b.X) }),
	reduction("Max", 1, func(b *Buffers) { sinkF = kernels.Max(b.X) }),
	reduction("ArgMax", 1, func(b *Buffers) { sinkI = kernels.ArgMax(b.X) }),
	reduction("RowSum", 1, func(b *Buffers) { kernels.RowSum(b.Out, b.X, b.Rows, b.Cols) }),
	reduction("RowMax", 1, func(b *Buffers) { kernels.RowMax(b.Out, b.X, b.Rows, b.Cols) }),
	reduction("RowLogSumExp", 1, func(b *Buffers) { kernels.RowLogSumExp(b.Out, b.X, b.Rows, b.Cols) }),
}

// KernelNames returns the names of the Kernels table, in order.
func KernelNames() []string {
	names := make([]string, len(Kernels))
	for i := range Kernels {
		names[i] = Kernels[i].Name
	}
	return names
}

// FindKernels returns the kernels named in the comma-separated list (all of
// them for "" or "all"), in table order, or an error naming an unknown one.
func FindKernels(list string) ([]*Kernel, error) {
	var out []*Kernel
	if list == "" || list == "all" {
		for i := range Kernels {
			out = append(out, &Kernels[i])
		}
		return out, nil
	}
	want := map[string]bool{}
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		found := false
		for i := range Kernels {
			if strings.EqualFold(Kernels[i].Name, name) {
				want[Kernels[i].Name], found = true, true
			}
		}
		if !found {
			return nil, fmt.Errorf("unknown kernel %q (accepted: %s)", name, strings.Join(KernelNames(), ", "))
		}
	}
	for i := range Kernels {
		if want[Kernels[i].Name] {
			out = append(out, &Kernels[i])
		}
	}
	return out, nil
}

// Arena owns the benchmark arrays and reuses their storage from one kernel to
// the next, so that the DRAM-sized arrays are allocated once.
type Arena struct {
	x, y, z, rowVec, colVec, out []float32
	b                            Buffers
}

// Prepare returns k's operands for n elements (a multiple of Cols): inputs
// filled with deterministic values in k's domain, Z zeroed. The returned
// Buffers are valid until the next call.
func (a *Arena) Prepare(k *Kernel, n int) *Buffers {
	if n%Cols != 0 || n <= 0 {
		panic(fmt.Sprintf("bench: Prepare: n = %d is not a positive multiple of Cols = %d", n, Cols))
	}
	rows := n / Cols
	a.b = Buffers{Rows: rows, Cols: Cols}
	a.b.RowVec = fillInputs(grow(&a.rowVec, Cols), k.Positive, 1)
	a.b.ColVec = fillInputs(grow(&a.colVec, rows), k.Positive, 2)
	a.b.Out = grow(&a.out, rows)
	if k.In >= 1 {
		a.b.X = fillInputs(grow(&a.x, n), k.Positive, 3)
	}
	if k.In >= 2 {
		a.b.Y = fillInputs(grow(&a.y, n), k.Positive, 4)
	}
	if k.Out {
		a.b.Z = grow(&a.z, n)
		clear(a.b.Z)
	}
	return &a.b
}

// grow returns (*s)[:n], reallocating *s 64-byte aligned when it is short.
func grow(s *[]float32, n int) []float32 {
	if cap(*s) < n {
		*s = alignedFloats(n)
	}
	return (*s)[:n]
}

// fillInputs fills x with pseudo-random values from seed: in [0.5, 2) when
// positive, else in [-1, 1) (mixed signs, so Relu and ReluBackward see
// unpredictable branches in the pure-Go path, as on real activations).
func fillInputs(x []float32, positive bool, seed uint32) []float32 {
	s := seed*2654435761 + 1
	for i := range x {
		s ^= s << 13
		s ^= s >> 17
		s ^= s << 5
		u := float32(s>>8) / (1 << 24) // [0, 1)
		if positive {
			x[i] = 0.5 + 1.5*u
		} else {
			x[i] = 2*u - 1
		}
	}
	return x
}
