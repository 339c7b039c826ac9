package bench

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/vecgrad/vecgrad/kernels"
)

// GemmShape is one benchmarked matrix product C = op(A)·op(B), row-major:
// op(A) is M x K, op(B) is K x N, C is M x N. With TransA, A is stored
// K x M; with TransB, B is stored N x K.
type GemmShape struct {
	M, K, N        int
	TransA, TransB bool
	// Group is "square" or "train"; Role says where a train shape comes from
	// ("fc1 fwd b64", "fc1 dW b64", ...), or is "square".
	Group, Role string
}

// Flops returns the floating-point operations of one product: 2*M*N*K (one
// multiply and one add per term).
func (s GemmShape) Flops() float64 { return 2 * float64(s.M) * float64(s.N) * float64(s.K) }

// Op returns the transposition flags as BLAS spells them: NN, TN, NT or TT.
func (s GemmShape) Op() string { return transChar(s.TransA) + transChar(s.TransB) }

func transChar(t bool) string {
	if t {
		return "T"
	}
	return "N"
}

// ID names the shape MxKxN, followed by _TN, _NT or _TT when an operand is
// transposed: the name of its Go benchmark and of its -shapes entry.
func (s GemmShape) ID() string {
	id := fmt.Sprintf("%dx%dx%d", s.M, s.K, s.N)
	if s.TransA || s.TransB {
		id += "_" + s.Op()
	}
	return id
}

// MaxDim returns the largest of M, K and N.
func (s GemmShape) MaxDim() int { return max(s.M, s.K, s.N) }

// gemmTrainLayers are the MLP's layers as train/nn.Linear stores them:
// input X [batch, in], weight W [out, in] (PyTorch's layout).
var gemmTrainLayers = []struct {
	name           string
	batch, in, out int
}{
	{"fc1", 64, 784, 512},
	{"fc2", 64, 512, 512},
	{"fc3", 64, 512, 10},
	{"fc1", 256, 784, 512},
	{"fc1", 16, 784, 512}, // the tutorial's default batch (train.DefaultConfig)
}

// GemmShapes is the shape table of BenchmarkSgemm, `vecgrad bench gemm` and
// bench/openblas: square products 64 to 2048, then the products
// train/nn.Linear runs for each layer of the MLP: the forward Y = X·Wᵀ
// (batch x in x out, B transposed: W is read in its stored layout),
// followed by the backward products dX = dY·W (batch x out x in) and dW =
// dYᵀ·X (out x batch x in, A transposed). (The first layer's dX is not
// needed to train, but it is the same kind of product as a deeper layer's
// and is measured too.)
var GemmShapes = func() []GemmShape {
	var out []GemmShape
	for _, n := range []int{64, 128, 256, 512, 1024, 2048} {
		out = append(out, GemmShape{M: n, K: n, N: n, Group: "square", Role: "square"})
	}
	for _, l := range gemmTrainLayers {
		role := func(what string) string { return fmt.Sprintf("%s %s b%d", l.name, what, l.batch) }
		out = append(out,
			GemmShape{M: l.batch, K: l.in, N: l.out, TransB: true, Group: "train", Role: role("fwd")},
			GemmShape{M: l.batch, K: l.out, N: l.in, Group: "train", Role: role("dX")},
			GemmShape{M: l.out, K: l.batch, N: l.in, TransA: true, Group: "train", Role: role("dW")})
	}
	return out
}()

// ParseGemmShapes selects shapes from a comma-separated list whose entries
// are "all", "square", "train" (the groups of GemmShapes), or explicit shapes
// MxKxN with an optional _TN, _NT or _TT suffix (see GemmShape.ID); an
// explicit shape of the table keeps its role. Duplicates are dropped; the
// order is that of the list.
func ParseGemmShapes(list string) ([]GemmShape, error) {
	var out []GemmShape
	add := func(s GemmShape) {
		if !slices.ContainsFunc(out, func(o GemmShape) bool { return o.ID() == s.ID() }) {
			out = append(out, s)
		}
	}
	for _, e := range strings.Split(list, ",") {
		e = strings.TrimSpace(e)
		switch strings.ToLower(e) {
		case "all", "square", "train":
			for _, s := range GemmShapes {
				if strings.EqualFold(e, "all") || strings.EqualFold(e, s.Group) {
					add(s)
				}
			}
			continue
		}
		s, err := parseGemmShape(e)
		if err != nil {
			return nil, err
		}
		if i := slices.IndexFunc(GemmShapes, func(t GemmShape) bool { return t.ID() == s.ID() }); i >= 0 {
			s = GemmShapes[i]
		}
		add(s)
	}
	return out, nil
}

func parseGemmShape(e string) (GemmShape, error) {
	bad := func() (GemmShape, error) {
		return GemmShape{}, fmt.Errorf("shape %q: want all, square, train, or MxKxN with an optional _TN, _NT or _TT suffix (e.g. 64x512x784_NT)", e)
	}
	dims, op, hasOp := strings.Cut(e, "_")
	s := GemmShape{Role: "-"}
	if hasOp {
		switch strings.ToUpper(op) {
		case "NN":
		case "TN":
			s.TransA = true
		case "NT":
			s.TransB = true
		case "TT":
			s.TransA, s.TransB = true, true
		default:
			return bad()
		}
	}
	f := strings.Split(strings.ToLower(dims), "x")
	if len(f) != 3 {
		return bad()
	}
	var d [3]int
	for i, v := range f {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1<<14 {
			return bad()
		}
		d[i] = n
	}
	s.M, s.K, s.N = d[0], d[1], d[2]
	return s, nil
}

// GemmOperands are the prepared operands of one shape: A and B filled with
// values in [-1, 1), C the output; each 64-byte aligned and densely stored
// (lda, ldb, ldc are the stored row lengths).
type GemmOperands struct {
	Shape         GemmShape
	A, B, C       []float32
	LDA, LDB, LDC int
}

// NewGemmOperands allocates and fills the operands of s (deterministically:
// the same shape always gets the same values).
func NewGemmOperands(s GemmShape) *GemmOperands {
	o := &GemmOperands{Shape: s, LDA: s.K, LDB: s.N, LDC: s.N}
	if s.TransA {
		o.LDA = s.M
	}
	if s.TransB {
		o.LDB = s.K
	}
	o.A, o.B, o.C = alignedFloats(s.M*s.K), alignedFloats(s.K*s.N), alignedFloats(s.M*s.N)
	r := rand.New(rand.NewPCG(uint64(s.M), uint64(s.K)<<32|uint64(s.N)))
	for _, x := range [][]float32{o.A, o.B} {
		for i := range x {
			x[i] = 2*r.Float32() - 1
		}
	}
	return o
}

// The products run with alpha = 1 and beta = 0 (C is overwritten, not read),
// what a forward pass and a fresh gradient do.
const gemmAlpha, gemmBeta = 1, 0

// Vecgrad computes C = op(A)·op(B) with kernels.Sgemm at the active level
// and thread count.
func (o *GemmOperands) Vecgrad() {
	s := o.Shape
	kernels.Sgemm(s.TransA, s.TransB, s.M, s.N, s.K, gemmAlpha, o.A, o.LDA, o.B, o.LDB, gemmBeta, o.C, o.LDC)
}

// Gonum computes C = op(A)·op(B) with gonum's pure-Go blas32.Gemm, which
// splits large products over GOMAXPROCS goroutines.
func (o *GemmOperands) Gonum() {
	s := o.Shape
	ar, ac := s.M, s.K
	if s.TransA {
		ar, ac = ac, ar
	}
	br, bc := s.K, s.N
	if s.TransB {
		br, bc = bc, br
	}
	blas32.Gemm(gonumTrans(s.TransA), gonumTrans(s.TransB), gemmAlpha,
		blas32.General{Rows: ar, Cols: ac, Stride: o.LDA, Data: o.A},
		blas32.General{Rows: br, Cols: bc, Stride: o.LDB, Data: o.B},
		gemmBeta, blas32.General{Rows: s.M, Cols: s.N, Stride: o.LDC, Data: o.C})
}

func gonumTrans(t bool) blas.Transpose {
	if t {
		return blas.Trans
	}
	return blas.NoTrans
}

// Check compares C with the product computed in float64 at up to 64 sampled
// entries (always including the four corners), with the tolerance
// 2*K*eps32*max|a|*max|b| (|a|, |b| < 1 here) plus a relative 1e-5: a
// benchmark of a kernel that computes the wrong thing measures nothing.
func (o *GemmOperands) Check() error {
	s := o.Shape
	const eps32 = 1.0 / (1 << 23)
	tol := 2 * float64(s.K) * eps32
	r := rand.New(rand.NewPCG(1, 2))
	for t := range 64 {
		i, j := r.IntN(s.M), r.IntN(s.N)
		if t < 4 {
			i, j = (s.M-1)*(t&1), (s.N-1)*(t>>1)
		}
		var want float64
		for p := range s.K {
			ia, ib := i*o.LDA+p, p*o.LDB+j
			if s.TransA {
				ia = p*o.LDA + i
			}
			if s.TransB {
				ib = j*o.LDB + p
			}
			want += float64(o.A[ia]) * float64(o.B[ib])
		}
		got := float64(o.C[i*o.LDC+j])
		if d := math.Abs(got - want); !(d <= tol+1e-5*math.Abs(want)) {
			return fmt.Errorf("gemm %s: C[%d,%d] = %g, want %g (float64 reference; |diff| %.3g > tolerance %.3g)",
				s.ID(), i, j, got, want, d, tol+1e-5*math.Abs(want))
		}
	}
	return nil
}

// GemmImpl is one measured implementation: vecgrad's kernels.Sgemm at Level
// with Threads workers (kernels.SetThreads), or, when Gonum is set, gonum's
// blas32.Gemm with GOMAXPROCS set to Threads while it runs.
type GemmImpl struct {
	Gonum   bool
	Level   string
	Threads int
}

func (g GemmImpl) String() string {
	if g.Gonum {
		return fmt.Sprintf("gonum/t%d", g.Threads)
	}
	return fmt.Sprintf("%s/t%d", g.Level, g.Threads)
}

// GemmGFLOPS measures the float32 GFLOP/s (Flops per best time per call) of
// each implementation on the operands o. The implementations are timed in
// interleaved rounds (TimeCalls), so that ratios between them are taken under
// the same machine load; every repetition lasts at least opt.MinTime and a
// product longer than that gets fewer repetitions (at least 2 timed calls).
// Before timing, each implementation's result is checked (see Check). The
// instruction-set level, the kernels' thread count and GOMAXPROCS are
// restored afterwards.
func GemmGFLOPS(o *GemmOperands, impls []GemmImpl, opt Options) ([]float64, error) {
	g, _, err := GemmGFLOPSRounds(o, impls, opt)
	return g, err
}

// GemmGFLOPSRounds is GemmGFLOPS that also returns every round's time per
// call of each implementation (TimeCallsRounds), for ratios taken round by
// round (MedianRatio).
func GemmGFLOPSRounds(o *GemmOperands, impls []GemmImpl, opt Options) ([]float64, [][]float64, error) {
	prevISA, prevThreads, prevProcs := kernels.ISA(), kernels.Threads(), runtime.GOMAXPROCS(0)
	defer func() {
		_ = kernels.SetISA(prevISA) // valid a moment ago
		kernels.SetThreads(prevThreads)
		runtime.GOMAXPROCS(prevProcs)
	}()
	for _, g := range impls {
		if g.Threads < 1 || g.Threads > prevProcs {
			return nil, nil, fmt.Errorf("%v: %d threads, want 1 to GOMAXPROCS = %d", g, g.Threads, prevProcs)
		}
		if !g.Gonum && !slices.Contains(kernels.Levels(), g.Level) {
			return nil, nil, fmt.Errorf("level %q is not supported here (accepted: %s)", g.Level, strings.Join(kernels.Levels(), ", "))
		}
	}
	setup := func(i int) {
		g := impls[i]
		if g.Gonum {
			if runtime.GOMAXPROCS(0) != g.Threads {
				runtime.GOMAXPROCS(g.Threads)
			}
			return
		}
		if runtime.GOMAXPROCS(0) != prevProcs {
			runtime.GOMAXPROCS(prevProcs)
		}
		_ = kernels.SetISA(g.Level) // validated above
		kernels.SetThreads(g.Threads)
	}
	runs := make([]func(), len(impls))
	for i, g := range impls {
		runs[i] = o.Vecgrad
		if g.Gonum {
			runs[i] = o.Gonum
		}
		setup(i)
		for j := range o.C {
			o.C[j] = float32(math.NaN()) // beta = 0 must not read C
		}
		runs[i]()
		if err := o.Check(); err != nil {
			return nil, nil, fmt.Errorf("%v: %w", g, err)
		}
	}
	runtime.GC() // not while timing
	t, rounds := TimeCallsRounds(opt, setup, runs...)
	for i := range t {
		t[i] = o.Shape.Flops() / t[i] / 1e9
	}
	return t, rounds, nil
}

// VectorLevels returns the supported instruction-set levels other than
// generic, best first, or just generic where there are none (a purego build).
func VectorLevels() []string {
	var out []string
	for _, l := range kernels.Levels() {
		if l != "generic" {
			out = append(out, l)
		}
	}
	if len(out) == 0 {
		return []string{"generic"}
	}
	return out
}

// GemmThreads returns the default thread counts of the GEMM benchmarks: 1, 2
// and all cores (AllCores), capped at AllCores, without duplicates.
func GemmThreads() []int {
	all := AllCores()
	out := []int{1}
	for _, t := range []int{2, all} {
		if t <= all && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
