package main

import (
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// reduce group: RowSum, RowMax, RowSumExp, Dot, SumSq, ArgMax.
//
// sum64 register plan: the 64 lanes in g.sumVecs accumulators (AVX-512: 4
// ZMM = lanes 0-15, 16-31, 32-47, 48-63; AVX2: 8 YMM of 8 lanes). A block of
// the main loop is 64 elements, vector k of it goes to accumulator k; the
// remainder (< 64 elements) is one masked pass with vector k again into
// accumulator k, so element i always lands in lane i%64. Masked-off lanes
// load +0 and a lane is never -0 (it starts at +0), so adding them changes
// nothing. Then the halving tree (tree). RowSumExp: see rowSumExp.
func reduceGroup(g *gen) {
	g.rowSum()
	g.rowMax()
	g.rowSumExp()
	g.dot(false)
	g.dot(true)
	g.argMax()
}

// zeros returns count new +0 vectors.
func (g *gen) zeros(count int) []reg.VecVirtual {
	acc := make([]reg.VecVirtual, count)
	for i := range acc {
		acc[i] = g.zero()
	}
	return acc
}

// tree combines the vectors accs by op(src, dst) (dst = dst op src) in the
// halving order of the 64 lanes: lane[j] op= lane[j+h] for h = 32 ... 1, first
// across registers, then inside accs[0] by shuffles at full width (only lane 0
// is used; the other lanes get garbage). It returns accs[0], lane 0 the result.
func (g *gen) tree(accs []reg.VecVirtual, op func(src, dst reg.VecVirtual)) reg.VecVirtual {
	for len(accs) > 1 {
		h := len(accs) / 2
		for j := 0; j < h; j++ {
			op(accs[j+h], accs[j])
		}
		accs = accs[:h]
	}
	v := accs[0]
	for h := g.w / 2; h >= 1; h /= 2 {
		t := g.v()
		switch {
		case h == 8: // lanes 8-15 to 0-7: 128-bit blocks 2, 3 to 0, 1
			g.VSHUFF32X4(u8(0xee), v, v, t)
		case h == 4 && g.w == 16: // block 1 to 0
			g.VSHUFF32X4(u8(0x01), v, v, t)
		case h == 4: // AVX2: high 128 bits to low
			g.VPERM2F128(u8(0x01), v, v, t)
		case h == 2: // lanes 2, 3 to 0, 1 (in every 128-bit block)
			g.VPERMILPS(u8(0x0e), v, t)
		case h == 1: // lane 1 to 0
			g.VPERMILPS(u8(0x01), v, t)
		}
		op(t, v)
	}
	return v
}

func (g *gen) add(src, dst reg.VecVirtual) { g.VADDPS(src, dst, dst) }

// maxInto sets dst = isNaN(src) ? src : (src > dst ? src : dst): the running
// maximum that keeps the first NaN it meets (maxGeneric's order of tests; a
// NaN in dst stays because NaN > nothing).
func (g *gen) maxInto(src, dst reg.VecVirtual) { g.maxmin(true, src, dst, dst) }

// storeLane0 writes lane 0 of v to m.
func (g *gen) storeLane0(v reg.VecVirtual, m operand.Mem) { g.VMOVSS(v.AsX(), m) }

func (g *gen) rowSum() {
	g.function("RowSum", "func(dst, a *float32, rows, n int)",
		"RowSum"+g.suffix+" sets dst[r] = sum64(a[r*n : r*n+n]) for r < rows (rows, n >= 1),",
		"sum64 as in gen/KERNELS.md (64 lanes, halving tree).")
	dst, a, rows, n := g.arg("dst"), g.arg("a"), g.arg("rows"), g.arg("n")
	g.rowLoop(rows, func() {
		acc := g.zeros(g.sumVecs)
		g.stream(g.copyGP(n), []reg.GPVirtual{a}, g.sumVecs, func(k, off int, t reg.Register) {
			g.VADDPS(g.src(at(a, off), t), acc[k], acc[k])
		})
		g.storeLane0(g.tree(acc, g.add), at(dst, 0))
		g.ADDQ(operand.U32(4), dst)
	})
	g.ret()
}

// rowSumExp register plan: the g.sumVecs accumulators, and the vectors of a
// block in groups of g.mathG through exp (expLive each): AVX-512 4 + 4*4 =
// 20 ZMM, 12 left for pinned exp constants; AVX2 8 + 2*4 = 16 YMM, none left.
// shift[r] is broadcast once per group (it dies before exp needs its peak).
// The remainder pass goes one vector at a time with its tail mask.
func (g *gen) rowSumExp() {
	g.function("RowSumExp", "func(dst, a, shift *float32, rows, n int)",
		"RowSumExp"+g.suffix+" sets dst[r] = sum64_j exp32(a[r*n+j] - shift[r]) for r < rows (rows, n >= 1).")
	dst, a, shift, rows, n := g.arg("dst"), g.arg("a"), g.arg("shift"), g.arg("rows"), g.arg("n")
	g.pin(g.nvec-g.sumVecs-g.mathG*expLive, expPins)
	g.rowLoop(rows, func() {
		acc := g.zeros(g.sumVecs)
		g.streamGroups(g.copyGP(n), []reg.GPVirtual{a}, g.sumVecs, g.mathG, func(ks []int, t reg.Register) {
			xs, accs := make(vg, len(ks)), make(vg, len(ks))
			for i, k := range ks {
				xs[i] = g.load(at(a, k*g.bytes()), t)
				accs[i] = acc[k]
			}
			s := g.bcast(at(shift, 0))
			g.each(g.VSUBPS, s, xs, xs) // a - shift
			e := g.exp(xs)
			switch {
			case t == nil:
				g.each(g.VADDPS, e, accs, accs)
			case g.kmask:
				g.each(g.VADDPS, e, accs, t, accs) // merge-masked: exp(+0 - shift) must not count
			default:
				g.each(g.VANDPS, t, e, e)
				g.each(g.VADDPS, e, accs, accs)
			}
		})
		g.storeLane0(g.tree(acc, g.add), at(dst, 0))
		g.ADDQ(operand.U32(4), dst)
		g.ADDQ(operand.U32(4), shift)
	})
	g.unpin()
	g.ret()
}

func (g *gen) dot(sq bool) {
	if sq {
		g.function("SumSq", "func(a *float32, n int) float32",
			"SumSq"+g.suffix+" returns Dot(a, a, n) (n >= 1), loading a once.")
	} else {
		g.function("Dot", "func(a, b *float32, n int) float32",
			"Dot"+g.suffix+" returns the 64-lane dot product of a and b (n >= 1):",
			"lane[i%64] = fma(a[i], b[i], lane[i%64]), then the halving tree.")
	}
	a, n := g.arg("a"), g.arg("n")
	ptrs := []reg.GPVirtual{a}
	var b reg.GPVirtual
	if !sq {
		b = g.arg("b")
		ptrs = append(ptrs, b)
	}
	acc := g.zeros(g.sumVecs)
	g.stream(n, ptrs, g.sumVecs, func(k, off int, t reg.Register) {
		x := g.load(at(a, off), t)
		y := operand.Op(x)
		if !sq {
			y = g.src(at(b, off), t)
		}
		g.VFMADD231PS(y, x, acc[k]) // acc = x*y + acc
	})
	g.storeLane0(g.tree(acc, g.add), addr(g.ReturnIndex(0)))
	g.ret()
}

// rowMaxOf emits the maximum (NaN if any) of the n elements at a (n >= 1, a
// and rem consumed) into lane 0 of the returned vector. Register plan: fill
// (a[0] broadcast, stands in for masked-off lanes), g.unroll running maxima,
// x, the NaN mask, the tail mask. (8 running maxima were no faster:
// docs/performance.md.)
func (g *gen) rowMaxOf(a, rem reg.GPVirtual) reg.VecVirtual {
	fill := g.bcast(at(a, 0))
	acc := make([]reg.VecVirtual, g.unroll)
	for i := range acc {
		acc[i] = g.mov(fill)
	}
	g.stream(rem, []reg.GPVirtual{a}, g.unroll, func(k, off int, t reg.Register) {
		var x reg.VecVirtual
		switch {
		case t == nil:
			x = g.load(at(a, off), nil)
		case g.kmask:
			x = g.mov(fill)
			g.VMOVUPS(at(a, off), t, x) // merge-masked load
		default:
			x = g.load(at(a, off), t)
			g.VBLENDVPS(t, x, fill, x) // x = t ? x : fill
		}
		g.maxInto(x, acc[k])
	})
	return g.tree(acc, g.maxInto)
}

func (g *gen) rowMax() {
	g.function("RowMax", "func(dst, a *float32, rows, n int)",
		"RowMax"+g.suffix+" sets dst[r] to the maximum of a[r*n : r*n+n] (rows, n >= 1), NaN if the row has one.")
	dst, a, rows, n := g.arg("dst"), g.arg("a"), g.arg("rows"), g.arg("n")
	g.rowLoop(rows, func() {
		g.storeLane0(g.rowMaxOf(a, g.copyGP(n)), at(dst, 0))
		g.ADDQ(operand.U32(4), dst)
	})
	g.ret()
}

// argMax: pass 1 finds the maximum M (NaN if there is one) as RowMax does;
// pass 2 returns the first i with a[i] == M or a[i] NaN (if M is a number
// there is no NaN; if M is NaN nothing equals it). That is the first index of
// the maximum, ±0 compared equal as in argMaxGeneric's strict >. In the masked
// last vector the off lanes read +0, but they lie after every in-range lane,
// and the hit is in range, so the lowest set bit is right.
func (g *gen) argMax() {
	g.function("ArgMax", "func(a *float32, n int) int",
		"ArgMax"+g.suffix+" returns the first index of the maximum of a[:n] (n >= 1); NaN is above every",
		"number, the first NaN wins.")
	a, n := g.arg("a"), g.arg("n")
	m := g.v()
	g.VBROADCASTSS(g.rowMaxOf(g.copyGP(a), g.copyGP(n)).AsX(), m)

	idx := g.GP64()
	g.XORQ(idx, idx)
	bits := g.GP64()
	loop, tail, found := g.label("scan"), g.label("scantail"), g.label("found")
	hits := func(t reg.Register) {
		x := g.load(at(a, 0), t)
		if g.kmask {
			eq, nan := g.K(), g.K()
			g.VCMPPS(u8(cmpEQ), m, x, eq)
			g.VCMPPS(u8(cmpUnord), x, x, nan)
			g.KORW(eq, nan, eq)
			g.KMOVW(eq, bits.As32())
		} else {
			eq := g.cmp(cmpEQ, x, m)
			nan := g.cmp(cmpUnord, x, x)
			g.VORPS(nan, eq, eq)
			g.VMOVMSKPS(eq, bits.As32())
		}
	}
	g.Label(loop)
	g.CMPQ(n, operand.U32(g.w))
	g.JB(operand.LabelRef(tail))
	hits(nil)
	g.TESTL(bits.As32(), bits.As32())
	g.JNZ(operand.LabelRef(found))
	g.ADDQ(operand.U32(g.bytes()), a)
	g.ADDQ(operand.U32(g.w), idx)
	g.SUBQ(operand.U32(g.w), n)
	g.JMP(operand.LabelRef(loop))

	g.Label(tail) // 0 < n < w here: the maximum is in these lanes
	hits(g.tailMask(g.tailBase(n), 0))
	g.Label(found)
	g.BSFL(bits.As32(), bits.As32())
	g.ADDQ(bits, idx)
	g.Store(idx, g.ReturnIndex(0))
	g.ret()
}
