package kernels

import (
	"math"
	"math/rand/v2"
	"testing"

	mc "github.com/vecgrad/vecgrad/internal/mathconst"
)

// TestGemmPackB: the active level's assembly packing of full B panels
// copies bit for bit (NaN payloads included), touches nothing beyond the
// floats it must (B and dst flush against guard pages, after then before),
// and packBBlock's ChunkLen split gives the same block.
func TestGemmPackB(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 21))
	k := gemmKernelFor(active, 1000)
	if !gemmPackB(k, make([]float32, k.nr), make([]float32, k.nr), k.nr, 1, 1) {
		t.Skipf("no assembly B packing at level %s", ISA())
	}
	nr := k.nr
	bits := func() float32 { return packingBits(r) }
	gb, gd := newGuardRegionFor(t, 300*40*nr), newGuardRegionFor(t, 300*40*nr)
	for iter := 0; iter < 600; iter++ {
		kc := 1 + r.IntN(12)
		if iter%5 == 0 {
			kc = 1 + r.IntN(mc.GemmKC)
		}
		panels := 1 + r.IntN(40)
		ldb := panels*nr + r.IntN(3)*r.IntN(40)
		nb := (kc-1)*ldb + panels*nr
		src := make([]float32, nb)
		for i := range src {
			src[i] = bits()
		}
		want := make([]float32, panels*kc*nr)
		for q := 0; q < panels; q++ {
			for p := 0; p < kc; p++ {
				for jj := 0; jj < nr; jj++ {
					want[q*kc*nr+p*nr+jj] = src[p*ldb+q*nr+jj]
				}
			}
		}
		for _, place := range []string{"tail", "head"} {
			b := gb.place(place, nb)
			copy(b, src)
			d := gd.place(place, len(want))
			for i := range d {
				d[i] = 12345
			}
			gemmPackB(k, d, b, ldb, kc, panels)
			for i := range want {
				if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
					t.Fatalf("kc=%d panels=%d ldb=%d %s: dst[%d] = %#x, want %#x", kc, panels, ldb, place, i, math.Float32bits(d[i]), math.Float32bits(want[i]))
				}
			}
		}
		// packBBlock (with its ChunkLen split) at an offset (pc, col) against the Go loop.
		pc, col := r.IntN(3), r.IntN(3)*nr+r.IntN(5)
		rowsB := pc + kc
		ldbig := col + panels*nr + r.IntN(10)
		big := make([]float32, (rowsB-1)*ldbig+col+panels*nr)
		for i := range big {
			big[i] = bits()
		}
		j := &gemmJob{b: big, ldb: ldbig, kern: k, nr: nr, lv: active}
		got := make([]float32, panels*kc*nr)
		j.packBBlock(got, pc, kc, col, panels*nr)
		for q := 0; q < panels; q++ {
			for p := 0; p < kc; p++ {
				for jj := 0; jj < nr; jj++ {
					w := big[(pc+p)*ldbig+col+q*nr+jj]
					if g := got[q*kc*nr+p*nr+jj]; math.Float32bits(g) != math.Float32bits(w) {
						t.Fatalf("packBBlock kc=%d panels=%d: q=%d p=%d j=%d: %#x, want %#x", kc, panels, q, p, jj, math.Float32bits(g), math.Float32bits(w))
					}
				}
			}
		}
	}
	// A block larger than ChunkLen: 256 x 63 panels.
	kc, panels := mc.GemmKC, 63
	j := &gemmJob{b: make([]float32, kc*panels*nr), ldb: panels * nr, kern: k, nr: nr, lv: active}
	for i := range j.b {
		j.b[i] = float32(i)
	}
	got := make([]float32, kc*panels*nr)
	j.packBBlock(got, 0, kc, 0, panels*nr)
	for q := 0; q < panels; q++ {
		for p := 0; p < kc; p++ {
			for jj := 0; jj < nr; jj++ {
				if g, w := got[q*kc*nr+p*nr+jj], j.b[p*panels*nr+q*nr+jj]; g != w {
					t.Fatalf("large block q=%d p=%d j=%d: %v want %v", q, p, jj, g, w)
				}
			}
		}
	}
}

// TestGemmPackBT: the same for transposed B (panel q the transpose of the
// nr x kc block at row q*nr): bit for bit, nothing touched beyond the kc
// floats of each of the panels*nr rows and dst[:panels*kc*nr] (guard pages
// after, then before), and packBBlock (offsets, a partial last panel, the
// ChunkLen split) against the Go transpose.
func TestGemmPackBT(t *testing.T) {
	r := rand.New(rand.NewPCG(22, 22))
	k := gemmKernelFor(active, 1000)
	if !gemmPackBT(k, make([]float32, k.nr), make([]float32, k.nr), 1, 1, 1) {
		t.Skipf("no assembly transposed B packing at level %s", ISA())
	}
	nr := k.nr
	bits := func() float32 { return packingBits(r) }
	gb, gd := newGuardRegionFor(t, 300*40*nr), newGuardRegionFor(t, 300*40*nr)
	for iter := 0; iter < 600; iter++ {
		kc := 1 + r.IntN(20)
		if iter%5 == 0 {
			kc = 1 + r.IntN(mc.GemmKC)
		}
		panels := 1 + r.IntN(40)
		if kc > 64 {
			panels = 1 + r.IntN(8)
		}
		ldb := kc + r.IntN(3)*r.IntN(40)
		nb := (panels*nr-1)*ldb + kc
		src := make([]float32, nb)
		for i := range src {
			src[i] = bits()
		}
		want := make([]float32, panels*kc*nr)
		for q := 0; q < panels; q++ {
			for p := 0; p < kc; p++ {
				for jj := 0; jj < nr; jj++ {
					want[q*kc*nr+p*nr+jj] = src[(q*nr+jj)*ldb+p]
				}
			}
		}
		for _, place := range []string{"tail", "head"} {
			b := gb.place(place, nb)
			copy(b, src)
			d := gd.place(place, len(want))
			for i := range d {
				d[i] = 12345
			}
			gemmPackBT(k, d, b, ldb, kc, panels)
			for i := range want {
				if math.Float32bits(d[i]) != math.Float32bits(want[i]) {
					t.Fatalf("kc=%d panels=%d ldb=%d %s: dst[%d] = %#x, want %#x", kc, panels, ldb, place, i, math.Float32bits(d[i]), math.Float32bits(want[i]))
				}
			}
		}
		// packBBlock at an offset (pc, col), with a partial last panel, against the Go loop.
		pc, col := r.IntN(9), r.IntN(3)*nr+r.IntN(5)
		nc := panels*nr + r.IntN(nr)
		ldbig := pc + kc + r.IntN(10)
		big := make([]float32, (col+nc-1)*ldbig+pc+kc)
		for i := range big {
			big[i] = bits()
		}
		j := &gemmJob{transB: true, b: big, ldb: ldbig, kern: k, nr: nr, lv: active}
		np := (nc + nr - 1) / nr
		got := make([]float32, np*kc*nr)
		for i := range got {
			got[i] = 777
		}
		j.packBBlock(got, pc, kc, col, nc)
		for q := 0; q < np; q++ {
			for p := 0; p < kc; p++ {
				for jj := 0; jj < nr; jj++ {
					var w float32
					if c := q*nr + jj; c < nc {
						w = big[(col+c)*ldbig+pc+p]
					}
					if g := got[q*kc*nr+p*nr+jj]; math.Float32bits(g) != math.Float32bits(w) {
						t.Fatalf("packBBlock kc=%d nc=%d: q=%d p=%d j=%d: %#x, want %#x", kc, nc, q, p, jj, math.Float32bits(g), math.Float32bits(w))
					}
				}
			}
		}
	}
	// A block larger than ChunkLen: 63 panels x 256.
	kc, panels := mc.GemmKC, 63
	j := &gemmJob{transB: true, b: make([]float32, kc*panels*nr), ldb: kc, kern: k, nr: nr, lv: active}
	for i := range j.b {
		j.b[i] = float32(i)
	}
	got := make([]float32, kc*panels*nr)
	j.packBBlock(got, 0, kc, 0, panels*nr)
	for q := 0; q < panels; q++ {
		for p := 0; p < kc; p++ {
			for jj := 0; jj < nr; jj++ {
				if g, w := got[q*kc*nr+p*nr+jj], j.b[(q*nr+jj)*kc+p]; g != w {
					t.Fatalf("large block q=%d p=%d j=%d: %v want %v", q, p, jj, g, w)
				}
			}
		}
	}
}

// packingBits draws the values packing must move untouched: NaNs with
// payloads of either sign, denormals, -0, and arbitrary bit patterns.
func packingBits(r *rand.Rand) float32 {
	switch r.IntN(8) {
	case 0:
		return math.Float32frombits(0x7f800001 + r.Uint32N(0x7fffff)) // NaN payloads
	case 1:
		return math.Float32frombits(0xff800001 + r.Uint32N(0x7fffff))
	case 2:
		return math.Float32frombits(r.Uint32N(0x800000)) // denormal
	case 3:
		return float32(math.Copysign(0, -1))
	}
	return math.Float32frombits(r.Uint32())
}

// TestGemmPackA: the active level's assembly packing of full panels of
// alpha*op(A) (both tiles of the level, A transposed or not) matches the Go
// formula bit for bit (alpha*a rounded once; NaN payloads, denormals, -0),
// touches nothing beyond the kc x mr floats of each panel and
// dst[:panels*kc*mr] (guard pages after, then before), and packABlock
// (offsets, a partial last panel, the ChunkLen split) matches packA.
func TestGemmPackA(t *testing.T) {
	r := rand.New(rand.NewPCG(23, 23))
	for _, k := range []gemmKernel{gemmKernelFor(active, 1000), gemmKernelFor(active, 1)} {
		mr := k.mr
		if !gemmPackA(k, false, make([]float32, mr), make([]float32, mr), 1, 1, 1, 1) {
			t.Skipf("no assembly A packing at level %s", ISA())
		}
		bits := func() float32 { return packingBits(r) }
		alphas := []float32{1, -0.5, 2, 3.1e-30, -1.7}
		ga, gd := newGuardRegionFor(t, 300*40*mr), newGuardRegionFor(t, 300*40*mr)
		for iter := 0; iter < 200; iter++ {
			trans := iter%2 == 1
			kc := 1 + r.IntN(20)
			if iter%5 == 0 {
				kc = 1 + r.IntN(mc.GemmKC)
			}
			panels := 1 + r.IntN(40)
			if kc > 64 {
				panels = 1 + r.IntN(8)
			}
			alpha := alphas[r.IntN(len(alphas))]
			// elem(q, p, i) is the index in src of op(A)(q*mr+i, p).
			var lda, na int
			var elem func(q, p, i int) int
			if trans {
				lda = panels*mr + r.IntN(3)*r.IntN(40)
				na = (kc-1)*lda + panels*mr
				elem = func(q, p, i int) int { return p*lda + q*mr + i }
			} else {
				lda = kc + r.IntN(3)*r.IntN(40)
				na = (panels*mr-1)*lda + kc
				elem = func(q, p, i int) int { return (q*mr+i)*lda + p }
			}
			src := make([]float32, na)
			for i := range src {
				src[i] = bits()
			}
			want := make([]float32, panels*kc*mr)
			for q := 0; q < panels; q++ {
				for p := 0; p < kc; p++ {
					for i := 0; i < mr; i++ {
						want[q*kc*mr+p*mr+i] = alpha * src[elem(q, p, i)]
					}
				}
			}
			for _, place := range []string{"tail", "head"} {
				a := ga.place(place, na)
				copy(a, src)
				d := gd.place(place, len(want))
				for i := range d {
					d[i] = 12345
				}
				gemmPackA(k, trans, d, a, lda, kc, panels, alpha)
				for i := range want {
					if !sameBits(d[i], want[i]) {
						t.Fatalf("mr=%d trans=%v kc=%d panels=%d lda=%d alpha=%g %s: dst[%d] = %#x, want %#x",
							mr, trans, kc, panels, lda, alpha, place, i, math.Float32bits(d[i]), math.Float32bits(want[i]))
					}
				}
			}
			// packABlock at an offset (row, pc), with a partial last panel
			// and more panels than one ChunkLen call, against packA.
			row, pc := r.IntN(9), r.IntN(9)
			rows := panels*mr + r.IntN(mr)
			if iter%100 == 0 {
				kc, rows = mc.GemmKC, 40*mr+1
			}
			ldbig := pc + kc + row + rows + r.IntN(10)
			big := make([]float32, (row+rows+pc+kc)*ldbig)
			for i := range big {
				big[i] = bits()
			}
			j := &gemmJob{transA: trans, a: big, lda: ldbig, alpha: alpha, kern: k, mr: mr, lv: active}
			np := (rows + mr - 1) / mr
			got, ref := make([]float32, np*kc*mr), make([]float32, np*kc*mr)
			j.packABlock(got, row, rows, pc, kc)
			for q := 0; q < np; q++ {
				j.packA(ref[q*kc*mr:(q+1)*kc*mr], row+q*mr, min(mr, rows-q*mr), pc, kc)
			}
			for i := range ref {
				// packA's alpha-1 transpose copies a signalling NaN as it is
				// where GemmPackA's product with alpha quiets it: the same
				// NaN to the micro-kernel's fma, which quiets it anyway.
				if !sameBits(quiet(got[i]), quiet(ref[i])) {
					t.Fatalf("packABlock mr=%d trans=%v kc=%d rows=%d: [%d] = %#x, want %#x", mr, trans, kc, rows, i, math.Float32bits(got[i]), math.Float32bits(ref[i]))
				}
			}
		}
	}
}

// sameBits reports whether x and y have the same bits (NaN payloads too:
// a product quiets a signalling NaN the same way on every x86 path).
func sameBits(x, y float32) bool { return math.Float32bits(x) == math.Float32bits(y) }

// quiet returns x with a signalling NaN quieted (the quiet bit set, as x86
// arithmetic sets it); other values unchanged.
func quiet(x float32) float32 {
	if x != x {
		return math.Float32frombits(math.Float32bits(x) | 0x00400000)
	}
	return x
}

// BenchmarkGemmPackBT packs one KC block (256 floats of each row) of a
// layer's transposed weights, 2048 rows, as the forward's GemmPackBT
// does: "dram" cycles through four 16 MB matrices (ldb 2048, the wide
// MLP's second layer) so that every block comes from DRAM, "l3" packs the
// eight blocks of one in turn; the figure is the packed bytes per second
// (sgemm_far.go's prefetch of the next block is what brings the first to
// the second).
func BenchmarkGemmPackBT(b *testing.B) {
	k := gemmKernelFor(active, 4096)
	if k.packBT == nil {
		b.Skipf("no GemmPackBT at %s", ISA())
	}
	const rows, ldb, kc = 2048, 2048, 256
	for _, bc := range []struct {
		name   string
		copies int
	}{{"dram", 4}, {"l3", 1}} {
		b.Run(bc.name, func(b *testing.B) {
			srcs := make([][]float32, bc.copies)
			for i := range srcs {
				srcs[i] = make([]float32, rows*ldb)
				for j := range srcs[i] {
					srcs[i][j] = float32(j % 1000)
				}
			}
			dst := make([]float32, rows*kc)
			b.SetBytes(rows * kc * 4)
			i := 0
			for b.Loop() {
				pc := i / bc.copies % (ldb / kc) * kc
				gemmPackBT(k, dst, srcs[i%bc.copies][pc:pc+(rows-1)*ldb+kc], ldb, kc, rows/k.nr)
				i++
			}
		})
	}
}
