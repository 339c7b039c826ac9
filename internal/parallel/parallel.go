// Package parallel runs independent tasks on a few goroutines, for the
// memory-bound passes that one core cannot saturate (a single core of a
// server reaches only part of the memory bandwidth that two or more do).
// The tasks are fixed before they run and each writes only its own part of
// the output, so the results never depend on the number of workers.
package parallel

import (
	"sync"
	"sync/atomic"
)

// For calls f(0), ..., f(tasks-1), each exactly once, on up to workers
// goroutines (the caller's among them) that take the next task as they
// finish one; it returns when all have returned. With workers <= 1 or a
// single task it calls them in order on the caller's goroutine. f must be
// safe to call concurrently for different tasks.
func For(workers, tasks int, f func(task int)) {
	workers = min(workers, tasks)
	if workers <= 1 {
		for i := range tasks {
			f(i)
		}
		return
	}
	var next atomic.Int64
	run := func() {
		for {
			i := int(next.Add(1) - 1)
			if i >= tasks {
				return
			}
			f(i)
		}
	}
	var wg sync.WaitGroup
	for range workers - 1 {
		wg.Go(run)
	}
	run()
	wg.Wait()
}
