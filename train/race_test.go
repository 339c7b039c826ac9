//go:build race

package train

// raceEnabled: the race detector slows the kernels' pure-Go loops about
// a hundredfold, so the heaviest tests run smaller shapes under it.
const raceEnabled = true
