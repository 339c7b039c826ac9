package main

import (
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"

	"github.com/vecgrad/vecgrad/internal/abi"
)

// Binary kernels: dst[r*n+j] (+)= f(op, a[r*n+j], v[j]) (rows) or
// f(op, a[r*n+j], c[r]) (cols), op 0..7 as in gen/KERNELS.md.
//
// Register plan (per vector, vectors of a block one after another):
//
//	x    a's vector (loaded; memory operands are used where the instruction allows)
//	y    v's vector (memory operand for rows; for cols one broadcast register per row)
//	r    the result f, then d+f for the Acc variants
//	m    the NaN mask of x for Max/Min (K register on AVX-512)
//	tail mask (K / YMM) only in the remainder pass
//
// At most 6 vectors are live, so AVX2 never needs more than Y0-Y15.
func binaryGroup(g *gen) {
	for _, cols := range []bool{false, true} {
		for _, acc := range []bool{false, true} {
			g.binary(cols, acc)
		}
	}
}

func (g *gen) binary(cols, acc bool) {
	name, sig, what := "BinaryRows", "func(op int, dst, a, v *float32, rows, n int)", "v[j]"
	if cols {
		name, sig, what = "BinaryCols", "func(op int, dst, a, c *float32, rows, n int)", "c[r]"
	}
	eq := "="
	if acc {
		name, eq = name+"Acc", "+="
	}
	g.function(name, sig,
		name+g.suffix+" computes dst[r*n+j] "+eq+" f(op, a[r*n+j], "+what+") for r < rows, j < n;",
		"f is binaryRowsGeneric's applyBinary (gen/KERNELS.md). rows, n >= 1.")

	op := g.arg("op")
	dst, a, rows, n := g.arg("dst"), g.arg("a"), g.arg("rows"), g.arg("n")
	third := "v"
	if cols {
		third = "c"
	}
	vbase := g.arg(third)

	g.dispatch(op, abi.BinaryOps, func(op int) {
		g.rowLoop(rows, func() {
			var y reg.VecVirtual // cols: c[r] broadcast
			vp := vbase          // rows: v, from its start on every row
			ptrs := []reg.GPVirtual{dst, a}
			if cols {
				y = g.bcast(operand.Mem{Base: vbase})
				g.ADDQ(operand.U32(4), vbase)
			} else {
				vp = g.copyGP(vbase)
				ptrs = append(ptrs, vp)
			}
			g.stream(g.copyGP(n), ptrs, g.unroll, func(_, off int, t reg.Register) {
				x := g.load(at(a, off), t)
				var yv operand.Op = y
				if !cols {
					yv = g.src(at(vp, off), t)
				}
				r := g.binop(op, x, yv)
				if acc {
					g.VADDPS(g.src(at(dst, off), t), r, r) // d + f
				}
				g.store(r, at(dst, off), t)
			})
		})
	})
}

// binop returns a new register holding f(op, x, y); y is a register or memory.
// Go assembler operand order is Intel's reversed: VSUBPS y, x, r is r = x - y.
func (g *gen) binop(op int, x reg.VecVirtual, y operand.Op) reg.VecVirtual {
	r := g.v()
	// reversed: r = y OP x needs y in a register.
	rev := func(inst func(a, b, c operand.Op)) {
		if _, ok := y.(reg.Register); !ok {
			g.VMOVUPS(y, r)
			y = r
		}
		inst(x, y, r)
	}
	switch op {
	case abi.BinaryAdd: // x + y
		g.VADDPS(y, x, r)
	case abi.BinarySub: // x - y
		g.VSUBPS(y, x, r)
	case abi.BinaryRSub: // y - x
		rev(func(a, b, c operand.Op) { g.VSUBPS(a, b, c) })
	case abi.BinaryMul:
		g.VMULPS(y, x, r)
	case abi.BinaryDiv: // x / y
		g.VDIVPS(y, x, r)
	case abi.BinaryRDiv: // y / x
		rev(func(a, b, c operand.Op) { g.VDIVPS(a, b, c) })
	case abi.BinaryMax, abi.BinaryMin: // isNaN(x) ? x : (x > y ? x : y), resp. <
		g.maxmin(op == abi.BinaryMax, x, y, r)
	default:
		panic("binop: bad op")
	}
	return r
}

// maxmin sets r = isNaN(x) ? x : (x > y ? x : y) (max) or with < (min).
// Intel MAXPS x, y is x > y ? x : y and y when either is NaN; the blend puts
// back an unordered x.
func (g *gen) maxmin(max bool, x reg.Register, y operand.Op, r reg.Register) {
	if max {
		g.VMAXPS(y, x, r)
	} else {
		g.VMINPS(y, x, r)
	}
	g.blend(g.cmp(cmpUnord, x, x), x, r)
}
