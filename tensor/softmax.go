package tensor

import "github.com/vecgrad/vecgrad/kernels"

// Softmax returns exp(t) / sum(exp(t)) along dim, computed stably
// (the row maximum is subtracted first), as torch.softmax.
func (t *Tensor) Softmax(dim int) *Tensor { return t.softmaxAlong("Softmax", dim, false) }

// LogSoftmax returns t - log(sum(exp(t))) along dim, with the log-sum-exp
// computed stably (kernels.RowLogSumExp), as torch.log_softmax.
func (t *Tensor) LogSoftmax(dim int) *Tensor { return t.softmaxAlong("LogSoftmax", dim, true) }

// softmaxAlong moves dim last (a recorded transpose, so autograd composes),
// applies the row kernels and moves it back.
func (t *Tensor) softmaxAlong(name string, dim int, log bool) *Tensor {
	nilReceiver(name, t)
	if len(t.shape) == 0 {
		return t.Reshape(1).softmaxAlong(name, 0, log).Reshape()
	}
	d := t.normDim(name, dim)
	last := len(t.shape) - 1
	if d != last {
		return t.Transpose(d, last).softmaxAlong(name, last, log).Transpose(d, last)
	}
	x := t.Contiguous()
	ar := x.arena
	out := newTensor(ar, x.shape)
	n := x.shape[last]
	rows := x.Numel() / max(n, 1)
	if rows == 0 || n == 0 {
		return out
	}
	xs, y := x.Storage(), out.data
	s := ar.floats(rows)
	if log {
		kernels.RowLogSumExp(s, xs, rows, n)
		kernels.BinaryColVec(kernels.OpSub, y, xs, s, rows, n)
	} else {
		kernels.RowMax(s, xs, rows, n)
		kernels.BinaryColVec(kernels.OpSub, y, xs, s, rows, n)
		kernels.Exp(y, y)
		kernels.RowSum(s, y, rows, n)
		kernels.BinaryColVec(kernels.OpDiv, y, y, s, rows, n)
	}
	op := opSoftmax
	if log {
		op = opLogSoftmax
	}
	record1(out, op, x)
	return out
}

// softmaxBackward: dx = y * (g - sum(g*y)) along the row.
func softmaxBackward(t *Tensor) {
	in := t.rec.in[0]
	ar := t.arena
	n := t.shape[len(t.shape)-1]
	rows := t.Numel() / n
	g, y := t.grad.data, t.data[t.offset:t.offset+rows*n]
	tmp := ar.floats(rows * n)
	s := ar.floats(rows)
	kernels.Binary(kernels.OpMul, tmp, g, y)
	kernels.RowSum(s, tmp, rows, n)
	kernels.BinaryColVec(kernels.OpSub, tmp, g, s, rows, n)
	dst, acc := in.gradSlot()
	binarySlice(kernels.OpMul, acc, dst, y, tmp)
}

// logSoftmaxBackward: dx = g - exp(y) * sum(g) along the row.
func logSoftmaxBackward(t *Tensor) {
	in := t.rec.in[0]
	ar := t.arena
	n := t.shape[len(t.shape)-1]
	rows := t.Numel() / n
	g, y := t.grad.data, t.data[t.offset:t.offset+rows*n]
	tmp := ar.floats(rows * n)
	s := ar.floats(rows)
	kernels.RowSum(s, g, rows, n)
	kernels.Exp(tmp, y)
	kernels.BinaryColVec(kernels.OpMul, tmp, tmp, s, rows, n)
	dst, acc := in.gradSlot()
	binarySlice(kernels.OpSub, acc, dst, g, tmp)
}
