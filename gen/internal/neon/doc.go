// Package neon is vecgrad's instruction emitter for arm64 NEON, in Go
// assembler syntax: the API that the kernel programs of gen/arm64 are
// written in, as gen/amd64's are written in avo's.
//
// An Emitter accumulates the text of one assembly file. Func describes a
// kernel's Go signature (its stub declaration and the frame offsets of its
// arguments), Text starts the function, and the methods named after
// instructions (FADD, VFMLA, EOR, ...) append one instruction each, with
// operands in the order of the Arm manual: destination first. Go's arm64
// assembler lacks most vector floating-point instructions; those are
// emitted as WORD with the disassembly in a trailing comment, from the one
// table of encode.go, which CheckWords and this package's tests verify
// against golang.org/x/arch/arm64/arm64asm.
//
// Registers are planned by the caller (Take reserves fixed ones) or handed
// out by Alloc and Free; Stream and SwitchOp are the loop and dispatch
// skeletons every kernel shares (loops.go).
package neon
