package tensor

import "github.com/vecgrad/vecgrad/kernels"

// This file is the strided loop engine under the elementwise operations,
// copies and gradient accumulations: it coalesces the dimensions of up to
// three operands, hands the innermost one or two dimensions to a kernel when
// their layout is one the kernels know (contiguous, scalar, row vector,
// column vector), and loops over the remaining outer dimensions in Go.

// sv is a strided operand of a loop: element idx is data[off + Σ idx[i]*st[i]]
// over the loop's shape (stride 0 along broadcast dimensions).
type sv struct {
	data []float32
	off  int
	st   [MaxDims]int
}

// svOf returns t as an operand over its own shape.
func svOf(t *Tensor) sv {
	s := sv{data: t.data, off: t.offset}
	copy(s.st[:], t.strides)
	return s
}

// svBroadcast returns t as an operand over shape, which t broadcasts to
// (checked by the caller): missing leading dimensions and size-1 dimensions
// get stride 0.
func svBroadcast(t *Tensor, shape []int) sv {
	s := sv{data: t.data, off: t.offset}
	lead := len(shape) - len(t.shape)
	for i := range t.shape {
		if t.shape[i] != 1 || shape[lead+i] == 1 {
			s.st[lead+i] = t.strides[i]
		}
	}
	return s
}

// svDense returns a contiguous operand over shape starting at data[0].
func svDense(data []float32, shape []int) sv {
	s := sv{data: data}
	st := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s.st[i] = st
		st *= shape[i]
	}
	return s
}

// loop is a coalesced iteration space: size-1 dimensions dropped, and
// neighbouring dimensions merged where every operand steps through them as
// one.
type loop struct {
	n     int
	shape [MaxDims]int
	st    [3][MaxDims]int
	off   [3]int
	nops  int
}

func (l *loop) init(shape []int, ops ...*sv) {
	l.nops = len(ops)
	for k, o := range ops {
		l.off[k] = o.off
	}
	n := 0
	for i, d := range shape {
		if d == 1 {
			continue
		}
		l.shape[n] = d
		for k, o := range ops {
			l.st[k][n] = o.st[i]
		}
		n++
	}
	if n == 0 {
		l.n = 0
		return
	}
	j := 0
	for i := 1; i < n; i++ {
		merge := true
		for k := 0; k < l.nops; k++ {
			if l.st[k][j] != l.st[k][i]*l.shape[i] {
				merge = false
				break
			}
		}
		if merge {
			l.shape[j] *= l.shape[i]
		} else {
			j++
			l.shape[j] = l.shape[i]
		}
		for k := 0; k < l.nops; k++ {
			l.st[k][j] = l.st[k][i]
		}
	}
	l.n = j + 1
}

// odometer walks the outer dimensions [0, outer) of a loop, keeping each
// operand's offset.
type odometer struct {
	l     *loop
	outer int
	idx   [MaxDims]int
	off   [3]int
}

func (l *loop) odometer(outer int) odometer {
	return odometer{l: l, outer: outer, off: l.off}
}

// next advances to the next outer index; false when the walk is over.
func (o *odometer) next() bool {
	l := o.l
	for d := o.outer - 1; d >= 0; d-- {
		o.idx[d]++
		for k := 0; k < l.nops; k++ {
			o.off[k] += l.st[k][d]
		}
		if o.idx[d] < l.shape[d] {
			return true
		}
		for k := 0; k < l.nops; k++ {
			o.off[k] -= l.st[k][d] * l.shape[d]
		}
		o.idx[d] = 0
	}
	return false
}

// applyOp is op on one pair, exactly as the kernels define it.
func applyOp(op kernels.BinaryOp, x, y float32) float32 {
	switch op {
	case kernels.OpAdd:
		return x + y
	case kernels.OpSub:
		return x - y
	case kernels.OpRSub:
		return y - x
	case kernels.OpMul:
		return x * y
	case kernels.OpDiv:
		return x / y
	case kernels.OpRDiv:
		return y / x
	case kernels.OpMax:
		if x != x || x > y {
			return x
		}
		return y
	case kernels.OpMin:
		if x != x || x < y {
			return x
		}
		return y
	}
	panic("tensor: unknown binary op")
}

// reversed returns the op with its operands swapped, and false for the ops
// whose swap is not exact (max and min differ on ±0 ties and NaN payloads).
func reversed(op kernels.BinaryOp) (kernels.BinaryOp, bool) {
	switch op {
	case kernels.OpAdd, kernels.OpMul:
		return op, true
	case kernels.OpSub:
		return kernels.OpRSub, true
	case kernels.OpRSub:
		return kernels.OpSub, true
	case kernels.OpDiv:
		return kernels.OpRDiv, true
	case kernels.OpRDiv:
		return kernels.OpDiv, true
	}
	return op, false
}

// binaryLoop sets (or, with acc, adds to) d = op(a, b) elementwise over shape.
// d may be the same view as a or b.
func binaryLoop(op kernels.BinaryOp, acc bool, shape []int, d, a, b *sv) {
	if numel(shape) == 0 {
		return
	}
	j := binaryJob{op: op, acc: acc, d: d, a: a, b: b}
	j.l.init(shape, d, a, b)
	switch {
	case j.l.n == 0:
		j.single()
	case !j.blocks():
		j.rows()
	}
}

// binaryJob is one binaryLoop: the op, its operands and their coalesced
// loop (operand 0 d, 1 a, 2 b).
type binaryJob struct {
	op      kernels.BinaryOp
	acc     bool
	d, a, b *sv
	l       loop
}

// single computes the one element of a loop whose dimensions are all 1.
func (j *binaryJob) single() {
	d, a, b := j.d, j.a, j.b
	v := float32(applyOp(j.op, a.data[a.off], b.data[b.off]))
	if j.acc {
		v += d.data[d.off]
	}
	d.data[d.off] = v
}

// Layouts of the innermost two dimensions that one row- or column-vector
// kernel call covers (blockKind): a is the block and b the vector (AB), or
// the reverse (BA, with the reversed op).
const (
	blockNone = iota
	blockRowAB
	blockRowBA
	blockColAB
	blockColBA
)

// blockKind classifies the innermost two dimensions of l, r x c with d
// contiguous over them (the caller checked), and returns the reversed op
// the BA layouts run with. Only exactly reversible ops take the BA forms.
func blockKind(op kernels.BinaryOp, l *loop) (int, kernels.BinaryOp) {
	n, c := l.n, l.shape[l.n-1]
	as0, as1, bs0, bs1 := l.st[1][n-2], l.st[1][n-1], l.st[2][n-2], l.st[2][n-1]
	rop, canRev := reversed(op)
	switch {
	case as1 == 1 && as0 == c && bs1 == 1 && bs0 == 0:
		return blockRowAB, rop
	case canRev && as1 == 1 && as0 == 0 && bs1 == 1 && bs0 == c:
		return blockRowBA, rop
	case as1 == 1 && as0 == c && bs1 == 0 && bs0 == 1:
		return blockColAB, rop
	case canRev && as1 == 0 && as0 == 1 && bs1 == 1 && bs0 == c:
		return blockColBA, rop
	}
	return blockNone, rop
}

// blocks runs the loop as one row- or column-vector kernel call per outer
// index where d is contiguous over the innermost two dimensions and a and b
// have a layout blockKind knows; it reports false, doing nothing, otherwise.
func (j *binaryJob) blocks() bool {
	l, n := &j.l, j.l.n
	if n < 2 || l.st[0][n-1] != 1 || l.st[0][n-2] != l.shape[n-1] {
		return false
	}
	kind, rop := blockKind(j.op, l)
	if kind == blockNone {
		return false
	}
	r, c := l.shape[n-2], l.shape[n-1]
	d, a, b := j.d.data, j.a.data, j.b.data
	o := l.odometer(n - 2)
	for {
		od, oa, ob := o.off[0], o.off[1], o.off[2]
		dd := d[od : od+r*c]
		switch kind {
		case blockRowAB:
			rowVec(j.op, j.acc, dd, a[oa:oa+r*c], b[ob:ob+c], r, c)
		case blockRowBA:
			rowVec(rop, j.acc, dd, b[ob:ob+r*c], a[oa:oa+c], r, c)
		case blockColAB:
			colVec(j.op, j.acc, dd, a[oa:oa+r*c], b[ob:ob+r], r, c)
		case blockColBA:
			colVec(rop, j.acc, dd, b[ob:ob+r*c], a[oa:oa+r], r, c)
		}
		if !o.next() {
			return true
		}
	}
}

// rows runs the loop one innermost row per outer index: a kernel call where
// the row's layout is one the kernels know (all contiguous, or one operand
// a scalar), else in Go with the kernels' rounding.
func (j *binaryJob) rows() {
	l, n, op, acc := &j.l, j.l.n, j.op, j.acc
	c := l.shape[n-1]
	ds, as, bs := l.st[0][n-1], l.st[1][n-1], l.st[2][n-1]
	dd, ad, bd := j.d.data, j.a.data, j.b.data
	rop, canRev := reversed(op)
	o := l.odometer(n - 1)
	for {
		od, oa, ob := o.off[0], o.off[1], o.off[2]
		switch {
		case ds == 1 && as == 1 && bs == 1:
			if acc {
				kernels.BinaryAcc(op, dd[od:od+c], ad[oa:oa+c], bd[ob:ob+c])
			} else {
				kernels.Binary(op, dd[od:od+c], ad[oa:oa+c], bd[ob:ob+c])
			}
		case ds == 1 && as == 1 && bs == 0:
			scalarOp(op, acc, dd[od:od+c], ad[oa:oa+c], bd[ob])
		case ds == 1 && as == 0 && bs == 1 && canRev:
			scalarOp(rop, acc, dd[od:od+c], bd[ob:ob+c], ad[oa])
		default:
			for i := 0; i < c; i++ {
				v := float32(applyOp(op, ad[oa+i*as], bd[ob+i*bs])) // rounded: no fused multiply-add
				if acc {
					v += dd[od+i*ds]
				}
				dd[od+i*ds] = v
			}
		}
		if !o.next() {
			return
		}
	}
}

func rowVec(op kernels.BinaryOp, acc bool, dst, a, v []float32, r, c int) {
	if acc {
		kernels.BinaryRowVecAcc(op, dst, a, v, r, c)
	} else {
		kernels.BinaryRowVec(op, dst, a, v, r, c)
	}
}

func colVec(op kernels.BinaryOp, acc bool, dst, a, v []float32, r, c int) {
	if acc {
		kernels.BinaryColVecAcc(op, dst, a, v, r, c)
	} else {
		kernels.BinaryColVec(op, dst, a, v, r, c)
	}
}

func scalarOp(op kernels.BinaryOp, acc bool, dst, a []float32, s float32) {
	if acc {
		kernels.BinaryScalarAcc(op, dst, a, s)
	} else {
		kernels.BinaryScalar(op, dst, a, s)
	}
}

// copyLoop copies src to d over shape (both strided).
func copyLoop(shape []int, d, src *sv) {
	if numel(shape) == 0 {
		return
	}
	var l loop
	l.init(shape, d, src)
	if l.n == 0 {
		d.data[d.off] = src.data[src.off]
		return
	}
	n := l.n
	c := l.shape[n-1]
	ds, ss := l.st[0][n-1], l.st[1][n-1]
	o := l.odometer(n - 1)
	for {
		od, os := o.off[0], o.off[1]
		if ds == 1 && ss == 1 {
			copy(d.data[od:od+c], src.data[os:os+c])
		} else if ds == 1 && ss == 0 {
			kernels.Fill(d.data[od:od+c], src.data[os])
		} else {
			for i := 0; i < c; i++ {
				d.data[od+i*ds] = src.data[os+i*ss]
			}
		}
		if !o.next() {
			return
		}
	}
}

// copyStrided copies t's elements, in row-major order, into dst.
func copyStrided(dst []float32, t *Tensor) {
	d := svDense(dst, t.shape)
	s := svOf(t)
	copyLoop(t.shape, &d, &s)
}

// mapLoop sets d = f(a) elementwise over shape with a Go function (for the
// operations the kernels lack); the loop is in Go, f inlined by the caller's
// switch.
func mapLoop(shape []int, d, a *sv, kind mapKind, p float32) {
	if numel(shape) == 0 {
		return
	}
	var l loop
	l.init(shape, d, a)
	if l.n == 0 {
		d.data[d.off] = mapOne(kind, a.data[a.off], p)
		return
	}
	n := l.n
	c := l.shape[n-1]
	ds, as := l.st[0][n-1], l.st[1][n-1]
	o := l.odometer(n - 1)
	for {
		od, oa := o.off[0], o.off[1]
		for i := 0; i < c; i++ {
			d.data[od+i*ds] = mapOne(kind, a.data[oa+i*as], p)
		}
		if !o.next() {
			return
		}
	}
}

const opAdd = kernels.OpAdd
