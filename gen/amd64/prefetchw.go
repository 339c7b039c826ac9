package main

import (
	"fmt"

	"github.com/mmcloughlin/avo/ir"
	"github.com/mmcloughlin/avo/operand"
	"github.com/mmcloughlin/avo/reg"
)

// PREFETCHW (prefetch with intent to write) fetches a line in a state the
// core may write without asking the other cores again. Go's assembler has
// no mnemonic for it, so it is emitted as its bytes (0F 0D /1, Intel SDM
// vol. 2B), with the address in a fixed physical register: the bytes must
// name the register, which a virtual one is not until avo allocates it.
// Every AVX-512 machine has it (CPUID 8000_0001h ECX bit 8, PRFCHW: Intel
// since Broadwell, every AMD core with AVX-512).

// prefetchWBase is the register the PREFETCHW bytes address from: R11, a
// scratch register in ABI0 with a plain ModRM encoding (R12's needs a SIB
// byte; R15 is clobbered by -dynlink's GOT access).
var prefetchWBase = reg.R11

// prefetchW emits PREFETCHW disp(prefetchWBase), disp in [-128, 127]. The
// instruction lists the register as its input, so that avo keeps it live
// (and no virtual register in it) from where it was set.
func (g *gen) prefetchW(disp int) {
	for _, b := range prefetchWBytes(prefetchWBase, disp) {
		g.Instruction(&ir.Instruction{Opcode: "BYTE", Operands: []operand.Op{operand.U8(b)}, Inputs: []operand.Op{prefetchWBase}})
	}
}

// prefetchWBytes encodes PREFETCHW disp8(r) for a 64-bit register r other
// than SP and R12 (whose rm code 100 means a SIB byte follows): REX.B for
// R8-R15, 0F 0D, ModRM mod=01 (disp8) reg=001 (/1) rm=r's low three bits,
// disp8.
func prefetchWBytes(r reg.Physical, disp int) []byte {
	n := int(r.PhysicalIndex())
	if n&7 == 4 || n > 15 {
		panic(fmt.Sprintf("prefetchW: base %s has no plain ModRM form", r.Asm()))
	}
	if disp < -128 || disp > 127 {
		panic(fmt.Sprintf("prefetchW: displacement %d does not fit in a byte", disp))
	}
	var b []byte
	if n >= 8 {
		b = append(b, 0x41) // REX.B
	}
	return append(b, 0x0f, 0x0d, byte(0x40|1<<3|n&7), byte(int8(disp)))
}
