package kernels

import mc "github.com/vecgrad/vecgrad/internal/mathconst"

// Output epilogues. A layer's forward adds its bias to the product and
// takes the ReLU, and its input gradient takes ReLU's backward of the
// product. As passes after the product those read C again, from L2 or L3
// once the product is done, and at two threads they took several times
// their one-thread CPU time (docs/parallel-step.md, "The bias and ReLU in
// the sweep"). On the blocked path the sweep applies them instead to each
// region of C as soon as it is final, while it is in L1 or L2: in the last
// KC block, a row panel's tiles across one L2 block of B (rows first), or
// one micro-panel of columns down the MC block (columns first). The
// operations are the passes' own (BinaryRowVecStrided's add, ReluStrided,
// ReluBackwardStrided), elementwise, on sub-blocks of C, so the results are
// the passes' bit for bit. ReLU's backward can also sum the result's rows
// (the layer's bias gradient, SumRowsStrided's adds in its order): the
// sweep finishes the regions of each column of C from the top row down, so
// the rows reach the sum in order.

// gemmOut is a product's epilogue; the zero value does nothing.
type gemmOut struct {
	bias []float32 // bias[j] added to column j of C; nil: none
	relu bool      // with a bias: then C = max(C, 0), as Relu
	// x: C = ReluBackward(C, x) (C where x > 0, else 0), x laid out as C
	// (element (i, j) at x[i*ldc + j]); nil: none.
	x []float32
	// sum: with x, sum[j] receives the sum of column j of the result, its
	// rows added in order as SumRowsStrided adds them (the sweep finishes
	// the regions of a column top to bottom, so a product with a sum runs
	// on one goroutine: sgemmBlocked checks); nil: none.
	sum []float32
}

// gemmOutKind names a GemmOut kernel (gen/amd64/gemmout.go).
type gemmOutKind int

const (
	gemmOutBias gemmOutKind = iota
	gemmOutBiasRelu
	gemmOutReluBackward
	gemmOutReluBackwardSum
)

// active reports whether o does anything.
func (o *gemmOut) active() bool { return o.bias != nil || o.x != nil }

// apply applies o to rows [row, row+rows) x columns [col, col+cols) of c
// (element (i, j) at c[i*ldc + j]) with level lv's GemmOut kernels, one
// call per block of at most mc.ChunkLen floats (Go cannot preempt
// assembly), or where lv has none the strided passes.
func (o *gemmOut) apply(lv level, c []float32, ldc, row, rows, col, cols int) {
	kind, v := gemmOutBias, o.bias
	switch {
	case o.sum != nil:
		kind, v = gemmOutReluBackwardSum, o.x
	case o.x != nil:
		kind, v = gemmOutReluBackward, o.x
	case o.relu:
		kind = gemmOutBiasRelu
	}
	for c0 := col; c0 < col+cols; c0 += mc.ChunkLen {
		w := min(mc.ChunkLen, col+cols-c0)
		step := max(1, mc.ChunkLen/w)
		for r0 := row; r0 < row+rows; r0 += step {
			h := min(step, row+rows-r0)
			off, span := r0*ldc+c0, (h-1)*ldc+w
			vb := v[c0 : c0+w] // the bias's floats for these columns
			if o.x != nil {
				vb = v[off : off+span] // x's floats of the block
			}
			sum := o.sum
			if sum != nil {
				sum = sum[c0 : c0+w]
			}
			if !gemmOutAsm(lv, kind, c[off:off+span], ldc, vb, h, w, sum, r0 == 0) {
				o.passes(c[off:off+span], ldc, vb, h, w, sum, r0 == 0)
			}
		}
	}
}

// passes is apply's block through the strided passes, v the bias's
// floats for the block's columns or the block's floats of x, and sum (nil:
// none) the sum's floats for its columns, which the block's first row
// starts where first.
func (o *gemmOut) passes(band []float32, ldc int, v []float32, rows, cols int, sum []float32, first bool) {
	if o.x != nil {
		ReluBackwardStrided(band, band, v, rows, cols, ldc)
		if sum != nil {
			sumRowsInto(sum, band, rows, cols, ldc, first)
		}
		return
	}
	BinaryRowVecStrided(OpAdd, band, band, v, rows, cols, ldc)
	if o.relu {
		ReluStrided(band, band, rows, cols, ldc)
	}
}

// finish applies the job's epilogue to rows [row, row+rows) x columns
// [col, col+cols) of C, final once the last KC block has swept them.
func (s *gemmSweep) finish(row, rows, col, cols int) {
	if j := s.j; j.out.active() && s.pc+s.kc >= j.k {
		j.out.apply(j.lv, j.c, j.ldc, row, rows, col, cols)
	}
}
