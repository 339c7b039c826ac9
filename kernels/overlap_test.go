package kernels

import (
	"math"
	"testing"
)

func ramp(n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(i) + 0.25
	}
	return x
}

// Partial overlap of an output with an input panics at every level; the
// same slice (in place) is supported by the element-wise kernels and gives
// the out-of-place result bit for bit (issue 22, item 10).
func TestAliasingBinary(t *testing.T) {
	for _, l := range Levels() {
		withLevel(t, l, func(t *testing.T) {
			x, y := ramp(200), ramp(199)
			mustPanic(t, func() { Binary(OpAdd, x[1:], x[:199], y) }, "Binary", "dst and a partially overlap", "starts 1 elements after a")
			mustPanic(t, func() { Binary(OpMul, x[:199], y, x[1:]) }, "Binary", "dst and b partially overlap", "starts -1 elements after b")
			mustPanic(t, func() { BinaryAcc(OpAdd, x[2:], x[:198], x[:198]) }, "BinaryAcc", "dst and a")
			mustPanic(t, func() { BinaryScalar(OpMul, x[:100], x[50:150], 2) }, "BinaryScalar", "dst and a")
			mustPanic(t, func() { BinaryRowVec(OpAdd, x[:100], x[:100], x[90:100], 10, 10) }, "BinaryRowVec", "dst and the vector share memory")
			mustPanic(t, func() { BinaryColVec(OpAdd, x[:100], ramp(100), x[95:105], 10, 10) }, "BinaryColVec", "dst and the vector")

			// a and b may overlap each other; dst may be a or b itself.
			a, b := ramp(199), ramp(200)[1:]
			want := make([]float32, 199)
			Binary(OpSub, want, a, b)
			Binary(OpSub, a, a, b)
			Binary(OpSub, b, b, b) // all three the same slice
			for i := range want {
				if math.Float32bits(a[i]) != math.Float32bits(want[i]) || b[i] != 0 {
					t.Fatalf("in place: element %d is %v and %v, want %v and 0", i, a[i], b[i], want[i])
				}
			}
			v := ramp(10)
			blk := ramp(100)
			wantBlk := make([]float32, 100)
			BinaryRowVec(OpMul, wantBlk, blk, v, 10, 10)
			BinaryRowVec(OpMul, blk, blk, v, 10, 10)
			for i := range blk {
				if math.Float32bits(blk[i]) != math.Float32bits(wantBlk[i]) {
					t.Fatalf("RowVec in place: element %d is %v, want %v", i, blk[i], wantBlk[i])
				}
			}
		})
	}
}

func TestAliasingSgemm(t *testing.T) {
	const m, n, k = 64, 64, 64
	buf := make([]float32, 3*m*k)
	a, b := buf[:m*k], ramp(k*n)
	mustPanic(t, func() { Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, buf[m*k/2:m*k/2+m*n], n) }, "Sgemm", "c and a share memory")
	mustPanic(t, func() { Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, b, n) }, "Sgemm", "c and b share memory")
	// The same overlap is harmless when A and B are not read.
	Sgemm(false, false, m, n, k, 0, a, k, b, n, 1, a, n)
	Sgemm(false, false, m, n, 0, 1, a, k, b, n, 1, a, n)

	// Two products writing the same C.
	mustPanic(t, func() {
		SgemmBatch(2, false, false, m, n, k, 1, ramp(2*m*k), k, m*k, b, n, 0, 0, make([]float32, m*n), n, 0)
	}, "SgemmBatch", "the 2 C matrices overlap one another", "strideC = 0")
	mustPanic(t, func() {
		SgemmBatch(2, false, false, 4, 4, 4, 1, ramp(32), 4, 16, ramp(16), 4, 0, 0, make([]float32, 20), 4, 4)
	}, "SgemmBatch", "overlap one another", "strideC = 4")
	mustPanic(t, func() {
		c := make([]float32, 4*m*n)
		SgemmBatch(2, false, false, m, n, k, 1, c, k, m*k, b, n, 0, 0, c[m*n:], n, m*n)
	}, "SgemmBatch", "c and a share memory")

	// Interleaved C matrices (columns of one array: ldc = batch*n,
	// strideC = n) do not overlap and are accepted, with each product what
	// Sgemm computes alone.
	const batch = 3
	ab := ramp(batch * m * k)
	c := make([]float32, m*batch*n)
	SgemmBatch(batch, false, false, m, n, k, 1, ab, k, m*k, b, n, 0, 0, c, batch*n, n)
	for i := range batch {
		one := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, ab[i*m*k:], k, b, n, 0, one, n)
		for r := range m {
			for j := range n {
				if got := c[r*batch*n+i*n+j]; math.Float32bits(got) != math.Float32bits(one[r*n+j]) {
					t.Fatalf("product %d element (%d,%d) = %v, want %v", i, r, j, got, one[r*n+j])
				}
			}
		}
	}
}

func TestAliasingOptimizerSteps(t *testing.T) {
	const n = 1000
	p, g := ramp(n), ramp(n)
	buf := make([]float32, 2*n)
	adam := AdamParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1}
	mustPanic(t, func() { AdamStep(p, g, p, make([]float32, n), nil, adam) }, "AdamStep", "p and m share memory")
	mustPanic(t, func() { AdamStep(p, g, buf[:n], buf[n/2:n/2+n], nil, adam) }, "AdamStep", "m and v share memory")
	ams := adam
	ams.AMSGrad = true
	mustPanic(t, func() { AdamStep(p, g, buf[:n], buf[n:], g, ams) }, "AdamStep", "g and vmax share memory")
	// Without AMSGrad vmax is not touched: anything goes.
	AdamStep(p, g, buf[:n], buf[n:], p, adam)
	sgd := SGDParams{LR: 0.1, Momentum: 0.9}
	mustPanic(t, func() { SGDStep(p, g, g, sgd) }, "SGDStep", "g and buf share memory")
	mustPanic(t, func() { SGDStep(p, p, nil, SGDParams{LR: 0.1}) }, "SGDStep", "p and g share memory")
	// Without momentum buf is not touched.
	SGDStep(p, g, p, SGDParams{LR: 0.1})
}
