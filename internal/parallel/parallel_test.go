package parallel

import (
	"fmt"
	"sync/atomic"
	"testing"
)

// TestForRunsEachTaskOnce checks every task runs exactly once, whatever
// the worker count, including more workers than tasks and none.
func TestForRunsEachTaskOnce(t *testing.T) {
	for _, workers := range []int{0, 1, 2, 3, 16} {
		for _, tasks := range []int{0, 1, 2, 7, 1000} {
			counts := make([]atomic.Int32, tasks)
			For(workers, tasks, func(i int) { counts[i].Add(1) })
			for i := range counts {
				if c := counts[i].Load(); c != 1 {
					t.Fatalf("workers %d, tasks %d: task %d ran %d times", workers, tasks, i, c)
				}
			}
		}
	}
}

// TestForSerialOrder checks that one worker runs the tasks in order on
// the caller's goroutine (the deterministic fallback).
func TestForSerialOrder(t *testing.T) {
	var order []int
	For(1, 5, func(i int) { order = append(order, i) })
	for i, x := range order {
		if x != i {
			t.Fatalf("order %v, want 0..4", order)
		}
	}
}

func ExampleFor() {
	squares := make([]int, 8)
	For(4, len(squares), func(i int) { squares[i] = i * i })
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49]
}
