// Package mathconst holds the constants of vecgrad's vectorized float32
// approximations (exp, log, tanh and sigmoid from exp, sin and cos), the
// chunk length of every assembly call and the GEMM blocking and tile
// constants shared by the generators in gen/ and the pure-Go references in
// kernels/, so that every instruction set computes the same operations on
// the same constants and the results agree bit for bit. (The op and variant
// codes of the assembly are in internal/abi.)
//
// The polynomials are Cephes' single-precision ones (expf, logf, tanhf,
// sinf, cosf, by Stephen L. Moshier), evaluated in Horner form with fused
// multiply-adds.
package mathconst

// Exp: exp(x) = 2^n * exp(r), n = roundEven(x*Log2E), r = x - n*ln2 with ln2
// split in two (ExpC1 has 9 significant bits, so n*ExpC1 is exact for |n| <= 2^15),
// exp(r) ~ 1 + r + r^2*P(r).
const (
	Log2E  float32 = 1.44269504088896341
	ExpC1  float32 = 0.693359375
	ExpC2  float32 = -2.12194440e-4
	ExpP0  float32 = 1.9875691500e-4
	ExpP1  float32 = 1.3981999507e-3
	ExpP2  float32 = 8.3334519073e-3
	ExpP3  float32 = 4.1665795894e-2
	ExpP4  float32 = 1.6666665459e-1
	ExpP5  float32 = 5.0000001201e-1
	ExpMax float32 = 89   // inputs are clamped to [ExpMin, ExpMax]: exp(89) overflows float32,
	ExpMin float32 = -104 // exp(-104) rounds to zero.
)

// Log: x = m * 2^e with m in [sqrt(1/2), sqrt(2)), log(x) = e*ln2 + log1p(m-1)
// with log1p(f) ~ f - f^2/2 + f^3*P(f).
const (
	LogSqrtHalf   float32 = 0.707106781186547524
	LogP0         float32 = 7.0376836292e-2
	LogP1         float32 = -1.1514610310e-1
	LogP2         float32 = 1.1676998740e-1
	LogP3         float32 = -1.2420140846e-1
	LogP4         float32 = 1.4249322787e-1
	LogP5         float32 = -1.6668057665e-1
	LogP6         float32 = 2.0000714765e-1
	LogP7         float32 = -2.4999993993e-1
	LogP8         float32 = 3.3333331174e-1
	LogMinNormal  float32 = 1.17549435e-38 // 2^-126: smaller positive inputs are denormal
	LogDenormMul  float32 = 16777216       // 2^24: scales a denormal input into the normal range
	LogDenormBias int32   = 24             // subtracted from the exponent of a scaled input
)

// Tanh: for |x| < TanhSmall, tanh(x) ~ x + x*z*P(z) with z = x^2; otherwise
// tanh(|x|) = 1 - 2/(exp(2|x|)+1) with the sign of x.
const (
	TanhSmall float32 = 0.625
	TanhP0    float32 = -5.70498872745e-3
	TanhP1    float32 = 2.06390887954e-2
	TanhP2    float32 = -5.37397155531e-2
	TanhP3    float32 = 1.33314422036e-1
	TanhP4    float32 = -3.33332819422e-1
)

// Sin, Cos: a = |x| = q*pi/2 + r, q = roundEven(a*TwoOverPi), r = a - q*pi/2
// by three fused multiply-adds with pi/2 split in three float32 parts
// (PiO2C1 + PiO2C2 + PiO2C3 = pi/2 within 1.1e-23; the first fma is exact),
// then sin(r) ~ r + r*z*S(z) and cos(r) ~ 1 - z/2 + z^2*C(z), z = r^2, on
// |r| <= pi/4 (Cephes' sinf/cosf coefficients), the quadrant q mod 4
// choosing the polynomial and the sign. The reduction holds for |x| <=
// TrigMax; larger finite inputs go to a float64 path in Go.
const (
	TwoOverPi float32 = 0.636619772367581343 // 0x3f22f983
	PiO2C1    float32 = 1.57079637050628662  // 0x3fc90fdb
	PiO2C2    float32 = -4.37113882867379e-8 // 0xb33bbd2e
	PiO2C3    float32 = -1.71512450e-15      // 0xa6f72ced
	TrigMax   float32 = 65536
	SinP0     float32 = -1.9515295891e-4
	SinP1     float32 = 8.3321608736e-3
	SinP2     float32 = -1.6666654611e-1
	CosP0     float32 = 2.443315711809948e-5
	CosP1     float32 = -1.388731625493765e-3
	CosP2     float32 = 4.166664568298827e-2
)

// SumLanes is the number of interleaved partial sums every sum-like reduction
// (sum, dot, sum of squares, row sums, the sum inside log-sum-exp) keeps:
// element i goes to lane i mod SumLanes, lanes are combined by the halving tree
// lane[j] += lane[j+h] for h = 32, 16, 8, 4, 2, 1. AVX-512 holds the lanes in 4
// ZMM registers, AVX2 in 8 YMM, NEON in 16 Q registers, the generic code in an
// array: every level adds the same numbers in the same order.
const SumLanes = 64

// ChunkLen is the most elements one assembly call processes (a multiple of
// SumLanes). Go cannot preempt assembly, so longer loops are split from Go;
// reductions over more than ChunkLen elements add the chunks' results left to
// right, and that is part of their defined order.
const ChunkLen = 1 << 16

// GEMM blocking shared by the generators and the driver. GemmKC is fixed,
// not derived from the cache sizes: it sets the order in which every element
// of C accumulates (products summed in blocks of GemmKC, block sums added to
// C in order), so fixing it makes results identical on every machine and at
// every level. MC and NC, which only decide what is cached, are chosen at
// run time.
const GemmKC = 256

// Micro-tile shapes (rows x columns of C) of each level's GEMM micro-kernel.
const (
	GemmMRAVX512, GemmNRAVX512 = 12, 32 // 24 ZMM accumulators: 12 rows x 2 vectors
	GemmMRAVX2, GemmNRAVX2     = 6, 16  // 12 YMM accumulators: 6 rows x 2 vectors
	GemmMRNEON, GemmNRNEON     = 8, 12  // 24 Q accumulators: 8 rows x 3 vectors

	// Narrow AVX-512 tile for small n (the classifier layer, n = 10):
	// 24 ZMM accumulators, 24 rows x 1 vector.
	GemmMRNarrowAVX512, GemmNRNarrowAVX512 = 24, 16

	// Narrow TN tiles (C = Aᵀ·B with few columns, A read in place): 16 rows
	// (lanes) x at most this many columns per call.
	GemmMRNarrowTN                           = 16
	GemmNRNarrowTNAVX512, GemmNRNarrowTNAVX2 = 16, 5
)

// Edge tiles: micro-kernels of fewer rows over the same packed A panels
// (k-major, the full tile's MR floats per k step), for a last row panel of
// exactly that many rows, so that the common batch remainders (m = 16, 64,
// 256, 784 leave 4 rows of 12, 16 of 24; 512 leaves 8 of 12) run in place
// instead of as a full tile through a temporary one. Heights per tile.
var (
	GemmEdgeRowsAVX512       = []int{4, 8}
	GemmEdgeRowsNarrowAVX512 = []int{8, 16}
	GemmEdgeRowsAVX2         = []int{4}
)
