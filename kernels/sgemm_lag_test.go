package kernels

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestSgemmSerialSGDLagged: p and buf after the lagged step are bit for
// bit those of SgemmSerial (the reference's arithmetic) followed by
// SGDStepSerial on each row, for every SGD variant, every transpose, the
// training step's weight gradients (through GemmStripLagSGD where the
// level has it) with k long enough for the strips to finish each block's
// update (the wide MLP's batch 256) and too short (batch 16: SGDStep
// applies the rest), rows and columns that are not whole vectors, edge
// tiles, several MC blocks, maxRows under a row panel, and m or k of 0;
// p, buf and the scratch, each exactly the size asked for, placed against
// a guard page.
func TestSgemmSerialSGDLagged(t *testing.T) {
	useBlocks := shapeBlocks(t)
	r := rand.New(rand.NewPCG(43, 43))
	shapes := append(rowsShapes(),
		rowsShape{true, false, 200, 512, 256, false}, // long k: the strips finish each block
		rowsShape{true, false, 100, 131, 200, false}, // n not whole vectors
	)
	// Then every variant on a weight gradient of several blocks, the
	// strips updating the one before.
	runs := sgdRuns(shapes, sgdVariants(), rowsShape{true, false, 130, 200, 256, false}, 24)
	for i, ru := range runs {
		useBlocks(ru.sh)
		c := newSGDCaseGaps(r, ru.sh, ru.h, 0)
		name := fmt.Sprintf("%s, maxRows %d, %+v at %s", c.gemmCase, ru.maxRows, ru.h, ISA())
		wantP, wantBuf := c.want()
		where := []string{"head", "tail"}[i%2]
		p, buf := guardedCopy(t, where, c.p0), guardedCopy(t, where, c.buf0)
		rows := min(c.m, ru.maxRows)
		scratch := newGuardRegionFor(t, 2*rows*c.n).place(where, 2*rows*c.n)
		SgemmSerialSGDLagged(c.transA, c.transB, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, p, buf, ru.h, scratch, ru.maxRows)
		checkSGDResult(t, name, p, buf, wantP, wantBuf)
	}
}

// TestSgemmSerialSGDLaggedStrips: on a level with GemmStripLagSGD, the
// strips apply the update of every block but the last of a weight
// gradient whose k SGDLaggedCovers says carries it (at the least such k
// the strips' k loop iterations just match a block's vectors, with whole
// panels of columns), leaving SGDStep only the last block: the path
// TestSgemmSerialSGDLagged checks the bits of is the one that runs. One
// step of 4 below that k, SGDLaggedCovers says no.
func TestSgemmSerialSGDLaggedStrips(t *testing.T) {
	kern := gemmJobKernel(active, true, false, 200, 1)
	least := kern.mr * kern.nr / 4
	if kern.stripLag == nil {
		for k := 1; k <= 1024; k++ {
			if SGDLaggedCovers(k) {
				t.Fatalf("SGDLaggedCovers(%d) at %s, which has no GemmStripLagSGD", k, ISA())
			}
		}
		t.Skipf("no GemmStripLagSGD at %s", ISA())
	}
	if !SGDLaggedCovers(least) || SGDLaggedCovers(least-4) {
		t.Errorf("SGDLaggedCovers(%d) = %v, (%d) = %v: want true from k = MR*NR/4 = %d on",
			least, SGDLaggedCovers(least), least-4, SGDLaggedCovers(least-4), least)
	}
	var units int
	gemmLagTrace = func(u int) { units += u }
	defer func() { gemmLagTrace = nil }()
	r := rand.New(rand.NewPCG(44, 44))
	for _, sh := range []rowsShape{{true, false, 144, 200, 256, false}, {true, false, 144, 192, least, false}} {
		units = 0
		c := newSGDCaseGaps(r, sh, SGDParams{LR: 0.1, Momentum: 0.9}, 0)
		const maxRows = 24
		scratch := make([]float32, 2*maxRows*c.n)
		SgemmSerialSGDLagged(true, false, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, c.p0, c.buf0, c.h, scratch, maxRows)
		blk := min(maxRows, gemmMC) / kern.mr * kern.mr
		want := 0
		for lo := 0; lo+blk < c.m; lo += blk { // every block but the last
			want += blk * c.n / 16
		}
		if units != want {
			t.Errorf("%s: the strips updated %d vectors, want %d (every block's but the last)", c.gemmCase, units, want)
		}
	}
}

// TestSgemmSerialSGDLaggedNoAllocations: a step allocates nothing.
func TestSgemmSerialSGDLaggedNoAllocations(t *testing.T) {
	r := rand.New(rand.NewPCG(45, 45))
	c := newSGDCaseGaps(r, rowsShape{true, false, 256, 300, 64, false}, SGDParams{LR: 1e-3, Momentum: 0.5}, 0)
	scratch := make([]float32, 2*48*c.n)
	call := func() {
		SgemmSerialSGDLagged(true, false, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, c.p0, c.buf0, c.h, scratch, 48)
	}
	checkNoAllocs(t, call)
}

// TestSgemmSerialSGDLaggedBadArguments: maxRows < 1, a short p, buf or
// scratch (which holds two blocks), and operands sharing memory panic with
// what is accepted.
func TestSgemmSerialSGDLaggedBadArguments(t *testing.T) {
	mem := make([]float32, 200)
	a, b := mem[:32], mem[32:48] // 8x4 and 4x4
	h := SGDParams{LR: 0.1, Momentum: 0.9}
	call := func(maxRows int, p, buf, scratch []float32) func() {
		return func() { SgemmSerialSGDLagged(false, false, 8, 4, 4, a, 4, b, 4, p, buf, h, scratch, maxRows) }
	}
	p, buf, scratch := mem[48:80], mem[80:112], mem[112:144]
	mustPanic(t, call(0, p, buf, scratch), "maxRows = 0", "want maxRows >= 1")
	mustPanic(t, call(4, p[:31], buf, scratch), "len(p) = 31 < m*n = 32")
	mustPanic(t, call(4, p, buf[:31], scratch), "len(buf) = 31 < m*n = 32")
	mustPanic(t, call(4, p, buf, scratch[:31]), "len(scratch) = 31 < 2*min(m, maxRows)*n = 32")
	mustPanic(t, call(4, p, mem[60:92], scratch), "p and buf share memory")
	mustPanic(t, call(4, p, buf, mem[16:48]), "scratch and a share memory")
	mustPanic(t, call(4, mem[40:72], buf, scratch), "p and b share memory")
}

// TestSgemmSerialSGDLaggedPrefetch: where the strips update the previous
// block (GemmStripLagSGD) their far stream prefetches nothing of p and
// buf (the stream's own prefetch does); where each block is updated after
// it (a level with a prefetching strip but no GemmStripLagSGD: AVX2), the
// strips prefetch the block's rows of both, as SgemmSerialBlocks' do.
// Nothing else is prefetched, and the step holds its bits either way.
func TestSgemmSerialSGDLaggedPrefetch(t *testing.T) {
	defer func() { gemmFarTrace = nil }()
	r := rand.New(rand.NewPCG(46, 46))
	c := newSGDCaseGaps(r, rowsShape{true, false, 100, 300, 256, false}, SGDParams{LR: 0.1, Momentum: 0.9}, 0)
	kern := gemmJobKernel(active, true, false, c.n, 1)
	inP, inBuf := 0, 0
	gemmFarTrace = func(f gemmFar) {
		which, _ := farPlace(f, [][]float32{c.p0, c.buf0}, c.b)
		switch which {
		case 0:
			inP++
		case 1:
			inBuf++
		default:
			t.Fatalf("at %s: a prefetch outside p and buf (%d floats, row %d bytes)", ISA(), len(f.base), f.row)
		}
	}
	wantP, wantBuf := c.want()
	p, buf := make([]float32, len(c.p0)), make([]float32, len(c.buf0)) // len == cap, as farPlace needs
	copy(p, c.p0)
	copy(buf, c.buf0)
	c.p0, c.buf0 = p, buf // the arrays the call is given
	const maxRows = 24
	SgemmSerialSGDLagged(true, false, c.m, c.n, c.k, c.a, c.lda, c.b, c.ldb, p, buf, c.h, make([]float32, 2*maxRows*c.n), maxRows)
	gemmFarTrace = nil
	checkSGDResult(t, "prefetch at "+ISA(), p, buf, wantP, wantBuf)
	switch {
	case kern.stripLag != nil && (inP > 0 || inBuf > 0):
		t.Errorf("at %s: the strips prefetched p %d and buf %d times beside the update stream, want none", ISA(), inP, inBuf)
	case kern.stripLag == nil && kern.strip != nil && (inP == 0 || inBuf == 0):
		t.Errorf("at %s: the strips prefetched p %d and buf %d times, want each block's rows of both", ISA(), inP, inBuf)
	}
}
