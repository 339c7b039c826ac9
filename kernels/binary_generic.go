package kernels

// applyBinary is the scalar operation of op, the definition every level's
// binary kernels reproduce.
func applyBinary(op BinaryOp, a, v float32) float32 {
	switch op {
	case OpAdd:
		return a + v
	case OpSub:
		return a - v
	case OpRSub:
		return v - a
	case OpMul:
		return a * v
	case OpDiv:
		return a / v
	case OpRDiv:
		return v / a
	case OpMax:
		if a != a || a > v {
			return a
		}
		return v
	case OpMin:
		if a != a || a < v {
			return a
		}
		return v
	}
	panic("kernels: unknown BinaryOp")
}

// binaryRowsGeneric: dst[r*n+j] = a[r*n+j] op v[j] (or += when acc).
func binaryRowsGeneric(op BinaryOp, acc bool, dst, a, v []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		d, x := dst[r*n:r*n+n], a[r*n:r*n+n]
		for j := range d {
			f := applyBinary(op, x[j], v[j])
			if acc {
				f = d[j] + f
			}
			d[j] = f
		}
	}
}

// binaryColsGeneric: dst[r*n+j] = a[r*n+j] op c[r] (or += when acc).
func binaryColsGeneric(op BinaryOp, acc bool, dst, a, c []float32, rows, n int) {
	for r := 0; r < rows; r++ {
		d, x, s := dst[r*n:r*n+n], a[r*n:r*n+n], c[r]
		for j := range d {
			f := applyBinary(op, x[j], s)
			if acc {
				f = d[j] + f
			}
			d[j] = f
		}
	}
}

func axpyToGeneric(dst []float32, alpha float32, x, y []float32) {
	for i := range dst {
		dst[i] = fma32(alpha, x[i], y[i])
	}
}

func fillGeneric(dst []float32, v float32) {
	for i := range dst {
		dst[i] = v
	}
}
