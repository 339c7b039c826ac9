package main

import (
	"log"

	"github.com/mmcloughlin/avo/reg"
)

// cpuid group: the CPUID instruction, which package kernels reads the cache
// sizes from (kernels/cpuid_amd64.go decodes the registers in Go). Unlike
// the kernel groups it needs no vector extension, so it is emitted once, at
// the x86-64 baseline, into asm/cpuid_x86_amd64.{s,go}.
var (
	cpuidFile = group{"cpuid", cpuidGroup}
	x86Base   = isa{file: "x86"} // no suffix: the function is plain CPUID
)

// writeCPUID writes asm/cpuid_x86_amd64.{s,go} into dir.
func writeCPUID(dir string) {
	if err := generate(dir, cpuidFile, x86Base); err != nil {
		log.Fatalf("cpuid_%s: %v", x86Base.file, err)
	}
}

// cpuidGroup emits CPUID(leaf, subleaf): EAX and ECX in, EAX, EBX, ECX and
// EDX out, the instruction's fixed registers (no allocation, no vectors, so
// no VZEROUPPER).
func cpuidGroup(g *gen) {
	g.function("CPUID", "func(leaf, subleaf uint32) (eax, ebx, ecx, edx uint32)",
		"CPUID executes the CPUID instruction with EAX = leaf and ECX = subleaf",
		"and returns EAX, EBX, ECX and EDX. Every x86-64 CPU has it.")
	g.Load(g.Param("leaf"), reg.EAX)
	g.Load(g.Param("subleaf"), reg.ECX)
	g.CPUID()
	g.Store(reg.EAX, g.Return("eax"))
	g.Store(reg.EBX, g.Return("ebx"))
	g.Store(reg.ECX, g.Return("ecx"))
	g.Store(reg.EDX, g.Return("edx"))
	g.RET()
}
