package main

import (
	"fmt"
	"math"

	"github.com/mmcloughlin/avo/attr"
	"github.com/mmcloughlin/avo/build"
	"github.com/mmcloughlin/avo/gotypes"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// isa holds everything in which the AVX-512 and the AVX2 variant of a kernel
// differ. Kernel generators are written once against these parameters and the
// few helpers below that switch on them (masks, blends, integer logic).
type isa struct {
	suffix string // function name suffix: AVX512, AVX2
	file   string // file name part: avx512, avx2

	w     int                                 // float32 lanes per vector
	vec   func(*build.Context) reg.VecVirtual // vector register constructor
	kmask bool                                // tails and conditions in K registers (AVX-512); else vector masks, VMASKMOVPS, VBLENDVPS

	// fullInTail: in the remainder pass, a vector whose lanes are all in
	// range runs unmasked and only the last, partial one is masked. AVX2 wants
	// it (VMASKMOVPS stores are microcoded and slow on AMD); AVX-512 masked
	// loads and stores cost as much as plain ones, so it masks every vector.
	fullInTail bool

	// adamDivConst: AdamStep divides by bc2s with divConst (FMAs from its
	// two-term reciprocal) instead of VDIVPS, except where the register plan
	// has no room (adamPlan): the divider bounds the step, and divConst
	// takes one of its two divisions off it (docs/performance.md).
	adamDivConst bool

	nvec     int // vector registers: 32 ZMM, 16 YMM
	mathG    int // vectors per group of the math functions (math.go, group.go)
	unroll   int // vectors per main-loop iteration of the streaming kernels
	sumVecs  int // vectors holding the 64 lanes of sum64 (also its unroll)
	peakAccs int // independent FMA chains of FMAPeak
}

var (
	// AVX-512: 32 ZMM, masked loads/stores in the tails.
	avx512 = isa{suffix: "AVX512", file: "avx512", w: 16, vec: (*build.Context).ZMM, kmask: true, adamDivConst: true,
		nvec: 32, mathG: 4, unroll: 4, sumVecs: 4, peakAccs: 24}
	// AVX2+FMA: 16 YMM (the plans below keep at most 16 live), VMASKMOVPS tails.
	avx2 = isa{suffix: "AVX2", file: "avx2", w: 8, vec: (*build.Context).YMM, kmask: false, fullInTail: true, adamDivConst: true,
		nvec: 16, mathG: 2, unroll: 4, sumVecs: 8, peakAccs: 12}

	isas = []isa{avx512, avx2}
)

// bytes is the size of one vector.
func (is isa) bytes() int { return 4 * is.w }

// gen is the emitter of one output file: an avo context plus the ISA.
type gen struct {
	*build.Context
	isa
	consts map[string]operand.Mem
	pinned map[string]reg.VecVirtual // constants held in registers (pin)
	labels int
}

func newGen(ctx *build.Context, is isa) *gen {
	return &gen{Context: ctx, isa: is, consts: map[string]operand.Mem{}, pinned: map[string]reg.VecVirtual{}}
}

func (g *gen) v() reg.VecVirtual { return g.vec(g.Context) }

// label returns a label name unique in the file.
func (g *gen) label(what string) string {
	g.labels++
	return fmt.Sprintf("%s_%d", what, g.labels)
}

// function starts a NOSPLIT, noescape assembly function Name+suffix.
func (g *gen) function(name, sig string, doc ...string) {
	g.Function(name + g.suffix)
	g.Attributes(attr.NOSPLIT)
	g.Pragma("noescape")
	g.SignatureExpr(sig)
	g.Doc(doc...)
}

// ret clears the upper vector state (avo does not) and returns.
func (g *gen) ret() {
	g.VZEROUPPER()
	g.RET()
}

// ---- constants --------------------------------------------------------------

// table returns a read-only static table, created once per file.
func (g *gen) table(name string, words []operand.Constant) operand.Mem {
	if m, ok := g.consts[name]; ok {
		return m
	}
	m := g.StaticGlobal(name)
	g.DataAttributes(attr.RODATA | attr.NOPTR)
	for _, w := range words {
		g.AppendDatum(w)
	}
	g.consts[name] = m
	return m
}

// ki returns a full vector (64 bytes, the AVX2 code reads the first 32) of
// the 32-bit word bits, as a memory operand.
func (g *gen) ki(name string, bits uint32) operand.Mem {
	words := make([]operand.Constant, 16)
	for i := range words {
		words[i] = operand.U32(bits)
	}
	return g.table(name, words)
}

// kf is ki for a float32 constant.
func (g *gen) kf(name string, f float32) operand.Mem { return g.ki(name, math.Float32bits(f)) }

// ---- vectors ----------------------------------------------------------------

// zero returns a new vector of +0.
func (g *gen) zero() reg.VecVirtual {
	z := g.v()
	if g.kmask {
		g.VPXORD(z, z, z) // VXORPS zmm needs AVX512DQ
	} else {
		g.VXORPS(z, z, z)
	}
	return z
}

// bcast returns a new vector with the float32 at m in every lane.
func (g *gen) bcast(m operand.Op) reg.VecVirtual {
	r := g.v()
	g.VBROADCASTSS(m, r)
	return r
}

func (g *gen) mov(src operand.Op) reg.VecVirtual {
	r := g.v()
	g.VMOVUPS(src, r)
	return r
}

// Integer logic: EVEX needs the D forms for ZMM.
func (g *gen) pand(a operand.Op, b, dst reg.Register) {
	if g.kmask {
		g.VPANDD(a, b, dst)
	} else {
		g.VPAND(a, b, dst)
	}
}

func (g *gen) por(a operand.Op, b, dst reg.Register) {
	if g.kmask {
		g.VPORD(a, b, dst)
	} else {
		g.VPOR(a, b, dst)
	}
}

// round rounds every lane to the nearest integer, ties to even.
func (g *gen) round(src operand.Op, dst reg.Register) {
	if g.kmask {
		g.VRNDSCALEPS(operand.U8(0), src, dst)
	} else {
		g.VROUNDPS(operand.U8(0), src, dst)
	}
}

// ---- conditions -------------------------------------------------------------

// Comparison predicates (VCMPPS imm8).
const (
	cmpEQ    = 0x00 // EQ_OQ
	cmpLT    = 0x01 // LT_OS
	cmpUnord = 0x03 // UNORD_Q
	cmpNLT   = 0x05 // NLT_US: !(x < y), true on NaN
	cmpNLE   = 0x06 // NLE_US: !(x <= y), true on NaN
	cmpNGE   = 0x09 // NGE_US: !(x >= y), true on NaN
	cmpGE    = 0x0d // GE_OS
)

// cmp returns the mask of lanes where x pred y (Intel order; y may be memory):
// a K register on AVX-512, an all-ones/all-zeros vector on AVX2.
func (g *gen) cmp(pred uint8, x reg.Register, y operand.Op) reg.Register {
	if g.kmask {
		k := g.K()
		g.VCMPPS(operand.U8(pred), y, x, k)
		return k
	}
	m := g.v()
	g.VCMPPS(operand.U8(pred), y, x, m)
	return m
}

// blend sets dst = m ? src : dst lane by lane (src may be memory).
func (g *gen) blend(m reg.Register, src operand.Op, dst reg.Register) {
	if g.kmask {
		g.VMOVUPS(src, m, dst) // merge-masked move
	} else {
		g.VBLENDVPS(m, src, dst, dst)
	}
}

// ---- tails ------------------------------------------------------------------

// tailBase returns a new register holding what the masks of a remainder of
// rem elements (rem < 64) are built from. AVX-512: the bit mask 1<<rem - 1
// itself, word rem of a table of 64. AVX2: the address of word 64-rem of a
// table of 64 int32 -1 then 64 zeros, so that the lane mask of lanes
// [8k, 8k+8) of the remainder is the 8 words at byte offset 32k from it.
func (g *gen) tailBase(rem reg.GPVirtual) reg.GPVirtual {
	base := g.GP64()
	if g.kmask {
		words := make([]operand.Constant, 64)
		for i := range words {
			words[i] = operand.U64(uint64(1)<<i - 1)
		}
		g.LEAQ(g.table("tailbits", words), base)
		g.MOVQ(operand.Mem{Base: base, Index: rem, Scale: 8}, base)
		return base
	}
	words := make([]operand.Constant, 128)
	for i := range words {
		if i < 64 {
			words[i] = operand.U32(0xffffffff)
		} else {
			words[i] = operand.U32(0)
		}
	}
	g.LEAQ(g.table("tailmask", words), base)
	neg := g.GP64()
	g.MOVQ(rem, neg)
	g.NEGQ(neg)
	g.LEAQ(operand.Mem{Base: base, Index: neg, Scale: 4, Disp: 256}, base)
	return base
}

// tailMask returns the mask of vector k of the remainder described by base.
func (g *gen) tailMask(base reg.GPVirtual, k int) reg.Register {
	if g.kmask {
		bits := base
		if k > 0 {
			bits = g.GP64()
			g.MOVQ(base, bits)
			g.SHRQ(operand.U8(16*k), bits)
		}
		km := g.K()
		g.KMOVW(bits.As32(), km)
		return km
	}
	m := g.v()
	g.VMOVDQU(operand.Mem{Base: base, Disp: 32 * k}, m)
	return m
}

// load returns the vector at m; with a tail mask t only its lanes are read
// (the others are +0), never faulting beyond them.
func (g *gen) load(m operand.Mem, t reg.Register) reg.VecVirtual {
	r := g.v()
	switch {
	case t == nil:
		g.VMOVUPS(m, r)
	case g.kmask:
		g.VMOVUPS_Z(m, t, r)
	default:
		g.VMASKMOVPS(m, t, r)
	}
	return r
}

// maskedLoad loads the lanes of YMM dst that mask selects from m, the
// others +0, without faulting on the ones it does not (a zeroing K-masked
// VMOVUPS on AVX-512, VMASKMOVPS on AVX2).
func (g *gen) maskedLoad(m operand.Mem, mask reg.Register, dst reg.VecVirtual) {
	if g.kmask {
		g.VMOVUPS_Z(m, mask, dst)
		return
	}
	g.VMASKMOVPS(m, mask, dst)
}

// store writes r to m, only the lanes of t if t is a tail mask.
func (g *gen) store(r reg.Register, m operand.Mem, t reg.Register) {
	switch {
	case t == nil:
		g.VMOVUPS(r, m)
	case g.kmask:
		g.VMOVUPS(r, t, m)
	default:
		g.VMASKMOVPS(r, t, m)
	}
}

// src returns the vector at m as an operand: the memory itself for a full
// vector (for instructions that take it), a masked load for a tail.
func (g *gen) src(m operand.Mem, t reg.Register) operand.Op {
	if t == nil {
		return m
	}
	return g.load(m, t)
}

func at(p reg.GPVirtual, off int) operand.Mem { return operand.Mem{Base: p, Disp: off} }

// stridedRow addresses row r (0..7) of a group of rows stride bytes apart
// with scaled-index addressing: rows 0-3 from base (base, base+s, base+2s,
// base+3s with ld3 = 3s), rows 4-7 the same from base4 = base+4s.
func stridedRow(base, base4, ld, ld3 reg.GPVirtual, r int) operand.Mem {
	if r >= 4 {
		base, r = base4, r-4
	}
	switch r {
	case 0:
		return operand.Mem{Base: base}
	case 1:
		return operand.Mem{Base: base, Index: ld, Scale: 1}
	case 2:
		return operand.Mem{Base: base, Index: ld, Scale: 2}
	case 3:
		return operand.Mem{Base: base, Index: ld3, Scale: 1}
	}
	panic("stridedRow: row out of range")
}

// groupRow addresses row r (0..7) of a group of rows ld bytes apart from one
// base register, given ld3, ld5 and ld7 = 3, 5 and 7 times ld (rows 0-4 and
// 6 through the scales 1, 2, 4 of ld and 2 of ld3): one GP register per
// group of 8 rows instead of stridedRow's two.
func groupRow(base, ld, ld3, ld5, ld7 reg.GPVirtual, r int) operand.Mem {
	switch r {
	case 4:
		return operand.Mem{Base: base, Index: ld, Scale: 4}
	case 5:
		return operand.Mem{Base: base, Index: ld5, Scale: 1}
	case 6:
		return operand.Mem{Base: base, Index: ld3, Scale: 2}
	case 7:
		return operand.Mem{Base: base, Index: ld7, Scale: 1}
	}
	return stridedRow(base, base, ld, ld3, r)
}

// ---- loop skeletons -------------------------------------------------------

// stream emits the loop over the n elements (n >= 0, rem is consumed) of the
// streams at ptrs: blocks of u full vectors, then one pass over the rest
// (fewer than u*w elements) as up to u masked vectors. body(k, off, t)
// processes vector k of a block at byte offset off from the pointers; t is nil
// for a full vector, else its tail mask. The pointers end just past the
// elements. Vector k of every block goes through the same body call, so a
// body may keep per-k state (the sum lanes).
func (g *gen) stream(rem reg.GPVirtual, ptrs []reg.GPVirtual, u int, body func(k, off int, t reg.Register)) {
	g.streamGroups(rem, ptrs, u, 1, func(ks []int, t reg.Register) {
		body(ks[0], ks[0]*g.bytes(), t)
	})
}

// streamGroups is stream with the full vectors of a block handed to body in
// groups of gs (gs divides u): body(ks, t) processes the vectors ks of a
// block, vector k at byte offset k*g.bytes(). The remainder pass hands over
// one vector at a time (ks of length 1), with its tail mask t if partial.
func (g *gen) streamGroups(rem reg.GPVirtual, ptrs []reg.GPVirtual, u, gs int, body func(ks []int, t reg.Register)) {
	if u%gs != 0 {
		panic("streamGroups: group size does not divide the unroll")
	}
	one := func(k int, t reg.Register) { body([]int{k}, t) }
	loop, tail, done := g.label("loop"), g.label("tail"), g.label("done")
	blk := u * g.w
	g.Label(loop)
	g.CMPQ(rem, operand.U32(blk))
	g.JB(operand.LabelRef(tail))
	for k := 0; k < u; k += gs {
		ks := make([]int, gs)
		for i := range ks {
			ks[i] = k + i
		}
		body(ks, nil)
	}
	for _, p := range ptrs {
		g.ADDQ(operand.U32(blk*4), p)
	}
	g.SUBQ(operand.U32(blk), rem)
	g.JMP(operand.LabelRef(loop))

	g.Label(tail)
	g.TESTQ(rem, rem)
	g.JZ(operand.LabelRef(done))
	base := g.tailBase(rem)
	for k := 0; k < u; k++ {
		if k > 0 {
			g.CMPQ(rem, operand.U32(k*g.w))
			g.JBE(operand.LabelRef(done))
		}
		if !g.fullInTail {
			one(k, g.tailMask(base, k))
			continue
		}
		partial := g.label("partial")
		g.CMPQ(rem, operand.U32((k+1)*g.w))
		g.JB(operand.LabelRef(partial))
		one(k, nil)
		if k+1 < u {
			next := g.label("next")
			g.JMP(operand.LabelRef(next))
			g.Label(partial)
			one(k, g.tailMask(base, k))
			g.JMP(operand.LabelRef(done))
			g.Label(next)
		} else {
			g.JMP(operand.LabelRef(done))
			g.Label(partial)
			one(k, g.tailMask(base, k))
		}
	}
	g.Label(done)
	for _, p := range ptrs {
		g.LEAQ(operand.Mem{Base: p, Index: rem, Scale: 4}, p)
	}
}

// rowLoop emits body once per row (rows >= 1; the register is consumed).
func (g *gen) rowLoop(rows reg.GPVirtual, body func()) {
	row := g.label("row")
	g.Label(row)
	body()
	g.DECQ(rows)
	g.JNZ(operand.LabelRef(row))
}

// copyGP returns a new register holding r.
func (g *gen) copyGP(r reg.GPVirtual) reg.GPVirtual {
	c := g.GP64()
	g.MOVQ(r, c)
	return c
}

// ptr loads a pointer or count argument.
func (g *gen) arg(name string) reg.GPVirtual {
	return g.Load(g.Param(name), g.GP64()).(reg.GPVirtual)
}

// dispatch emits the branch on op (0..len(bodies)-1) at entry, then each
// specialised body (each ends in its own return). An unknown op returns.
func (g *gen) dispatch(op reg.GPVirtual, bodies int, body func(i int)) {
	labels := make([]string, bodies)
	for i := range labels {
		labels[i] = g.label(fmt.Sprintf("op%d", i))
		g.CMPQ(op, operand.U32(i))
		g.JE(operand.LabelRef(labels[i]))
	}
	g.ret()
	for i := range labels {
		g.Label(labels[i])
		body(i)
		g.ret()
	}
}

// addr returns the stack address of a component (argument or result).
func addr(c gotypes.Component) operand.Mem {
	b, err := c.Resolve()
	if err != nil {
		panic(err)
	}
	return b.Addr
}
