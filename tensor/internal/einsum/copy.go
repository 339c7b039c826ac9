package einsum

import (
	"cmp"
	"slices"
)

// dim is one dimension of a strided copy.
type dim struct{ n, ds, ss int }

// copyView copies src into dst over dst's labels; a label src lacks is
// broadcast (src stride 0).
func (ws *workspace) copyView(dst, src view, size []int) {
	dims := ws.dims.get(len(dst.labels))[:0]
	for t, l := range dst.labels {
		dims = append(dims, dim{size[l], dst.strides[t], src.strideOf(l)})
	}
	copyStrided(dst.data, src.data, dims)
}

// fillView sets every element of v to x.
func (ws *workspace) fillView(v view, size []int, x float32) {
	dims := ws.dims.get(len(v.labels))[:0]
	for t, l := range v.labels {
		dims = append(dims, dim{size[l], v.strides[t], 0})
	}
	ws.one[0] = x
	copyStrided(v.data, ws.one[:], dims)
}

// copyStrided sets dst[sum i_d*ds_d] = src[sum i_d*ss_d] over the index
// space of dims. It loops with the smallest destination stride innermost,
// merging dimensions that are contiguous in both, so that a plain copy is
// one memmove and a transpose writes sequentially.
func copyStrided(dst, src []float32, dims []dim) {
	for _, d := range dims {
		if d.n == 0 {
			return
		}
	}
	ds := slices.DeleteFunc(dims, func(d dim) bool { return d.n == 1 })
	slices.SortStableFunc(ds, func(a, b dim) int {
		if c := cmp.Compare(b.ds, a.ds); c != 0 {
			return c
		}
		return cmp.Compare(b.ss, a.ss)
	})
	// Merge an outer dimension into the next inner one where both strides
	// continue it.
	m := ds[:0]
	for _, d := range ds {
		if k := len(m) - 1; k >= 0 && m[k].ds == d.ds*d.n && m[k].ss == d.ss*d.n {
			m[k] = dim{m[k].n * d.n, d.ds, d.ss}
			continue
		}
		m = append(m, d)
	}
	if len(m) == 0 {
		dst[0] = src[0]
		return
	}
	// A transpose (src contiguous along some outer dimension, dst along
	// the inner one) goes by square tiles, so that both sides stay in
	// cache; the tiled pair is moved innermost.
	if k := tileDim(m); k >= 0 {
		t := m[k]
		m = append(slices.Delete(m, k, k+1), t)
		forOuter(m[:len(m)-2], func(od, os int) { copyTiled(dst[od:], src[os:], m[len(m)-2], m[len(m)-1]) })
		return
	}
	in := m[len(m)-1]
	forOuter(m[:len(m)-1], func(od, os int) {
		switch {
		case in.ds == 1 && in.ss == 1:
			copy(dst[od:od+in.n], src[os:os+in.n])
		case in.ss == 0:
			x := src[os]
			for i := 0; i < in.n; i++ {
				dst[od+i*in.ds] = x
			}
		default:
			for i := 0; i < in.n; i++ {
				dst[od+i*in.ds] = src[os+i*in.ss]
			}
		}
	})
}

// tile is the side of copyTiled's tiles. A tile reads tile cache lines of
// the strided side at once; at a power-of-two stride those all fall in one
// or two L1 sets, so more than the L1's ways (8 to 12) thrash; 16 beat 32
// and 8 on a 512x512 transpose (docs/performance.md).
const tile = 16

// tileDim returns the index of an outer dimension along which src is
// contiguous while dst is contiguous along the inner one, or -1.
func tileDim(m []dim) int {
	in := m[len(m)-1]
	if len(m) < 2 || in.ds != 1 || in.ss == 1 || in.n < tile {
		return -1
	}
	for k := len(m) - 2; k >= 0; k-- {
		if m[k].ss == 1 && m[k].n >= tile {
			return k
		}
	}
	return -1
}

// copyTiled copies the 2-D index space a (rows) x b (columns) tile by
// tile.
func copyTiled(dst, src []float32, a, b dim) {
	for i0 := 0; i0 < a.n; i0 += tile {
		i1 := min(i0+tile, a.n)
		for j0 := 0; j0 < b.n; j0 += tile {
			j1 := min(j0+tile, b.n)
			for i := i0; i < i1; i++ {
				d, s := i*a.ds, i*a.ss
				for j := j0; j < j1; j++ {
					dst[d+j*b.ds] = src[s+j*b.ss]
				}
			}
		}
	}
}

// forOuter calls f with the offsets in dst and src of every index of
// dims.
func forOuter(dims []dim, f func(od, os int)) {
	var buf [16]int // on the stack, for up to 16 loops
	idx := buf[:0]
	if len(dims) > len(buf) {
		idx = make([]int, len(dims))
	}
	idx = idx[:len(dims)]
	od, os := 0, 0
	for {
		f(od, os)
		t := len(dims) - 1
		for ; t >= 0; t-- {
			idx[t]++
			od += dims[t].ds
			os += dims[t].ss
			if idx[t] < dims[t].n {
				break
			}
			od -= dims[t].ds * dims[t].n
			os -= dims[t].ss * dims[t].n
			idx[t] = 0
		}
		if t < 0 {
			return
		}
	}
}
