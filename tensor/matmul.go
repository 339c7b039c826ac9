package tensor

import (
	"slices"

	"github.com/vecgrad/vecgrad/kernels"
)

// Matmul returns the matrix product with torch.matmul's semantics: two 1-D
// tensors give their dot product (0-d); 2-D by 2-D is the matrix product; a
// 1-D first argument is treated as a row [1, k] and a 1-D second argument as
// a column [k, 1], the added dimension removed from the result; tensors with
// more dimensions are stacks of matrices in their last two dimensions, and
// the batch dimensions broadcast. The products run on kernels.Sgemm /
// SgemmBatch, reading transposed views in place.
func (t *Tensor) Matmul(b *Tensor) *Tensor {
	nilReceiver("Matmul", t)
	nilArg("Matmul", "b", b)
	na, nb := len(t.shape), len(b.shape)
	if na == 0 || nb == 0 {
		fail("Matmul", "both arguments need at least 1 dimension, but they have ", itoa(na), " and ", itoa(nb))
	}
	a2, b2 := t, b
	if na == 1 {
		a2 = t.Unsqueeze(0)
	}
	if nb == 1 {
		b2 = b.Unsqueeze(1)
	}
	out := a2.matmulND(b2, na == 1 || nb == 1, t.shape, b.shape)
	switch {
	case na == 1 && nb == 1:
		return out.Reshape()
	case na == 1:
		return out.Squeeze(-2)
	case nb == 1:
		return out.Squeeze(-1)
	}
	return out
}

// matmulND multiplies stacks of matrices (both at least 2-D).
func (t *Tensor) matmulND(b *Tensor, vec bool, sa, sb []int) *Tensor {
	na, nb := len(t.shape), len(b.shape)
	n, k, k2, m := t.shape[na-2], t.shape[na-1], b.shape[nb-2], b.shape[nb-1]
	if k != k2 {
		if vec {
			fail("Matmul", "shapes ", shapeStr(sa), " and ", shapeStr(sb), " cannot be multiplied (", itoa(k), " vs ", itoa(k2), ")")
		}
		fail("Matmul", "shapes ", shapeStr(sa), " and ", shapeStr(sb), " cannot be multiplied (", itoa(n), "x", itoa(k), " and ", itoa(k2), "x", itoa(m), ")")
	}
	var buf [MaxDims]int
	batch := mustBroadcast("Matmul", &buf, t.shape[:na-2], b.shape[:nb-2])
	nbat := len(batch)
	if nbat+2 > MaxDims {
		fail("Matmul", "the result would have more than ", itoa(MaxDims), " dimensions")
	}
	var oshape [MaxDims]int
	copy(oshape[:], batch)
	oshape[nbat], oshape[nbat+1] = n, m
	shape := oshape[:nbat+2]
	ar := t.arena
	if ar == nil {
		ar = b.arena
	}
	out := newTensor(ar, shape)
	av, bv := matOperand(t, batch, n, k), matOperand(b, batch, k, m)
	gemmInto(ar, out.data, 0, batch, n, m, k, &av, &bv)
	record2(out, opMatmul, t, b)
	return out
}

// matOperand views a stack of [rows, cols] matrices over the broadcast batch
// shape.
func matOperand(t *Tensor, batch []int, rows, cols int) sv {
	var shape [MaxDims]int
	copy(shape[:], batch)
	shape[len(batch)], shape[len(batch)+1] = rows, cols
	return svBroadcast(t, shape[:len(batch)+2])
}

// transposed swaps the strides of the last two dimensions of an operand with
// nbat batch dimensions.
func transposed(s sv, nbat int) sv {
	s.st[nbat], s.st[nbat+1] = s.st[nbat+1], s.st[nbat]
	return s
}

// matLayout tells how Sgemm reads an [r, c] matrix with strides (sr, sc):
// row-major with leading dimension ld, or transposed (the stored matrix is
// [c, r] with leading dimension ld); ok is false when neither works.
func matLayout(sr, sc, r, c int) (trans bool, ld int, ok bool) {
	if sc == 1 || c == 1 {
		ld = sr
		if r == 1 {
			ld = max(c, 1)
		}
		if ld >= max(c, 1) {
			return false, ld, true
		}
	}
	if sr == 1 || r == 1 {
		ld = sc
		if c == 1 {
			ld = max(r, 1)
		}
		if ld >= max(r, 1) {
			return true, ld, true
		}
	}
	return false, 0, false
}

// gemmInto sets c = a·b + beta*c for every batch index, where c is
// contiguous [batch..., n, m] and a, b are operands over [batch..., n, k]
// and [batch..., k, m].
func gemmInto(ar *Arena, c []float32, beta float32, batch []int, n, m, k int, a, b *sv) {
	nbat := len(batch)
	nb := numel(batch)
	if nb == 0 || n == 0 || m == 0 {
		return
	}
	ta, lda, ok := matLayout(a.st[nbat], a.st[nbat+1], n, k)
	if !ok {
		*a = denseCopy(ar, a, batch, n, k)
		ta, lda = false, max(k, 1)
	}
	tb, ldb, ok := matLayout(b.st[nbat], b.st[nbat+1], k, m)
	if !ok {
		*b = denseCopy(ar, b, batch, k, m)
		tb, ldb = false, max(m, 1)
	}
	// b shared by the whole batch and a's batch and rows one strided run:
	// one product with batch*n rows.
	if !ta && foldRows(a, b, batch, n, lda) {
		kernels.Sgemm(false, tb, nb*n, m, k, 1, a.data[a.off:], lda, b.data[b.off:], ldb, beta, c, m)
		return
	}
	cv := svDense(c, batch) // batch strides of c, scaled below
	for i := 0; i < nbat; i++ {
		cv.st[i] *= n * m
	}
	var l loop
	l.init(batch, &cv, a, b)
	if l.n == 0 {
		kernels.Sgemm(ta, tb, n, m, k, 1, a.data[a.off:], lda, b.data[b.off:], ldb, beta, c, m)
		return
	}
	in := l.n - 1
	cnt := l.shape[in]
	o := l.odometer(in)
	for {
		oc, oa, ob := o.off[0], o.off[1], o.off[2]
		kernels.SgemmBatch(cnt, ta, tb, n, m, k, 1, a.data[oa:], lda, l.st[1][in], b.data[ob:], ldb, l.st[2][in],
			beta, c[oc:], m, l.st[0][in])
		if !o.next() {
			return
		}
	}
}

// foldRows reports whether every batch stride of b is 0 and a's batch
// dimensions continue its row stride lda, so that the batch is one
// [batch*n, k] matrix.
func foldRows(a, b *sv, batch []int, n, lda int) bool {
	if len(batch) == 0 {
		return false
	}
	want := lda * n
	for i := len(batch) - 1; i >= 0; i-- {
		if b.st[i] != 0 || (batch[i] != 1 && a.st[i] != want) {
			return false
		}
		want *= batch[i]
	}
	return true
}

// denseCopy copies an operand over [batch..., r, c] into contiguous
// temporary storage.
func denseCopy(ar *Arena, s *sv, batch []int, r, c int) sv {
	var shape [MaxDims]int
	copy(shape[:], batch)
	shape[len(batch)], shape[len(batch)+1] = r, c
	sh := shape[:len(batch)+2]
	tmp := ar.floats(numel(sh))
	d := svDense(tmp, sh)
	copyLoop(sh, &d, s)
	return d
}

// matmulBackward: for C = A·B, dA = dC·Bᵀ and dB = Aᵀ·dC per batch index,
// summed over the batch dimensions an input was broadcast along.
func matmulBackward(t *Tensor) {
	a, b := t.rec.in[0], t.rec.in[1]
	ar := t.arena
	nd := len(t.shape)
	nbat := nd - 2
	batch := t.shape[:nbat]
	n, m := t.shape[nd-2], t.shape[nd-1]
	k := a.shape[len(a.shape)-1]
	g := svDense(t.grad.data, t.shape)
	if a.requiresGrad {
		bt := transposed(matOperand(b, batch, k, m), nbat)
		gg := g
		var shape [MaxDims]int
		copy(shape[:], batch)
		shape[nbat], shape[nbat+1] = n, k
		full := shape[:nd]
		if slices.Equal(a.shape, full) {
			dst, acc := a.gradSlot()
			gemmInto(ar, dst, beta(acc), batch, n, k, m, &gg, &bt)
		} else {
			tmp := newTensor(ar, full)
			gemmInto(ar, tmp.data, 0, batch, n, k, m, &gg, &bt)
			addGradReduce(ar, a, tmp)
		}
	}
	if b.requiresGrad {
		at := transposed(matOperand(a, batch, n, k), nbat)
		gg := g
		var shape [MaxDims]int
		copy(shape[:], batch)
		shape[nbat], shape[nbat+1] = k, m
		full := shape[:nd]
		switch {
		case slices.Equal(b.shape, full):
			dst, acc := b.gradSlot()
			gemmInto(ar, dst, beta(acc), batch, k, m, n, &at, &gg)
		case numel(b.shape) == k*m && foldGradB(a, batch, n, k) > 0:
			// b is one matrix for the whole batch: dB = A_flatᵀ·dC_flat
			dst, acc := b.gradSlot()
			lda := foldGradB(a, batch, n, k)
			kernels.Sgemm(true, false, k, m, numel(batch)*n, 1, a.data[a.offset:], lda, t.grad.data, m, beta(acc), dst, m)
		default:
			tmp := newTensor(ar, full)
			gemmInto(ar, tmp.data, 0, batch, k, m, n, &at, &gg)
			addGradReduce(ar, b, tmp)
		}
	}
}

// foldGradB returns the row stride of a when its [batch..., n] dimensions
// form one run of row-major rows (unit column stride), so that Aᵀ·dC sums
// the batch in one product, and 0 when they do not.
func foldGradB(a *Tensor, batch []int, n, k int) int {
	av := matOperand(a, batch, n, k)
	nbat := len(batch)
	if av.st[nbat+1] != 1 && k != 1 {
		return 0
	}
	lda := av.st[nbat]
	if n == 1 {
		lda = max(k, 1) // the row stride of a single row is never used
	}
	want := lda * n
	for i := nbat - 1; i >= 0; i-- {
		if batch[i] != 1 && av.st[i] != want {
			return 0
		}
		want *= batch[i]
	}
	if lda < max(k, 1) {
		return 0
	}
	return lda
}

func beta(acc bool) float32 {
	if acc {
		return 1
	}
	return 0
}
