// Package bench measures vecgrad's kernels against this machine's roofs.
//
// It has three parts, shared by the Go benchmarks (go test -bench ./bench/)
// and the vecgrad command (vecgrad cpu, vecgrad bench kernels):
//
//   - caches.go: the cache sizes the OS reports, and the working-set size
//     classes (L1, L2, L3, DRAM) derived from them;
//   - roofs.go: the measured roofs, FMA peak GFLOP/s and the triad
//     bandwidth c = a + s*b at each size class, and RoofFor, which picks the
//     roof that matches a working set;
//   - kernels.go: one table of kernel specifications (name, bytes moved per
//     element, how to run it on prepared buffers) that every benchmark reads;
//   - gemm.go: the GEMM shape table (square 64 to 2048 and the MLP's
//     training products with their backward products), and GemmGFLOPS,
//     which times kernels.Sgemm at given levels and thread counts and gonum's
//     blas32.Gemm on the same operands (BenchmarkSgemm, BenchmarkGonumGemm,
//     vecgrad bench gemm).
//
// bench/openblas/run.sh times OpenBLAS's cblas_sgemm on the same shapes (one
// and all threads) with the C program beside it, for comparison with vecgrad
// bench gemm; it skips, exiting 0, where OpenBLAS is not installed. That
// directory holds no Go file, so go build never compiles its C file.
//
// Methodology: every figure is the best of several repetitions, each long
// enough (Options.MinTime) to be stable; buffers are 64-byte aligned and
// prepared outside the timed region; nothing is allocated while timing.
// Bandwidth counts the bytes a kernel reads plus the bytes it writes (for the
// triad 12 bytes per element, as STREAM does: the write-allocate read of the
// destination is not counted). Machines are shared and noisy: compare ratios
// measured in one run, not absolute figures across runs.
package bench
