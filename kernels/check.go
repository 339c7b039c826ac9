package kernels

import (
	"fmt"
	"math"
)

// The checks run before any assembly: a violated contract panics with a
// message naming the argument, its value and the bound, as gonum/blas does.

func checkSameLen(fn string, names []string, lens ...int) {
	for i := 1; i < len(lens); i++ {
		if lens[i] != lens[0] {
			panic(fmt.Sprintf("kernels: %s: len(%s) = %d != len(%s) = %d", fn, names[i], lens[i], names[0], lens[0]))
		}
	}
}

func checkShape(fn string, rows, n int) {
	if rows < 0 || n < 0 {
		panic(fmt.Sprintf("kernels: %s: negative shape rows = %d, n = %d", fn, rows, n))
	}
	if n > 0 && rows > math.MaxInt/n {
		panic(fmt.Sprintf("kernels: %s: rows*n overflows int (rows = %d, n = %d)", fn, rows, n))
	}
}

func checkAtLeast(fn, name string, length, need int, what string) {
	if length < need {
		panic(fmt.Sprintf("kernels: %s: len(%s) = %d < %s = %d", fn, name, length, what, need))
	}
}

func checkNonEmpty(fn string, length int) {
	if length == 0 {
		panic(fmt.Sprintf("kernels: %s of an empty slice (it has no maximum)", fn))
	}
}
