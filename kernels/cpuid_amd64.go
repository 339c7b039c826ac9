//go:build !purego

package kernels

import "github.com/vecgrad/vecgrad/asm"

// cpuidInstr is the CPUID instruction (generated, asm/cpuid_x86_amd64.s).
var cpuidInstr cpuidFunc = asm.CPUID
