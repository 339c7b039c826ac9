package kernels

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// stridedCase is a block of rows x n floats at stride apart inside
// buffers of random bits, the floats between and after the rows included.
type stridedCase struct{ rows, n, stride, span int }

func stridedCases(r *rand.Rand) []stridedCase {
	var cs []stridedCase
	for _, rows := range []int{0, 1, 2, 5} {
		for _, n := range []int{0, 1, 7, 16, 33, 100} {
			stride := n + r.IntN(10)
			span := 0
			if rows > 0 && n > 0 {
				span = (rows-1)*stride + n
			}
			cs = append(cs, stridedCase{rows, n, stride, span})
		}
	}
	return append(cs, stridedCase{3, 40, 40, 120}) // contiguous rows
}

// TestStridedForms checks each strided form against its contiguous form
// called on every row, bit for bit, out of place and in place, with every
// float outside the block's rows untouched.
func TestStridedForms(t *testing.T) {
	r := rand.New(rand.NewPCG(41, 43))
	for _, c := range stridedCases(r) {
		size := c.span + 5
		rowsOf := func(f func(lo, hi int)) {
			for i := range c.rows {
				if c.n > 0 {
					f(i*c.stride, i*c.stride+c.n)
				}
			}
		}
		a, x, v := bitsOf(r, size), bitsOf(r, size), bitsOf(r, max(c.n, 1))
		for _, inPlace := range []bool{false, true} {
			check := func(name string, got, want []float32) {
				t.Helper()
				if i := firstBitDiff(got, want); i >= 0 {
					t.Fatalf("%s rows=%d n=%d stride=%d inPlace=%v: dst[%d] = %v, want %v", name, c.rows, c.n, c.stride, inPlace, i, got[i], want[i])
				}
			}
			out := func() []float32 {
				if inPlace {
					return append([]float32(nil), a...)
				}
				return bitsOf(r, size)
			}
			src := func(d []float32) []float32 {
				if inPlace {
					return d
				}
				return a
			}

			got := out()
			want := append([]float32(nil), got...)
			rowsOf(func(lo, hi int) { Binary(OpMul, want[lo:hi], src(want)[lo:hi], v[:hi-lo]) })
			BinaryRowVecStrided(OpMul, got, src(got), v, c.rows, c.n, c.stride)
			check("BinaryRowVecStrided", got, want)

			got = out()
			want = append([]float32(nil), got...)
			rowsOf(func(lo, hi int) { Relu(want[lo:hi], src(want)[lo:hi]) })
			ReluStrided(got, src(got), c.rows, c.n, c.stride)
			check("ReluStrided", got, want)

			got = out()
			want = append([]float32(nil), got...)
			rowsOf(func(lo, hi int) { ReluBackward(want[lo:hi], src(want)[lo:hi], x[lo:hi]) })
			ReluBackwardStrided(got, src(got), x, c.rows, c.n, c.stride)
			check("ReluBackwardStrided", got, want)
		}
		if c.rows > 0 {
			got, want := bitsOf(r, c.n+3), make([]float32, c.n+3)
			copy(want, got)
			copy(want, a[:c.n])
			for i := 1; i < c.rows; i++ {
				Binary(OpAdd, want[:c.n], want[:c.n], a[i*c.stride:i*c.stride+c.n])
			}
			SumRowsStrided(got, a, c.rows, c.n, c.stride)
			if i := firstBitDiff(got, want); i >= 0 {
				t.Fatalf("SumRowsStrided rows=%d n=%d stride=%d: dst[%d] = %v, want %v", c.rows, c.n, c.stride, i, got[i], want[i])
			}
		}
	}
}

// TestStridedPanics: shapes that do not fit, and outputs sharing memory
// with inputs other than in place, panic with a message naming the fault.
func TestStridedPanics(t *testing.T) {
	buf := make([]float32, 100)
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"stride < n", "stride = 3 < n = 4", func() { ReluStrided(buf, buf, 2, 4, 3) }},
		{"short dst", "len(dst) = 10 < (rows-1)*stride + n = 14", func() { ReluStrided(buf[:10], buf[50:], 2, 4, 10) }},
		{"short v", "len(v) = 2 < n = 4", func() { BinaryRowVecStrided(OpAdd, buf, buf, buf[90:92], 2, 4, 10) }},
		{"v in dst", "v shares memory with dst", func() { BinaryRowVecStrided(OpAdd, buf, buf, buf[2:6], 2, 4, 10) }},
		{"shifted", "dst and x partially overlap", func() { ReluStrided(buf[1:], buf, 2, 4, 10) }},
		{"shifted dy", "dst and dy partially overlap", func() { ReluBackwardStrided(buf[1:], buf, buf[50:], 2, 4, 10) }},
		{"no rows", "rows = 0: want at least 1", func() { SumRowsStrided(buf[90:], buf, 0, 4, 10) }},
		{"sum into a", "dst shares memory with a", func() { SumRowsStrided(buf[10:], buf, 2, 4, 10) }},
		{"negative", "negative shape", func() { ReluStrided(buf, buf, -1, 4, 10) }},
	} {
		func() {
			defer func() {
				got, _ := recover().(string)
				if !strings.Contains(got, tc.want) {
					t.Errorf("%s: panic %q, want it to contain %q", tc.name, got, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
