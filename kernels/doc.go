// Package kernels is vecgrad's safe API over the generated SIMD assembly in
// package asm: elementwise float32 arithmetic in the broadcast patterns the
// tensor layer needs (Binary*), axpy/scale/fill/copy, activation functions
// (Relu, Exp, Log, Sqrt, Tanh, Sigmoid, Sin, Cos) and ReluBackward, their
// strided forms over a band of a matrix's columns (BinaryRowVecStrided,
// ReluStrided, ReluBackwardStrided, SumRowsStrided), reductions (Sum, Dot,
// RowSum, RowMax, RowLogSumExp, ArgMax, ...), the
// matrix product Sgemm and SgemmBatch (C = alpha*op(A)*op(B) + beta*C,
// multi-threaded), and the fused optimizer steps SGDStep and AdamStep (one
// pass over a parameter tensor and its state, as torch.optim's SGD, Adam and
// AdamW). The probes FMAPeak, SqrtPeak and DivPeak measure this machine's
// roofs for the benchmarks (vecgrad cpu).
//
// Every exported function checks its slice lengths before any assembly runs
// and panics, naming the lengths, when the contract is violated (as gonum's
// blas packages do). The instruction set is chosen at init from the CPU
// (avx512, avx2, neon, or generic pure Go) and can be lowered with SetISA or
// the VECGRAD_ISA environment variable (see ISA and EnvError); Sgemm and
// the optimizer steps run on Threads() workers (SetThreads,
// VECGRAD_THREADS). The workers are one persistent pool for the whole
// library: Sgemm's bands, the optimizer steps' parts, and the regions of a
// Team (which train's parallel step and optim's vector passes run on) all
// go to it, so that no package starts goroutines of its own per call.
//
// Results are bitwise identical at every level and for every thread count:
// the assembly performs the same float32 operations in the same order as the
// pure-Go references in the *_generic.go files, including the accumulation
// order of sums (see Sum), and work is split among threads without
// splitting any sum. The op and variant codes handed to the assembly are
// in internal/abi.
// Long calls are split into chunks of mathconst.ChunkLen elements so that no
// single assembly call runs for more than a few tens of microseconds (Go cannot
// preempt assembly).
//
// Elementwise kernels (Binary*, the activations, ReluBackward, AxpyTo,
// Scale) may run in place: dst may be the very slice of
// an input it is computed from elementwise (the same start; for the
// row-vector and column-vector forms, dst may be a), since every element
// is read before it is written. A dst that partially overlaps an input is
// not allowed. The optimizer steps update their state slices in place and
// need them distinct; the reductions and Sgemm never write their inputs (C
// must not overlap A or B).
package kernels
