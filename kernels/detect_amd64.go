//go:build !purego

package kernels

import "golang.org/x/sys/cpu"

func detect() level {
	switch {
	// x/sys/cpu reports the AVX-512 subsets only when the OS saves ZMM state.
	case cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512DQ &&
		cpu.X86.HasFMA:
		return levelAVX512
	case cpu.X86.HasAVX2 && cpu.X86.HasFMA: // HasFMA is the raw CPUID bit: check both
		return levelAVX2
	}
	return levelGeneric
}
