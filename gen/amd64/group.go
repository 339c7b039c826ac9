package main

import (
	"fmt"
	"math"

	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// ---- vector groups ------------------------------------------------------------
//
// The transcendental functions are long dependency chains (exp: about 25
// dependent instructions per vector). Emitted one vector after the other, the
// out-of-order core only overlaps the chains of neighbouring vectors as far as
// its scheduler reaches. The math emitters therefore work on a vg, a group of
// independent vectors, and emit every step once per member before the next
// step (each). Every member goes through exactly the instructions that one
// vector went through before, in the same order, so the results are the same
// bit for bit; only the interleaving of independent instructions changes.

// vg is a group of independent vectors (or, on AVX-512, K masks) processed in
// lockstep; member i of one group belongs with member i of the others.
type vg []reg.Register

// newVG returns a group of n new vectors.
func (g *gen) newVG(n int) vg {
	r := make(vg, n)
	for i := range r {
		r[i] = g.v()
	}
	return r
}

// insn is an avo instruction emitter, operands in Go (reversed Intel) order.
type insn func(ops ...operand.Op)

// fixed-arity avo instructions as insn.
func i3(f func(a, b, c operand.Op)) insn { return func(o ...operand.Op) { f(o[0], o[1], o[2]) } }

// each emits ins once per member i of the group: an argument that is a vg
// contributes its member i, any other operand (a constant in memory or in a
// register, an immediate) is the same for every member. All vg arguments must
// have the same size.
func (g *gen) each(ins insn, args ...any) {
	n := -1
	for _, a := range args {
		if v, ok := a.(vg); ok {
			if n >= 0 && len(v) != n {
				panic(fmt.Sprintf("each: groups of %d and %d", n, len(v)))
			}
			n = len(v)
		}
	}
	if n < 0 {
		panic("each: no group among the operands")
	}
	for i := 0; i < n; i++ {
		ops := make([]operand.Op, len(args)) // avo keeps the slice
		for j, a := range args {
			switch a := a.(type) {
			case vg:
				ops[j] = a[i]
			case operand.Op:
				ops[j] = a
			default:
				panic(fmt.Sprintf("each: operand %T", a))
			}
		}
		ins(ops...)
	}
}

// fresh returns a group of n new vectors, each a copy of src (a shared
// operand or a group).
func (g *gen) fresh(n int, src any) vg {
	r := g.newVG(n)
	g.each(g.VMOVUPS, src, r)
	return r
}

// constFirst returns a new group ins(c, x) (Go order ins(x, c, dst), Intel
// ins dst, c, x) for an instruction whose first Intel source must be a
// register: the pinned register of c, else a fresh copy of c per member,
// which then also receives the result.
func (g *gen) constFirst(ins insn, c kconst, x vg) vg {
	if r, ok := g.pinned[c.name]; ok {
		d := g.newVG(len(x))
		g.each(ins, x, r, d)
		return d
	}
	d := g.fresh(len(x), g.k(c))
	g.each(ins, x, d, d)
	return d
}

// The ISA-switched helpers of isa.go, one instruction per member.
func (g *gen) eachRound(src, dst vg) {
	g.each(func(o ...operand.Op) { g.round(o[0], o[1].(reg.Register)) }, src, dst)
}
func (g *gen) eachPand(a any, b, dst vg) {
	g.each(func(o ...operand.Op) { g.pand(o[0], o[1].(reg.Register), o[2].(reg.Register)) }, a, b, dst)
}
func (g *gen) eachPor(a any, b, dst vg) {
	g.each(func(o ...operand.Op) { g.por(o[0], o[1].(reg.Register), o[2].(reg.Register)) }, a, b, dst)
}

// eachBlend sets dst = m ? src : dst per member.
func (g *gen) eachBlend(m vg, src any, dst vg) {
	g.each(func(o ...operand.Op) { g.blend(o[0].(reg.Register), o[1], o[2].(reg.Register)) }, m, src, dst)
}

// eachCmp returns the masks of x pred y per member.
func (g *gen) eachCmp(pred uint8, x vg, y any) vg {
	m := make(vg, len(x))
	i := 0
	g.each(func(o ...operand.Op) { m[i] = g.cmp(pred, o[0].(reg.Register), o[1]); i++ }, x, y)
	return m
}

// eachAddIf adds the int32 vector c to e in the lanes of mask m, per member.
func (g *gen) eachAddIf(m vg, c any, e vg) {
	if g.kmask {
		g.each(g.VPADDD, c, e, m, e) // merge-masked
		return
	}
	t := g.newVG(len(e))
	g.each(i3(g.VPAND), c, m, t)
	g.each(g.VPADDD, t, e, e)
}

// ---- constants of the math functions ---------------------------------------

// kconst is a constant vector of the math functions: its 32-bit word and the
// name of its table. g.k gives it as a memory operand or, while it is pinned,
// as a register.
type kconst struct {
	name string
	bits uint32
}

func kf32(name string, f float32) kconst { return kconst{name, math.Float32bits(f)} }

// k returns the constant c: its pinned register, else its table.
func (g *gen) k(c kconst) operand.Op {
	if r, ok := g.pinned[c.name]; ok {
		return r
	}
	return g.ki(c.name, c.bits)
}

// pin loads the first free (at most) of cs into registers, which g.k returns
// until unpin; used around a loop whose body leaves registers free, loaded
// once before the loop instead of once per use.
func (g *gen) pin(free int, cs []kconst) {
	for _, c := range cs {
		if free <= 0 {
			return
		}
		if _, ok := g.pinned[c.name]; ok {
			continue
		}
		g.pinned[c.name] = g.mov(g.ki(c.name, c.bits))
		free--
	}
}

func (g *gen) unpin() { g.pinned = map[string]reg.VecVirtual{} }
