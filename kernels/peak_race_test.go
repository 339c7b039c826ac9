package kernels

import (
	"sync"
	"testing"
)

// The all-cores roof measurements run the probes on every core at once:
// they must be free of data races (go test -race, as make test-race runs
// it at the generic level too, where the pure-Go probes store their sums).
func TestPeaksConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, probe := range []func(int) int{FMAPeak, SqrtPeak, DivPeak} {
				if n := probe(100); n <= 0 {
					t.Errorf("probe returned %d", n)
				}
			}
		}()
	}
	wg.Wait()
}
