package kernels

import mc "github.com/vecgrad/vecgrad/internal/mathconst"

// lanes holds the mc.SumLanes partial sums of every sum-like reduction.
type lanes [mc.SumLanes]float32

// tree combines the lanes by halving: lane[j] += lane[j+h], h = 32 ... 1.
func (l *lanes) tree() float32 {
	for h := mc.SumLanes / 2; h >= 1; h /= 2 {
		for j := 0; j < h; j++ {
			l[j] += l[j+h]
		}
	}
	return l[0]
}

func sumGeneric(x []float32) float32 {
	var l lanes
	for i, v := range x {
		l[i%mc.SumLanes] += v
	}
	return l.tree()
}

func rowSumGeneric(dst, a []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		dst[r] = sumGeneric(a[r*n : r*n+n])
	}
}

func dotGeneric(a, b []float32) float32 {
	var l lanes
	for i := range a {
		l[i%mc.SumLanes] = fma32(a[i], b[i], l[i%mc.SumLanes])
	}
	return l.tree()
}

func sumSqGeneric(a []float32) float32 { return dotGeneric(a, a) }

// maxGeneric returns the largest element, or NaN if there is one.
func maxGeneric(x []float32) float32 {
	m := x[0]
	for _, v := range x {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

func rowMaxGeneric(dst, a []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		dst[r] = maxGeneric(a[r*n : r*n+n])
	}
}

func rowSumExpGeneric(dst, a, shift []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		var l lanes
		for j, v := range a[r*n : r*n+n] {
			l[j%mc.SumLanes] += exp32(v - shift[r])
		}
		dst[r] = l.tree()
	}
}

// argMaxGeneric returns the first index of the maximum; NaN counts as larger
// than every number (the first NaN wins), as torch.argmax does.
func argMaxGeneric(x []float32) int {
	best := 0
	for i, v := range x {
		if v != v {
			return i
		}
		if v > x[best] {
			best = i
		}
	}
	return best
}
