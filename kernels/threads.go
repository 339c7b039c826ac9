package kernels

import (
	"fmt"
	"runtime"
)

// MaxThreads is the most threads SetThreads accepts: far more than any
// machine's cores, small enough that counts derived from it cannot overflow.
const MaxThreads = 1024

// CheckThreads returns an error unless n is a thread count a run can use
// on this machine: 1 to GOMAXPROCS. More threads than GOMAXPROCS would only
// take turns (and a team's barrier spins), so the CLI refuses them; the
// library's SetThreads accepts up to MaxThreads, which tests use to check
// that results do not depend on the split.
func CheckThreads(n int) error {
	if limit := runtime.GOMAXPROCS(0); n < 1 || n > limit {
		return fmt.Errorf("threads %d: accepted 1 to %d (GOMAXPROCS on this machine)", n, limit)
	}
	return nil
}
