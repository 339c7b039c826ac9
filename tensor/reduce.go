package tensor

import "github.com/vecgrad/vecgrad/kernels"

type redKind uint8

const (
	redSum redKind = iota
	redMax
	redMin
)

var redNames = [...]string{redSum: "Sum", redMax: "Max", redMin: "Min"}

// reduceInto reduces x (an operand over shape xs) over the dimensions marked
// in red, writing (or, with acc, adding for redSum) the result into dst, which
// is contiguous over the kept dimensions in order. Each output is a sum in
// kernels.Sum's order when the reduced elements of one output are adjacent in
// memory, and a left-to-right sum of rows when the reduced dimensions are the
// outer ones; other layouts are first copied (temporaries from ar).
func reduceInto(ar *Arena, kind redKind, dst []float32, acc bool, xs []int, x *sv, red *[MaxDims]bool) {
	nd := len(xs)
	var kshape, kst, rshape, rst [MaxDims]int
	nk, nr := 0, 0
	for i := 0; i < nd; i++ {
		if red[i] {
			rshape[nr], rst[nr] = xs[i], x.st[i]
			nr++
		} else {
			kshape[nk], kst[nk] = xs[i], x.st[i]
			nk++
		}
	}
	rows, n := numel(kshape[:nk]), numel(rshape[:nr])
	if rows == 0 {
		return
	}
	if n == 0 { // only sums get here: Max and Min reject empty reductions
		if !acc {
			kernels.Fill(dst[:rows], 0)
		}
		return
	}
	// Kept dimensions outer, reduced inner: rows of the kernels.
	var pshape, pst [MaxDims]int
	copy(pshape[:], kshape[:nk])
	copy(pshape[nk:], rshape[:nr])
	copy(pst[:], kst[:nk])
	copy(pst[nk:], rst[:nr])
	if denseLayout(pshape[:nd], pst[:nd]) {
		rowReduce(ar, kind, dst[:rows], acc, x.data[x.off:x.off+rows*n], rows, n)
		return
	}
	// Reduced dimensions outer, kept inner: combine whole rows.
	copy(pshape[:], rshape[:nr])
	copy(pshape[nr:], kshape[:nk])
	copy(pst[:], rst[:nr])
	copy(pst[nr:], kst[:nk])
	if denseLayout(pshape[:nd], pst[:nd]) {
		src := x.data[x.off : x.off+rows*n]
		d := dst[:rows]
		r := 0
		if !acc {
			copy(d, src[:rows])
			r = 1
		}
		op := combineOp(kind)
		for ; r < n; r++ {
			kernels.Binary(op, d, d, src[r*rows:(r+1)*rows])
		}
		return
	}
	// Anything else: copy to kept-outer order first.
	copy(pshape[:], kshape[:nk])
	copy(pshape[nk:], rshape[:nr])
	copy(pst[:], kst[:nk])
	copy(pst[nk:], rst[:nr])
	tmp := ar.floats(rows * n)
	d := svDense(tmp, pshape[:nd])
	s := sv{data: x.data, off: x.off, st: pst}
	copyLoop(pshape[:nd], &d, &s)
	rowReduce(ar, kind, dst[:rows], acc, tmp, rows, n)
}

// denseLayout reports whether shape/strides is row-major contiguous.
func denseLayout(shape, strides []int) bool {
	s := 1
	for i := len(shape) - 1; i >= 0; i-- {
		if shape[i] != 1 && strides[i] != s {
			return false
		}
		s *= shape[i]
	}
	return true
}

func combineOp(kind redKind) kernels.BinaryOp {
	switch kind {
	case redMax:
		return kernels.OpMax
	case redMin:
		return kernels.OpMin
	}
	return kernels.OpAdd
}

// rowReduce reduces each row of the [rows, n] block a into dst.
func rowReduce(ar *Arena, kind redKind, dst []float32, acc bool, a []float32, rows, n int) {
	out := dst
	if acc {
		out = ar.floats(rows)
	}
	switch kind {
	case redSum:
		if rows == 1 {
			out[0] = kernels.Sum(a)
		} else {
			kernels.RowSum(out, a, rows, n)
		}
	case redMax:
		kernels.RowMax(out, a, rows, n)
	case redMin:
		for r := 0; r < rows; r++ {
			row := a[r*n : (r+1)*n]
			m := row[0]
			for _, v := range row {
				if v != v {
					m = v
					break
				}
				if v < m {
					m = v
				}
			}
			out[r] = m
		}
	}
	if acc {
		kernels.Binary(kernels.OpAdd, dst, dst, out)
	}
}

// reduceDims normalizes dims (all dimensions when empty) into a mask and
// returns the output shape, written into out.
func (t *Tensor) reduceDims(op string, dims []int, keepdim bool, red *[MaxDims]bool, out *[MaxDims]int) []int {
	nd := len(t.shape)
	if len(dims) == 0 {
		for i := 0; i < nd; i++ {
			red[i] = true
		}
	}
	for _, d := range dims {
		i := t.normDim(op, d)
		if red[i] {
			fail(op, "dimension ", itoa(i), " appears more than once in the list of dims")
		}
		red[i] = true
	}
	n := 0
	for i := 0; i < nd; i++ {
		switch {
		case !red[i]:
			out[n] = t.shape[i]
			n++
		case keepdim:
			out[n] = 1
			n++
		}
	}
	return out[:n]
}

// reduce is the forward of Sum, Max and Min over dims.
func (t *Tensor) reduce(kind redKind, dims []int, keepdim bool) *Tensor {
	op := redNames[kind]
	nilReceiver(op, t)
	var red [MaxDims]bool
	var oshape [MaxDims]int
	shape := t.reduceDims(op, dims, keepdim, &red, &oshape)
	if kind != redSum {
		for i, d := range t.shape {
			if red[i] && d == 0 {
				fail(op, "cannot reduce over a dimension of size 0 (it has no maximum or minimum); the shape is ", shapeStr(t.shape))
			}
		}
	}
	ar := t.arena
	out := newTensor(ar, shape)
	x := svOf(t)
	reduceInto(ar, kind, out.data, false, t.shape, &x, &red)
	opk := opSum
	if kind != redSum {
		opk = opMax
	}
	if record1(out, opk, t) {
		out.rec.flag = kind == redMin
		out.rec.nargs = len(t.shape)
		for i := range t.shape {
			if red[i] {
				out.rec.args[i] = 1
			}
		}
	}
	return out
}

// Sum returns the sum of all elements, as a tensor with zero dimensions.
func (t *Tensor) Sum() *Tensor { return t.reduce(redSum, nil, false) }

// SumDim sums over the given dimensions (all of them if dims is empty);
// keepdim keeps them with size 1, as torch.sum(dim, keepdim).
func (t *Tensor) SumDim(dims []int, keepdim bool) *Tensor { return t.reduce(redSum, dims, keepdim) }

// Max returns the largest element (NaN if there is one), as a 0-d tensor.
// Its gradient is shared evenly by the elements equal to the maximum, as
// torch.amax's.
func (t *Tensor) Max() *Tensor { return t.reduce(redMax, nil, false) }

// MaxDim is Max over the given dimensions, as torch.amax(dim, keepdim).
func (t *Tensor) MaxDim(dims []int, keepdim bool) *Tensor { return t.reduce(redMax, dims, keepdim) }

// Min returns the smallest element (NaN if there is one), as a 0-d tensor.
func (t *Tensor) Min() *Tensor { return t.reduce(redMin, nil, false) }

// MinDim is Min over the given dimensions, as torch.amin(dim, keepdim).
func (t *Tensor) MinDim(dims []int, keepdim bool) *Tensor { return t.reduce(redMin, dims, keepdim) }

// Mean returns the mean of all elements (NaN for an empty tensor).
func (t *Tensor) Mean() *Tensor {
	nilReceiver("Mean", t)
	return t.MeanDim(nil, false)
}

// MeanDim is the mean over the given dimensions: SumDim divided by the
// number of elements reduced.
func (t *Tensor) MeanDim(dims []int, keepdim bool) *Tensor {
	nilReceiver("MeanDim", t)
	s := t.SumDim(dims, keepdim)
	return s.DivScalar(float32(t.Numel() / max(s.Numel(), 1)))
}

// Var returns the variance of all elements with Bessel's correction
// (dividing by n-1), as torch.var.
func (t *Tensor) Var() *Tensor {
	nilReceiver("Var", t)
	return t.VarDim(nil, 1, false)
}

// VarDim is the variance over the given dimensions, dividing the sum of
// squared deviations from the mean by n - correction (torch.var's
// correction: 1 for the unbiased estimate, 0 for the population variance).
// It is computed in two passes (mean first), as PyTorch does.
func (t *Tensor) VarDim(dims []int, correction int, keepdim bool) *Tensor {
	nilReceiver("VarDim", t)
	m := t.MeanDim(dims, true)
	d := t.Sub(m)
	s := d.Mul(d).SumDim(dims, keepdim)
	n := t.Numel() / max(s.Numel(), 1)
	return s.DivScalar(float32(max(n-correction, 0)))
}

// sumBackward: the gradient of a sum is the upstream gradient broadcast back
// over the reduced dimensions.
func sumBackward(t *Tensor) {
	in := t.rec.in[0]
	g := svKept(t.grad.data, in.shape, &t.rec.args)
	addGrad(in, &g)
}

// svKept views g, the contiguous data of the result of a reduction of a tensor of shape
// inShape over the dimensions with red[i] != 0, as an operand over inShape
// (stride 0 along the reduced dimensions).
func svKept(g []float32, inShape []int, red *[MaxDims]int) sv {
	s := sv{data: g}
	st := 1
	for i := len(inShape) - 1; i >= 0; i-- {
		if red[i] == 0 {
			s.st[i] = st
			st *= inShape[i]
		}
	}
	return s
}

// maxBackward: the gradient of a maximum (or minimum) goes to the elements
// equal to it, shared evenly among ties (torch.amax).
func maxBackward(t *Tensor) {
	in := t.rec.in[0]
	ar := t.arena
	shape := in.shape
	mask := newTensor(ar, shape)
	md, x, o := svDense(mask.data, shape), svOf(in), svKept(t.data[t.offset:], shape, &t.rec.args)
	cmpLoop(cmpEq, shape, &md, &x, &o)
	var red [MaxDims]bool
	for i := range shape {
		red[i] = t.rec.args[i] != 0
	}
	cnt := ar.floats(t.Numel())
	reduceInto(ar, redSum, cnt, false, shape, &md, &red)
	kernels.Binary(kernels.OpDiv, cnt, t.grad.data, cnt)
	dst, acc := in.gradSlot()
	d := svDense(dst, shape)
	c := svKept(cnt, shape, &t.rec.args)
	binaryLoop(kernels.OpMul, acc, shape, &d, &md, &c)
}

// ArgMax returns the index of the first maximal element in row-major order
// (NaN counts as the largest), as a 0-d tensor holding the index as a float32
// (exact below 2^24). It panics on an empty tensor.
func (t *Tensor) ArgMax() *Tensor {
	nilReceiver("ArgMax", t)
	return t.argReduce("ArgMax", true, nil)
}

// ArgMin returns the index of the first minimal element (NaN counts as the
// smallest), as ArgMax.
func (t *Tensor) ArgMin() *Tensor {
	nilReceiver("ArgMin", t)
	return t.argReduce("ArgMin", false, nil)
}

// ArgMaxDim returns the indices of the maxima along dim, as
// torch.argmax(dim, keepdim), as float32 values. It is not differentiable.
func (t *Tensor) ArgMaxDim(dim int, keepdim bool) *Tensor {
	nilReceiver("ArgMaxDim", t)
	return t.argReduce("ArgMaxDim", true, &argDim{dim, keepdim})
}

// ArgMinDim is ArgMaxDim for the minima.
func (t *Tensor) ArgMinDim(dim int, keepdim bool) *Tensor {
	nilReceiver("ArgMinDim", t)
	return t.argReduce("ArgMinDim", false, &argDim{dim, keepdim})
}

type argDim struct {
	dim     int
	keepdim bool
}

func (t *Tensor) argReduce(op string, isMax bool, ad *argDim) *Tensor {
	if t.Numel() == 0 {
		fail(op, "cannot take the index of the extremum of an empty tensor of shape ", shapeStr(t.shape))
	}
	ar := t.arena
	var rows, n int
	var src []float32
	var oshape [MaxDims]int
	var shape []int
	if ad == nil {
		rows, n = 1, t.Numel()
		c := t.contiguousData(ar)
		src = c
	} else {
		d := t.normDim(op, ad.dim)
		// move dim last, then rows of the kernels
		var perm [MaxDims]int
		k := 0
		for i := range t.shape {
			if i != d {
				perm[k] = i
				k++
			}
		}
		perm[k] = d
		var ps, pst [MaxDims]int
		for i := 0; i < len(t.shape); i++ {
			ps[i], pst[i] = t.shape[perm[i]], t.strides[perm[i]]
		}
		n = t.shape[d]
		rows = t.Numel() / n
		tmp := ar.floats(rows * n)
		dd := svDense(tmp, ps[:len(t.shape)])
		s := sv{data: t.data, off: t.offset, st: pst}
		copyLoop(ps[:len(t.shape)], &dd, &s)
		src = tmp
		m := 0
		for i := range t.shape {
			if i != d {
				oshape[m] = t.shape[i]
				m++
			} else if ad.keepdim {
				oshape[m] = 1
				m++
			}
		}
		shape = oshape[:m]
	}
	out := newTensor(ar, shape)
	for r := 0; r < rows; r++ {
		row := src[r*n : (r+1)*n]
		var idx int
		if isMax {
			idx = kernels.ArgMax(row)
		} else {
			idx = argMin(row)
		}
		out.data[r] = float32(idx)
	}
	return out
}

func argMin(x []float32) int {
	best := 0
	for i, v := range x {
		if v != v {
			return i
		}
		if v < x[best] {
			best = i
		}
	}
	return best
}

// contiguousData returns t's elements in row-major order: its storage when
// it is contiguous, else a copy (from ar).
func (t *Tensor) contiguousData(ar *Arena) []float32 {
	if t.IsContiguous() {
		return t.Storage()
	}
	d := ar.floats(t.Numel())
	copyStrided(d, t)
	return d
}
