package kernels

import (
	"fmt"
	"unsafe"
)

// The aliasing checks of the exported entry points. An output that shares
// memory with an input the kernel reads after writing (a shifted view, C
// inside A, a moment buffer inside the parameters) gives results that
// depend on the order in which elements are computed, which differs between
// levels and thread counts: the bitwise promise would break silently. The
// checks compare address ranges, a few comparisons per call.

// span returns the byte addresses [lo, hi) of the first n elements of s;
// empty for n <= 0.
func span(s []float32, n int) (lo, hi uintptr) {
	if n <= 0 || len(s) == 0 {
		return 0, 0
	}
	lo = uintptr(unsafe.Pointer(unsafe.SliceData(s)))
	return lo, lo + uintptr(n)*unsafe.Sizeof(float32(0))
}

// overlap reports whether the first n elements of x and the first m of y
// share memory.
func overlap(x []float32, n int, y []float32, m int) bool {
	xlo, xhi := span(x, n)
	ylo, yhi := span(y, m)
	return xlo < xhi && ylo < yhi && xlo < yhi && ylo < xhi
}

// checkInPlace panics unless the first n elements of out and of in are the
// same elements (in-place use, which element-wise kernels support: element
// i is read before it is written, by the same lane) or share no memory.
func checkInPlace(fn, outName string, out []float32, inName string, in []float32, n int) {
	if !overlap(out, n, in, n) || unsafe.SliceData(out) == unsafe.SliceData(in) {
		return
	}
	olo, _ := span(out, n)
	ilo, _ := span(in, n)
	shift := (int64(olo) - int64(ilo)) / int64(unsafe.Sizeof(float32(0)))
	panic(fmt.Sprintf("kernels: %s: %s and %s partially overlap (%s starts %d elements after %s, %d elements each): %s must be %s itself (in place) or share no memory with it",
		fn, outName, inName, outName, shift, inName, n, outName, inName))
}

// checkDisjoint panics if any two of the slices share memory (over their
// first n elements each): kernels that keep several arrays in step, or
// read an input after writing the output, allow no aliasing at all.
func checkDisjoint(fn string, names []string, n int, s ...[]float32) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if overlap(s[i], n, s[j], n) {
				panic(fmt.Sprintf("kernels: %s: %s and %s share memory; they must be distinct arrays", fn, names[i], names[j]))
			}
		}
	}
}

// checkGemmAliasing panics if the C matrices of a (batched) product
// overlap one another, or if the memory they span overlaps that spanned by
// A or B where those are read. It compares spans (from the first element
// to the last), so an input interleaved with C (columns of one array, say)
// is refused too: copy it first. The sizes have been checked by checkGemm.
func checkGemmAliasing(fn string, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, c []float32, ldc, batch, strideA, strideB, strideC int) {
	if m == 0 || n == 0 || batch == 0 {
		return // nothing is written
	}
	if !disjointLayout([3][2]int{{batch, strideC}, {m, ldc}, {n, 1}}) {
		panic(fmt.Sprintf("kernels: %s: the %d C matrices overlap one another (strideC = %d, ldc = %d, m = %d, n = %d): each output element must belong to one product",
			fn, batch, strideC, ldc, m, n))
	}
	cn := (batch-1)*strideC + (m-1)*ldc + n
	if alpha == 0 || k == 0 {
		return // A and B are not read
	}
	rowsA, colsA := m, k
	if transA {
		rowsA, colsA = k, m
	}
	rowsB, colsB := k, n
	if transB {
		rowsB, colsB = n, k
	}
	if overlap(c, cn, a, (batch-1)*strideA+(rowsA-1)*lda+colsA) {
		panic(fmt.Sprintf("kernels: %s: c and a share memory; the output must not overlap the inputs", fn))
	}
	if overlap(c, cn, b, (batch-1)*strideB+(rowsB-1)*ldb+colsB) {
		panic(fmt.Sprintf("kernels: %s: c and b share memory; the output must not overlap the inputs", fn))
	}
}

// disjointLayout reports whether a strided layout, given as (size, stride)
// per dimension, maps distinct indices to distinct elements by the
// sufficient test PyTorch uses for outputs: taking the dimensions of size
// > 1 by increasing stride, each stride exceeds the span of those before
// it. Dense, transposed and interleaved batches pass; a stride of 0 over
// more than one index does not.
func disjointLayout(dims [3][2]int) bool {
	// Insertion sort by stride: three dimensions, and no allocation (the
	// training step calls Sgemm allocation-free).
	for i := 1; i < len(dims); i++ {
		for j := i; j > 0 && dims[j][1] < dims[j-1][1]; j-- {
			dims[j], dims[j-1] = dims[j-1], dims[j]
		}
	}
	span := 1 // elements spanned by the dimensions taken so far
	for _, d := range dims {
		if d[0] <= 1 {
			continue
		}
		if d[1] < span {
			return false
		}
		span += (d[0] - 1) * d[1]
	}
	return true
}
