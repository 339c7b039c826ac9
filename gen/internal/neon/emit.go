package neon

import (
	"fmt"
	"strings"
)

// Vreg is a SIMD&FP register V0..V31. Every vector value here is a 4S
// arrangement (four float32 or int32 lanes) unless a method says otherwise.
type Vreg uint8

// Reg is a general-purpose register. The kernels use R0..R17 only: R18 is
// the platform register, R26 the closure context, R27 the assembler's
// temporary, R28 Go's g, R29 the frame pointer and R30 the link register.
type Reg uint8

// ZR is the zero register (Go spells it ZR).
const ZR Reg = 31

// String is the Go assembler name of v as a whole register, "V3".
func (v Vreg) String() string { return fmt.Sprintf("V%d", v) }

// S4 is the Go assembler spelling of the 4S arrangement.
func (v Vreg) S4() string { return fmt.Sprintf("V%d.S4", v) }

// B16 is the Go assembler spelling of the 16B arrangement (bitwise ops).
func (v Vreg) B16() string { return fmt.Sprintf("V%d.B16", v) }

// F is the scalar single-precision view of v (lane 0), Go's F register.
func (v Vreg) F() string { return fmt.Sprintf("F%d", v) }

// Lane is the Go spelling of lane i of v.
func (v Vreg) Lane(i int) string { return fmt.Sprintf("V%d.S[%d]", v, i) }

// String is the Go assembler name of r, "R3" or "ZR".
func (r Reg) String() string {
	if r == ZR {
		return "ZR"
	}
	return fmt.Sprintf("R%d", r)
}

// Lane names one 32-bit lane of a register: a constant packed with others.
type Lane struct {
	V Vreg
	I int
}

// Emitter accumulates the text of one assembly file.
type Emitter struct {
	b      strings.Builder
	fn     string // current function, for labels
	nlabel int
	used   [32]bool // vector registers taken (fixed plan or allocated)
	gused  [32]bool
}

// Arg is one Go parameter of a kernel.
type Arg struct {
	Name, Type string
}

func argSize(typ string) int {
	switch typ {
	case "float32":
		return 4
	case "int", "*float32":
		return 8
	}
	panic("unknown arg type " + typ)
}

// Func describes a kernel's Go signature; Params and Ret give the stub and
// the frame offsets name+off(FP).
type Func struct {
	Name   string
	Doc    string
	Params []Arg
	Ret    string // "" when nothing is returned
}

// offsets returns each parameter's frame offset, the result's and the total
// argument size, following Go's ABI0 layout on arm64 (naturally aligned
// arguments, results start 8-aligned).
func (f *Func) offsets() (map[string]int, int) {
	off := map[string]int{}
	o := 0
	for _, a := range f.Params {
		s := argSize(a.Type)
		o = (o + s - 1) / s * s
		off[a.Name] = o
		o += s
	}
	if f.Ret != "" {
		o = (o + 7) &^ 7
		off["ret"] = o
		o += argSize(f.Ret)
	}
	return off, o
}

// GoDecl is the Go declaration of the stub.
func (f *Func) GoDecl() string {
	var parts []string
	for i, a := range f.Params {
		if i+1 < len(f.Params) && f.Params[i+1].Type == a.Type {
			parts = append(parts, a.Name)
			continue
		}
		parts = append(parts, a.Name+" "+a.Type)
	}
	s := fmt.Sprintf("func %s(%s)", f.Name, strings.Join(parts, ", "))
	if f.Ret != "" {
		s += " " + f.Ret
	}
	return s
}

// Arg returns the frame reference name+off(FP) of a parameter ("ret" for the result).
func (f *Func) Arg(name string) string {
	off, _ := f.offsets()
	o, ok := off[name]
	if !ok {
		panic("no argument " + name + " in " + f.Name)
	}
	return fmt.Sprintf("%s+%d(FP)", name, o)
}

// Text starts a function: the TEXT line, and a fresh register and label state.
func (e *Emitter) Text(f *Func) {
	_, size := f.offsets()
	e.fn = f.Name
	e.nlabel = 0
	e.used = [32]bool{}
	e.gused = [32]bool{}
	fmt.Fprintf(&e.b, "\n// %s\nTEXT ·%s(SB), NOSPLIT, $0-%d\n", f.GoDecl(), f.Name, size)
}

// Raw appends s to the text as it is (file headers, directives).
func (e *Emitter) Raw(s string) { e.b.WriteString(s) }

// String returns the text emitted so far.
func (e *Emitter) String() string { return e.b.String() }

// Comment writes a comment line.
func (e *Emitter) Comment(format string, args ...any) {
	fmt.Fprintf(&e.b, "\t// "+format+"\n", args...)
}

// Inst writes one native Go assembler instruction.
func (e *Emitter) Inst(op string, operands ...string) {
	if len(operands) == 0 {
		fmt.Fprintf(&e.b, "\t%s\n", op)
		return
	}
	fmt.Fprintf(&e.b, "\t%s\t%s\n", op, strings.Join(operands, ", "))
}

// Word writes an encoded instruction with its disassembly as a comment.
func (e *Emitter) Word(w uint32, asm string) {
	fmt.Fprintf(&e.b, "\tWORD\t$0x%08x // %s\n", w, asm)
}

// NewLabel returns a label unique in the current function.
func (e *Emitter) NewLabel(name string) string {
	e.nlabel++
	return fmt.Sprintf("%s_%d", name, e.nlabel)
}

// Label places a label.
func (e *Emitter) Label(l string) { fmt.Fprintf(&e.b, "%s:\n", l) }

// --- register bookkeeping -------------------------------------------------

// Take marks fixed vector registers as used by the function's register plan.
func (e *Emitter) Take(vs ...Vreg) {
	for _, v := range vs {
		if e.used[v] {
			panic(fmt.Sprintf("%s: V%d taken twice", e.fn, v))
		}
		e.used[v] = true
	}
}

// Alloc returns the lowest free vector register.
func (e *Emitter) Alloc() Vreg {
	for i := range e.used {
		if !e.used[i] {
			e.used[i] = true
			return Vreg(i)
		}
	}
	panic(e.fn + ": out of vector registers")
}

// AllocN returns n consecutive free vector registers (for multi-register loads).
func (e *Emitter) AllocN(n int) []Vreg {
	for s := 0; s+n <= 32; s++ {
		ok := true
		for i := s; i < s+n; i++ {
			ok = ok && !e.used[i]
		}
		if ok {
			vs := make([]Vreg, n)
			for i := range vs {
				vs[i] = Vreg(s + i)
				e.used[s+i] = true
			}
			return vs
		}
	}
	panic(e.fn + ": no consecutive vector registers")
}

// Free returns vector registers to the pool.
func (e *Emitter) Free(vs ...Vreg) {
	for _, v := range vs {
		if !e.used[v] {
			panic(fmt.Sprintf("%s: V%d freed twice", e.fn, v))
		}
		e.used[v] = false
	}
}

// GReg returns a free general register among R0..R17.
func (e *Emitter) GReg() Reg {
	for i := 0; i <= 17; i++ {
		if !e.gused[i] {
			e.gused[i] = true
			return Reg(i)
		}
	}
	panic(e.fn + ": out of general registers")
}

// --- native Go instructions (text) -----------------------------------------

// RegList returns the Go assembler list of the registers vs in their 4S
// arrangement, "[V0.S4, V1.S4]", for the multi-register VLD1 and VST1.
func RegList(vs []Vreg) string {
	s := make([]string, len(vs))
	for i, v := range vs {
		s[i] = v.S4()
	}
	return "[" + strings.Join(s, ", ") + "]"
}

func consecutive(vs []Vreg) bool {
	for i := 1; i < len(vs); i++ {
		if vs[i] != vs[i-1]+1 {
			return false
		}
	}
	return len(vs) >= 1 && len(vs) <= 4
}

// LoadP loads len(vs) vectors from (p) and advances p (VLD1.P); vs must be
// consecutive registers, otherwise one VLD1.P per vector is emitted.
func (e *Emitter) LoadP(p Reg, vs ...Vreg) {
	if !consecutive(vs) {
		for _, v := range vs {
			e.LoadP(p, v)
		}
		return
	}
	e.Inst("VLD1.P", fmt.Sprintf("%d(%s)", 16*len(vs), p), RegList(vs))
}

// Load loads len(vs) consecutive vectors from (p) without moving p.
func (e *Emitter) Load(p Reg, vs ...Vreg) {
	if !consecutive(vs) {
		panic("Load needs consecutive registers")
	}
	e.Inst("VLD1", fmt.Sprintf("(%s)", p), RegList(vs))
}

// StoreP stores vectors to (p) and advances p (VST1.P).
func (e *Emitter) StoreP(p Reg, vs ...Vreg) {
	if !consecutive(vs) {
		for _, v := range vs {
			e.StoreP(p, v)
		}
		return
	}
	e.Inst("VST1.P", RegList(vs), fmt.Sprintf("%d(%s)", 16*len(vs), p))
}

// LoadScalarP loads one float32 into lane 0 of v, zeroing lanes 1-3, and advances p by 4.
func (e *Emitter) LoadScalarP(p Reg, v Vreg) { e.Inst("FMOVS.P", fmt.Sprintf("4(%s)", p), v.F()) }

// LoadScalar loads one float32 into lane 0 of v, zeroing lanes 1-3.
func (e *Emitter) LoadScalar(p Reg, v Vreg) { e.Inst("FMOVS", fmt.Sprintf("(%s)", p), v.F()) }

// StoreScalarP stores lane 0 of v to (p) and advances p by 4.
func (e *Emitter) StoreScalarP(p Reg, v Vreg) { e.Inst("FMOVS.P", v.F(), fmt.Sprintf("4(%s)", p)) }

// LoadLaneP loads one float32 into lane i of v (other lanes kept) and advances p by 4.
func (e *Emitter) LoadLaneP(p Reg, v Vreg, i int) {
	e.Inst("VLD1.P", fmt.Sprintf("4(%s)", p), v.Lane(i))
}

// LoadBcastP loads one float32 into all lanes of v and advances p by 4.
func (e *Emitter) LoadBcastP(p Reg, v Vreg) {
	e.Inst("VLD1R.P", fmt.Sprintf("4(%s)", p), RegList([]Vreg{v}))
}

// LoadBcast loads one float32 into all lanes of v.
func (e *Emitter) LoadBcast(p Reg, v Vreg) {
	e.Inst("VLD1R", fmt.Sprintf("(%s)", p), RegList([]Vreg{v}))
}

// Zero sets v to all-zero bits (+0 in every lane).
func (e *Emitter) Zero(v Vreg) { e.Inst("VEOR", v.B16(), v.B16(), v.B16()) }

// Mov copies n to d.
func (e *Emitter) Mov(d, n Vreg) { e.Inst("VMOV", n.B16(), d.B16()) }

// DupLane broadcasts lane l to every lane of d.
func (e *Emitter) DupLane(d Vreg, l Lane) { e.Inst("VDUP", l.V.Lane(l.I), d.S4()) }

// DupR broadcasts the low 32 bits of r to every lane of d.
func (e *Emitter) DupR(d Vreg, r Reg) { e.Inst("VDUP", r.String(), d.S4()) }

// MovRLane sets lane i of d to the low 32 bits of r.
func (e *Emitter) MovRLane(d Vreg, i int, r Reg) { e.Inst("VMOV", r.String(), d.Lane(i)) }

// MovLaneR sets r to lane i of v, zero-extended.
func (e *Emitter) MovLaneR(r Reg, v Vreg, i int) { e.Inst("VMOV", v.Lane(i), r.String()) }

// Bitwise and integer ops (Go operand order is reversed: m, n, d).

// AND: d = n & m.
func (e *Emitter) AND(d, n, m Vreg) { e.Inst("VAND", m.B16(), n.B16(), d.B16()) }

// ORR: d = n | m.
func (e *Emitter) ORR(d, n, m Vreg) { e.Inst("VORR", m.B16(), n.B16(), d.B16()) }

// EOR: d = n ^ m.
func (e *Emitter) EOR(d, n, m Vreg) { e.Inst("VEOR", m.B16(), n.B16(), d.B16()) }

// BSL: d = d ? n : m, bitwise (d is the mask).
func (e *Emitter) BSL(d, n, m Vreg) { e.Inst("VBSL", m.B16(), n.B16(), d.B16()) }

// BIT: d = m ? n : d, bitwise (insert n where m is set).
func (e *Emitter) BIT(d, n, m Vreg) { e.Inst("VBIT", m.B16(), n.B16(), d.B16()) }

// BIF: d = m ? d : n, bitwise (insert n where m is clear).
func (e *Emitter) BIF(d, n, m Vreg) { e.Inst("VBIF", m.B16(), n.B16(), d.B16()) }

// IADD: d = n + m, int32 lanes.
func (e *Emitter) IADD(d, n, m Vreg) { e.Inst("VADD", m.S4(), n.S4(), d.S4()) }

// ISUB: d = n - m, int32 lanes.
func (e *Emitter) ISUB(d, n, m Vreg) { e.Inst("VSUB", m.S4(), n.S4(), d.S4()) }

// SHL: d = n << s, int32 lanes.
func (e *Emitter) SHL(d, n Vreg, s int) { e.Inst("VSHL", fmt.Sprintf("$%d", s), n.S4(), d.S4()) }

// USHR: d = n >> s (logical), int32 lanes.
func (e *Emitter) USHR(d, n Vreg, s int) { e.Inst("VUSHR", fmt.Sprintf("$%d", s), n.S4(), d.S4()) }

// VFMLA: d = fma(n, m, d) lane-wise (native VFMLA, one rounding).
func (e *Emitter) VFMLA(d, n, m Vreg) { e.Inst("VFMLA", m.S4(), n.S4(), d.S4()) }

// EXT: d = bytes imm.. of n:m concatenated (n low).
func (e *Emitter) EXT(d, n, m Vreg, imm int) {
	e.Inst("VEXT", fmt.Sprintf("$%d", imm), m.B16(), n.B16(), d.B16())
}

// --- general registers and control flow ---------------------------------

// MOVD moves between general registers, memory and immediates (text operands).
func (e *Emitter) MOVD(src, dst string) { e.Inst("MOVD", src, dst) }

// Const32 loads the 32-bit pattern bits into r (zero-extended).
func (e *Emitter) Const32(r Reg, bits uint32) {
	e.Inst("MOVD", fmt.Sprintf("$0x%08x", bits), r.String())
}

// Jump emits an unconditional branch.
func (e *Emitter) Jump(l string) { e.Inst("B", l) }

// CmpBranch compares r with an immediate and branches on cond (EQ, LT, GE, ...).
func (e *Emitter) CmpBranch(r Reg, imm int, cond, l string) {
	e.Inst("CMP", fmt.Sprintf("$%d", imm), r.String())
	e.Inst("B"+cond, l)
}

// CBZ branches when r is zero.
func (e *Emitter) CBZ(r Reg, l string) { e.Inst("CBZ", r.String(), l) }

// TBNZ branches when bit b of r is set.
func (e *Emitter) TBNZ(r Reg, b int, l string) { e.Inst("TBNZ", fmt.Sprintf("$%d", b), r.String(), l) }

// SubImm: r -= imm.
func (e *Emitter) SubImm(r Reg, imm int) { e.Inst("SUB", fmt.Sprintf("$%d", imm), r.String()) }

// SubsImm: r -= imm, setting flags.
func (e *Emitter) SubsImm(r Reg, imm int) { e.Inst("SUBS", fmt.Sprintf("$%d", imm), r.String()) }

// AddImm: r += imm.
func (e *Emitter) AddImm(r Reg, imm int) { e.Inst("ADD", fmt.Sprintf("$%d", imm), r.String()) }

// RET returns.
func (e *Emitter) RET() { e.Inst("RET") }
