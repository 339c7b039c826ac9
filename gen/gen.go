// Package gen holds the programs that write the assembly in package asm:
// gen/amd64 (avo: the AVX2+FMA and AVX-512 variant of every kernel) and
// gen/arm64 (vecgrad's own NEON emitter). The kernels, their signatures and
// the exact arithmetic every variant must reproduce are listed in KERNELS.md;
// the pure-Go references in package kernels are the specification.
//
// Regenerate with `make generate` or `go generate ./gen`.
package gen

//go:generate go run ./amd64 -out ../asm
//go:generate go run ./arm64 -out ../asm
