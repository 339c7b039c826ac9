package main

import (
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// GemmTranspose (gemm group, gen/KERNELS.md "GEMM transpose"): the
// transpose of a rows x cols block of row-major floats into another
// row-major block,
//
//	dst[j*ldd + i] = src[i*lds + j]   i < rows, j < cols
//
// for the driver's transposed NT products (kernels/sgemm_dual.go: C = A·Bᵀ
// with few rows, computed as Cᵀ = B·Aᵀ into a scratch block and transposed
// into C) and its packing of partial panels (packA with alpha 1, packB of
// transposed B).
//
// Bands of 8 rows of src (8 lanes of 8 rows of dst), each walked in blocks
// of 8 columns through transpose8x8 (pack.go): 8 row loads, the in-register
// transpose, 8 row stores. The last cols % 8 columns of a band are loaded
// with the remainder mask (fault-suppressing) and only that many transposed
// rows are stored. The last rows % 8 rows of src form one band of that
// height, emitted once per height (1..7, chosen by a branch on rows): it
// loads only its rows and stores the first height floats of each row of
// dst with plain 4-, 2- and 1-float stores (storeFirst). AVX2's VMASKMOVPS
// stores are microcoded on AMD: with them, the packing transposes of a
// narrow AVX2 NT product took four times the share of its time that these
// take (docs/performance.md).
//
// Only moves and shuffles: bit exact. It reads nothing but the cols floats
// at the start of each of the rows rows of src and writes nothing but the
// rows floats at the start of each of the cols rows of dst.
//
// Registers (GP): dst, ldd, src, lds, 3*lds, 5*lds, 7*lds, rows, the
// column blocks, cols % 8, the band's two walking pointers, its block
// counter and the store pointer: 14.
func (g *gen) gemmTranspose(ep transposeEpilogue) {
	switch ep {
	case transposeOnly:
		g.function("GemmTranspose", "func(dst *float32, ldd int, src *float32, lds, rows, cols int)",
			"GemmTranspose"+g.suffix+" writes the transpose of the rows x cols block of row-major src",
			"(row stride lds) to dst (row stride ldd): dst[j*ldd + i] = src[i*lds + j] for i < rows,",
			"j < cols, in 8x8 blocks, bit exact. rows, cols >= 1, lds >= cols, ldd >= rows (see gen/KERNELS.md).")
	default:
		name, what := "GemmTransposeBias", "src[i*lds + j] + bias[i]"
		if ep == transposeBiasRelu {
			name, what = "GemmTransposeBiasRelu", "max(src[i*lds + j] + bias[i], 0) (Relu's max)"
		}
		g.function(name, "func(dst *float32, ldd int, src *float32, lds, rows, cols int, bias *float32, biasOff int)",
			name+g.suffix+" is GemmTranspose writing dst[j*ldd + i] = "+what,
			"for i < rows, j < cols: the transposed product's bias (and ReLU) on its way out (gen/KERNELS.md).",
			"biasOff must be 0: the kernel keeps its place in bias there, as bytes.")
	}
	t := g.transposePlan()
	t.ep = ep
	bandL, rest, done := g.label("band"), g.label("rowtail"), g.label("done")
	g.Label(bandL)
	g.CMPQ(t.rows, operand.U32(8))
	g.JB(operand.LabelRef(rest))
	t.band(8)
	g.LEAQ(operand.Mem{Base: t.src, Index: t.lds, Scale: 8}, t.src)
	g.ADDQ(operand.U32(32), t.dst)
	g.SUBQ(operand.U32(8), t.rows)
	g.JMP(operand.LabelRef(bandL))
	// The last rows % 8 rows: one band of that height, each height its own
	// code (its loads and its stores of height floats fixed).
	g.Label(rest)
	tails := make([]string, 8)
	for h := 1; h < 8; h++ {
		tails[h] = g.label("rows")
		g.CMPQ(t.rows, operand.U32(h))
		g.JE(operand.LabelRef(tails[h]))
	}
	g.JMP(operand.LabelRef(done))
	for h := 1; h < 8; h++ {
		g.Label(tails[h])
		t.band(h)
		g.JMP(operand.LabelRef(done))
	}
	g.Label(done)
	g.ret()
}

// transposer is GemmTranspose's register plan, shared by its emission
// steps.
type transposer struct {
	g                *gen
	dst, ldd         reg.GPVirtual // the band's first row of dst; ldd in bytes
	src, lds         reg.GPVirtual // the band's first row of src; lds in bytes
	lds3, lds5, lds7 reg.GPVirtual // multiples of lds for groupRow
	rows             reg.GPVirtual // rows of src left
	blocks, colRem   reg.GPVirtual // cols / 8 and cols % 8
	colMask          reg.Register  // the lanes of a band's last, partial column block
	ep               transposeEpilogue
	bias, zero       reg.VecVirtual // the band's bias[i] (lane i), and +0 for the ReLU
}

// transposeEpilogue is what GemmTranspose's variants do to each value on
// its way out: nothing, or the transposed product's bias add and ReLU,
// with the instructions of BinaryRows' add (x + bias, x first) and Unary's
// Relu (VMAXPS x, 0), so that the fused forward equals the product
// followed by those kernels bit for bit.
type transposeEpilogue int

const (
	transposeOnly transposeEpilogue = iota
	transposeBias
	transposeBiasRelu
)

// transposePlan loads GemmTranspose's arguments and derives its strides
// and mask.
func (g *gen) transposePlan() *transposer {
	t := &transposer{g: g}
	t.dst = g.arg("dst")
	t.ldd = g.arg("ldd")
	g.SHLQ(operand.U8(2), t.ldd) // bytes
	t.src = g.arg("src")
	t.lds = g.arg("lds")
	g.SHLQ(operand.U8(2), t.lds)
	t.lds3, t.lds5, t.lds7 = g.GP64(), g.GP64(), g.GP64()
	g.LEAQ(operand.Mem{Base: t.lds, Index: t.lds, Scale: 2}, t.lds3)
	g.LEAQ(operand.Mem{Base: t.lds, Index: t.lds, Scale: 4}, t.lds5)
	g.LEAQ(operand.Mem{Base: t.lds5, Index: t.lds, Scale: 2}, t.lds7)
	t.rows = g.arg("rows")
	t.blocks = g.arg("cols")
	t.colRem = g.copyGP(t.blocks)
	g.ANDQ(operand.U32(7), t.colRem)
	g.SHRQ(operand.U8(3), t.blocks)
	t.colMask = g.ymmMask(t.colRem)
	return t
}

// band emits the walk over the column blocks of the band of height
// (1..8) rows at src, written to the first height lanes at dst of each
// row of dst.
func (t *transposer) band(height int) {
	g := t.g
	if t.ep != transposeOnly {
		t.loadBias(height)
	}
	s, d, n := g.copyGP(t.src), g.copyGP(t.dst), g.copyGP(t.blocks)
	g.blockLoop(n, t.colRem, "banddone", func(masked bool, skip string) {
		t.block(height, s, d, masked, skip)
	}, func() {
		g.ADDQ(operand.U32(32), s)
		g.LEAQ(operand.Mem{Base: d, Index: t.ldd, Scale: 8}, d)
	})
}

// block transposes the height x 8 (masked: height x colRem) block at s
// into the 8 (colRem) rows of dst from d; after a masked block's last
// stored row it jumps to skip.
func (t *transposer) block(height int, s, d reg.GPVirtual, masked bool, skip string) {
	g := t.g
	row := func(i int) operand.Mem { return groupRow(s, t.lds, t.lds3, t.lds5, t.lds7, i) }
	q := g.copyGP(d)
	g.transposeBlock(height, row, t.colMask, t.colRem, masked, skip, func(c int, col reg.VecVirtual) {
		if c > 0 {
			g.ADDQ(t.ldd, q)
		}
		if t.ep != transposeOnly {
			col = t.epilogue(col)
		}
		if height == 8 {
			g.VMOVUPS(col, operand.Mem{Base: q})
		} else {
			g.storeFirst(col, operand.Mem{Base: q}, height)
		}
	})
}

// loadBias loads the band's height biases (bias + biasOff, only those:
// a masked load where height < 8) and moves biasOff on to the next band's;
// with the ReLU, it also sets the zero vector. The pointer argument never
// moves, only the integer offset, as the garbage collector requires.
func (t *transposer) loadBias(height int) {
	g := t.g
	p := g.arg("bias")
	g.ADDQ(addr(g.Param("biasOff")), p)
	t.bias = g.YMM()
	if height == 8 {
		g.VMOVUPS(operand.Mem{Base: p}, t.bias)
		g.ADDQ(operand.U32(32), addr(g.Param("biasOff")))
	} else { // the last band: no offset to move on
		h := g.GP64()
		g.MOVQ(operand.U32(height), h)
		g.maskedLoad(operand.Mem{Base: p}, g.ymmMask(h), t.bias)
	}
	if t.ep == transposeBiasRelu {
		t.zero = g.YMM()
		g.VXORPS(t.zero, t.zero, t.zero)
	}
}

// epilogue returns a new register with the transposed row col plus the
// band's biases, then the ReLU, as BinaryRows' add (Intel VADDPS r, x,
// bias: x is the first source, whose NaN wins) and Unary's Relu (Intel
// VMAXPS r, 0, x: x when either is NaN, and -0 passes) compute them.
func (t *transposer) epilogue(col reg.VecVirtual) reg.VecVirtual {
	g := t.g
	r := g.YMM()
	g.VADDPS(t.bias, col, r)
	if t.ep == transposeBiasRelu {
		m := g.YMM()
		g.VMAXPS(r, t.zero, m)
		r = m
	}
	return r
}
