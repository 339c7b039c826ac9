package tensor

import (
	"math"
	"testing"
	"time"

	"github.com/vecgrad/vecgrad/kernels"
)

// The benchmarks of the tensor layer's targets. Each reports, next to its
// time, the ratio that matters: the tensor API against the same work done
// with direct kernel calls, timed in the same run.

// timeIt returns the time per call of f over n calls.
func timeIt(n int, f func()) float64 {
	start := time.Now()
	for i := 0; i < n; i++ {
		f()
	}
	return float64(time.Since(start).Nanoseconds()) / float64(n)
}

// compare times f (the benchmark's b.N calls, in 8 rounds) and ref (as many
// calls, interleaved round by round, so that both see the same machine
// load) and returns the fastest round's time per call of each.
func compare(b *testing.B, f, ref func()) (tf, tref float64) {
	const rounds = 8
	per := max(1, b.N/rounds)
	tf, tref = math.Inf(1), math.Inf(1)
	b.ResetTimer()
	for r := 0; r < rounds; r++ {
		b.StartTimer()
		tf = min(tf, timeIt(per, f))
		b.StopTimer()
		tref = min(tref, timeIt(per, ref))
	}
	return tf, tref
}

// BenchmarkBroadcastAdd: [256,512] + [512] through Add (output from an
// arena, as in a training step) against kernels.BinaryRowVec into a
// preallocated slice. Target: x-kernel <= 1.2.
func BenchmarkBroadcastAdd(b *testing.B) {
	g := NewGenerator(1)
	x, v := Randn(g, 256, 512), Randn(g, 512)
	ar := NewArena()
	dst := make([]float32, 256*512)
	xs, vs := x.Storage(), v.Storage()
	tensorOp := func() { ar.Reset(); ar.New(xs, 256, 512).Add(v) }
	kernelOp := func() { kernels.BinaryRowVec(kernels.OpAdd, dst, xs, vs, 256, 512) }
	tensorOp()
	kernelOp()
	t, k := compare(b, tensorOp, kernelOp)
	b.ReportMetric(t/k, "x-kernel")
}

// BenchmarkMLPStep: one forward+backward step of the 784-128-10 MLP at
// batch 64 through the tensor API against mlpRaw, the same sequence of
// kernel calls (every GEMM, elementwise and reduction call the tensor layer
// makes, with the same sizes) on preallocated slices. Target:
// overhead-% < 10.
func BenchmarkMLPStep(b *testing.B) {
	m := newMLP(64)
	r := newMLPRaw(m)
	m.step()
	r.step()
	b.ReportAllocs()
	t, k := compare(b, func() { m.step() }, r.step)
	b.ReportMetric(100*(t-k)/k, "overhead-%")
	b.ReportMetric(k, "raw-ns/step")
}

// mlpRaw is the MLP step written directly against package kernels, making
// the calls the tensor layer makes.
type mlpRaw struct {
	w1, b1, w2, b2, x, y                    []float32
	xw, a1, h, h2, z, lse, ls, p            []float32
	gls, gz, tmp, s, gh2, gb2, gh, gw2, ga1 []float32
	gxw, gb1, gw1, gp, gs                   []float32
	loss                                    float32
	batch                                   int
}

func newMLPRaw(m *mlp) *mlpRaw {
	n := m.batch
	f := func(k int) []float32 { return make([]float32, k) }
	return &mlpRaw{
		w1: m.w1.Data(), b1: m.b1.Data(), w2: m.w2.Data(), b2: m.b2.Data(), x: m.x, y: m.onehot, batch: n,
		xw: f(n * 128), a1: f(n * 128), h: f(n * 128), h2: f(n * 10), z: f(n * 10), lse: f(n), ls: f(n * 10), p: f(n * 10),
		gls: f(n * 10), gz: f(n * 10), tmp: f(n * 10), s: f(n), gh2: f(n * 10), gb2: f(10), gh: f(n * 128),
		gw2: f(128 * 10), ga1: f(n * 128), gxw: f(n * 128), gb1: f(128), gw1: f(784 * 128), gp: f(n * 10), gs: f(1),
	}
}

func (r *mlpRaw) step() {
	n := r.batch
	add := kernels.OpAdd
	// forward
	kernels.Sgemm(false, false, n, 128, 784, 1, r.x, 784, r.w1, 128, 0, r.xw, 128)
	kernels.BinaryRowVec(add, r.a1, r.xw, r.b1, n, 128)
	kernels.Relu(r.h, r.a1)
	kernels.Sgemm(false, false, n, 10, 128, 1, r.h, 128, r.w2, 10, 0, r.h2, 10)
	kernels.BinaryRowVec(add, r.z, r.h2, r.b2, n, 10)
	kernels.RowLogSumExp(r.lse, r.z, n, 10)
	kernels.BinaryColVec(kernels.OpSub, r.ls, r.z, r.lse, n, 10)
	kernels.Binary(kernels.OpMul, r.p, r.ls, r.y)
	sum := []float32{kernels.Sum(r.p)}
	loss := []float32{0}
	kernels.BinaryScalar(kernels.OpMul, loss, sum, -1/float32(n))
	r.loss = loss[0]
	// backward
	one := []float32{1}
	kernels.BinaryScalar(kernels.OpMul, r.gs, one, -1/float32(n))
	kernels.Fill(r.gp, r.gs[0])
	kernels.Binary(kernels.OpMul, r.gls, r.gp, r.y)
	kernels.RowSum(r.s, r.gls, n, 10)
	kernels.Exp(r.tmp, r.ls)
	kernels.BinaryColVec(kernels.OpMul, r.tmp, r.tmp, r.s, n, 10)
	kernels.Binary(kernels.OpSub, r.gz, r.gls, r.tmp)
	copy(r.gh2, r.gz)
	copy(r.gb2, r.gz[:10])
	for i := 1; i < n; i++ {
		kernels.Binary(add, r.gb2, r.gb2, r.gz[i*10:(i+1)*10])
	}
	kernels.Sgemm(false, true, n, 128, 10, 1, r.gh2, 10, r.w2, 10, 0, r.gh, 128)
	kernels.Sgemm(true, false, 128, 10, n, 1, r.h, 128, r.gh2, 10, 0, r.gw2, 10)
	kernels.ReluBackward(r.ga1, r.gh, r.h)
	copy(r.gxw, r.ga1)
	copy(r.gb1, r.ga1[:128])
	for i := 1; i < n; i++ {
		kernels.Binary(add, r.gb1, r.gb1, r.ga1[i*128:(i+1)*128])
	}
	kernels.Sgemm(true, false, 784, 128, n, 1, r.x, 784, r.gxw, 128, 0, r.gw1, 128)
}

// TestMLPRawMatchesTensor checks that mlpRaw is the same computation.
func TestMLPRawMatchesTensor(t *testing.T) {
	m := newMLP(64)
	r := newMLPRaw(m)
	loss := m.step()
	r.step()
	if loss != r.loss {
		t.Fatalf("raw loss %v, tensor loss %v", r.loss, loss)
	}
	for i, pair := range [][2][]float32{{m.w1.Grad().Data(), r.gw1}, {m.b1.Grad().Data(), r.gb1}, {m.w2.Grad().Data(), r.gw2}, {m.b2.Grad().Data(), r.gb2}} {
		for j := range pair[0] {
			if pair[0][j] != pair[1][j] {
				t.Fatalf("param %d grad %d: tensor %v, raw %v", i, j, pair[0][j], pair[1][j])
			}
		}
	}
}

// BenchmarkEinsumBMM: einsum "bij,bjk->bik" on [8,64,64] x [8,64,64]
// against one kernels.SgemmBatch call. Target: x-sgemm <= 1.1.
func BenchmarkEinsumBMM(b *testing.B) {
	g := NewGenerator(1)
	const B, n = 8, 64
	x, y := Randn(g, B, n, n), Randn(g, B, n, n)
	dst := make([]float32, B*n*n)
	xs, ys := x.Storage(), y.Storage()
	ar := NewArena()
	tensorOp := func() {
		ar.Reset()
		MustEinsum("bij,bjk->bik", ar.New(xs, B, n, n), ar.New(ys, B, n, n))
	}
	kernelOp := func() {
		kernels.SgemmBatch(B, false, false, n, n, n, 1, xs, n, n*n, ys, n, n*n, 0, dst, n, n*n)
	}
	tensorOp()
	kernelOp()
	t, k := compare(b, tensorOp, kernelOp)
	b.ReportMetric(t/k, "x-sgemm")
}
