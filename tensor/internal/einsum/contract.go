package einsum

import (
	"slices"

	"github.com/vecgrad/vecgrad/kernels"
)

// contract computes step s,
//
//	C[batch, m, n] = sum_k A[batch, m, k] * B[batch, k, n]
//
// with A = x and B = y (or the other way round, see below), each label
// group flattened to one matrix index, by the cheapest kernel that fits: a
// reduction kernel for a sum over one operand (reduce), kernels.Binary
// calls when nothing is summed (broadcastMul, hadamard), a kernels.Dot per
// element when m or n is 1 and the product small (dots), and batched GEMMs
// otherwise (gemm). When dst is given (the last step) C is written straight
// into it if its strides allow, else into scratch that is then copied to
// dst, which is returned.
func (ws *workspace) contract(p *Plan, s int, x, y view, st *step, dst *view) view {
	size := p.size
	if st.y < 0 {
		if c, ok := ws.reduce(p, s, x, st, dst); ok {
			return c
		}
	}
	pr := ws.productOf(size, x, y, st, dst)
	c, ldc, direct := ws.productOut(s, size, st, dst, &pr)
	a, b := pr.a, pr.b
	M, N, K := pr.M, pr.N, pr.K
	switch {
	case K == 1 && ws.broadcastMul(a, b, c, ws.cat(pr.bOrd, pr.mOrd, pr.nOrd), size):
	case M == 1 && N == 1 && K == 1:
		ws.hadamard(s, a, b, c, pr.bOrd, size)
	case (M == 1 || N == 1) && M*N*K <= dotWork:
		mOrd := pr.mOrd
		if M == 1 && N > 1 { // the rows of the dot products are B's
			a, b, mOrd = b, a, pr.nOrd
		}
		ws.dots(s, a, b, c, pr.bOrd, mOrd, pr.kOrd, size)
	default:
		ws.gemm(s, a, b, c, pr.bOrd, pr.mOrd, pr.nOrd, pr.kOrd, ldc, size)
	}
	if dst != nil && !direct {
		ws.copyView(*dst, c, size)
		return *dst
	}
	return c
}

// product is a step as the product C[batch, m, n] = sum_k A[batch, m, k] *
// B[batch, k, n]: its operands A and B, the order of the labels of each
// group and the flattened sizes M, N, K.
type product struct {
	a, b                   view
	bOrd, mOrd, nOrd, kOrd []int
	M, N, K                int
}

// productOf chooses which of x and y is A and the label orders: dst's where
// the output is dst (swapped so that C's columns are dst's fastest label),
// else A's and B's own; the summed labels in A's memory order, unless only
// B's order lets both be read in place.
func (ws *workspace) productOf(size []int, x, y view, st *step, dst *view) product {
	pr := product{a: x, b: y}
	m, n := st.m, st.n
	if dst != nil {
		// C must have unit column stride: if dst's fastest label is one of
		// x's, compute Cᵀ = Bᵀ·Aᵀ instead by swapping the operands.
		if l := innermost(dst, size); l >= 0 && slices.Contains(m, l) {
			pr.a, pr.b, m, n = y, x, n, m
		}
		pr.bOrd, pr.mOrd, pr.nOrd = ws.order(st.batch, dst), ws.order(m, dst), ws.order(n, dst)
	} else {
		pr.bOrd, pr.mOrd, pr.nOrd = ws.order(st.batch, &pr.a), ws.order(m, &pr.a), ws.order(n, &pr.b)
	}
	pr.kOrd = ws.order(st.k, &pr.a)
	if _, ok := flatten(&pr.b, pr.kOrd, size); !ok {
		if o := ws.order(st.k, &pr.b); flattensBoth(&pr.a, &pr.b, o, size) {
			pr.kOrd = o
		}
	}
	pr.M, pr.N, pr.K = numel(pr.mOrd, size), numel(pr.nOrd, size), numel(pr.kOrd, size)
	return pr
}

// productOut returns where step s writes C and its row stride: dst itself
// (direct) when its strides make it a row-major matrix C, else the step's
// contiguous scratch.
func (ws *workspace) productOut(s int, size []int, st *step, dst *view, pr *product) (c view, ldc int, direct bool) {
	ldc = max(pr.N, 1)
	if dst != nil {
		elementwise := pr.M == 1 && pr.N == 1 && pr.K == 1
		if tr, ld, ok := asMatrix(dst, pr.mOrd, pr.nOrd, size); ok && !tr && (!elementwise || unitBatch(dst, pr.bOrd, size)) {
			return *dst, ld, true
		}
	}
	ws.res[s] = grow(ws.res[s], numel(st.batch, size)*pr.M*pr.N)
	return ws.contiguousView(ws.res[s], ws.cat(pr.bOrd, pr.mOrd, pr.nOrd), size), ldc, false
}

// gemm computes C[batch, m, n] = sum_k A[batch, m, k] * B[batch, k, n]
// with SgemmBatch, copying A or B first when their strides fit no GEMM
// operand.
func (ws *workspace) gemm(s int, a, b, c view, bOrd, mOrd, nOrd, kOrd []int, ldc int, size []int) {
	M, N, K, nb := numel(mOrd, size), numel(nOrd, size), numel(kOrd, size), numel(bOrd, size)
	transA, lda, okA := asMatrix(&a, mOrd, kOrd, size)
	if !okA {
		ws.ca[s] = grow(ws.ca[s], nb*M*K)
		a = ws.relayout(ws.ca[s], a, ws.cat(bOrd, mOrd, kOrd), size)
		transA, lda = false, max(K, 1)
	}
	transB, ldb, okB := asMatrix(&b, kOrd, nOrd, size)
	if !okB {
		ws.cb[s] = grow(ws.cb[s], nb*K*N)
		b = ws.relayout(ws.cb[s], b, ws.cat(bOrd, kOrd, nOrd), size)
		transB, ldb = false, max(N, 1)
	}
	dims := ws.batchDims(bOrd, &a, &b, &c, size, 0)
	cnt, sa, sb, sc := 1, 0, 0, 0
	if k := len(dims) - 1; k >= 0 {
		cnt, sa, sb, sc = dims[k].n, dims[k].sa, dims[k].sb, dims[k].sc
		dims = dims[:k]
	}
	forEach(dims, func(oa, ob, oc int) {
		kernels.SgemmBatch(cnt, transA, transB, M, N, K, 1, a.data[oa:], lda, sa, b.data[ob:], ldb, sb, 0, c.data[oc:], ldc, sc)
	})
}

// dotWork is the most m*n*k of a product with m or n of 1 that is done as
// dot products rather than a GEMM: a small Sgemm costs about a microsecond
// whatever its size, a kernels.Dot of 64 a few tens of nanoseconds
// (docs/performance.md); past this size the GEMM's threads win.
const dotWork = 1 << 16

// dots computes C[batch, r] = sum_k R[batch, r, k] * V[batch, k], one
// kernels.Dot per element of C, for a product whose other side has one
// column. R and V are copied first unless they are contiguous along k.
func (ws *workspace) dots(s int, r, v, c view, bOrd, rOrd, kOrd, size []int) {
	K := numel(kOrd, size)
	if !unitBatch(&r, kOrd, size) {
		ws.ca[s] = grow(ws.ca[s], numel(bOrd, size)*numel(rOrd, size)*K)
		r = ws.relayout(ws.ca[s], r, ws.cat(bOrd, rOrd, kOrd), size)
	}
	if !unitBatch(&v, kOrd, size) {
		ws.cb[s] = grow(ws.cb[s], numel(bOrd, size)*K)
		v = ws.relayout(ws.cb[s], v, ws.cat(bOrd, kOrd), size)
	}
	// Loop over the batch and row labels; v does not vary along the rows.
	dims := ws.batchDims(bOrd, &r, &v, &c, size, len(rOrd))
	for _, l := range rOrd {
		if size[l] > 1 {
			dims = append(dims, bdim{size[l], r.strideOf(l), 0, c.strideOf(l)})
		}
	}
	forEach(dims, func(or, ov, oc int) {
		c.data[oc] = kernels.Dot(r.data[or:or+K], v.data[ov:ov+K])
	})
}

// broadcastMul computes a product with nothing summed, C = A ⊙ B with A
// and B broadcast over the labels they lack, as kernels.Binary or
// kernels.BinaryScalar calls along C's contiguous innermost run (one GEMM
// per run would cost a microsecond each). It reports false, doing nothing,
// unless C is contiguous innermost and A and B each contiguous or constant
// along it.
func (ws *workspace) broadcastMul(a, b, c view, labels, size []int) bool {
	dims := ws.bdims.get(len(labels))[:0]
	for _, l := range labels {
		if size[l] > 1 {
			dims = append(dims, bdim{size[l], a.strideOf(l), b.strideOf(l), c.strideOf(l)})
		}
	}
	slices.SortStableFunc(dims, func(x, y bdim) int { return y.sc - x.sc })
	merged := dims[:0]
	for _, d := range dims {
		if k := len(merged) - 1; k >= 0 && merged[k].sa == d.sa*d.n && merged[k].sb == d.sb*d.n && merged[k].sc == d.sc*d.n {
			merged[k] = bdim{merged[k].n * d.n, d.sa, d.sb, d.sc}
			continue
		}
		merged = append(merged, d)
	}
	in := bdim{1, 1, 1, 1}
	if k := len(merged) - 1; k >= 0 {
		in, merged = merged[k], merged[:k]
	}
	unitOr0 := func(s int) bool { return s == 1 || s == 0 }
	if in.sc != 1 || !unitOr0(in.sa) || !unitOr0(in.sb) || in.sa == 0 && in.sb == 0 {
		return false
	}
	n := in.n
	forEach(merged, func(oa, ob, oc int) {
		dst := c.data[oc : oc+n]
		switch {
		case in.sa == 1 && in.sb == 1:
			kernels.Binary(kernels.OpMul, dst, a.data[oa:oa+n], b.data[ob:ob+n])
		case in.sa == 1:
			kernels.BinaryScalar(kernels.OpMul, dst, a.data[oa:oa+n], b.data[ob])
		default:
			kernels.BinaryScalar(kernels.OpMul, dst, b.data[ob:ob+n], a.data[oa])
		}
	})
	return true
}

// reduce does a reduction (step s sums x over st.k) without a GEMM where
// the layouts allow: when the summed labels are innermost and contiguous
// in x, as kernels.RowSum; when they are outermost, as a sum of rows with
// kernels.Axpy, in order. A GEMM with a ones vector fills a fraction of the
// micro-kernel's tile, so both are faster (docs/performance.md). The
// result must be contiguous over the kept labels; reduce reports false,
// doing nothing, when a layout does not fit.
func (ws *workspace) reduce(p *Plan, s int, x view, st *step, dst *view) (view, bool) {
	size := p.size
	mOrd := ws.order(st.m, &x)
	if dst != nil {
		mOrd = ws.order(st.m, dst)
	}
	kOrd := ws.order(st.k, &x)
	M, K := numel(mOrd, size), numel(kOrd, size)
	sm, okM := flatten(&x, mOrd, size)
	sk, okK := flatten(&x, kOrd, size)
	rows := okM && okK && (K == 1 || sk == 1) && (M == 1 || sm == K) // x is [M][K]
	cols := okM && okK && (M == 1 || sm == 1) && (K == 1 || sk == M) // x is [K][M]
	if !rows && !cols {
		return view{}, false
	}
	var c view
	if dst != nil {
		if sc, ok := flatten(dst, mOrd, size); !ok || M > 1 && sc != 1 {
			return view{}, false
		}
		c = *dst
	} else {
		ws.res[s] = grow(ws.res[s], M)
		c = ws.contiguousView(ws.res[s], mOrd, size)
	}
	if rows {
		kernels.RowSum(c.data[:M], x.data[:M*K], M, K)
		return c, true
	}
	kernels.Copy(c.data[:M], x.data[:M])
	for r := 1; r < K; r++ {
		kernels.Axpy(c.data[:M], 1, x.data[r*M:(r+1)*M])
	}
	return c, true
}

// hadamard is the step with no m, n or k of size > 1: C = A ⊙ B over the
// batch labels, one kernels.Binary call per contiguous run (a GEMM per
// element would cost a call each). Operands that are not unit-stride along
// the batch labels are copied first.
func (ws *workspace) hadamard(s int, a, b, c view, bOrd, size []int) {
	total := numel(bOrd, size)
	if !unitBatch(&a, bOrd, size) {
		ws.ca[s] = grow(ws.ca[s], total)
		a = ws.relayout(ws.ca[s], a, bOrd, size)
	}
	if !unitBatch(&b, bOrd, size) {
		ws.cb[s] = grow(ws.cb[s], total)
		b = ws.relayout(ws.cb[s], b, bOrd, size)
	}
	kernels.Binary(kernels.OpMul, c.data[:total], a.data[:total], b.data[:total])
}

// unitBatch reports whether v steps through the labels of ord as one
// contiguous run.
func unitBatch(v *view, ord, size []int) bool {
	st, ok := flatten(v, ord, size)
	return ok && (st == 1 || numel(ord, size) == 1)
}

func flattensBoth(a, b *view, ord, size []int) bool {
	_, okA := flatten(a, ord, size)
	_, okB := flatten(b, ord, size)
	return okA && okB
}

// relayout copies v into buf laid out row-major over labels.
func (ws *workspace) relayout(buf []float32, v view, labels, size []int) view {
	w := ws.contiguousView(buf, labels, size)
	ws.copyView(w, v, size)
	return w
}

// bdim is one batch dimension (or several merged) with its stride in A, B
// and C.
type bdim struct{ n, sa, sb, sc int }

// batchDims lists the batch labels of size > 1, outer to inner, merging
// neighbours that are contiguous in all three operands; the slice has room
// for extra more.
func (ws *workspace) batchDims(ord []int, a, b, c *view, size []int, extra int) []bdim {
	dims := ws.bdims.get(len(ord) + extra)[:0]
	for _, l := range ord {
		if size[l] == 1 {
			continue
		}
		d := bdim{size[l], a.strideOf(l), b.strideOf(l), c.strideOf(l)}
		if k := len(dims) - 1; k >= 0 && dims[k].sa == d.sa*d.n && dims[k].sb == d.sb*d.n && dims[k].sc == d.sc*d.n {
			dims[k] = bdim{dims[k].n * d.n, d.sa, d.sb, d.sc}
			continue
		}
		dims = append(dims, d)
	}
	return dims
}

// forEach calls f with the offsets in A, B and C of every index of dims.
func forEach(dims []bdim, f func(oa, ob, oc int)) {
	var buf [16]int // on the stack, for up to 16 loops
	idx := buf[:0]
	if len(dims) > len(buf) {
		idx = make([]int, len(dims))
	}
	idx = idx[:len(dims)]
	oa, ob, oc := 0, 0, 0
	for {
		f(oa, ob, oc)
		t := len(dims) - 1
		for ; t >= 0; t-- {
			d := &dims[t]
			idx[t]++
			oa, ob, oc = oa+d.sa, ob+d.sb, oc+d.sc
			if idx[t] < d.n {
				break
			}
			oa, ob, oc = oa-d.sa*d.n, ob-d.sb*d.n, oc-d.sc*d.n
			idx[t] = 0
		}
		if t < 0 {
			return
		}
	}
}

func (ws *workspace) cat(groups ...[]int) []int {
	n := 0
	for _, g := range groups {
		n += len(g)
	}
	o := ws.ints.get(n)[:0]
	for _, g := range groups {
		o = append(o, g...)
	}
	return o
}
