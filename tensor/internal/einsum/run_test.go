package einsum

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/vecgrad/vecgrad/kernels"
)

// runCases are equations with shapes: the torch.einsum documentation's,
// and ones aimed at each path (transposed operands, copies, swaps, the
// elementwise path, reductions, broadcasting, sizes 0 and 1).
var runCases = []struct {
	eq     string
	shapes [][]int
}{
	{"ii", [][]int{{4, 4}}},
	{"ii->i", [][]int{{4, 4}}},
	{"i,j->ij", [][]int{{3}, {5}}},
	{"bij,bjk->bik", [][]int{{2, 3, 4}, {2, 4, 5}}},
	{"ij->ji", [][]int{{3, 4}}},
	{"bn,anm,bm->ba", [][]int{{2, 3}, {4, 3, 5}, {2, 5}}},
	{"...ij->...ji", [][]int{{2, 3, 4, 5}}},
	{"ij,jk", [][]int{{3, 4}, {4, 5}}},
	{"...ii->...i", [][]int{{2, 3, 3}}},
	{"b...,b...->...", [][]int{{2, 3, 4}, {2, 3, 4}}},
	{",ij->ij", [][]int{{}, {2, 3}}},
	{"->", [][]int{{}}},
	{"", [][]int{{}}},
	{",->", [][]int{{}, {}}},
	{"i,->i", [][]int{{3}, {}}},
	{"ab,bc,cd,de,ef->af", [][]int{{2, 3}, {3, 4}, {4, 2}, {2, 5}, {5, 3}}},
	{"ab,bc,cd,de,ef", [][]int{{2, 3}, {3, 4}, {4, 2}, {2, 5}, {5, 3}}},
	{"ij,jk->ik", [][]int{{2, 1}, {5, 4}}},
	{"i,i->i", [][]int{{3}, {1}}},
	{"ij,ij->ij", [][]int{{1, 3}, {2, 1}}},
	{"...ij,...jk", [][]int{{2, 1, 3, 4}, {5, 4, 2}}},
	{"a...b,...->...", [][]int{{2, 3, 4, 5}, {1, 4}}},
	{"...,...->...", [][]int{{2, 1}, {3}}},
	{"i...->...", [][]int{{2, 3, 4}}},
	{"ij->...", [][]int{{2, 3}}},
	{"iij->j", [][]int{{2, 2, 3}}},
	{"iji->j", [][]int{{3, 2, 3}}},
	{"ii,ii->i", [][]int{{3, 3}, {3, 3}}},
	{"i->", [][]int{{0}}},
	{"ii->", [][]int{{0, 0}}},
	{"i,i", [][]int{{0}, {1}}},
	{"ij,jk->ik", [][]int{{3, 0}, {0, 4}}},
	{"ij,jk->ik", [][]int{{3, 2}, {2, 0}}},
	{"ij,jk->ik", [][]int{{1, 1}, {1, 1}}},
	{"bij,bkj->bik", [][]int{{2, 3, 4}, {2, 5, 4}}},
	{"bji,bjk->bik", [][]int{{2, 4, 3}, {2, 4, 5}}},
	{"bij,bjk->ikb", [][]int{{2, 3, 4}, {2, 4, 5}}},
	{"bij,bjk->bki", [][]int{{2, 3, 4}, {2, 4, 5}}},
	{"bij,bjk->kbi", [][]int{{2, 3, 4}, {2, 4, 5}}},
	{"ijk,ikl->jl", [][]int{{2, 3, 4}, {2, 4, 5}}},
	{"bi,bj->bij", [][]int{{3, 4}, {3, 5}}},
	{"bi,bi->b", [][]int{{3, 4}, {3, 4}}},
	{"i,i->i", [][]int{{7}, {7}}},
	{"i,i->", [][]int{{7}, {7}}},
	{"ij,ij,ij->ij", [][]int{{2, 3}, {2, 3}, {2, 3}}},
	{"ij,ji->ij", [][]int{{2, 3}, {3, 2}}},
	{"ij->", [][]int{{3, 4}}},
	{"ij->j", [][]int{{3, 4}}},
	{"ij->i", [][]int{{3, 4}}},
	{"ijk->jik", [][]int{{2, 3, 4}}},
	{"ijk,jkl,lm->im", [][]int{{2, 3, 4}, {3, 4, 5}, {5, 2}}},
	{"abc,cba->", [][]int{{2, 3, 4}, {4, 3, 2}}},
	{"ab,cd->abcd", [][]int{{2, 3}, {4, 5}}},
	{"ab,cd->cadb", [][]int{{2, 3}, {4, 5}}},
	{"Ba,aB", [][]int{{2, 3}, {3, 2}}},
	{"bA,ab", [][]int{{2, 3}, {3, 2}}},
	{"aB,bA", [][]int{{2, 3}, {3, 2}}},
	{" i j , j k -> i k ", [][]int{{2, 3}, {3, 4}}},
	{"abcd,cdef->abef", [][]int{{2, 3, 4, 2}, {4, 2, 3, 2}}},
	{"ijk,ijk->ijk", [][]int{{2, 3, 4}, {2, 1, 4}}},
	{"i,j,k->ijk", [][]int{{2}, {3}, {4}}},
	{"bhqd,bhkd->bhqk", [][]int{{2, 2, 3, 4}, {2, 2, 5, 4}}},
	{"bhqk,bhkd->bqhd", [][]int{{2, 2, 3, 5}, {2, 2, 5, 4}}},
	{"ii->i", [][]int{{1, 1}}},
	{"i,ij->j", [][]int{{1}, {4, 3}}},
	{"ij,j->i", [][]int{{3, 40}, {40}}},
}

// makeOperand returns an operand of shape with random values and a layout
// picked by layout: 0 contiguous, 1 dimensions permuted in memory and
// padded with an offset, 2 like 1 with one dimension expanded (stride 0).
// It also returns the logical values, row-major, in float64.
func makeOperand(rng *rand.Rand, shape []int, layout int) (Operand, []float64) {
	n := 1
	for _, d := range shape {
		n *= d
	}
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = float64(float32(rng.Float64()*2 - 1))
	}
	if layout == 0 || len(shape) == 0 {
		data := make([]float32, n)
		for i, v := range vals {
			data[i] = float32(v)
		}
		return Operand{Data: data, Shape: slices.Clone(shape)}, vals
	}
	expand := -1
	if layout == 2 {
		expand = rng.IntN(len(shape))
	}
	perm := rng.Perm(len(shape))
	strides := make([]int, len(shape))
	s := 1
	for _, d := range perm {
		if d == expand {
			continue
		}
		strides[d] = s
		s *= shape[d] + rng.IntN(2)
	}
	off := rng.IntN(3)
	data := make([]float32, off+s+1)
	for i := range data {
		data[i] = float32(math.NaN()) // padding must never be read
	}
	// Write the values; along the expanded dimension they repeat.
	cs := Contiguous(shape)
	for i := range vals {
		o, rest := off, i
		src := 0
		for d := range shape {
			x := rest / cs[d]
			rest %= cs[d]
			o += x * strides[d]
			if d != expand {
				src += x * cs[d]
			}
		}
		vals[i] = vals[src]
		data[o] = float32(vals[src])
	}
	return Operand{Data: data, Shape: slices.Clone(shape), Strides: strides, Offset: off}, vals
}

func runCase(t *testing.T, rng *rand.Rand, eq string, shapes [][]int, layout int) {
	t.Helper()
	p, err := Parse(eq, shapes)
	if err != nil {
		t.Fatalf("Parse(%q, %v): %v", eq, shapes, err)
	}
	ops := make([]Operand, len(shapes))
	vals := make([][]float64, len(shapes))
	for i, sh := range shapes {
		ops[i], vals[i] = makeOperand(rng, sh, layout)
	}
	ref := refEinsum(eq, shapes, vals)
	if !slices.Equal(p.OutShape(), ref.shape) {
		t.Fatalf("%q %v: OutShape %v, want %v", eq, shapes, p.OutShape(), ref.shape)
	}
	out := make([]float32, p.OutLen())
	for i := range out {
		out[i] = float32(math.NaN()) // must be overwritten
	}
	p.Run(out, ops)
	checkClose(t, fmt.Sprintf("%q %v layout %d\n%v", eq, shapes, layout, p), out, ref, len(shapes))
	// A second call reuses the plan's buffers and gives the same bits.
	again := make([]float32, len(out))
	p.Run(again, ops)
	for i := range out {
		if math.Float32bits(out[i]) != math.Float32bits(again[i]) {
			t.Fatalf("%q %v: second Run differs at %d: %v vs %v", eq, shapes, i, again[i], out[i])
		}
	}
}

func TestRunCases(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range runCases {
		for layout := range 3 {
			runCase(t, rng, c.eq, c.shapes, layout)
		}
	}
}

// randomEquation builds a valid equation with shapes: up to 4 operands of
// up to 3 subscripts from a small alphabet (repeats make diagonals), an
// ellipsis now and then, sizes 0..4 with size-1 broadcasting, and an
// implicit or a random explicit output.
func randomEquation(rng *rand.Rand) (string, [][]int) {
	const alphabet = "abcdAB"
	size := map[byte]int{}
	for i := range alphabet {
		size[alphabet[i]] = 1 + rng.IntN(4)
		if rng.IntN(30) == 0 {
			size[alphabet[i]] = 0
		}
	}
	ell := make([]int, rng.IntN(3))
	for d := range ell {
		ell[d] = 1 + rng.IntN(3)
	}
	nops := 1 + rng.IntN(4)
	var terms []string
	var shapes [][]int
	used := map[byte]bool{}
	anyEll := false
	for range nops {
		var sb strings.Builder
		var shape []int
		ones := map[byte]bool{} // labels this operand broadcasts
		r := rng.IntN(4)
		ellAt := -1
		if rng.IntN(3) == 0 {
			ellAt = rng.IntN(r + 1)
		}
		for d := 0; d <= r; d++ {
			if d == ellAt {
				anyEll = true
				sb.WriteString("...")
				e := rng.IntN(len(ell) + 1)
				for _, n := range ell[len(ell)-e:] {
					if rng.IntN(4) == 0 {
						n = 1
					}
					shape = append(shape, n)
				}
			}
			if d == r {
				break
			}
			c := alphabet[rng.IntN(len(alphabet))]
			if _, ok := ones[c]; !ok {
				ones[c] = rng.IntN(5) == 0
			}
			used[c] = true
			sb.WriteByte(c)
			if ones[c] {
				shape = append(shape, 1)
			} else {
				shape = append(shape, size[c])
			}
		}
		terms = append(terms, sb.String())
		if shape == nil {
			shape = []int{}
		}
		shapes = append(shapes, shape)
	}
	eq := strings.Join(terms, ",")
	if rng.IntN(3) > 0 {
		var letters []byte
		for c := range used {
			if rng.IntN(2) == 0 {
				letters = append(letters, c)
			}
		}
		slices.Sort(letters)
		rng.Shuffle(len(letters), func(i, j int) { letters[i], letters[j] = letters[j], letters[i] })
		o := string(letters)
		if anyEll && rng.IntN(2) == 0 {
			k := rng.IntN(len(o) + 1)
			o = o[:k] + "..." + o[k:]
		}
		eq += "->" + o
	}
	return eq, shapes
}

func TestRunRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n := 600
	if testing.Short() {
		n = 150
	}
	for range n {
		eq, shapes := randomEquation(rng)
		runCase(t, rng, eq, shapes, rng.IntN(3))
	}
}

// TestDeterministic checks that the bits do not depend on the thread
// count, on products large enough for Sgemm to split.
func TestDeterministic(t *testing.T) {
	defer kernels.SetThreads(kernels.Threads())
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []struct {
		eq     string
		shapes [][]int
	}{
		{"ij,jk->ik", [][]int{{256, 300}, {300, 192}}},
		{"bij,bkj->bki", [][]int{{2, 200, 130}, {2, 180, 130}}},
		{"ij,jk,kl->il", [][]int{{64, 300}, {300, 200}, {200, 96}}},
		{"ij->j", [][]int{{300, 500}}},
	}
	for _, c := range cases {
		p, err := Parse(c.eq, c.shapes)
		if err != nil {
			t.Fatal(err)
		}
		ops := make([]Operand, len(c.shapes))
		for i, sh := range c.shapes {
			ops[i], _ = makeOperand(rng, sh, 1)
		}
		var first []float32
		for _, th := range []int{1, 2, 3, 8} {
			kernels.SetThreads(th)
			out := make([]float32, p.OutLen())
			p.Run(out, ops)
			if first == nil {
				first = out
				continue
			}
			for i := range out {
				if math.Float32bits(out[i]) != math.Float32bits(first[i]) {
					t.Fatalf("%s: %d threads: element %d = %v, 1 thread gave %v", c.eq, th, i, out[i], first[i])
				}
			}
		}
	}
}

// TestSameBitsEveryLevel checks that every instruction-set level the
// machine has gives the same bits, as package kernels promises for its
// kernels, on equations that take each execution path.
func TestSameBitsEveryLevel(t *testing.T) {
	defer kernels.SetISA(kernels.ISA())
	rng := rand.New(rand.NewPCG(11, 12))
	for _, c := range []struct {
		eq     string
		shapes [][]int
	}{
		{"bij,bjk->bik", [][]int{{3, 20, 70}, {3, 70, 40}}}, // GEMM
		{"ij,ji->i", [][]int{{50, 40}, {40, 50}}},           // dots
		{"ij->i", [][]int{{30, 300}}},                       // RowSum
		{"ij->j", [][]int{{300, 30}}},                       // Axpy sums
		{"bi,bj->bij", [][]int{{5, 30}, {5, 40}}},           // broadcast products
		{"ij,ij->ij", [][]int{{30, 40}, {30, 40}}},          // elementwise
		{"ijk,kj->ik", [][]int{{30, 20, 40}, {40, 20}}},     // copies
	} {
		p, err := Parse(c.eq, c.shapes)
		if err != nil {
			t.Fatal(err)
		}
		ops := make([]Operand, len(c.shapes))
		for i, sh := range c.shapes {
			ops[i], _ = makeOperand(rng, sh, 1)
		}
		var first []float32
		for _, lv := range kernels.Levels() {
			if err := kernels.SetISA(lv); err != nil {
				t.Fatal(err)
			}
			out := make([]float32, p.OutLen())
			p.Run(out, ops)
			if first == nil {
				first = out
				continue
			}
			for i := range out {
				if math.Float32bits(out[i]) != math.Float32bits(first[i]) {
					t.Fatalf("%s: level %s: element %d = %v, level %s gave %v", c.eq, lv, i, out[i], kernels.Levels()[0], first[i])
				}
			}
		}
	}
}

// TestConcurrentRun runs one plan from several goroutines at once (each
// must get its own scratch) and checks every result against a serial one.
func TestConcurrentRun(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	shapes := [][]int{{4, 30, 20}, {4, 20, 30}, {30, 5}}
	p, err := Parse("bij,bjk,kl->bil", shapes)
	if err != nil {
		t.Fatal(err)
	}
	ops := make([]Operand, len(shapes))
	for i, sh := range shapes {
		ops[i], _ = makeOperand(rng, sh, 1)
	}
	want := make([]float32, p.OutLen())
	p.Run(want, ops)
	gOut := make([]float32, p.OutLen())
	for i := range gOut {
		gOut[i] = float32(i%7) - 3
	}
	wantGrad := make([]float32, 4*30*20)
	p.Grad(0, wantGrad, gOut, ops)
	errs := make(chan error, 8)
	for g := range 8 {
		go func() {
			var err error
			for range 20 {
				out := make([]float32, p.OutLen())
				p.Run(out, ops)
				grad := make([]float32, len(wantGrad))
				p.Grad(0, grad, gOut, ops)
				if !slices.Equal(out, want) || !slices.Equal(grad, wantGrad) {
					err = fmt.Errorf("goroutine %d: a concurrent result differs from the serial one", g)
				}
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
