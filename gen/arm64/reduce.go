package main

import (
	"fmt"
	"math/bits"

	"github.com/vecgrad/vecgrad/gen/internal/neon"
)

func reduceKernels() []Kernel {
	ptr := func(n string) neon.Arg { return neon.Arg{Name: n, Type: "*float32"} }
	num := func(n string) neon.Arg { return neon.Arg{Name: n, Type: "int"} }
	return []Kernel{
		{neon.Func{Name: "RowSumNEON", Doc: "RowSumNEON computes dst[r] = sum64(a[r*n : r*n+n]) for r < rows (64 lanes, halving tree).",
			Params: []neon.Arg{ptr("dst"), ptr("a"), num("rows"), num("n")}}, genRowSum},
		{neon.Func{Name: "RowMaxNEON", Doc: "RowMaxNEON computes dst[r] = the maximum of row r of a, NaN if the row has one.",
			Params: []neon.Arg{ptr("dst"), ptr("a"), num("rows"), num("n")}}, genRowMax},
		{neon.Func{Name: "RowSumExpNEON", Doc: "RowSumExpNEON computes dst[r] = sum64_j exp32(a[r*n+j] - shift[r]) for r < rows.",
			Params: []neon.Arg{ptr("dst"), ptr("a"), ptr("shift"), num("rows"), num("n")}}, genRowSumExp},
		{neon.Func{Name: "DotNEON", Doc: "DotNEON returns the sum over 64 lanes of fma(a[i], b[i], lane[i%64]), combined by the halving tree.",
			Params: []neon.Arg{ptr("a"), ptr("b"), num("n")}, Ret: "float32"}, genDot},
		{neon.Func{Name: "SumSqNEON", Doc: "SumSqNEON is DotNEON(a, a, n).",
			Params: []neon.Arg{ptr("a"), num("n")}, Ret: "float32"}, genSumSq},
		{neon.Func{Name: "ArgMaxNEON", Doc: "ArgMaxNEON returns the first index of the maximum of a[:n]; NaN is above every number, the first NaN wins.",
			Params: []neon.Arg{ptr("a"), num("n")}, Ret: "int"}, genArgMax},
	}
}

// acc are the 64 lanes of every sum-like reduction: V(k) holds lanes 4k..4k+3.
var acc = []neon.Vreg{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}

// SumSpec is what a sum-like reduction adds into its 64 lanes.
type SumSpec struct {
	Main func()             // adds 64 elements into V0-V15 and advances the pointers
	Vec  func()             // loads the contribution of the next 4 elements and advances
	Part func(cnt neon.Reg) // loads the contribution of the last cnt (1-3) elements, +0 in the other lanes
	Add  func(k neon.Vreg)  // adds the loaded contribution into accumulator k
}

// Sum64 emits the accumulation of cnt elements (cnt >= 0, consumed) into the
// zeroed lanes V0-V15: a main loop of 64 elements, then the tail of fewer
// than 64, which starts at lane 0: 4 elements at a time into V0, V1, ...,
// and the last 1-3 into the next register, chosen by a branch tree on the
// step counter k, so each contribution reaches its lane i%64.
func Sum64(e *neon.Emitter, cnt, k neon.Reg, sp SumSpec) {
	main, tail, tloop, tpart, disp, tnext, done :=
		e.NewLabel("main"), e.NewLabel("tail"), e.NewLabel("tloop"), e.NewLabel("tpart"),
		e.NewLabel("disp"), e.NewLabel("tnext"), e.NewLabel("sumdone")
	e.CmpBranch(cnt, 64, "LT", tail)
	e.Label(main)
	sp.Main()
	e.SubImm(cnt, 64)
	e.CmpBranch(cnt, 64, "GE", main)

	e.Label(tail)
	e.CBZ(cnt, done)
	e.MOVD("ZR", k.String())
	e.Label(tloop)
	e.CmpBranch(cnt, 4, "LT", tpart)
	sp.Vec()
	e.Jump(disp)
	e.Label(tpart)
	sp.Part(cnt)
	e.MOVD("ZR", cnt.String())
	e.Label(disp)
	dispatch(e, k, 0, len(acc), sp.Add, tnext)
	e.Label(tnext)
	e.AddImm(k, 1)
	e.SubsImm(cnt, 4)
	e.Inst("BGT", tloop)
	e.Label(done)
}

// dispatch emits a binary branch tree on the bits of k that runs add(j) for
// j = k in [lo, lo+size), then branches to next.
func dispatch(e *neon.Emitter, k neon.Reg, lo, size int, add func(neon.Vreg), next string) {
	if size == 1 {
		add(acc[lo])
		e.Jump(next)
		return
	}
	half := size / 2
	hi := e.NewLabel("k")
	e.TBNZ(k, bits.Len(uint(half))-1, hi)
	dispatch(e, k, lo, half, add, next)
	e.Label(hi)
	dispatch(e, k, lo+half, half, add, next)
}

// LoadPart loads cnt (1-3) floats from (p) into the low lanes of v, zeroing
// the others, and advances p. With mask != nil, *mask gets all ones in the
// loaded lanes and zeros elsewhere (r is then a scratch register).
func LoadPart(e *neon.Emitter, p, cnt neon.Reg, v neon.Vreg, mask *neon.Vreg, r neon.Reg) {
	done := e.NewLabel("part")
	if mask != nil {
		e.Zero(*mask)
		e.MOVD("$-1", r.String())
		e.MovRLane(*mask, 0, r)
	}
	e.LoadScalarP(p, v)
	for i := 1; i <= 2; i++ {
		e.CmpBranch(cnt, i+1, "LT", done)
		e.LoadLaneP(p, v, i)
		if mask != nil {
			e.MovRLane(*mask, i, r)
		}
	}
	e.Label(done)
}

// Tree combines the 64 lanes by halving, lane[j] += lane[j+h] for h = 32, 16,
// 8, 4, 2, 1; the result is left in lane 0 of V0 (F0). t is scratch.
func Tree(e *neon.Emitter, t neon.Vreg) {
	e.Comment("halving tree: h = 32, 16, 8, 4 across registers, 2 and 1 across lanes")
	for h := 8; h >= 1; h /= 2 {
		for j := 0; j < h; j++ {
			e.FADD(acc[j], acc[j], acc[j+h])
		}
	}
	e.EXT(t, 0, 0, 8) // lanes 2, 3, 0, 1
	e.FADD(0, 0, t)   // lane0 += lane2, lane1 += lane3
	e.FADDP2(0, 0)    // lane0 += lane1
}

func zeroAcc(e *neon.Emitter) {
	for _, v := range acc {
		e.Zero(v)
	}
}

// Register plan: R0 dst, R1 a, R2 rows, R3 n, R4 count, R5 tail step;
// V0-V15 the 64 lanes, V16-V31 loaded elements.
func genRowSum(e *neon.Emitter, f *neon.Func) {
	const dst, a, rows, n, cnt, k neon.Reg = 0, 1, 2, 3, 4, 5
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg("rows"), rows.String())
	e.MOVD(f.Arg("n"), n.String())
	row := e.NewLabel("row")
	e.Label(row)
	zeroAcc(e)
	e.MOVD(n.String(), cnt.String())
	Sum64(e, cnt, k, SumSpec{
		Main: func() {
			for g := 0; g < 4; g++ {
				e.LoadP(a, 16+4*neon.Vreg(g), 17+4*neon.Vreg(g), 18+4*neon.Vreg(g), 19+4*neon.Vreg(g))
			}
			for j, v := range acc {
				e.FADD(v, v, 16+neon.Vreg(j))
			}
		},
		Vec:  func() { e.LoadP(a, 16) },
		Part: func(cnt neon.Reg) { LoadPart(e, a, cnt, 16, nil, 0) },
		Add:  func(v neon.Vreg) { e.FADD(v, v, 16) },
	})
	Tree(e, 16)
	e.StoreScalarP(dst, 0)
	e.SubsImm(rows, 1)
	e.Inst("BNE", row)
	e.RET()
}

// Register plan: R0 a, R1 b, R2 count, R3 tail step; V0-V15 the 64 lanes,
// V16-V23 a, V24-V31 b.
func genDot(e *neon.Emitter, f *neon.Func) {
	const a, b, cnt, k neon.Reg = 0, 1, 2, 3
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg("b"), b.String())
	e.MOVD(f.Arg("n"), cnt.String())
	zeroAcc(e)
	Sum64(e, cnt, k, SumSpec{
		Main: func() {
			for half := 0; half < 2; half++ {
				e.LoadP(a, 16, 17, 18, 19)
				e.LoadP(a, 20, 21, 22, 23)
				e.LoadP(b, 24, 25, 26, 27)
				e.LoadP(b, 28, 29, 30, 31)
				for j := 0; j < 8; j++ {
					v := acc[8*half+j]
					e.VFMLA(v, 16+neon.Vreg(j), 24+neon.Vreg(j)) // lane = fma(a, b, lane)
				}
			}
		},
		Vec: func() { e.LoadP(a, 16); e.LoadP(b, 17) },
		Part: func(cnt neon.Reg) {
			LoadPart(e, a, cnt, 16, nil, 0)
			LoadPart(e, b, cnt, 17, nil, 0)
		},
		Add: func(v neon.Vreg) { e.VFMLA(v, 16, 17) }, // zero lanes add fma(0, 0, lane) = lane
	})
	Tree(e, 16)
	e.Inst("FMOVS", neon.Vreg(0).F(), f.Arg("ret"))
	e.RET()
}

// Register plan: R0 a, R1 count, R2 tail step; V0-V15 the 64 lanes, V16-V31 a.
func genSumSq(e *neon.Emitter, f *neon.Func) {
	const a, cnt, k neon.Reg = 0, 1, 2
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg("n"), cnt.String())
	zeroAcc(e)
	Sum64(e, cnt, k, SumSpec{
		Main: func() {
			for g := 0; g < 4; g++ {
				e.LoadP(a, 16+4*neon.Vreg(g), 17+4*neon.Vreg(g), 18+4*neon.Vreg(g), 19+4*neon.Vreg(g))
			}
			for j, v := range acc {
				e.VFMLA(v, 16+neon.Vreg(j), 16+neon.Vreg(j))
			}
		},
		Vec:  func() { e.LoadP(a, 16) },
		Part: func(cnt neon.Reg) { LoadPart(e, a, cnt, 16, nil, 0) },
		Add:  func(v neon.Vreg) { e.VFMLA(v, 16, 16) },
	})
	Tree(e, 16)
	e.Inst("FMOVS", neon.Vreg(0).F(), f.Arg("ret"))
	e.RET()
}

// Register plan: R0 dst, R1 a, R2 shift, R3 rows, R4 n, R5 count, R6 tail
// step, R7 scratch; V0-V15 the 64 lanes, V16 shift[r] broadcast, the exp
// constants and scratch registers allocated from V17 up. The main loop runs
// exp on pairs of vectors (the registers left allow no more).
func genRowSumExp(e *neon.Emitter, f *neon.Func) {
	const dst, a, shp, rows, n, cnt, k, tmp neon.Reg = 0, 1, 2, 3, 4, 5, 6, 7
	const sh neon.Vreg = 16
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg("shift"), shp.String())
	e.MOVD(f.Arg("rows"), rows.String())
	e.MOVD(f.Arg("n"), n.String())
	e.Take(acc...)
	e.Take(sh)
	c := LoadConsts(e, expNeeds, tmp)
	row := e.NewLabel("row")
	e.Label(row)
	zeroAcc(e)
	e.LoadBcastP(shp, sh)
	e.MOVD(n.String(), cnt.String())
	x := e.Alloc() // the tail's vector
	Sum64(e, cnt, k, SumSpec{
		Main: func() {
			for g := 0; g < 8; g++ {
				xs := e.AllocN(2)
				e.LoadP(a, xs...)
				for _, v := range xs {
					e.FSUB(v, v, sh) // a - shift
				}
				c.Exp(xs)
				for i, v := range xs {
					e.FADD(acc[2*g+i], acc[2*g+i], v)
				}
				e.Free(xs...)
			}
		},
		Vec: func() {
			e.LoadP(a, x)
			e.FSUB(x, x, sh)
			c.Exp([]neon.Vreg{x})
		},
		Part: func(cnt neon.Reg) {
			m := e.Alloc()
			LoadPart(e, a, cnt, x, &m, tmp)
			e.FSUB(x, x, sh)
			c.Exp([]neon.Vreg{x})
			e.AND(x, x, m) // +0 in the lanes past the end
			e.Free(m)
		},
		Add: func(v neon.Vreg) { e.FADD(v, v, x) },
	})
	e.Free(x)
	t := e.Alloc()
	Tree(e, t)
	e.Free(t)
	e.StoreScalarP(dst, 0)
	e.SubsImm(rows, 1)
	e.Inst("BNE", row)
	e.RET()
}

// Register plan: R0 dst, R1 a, R2 rows, R3 n, R4 count; V0-V3 running
// maxima (FMAX propagates NaN; which zero wins a ±0 tie is free), V16-V19
// loaded elements. The last 1-3 elements are folded in with scalar FMAXS
// after the lanes are combined.
func genRowMax(e *neon.Emitter, f *neon.Func) {
	const dst, a, rows, n, cnt neon.Reg = 0, 1, 2, 3, 4
	e.MOVD(f.Arg("dst"), dst.String())
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg("rows"), rows.String())
	e.MOVD(f.Arg("n"), n.String())
	m := []neon.Vreg{0, 1, 2, 3}
	ld := []neon.Vreg{16, 17, 18, 19}
	row := e.NewLabel("row")
	e.Label(row)
	e.LoadBcast(a, m[0]) // start from a[r*n] in every lane
	for _, v := range m[1:] {
		e.Mov(v, m[0])
	}
	e.MOVD(n.String(), cnt.String())
	l4, l1, end, loop16, loop4, loop1 := e.NewLabel("vec"), e.NewLabel("scalar"), e.NewLabel("end"),
		e.NewLabel("loop16"), e.NewLabel("loop4"), e.NewLabel("loop1")
	e.CmpBranch(cnt, 16, "LT", l4)
	e.Label(loop16)
	e.LoadP(a, ld...)
	for i := range m {
		e.FMAX(m[i], m[i], ld[i])
	}
	e.SubImm(cnt, 16)
	e.CmpBranch(cnt, 16, "GE", loop16)
	e.Label(l4)
	e.CmpBranch(cnt, 4, "LT", l1)
	e.Label(loop4)
	e.LoadP(a, ld[0])
	e.FMAX(m[0], m[0], ld[0])
	e.SubImm(cnt, 4)
	e.CmpBranch(cnt, 4, "GE", loop4)
	e.Label(l1)
	e.FMAX(m[0], m[0], m[1])
	e.FMAX(m[2], m[2], m[3])
	e.FMAX(m[0], m[0], m[2])
	e.FMAXV(m[0], m[0])
	e.CBZ(cnt, end)
	e.Label(loop1)
	e.LoadScalarP(a, ld[0])
	e.Inst("FMAXS", ld[0].F(), m[0].F(), m[0].F())
	e.SubsImm(cnt, 1)
	e.Inst("BNE", loop1)
	e.Label(end)
	e.StoreScalarP(dst, m[0])
	e.SubsImm(rows, 1)
	e.Inst("BNE", row)
	e.RET()
}

// argBeats emits "(b2, i2) beats (b1, i1)" and then b1, i1 = b2, i2 where it
// does: b2 > b1, or b2 is NaN and b1 is not, or, with tie, b1 and b2 are
// equal (or both NaN) and i2 < i1. Without tie the candidates are later
// elements of the same lane, which win only when strictly above. t holds
// 3 scratch registers (5 with tie).
func argBeats(e *neon.Emitter, b1, i1, b2, i2 neon.Vreg, t []neon.Vreg, tie bool) {
	w, n1, n2 := t[0], t[1], t[2]
	e.FCMGT(w, b2, b1)  // b2 > b1
	e.FCMEQ(n1, b1, b1) // b1 is a number
	e.FCMEQ(n2, b2, b2) // b2 is a number
	if tie {
		q, r := t[3], t[4]
		e.ORR(q, n1, n2)   // either is a number
		e.FCMEQ(r, b2, b1) // equal numbers (+0 == -0)
		e.ORN(q, r, q)     // equal, or both NaN
		e.CMGT(r, i1, i2)  // i2 < i1
		e.AND(q, q, r)
		e.ORR(w, w, q)
	}
	e.BIC(n1, n1, n2) // b2 NaN and b1 not
	e.ORR(w, w, n1)
	e.BIT(b1, b2, w)
	e.BIT(i1, i2, w)
}

// Register plan: R0 a, R1 count, R2 index of the next element, R3 scratch;
// V0-V3 the best value of each lane and V4-V7 its index (int32), V8-V11 the
// indices of the elements being loaded, V12 16 and V13 4 (index steps),
// V16-V19 loaded elements, V20-V31 scratch. Lane l of pair k sees elements
// 16i+4k+l in order, keeping the first maximum; the 16 lanes are then
// combined with ties going to the lower index. All lanes start at a[0],
// index 0. The last 1-3 elements are broadcast to every lane.
func genArgMax(e *neon.Emitter, f *neon.Func) {
	const a, cnt, idx, tmp neon.Reg = 0, 1, 2, 3
	best, bidx, cur := []neon.Vreg{0, 1, 2, 3}, []neon.Vreg{4, 5, 6, 7}, []neon.Vreg{8, 9, 10, 11}
	const step16, step4 neon.Vreg = 12, 13
	ld := []neon.Vreg{16, 17, 18, 19}
	tmps := func(k int) []neon.Vreg {
		return []neon.Vreg{neon.Vreg(20 + 3*k), neon.Vreg(21 + 3*k), neon.Vreg(22 + 3*k)}
	}
	tie := []neon.Vreg{20, 21, 22, 23, 24}
	e.MOVD(f.Arg("a"), a.String())
	e.MOVD(f.Arg("n"), cnt.String())
	e.LoadBcast(a, best[0])
	for k := 1; k < 4; k++ {
		e.Mov(best[k], best[0])
	}
	for k := 0; k < 4; k++ {
		e.Zero(bidx[k])
		for l := 0; l < 4; l++ {
			e.MOVD(fmt.Sprintf("$%d", 4*k+l), tmp.String())
			e.MovRLane(cur[k], l, tmp)
		}
	}
	e.MOVD("$16", tmp.String())
	e.DupR(step16, tmp)
	e.MOVD("$4", tmp.String())
	e.DupR(step4, tmp)
	e.MOVD("ZR", idx.String())

	l4, l1, end, loop16, loop4, loop1 := e.NewLabel("vec"), e.NewLabel("scalar"), e.NewLabel("end"),
		e.NewLabel("loop16"), e.NewLabel("loop4"), e.NewLabel("loop1")
	e.CmpBranch(cnt, 16, "LT", l4)
	e.Label(loop16)
	e.LoadP(a, ld...)
	for k := 0; k < 4; k++ {
		argBeats(e, best[k], bidx[k], ld[k], cur[k], tmps(k), false)
		e.IADD(cur[k], cur[k], step16)
	}
	e.AddImm(idx, 16)
	e.SubImm(cnt, 16)
	e.CmpBranch(cnt, 16, "GE", loop16)

	e.Label(l4)
	e.CmpBranch(cnt, 4, "LT", l1)
	e.Label(loop4)
	e.LoadP(a, ld[0])
	argBeats(e, best[0], bidx[0], ld[0], cur[0], tmps(0), false)
	e.IADD(cur[0], cur[0], step4)
	e.AddImm(idx, 4)
	e.SubImm(cnt, 4)
	e.CmpBranch(cnt, 4, "GE", loop4)

	e.Label(l1)
	e.Comment("combine the 16 lanes, ties to the lower index")
	argBeats(e, best[0], bidx[0], best[1], bidx[1], tie, true)
	argBeats(e, best[2], bidx[2], best[3], bidx[3], tie, true)
	argBeats(e, best[0], bidx[0], best[2], bidx[2], tie, true)
	for _, sh := range []int{8, 4} {
		e.EXT(ld[0], best[0], best[0], sh)
		e.EXT(ld[1], bidx[0], bidx[0], sh)
		argBeats(e, best[0], bidx[0], ld[0], ld[1], tie, true)
	}
	e.CBZ(cnt, end)
	e.Label(loop1)
	e.LoadBcastP(a, ld[0])
	e.DupR(ld[1], idx)
	argBeats(e, best[0], bidx[0], ld[0], ld[1], tmps(0), false)
	e.AddImm(idx, 1)
	e.SubsImm(cnt, 1)
	e.Inst("BNE", loop1)
	e.Label(end)
	e.MovLaneR(tmp, bidx[0], 0)
	e.MOVD(tmp.String(), f.Arg("ret"))
	e.RET()
}
